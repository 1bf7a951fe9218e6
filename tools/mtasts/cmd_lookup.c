/*++
 * NAME
 *	cmd_lookup 3
 * SUMMARY
 *	mtasts lookup: the policy that applies to a domain now, as JSON
 * SYNOPSIS
 *	mtasts [-c CONFIG] lookup [--cache-only] DOMAIN
 * DESCRIPTION
 *	Goes through the same store and decision code as every adapter (so
 *	it also writes the cache and one audit record), and prints
 *	{"domain","outcome","mode","id","mx","max_age","source",
 *	"result_type","reason"}. outcome and exit status:
 *	policy 0, none 2, fetch-error 3, temp 75 (EX_TEMPFAIL).
 *	DOMAIN may be any lookup key an MTA sends ("[mx.example.com]:25");
 *	an IP literal or ".parent" form has no policy (outcome none).
 *--*/
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <mtasts/audit.h>
#include <mtasts/buf.h>
#include <mtasts/decision.h>
#include <mtasts/domain.h>
#include <mtasts/store.h>

#include "cmd.h"

/* outcome_exit - the contract's exit status per outcome */

static int
outcome_exit(enum mtasts_outcome o)
{
	switch (o) {
	case MTASTS_OUTCOME_POLICY:
		return (0);
	case MTASTS_OUTCOME_NONE:
		return (2);
	case MTASTS_OUTCOME_FETCH_ERROR:
		return (3);
	case MTASTS_OUTCOME_TEMP:
		break;
	}
	return (EX_TEMPFAIL);
}

/* print_lookup - the JSON object of the contract */

static int
print_lookup(const char *domain, const struct mtasts_decision *d)
{
	const struct mtasts_lookup *l = &d->lookup;
	struct mtasts_buf b = {0};
	size_t	i;

	mtasts_buf_puts(&b, "{\"domain\":");
	mtasts_buf_json_str(&b, domain);
	mtasts_buf_puts(&b, ",\"outcome\":");
	mtasts_buf_json_str(&b, mtasts_outcome_str(l->outcome));
	mtasts_buf_puts(&b, ",\"mode\":");
	if (d->mode == MTASTS_DMODE_NO_POLICY)
		mtasts_buf_puts(&b, "null");
	else
		mtasts_buf_json_str(&b, mtasts_dmode_str(d->mode));
	mtasts_buf_puts(&b, ",\"id\":");
	if (l->id[0])
		mtasts_buf_json_str(&b, l->id);
	else
		mtasts_buf_puts(&b, "null");
	mtasts_buf_puts(&b, ",\"mx\":[");
	for (i = 0; i < d->nmx; i++) {
		if (i)
			mtasts_buf_puts(&b, ",");
		mtasts_buf_json_str(&b, d->mx[i]);
	}
	mtasts_buf_puts(&b, "],\"max_age\":");
	if (l->policy)
		mtasts_buf_printf(&b, "%lu", (unsigned long) l->policy->max_age);
	else
		mtasts_buf_puts(&b, "null");
	mtasts_buf_puts(&b, ",\"source\":");
	mtasts_buf_json_str(&b, l->from_cache ? "cache" : "network");
	mtasts_buf_puts(&b, ",\"result_type\":");
	if (d->result_type)
		mtasts_buf_json_str(&b, d->result_type);
	else
		mtasts_buf_puts(&b, "null");
	mtasts_buf_puts(&b, ",\"reason\":");
	mtasts_buf_json_str(&b, d->reason);
	mtasts_buf_puts(&b, "}\n");
	if (b.oom) {
		mtasts_buf_free(&b);
		fprintf(stderr, "mtasts: out of memory\n");
		return (-1);
	}
	fputs(b.data, stdout);
	mtasts_buf_free(&b);
	return (0);
}

/* cmd_lookup - look a domain's policy up */

int
cmd_lookup(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"cache-only", no_argument, NULL, 'C'},
		{NULL, 0, NULL, 0}
	};
	const struct mtasts_config *cfg;
	struct mtasts_store *store;
	struct mtasts_audit *audit;
	struct mtasts_decision d;
	char	domain[MTASTS_DOMAIN_MAX + 1], why[MTASTS_REASON_MAX * 2];
	int	ch, flags = 0, ret;

	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (ch) {
		case 'C':
			flags |= MTASTS_STORE_CACHE_ONLY;
			break;
		default:
			fprintf(stderr, "usage: mtasts lookup [--cache-only] DOMAIN\n");
			return (EX_USAGE);
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: mtasts lookup [--cache-only] DOMAIN\n");
		return (EX_USAGE);
	}
	switch (mtasts_key_normalize(argv[optind], domain, sizeof(domain), why, sizeof(why))) {
	case MTASTS_OK:
		break;
	case MTASTS_NONE:
		memset(&d, 0, sizeof(d));
		d.lookup.outcome = MTASTS_OUTCOME_NONE;
		d.lookup.from_cache = 0;
		mtasts_why(d.reason, sizeof(d.reason), "%s", why);
		return (print_lookup(argv[optind], &d) < 0 ? EX_OSERR : 2);
	default:
		fprintf(stderr, "mtasts: %s: %s\n", argv[optind], why);
		return (EX_DATAERR);
	}
	if ((cfg = cmd_config(ctx)) == NULL)
		return (EX_CONFIG);
	if ((store = mtasts_store_open(cfg, why, sizeof(why))) == NULL) {
		fprintf(stderr, "mtasts: %s\n", why);
		return (EX_TEMPFAIL);
	}
	if ((audit = mtasts_audit_open(cfg, why, sizeof(why))) == NULL || why[0])
		fprintf(stderr, "mtasts: %s\n", why[0] ? why : "audit: out of memory");
	mtasts_decide(store, audit, domain, NULL, flags, &d);
	ret = print_lookup(domain, &d) < 0 ? EX_OSERR : outcome_exit(d.lookup.outcome);
	mtasts_decision_clear(&d);
	mtasts_audit_close(audit);
	mtasts_store_close(store);
	return (ret);
}
