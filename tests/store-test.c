/*++
 * NAME
 *	store-test 1
 * SUMMARY
 *	unit tests of the store (RFC 8461 refresh rules) and the decision
 * DESCRIPTION
 *	The network is replaced at link time, as dns.h describes: this
 *	program defines the mtasts_dns_* and mtasts_fetch_* functions the
 *	store calls, and ELF symbol interposition makes libmtasts call these
 *	instead of its own. The fakes answer from the struct world below and
 *	count their calls, and the clock is set with mtasts_clock_set(), so
 *	each rule is checked exactly and without sleeping. The cache is a
 *	real LMDB file in a temporary directory.
 *	Prints "PASS store/<case>" or "FAIL store/<case>: why" and ends with
 *	"N passed, N failed".
 *--*/
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mtasts/cache.h>
#include <mtasts/clock.h>
#include <mtasts/config.h>
#include <mtasts/decision.h>
#include <mtasts/dns.h>
#include <mtasts/fetch.h>
#include <mtasts/store.h>

/* ---------------------------------------------------------------- fakes */

static struct {
	enum mtasts_status txt_status;	/* answer of the TXT lookup */
	char	txt_id[MTASTS_ID_MAX + 1];
	enum mtasts_status fetch_status;
	const char *fetch_rt;		/* result type of a failing fetch */
	char	body[1024];		/* policy served */
	unsigned fetch_delay_ms;
	pthread_mutex_t lock;
	int	txt_calls, fetch_calls;
} world = {.lock = PTHREAD_MUTEX_INITIALIZER};

struct mtasts_dns {
	int	dummy;
};

struct mtasts_fetch_ctx {
	int	dummy;
};

struct mtasts_dns *
mtasts_dns_new(const struct mtasts_config *cfg, struct event_base *base,
	       char *why, size_t whylen)
{
	return (calloc(1, sizeof(struct mtasts_dns)));
}

void
mtasts_dns_free(struct mtasts_dns *dns)
{
	free(dns);
}

enum mtasts_status
mtasts_dns_sts_txt(struct mtasts_dns *dns, const char *domain, unsigned timeout_ms,
		   struct mtasts_txt *out, char *why, size_t whylen)
{
	enum mtasts_status st;

	pthread_mutex_lock(&world.lock);
	world.txt_calls++;
	st = world.txt_status;
	(void) snprintf(out->id, sizeof(out->id), "%s", world.txt_id);
	pthread_mutex_unlock(&world.lock);
	mtasts_why(why, whylen, "fake TXT answer %s", mtasts_status_str(st));
	return (st);
}

enum mtasts_status
mtasts_dns_addrs(struct mtasts_dns *dns, const char *host, int family,
		 unsigned timeout_ms, struct mtasts_addr_list **out,
		 char *why, size_t whylen)
{
	struct mtasts_addr_list *l = calloc(1, sizeof(*l) + sizeof(l->addr[0]));

	if (l == NULL)
		return (MTASTS_TEMP);
	l->n = 1;
	l->addr[0].ss_family = AF_INET;
	*out = l;
	return (MTASTS_OK);
}

void
mtasts_addr_list_free(struct mtasts_addr_list *l)
{
	free(l);
}

struct mtasts_fetch_ctx *
mtasts_fetch_ctx_new_config(const struct mtasts_config *cfg, char *why, size_t whylen)
{
	return (calloc(1, sizeof(struct mtasts_fetch_ctx)));
}

void
mtasts_fetch_ctx_free(struct mtasts_fetch_ctx *fx)
{
	free(fx);
}

