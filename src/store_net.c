/*++
 * NAME
 *	store_net 3
 * SUMMARY
 *	the network half of a store lookup: TXT, policy fetch, cache update
 * DESCRIPTION
 *	store_network_shared() runs when the cache cannot answer alone:
 *	nothing valid is cached, or a cached policy is due for its TXT id
 *	re-check. Threads asking about the same domain meanwhile wait for
 *	the first one's result instead of querying again (the daemon may get
 *	hundreds of lookups for one domain when a big mailing goes out).
 *
 *	With a cached policy (cached != NULL, *l already holds it):
 *	same TXT id		keep it, record the check (last_checked)
 *	new TXT id		fetch; success replaces it, failure keeps it
 *	no TXT record		keep it until it expires (RFC 8461 10.2: a
 *				domain withdraws with "mode: none" first)
 *	DNS failure		keep it; check again at the next lookup
 *	Without one:
 *	TXT record		fetch; success is cached, failure is
 *				FETCH_ERROR with its RFC 8460 result type
 *	no TXT record		NONE, cached for cache.negative_ttl
 *	DNS failure		TEMP
 *--*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>

#include <mtasts/cache.h>
#include <mtasts/clock.h>
#include <mtasts/dns.h>
#include <mtasts/fetch.h>
#include <mtasts/policy.h>

#include "store_int.h"

struct store_inflight {
	struct store_inflight *next;
	char	domain[MTASTS_DOMAIN_MAX + 1];
	int	done;
	int	waiters;
	pthread_cond_t cv;
	struct mtasts_lookup res;	/* the leader's result, deep copy */
};

/* store_dns_release - free a thread's resolver */

void
store_dns_release(void *dns)
{
	mtasts_dns_free(dns);
}

/* store_dns - this thread's resolver, made on first use */

static struct mtasts_dns *
store_dns(struct mtasts_store *s, char *why, size_t whylen)
{
	struct mtasts_dns *dns = pthread_getspecific(s->dns_key);

	if (dns == NULL && (dns = mtasts_dns_new(s->cfg, NULL, why, whylen)) != NULL
	    && pthread_setspecific(s->dns_key, dns) != 0) {
		mtasts_dns_free(dns);
		mtasts_why(why, whylen, "cannot keep a resolver for this thread");
		dns = NULL;
	}
	return (dns);
}

/* cache_write - store an entry; a failure costs only a later refetch */

static void
cache_write(struct mtasts_store *s, struct mtasts_cache *cache,
	    const struct mtasts_cache_entry *e)
{
	char	why[MTASTS_REASON_MAX];

	if (s->cache_rdonly)
		return;
	if (mtasts_cache_put(cache, e, why, sizeof(why)) != MTASTS_OK)
		syslog(s->cfg->syslog_facility | LOG_WARNING,
		       "mtasts: cache write for %s failed: %s", e->domain, why);
}

/* fetch_policy - resolve mta-sts.DOMAIN, fetch, parse, cache */

static void
fetch_policy(struct mtasts_store *s, struct mtasts_dns *dns,
	     struct mtasts_cache *cache, const char *domain, const char *id,
	     struct mtasts_lookup *l)
{
	struct mtasts_addr_list *addrs = NULL;
	const struct mtasts_fetch_ctx *fx;
	struct mtasts_cache_entry e;
	char	host[MTASTS_DOMAIN_MAX + 16], why[MTASTS_REASON_MAX];
	char   *body = NULL;
	size_t	len = 0;
	const char *rt = NULL;
	time_t	now = mtasts_now();
	int	n;

