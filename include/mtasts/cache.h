/*++
 * NAME
 *	cache 3h
 * SUMMARY
 *	the shared on-disk policy cache (one LMDB file)
 * SYNOPSIS
 *	#include <mtasts/cache.h>
 * DESCRIPTION
 *	One LMDB file holds one entry per policy domain. Many processes may
 *	use it at once (Exim delivery processes, mtastsd, the milter, the
 *	mtasts tool): readers never block, one writer at a time, and a crash
 *	at any moment leaves the last committed state. The cache knows
 *	nothing of DNS, fetching or RFC 8461 refresh rules; it stores and
 *	returns entries. Keys are normalised domain names (lower case, no
 *	trailing dot); the caller normalises (mtasts_key_normalize()), the
 *	cache only refuses keys that are plainly not normalised.
 *
 *	mtasts_cache_open() opens path (MTASTS_DEFAULT_CACHE when NULL).
 *	MTASTS_CACHE_RDONLY never writes data (LMDB still records readers in
 *	the "-lock" sibling, so that file must be writable).
 *	MTASTS_CACHE_RDWR creates the file (mode 0660) when it is missing;
 *	add MTASTS_CACHE_NOCREATE to refuse that. The directory is never
 *	created: a missing directory is an error that names it.
 *	MTASTS_OK	*out is an open handle
 *	MTASTS_NONE	the file does not exist (RDONLY or NOCREATE) or is
 *			still empty: *out is an empty handle on which every
 *			get answers MTASTS_NONE, foreach sees nothing and
 *			writes fail. It does not notice the file appearing
 *			later; open again for that.
 *	MTASTS_TEMP	cannot use the file now; why says why (permission,
 *			missing directory, a RDWR open of a file this
 *			process holds read-only, ...)
 *	MTASTS_PERM	bad flags, or the file itself is damaged (not an
 *			LMDB file, truncated, corrupt): retrying will not
 *			help; see mtasts_cache_rebuild()
 *	On OK and NONE the caller owns *out and releases it with
 *	mtasts_cache_close(); otherwise *out is NULL.
 *
 *	Every function taking a domain answers MTASTS_PERM when it is not a
 *	normalised name (1..253 of [a-z0-9._-], no leading or trailing dot).
 *	Writes through a read-only handle are MTASTS_PERM; on an empty
 *	handle opened RDWR|NOCREATE, put is MTASTS_TEMP, touch and del
 *	MTASTS_NONE and purge MTASTS_OK.
 *
 *	mtasts_cache_get() fills *out (entirely overwritten) with a copy of
 *	the entry for domain: MTASTS_OK, MTASTS_NONE (no entry), MTASTS_TEMP
 *	(I/O error, or a record that does not decode: wrong version,
 *	truncated, bad checksum; why names the domain). On MTASTS_OK the
 *	caller releases out->policy with mtasts_cache_entry_free(); on any
 *	other result there is nothing to free (calling it is harmless).
 *
 *	mtasts_cache_put() stores a copy of *e under e->domain, replacing
 *	any entry. MTASTS_PERM for an entry that would not decode (bad key,
 *	id not 0..32 ALPHA/DIGIT, unprintable reason, POLICY without text,
 *	text over MTASTS_POLICY_MAX); MTASTS_TEMP for I/O errors and a full
 *	map ("cache full").
 *	mtasts_cache_touch() sets only last_checked (e.g. after a TXT
 *	re-check found the same id); MTASTS_NONE when there is no entry,
 *	MTASTS_TEMP when the stored record does not decode.
 *	mtasts_cache_del() removes one entry (MTASTS_NONE when absent).
 *	mtasts_cache_purge() removes every entry, corrupt ones included;
 *	when cb is not NULL it is called after the commit once per removed
 *	key (printable form) and *count (when not NULL) is set.
 *
 *	mtasts_cache_rebuild() moves a damaged cache file aside (renamed to
 *	PATH.damaged-UNIXTIME, written to aside[asidelen]) and removes its
 *	lock file, so the next read-write open starts an empty cache. It
 *	refuses (MTASTS_PERM) while this process has the file open. Every
 *	policy the file held is lost: callers log that loudly. Only the
 *	daemon and the admin's tool call it; inside an MTA's delivery
 *	process a damaged cache defers mail instead.
 *
 *	mtasts_cache_foreach() calls cb for each entry in key order, on a
 *	snapshot taken when it starts; the entry is valid during the call
 *	only. cb returns 0 to go on, anything else to stop. cb may call any
 *	mtasts_cache_* function on the same handle (a sweep may delete the
 *	entries it sees); its writes are not seen by the walk. Records that
 *	do not decode are skipped and reported: the result is then
 *	MTASTS_TEMP with the number skipped and the first reason, after all
 *	good entries were passed to cb.
 * CONCURRENCY
 *	Threads: a handle may be shared by any number of threads (read
 *	transactions are not tied to threads; writers queue on LMDB's lock),
 *	and threads may open and close handles at the same time. Every call
 *	is one short transaction: nothing is held between calls, so an idle
 *	handle pins no old pages and holds no reader slot.
 *
 *	Processes: LMDB forbids using an environment in a process other than
 *	the one that opened it, and forbids opening the same file twice in
 *	one process (closing the second descriptor would drop the first
 *	one's locks). Therefore opening a file that this process already has
 *	open returns a new handle on the same environment (a RDWR open of a
 *	file held read-only fails), and after fork() the child must open its
 *	own handle; mtasts_cache_close() on a handle inherited across fork()
 *	frees only this library's memory and leaves the parent's LMDB
 *	environment alone. Open after fork(), not before, where you can.
 *	(A fork() while another thread opens or closes a cache waits for it,
 *	so the child never inherits the library's lock held.)
 *
 *	Readers left behind by a crashed process are cleared at open and
 *	whenever the reader table is full; a writer that crashed mid-write
 *	loses its transaction and does not block the next writer.
 * SECURITY
 *	The file is trusted as far as its owner is: a record that does not
 *	decode is never used, but anyone who can write the file can store
 *	any policy. Keep its directory writable by the mail system only.
 *--*/
