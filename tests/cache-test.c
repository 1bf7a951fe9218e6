/*++
 * NAME
 *	cache-test 1
 * SUMMARY
 *	tests of the LMDB policy cache, many processes included
 * SYNOPSIS
 *	cache-test
 * DESCRIPTION
 *	Runs every case in a fresh directory under $TMPDIR (default /tmp),
 *	prints "PASS cache/CASE" or "FAIL cache/CASE: why" per case and
 *	ends with "N passed, N failed"; exits 1 on any failure. Timing of a
 *	warm get is printed as "INFO", never asserted.
 *
 *	Built with its own copy of src/cache*.c and a small map
 *	(Makefile.am) so that "cache full" is reached quickly. Raw LMDB
 *	calls forge damaged records; they run only while this process has
 *	no cache handle on the same file (LMDB forbids two environments on
 *	one file per process).
 *--*/
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include <mtasts/cache.h>

#include "cache-test.h"

char	ct_dir[256];
static char why[MTASTS_REASON_MAX];

/* ct_path - a file name in the test directory */

const char *
ct_path(const char *name)
{
	static char path[2][512];
	static int n;

	n ^= 1;
	(void) snprintf(path[n], sizeof(path[n]), "%s/%s", ct_dir, name);
	return (path[n]);
}

/* ct_fill - a policy entry whose fields all derive from domain and seq */

void
ct_fill(struct mtasts_cache_entry *e, char *text, size_t textlen,
     const char *domain, long seq)
{
	memset(e, 0, sizeof(*e));
	(void) snprintf(e->domain, sizeof(e->domain), "%s", domain);
	e->kind = MTASTS_CACHE_POLICY;
	(void) snprintf(e->id, sizeof(e->id), "s%ld", seq);
	(void) snprintf(text, textlen, "version: STSv1\nmode: enforce\n"
			"mx: mx.%s\nmax_age: 86400\n# seq %ld\n", domain, seq);
	e->policy = text;
	e->policy_len = strlen(text);
	e->fetched_at = 1700000000 + seq;
	e->expires_at = e->fetched_at + 86400;
	e->last_checked = e->fetched_at;
	(void) snprintf(e->reason, sizeof(e->reason), "seq %ld", seq);
}

/* consistent - does an entry written by ct_fill() hold together? */

int
ct_consistent(const struct mtasts_cache_entry *e)
{
	char	text[512], want[64];
	long	seq;

	if (e->kind != MTASTS_CACHE_POLICY || sscanf(e->id, "s%ld", &seq) != 1)
		return (0);
	(void) snprintf(want, sizeof(want), "seq %ld", seq);
	ct_fill(&(struct mtasts_cache_entry) {0}, text, sizeof(text),
		e->domain, seq);
	return (e->policy_len == strlen(text) && memcmp(e->policy, text,
		 e->policy_len) == 0 && e->expires_at == e->fetched_at + 86400
		&& e->last_checked >= e->fetched_at
		&& strcmp(e->reason, want) == 0);
}

/* raw_put - store bytes under a key with plain LMDB calls */

static int
raw_put(const char *path, const char *key, const void *val, size_t len)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi	dbi;
	MDB_val	k = {strlen(key), (void *) key}, v = {len, (void *) val};
	int	rc;

	if ((rc = mdb_env_create(&env)) != 0)
		return (rc);
	if ((rc = mdb_env_open(env, path, MDB_NOSUBDIR, 0660)) == 0
	    && (rc = mdb_txn_begin(env, NULL, 0, &txn)) == 0) {
		if ((rc = mdb_dbi_open(txn, NULL, 0, &dbi)) == 0
		    && (rc = mdb_put(txn, dbi, &k, &v, 0)) == 0)
			rc = mdb_txn_commit(txn);
		else
			mdb_txn_abort(txn);
	}
	mdb_env_close(env);
	return (rc);
}

/* raw_get - copy out the bytes under a key */

