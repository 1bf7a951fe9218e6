/*++
 * NAME
 *	mxstate 3
 * SUMMARY
 *	the last TLS outcome per MX host, in its own LMDB file
 * SYNOPSIS
 *	#include <mtasts/mxstate.h>
 * DESCRIPTION
 *	A thin layer over the policy cache's code (cache.h): the same
 *	record format and locking, another file, entries of the two MX
 *	kinds keyed by host name. See mxstate.h.
 *--*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mtasts/cache.h>
#include <mtasts/domain.h>
#include <mtasts/mxstate.h>

struct mtasts_mxstate {
	struct mtasts_cache *cache;
};

/* mtasts_mxstate_path - MTASTS_MXSTATE_FILE next to cache.path */

enum mtasts_status
mtasts_mxstate_path(const struct mtasts_config *cfg, char *out, size_t outlen)
{
	const char *cache = cfg && cfg->cache_path ? cfg->cache_path
		: MTASTS_DEFAULT_CACHE;
	const char *slash = strrchr(cache, '/');
	int	n;

	if (slash == NULL)
		n = snprintf(out, outlen, "%s", MTASTS_MXSTATE_FILE);
	else
		n = snprintf(out, outlen, "%.*s/%s", (int) (slash - cache), cache,
			     MTASTS_MXSTATE_FILE);
	return (n < 0 || (size_t) n >= outlen ? MTASTS_PERM : MTASTS_OK);
}

/* mtasts_mxstate_open - open the MX state file */

enum mtasts_status
mtasts_mxstate_open(const struct mtasts_config *cfg, int flags,
		    struct mtasts_mxstate **out, char *why, size_t whylen)
{
	char	path[MTASTS_CONFIG_STRING_MAX + sizeof(MTASTS_MXSTATE_FILE) + 2];
	struct mtasts_mxstate *m;
	enum mtasts_status st;

	*out = NULL;
	if (mtasts_mxstate_path(cfg, path, sizeof(path)) != MTASTS_OK) {
		mtasts_why(why, whylen, "MX state file: path too long");
		return (MTASTS_PERM);
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		mtasts_why(why, whylen, "out of memory");
		return (MTASTS_TEMP);
	}
	st = mtasts_cache_open(path, flags, &m->cache, why, whylen);
	if (st != MTASTS_OK && st != MTASTS_NONE) {
		free(m);
		return (st);
	}
	*out = m;
	return (st);
}

/* host_key - a host name as a key, or -1 */

static int
host_key(const char *host, char *key, size_t keylen, char *why, size_t whylen)
{
	char	lwhy[MTASTS_REASON_MAX];

	/* Host names normalise like policy domains; IP literals have none. */
	if (host == NULL
	    || mtasts_key_normalize(host, key, keylen, lwhy, sizeof(lwhy))
	    != MTASTS_OK || !mtasts_domain_valid(key)) {
		mtasts_why(why, whylen, "MX state: not a host name");
		return (-1);
	}
	return (0);
}

/* mtasts_mxstate_put - record an outcome unless a newer one is stored */

enum mtasts_status
mtasts_mxstate_put(struct mtasts_mxstate *m, const char *host, int ok,
		   time_t at, const char *reason, char *why, size_t whylen)
{
	char	key[MTASTS_DOMAIN_MAX + 1];
	struct mtasts_cache_entry e;
	enum mtasts_status st;
	int	skip;

	if (host_key(host, key, sizeof(key), why, whylen) < 0)
		return (MTASTS_PERM);
	/* A racing writer may slip in between: the newer one still wins next. */
	st = mtasts_cache_get(m->cache, key, &e, why, whylen);
	if (st == MTASTS_OK) {
		/* Newer than this one, or the same outcome lately: keep it. */
		skip = e.last_checked > at
			|| (e.kind == (ok ? MTASTS_CACHE_MX_TLS_OK
				       : MTASTS_CACHE_MX_TLS_FAIL)
			    && at - e.last_checked < MTASTS_MXSTATE_RESTAMP);
		mtasts_cache_entry_free(&e);
		if (skip)
			return (MTASTS_OK);
	}
	memset(&e, 0, sizeof(e));
	memcpy(e.domain, key, sizeof(e.domain));
	e.kind = ok ? MTASTS_CACHE_MX_TLS_OK : MTASTS_CACHE_MX_TLS_FAIL;
	e.fetched_at = e.last_checked = at;
	e.expires_at = at + MTASTS_MXSTATE_FRESH;
	if (reason != NULL)
		(void) mtasts_sanitize(reason, strlen(reason), e.reason,
				       sizeof(e.reason));
	return (mtasts_cache_put(m->cache, &e, why, whylen));
}

/* mtasts_mxstate_get - the outcome stored for host */

enum mtasts_status
mtasts_mxstate_get(struct mtasts_mxstate *m, const char *host,
		   struct mtasts_mxstate_rec *out, char *why, size_t whylen)
{
	struct mtasts_cache_entry e;
	enum mtasts_status st;

	memset(out, 0, sizeof(*out));
	if (host_key(host, out->host, sizeof(out->host), why, whylen) < 0)
		return (MTASTS_PERM);
	/* e and out are apart: get clears e before it reads the key. */
	st = mtasts_cache_get(m->cache, out->host, &e, why, whylen);
	if (st != MTASTS_OK)
		return (st);
	/* Only the fixed fields are used: free what the entry owns first. */
	mtasts_cache_entry_free(&e);
	if (e.kind != MTASTS_CACHE_MX_TLS_OK && e.kind != MTASTS_CACHE_MX_TLS_FAIL) {
		mtasts_why(why, whylen, "MX state %s: a %s entry", out->host,
			   mtasts_cache_kind_str(e.kind));
		return (MTASTS_TEMP);
	}
	out->ok = e.kind == MTASTS_CACHE_MX_TLS_OK;
	out->at = e.last_checked;
	memcpy(out->reason, e.reason, sizeof(out->reason));
	return (MTASTS_OK);
}

/* mtasts_mxstate_failing - did host fail its last TLS check lately? */

int
mtasts_mxstate_failing(struct mtasts_mxstate *m, const char *host, time_t now,
		       char *why, size_t whylen)
{
	struct mtasts_mxstate_rec r;
	char	lwhy[MTASTS_REASON_MAX];

	if (m == NULL
	    || mtasts_mxstate_get(m, host, &r, lwhy, sizeof(lwhy)) != MTASTS_OK
	    || r.ok || r.at > now || now - r.at > MTASTS_MXSTATE_FRESH)
		return (0);
	mtasts_why(why, whylen, "%s, %lds ago: %s", r.host, (long) (now - r.at),
		   r.reason[0] ? r.reason : "no reason recorded");
	return (1);
}

/* mtasts_mxstate_close - release (NULL-safe) */

void
mtasts_mxstate_close(struct mtasts_mxstate *m)
{
	if (m == NULL)
		return;
	mtasts_cache_close(m->cache);
	free(m);
}
