/*++
 * NAME
 *	cache 3
 * SUMMARY
 *	the shared on-disk policy cache: get, put, touch, del, purge, walk
 * SYNOPSIS
 *	#include <mtasts/cache.h>
 * DESCRIPTION
 *	See cache.h for the interface; cache_env.c opens the LMDB file and
 *	cache_rec.c holds the record format. Every call runs in its own
 *	short transaction and nothing is held between calls, so a reader
 *	slot is taken only while a call runs and a get costs a few hundred
 *	nanoseconds on a warm cache.
 *--*/
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include <mtasts/buf.h>
#include <mtasts/cache.h>
#include <mtasts/limits.h>

#include "cache_int.h"

/* An operation inside a write transaction failed and already said why. */
#define CACHE_BAD	(-30000 - 1)

/* domain_key - check a caller's domain and make it a key */

static int
domain_key(const char *domain, MDB_val *key, char *why, size_t whylen)
{
	size_t	len = strnlen(domain, MTASTS_DOMAIN_MAX + 1);
	char	kbuf[MTASTS_DOMAIN_MAX + 4];

	if (!mtasts_cache_key_ok(domain, len)) {
		mtasts_why(why, whylen, "%s: not a normalised domain name",
			   mtasts_cache_key_text(domain, len, kbuf,
						 sizeof(kbuf)));
		return (-1);
	}
	key->mv_data = (void *) domain;
	key->mv_size = len;
	return (0);
}

/* mtasts_cache_get - copy out one entry */

enum mtasts_status
mtasts_cache_get(struct mtasts_cache *c, const char *domain,
		 struct mtasts_cache_entry *out, char *why, size_t whylen)
{
	struct cache_rec v;
	MDB_val	key, val;
	MDB_txn *txn;
	char	err[MTASTS_REASON_MAX];
	enum mtasts_status s;
	int	rc;

	memset(out, 0, sizeof(*out));
	if (domain_key(domain, &key, why, whylen) != 0)
		return (MTASTS_PERM);
	if (c->ce == NULL)
		return (MTASTS_NONE);
	if ((rc = mtasts_cache_txn_read(c->ce, &txn)) != 0) {
		mtasts_cache_err(rc, domain, why, whylen);
		return (MTASTS_TEMP);
	}
	if ((rc = mdb_get(txn, c->ce->dbi, &key, &val)) == MDB_NOTFOUND) {
		s = MTASTS_NONE;
	} else if (rc != 0) {
		mtasts_cache_err(rc, domain, why, whylen);
		s = MTASTS_TEMP;
	} else if (mtasts_cache_rec_decode(val.mv_data, val.mv_size, &v,
					   err, sizeof(err)) != 0) {
		mtasts_why(why, whylen, "%s: corrupt cache record: %s",
			   domain, err);
		s = MTASTS_TEMP;
	} else if (mtasts_cache_rec_entry(key.mv_data, key.mv_size, &v,
					  out) != 0) {
		mtasts_why(why, whylen, "%s: out of memory", domain);
		s = MTASTS_TEMP;
	} else {
		s = MTASTS_OK;
	}
	mdb_txn_abort(txn);
	return (s);
}

/* cache_write - run op in a write txn, retrying after a reader check */

static enum mtasts_status
cache_write(struct mtasts_cache *c, const char *what,
	    int (*op) (MDB_txn *, MDB_dbi, void *, char *, size_t),
	    void *arg, char *why, size_t whylen)
{
	MDB_txn *txn;
	int	rc, dead, i;

	if (!c->rdwr) {
		mtasts_why(why, whylen, "%s: cache opened read-only", what);
		return (MTASTS_PERM);
	}
	if (c->ce == NULL) {
		mtasts_why(why, whylen, "%s: no cache file", what);
		return (MTASTS_TEMP);
	}
	for (i = 0;; i++) {
		if ((rc = mdb_txn_begin(c->ce->env, NULL, 0, &txn)) == 0) {
			if ((rc = op(txn, c->ce->dbi, arg, why, whylen)) == 0)
				rc = mdb_txn_commit(txn);
			else
				mdb_txn_abort(txn);
		}
		if (rc == 0)
			return (MTASTS_OK);
		if (rc == MDB_NOTFOUND)
			return (MTASTS_NONE);
		if (rc == CACHE_BAD)
			return (MTASTS_TEMP);
		/*
		 * Old pages stay pinned while a dead process holds a reader
		 * slot; clearing those may free enough room to succeed.
		 */
		if ((rc != MDB_MAP_FULL && rc != MDB_READERS_FULL)
		    || i >= MTASTS_CACHE_RETRIES - 1)
			break;
		(void) mdb_reader_check(c->ce->env, &dead);
	}
	mtasts_cache_err(rc, what, why, whylen);
	return (MTASTS_TEMP);
}