static int
raw_get(const char *path, const char *key, unsigned char *buf, size_t *len)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi	dbi;
	MDB_val	k = {strlen(key), (void *) key}, v;
	int	rc;

	if ((rc = mdb_env_create(&env)) != 0)
		return (rc);
	if ((rc = mdb_env_open(env, path, MDB_NOSUBDIR | MDB_RDONLY, 0660)) == 0
	    && (rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) == 0) {
		if ((rc = mdb_dbi_open(txn, NULL, 0, &dbi)) == 0
		    && (rc = mdb_get(txn, dbi, &k, &v)) == 0) {
			if (v.mv_size > *len)
				rc = ENOSPC;
			else
				memcpy(buf, v.mv_data, *len = v.mv_size);
		}
		mdb_txn_abort(txn);
	}
	mdb_env_close(env);
	return (rc);
}

/* t_missing - a missing file is an empty cache, not an error */

static int
t_missing(char *msg, size_t msglen)
{
	struct mtasts_cache *c;
	struct mtasts_cache_entry e, w;
	char	text[256];
	size_t	n = 1;

	CHECK(mtasts_cache_open(ct_path("none.lmdb"), MTASTS_CACHE_RDONLY, &c,
			why, sizeof(why)) == MTASTS_NONE, "open: %s", why);
	CHECK(mtasts_cache_get(c, "example.com", &e, why, sizeof(why))
	      == MTASTS_NONE, "get on empty");
	CHECK(mtasts_cache_foreach(c, NULL, NULL, why, sizeof(why))
	      == MTASTS_OK, "foreach on empty");
	ct_fill(&w, text, sizeof(text), "example.com", 1);
	CHECK(mtasts_cache_put(c, &w, why, sizeof(why)) == MTASTS_PERM,
	      "put on read-only");
	mtasts_cache_close(c);
	CHECK(mtasts_cache_open(ct_path("none.lmdb"), MTASTS_CACHE_RDWR
		| MTASTS_CACHE_NOCREATE, &c, why, sizeof(why)) == MTASTS_NONE,
	      "nocreate: %s", why);
	CHECK(mtasts_cache_put(c, &w, why, sizeof(why)) == MTASTS_TEMP,
	      "put without file");
	CHECK(mtasts_cache_del(c, "example.com", why, sizeof(why))
	      == MTASTS_NONE, "del without file");
	CHECK(mtasts_cache_purge(c, NULL, NULL, &n, why, sizeof(why))
	      == MTASTS_OK && n == 0, "purge without file");
	mtasts_cache_close(c);
	CHECK(access(ct_path("none.lmdb"), F_OK) != 0, "file was created");
	CHECK(mtasts_cache_open(ct_path("no/such/dir/c.lmdb"),
				MTASTS_CACHE_RDWR, &c, why, sizeof(why))
	      == MTASTS_TEMP && c == NULL, "missing directory accepted");
	CHECK(strstr(why, "no/such/dir") && strstr(why, "directory"),
	      "reason does not name the directory: %s", why);
	CHECK(mtasts_cache_open(ct_path("x"), 0x80, &c, why, sizeof(why))
	      == MTASTS_PERM, "bad flags accepted");
	return (0);
}

/* same - compare every field of a written (a) and a read (b) entry */

static int
same(const struct mtasts_cache_entry *a, const struct mtasts_cache_entry *b)
{
	return (strcmp(a->domain, b->domain) == 0 && a->kind == b->kind
		&& strcmp(a->id, b->id) == 0 && a->policy_len == b->policy_len
		&& (a->policy_len == 0
		    || memcmp(a->policy, b->policy, a->policy_len) == 0)
		&& (b->policy == NULL || b->policy[b->policy_len] == 0)
		&& a->fetched_at == b->fetched_at
		&& a->expires_at == b->expires_at
		&& a->last_checked == b->last_checked
		&& strcmp(a->reason, b->reason) == 0);
}

/* t_roundtrip - every field survives put and get */