enum mtasts_status
mtasts_fetch_policy(const struct mtasts_fetch_ctx *fx, const char *domain,
		    const struct sockaddr_storage *addrs, size_t naddrs,
		    char **body, size_t *bodylen, const char **result_type,
		    char *why, size_t whylen)
{
	enum mtasts_status st;

	pthread_mutex_lock(&world.lock);
	world.fetch_calls++;
	st = world.fetch_status;
	*result_type = st == MTASTS_OK ? NULL : world.fetch_rt;
	*body = st == MTASTS_OK ? strdup(world.body) : NULL;
	*bodylen = *body ? strlen(*body) : 0;
	pthread_mutex_unlock(&world.lock);
	if (world.fetch_delay_ms)
		usleep(world.fetch_delay_ms * 1000);
	mtasts_why(why, whylen, "fake fetch %s", mtasts_status_str(st));
	return (st);
}

/* ---------------------------------------------------------------- helpers */

static int pass, fail;
static char faildetail[512];

static int
check(int cond, const char *fmt, ...)
{
	va_list ap;

	if (cond || faildetail[0])
		return (cond);
	va_start(ap, fmt);
	(void) vsnprintf(faildetail, sizeof(faildetail), fmt, ap);
	va_end(ap);
	return (0);
}

static void
report(const char *name)
{
	if (faildetail[0]) {
		printf("FAIL store/%s: %s\n", name, faildetail);
		fail++;
	} else {
		printf("PASS store/%s\n", name);
		pass++;
	}
	faildetail[0] = 0;
}

static void
serve(const char *id, const char *mode, const char *mx, unsigned max_age)
{
	world.txt_status = MTASTS_OK;
	(void) snprintf(world.txt_id, sizeof(world.txt_id), "%s", id);
	world.fetch_status = MTASTS_OK;
	(void) snprintf(world.body, sizeof(world.body),
			"version: STSv1\nmode: %s\nmx: %s\nmax_age: %u\n", mode, mx, max_age);
}

static void
counts_reset(void)
{
	world.txt_calls = world.fetch_calls = 0;
}

static void
lookup(struct mtasts_store *s, const char *d, struct mtasts_lookup *l)
{
	mtasts_store_lookup(s, d, 0, l);
}

#define T0 1800000000

struct thr {
	struct mtasts_store *s;
	struct mtasts_lookup l;
};

static void *
thr_lookup(void *arg)
{
	struct thr *t = arg;

	lookup(t->s, "shared.test", &t->l);
	return (NULL);
}

