/*++
 * NAME
 *	bench-decision 1
 * SUMMARY
 *	time a cached decision in-process (the Exim module's and the
 *	daemon's fast path)
 * SYNOPSIS
 *	bench/decision [-n ITERATIONS] [-d DOMAINS] [-a]
 * DESCRIPTION
 *	Fills a fresh LMDB cache in a temporary directory with DOMAINS
 *	enforce policies (fetched now, so no refresh is due and nothing
 *	touches the network), then times mtasts_decide() for a domain and a
 *	matching MX host, cycling through the domains. -a also writes every
 *	decision to the audit log (a JSON-lines file in the temporary
 *	directory; syslog too). Prints microseconds per decision.
 *	A benchmark, not a test: it asserts nothing.
 *--*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mtasts/audit.h>
#include <mtasts/cache.h>
#include <mtasts/clock.h>
#include <mtasts/config.h>
#include <mtasts/decision.h>
#include <mtasts/store.h>

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e6 + ts.tv_nsec / 1e3);
}

int
main(int argc, char **argv)
{
	long	iters = 200000, ndom = 1000, i;
	int	ch, use_audit = 0;
	char	dir[] = "/tmp/mtasts-bench.XXXXXX", path[256], json[256], why[512];
	char	domain[64], mx[96], body[256];
	struct mtasts_config *cfg;
	struct mtasts_cache *cache;
	struct mtasts_store *store;
	struct mtasts_audit *audit = NULL;
	struct mtasts_decision d;
	double	t0, t1;
	long	enforced = 0;

	while ((ch = getopt(argc, argv, "n:d:a")) != -1) {
		switch (ch) {
		case 'n': iters = strtol(optarg, NULL, 10); break;
		case 'd': ndom = strtol(optarg, NULL, 10); break;
		case 'a': use_audit = 1; break;
		default:
			fprintf(stderr, "usage: bench/decision [-n ITERATIONS] [-d DOMAINS] [-a]\n");
			return (64);
		}
	}
	if (iters < 1 || ndom < 1 || mkdtemp(dir) == NULL) {
		perror("bench/decision");
		return (1);
	}
	(void) snprintf(path, sizeof(path), "%s/cache.lmdb", dir);
	(void) snprintf(json, sizeof(json), "%s/audit.jsonl", dir);
	if ((cfg = mtasts_config_default()) == NULL)
		return (1);
	free(cfg->cache_path);
	cfg->cache_path = strdup(path);
	if (use_audit)
		cfg->json_file = strdup(json);
	if (mtasts_cache_open(path, MTASTS_CACHE_RDWR, &cache, why, sizeof(why)) != MTASTS_OK) {
		fprintf(stderr, "bench/decision: %s\n", why);
		return (1);
	}
	for (i = 0; i < ndom; i++) {
		struct mtasts_cache_entry e;
		int	n;

		memset(&e, 0, sizeof(e));
		(void) snprintf(e.domain, sizeof(e.domain), "d%ld.bench.test", i);
		n = snprintf(body, sizeof(body), "version: STSv1\nmode: enforce\n"
			     "mx: mx1.d%ld.bench.test\nmx: *.backup.d%ld.bench.test\nmax_age: 604800\n", i, i);
		e.kind = MTASTS_CACHE_POLICY;
		(void) snprintf(e.id, sizeof(e.id), "20261130");
		e.policy = body;
		e.policy_len = (size_t) n;
		e.fetched_at = e.last_checked = mtasts_now();
		e.expires_at = e.fetched_at + 604800;
		if (mtasts_cache_put(cache, &e, why, sizeof(why)) != MTASTS_OK) {
			fprintf(stderr, "bench/decision: %s\n", why);
			return (1);
		}
	}
	mtasts_cache_close(cache);
	if ((store = mtasts_store_open(cfg, why, sizeof(why))) == NULL) {
		fprintf(stderr, "bench/decision: %s\n", why);
		return (1);
	}
	if (use_audit && (audit = mtasts_audit_open(cfg, why, sizeof(why))) == NULL)
		return (1);
	t0 = now_us();
	for (i = 0; i < iters; i++) {
		long	k = i % ndom;

		(void) snprintf(domain, sizeof(domain), "d%ld.bench.test", k);
		(void) snprintf(mx, sizeof(mx), "mx1.d%ld.bench.test", k);
		mtasts_decide(store, audit, domain, mx, 0, &d);
		if (d.status == MTASTS_OK && d.host_matches)
			enforced++;
		mtasts_decision_clear(&d);
	}
	t1 = now_us();
	printf("cached decision%s: %.2f us per call (%ld calls over %ld domains, %ld enforced+matching)\n",
	       use_audit ? " with audit log" : "", (t1 - t0) / (double) iters, iters, ndom, enforced);
	mtasts_audit_close(audit);
	mtasts_store_close(store);
	mtasts_config_free(cfg);
	(void) unlink(json);
	(void) unlink(path);
	(void) snprintf(path, sizeof(path), "%s/cache.lmdb-lock", dir);
	(void) unlink(path);
	(void) rmdir(dir);
	return (enforced == iters ? 0 : 1);
}