static int
t_roundtrip(char *msg, size_t msglen)
{
	struct mtasts_cache *c;
	struct mtasts_cache_entry w, r;
	struct stat st;
	char   *big;
	int	ok;

	umask(022);
	CHECK(mtasts_cache_open(ct_path("rt.lmdb"), MTASTS_CACHE_RDWR, &c,
			why, sizeof(why)) == MTASTS_OK, "open: %s", why);
	CHECK(stat(ct_path("rt.lmdb"), &st) == 0
	      && (st.st_mode & 0777) == 0660, "mode %o", st.st_mode & 0777);
	memset(&w, 0, sizeof(w));
	(void) snprintf(w.domain, sizeof(w.domain), "%s", "mail.example.com");
	w.kind = MTASTS_CACHE_POLICY;
	(void) snprintf(w.id, sizeof(w.id), "%s", "20160831085700Z");
	w.policy = "version: STSv1\r\nmode: testing\r\nmx: a\0b\r\n";
	w.policy_len = 40;			/* with the NUL inside */
	w.fetched_at = -5;
	w.expires_at = (time_t) 0x7fffffffffffLL;
	w.last_checked = 0;
	(void) snprintf(w.reason, sizeof(w.reason), "%s", "fetched over https");
	CHECK(mtasts_cache_put(c, &w, why, sizeof(why)) == MTASTS_OK,
	      "put: %s", why);
	CHECK(mtasts_cache_get(c, "mail.example.com", &r, why, sizeof(why))
	      == MTASTS_OK, "get: %s", why);
	ok = same(&w, &r);
	mtasts_cache_entry_free(&r);
	CHECK(ok, "policy entry changed on the way");

	memset(&w, 0, sizeof(w));
	(void) snprintf(w.domain, sizeof(w.domain), "%s", "neg.example");
	w.kind = MTASTS_CACHE_NOPOLICY;
	w.fetched_at = 1, w.expires_at = 2, w.last_checked = 3;
	(void) snprintf(w.reason, sizeof(w.reason), "%s",
			"no valid TXT record at _mta-sts.neg.example");
	CHECK(mtasts_cache_put(c, &w, why, sizeof(why)) == MTASTS_OK,
	      "put negative: %s", why);
	CHECK(mtasts_cache_get(c, "neg.example", &r, why, sizeof(why))
	      == MTASTS_OK && r.policy == NULL, "get negative: %s", why);
	CHECK(same(&w, &r), "negative entry changed on the way");

	CHECK((big = malloc(MTASTS_POLICY_MAX)) != NULL, "malloc");
	memset(big, 'x', MTASTS_POLICY_MAX);
	w.kind = MTASTS_CACHE_POLICY, w.policy = big;
	w.policy_len = MTASTS_POLICY_MAX;
	memset(w.reason, 'r', sizeof(w.reason) - 1);
	(void) snprintf(w.id, sizeof(w.id), "%s",
			"abcdefghijklmnopqrstuvwxyz012345");
	if (mtasts_cache_put(c, &w, why, sizeof(why)) != MTASTS_OK
	    || mtasts_cache_get(c, "neg.example", &r, why, sizeof(why))
	    != MTASTS_OK)
		ok = 0;
	else
		ok = same(&w, &r);
	mtasts_cache_entry_free(&r);
	mtasts_cache_entry_free(&r);		/* twice is harmless */
	free(big);
	mtasts_cache_close(c);
	CHECK(ok, "maximal entry: %s", why);
	return (0);
}

/* t_invalid - entries that could not be decoded again are refused */

