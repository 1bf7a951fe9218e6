/*++
 * NAME
 *	request 3
 * SUMMARY
 *	one socketmap query: "NAME KEY" to a decision to a reply
 * SYNOPSIS
 *	#include "mtastsd.h"
 * DESCRIPTION
 *	req_new() parses the payload "NAME KEY" (socketmap_table(5)), picks
 *	the map settings for NAME (maps.NAME, maps.default, built-ins) and
 *	normalises KEY (mtasts_key_normalize(): "[host]:port", trailing dot;
 *	IP literals and ".parent" forms have no policy: NOTFOUND).
 *
 *	The fast path runs in the event loop: when the cache can answer
 *	(MTASTS_STORE_CACHE_ONLY, microseconds) the decision is made there,
 *	and, when the reply must name MX hosts, those come from the MX
 *	cache. Anything else goes to a worker thread: a cache miss is a
 *	blocking DNS + HTTPS lookup that may take seconds, and must delay
 *	no other request. The worker decides without CACHE_ONLY (lookups of
 *	one domain in flight share one fetch, store.h) and resolves the MX
 *	hosts when needed.
 *
 *	mtasts_decide() writes the one audit record per decision. To keep
 *	it to one, the loop first asks the cache alone (a miss would
 *	otherwise be audited as "not cached" and then again by the worker);
 *	only in the rare race where the entry expires between that look and
 *	the decision is a miss audited before the worker's decision.
 *
 *	Before any of that, a query asked again within a few seconds gets
 *	the remembered reply (memo.c): the audit log records decisions, not
 *	every repetition of one.
 *
 *	-v logs one line per query: map, key, reply, path, milliseconds.
 * SECURITY
 *	The map name is checked against the characters config names may
 *	have, the key is bounded (MTASTS_KEY_MAX) and goes through the
 *	core's normaliser before anything else sees it; keys in log lines
 *	are sanitised. A request this file cannot understand is PERM, never
 *	"no policy".
 *--*/
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <mtasts/clock.h>
#include <mtasts/decision.h>
#include <mtasts/domain.h>
#include <mtasts/store.h>

#include "mtastsd.h"

static void req_run(struct job *, struct worker *);
static void req_done(struct job *);

/* is_miss - a cache-only lookup that found nothing (not an error) */

static int
is_miss(const struct mtasts_lookup *l)
{
	return (l->outcome == MTASTS_OUTCOME_TEMP && l->from_cache && !l->internal);
}

/* cached - can the cache alone decide for this domain? */

static int
cached(struct gen *g, const char *domain)
{
	const struct mtasts_domain_cfg *dc;
	struct mtasts_lookup l;
	int	hit;

	/* "mode: ignore" decides without any lookup. */
	if ((dc = mtasts_config_domain(g->cfg, domain)) != NULL
	    && dc->mode == MTASTS_OVERRIDE_IGNORE)
		return (1);
	mtasts_store_lookup(g->store, domain, MTASTS_STORE_CACHE_ONLY, &l);
	hit = !is_miss(&l);
	mtasts_lookup_clear(&l);
	return (hit);
}

/* req_log - the -v line */

static void
req_log(const struct req *r, const char *path)
{
	char	key[MTASTS_KEY_MAX + 1], reply[MTASTS_REASON_MAX * 2];

	if (!log_verbose)
		return;
	mtasts_sanitize(r->key, strlen(r->key), key, sizeof(key));
	mtasts_sanitize(r->reply.data ? r->reply.data : "", r->reply.len,
			reply, sizeof(reply));
	log_msg(LOG_INFO, "query map=%s key=%s path=%s ms=%.3f reply=\"%s\"",
		r->map_name[0] ? r->map_name : "-", key, path, now_ms() - r->t0, reply);
}

/* finish - the reply is final: drop the decision, hand the reply over */

static void
finish(struct req *r, const char *path)
{
	/* Remember final answers (not TEMP/PERM, not our own failures). */
	if (r->decided_ok && !r->reply.oom && !r->d.lookup.internal && r->reply.data
	    && (strncmp(r->reply.data, "OK ", 3) == 0
		|| strncmp(r->reply.data, "NOTFOUND", 8) == 0))
		memo_put(r->gen->memo, r->map_name, r->domain, r->reply.data, r->reply.len,
			 r->d.lookup.policy ? r->d.lookup.expires_at
			 : mtasts_now() + MTASTS_DAEMON_MEMO_TTL);
	if (r->decided_ok) {
		mtasts_decision_clear(&r->d);
		r->decided_ok = 0;
	}
	if (r->reply.oom)
		answer_status(&r->reply, MTASTS_TEMP, "out of memory");
	r->done = 1;
	req_log(r, path);
}

/* to_worker - the slow path */

static void
to_worker(struct req *r)
{
	r->job.run = req_run;
	r->job.done = req_done;
	pool_submit(r->gen->pool, &r->job, 1);
}

/* parse - "NAME KEY" into r; -1 with the PERM reply set */