	l->outcome = MTASTS_OUTCOME_FETCH_ERROR;
	l->from_cache = 0;
	l->result_type = MTASTS_RESULT_FETCH_ERROR;
	(void) snprintf(l->id, sizeof(l->id), "%s", id);
	n = snprintf(host, sizeof(host), "mta-sts.%s", domain);
	if (n < 0 || (size_t) n >= sizeof(host) || n > MTASTS_DOMAIN_MAX) {
		mtasts_why(l->reason, sizeof(l->reason), "policy host name mta-sts.%s is too long", domain);
		return;
	}
	if (mtasts_dns_addrs(dns, host, AF_UNSPEC, MTASTS_DNS_TIMEOUT_DEFAULT, &addrs,
			     why, sizeof(why)) != MTASTS_OK || addrs->n == 0) {
		mtasts_why(l->reason, sizeof(l->reason), "policy host %s: %s", host,
			   addrs ? "no address" : why);
		mtasts_addr_list_free(addrs);
		return;
	}
	if ((fx = store_fetch_ctx(s, why, sizeof(why))) == NULL) {
		/* Our own failure (trust store unreadable): never "no policy". */
		mtasts_addr_list_free(addrs);
		l->internal = 1;
		l->outcome = MTASTS_OUTCOME_TEMP;
		l->result_type = NULL;
		mtasts_why(l->reason, sizeof(l->reason), "HTTPS client: %s", why);
		return;
	}
	if (mtasts_fetch_policy(fx, domain, addrs->addr, addrs->n, &body, &len,
				&rt, why, sizeof(why)) != MTASTS_OK) {
		mtasts_addr_list_free(addrs);
		l->result_type = rt ? rt : MTASTS_RESULT_FETCH_ERROR;
		mtasts_why(l->reason, sizeof(l->reason), "policy fetch from %s: %s", host, why);
		return;
	}
	mtasts_addr_list_free(addrs);
	switch (mtasts_policy_parse(body, len, &l->policy, why, sizeof(why))) {
	case MTASTS_OK:
		break;
	case MTASTS_TEMP:
		free(body);
		l->internal = 1;
		l->outcome = MTASTS_OUTCOME_TEMP;
		l->result_type = NULL;
		mtasts_why(l->reason, sizeof(l->reason), "policy of %s: %s", domain, why);
		return;
	default:
		free(body);
		l->result_type = MTASTS_RESULT_POLICY_INVALID;
		mtasts_why(l->reason, sizeof(l->reason), "policy of %s is invalid: %s", domain, why);
		return;
	}
	l->outcome = MTASTS_OUTCOME_POLICY;
	l->result_type = NULL;
	l->policy_text = body;
	l->fetched_at = now;
	l->expires_at = now + (time_t) l->policy->max_age;
	mtasts_why(l->reason, sizeof(l->reason), "policy fetched from https://%s/.well-known/mta-sts.txt", host);

	memset(&e, 0, sizeof(e));
	(void) snprintf(e.domain, sizeof(e.domain), "%s", domain);
	e.kind = MTASTS_CACHE_POLICY;
	(void) snprintf(e.id, sizeof(e.id), "%s", id);
	e.policy = body;
	e.policy_len = len;
	e.fetched_at = now;
	e.expires_at = l->expires_at;
	e.last_checked = now;
	cache_write(s, cache, &e);
}

/* cache_negative - remember "no policy" for cache.negative_ttl */

static void
cache_negative(struct mtasts_store *s, struct mtasts_cache *cache,
	       const char *domain, const char *reason)
{
	struct mtasts_cache_entry e;
	time_t	now = mtasts_now();

	if (s->cfg->cache_negative_ttl == 0)
		return;
	memset(&e, 0, sizeof(e));
	(void) snprintf(e.domain, sizeof(e.domain), "%s", domain);
	e.kind = MTASTS_CACHE_NOPOLICY;
	e.fetched_at = e.last_checked = now;
	e.expires_at = now + (time_t) s->cfg->cache_negative_ttl;
	mtasts_sanitize(reason, strlen(reason), e.reason, sizeof(e.reason));
	cache_write(s, cache, &e);
}

/* touch - record a TXT re-check of a cached policy */

static void
touch(struct mtasts_store *s, struct mtasts_cache *cache, const char *domain)
{
	char	why[MTASTS_REASON_MAX];

	if (!s->cache_rdonly
	    && mtasts_cache_touch(cache, domain, mtasts_now(), why, sizeof(why)) == MTASTS_TEMP)
		syslog(s->cfg->syslog_facility | LOG_WARNING,
		       "mtasts: cache update for %s failed: %s", domain, why);
}

/* store_network - the network part of one lookup */

static void
store_network(struct mtasts_store *s, struct mtasts_cache *cache,
	      const struct mtasts_cache_entry *cached, int flags,
	      struct mtasts_lookup *l)
{
	struct mtasts_dns *dns;
	struct mtasts_txt txt;
	struct mtasts_lookup fresh;
	char	why[MTASTS_REASON_MAX];
	enum mtasts_status st;