#ifndef MTASTS_CACHE_H
#define MTASTS_CACHE_H

#include <stddef.h>
#include <time.h>

#include <mtasts/limits.h>
#include <mtasts/status.h>

/* mtasts_cache_open() flags */
#define MTASTS_CACHE_RDONLY	0x0
#define MTASTS_CACHE_RDWR	0x1
#define MTASTS_CACHE_NOCREATE	0x2	/* with RDWR: a missing file is empty */

enum mtasts_cache_kind {
	MTASTS_CACHE_POLICY = 1,	/* a policy was fetched: text kept */
	MTASTS_CACHE_NOPOLICY = 2,	/* negative entry: no usable policy */
	/* Only in the MX state file (mxstate.h), keyed by MX host name: */
	MTASTS_CACHE_MX_TLS_OK = 3,	/* the last TLS session was valid */
	MTASTS_CACHE_MX_TLS_FAIL = 4	/* the last TLS session failed */
};

struct mtasts_cache_entry {
	char	domain[MTASTS_DOMAIN_MAX + 1];	/* the key */
	enum mtasts_cache_kind kind;
	char	id[MTASTS_ID_MAX + 1];		/* TXT id; "" when none */
	/*
	 * The policy body exactly as fetched (RFC 8460 reports need the
	 * policy-string): policy_len bytes, any bytes. Required for POLICY,
	 * optional for NOPOLICY, NULL when absent. put only reads it (no
	 * terminator needed). In an entry filled by get it is followed by
	 * a NUL and owned by the entry (mtasts_cache_entry_free).
	 */
	char   *policy;
	size_t	policy_len;
	time_t	fetched_at;			/* unix seconds */
	time_t	expires_at;
	time_t	last_checked;
	char	reason[MTASTS_REASON_MAX];	/* printable; "" when none */
};

struct mtasts_cache;

/* mtasts_cache_kind_str - "policy" or "no-policy" (static storage) */
const char *mtasts_cache_kind_str(enum mtasts_cache_kind);

enum mtasts_status mtasts_cache_open(const char *path, int flags,
		struct mtasts_cache **out, char *why, size_t whylen);
void	mtasts_cache_close(struct mtasts_cache *);

enum mtasts_status mtasts_cache_get(struct mtasts_cache *, const char *domain,
		struct mtasts_cache_entry *out, char *why, size_t whylen);
void	mtasts_cache_entry_free(struct mtasts_cache_entry *);

enum mtasts_status mtasts_cache_put(struct mtasts_cache *,
		const struct mtasts_cache_entry *, char *why, size_t whylen);
enum mtasts_status mtasts_cache_touch(struct mtasts_cache *,
		const char *domain, time_t last_checked,
		char *why, size_t whylen);
enum mtasts_status mtasts_cache_del(struct mtasts_cache *, const char *domain,
		char *why, size_t whylen);
enum mtasts_status mtasts_cache_purge(struct mtasts_cache *,
		void (*cb)(void *arg, const char *domain), void *arg,
		size_t *count, char *why, size_t whylen);
enum mtasts_status mtasts_cache_rebuild(const char *path, char *aside,
		size_t asidelen, char *why, size_t whylen);
enum mtasts_status mtasts_cache_foreach(struct mtasts_cache *,
		int (*cb)(void *arg, const struct mtasts_cache_entry *),
		void *arg, char *why, size_t whylen);

#endif