static int
t_invalid(char *msg, size_t msglen)
{
	static const char *bad_domains[] = {"Example.com", "", ".a", "a.",
	"a b", "a\nb", NULL};
	struct mtasts_cache *c;
	struct mtasts_cache_entry w, r;
	char	text[256];
	const char **d;

	CHECK(mtasts_cache_open(ct_path("rt.lmdb"), MTASTS_CACHE_RDWR, &c,
			why, sizeof(why)) == MTASTS_OK, "open: %s", why);
	for (d = bad_domains; *d; d++) {
		ct_fill(&w, text, sizeof(text), *d, 1);
		CHECK(mtasts_cache_put(c, &w, why, sizeof(why)) == MTASTS_PERM,
		      "put accepted domain \"%s\"", *d);
		CHECK(mtasts_cache_get(c, *d, &r, why, sizeof(why))
		      == MTASTS_PERM, "get accepted domain \"%s\"", *d);
	}
	ct_fill(&w, text, sizeof(text), "ok.example", 1);
	(void) snprintf(w.id, sizeof(w.id), "%s", "a-b");
	CHECK(mtasts_cache_put(c, &w, why, sizeof(why)) == MTASTS_PERM, "id");
	ct_fill(&w, text, sizeof(text), "ok.example", 1);
	(void) snprintf(w.reason, sizeof(w.reason), "%s", "line\nbreak");
	CHECK(mtasts_cache_put(c, &w, why, sizeof(why)) == MTASTS_PERM,
	      "reason");
	ct_fill(&w, text, sizeof(text), "ok.example", 1);
	w.policy_len = 0;
	CHECK(mtasts_cache_put(c, &w, why, sizeof(why)) == MTASTS_PERM,
	      "policy without text");
	ct_fill(&w, text, sizeof(text), "ok.example", 1);
	w.policy_len = MTASTS_POLICY_MAX + 1;
	CHECK(mtasts_cache_put(c, &w, why, sizeof(why)) == MTASTS_PERM,
	      "oversized policy");
	ct_fill(&w, text, sizeof(text), "ok.example", 1);
	w.kind = 0;
	CHECK(mtasts_cache_put(c, &w, why, sizeof(why)) == MTASTS_PERM, "kind");
	mtasts_cache_close(c);
	return (0);
}

/* t_ops - touch, del, read-only sharing */

static int
t_ops(char *msg, size_t msglen)
{
	struct mtasts_cache *c, *ro, *c2;
	struct mtasts_cache_entry w, r;
	char	text[256];
	int	ok;

	CHECK(mtasts_cache_open(ct_path("ops.lmdb"), MTASTS_CACHE_RDWR, &c,
			why, sizeof(why)) == MTASTS_OK, "open: %s", why);
	ct_fill(&w, text, sizeof(text), "t.example", 7);
	CHECK(mtasts_cache_put(c, &w, why, sizeof(why)) == MTASTS_OK, "put");
	CHECK(mtasts_cache_touch(c, "t.example", 1800000000, why, sizeof(why))
	      == MTASTS_OK, "touch: %s", why);
	CHECK(mtasts_cache_get(c, "t.example", &r, why, sizeof(why))
	      == MTASTS_OK, "get: %s", why);
	w.last_checked = 1800000000;
	ok = same(&w, &r);
	mtasts_cache_entry_free(&r);
	CHECK(ok, "touch changed more than last_checked");
	CHECK(mtasts_cache_touch(c, "u.example", 1, why, sizeof(why))
	      == MTASTS_NONE, "touch of a missing entry");

	/* A second open in one process shares the environment. */
	CHECK(mtasts_cache_open(ct_path("ops.lmdb"), MTASTS_CACHE_RDONLY, &ro,
			why, sizeof(why)) == MTASTS_OK, "open ro: %s", why);
	CHECK(mtasts_cache_get(ro, "t.example", &r, why, sizeof(why))
	      == MTASTS_OK, "get ro: %s", why);
	mtasts_cache_entry_free(&r);
	CHECK(mtasts_cache_put(ro, &w, why, sizeof(why)) == MTASTS_PERM
	      && mtasts_cache_del(ro, "t.example", why, sizeof(why))
	      == MTASTS_PERM, "write through a read-only handle");
	mtasts_cache_close(c);
	CHECK(mtasts_cache_get(ro, "t.example", &r, why, sizeof(why))
	      == MTASTS_OK, "ro after closing rw: %s", why);
	mtasts_cache_entry_free(&r);
	mtasts_cache_close(ro);
	/* An environment opened read-only cannot serve a writer. */
	CHECK(mtasts_cache_open(ct_path("ops.lmdb"), MTASTS_CACHE_RDONLY, &ro,
			why, sizeof(why)) == MTASTS_OK, "open ro: %s", why);
	CHECK(mtasts_cache_open(ct_path("ops.lmdb"), MTASTS_CACHE_RDWR, &c2,
			why, sizeof(why)) == MTASTS_TEMP && c2 == NULL,
	      "rdwr over ro");
	mtasts_cache_close(ro);

	CHECK(mtasts_cache_open(ct_path("ops.lmdb"), MTASTS_CACHE_RDWR, &c,
			why, sizeof(why)) == MTASTS_OK, "reopen: %s", why);
	CHECK(mtasts_cache_del(c, "t.example", why, sizeof(why)) == MTASTS_OK,
	      "del: %s", why);
	CHECK(mtasts_cache_get(c, "t.example", &r, why, sizeof(why))
	      == MTASTS_NONE, "get after del");
	CHECK(mtasts_cache_del(c, "t.example", why, sizeof(why))
	      == MTASTS_NONE, "second del");
	mtasts_cache_close(c);
	return (0);
}