int
main(void)
{
	char	dir[] = "/tmp/mtasts-store-test.XXXXXX", path[1024], why[512];
	struct mtasts_config *cfg, *cfgbad;
	struct mtasts_store *s, *sbad;
	struct mtasts_lookup l;
	struct mtasts_decision d;
	const char *yaml;
	int	i;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	(void) snprintf(path, sizeof(path),
			"cache:\n  path: %s/cache.lmdb\n  refresh_interval: 3600\n  negative_ttl: 600\n"
			"domains:\n"
			"  ignored.test: {mode: ignore}\n"
			"  forcednone.test: {mode: none}\n"
			"  forcedtesting.test: {mode: testing}\n"
			"  local.test: {mode: enforce, mx: [\"mx.local.test\"]}\n"
			"  strict.test: {on_temp_failure: defer}\n", dir);
	yaml = path;
	if (mtasts_config_parse(yaml, strlen(yaml), "store-test.yaml", &cfg, why, sizeof(why)) != MTASTS_OK) {
		printf("FAIL store/config: %s\n0 passed, 1 failed\n", why);
		return (1);
	}
	if ((s = mtasts_store_open(cfg, why, sizeof(why))) == NULL) {
		printf("FAIL store/open: %s\n0 passed, 1 failed\n", why);
		return (1);
	}

	/* 1. Nothing cached: TXT, fetch, cache. */
	mtasts_clock_set(T0);
	serve("id1", "enforce", "mx1.a.test", 86400);
	counts_reset();
	lookup(s, "a.test", &l);
	check(l.outcome == MTASTS_OUTCOME_POLICY, "outcome %s", mtasts_outcome_str(l.outcome));
	check(!l.from_cache && strcmp(l.id, "id1") == 0, "source/id %d %s", l.from_cache, l.id);
	check(world.txt_calls == 1 && world.fetch_calls == 1, "calls txt %d fetch %d", world.txt_calls, world.fetch_calls);
	check(l.expires_at == T0 + 86400, "expires_at %ld", (long) l.expires_at);
	mtasts_lookup_clear(&l);
	report("miss-fetches-and-caches");

	/* 2. Within the refresh interval: the cache alone. */
	mtasts_clock_set(T0 + 3599);
	counts_reset();
	lookup(s, "a.test", &l);
	check(l.outcome == MTASTS_OUTCOME_POLICY && l.from_cache, "outcome %s cache %d", mtasts_outcome_str(l.outcome), l.from_cache);
	check(world.txt_calls == 0 && world.fetch_calls == 0, "network used: txt %d fetch %d", world.txt_calls, world.fetch_calls);
	mtasts_lookup_clear(&l);
	report("fresh-cache-no-network");

	/* 3. After it, the same id: one TXT query, no fetch. */
	mtasts_clock_set(T0 + 3601);
	counts_reset();
	lookup(s, "a.test", &l);
	check(l.outcome == MTASTS_OUTCOME_POLICY && l.from_cache, "outcome %s cache %d", mtasts_outcome_str(l.outcome), l.from_cache);
	check(world.txt_calls == 1 && world.fetch_calls == 0, "calls txt %d fetch %d", world.txt_calls, world.fetch_calls);
	mtasts_lookup_clear(&l);
	counts_reset();
	lookup(s, "a.test", &l);		/* the check was recorded */
	check(world.txt_calls == 0, "re-checked again at once: txt %d", world.txt_calls);
	mtasts_lookup_clear(&l);
	report("same-id-no-refetch");

	/* 4. A new id: refetch. */
	mtasts_clock_set(T0 + 7300);
	serve("id2", "testing", "mx2.a.test", 86400);
	counts_reset();
	lookup(s, "a.test", &l);
	check(l.outcome == MTASTS_OUTCOME_POLICY && !l.from_cache && strcmp(l.id, "id2") == 0,
	      "outcome %s cache %d id %s", mtasts_outcome_str(l.outcome), l.from_cache, l.id);
	check(l.policy && l.policy->mode == MTASTS_MODE_TESTING, "mode not updated");
	check(world.fetch_calls == 1, "fetch calls %d", world.fetch_calls);
	mtasts_lookup_clear(&l);
	report("new-id-refetches");

	/* 5. A new id whose fetch fails: the cached policy applies. */
	mtasts_clock_set(T0 + 11000);
	serve("id3", "enforce", "mx3.a.test", 86400);
	world.fetch_status = MTASTS_TEMP;
	world.fetch_rt = MTASTS_RESULT_WEBPKI_INVALID;
	lookup(s, "a.test", &l);
	check(l.outcome == MTASTS_OUTCOME_POLICY && l.from_cache && strcmp(l.id, "id2") == 0,
	      "outcome %s cache %d id %s", mtasts_outcome_str(l.outcome), l.from_cache, l.id);
	check(strstr(l.reason, "cached policy applies") != NULL, "reason '%s'", l.reason);
	mtasts_lookup_clear(&l);
	report("refresh-failure-keeps-cached");

	/* 6. Expired, fetch still failing: fetch-error with its result type. */
	mtasts_clock_set(T0 + 7300 + 86400);
	lookup(s, "a.test", &l);
	check(l.outcome == MTASTS_OUTCOME_FETCH_ERROR, "outcome %s", mtasts_outcome_str(l.outcome));
	check(l.result_type && strcmp(l.result_type, MTASTS_RESULT_WEBPKI_INVALID) == 0,
	      "result_type %s", l.result_type ? l.result_type : "null");
	mtasts_lookup_clear(&l);
	report("expired-and-fetch-fails");

	/* 7. No TXT record: none, cached for negative_ttl. */
	mtasts_clock_set(T0);
	world.txt_status = MTASTS_NONE;
	counts_reset();
	lookup(s, "b.test", &l);
	check(l.outcome == MTASTS_OUTCOME_NONE && !l.from_cache, "outcome %s", mtasts_outcome_str(l.outcome));
	mtasts_lookup_clear(&l);
	mtasts_clock_set(T0 + 599);
	lookup(s, "b.test", &l);
	check(l.outcome == MTASTS_OUTCOME_NONE && l.from_cache, "second: outcome %s cache %d",
	      mtasts_outcome_str(l.outcome), l.from_cache);
	check(world.txt_calls == 1, "txt calls %d", world.txt_calls);
	mtasts_lookup_clear(&l);
	mtasts_clock_set(T0 + 601);
	lookup(s, "b.test", &l);
	check(world.txt_calls == 2, "negative entry outlived negative_ttl: txt calls %d", world.txt_calls);
	mtasts_lookup_clear(&l);
	report("no-record-negative-cache");

	/* 8. DNS failing, nothing cached: temp, not our fault. */
	world.txt_status = MTASTS_TEMP;
	lookup(s, "c.test", &l);
	check(l.outcome == MTASTS_OUTCOME_TEMP && !l.internal, "outcome %s internal %d",
	      mtasts_outcome_str(l.outcome), l.internal);
	mtasts_lookup_clear(&l);
	report("dns-temp-nothing-cached");

	/* 9. An invalid policy body: fetch-error, sts-policy-invalid, not cached. */
	serve("id9", "enforce", "*.*.bad.test", 86400);
	counts_reset();
	lookup(s, "d.test", &l);
	check(l.outcome == MTASTS_OUTCOME_FETCH_ERROR && l.result_type
	      && strcmp(l.result_type, MTASTS_RESULT_POLICY_INVALID) == 0,
	      "outcome %s rt %s", mtasts_outcome_str(l.outcome), l.result_type ? l.result_type : "null");
	mtasts_lookup_clear(&l);
	lookup(s, "d.test", &l);
	check(world.fetch_calls == 2, "invalid policy was cached: fetch calls %d", world.fetch_calls);
	mtasts_lookup_clear(&l);
	report("invalid-policy");

	/* 10. Eight threads, one domain: one fetch. */
	{
		pthread_t th[8];
		struct thr t[8];
		int	ok = 1;

		serve("idS", "enforce", "mx.shared.test", 86400);
		world.fetch_delay_ms = 300;
		counts_reset();
		for (i = 0; i < 8; i++) {
			t[i].s = s;
			pthread_create(&th[i], NULL, thr_lookup, &t[i]);
		}
		for (i = 0; i < 8; i++) {
			pthread_join(th[i], NULL);
			ok &= t[i].l.outcome == MTASTS_OUTCOME_POLICY && t[i].l.policy != NULL
			    && strcmp(t[i].l.policy->mx[0], "mx.shared.test") == 0;
			mtasts_lookup_clear(&t[i].l);
		}
		world.fetch_delay_ms = 0;
		check(ok, "a thread did not get the policy");
		check(world.fetch_calls == 1, "fetch calls %d (expected 1)", world.fetch_calls);
		report("concurrent-lookups-share-one-fetch");
	}

	/* 11. Decisions: enforce, MX match and mismatch. */
	serve("idE", "enforce", "*.e.test", 86400);
	mtasts_decide(s, NULL, "e.test", "mx1.e.test", 0, &d);
	check(d.status == MTASTS_OK && d.mode == MTASTS_DMODE_ENFORCE && d.host_matches
	      && d.action == MTASTS_ACTION_DELIVER, "match: status %d mode %s action %s",
	      d.status, mtasts_dmode_str(d.mode), mtasts_action_str(d.action));
	mtasts_decision_clear(&d);
	mtasts_decide(s, NULL, "e.test", "a.b.e.test", 0, &d);
	check(d.status == MTASTS_OK && !d.host_matches && d.action == MTASTS_ACTION_DEFER,
	      "two-label MX: matches %d action %s", d.host_matches, mtasts_action_str(d.action));
	mtasts_decision_clear(&d);
	report("decision-enforce-mx");

	/* 12. Testing: a non-matching MX is reported, mail delivered. */
	serve("idT", "testing", "mx.t.test", 86400);
	mtasts_decide(s, NULL, "t.test", "other.t.test", 0, &d);
	check(d.status == MTASTS_NONE && d.action == MTASTS_ACTION_REPORT,
	      "status %d action %s", d.status, mtasts_action_str(d.action));
	mtasts_decision_clear(&d);
	report("decision-testing-reports");

	/* 13. Overrides. */
	serve("idO", "enforce", "mx.o.test", 86400);
	counts_reset();
	mtasts_decide(s, NULL, "ignored.test", NULL, 0, &d);
	check(d.status == MTASTS_NONE && world.txt_calls == 0, "ignore: status %d txt %d", d.status, world.txt_calls);
	mtasts_decision_clear(&d);
	mtasts_decide(s, NULL, "forcednone.test", "x.forcednone.test", 0, &d);
	check(d.status == MTASTS_NONE && d.mode == MTASTS_DMODE_NONE, "none: status %d mode %s",
	      d.status, mtasts_dmode_str(d.mode));
	mtasts_decision_clear(&d);
	mtasts_decide(s, NULL, "forcedtesting.test", "x.forcedtesting.test", 0, &d);
	check(d.status == MTASTS_NONE && d.mode == MTASTS_DMODE_TESTING && d.action == MTASTS_ACTION_REPORT,
	      "testing: status %d mode %s", d.status, mtasts_dmode_str(d.mode));
	mtasts_decision_clear(&d);
	world.txt_status = MTASTS_NONE;
	mtasts_decide(s, NULL, "local.test", "mx.local.test", 0, &d);
	check(d.status == MTASTS_OK && d.mode == MTASTS_DMODE_ENFORCE && d.host_matches,
	      "local policy: status %d mode %s match %d", d.status, mtasts_dmode_str(d.mode), d.host_matches);
	mtasts_decision_clear(&d);
	world.txt_status = MTASTS_TEMP;
	mtasts_decide(s, NULL, "strict.test", NULL, 0, &d);
	check(d.status == MTASTS_TEMP && d.action == MTASTS_ACTION_DEFER, "on_temp_failure defer: status %d", d.status);
	mtasts_decision_clear(&d);
	mtasts_decide(s, NULL, "lenient.test", NULL, 0, &d);
	check(d.status == MTASTS_NONE && d.action == MTASTS_ACTION_DELIVER, "RFC default: status %d", d.status);
	mtasts_decision_clear(&d);
	report("decision-overrides");

	/* 14. Our own failure (no usable cache): always defer. */
	yaml = "cache:\n  path: /nonexistent-dir-for-mtasts-test/cache.lmdb\n";
	if (mtasts_config_parse(yaml, strlen(yaml), "bad.yaml", &cfgbad, why, sizeof(why)) == MTASTS_OK
	    && (sbad = mtasts_store_open(cfgbad, why, sizeof(why))) != NULL) {
		serve("idX", "none", "mx.x.test", 86400);
		mtasts_decide(sbad, NULL, "x.test", NULL, 0, &d);
		check(d.status == MTASTS_TEMP && d.lookup.internal && d.action == MTASTS_ACTION_DEFER,
		      "status %d internal %d reason %s", d.status, d.lookup.internal, d.reason);
		mtasts_decision_clear(&d);
		mtasts_store_close(sbad);
		mtasts_config_free(cfgbad);
	} else {
		check(0, "set-up: %s", why);
	}
	report("internal-failure-defers");

	mtasts_store_close(s);
	mtasts_config_free(cfg);
	(void) snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		fprintf(stderr, "store-test: could not remove %s\n", dir);
	printf("%d passed, %d failed\n", pass, fail);
	return (fail ? 1 : 0);
}