static int
parse(struct req *r, const char *p, size_t len)
{
	const char *sp = memchr(p, ' ', len);
	size_t	nlen, klen, i;

	if (sp == NULL || sp == p) {
		answer_status(&r->reply, MTASTS_PERM, "request is not \"NAME KEY\"");
		return (-1);
	}
	nlen = (size_t) (sp - p);
	klen = len - nlen - 1;
	for (i = 0; i < nlen; i++) {
		unsigned char c = (unsigned char) p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		      || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			break;
	}
	if (i < nlen || nlen > MTASTS_SOCKETMAP_NAME_MAX) {
		answer_status(&r->reply, MTASTS_PERM, "bad map name");
		return (-1);
	}
	if (klen == 0 || klen > MTASTS_KEY_MAX || memchr(sp + 1, 0, klen) != NULL) {
		answer_status(&r->reply, MTASTS_PERM, klen ? "bad key" : "empty key");
		return (-1);
	}
	memcpy(r->map_name, p, nlen);
	r->map_name[nlen] = 0;
	memcpy(r->key, sp + 1, klen);
	r->key[klen] = 0;
	return (0);
}

/* req_new - one query */

struct req *
req_new(struct conn *c, const char *payload, size_t len)
{
	char	why[MTASTS_REASON_MAX];
	struct mx_answer mx;
	struct req *r;
	struct gen *g;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (NULL);
	r->conn = c;
	r->t0 = now_ms();
	r->gen = g = gen_hold(gen_current());
	r->map = &answer_map_defaults;
	if (parse(r, payload, len) < 0) {
		finish(r, "parse");
		return (r);
	}
	if ((r->map = mtasts_config_map(g->cfg, r->map_name)) == NULL)
		r->map = &answer_map_defaults;
	switch (mtasts_key_normalize(r->key, r->domain, sizeof(r->domain),
				     why, sizeof(why))) {
	case MTASTS_OK:
		break;
	case MTASTS_NONE:
		answer_status(&r->reply, MTASTS_NONE, why);
		finish(r, "key");
		return (r);
	default:
		answer_status(&r->reply, MTASTS_PERM, why);
		finish(r, "key");
		return (r);
	}

	if (memo_get(g->memo, r->map_name, r->domain, &r->reply)) {
		finish(r, "memo");
		return (r);
	}
	if (!cached(g, r->domain)) {
		to_worker(r);
		return (r);
	}
	mtasts_decide(g->store, g->audit, r->domain, NULL, MTASTS_STORE_CACHE_ONLY, &r->d);
	r->decided_ok = 1;
	if (is_miss(&r->d.lookup)) {
		/* Expired since cached() looked: decide again with the network. */
		mtasts_decision_clear(&r->d);
		r->decided_ok = 0;
		to_worker(r);
		return (r);
	}
	r->have_decision = 1;
	if (!answer_need_mx(r->map, &r->d)) {
		answer_decision(&r->reply, r->map, r->domain, &r->d, NULL);
		finish(r, "cache");
		return (r);
	}
	if (mxcache_get(r->domain, &mx)) {
		answer_decision(&r->reply, r->map, r->domain, &r->d, &mx);
		mx_answer_clear(&mx);
		finish(r, "cache+mx");
		return (r);
	}
	to_worker(r);
	return (r);
}

/* req_error - the PERM reply for a framing error */

struct req *
req_error(struct conn *c, const char *why)
{
	struct req *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (NULL);
	r->conn = c;
	r->t0 = now_ms();
	answer_status(&r->reply, MTASTS_PERM, why);
	finish(r, "framing");
	return (r);
}

/* req_run - the slow path (worker) */

static void
req_run(struct job *j, struct worker *w)
{
	struct req *r = (struct req *) j;
	struct gen *g = r->gen;
	struct mtasts_dns *dns;
	struct mx_answer mx;

	if (!r->have_decision) {
		mtasts_decide(g->store, g->audit, r->domain, NULL, 0, &r->d);
		r->decided_ok = 1;
	}
	if (!answer_need_mx(r->map, &r->d)) {
		answer_decision(&r->reply, r->map, r->domain, &r->d, NULL);
		return;
	}
	if (!mxcache_get(r->domain, &mx)) {
		memset(&mx, 0, sizeof(mx));
		if ((dns = worker_dns(w, mx.why, sizeof(mx.why))) == NULL)
			mx.status = MTASTS_TEMP;
		else
			mx.status = mtasts_dns_mx(dns, r->domain, MTASTS_DNS_TIMEOUT_DEFAULT,
						  &mx.list, mx.why, sizeof(mx.why));
		mxcache_put(r->domain, &mx);
	}
	answer_decision(&r->reply, r->map, r->domain, &r->d, &mx);
	mx_answer_clear(&mx);
}

/* req_done - back in the loop: reply, or free an orphan */

static void
req_done(struct job *j)
{
	struct req *r = (struct req *) j;

	finish(r, r->have_decision ? "worker-mx" : "worker");
	if (r->conn != NULL)
		server_req_done(r->conn);
	else
		req_free(r);
}

/* req_free - release a request */

void
req_free(struct req *r)
{
	if (r->decided_ok)
		mtasts_decision_clear(&r->d);
	mtasts_buf_free(&r->reply);
	if (r->gen)
		gen_release(r->gen);
	free(r);
}
