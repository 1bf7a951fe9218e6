/*++
 * NAME
 *	socketmap 3h
 * SUMMARY
 *	internal interfaces of the socketmap benchmark program
 * SYNOPSIS
 *	#include "socketmap.h"
 * DESCRIPTION
 *	bench/socketmap.c is the load generator (run, warm) and main();
 *	bench/socketmap_aux.c holds the helpers both use, the cache filler
 *	(fill) and the trivial responder (serve) that shows what the
 *	client, the kernel and the machine cost without any daemon work.
 *
 *	sm_socket() returns a socket for ADDRESS, "unix:/PATH" or
 *	"inet:IPV4:PORT": connected (TCP without Nagle delay) or, with
 *	listening set, bound and listening (a stale unix socket file is
 *	replaced); non-blocking either way. Errors end the program.
 *--*/
#ifndef BENCH_SOCKETMAP_H
#define BENCH_SOCKETMAP_H

#include <stddef.h>

void	sm_die(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));
void   *sm_realloc(void *, size_t);
double	sm_now_us(void);
unsigned long sm_number(const char *s, unsigned long min, unsigned long max,
		const char *what);
int	sm_socket(const char *addr, int listening);
/* sm_fill - COUNT fresh enforce policies straight into the cache */
void	sm_fill(const char *path, unsigned long count);
/* sm_serve - answer every query with one fixed OK, for seconds */
void	sm_serve(const char *addr, unsigned seconds);

#endif
