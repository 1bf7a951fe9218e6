/*++
 * NAME
 *	store 3
 * SUMMARY
 *	the policy store: cache + DNS + fetch under RFC 8461's refresh rules
 * DESCRIPTION
 *	See store.h for the rules. This file holds the life of one lookup
 *	(cache first, then the network when the rules say so) and the
 *	sharing of one network lookup between threads asking about the same
 *	domain at once (src/store_net.c does the network part).
 * SECURITY
 *	A cache record that does not decode or parse is never used and never
 *	silently dropped: the lookup is "internal" and the decision defers,
 *	because the record may have been an enforce policy.
 *--*/
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <mtasts/cache.h>
#include <mtasts/clock.h>
#include <mtasts/store.h>

#include "store_int.h"

/* mtasts_outcome_str - outcome names of the lookup contract */

const char *
mtasts_outcome_str(enum mtasts_outcome o)
{
	switch (o) {
	case MTASTS_OUTCOME_POLICY:
		return ("policy");
	case MTASTS_OUTCOME_NONE:
		return ("none");
	case MTASTS_OUTCOME_FETCH_ERROR:
		return ("fetch-error");
	case MTASTS_OUTCOME_TEMP:
		break;
	}
	return ("temp");
}

/* store_cache - the cache handle, (re)opened on demand; call locked */

static struct mtasts_cache *
store_cache(struct mtasts_store *s, char *why, size_t whylen)
{
	enum mtasts_status st;

	if (s->cache)
		return (s->cache);
	/*
	 * Read-write when we may (the CLI run by root, the daemon, Exim's
	 * delivery processes as the mail user); read-only otherwise, so an
	 * admin can still inspect lookups as another user.
	 */
	st = mtasts_cache_open(s->cfg->cache_path, MTASTS_CACHE_RDWR, &s->cache, why, whylen);
	if (st == MTASTS_OK || st == MTASTS_NONE) {
		s->cache_damaged = 0;
		return (s->cache);
	}
	if (st == MTASTS_PERM) {
		/* The file is damaged: only mtasts_store_repair() helps. */
		s->cache_damaged = 1;
		s->cache = NULL;
		return (NULL);
	}
	/*
	 * Only an existing file is worth reading without writing: a cache
	 * that can never hold anything would silently drop RFC 8461's
	 * protection of cached policies, so that is an error (mail defers).
	 */
	if (access(s->cfg->cache_path, F_OK) != 0) {
		s->cache = NULL;
		return (NULL);
	}
	st = mtasts_cache_open(s->cfg->cache_path, MTASTS_CACHE_RDONLY, &s->cache, why, whylen);
	if (st == MTASTS_OK || st == MTASTS_NONE) {
		s->cache_rdonly = 1;
		return (s->cache);
	}
	s->cache = NULL;
	return (NULL);
}

/* mtasts_store_open - build a store */

struct mtasts_store *
mtasts_store_open(const struct mtasts_config *cfg, char *why, size_t whylen)
{
	struct mtasts_store *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		mtasts_why(why, whylen, "store: out of memory");
		return (NULL);
	}
	s->cfg = cfg;
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		mtasts_why(why, whylen, "store: cannot create a mutex");
		return (NULL);
	}
	if (pthread_key_create(&s->dns_key, store_dns_release) != 0) {
		pthread_mutex_destroy(&s->lock);
		free(s);
		mtasts_why(why, whylen, "store: cannot create a thread key");
		return (NULL);
	}
	/*
	 * The HTTPS context (trust store) is built at the first fetch, not
	 * here: loading the system CA bundle costs tens of milliseconds, and
	 * most lookups (every Exim delivery process, the CLI on a warm cache)
	 * are answered from the cache without it.
	 */
	/* A cache that cannot open now is retried at each lookup (store_cache). */
	(void) store_cache(s, why, whylen);
	return (s);
}

/* store_fetch_ctx - the HTTPS context, built once on first use */

const struct mtasts_fetch_ctx *
store_fetch_ctx(struct mtasts_store *s, char *why, size_t whylen)
{
	const struct mtasts_fetch_ctx *fx;

	pthread_mutex_lock(&s->lock);
	if (s->fetch == NULL)
		s->fetch = mtasts_fetch_ctx_new_config(s->cfg, why, whylen);
	fx = s->fetch;
	pthread_mutex_unlock(&s->lock);
	return (fx);
}

/* mtasts_store_repair - move a damaged cache aside and start afresh */

enum mtasts_status
mtasts_store_repair(struct mtasts_store *s, char *why, size_t whylen)
{
	char	aside[4096 + 64], err[MTASTS_REASON_MAX];
	enum mtasts_status st = MTASTS_NONE;

	pthread_mutex_lock(&s->lock);
	if (s->cache == NULL && store_cache(s, err, sizeof(err)) == NULL && s->cache_damaged) {
		st = mtasts_cache_rebuild(s->cfg->cache_path, aside, sizeof(aside), why, whylen);
		if (st == MTASTS_OK) {
			syslog(s->cfg->syslog_facility | LOG_ERR,
			       "mtasts: policy cache %s was damaged (%s); moved to %s and "
			       "started empty: every cached policy is fetched again",
			       s->cfg->cache_path, err, aside);
			mtasts_why(why, whylen, "cache %s was damaged (%s); moved to %s, started empty",
				   s->cfg->cache_path, err, aside);
			s->cache_damaged = 0;
			if (store_cache(s, err, sizeof(err)) == NULL) {
				st = MTASTS_TEMP;
				mtasts_why(why, whylen, "cache %s: %s", s->cfg->cache_path, err);
			}
		}
	}
	pthread_mutex_unlock(&s->lock);
	return (st);
}

