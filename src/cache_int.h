/*++
 * NAME
 *	cache_int 3h
 * SUMMARY
 *	internals shared by cache.c, cache_env.c and cache_rec.c
 * DESCRIPTION
 *	Not installed. struct cache_env is one LMDB environment per file
 *	per process, shared by every handle on that file and freed with the
 *	last one; a handle without one is an empty cache.
 *
 *	mtasts_cache_key_ok() accepts a normalised domain: 1..253 bytes of
 *	[a-z0-9._-], no leading or trailing dot.
 *	mtasts_cache_entry_check() says whether an entry may be stored (it
 *	would decode again). mtasts_cache_rec_size() and _encode() turn a
 *	checked entry into a record of exactly that size.
 *	mtasts_cache_rec_decode() checks every field of stored bytes and
 *	fills a view pointing into them (valid while the transaction that
 *	read them is open); mtasts_cache_rec_entry() copies a view into a
 *	zeroed entry (-1 when memory runs out). mtasts_cache_rec_touch()
 *	rewrites last_checked in the bytes of a record that decoded.
 *	mtasts_cache_txn_read() begins a read transaction, clearing slots
 *	of dead readers when the table is full. mtasts_cache_err() turns an
 *	LMDB or errno code into a reason prefixed with what.
 *--*/
#ifndef MTASTS_CACHE_INT_H
#define MTASTS_CACHE_INT_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <lmdb.h>

#include <mtasts/cache.h>

struct cache_env {
	struct cache_env *next;
	dev_t	dev;
	ino_t	ino;
	pid_t	pid;			/* the process that opened it */
	int	rdwr;
	unsigned refs;
	MDB_env *env;
	MDB_dbi	dbi;
};

struct mtasts_cache {
	struct cache_env *ce;		/* NULL: empty handle */
	int	rdwr;
};

struct cache_rec {
	int	kind;
	size_t	idlen, rlen, plen;
	const unsigned char *id, *reason, *policy;
	int64_t	fetched_at, expires_at, last_checked;
};

/* cache_rec.c */
int	mtasts_cache_key_ok(const char *, size_t);
const char *mtasts_cache_key_text(const void *, size_t, char *, size_t);
int	mtasts_cache_entry_check(const struct mtasts_cache_entry *,
		char *why, size_t whylen);
size_t	mtasts_cache_rec_size(const struct mtasts_cache_entry *);
void	mtasts_cache_rec_encode(const struct mtasts_cache_entry *,
		unsigned char *, size_t);
int	mtasts_cache_rec_decode(const unsigned char *, size_t,
		struct cache_rec *, char *why, size_t whylen);
int	mtasts_cache_rec_entry(const void *key, size_t keylen,
		const struct cache_rec *, struct mtasts_cache_entry *);
void	mtasts_cache_rec_touch(unsigned char *, size_t, time_t);

/* cache_env.c */
int	mtasts_cache_txn_read(struct cache_env *, MDB_txn **);
void	mtasts_cache_err(int rc, const char *what, char *why, size_t whylen);

#endif