struct walk {
	struct mtasts_cache *c;
	int	n, stop_at, del, bad;
	char	last[MTASTS_DOMAIN_MAX + 1];
};

/* walk_cb - count, check order, optionally stop or delete */

static int
walk_cb(void *arg, const struct mtasts_cache_entry *e)
{
	struct walk *w = arg;

	if (!ct_consistent(e) || strcmp(w->last, e->domain) >= 0)
		w->bad++;
	(void) snprintf(w->last, sizeof(w->last), "%s", e->domain);
	if (w->del && mtasts_cache_del(w->c, e->domain, NULL, 0) != MTASTS_OK)
		w->bad++;
	return (++w->n == w->stop_at);
}

static int npurged;

/* purge_cb - count removed names */

static void
purge_cb(void *arg, const char *domain)
{
	npurged++;
}

/* t_foreach - walk order, early stop, deleting sweep, purge */

static int
t_foreach(char *msg, size_t msglen)
{
	struct mtasts_cache *c;
	struct mtasts_cache_entry w;
	struct walk wk;
	char	text[256], d[64];
	size_t	n;
	int	i;

	CHECK(mtasts_cache_open(ct_path("walk.lmdb"), MTASTS_CACHE_RDWR, &c,
			why, sizeof(why)) == MTASTS_OK, "open: %s", why);
	for (i = 0; i < 10; i++) {
		(void) snprintf(d, sizeof(d), "d%d.example", 9 - i);
		ct_fill(&w, text, sizeof(text), d, i);
		CHECK(mtasts_cache_put(c, &w, why, sizeof(why)) == MTASTS_OK,
		      "put: %s", why);
	}
	memset(&wk, 0, sizeof(wk));
	CHECK(mtasts_cache_foreach(c, walk_cb, &wk, why, sizeof(why))
	      == MTASTS_OK && wk.n == 10 && wk.bad == 0, "walk: %d/%d %s",
	      wk.n, wk.bad, why);
	memset(&wk, 0, sizeof(wk));
	wk.stop_at = 3;
	CHECK(mtasts_cache_foreach(c, walk_cb, &wk, why, sizeof(why))
	      == MTASTS_OK && wk.n == 3, "early stop: %d", wk.n);
	memset(&wk, 0, sizeof(wk));
	wk.c = c, wk.del = 1, wk.stop_at = 5;
	CHECK(mtasts_cache_foreach(c, walk_cb, &wk, why, sizeof(why))
	      == MTASTS_OK && wk.n == 5 && wk.bad == 0, "deleting sweep");
	npurged = 0;
	CHECK(mtasts_cache_purge(c, purge_cb, NULL, &n, why, sizeof(why))
	      == MTASTS_OK && n == 5 && npurged == 5, "purge: %zu %d %s", n,
	      npurged, why);
	memset(&wk, 0, sizeof(wk));
	CHECK(mtasts_cache_foreach(c, walk_cb, &wk, why, sizeof(why))
	      == MTASTS_OK && wk.n == 0, "entries after purge");
	mtasts_cache_close(c);
	return (0);
}

