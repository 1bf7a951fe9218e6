/*++
 * NAME
 *	vec 3h
 * SUMMARY
 *	test vectors as data files: format and runner interface
 * DESCRIPTION
 *	A vector file (tests/vectors/KIND/NAME.vec) is a list of fields:
 *
 *	# comment			ignored (only between fields)
 *	key: value			value with C-like escapes: \n \r \t \\
 *					\0 and \xHH; leading blanks after ':'
 *					are skipped, trailing ones kept
 *	key<<TAG			raw block: following lines up to a
 *	...				line that is exactly TAG; each line
 *	TAG				keeps its "\n" (so a block ends in "\n")
 *
 *	A key may repeat (e.g. several "record:" lines); vec_get() returns
 *	the first, vec_nth() the n-th. The directory name KIND selects the
 *	handler. A handler returns 0 when the vector passes, else -1 with a
 *	reason in why.
 *--*/
#ifndef MTASTS_TEST_VEC_H
#define MTASTS_TEST_VEC_H

#include <stddef.h>

struct vec_field {
	char   *key;
	char   *val;			/* NUL-terminated; may contain NULs */
	size_t	len;
};

struct vec {
	const char *path;
	size_t	n;
	struct vec_field *f;
};

/* vec_get - first value of key, or NULL; *len (if not NULL) its length */
const char *vec_get(const struct vec *, const char *key, size_t *len);
/* vec_nth - n-th (0-based) value of key, or NULL */
const char *vec_nth(const struct vec *, const char *key, size_t n, size_t *len);
/* vec_count - how many times key occurs */
size_t	vec_count(const struct vec *, const char *key);
/* vec_fail - set why and return -1 */
int	vec_fail(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Handlers, one per KIND directory. */
int	vec_txt(const struct vec *, char *why, size_t whylen);
int	vec_select(const struct vec *, char *why, size_t whylen);
int	vec_policy(const struct vec *, char *why, size_t whylen);
int	vec_match(const struct vec *, char *why, size_t whylen);
int	vec_key(const struct vec *, char *why, size_t whylen);
int	vec_config(const struct vec *, char *why, size_t whylen);
int	vec_http(const struct vec *, char *why, size_t whylen);
int	vec_netstring(const struct vec *, char *why, size_t whylen);
int	vec_maillog(const struct vec *, char *why, size_t whylen);

/* vec_load - parse a vector file; returns 0 or -1 with why */
int	vec_load(const char *path, struct vec *, char *why, size_t whylen);
void	vec_free(struct vec *);

#endif