/* mtasts_store_close - free a store */

void
mtasts_store_close(struct mtasts_store *s)
{
	void   *dns;

	if (s == NULL)
		return;
	/* The calling thread's resolver; other threads' go with their exit. */
	if ((dns = pthread_getspecific(s->dns_key)) != NULL) {
		(void) pthread_setspecific(s->dns_key, NULL);
		store_dns_release(dns);
	}
	pthread_key_delete(s->dns_key);
	mtasts_fetch_ctx_free(s->fetch);
	mtasts_cache_close(s->cache);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

/* mtasts_store_config - the store's config */

const struct mtasts_config *
mtasts_store_config(const struct mtasts_store *s)
{
	return (s->cfg);
}

/* mtasts_lookup_clear - free what a lookup owns */

void
mtasts_lookup_clear(struct mtasts_lookup *l)
{
	mtasts_policy_free(l->policy);
	free(l->policy_text);
	l->policy = NULL;
	l->policy_text = NULL;
}

/* lookup_from_entry - fill *l from a cached policy entry; -1 if it does not parse */

static int
lookup_from_entry(struct mtasts_lookup *l, const struct mtasts_cache_entry *e)
{
	char	why[MTASTS_REASON_MAX];

	if (mtasts_policy_parse(e->policy, e->policy_len, &l->policy, why, sizeof(why)) != MTASTS_OK) {
		l->internal = 1;
		l->outcome = MTASTS_OUTCOME_TEMP;
		mtasts_why(l->reason, sizeof(l->reason), "cached policy of %s does not parse: %s",
			   e->domain, why);
		return (-1);
	}
	if ((l->policy_text = malloc(e->policy_len + 1)) == NULL) {
		mtasts_policy_free(l->policy);
		l->policy = NULL;
		l->internal = 1;
		l->outcome = MTASTS_OUTCOME_TEMP;
		mtasts_why(l->reason, sizeof(l->reason), "out of memory");
		return (-1);
	}
	memcpy(l->policy_text, e->policy, e->policy_len);
	l->policy_text[e->policy_len] = 0;
	l->outcome = MTASTS_OUTCOME_POLICY;
	l->from_cache = 1;
	(void) snprintf(l->id, sizeof(l->id), "%s", e->id);
	l->fetched_at = e->fetched_at;
	l->expires_at = e->expires_at;
	return (0);
}

/* mtasts_store_lookup - the policy that applies to domain now */

void
mtasts_store_lookup(struct mtasts_store *s, const char *domain, int flags,
		    struct mtasts_lookup *l)
{
	struct mtasts_cache_entry e;
	struct mtasts_cache *cache;
	char	why[MTASTS_REASON_MAX];
	enum mtasts_status st;
	time_t	now = mtasts_now();
	int	have_policy = 0;

	memset(l, 0, sizeof(*l));
	(void) snprintf(l->domain, sizeof(l->domain), "%s", domain);
	memset(&e, 0, sizeof(e));

	pthread_mutex_lock(&s->lock);
	cache = store_cache(s, why, sizeof(why));
	pthread_mutex_unlock(&s->lock);
	if (cache == NULL) {
		l->internal = 1;
		l->outcome = MTASTS_OUTCOME_TEMP;
		mtasts_why(l->reason, sizeof(l->reason), "policy cache unavailable: %s%s", why,
			   s->cache_damaged ? " (damaged: mtastsd rebuilds it, or run mtasts cache rebuild)" : "");
		return;
	}
	st = mtasts_cache_get(cache, domain, &e, why, sizeof(why));
	if (st == MTASTS_TEMP || st == MTASTS_PERM) {
		l->internal = 1;
		l->outcome = MTASTS_OUTCOME_TEMP;
		mtasts_why(l->reason, sizeof(l->reason), "policy cache: %s", why);
		return;
	}
	if (st == MTASTS_OK && e.kind == MTASTS_CACHE_POLICY && now < e.expires_at) {
		if (lookup_from_entry(l, &e) < 0) {
			mtasts_cache_entry_free(&e);
			return;
		}
		have_policy = 1;
		if ((flags & MTASTS_STORE_CACHE_ONLY)
		    || (!(flags & MTASTS_STORE_REFETCH)
			&& now - e.last_checked < (time_t) s->cfg->cache_refresh_interval)) {
			mtasts_why(l->reason, sizeof(l->reason), "cached policy, fetched %lds ago",
				   (long) (now - e.fetched_at));
			mtasts_cache_entry_free(&e);
			return;
		}
	} else if (st == MTASTS_OK && e.kind == MTASTS_CACHE_NOPOLICY && now < e.expires_at) {
		l->outcome = MTASTS_OUTCOME_NONE;
		l->from_cache = 1;
		mtasts_why(l->reason, sizeof(l->reason), "%s (cached)",
			   e.reason[0] ? e.reason : "no MTA-STS policy");
		mtasts_cache_entry_free(&e);
		return;
	} else if (flags & MTASTS_STORE_CACHE_ONLY) {
		l->outcome = MTASTS_OUTCOME_TEMP;
		l->from_cache = 1;
		mtasts_why(l->reason, sizeof(l->reason), "not cached");
		mtasts_cache_entry_free(&e);
		return;
	}
	/* The network: shared with other threads asking about this domain. */
	store_network_shared(s, cache, have_policy ? &e : NULL, flags, l);
	mtasts_cache_entry_free(&e);
}
