/*++
 * NAME
 *	fill-cache 1
 * SUMMARY
 *	put enforce policies into an LMDB cache file, for benchmarks
 * SYNOPSIS
 *	bench/fill-cache PATH DOMAIN [COUNT]
 * DESCRIPTION
 *	Without COUNT, stores one policy for DOMAIN (mx: mx1.DOMAIN). With
 *	COUNT, stores COUNT policies for d0.DOMAIN ... d<COUNT-1>.DOMAIN.
 *	Each is fetched "now" with a max_age of one week, so lookups within
 *	cache.refresh_interval stay off the network.
 *--*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mtasts/cache.h>
#include <mtasts/clock.h>

int
main(int argc, char **argv)
{
	struct mtasts_cache *cache;
	struct mtasts_cache_entry e;
	char	why[512], body[600];
	long	count = 0, i;
	int	n;

	if (argc < 3 || argc > 4 || (argc == 4 && (count = strtol(argv[3], NULL, 10)) < 1)) {
		fprintf(stderr, "usage: fill-cache PATH DOMAIN [COUNT]\n");
		return (64);
	}
	if (mtasts_cache_open(argv[1], MTASTS_CACHE_RDWR, &cache, why, sizeof(why)) != MTASTS_OK) {
		fprintf(stderr, "fill-cache: %s\n", why);
		return (1);
	}
	for (i = 0; i < (count ? count : 1); i++) {
		memset(&e, 0, sizeof(e));
		n = count ? snprintf(e.domain, sizeof(e.domain), "d%ld.%s", i, argv[2])
		    : snprintf(e.domain, sizeof(e.domain), "%s", argv[2]);
		if (n < 0 || (size_t) n >= sizeof(e.domain)) {
			fprintf(stderr, "fill-cache: domain too long\n");
			return (1);
		}
		n = snprintf(body, sizeof(body), "version: STSv1\nmode: enforce\nmx: mx1.%s\n"
			     "mx: *.backup.%s\nmax_age: 604800\n", e.domain, e.domain);
		e.kind = MTASTS_CACHE_POLICY;
		(void) snprintf(e.id, sizeof(e.id), "20261130");
		e.policy = body;
		e.policy_len = (size_t) n;
		e.fetched_at = e.last_checked = mtasts_now();
		e.expires_at = e.fetched_at + 604800;
		if (mtasts_cache_put(cache, &e, why, sizeof(why)) != MTASTS_OK) {
			fprintf(stderr, "fill-cache: %s\n", why);
			return (1);
		}
	}
	mtasts_cache_close(cache);
	printf("%ld polic%s stored in %s\n", count ? count : 1, count == 1 || !count ? "y" : "ies", argv[1]);
	return (0);
}