/* op_put - write one encoded entry in place */

static int
op_put(MDB_txn *txn, MDB_dbi dbi, void *arg, char *why, size_t whylen)
{
	const struct mtasts_cache_entry *e = arg;
	MDB_val	key, val;
	int	rc;

	key.mv_data = (void *) e->domain;
	key.mv_size = strlen(e->domain);
	val.mv_size = mtasts_cache_rec_size(e);
	val.mv_data = NULL;
	if ((rc = mdb_put(txn, dbi, &key, &val, MDB_RESERVE)) == 0)
		mtasts_cache_rec_encode(e, val.mv_data, val.mv_size);
	return (rc);
}

/* mtasts_cache_put - store (replace) one entry */

enum mtasts_status
mtasts_cache_put(struct mtasts_cache *c, const struct mtasts_cache_entry *e,
		 char *why, size_t whylen)
{
	if (mtasts_cache_entry_check(e, why, whylen) != 0)
		return (MTASTS_PERM);
	return (cache_write(c, e->domain, op_put, (void *) e, why, whylen));
}

struct touch_arg {
	MDB_val	key;
	time_t	last_checked;
};

/* op_touch - rewrite last_checked of a record that decodes */

static int
op_touch(MDB_txn *txn, MDB_dbi dbi, void *arg, char *why, size_t whylen)
{
	struct touch_arg *t = arg;
	struct cache_rec v;
	MDB_val	val;
	unsigned char *copy;
	char	err[MTASTS_REASON_MAX];
	int	rc;

	if ((rc = mdb_get(txn, dbi, &t->key, &val)) != 0)
		return (rc);
	if (mtasts_cache_rec_decode(val.mv_data, val.mv_size, &v, err,
				    sizeof(err)) != 0) {
		mtasts_why(why, whylen, "%.*s: corrupt cache record: %s",
			   (int) t->key.mv_size, (char *) t->key.mv_data, err);
		return (CACHE_BAD);
	}
	/* A copy: the stored bytes may move once this transaction writes. */
	if ((copy = malloc(val.mv_size)) == NULL) {
		mtasts_why(why, whylen, "out of memory");
		return (CACHE_BAD);
	}
	memcpy(copy, val.mv_data, val.mv_size);
	mtasts_cache_rec_touch(copy, val.mv_size, t->last_checked);
	val.mv_data = copy;
	rc = mdb_put(txn, dbi, &t->key, &val, 0);
	free(copy);
	return (rc);
}

/* mtasts_cache_touch - update last_checked only */

enum mtasts_status
mtasts_cache_touch(struct mtasts_cache *c, const char *domain,
		   time_t last_checked, char *why, size_t whylen)
{
	struct touch_arg t;

	if (domain_key(domain, &t.key, why, whylen) != 0)
		return (MTASTS_PERM);
	if (c->ce == NULL && c->rdwr)
		return (MTASTS_NONE);
	t.last_checked = last_checked;
	return (cache_write(c, domain, op_touch, &t, why, whylen));
}

/* op_del - remove one key */

static int
op_del(MDB_txn *txn, MDB_dbi dbi, void *arg, char *why, size_t whylen)
{
	return (mdb_del(txn, dbi, arg, NULL));
}

/* mtasts_cache_del - remove one entry */

enum mtasts_status
mtasts_cache_del(struct mtasts_cache *c, const char *domain,
		 char *why, size_t whylen)
{
	MDB_val	key;

	if (domain_key(domain, &key, why, whylen) != 0)
		return (MTASTS_PERM);
	if (c->ce == NULL && c->rdwr)
		return (MTASTS_NONE);
	return (cache_write(c, domain, op_del, &key, why, whylen));
}

struct purge_arg {
	struct mtasts_buf names;	/* NUL-separated printable keys */
	size_t	count;
	int	want_names;
};

/* op_purge - note every key, then empty the database */

