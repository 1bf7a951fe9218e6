/*++
 * NAME
 *	mxstate 3h
 * SUMMARY
 *	the last TLS outcome seen with each MX host, shared by all adapters
 * SYNOPSIS
 *	#include <mtasts/mxstate.h>
 * DESCRIPTION
 *	Deliveries learn whether an MX host gave a valid TLS session (the
 *	Exim module at the end of each SMTP session, `mtasts ingest` from
 *	Postfix and Sendmail logs); the milter asks before a message is
 *	accepted whether every MX host a policy allows failed its last one.
 *	The outcomes live in their own LMDB file, MTASTS_MXSTATE_FILE in
 *	the directory of cache.path, with the policy cache's record format
 *	(kinds MTASTS_CACHE_MX_TLS_OK and _FAIL, keyed by host name): a
 *	damaged MX state file never costs a policy, and the policy cache
 *	never holds anything but policies.
 *
 *	mtasts_mxstate_path() writes the file's path (MTASTS_PERM when it
 *	does not fit). mtasts_mxstate_open() opens it like
 *	mtasts_cache_open() (same flags, same results: NONE is an empty
 *	handle on which every get answers NONE); the caller owns *out and
 *	closes it with mtasts_mxstate_close() (NULL-safe).
 *	mtasts_mxstate_put() records host's outcome at time at (ok 1 for
 *	a valid TLS session, 0 for a failure; reason printable, cut to
 *	fit). An outcome older than the one stored is dropped (MTASTS_OK):
 *	logs ingested late must not hide a newer session; so is the same
 *	outcome again within MTASTS_MXSTATE_RESTAMP seconds (each write is
 *	a synced commit, and deliveries report every session). Host names are
 *	normalised here (lower case, no final dot); one that is not a host
 *	name is MTASTS_PERM.
 *	mtasts_mxstate_get() fills *out: MTASTS_OK, MTASTS_NONE (nothing
 *	known), MTASTS_TEMP (I/O, a record that does not decode).
 *	mtasts_mxstate_failing() answers the question the milter asks of
 *	each MX host: 1 when host's last TLS check failed no more than
 *	MTASTS_MXSTATE_FRESH seconds before now (why: "HOST, Ns ago:
 *	REASON"), else 0: a success, nothing known, an older failure, a
 *	time in the future, an unreadable record, m NULL. Refusing mail
 *	needs evidence; and a refusal keeps mail out of the queue, so no
 *	delivery would test the host again: old failures must not count.
 * CONCURRENCY
 *	As mtasts_cache: many processes and threads at once.
 * SECURITY
 *	Whoever can write the file can make the milter refuse mail for a
 *	domain (never accept more: delivery checks TLS itself). Keep its
 *	directory writable by the mail system only, as the cache's.
 *--*/
#ifndef MTASTS_MXSTATE_H
#define MTASTS_MXSTATE_H

#include <stddef.h>
#include <time.h>

#include <mtasts/config.h>
#include <mtasts/limits.h>
#include <mtasts/status.h>

struct mtasts_mxstate;

struct mtasts_mxstate_rec {
	char	host[MTASTS_DOMAIN_MAX + 1];
	int	ok;				/* 1 valid TLS, 0 failed */
	time_t	at;				/* when, unix seconds */
	char	reason[MTASTS_REASON_MAX];	/* printable; "" when none */
};

enum mtasts_status mtasts_mxstate_path(const struct mtasts_config *,
		char *out, size_t outlen);
enum mtasts_status mtasts_mxstate_open(const struct mtasts_config *,
		int flags, struct mtasts_mxstate **out, char *why, size_t whylen);
enum mtasts_status mtasts_mxstate_put(struct mtasts_mxstate *,
		const char *host, int ok, time_t at, const char *reason,
		char *why, size_t whylen);
enum mtasts_status mtasts_mxstate_get(struct mtasts_mxstate *,
		const char *host, struct mtasts_mxstate_rec *out,
		char *why, size_t whylen);
int	mtasts_mxstate_failing(struct mtasts_mxstate *, const char *host,
		time_t now, char *why, size_t whylen);
void	mtasts_mxstate_close(struct mtasts_mxstate *);

#endif
