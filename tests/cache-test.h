/*++
 * NAME
 *	cache-test 3h
 * SUMMARY
 *	helpers shared by the cache test files
 * DESCRIPTION
 *	ct_path() names a file in the per-run directory (two results stay
 *	valid at once). ct_fill() builds a policy entry whose every field
 *	derives from domain and seq, so ct_consistent() can tell whether an
 *	entry read back holds together whoever wrote it last. CHECK() fails
 *	a case with a message in the case's (msg, msglen).
 *--*/
#ifndef MTASTS_CACHE_TEST_H
#define MTASTS_CACHE_TEST_H

#include <stddef.h>

#include <mtasts/cache.h>

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		(void) snprintf(msg, msglen, __VA_ARGS__); \
		return (-1); \
	} \
} while (0)

extern char ct_dir[256];

const char *ct_path(const char *name);
void	ct_fill(struct mtasts_cache_entry *, char *text, size_t textlen,
		const char *domain, long seq);
int	ct_consistent(const struct mtasts_cache_entry *);

/* cache-test-procs.c */
int	t_procs(char *msg, size_t msglen);
int	t_create(char *msg, size_t msglen);
int	t_threads(char *msg, size_t msglen);
int	t_killed(char *msg, size_t msglen);
int	t_fork(char *msg, size_t msglen);
int	t_speed(char *msg, size_t msglen);

#endif