static int
op_purge(MDB_txn *txn, MDB_dbi dbi, void *arg, char *why, size_t whylen)
{
	struct purge_arg *pa = arg;
	MDB_cursor *cur;
	MDB_val	key, val;
	char	kbuf[MTASTS_DOMAIN_MAX + 4];
	int	rc;

	/* A retry after a full map starts over. */
	mtasts_buf_reset(&pa->names);
	pa->count = 0;
	if ((rc = mdb_cursor_open(txn, dbi, &cur)) != 0)
		return (rc);
	while ((rc = mdb_cursor_get(cur, &key, &val,
				    pa->count ? MDB_NEXT : MDB_FIRST)) == 0) {
		pa->count++;
		if (pa->want_names) {
			mtasts_buf_puts(&pa->names,
					mtasts_cache_key_text(key.mv_data,
					key.mv_size, kbuf, sizeof(kbuf)));
			mtasts_buf_append(&pa->names, "", 1);
		}
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return (rc);
	if (pa->names.oom) {
		mtasts_why(why, whylen, "out of memory");
		return (CACHE_BAD);
	}
	return (mdb_drop(txn, dbi, 0));
}

/* mtasts_cache_purge - remove every entry */

enum mtasts_status
mtasts_cache_purge(struct mtasts_cache *c,
		   void (*cb) (void *arg, const char *domain), void *arg,
		   size_t *count, char *why, size_t whylen)
{
	struct purge_arg pa;
	enum mtasts_status s;
	size_t	off;

	if (count)
		*count = 0;
	if (c->ce == NULL && c->rdwr)
		return (MTASTS_OK);
	memset(&pa, 0, sizeof(pa));
	pa.want_names = (cb != NULL);
	s = cache_write(c, "purge", op_purge, &pa, why, whylen);
	if (s == MTASTS_OK) {
		if (count)
			*count = pa.count;
		/* Only after the commit: report what is really gone. */
		for (off = 0; cb && off < pa.names.len;
		     off += strlen(pa.names.data + off) + 1)
			cb(arg, pa.names.data + off);
	}
	mtasts_buf_free(&pa.names);
	return (s);
}

/* mtasts_cache_foreach - walk a snapshot of all entries */

enum mtasts_status
mtasts_cache_foreach(struct mtasts_cache *c,
		     int (*cb) (void *arg, const struct mtasts_cache_entry *),
		     void *arg, char *why, size_t whylen)
{
	struct mtasts_cache_entry e;
	struct cache_rec v;
	MDB_cursor *cur;
	MDB_txn *txn;
	MDB_val	key, val;
	char	err[MTASTS_REASON_MAX], kbuf[MTASTS_DOMAIN_MAX + 4];
	size_t	nbad = 0;
	int	rc, op = MDB_FIRST, stop = 0;

	if (c->ce == NULL)
		return (MTASTS_OK);
	if ((rc = mtasts_cache_txn_read(c->ce, &txn)) != 0) {
		mtasts_cache_err(rc, "foreach", why, whylen);
		return (MTASTS_TEMP);
	}
	if ((rc = mdb_cursor_open(txn, c->ce->dbi, &cur)) != 0) {
		mdb_txn_abort(txn);
		mtasts_cache_err(rc, "foreach", why, whylen);
		return (MTASTS_TEMP);
	}
	while (!stop && (rc = mdb_cursor_get(cur, &key, &val, op)) == 0) {
		op = MDB_NEXT;
		if (!mtasts_cache_key_ok(key.mv_data, key.mv_size)) {
			if (nbad++ == 0)
				mtasts_why(why, whylen, "%s: bad key in cache",
					   mtasts_cache_key_text(key.mv_data,
					   key.mv_size, kbuf, sizeof(kbuf)));
		} else if (mtasts_cache_rec_decode(val.mv_data, val.mv_size,
						   &v, err, sizeof(err)) != 0) {
			if (nbad++ == 0)
				mtasts_why(why, whylen, "%.*s: corrupt cache "
					   "record: %s", (int) key.mv_size,
					   (char *) key.mv_data, err);
		} else {
			memset(&e, 0, sizeof(e));
			if (mtasts_cache_rec_entry(key.mv_data, key.mv_size,
						   &v, &e) != 0) {
				rc = ENOMEM;
				break;
			}
			stop = cb(arg, &e);
			mtasts_cache_entry_free(&e);
		}
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	if (rc != 0 && rc != MDB_NOTFOUND) {
		mtasts_cache_err(rc, "foreach", why, whylen);
		return (MTASTS_TEMP);
	}
	if (nbad) {
		/* Keep the first reason; say how many more there were. */
		if (nbad > 1 && why && strlen(why) + 32 < whylen)
			(void) snprintf(why + strlen(why), whylen - strlen(why),
				 " (and %zu more)", nbad - 1);
		return (MTASTS_TEMP);
	}
	return (MTASTS_OK);
}