	if ((dns = store_dns(s, why, sizeof(why))) == NULL) {
		if (cached)
			return;			/* the cached policy still applies */
		l->internal = 1;
		l->outcome = MTASTS_OUTCOME_TEMP;
		mtasts_why(l->reason, sizeof(l->reason), "resolver: %s", why);
		return;
	}
	st = mtasts_dns_sts_txt(dns, l->domain, MTASTS_DNS_TIMEOUT_DEFAULT, &txt, why, sizeof(why));
	if (cached) {
		switch (st) {
		case MTASTS_OK:
			if (strcmp(txt.id, cached->id) == 0 && !(flags & MTASTS_STORE_REFETCH)) {
				touch(s, cache, l->domain);
				mtasts_why(l->reason, sizeof(l->reason),
					   "cached policy, TXT id %s unchanged", txt.id);
				return;
			}
			memset(&fresh, 0, sizeof(fresh));
			(void) snprintf(fresh.domain, sizeof(fresh.domain), "%s", l->domain);
			fetch_policy(s, dns, cache, l->domain, txt.id, &fresh);
			if (fresh.outcome == MTASTS_OUTCOME_POLICY) {
				mtasts_lookup_clear(l);
				*l = fresh;
				return;
			}
			/*
			 * RFC 8461 3.3: a failed refresh keeps the cached
			 * policy. A lookup records the attempt so deliveries do
			 * not retry the fetch each time; a refetch does not, so
			 * the daemon's next sweep tries again.
			 */
			if (!(flags & MTASTS_STORE_REFETCH))
				touch(s, cache, l->domain);
			mtasts_why(l->reason, sizeof(l->reason),
				   "%s %s but the new policy failed (%s); cached policy applies",
				   strcmp(txt.id, cached->id) ? "TXT id changed to" : "refetch of id",
				   txt.id, fresh.reason);
			mtasts_lookup_clear(&fresh);
			return;
		case MTASTS_NONE:
			touch(s, cache, l->domain);
			mtasts_why(l->reason, sizeof(l->reason),
				   "no valid TXT record now (%s); cached policy applies until it expires", why);
			return;
		default:
			mtasts_why(l->reason, sizeof(l->reason),
				   "TXT re-check failed (%s); cached policy applies", why);
			return;
		}
	}
	switch (st) {
	case MTASTS_OK:
		fetch_policy(s, dns, cache, l->domain, txt.id, l);
		break;
	case MTASTS_NONE:
		l->outcome = MTASTS_OUTCOME_NONE;
		mtasts_why(l->reason, sizeof(l->reason), "%s", why);
		cache_negative(s, cache, l->domain, why);
		break;
	case MTASTS_TEMP:
		l->outcome = MTASTS_OUTCOME_TEMP;
		mtasts_why(l->reason, sizeof(l->reason), "%s", why);
		break;
	default:
		l->outcome = MTASTS_OUTCOME_NONE;
		mtasts_why(l->reason, sizeof(l->reason), "%s", why);
		break;
	}
}

/* lookup_copy - deep copy of a lookup result; -1 without memory */

static int
lookup_copy(struct mtasts_lookup *dst, const struct mtasts_lookup *src)
{
	char	why[MTASTS_REASON_MAX];

	*dst = *src;
	dst->policy = NULL;
	dst->policy_text = NULL;
	if (src->policy_text == NULL)
		return (0);
	if ((dst->policy_text = strdup(src->policy_text)) == NULL
	    || mtasts_policy_parse(dst->policy_text, strlen(dst->policy_text),
				   &dst->policy, why, sizeof(why)) != MTASTS_OK) {
		free(dst->policy_text);
		dst->policy_text = NULL;
		dst->outcome = MTASTS_OUTCOME_TEMP;
		dst->internal = 1;
		mtasts_why(dst->reason, sizeof(dst->reason), "out of memory");
		return (-1);
	}
	return (0);
}

/* inflight_free - release a finished shared lookup */

static void
inflight_free(struct store_inflight *f)
{
	pthread_cond_destroy(&f->cv);
	mtasts_lookup_clear(&f->res);
	free(f);
}

/* store_network_shared - one network lookup per domain at a time */

void
store_network_shared(struct mtasts_store *s, struct mtasts_cache *cache,
		     const struct mtasts_cache_entry *cached, int flags,
		     struct mtasts_lookup *l)
{
	struct store_inflight *f, **fp;

	pthread_mutex_lock(&s->lock);
	for (f = s->inflight; f; f = f->next)
		if (strcmp(f->domain, l->domain) == 0)
			break;
	if (f != NULL) {
		f->waiters++;
		while (!f->done)
			pthread_cond_wait(&f->cv, &s->lock);
		mtasts_lookup_clear(l);
		(void) lookup_copy(l, &f->res);
		if (--f->waiters == 0)
			inflight_free(f);
		pthread_mutex_unlock(&s->lock);
		return;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL || pthread_cond_init(&f->cv, NULL) != 0) {
		/* Cannot share: do it alone, which is merely slower. */
		free(f);
		pthread_mutex_unlock(&s->lock);
		store_network(s, cache, cached, flags, l);
		return;
	}
	(void) snprintf(f->domain, sizeof(f->domain), "%s", l->domain);
	f->next = s->inflight;
	s->inflight = f;
	pthread_mutex_unlock(&s->lock);

	store_network(s, cache, cached, flags, l);

	pthread_mutex_lock(&s->lock);
	for (fp = &s->inflight; *fp; fp = &(*fp)->next) {
		if (*fp == f) {
			*fp = f->next;
			break;
		}
	}
	if (f->waiters == 0) {
		inflight_free(f);
	} else {
		(void) lookup_copy(&f->res, l);
		f->done = 1;
		pthread_cond_broadcast(&f->cv);
	}
	pthread_mutex_unlock(&s->lock);
}