/* t_corrupt - damaged records are reported, never used */

static int
t_corrupt(char *msg, size_t msglen)
{
	static const char *names[] = {"garbage.example", "short.example",
	"version.example", "sum.example", "len.example"};
	struct mtasts_cache *c;
	struct mtasts_cache_entry w, r;
	struct walk wk;
	unsigned char rec[512], bad[512];
	char	text[256];
	size_t	len = sizeof(rec), i;
	int	rc;

	CHECK(mtasts_cache_open(ct_path("bad.lmdb"), MTASTS_CACHE_RDWR, &c,
			why, sizeof(why)) == MTASTS_OK, "open: %s", why);
	ct_fill(&w, text, sizeof(text), "good.example", 1);
	CHECK(mtasts_cache_put(c, &w, why, sizeof(why)) == MTASTS_OK, "put");
	mtasts_cache_close(c);

	/* Forge damage with raw LMDB while no handle is open here. */
	CHECK((rc = raw_get(ct_path("bad.lmdb"), "good.example", rec, &len))
	      == 0, "raw get: %s", mdb_strerror(rc));
	rc = raw_put(ct_path("bad.lmdb"), names[0], "\x01\x02garbage", 9);
	if (rc == 0)
		rc = raw_put(ct_path("bad.lmdb"), names[1], rec, len - 10);
	memcpy(bad, rec, len), bad[0] = 2;
	if (rc == 0)
		rc = raw_put(ct_path("bad.lmdb"), names[2], bad, len);
	memcpy(bad, rec, len), bad[len - 5] ^= 1;
	if (rc == 0)
		rc = raw_put(ct_path("bad.lmdb"), names[3], bad, len);
	memcpy(bad, rec, len), bad[35] += 1;
	if (rc == 0)
		rc = raw_put(ct_path("bad.lmdb"), names[4], bad, len);
	if (rc == 0)
		rc = raw_put(ct_path("bad.lmdb"), "BAD KEY", rec, len);
	CHECK(rc == 0, "raw put: %s", mdb_strerror(rc));

	CHECK(mtasts_cache_open(ct_path("bad.lmdb"), MTASTS_CACHE_RDWR, &c,
			why, sizeof(why)) == MTASTS_OK, "reopen: %s", why);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		CHECK(mtasts_cache_get(c, names[i], &r, why, sizeof(why))
		      == MTASTS_TEMP && r.policy == NULL, "%s decoded",
		      names[i]);
		CHECK(strstr(why, names[i]) && strstr(why, "corrupt"),
		      "reason: %s", why);
	}
	CHECK(mtasts_cache_touch(c, names[3], 5, why, sizeof(why))
	      == MTASTS_TEMP, "touch of a corrupt record");
	memset(&wk, 0, sizeof(wk));
	CHECK(mtasts_cache_foreach(c, walk_cb, &wk, why, sizeof(why))
	      == MTASTS_TEMP && wk.n == 1 && wk.bad == 0, "walk: %d %s",
	      wk.n, why);
	CHECK(strstr(why, "and 5 more"), "walk reason: %s", why);
	CHECK(mtasts_cache_del(c, names[0], why, sizeof(why)) == MTASTS_OK,
	      "del of a corrupt record");
	CHECK(mtasts_cache_purge(c, NULL, NULL, &len, why, sizeof(why))
	      == MTASTS_OK && len == 6, "purge: %zu", len);
	mtasts_cache_close(c);
	return (0);
}

/* write_file - replace a file with len bytes of buf */

