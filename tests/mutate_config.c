/*++
 * NAME
 *	mutate_config 3
 * SUMMARY
 *	mutation target: mtasts_config_parse() on arbitrary bytes
 * SYNOPSIS
 *	#include "mutate.h"
 *
 *	void mut_config(const char *buf, size_t len);
 * DESCRIPTION
 *	Parses buf and frees the result. Besides not crashing or leaking
 *	(the sanitizers and valgrind see to that), the contract of
 *	mtasts_config_parse() is checked and a breach aborts: a result on
 *	MTASTS_OK only, a printable message that starts with the name on
 *	failure, domains sorted and unique, every value within its range.
 *--*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mtasts/config.h>
#include <mtasts/limits.h>

#include "mutate.h"

#define NAME	"mutate.yaml"

/* breach - report a broken contract and stop */

static void
breach(const char *what, const char *msg)
{
	fprintf(stderr, "mut_config: %s: %s\n", what, msg);
	abort();
}

/* check_config - invariants of a successfully parsed config */

static void
check_config(const struct mtasts_config *cfg)
{
	size_t	i;

	if (cfg->fetch_timeout < 1 || cfg->fetch_timeout > MTASTS_FETCH_TIMEOUT_MAX
	    || cfg->cache_negative_ttl > MTASTS_NEGATIVE_TTL_MAX
	    || cfg->cache_refresh_interval < MTASTS_REFRESH_INTERVAL_MIN
	    || cfg->cache_refresh_interval > MTASTS_REFRESH_INTERVAL_MAX)
		breach("range", "a duration is out of range");
	if (cfg->nservers > MTASTS_CONFIG_SERVERS_MAX || cfg->cache_path == NULL)
		breach("servers/cache", "bad value");
	for (i = 0; i < cfg->nservers; i++)
		if (cfg->servers[i].port == 0)
			breach("servers", cfg->servers[i].host);
	for (i = 0; i < cfg->ndomains; i++) {
		if (i > 0 && strcmp(cfg->domains[i - 1].name, cfg->domains[i].name) >= 0)
			breach("domains not sorted and unique", cfg->domains[i].name);
		if (mtasts_config_domain(cfg, cfg->domains[i].name) != &cfg->domains[i])
			breach("lookup", cfg->domains[i].name);
	}
}

/* mut_config - one mutated input */

void
mut_config(const char *buf, size_t len)
{
	struct mtasts_config *cfg = NULL;
	enum mtasts_status st;
	char	why[MTASTS_REASON_MAX];
	size_t	i;

	st = mtasts_config_parse(buf, len, NAME, &cfg, why, sizeof(why));
	if (st == MTASTS_OK) {
		if (cfg == NULL)
			breach("ok without a config", "");
		check_config(cfg);
		mtasts_config_free(cfg);
		return;
	}
	if (cfg != NULL)
		breach("failure left a config", why);
	if (st != MTASTS_PERM && st != MTASTS_TEMP)
		breach("status", why);
	if (strncmp(why, NAME ":", sizeof(NAME)) != 0)
		breach("message does not start with the name", why);
	for (i = 0; why[i]; i++)
		if ((unsigned char) why[i] < 0x20 || (unsigned char) why[i] > 0x7e)
			breach("unprintable message", why);
}