static int
write_file(const char *path, const void *buf, size_t len)
{
	int	fd, ok;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		return (-1);
	ok = write(fd, buf, len) == (ssize_t) len;
	return (close(fd) == 0 && ok ? 0 : -1);
}

/* t_badfile - garbage and truncated files are errors, not crashes */

static int
t_badfile(char *msg, size_t msglen)
{
	struct mtasts_cache *c;
	struct mtasts_cache_entry w;
	struct stat st;
	char	text[4096], d[64];
	unsigned char junk[65536];
	size_t	i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char) (i * 7919 >> 3);
	CHECK(write_file(ct_path("junk.lmdb"), junk, sizeof(junk)) == 0,
	      "write");
	CHECK(mtasts_cache_open(ct_path("junk.lmdb"), MTASTS_CACHE_RDONLY, &c,
			why, sizeof(why)) == MTASTS_PERM, "junk ro opened");
	CHECK(strstr(why, "not an LMDB file"), "junk reason: %s", why);
	CHECK(mtasts_cache_open(ct_path("junk.lmdb"), MTASTS_CACHE_RDWR, &c,
			why, sizeof(why)) == MTASTS_PERM, "junk rw opened");
	/* Damage is repaired by moving the file aside. */
	{
		char	aside[4200];

		CHECK(mtasts_cache_rebuild(ct_path("junk.lmdb"), aside, sizeof(aside),
				why, sizeof(why)) == MTASTS_OK, "rebuild: %s", why);
		CHECK(access(aside, F_OK) == 0, "aside file %s missing", aside);
		CHECK(mtasts_cache_open(ct_path("junk.lmdb"), MTASTS_CACHE_RDWR, &c,
				why, sizeof(why)) == MTASTS_OK, "after rebuild: %s", why);
		mtasts_cache_close(c);
	}

	/* A real database with many pages, then cut short. */
	CHECK(mtasts_cache_open(ct_path("cut.lmdb"), MTASTS_CACHE_RDWR, &c,
			why, sizeof(why)) == MTASTS_OK, "open: %s", why);
	memset(&w, 0, sizeof(w));
	memset(text, 'p', sizeof(text) - 1);
	text[sizeof(text) - 1] = 0;
	for (i = 0; i < 100; i++) {
		(void) snprintf(w.domain, sizeof(w.domain), "c%zu.example", i);
		w.kind = MTASTS_CACHE_POLICY, w.policy = text;
		w.policy_len = sizeof(text) - 1;
		CHECK(mtasts_cache_put(c, &w, why, sizeof(why)) == MTASTS_OK,
		      "put: %s", why);
	}
	mtasts_cache_close(c);
	CHECK(stat(ct_path("cut.lmdb"), &st) == 0, "stat");
	CHECK(truncate(ct_path("cut.lmdb"), st.st_size / 2) == 0, "truncate");
	CHECK(mtasts_cache_open(ct_path("cut.lmdb"), MTASTS_CACHE_RDONLY, &c,
			why, sizeof(why)) == MTASTS_PERM, "half file opened");
	CHECK(strstr(why, "truncated"), "half reason: %s", why);
	CHECK(truncate(ct_path("cut.lmdb"), 5000) == 0, "truncate");
	CHECK(mtasts_cache_open(ct_path("cut.lmdb"), MTASTS_CACHE_RDWR, &c,
			why, sizeof(why)) == MTASTS_PERM, "stub file opened");

	/* An empty file is a cache nobody has written yet. */
	CHECK(write_file(ct_path("empty.lmdb"), "", 0) == 0, "write");
	CHECK(mtasts_cache_open(ct_path("empty.lmdb"), MTASTS_CACHE_RDONLY, &c,
			why, sizeof(why)) == MTASTS_NONE, "empty ro: %s", why);
	mtasts_cache_close(c);
	CHECK(mtasts_cache_open(ct_path("empty.lmdb"), MTASTS_CACHE_RDWR, &c,
			why, sizeof(why)) == MTASTS_OK, "empty rw: %s", why);
	mtasts_cache_close(c);
	(void) snprintf(d, sizeof(d), "%s", ct_path("."));
	CHECK(mtasts_cache_open(d, MTASTS_CACHE_RDONLY, &c, why, sizeof(why))
	      == MTASTS_TEMP, "directory opened");
	return (0);
}

/* t_full - a full map is a clear error; deleting makes room again */

static int
t_full(char *msg, size_t msglen)
{
	struct mtasts_cache *c;
	struct mtasts_cache_entry w, r;
	char   *text;
	int	i;
	enum mtasts_status s = MTASTS_OK;

	CHECK(mtasts_cache_open(ct_path("full.lmdb"), MTASTS_CACHE_RDWR, &c,
			why, sizeof(why)) == MTASTS_OK, "open: %s", why);
	CHECK((text = malloc(MTASTS_POLICY_MAX)) != NULL, "malloc");
	memset(text, 'f', MTASTS_POLICY_MAX);
	memset(&w, 0, sizeof(w));
	w.kind = MTASTS_CACHE_POLICY, w.policy = text;
	w.policy_len = MTASTS_POLICY_MAX;
	for (i = 0; i < 1000 && s == MTASTS_OK; i++) {
		(void) snprintf(w.domain, sizeof(w.domain), "f%d.example", i);
		s = mtasts_cache_put(c, &w, why, sizeof(why));
	}
	if (s == MTASTS_TEMP && strstr(why, "cache full")
	    && mtasts_cache_get(c, "f0.example", &r, why, sizeof(why))
	    == MTASTS_OK) {
		mtasts_cache_entry_free(&r);
		/* Room again once entries go. */
		if (mtasts_cache_del(c, "f0.example", why, sizeof(why))
		    != MTASTS_OK
		    || mtasts_cache_del(c, "f1.example", why, sizeof(why))
		    != MTASTS_OK
		    || mtasts_cache_put(c, &w, why, sizeof(why)) != MTASTS_OK)
			s = MTASTS_PERM;
	}
	free(text);
	mtasts_cache_close(c);
	CHECK(s == MTASTS_TEMP, "after %d puts: %s (%s)", i,
	      mtasts_status_str(s), why);
	CHECK(strstr(why, "cache full"), "reason: %s", why);
	return (0);
}

static const struct {
	const char *name;
	int	(*fn)(char *, size_t);
} cases[] = {
	{"missing", t_missing},
	{"roundtrip", t_roundtrip},
	{"invalid", t_invalid},
	{"ops", t_ops},
	{"foreach", t_foreach},
	{"corrupt", t_corrupt},
	{"badfile", t_badfile},
	{"full", t_full},
	{"procs", t_procs},
	{"create", t_create},
	{"threads", t_threads},
	{"killed", t_killed},
	{"fork", t_fork},
	{"speed", t_speed},
};

int
main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	char	msg[512], cmd[300];
	size_t	i;
	int	pass = 0, fail = 0, n;

	(void) snprintf(ct_dir, sizeof(ct_dir), "%s/cache-test.XXXXXX",
			tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(ct_dir) == NULL) {
		fprintf(stderr, "cache-test: mkdtemp %s: %s\n", ct_dir,
			strerror(errno));
		return (1);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		msg[0] = 0;
		if (cases[i].fn(msg, sizeof(msg)) == 0) {
			printf("PASS cache/%s\n", cases[i].name);
			pass++;
		} else {
			printf("FAIL cache/%s: %s\n", cases[i].name, msg);
			fail++;
		}
	}
	/* mkdtemp names have no quote; the check keeps it that way. */
	n = snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ct_dir);
	if (n > 0 && (size_t) n < sizeof(cmd) && strchr(ct_dir, '\'') == NULL)
		(void) system(cmd);
	printf("%d passed, %d failed\n", pass, fail);
	return (fail ? 1 : 0);
}

