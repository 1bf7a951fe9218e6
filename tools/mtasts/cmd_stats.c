/*++
 * NAME
 *	cmd_stats 3
 * SUMMARY
 *	mtasts stats: TLS session counts per domain from the audit log
 * SYNOPSIS
 *	mtasts [-c CONFIG] stats [--since T] [--until T] [--domain D]
 *		[--json] [--log FILE]
 * DESCRIPTION
 *	Reads the audit log (--log, else tlsrpt.audit_log, else
 *	log.json_file; "-" is standard input) and counts sessions exactly
 *	as mtasts report does (tlsrpt.h, COUNTING; doc/tlsrpt.md): per
 *	domain, successful and failed sessions and the failures by RFC 8460
 *	result type. Times are ISO 8601 in UTC: --since is inclusive,
 *	--until exclusive, and a bare date for --until means the end of
 *	that day, so "--since 2026-11-01 --until 2026-11-30" is all of
 *	November. The table ends with what was not counted (lines that are
 *	no sessions, outside the range, malformed), so the numbers can be
 *	checked against the log.
 *
 *	Exit status: 0, 64 usage, 66 the log cannot be read, 78 no log
 *	configured.
 *--*/
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <mtasts/buf.h>
#include <mtasts/tlsrpt.h>

#include "cmd.h"

/* Result types per domain: the RFC 8460 list has eleven. */
#define TYPES_MAX	16

struct type_count {
	const char *type;
	unsigned long n;
};

/* by_type - failures of a domain by result type, in first-seen order */

static size_t
by_type(const struct mtasts_tlsrpt_domain *d, struct type_count *tc)
{
	const struct mtasts_tlsrpt_policy *p;
	size_t	i, k, t, nt = 0;

	for (i = 0; i < d->npolicies; i++) {
		p = d->policies + i;
		if (!mtasts_tlsrpt_policy_used(d, p))
			continue;
		for (k = 0; k < p->ndetails; k++) {
			for (t = 0; t < nt; t++)
				if (strcmp(tc[t].type, p->details[k].result_type) == 0)
					break;
			if (t == nt) {
				if (nt == TYPES_MAX)
					continue;
				tc[nt].type = p->details[k].result_type;
				tc[nt++].n = 0;
			}
			tc[t].n += p->details[k].count;
		}
	}
	return (nt);
}

/* range_json - "since"/"until" values */

static void
time_json(struct mtasts_buf *b, const char *key, time_t t)
{
	char	iso[32];

	mtasts_buf_printf(b, "\"%s\":", key);
	if (t == 0) {
		mtasts_buf_puts(b, "null");
		return;
	}
	mtasts_tlsrpt_iso(t, iso, sizeof(iso));
	mtasts_buf_json_str(b, iso);
}

/* stats_json - the whole answer as one JSON object */

static int
stats_json(const struct mtasts_tlsrpt_agg *a, const char *log)
{
	struct mtasts_buf b = {0};
	struct type_count tc[TYPES_MAX];
	const struct mtasts_tlsrpt_domain *d;
	const struct mtasts_tlsrpt_policy *p;
	unsigned long ok, failed, tok = 0, tfailed = 0;
	size_t	i, k, nt;

	mtasts_buf_puts(&b, "{\"log\":");
	mtasts_buf_json_str(&b, log);
	mtasts_buf_puts(&b, ",");
	time_json(&b, "since", a->since);
	mtasts_buf_puts(&b, ",");
	time_json(&b, "until", a->until);
	mtasts_buf_puts(&b, ",\"domains\":[");
	for (i = 0; i < a->ndomains; i++) {
		d = a->domains + i;
		mtasts_tlsrpt_totals(d, &ok, &failed);
		tok += ok;
		tfailed += failed;
		mtasts_buf_puts(&b, i ? ",{\"domain\":" : "{\"domain\":");
		mtasts_buf_json_str(&b, d->name);
		mtasts_buf_printf(&b, ",\"successful\":%lu,\"failed\":%lu,"
				  "\"result_types\":{", ok, failed);
		nt = by_type(d, tc);
		for (k = 0; k < nt; k++) {
			mtasts_buf_puts(&b, k ? "," : "");
			mtasts_buf_json_str(&b, tc[k].type);
			mtasts_buf_printf(&b, ":%lu", tc[k].n);
		}
		mtasts_buf_puts(&b, "},\"policies\":[");
		for (k = 0, nt = 0; k < d->npolicies; k++) {
			p = d->policies + k;
			if (!mtasts_tlsrpt_policy_used(d, p))
				continue;
			mtasts_buf_printf(&b, "%s{\"policy-type\":\"%s\",\"mode\":",
					  nt++ ? "," : "", p->type == MTASTS_TLSRPT_STS ?
					  "sts" : "no-policy-found");
			if (p->mode)
				mtasts_buf_json_str(&b, p->mode);
			else
				mtasts_buf_puts(&b, "null");
			mtasts_buf_puts(&b, ",\"mx_patterns\":");
			if (p->patterns)
				mtasts_buf_json_str(&b, p->patterns);
			else
				mtasts_buf_puts(&b, "null");
			mtasts_buf_printf(&b, ",\"successful\":%lu,\"failed\":%lu}",
					  p->ok, p->failed);
		}
		mtasts_buf_puts(&b, "]}");
	}
	/* Records: every line is in exactly one of these. */
	mtasts_buf_printf(&b, "],\"total\":{\"successful\":%lu,\"failed\":%lu},"
			  "\"lines\":%lu,\"sessions\":%lu,\"superseded\":%lu,"
			  "\"ignored\":%lu,\"outside\":%lu,\"malformed\":%lu}\n",
			  tok, tfailed, a->lines, tok + tfailed,
			  a->counted - (tok + tfailed), a->ignored, a->outside,
			  a->malformed);
	if (b.oom) {
		fprintf(stderr, "mtasts: out of memory\n");
		mtasts_buf_free(&b);
		return (EX_SOFTWARE);
	}
	fwrite(b.data, 1, b.len, stdout);
	mtasts_buf_free(&b);
	return (0);
}

/* stats_table - the readable answer */

static int
stats_table(const struct mtasts_tlsrpt_agg *a, const char *log)
{
	struct type_count tc[TYPES_MAX];
	const struct mtasts_tlsrpt_domain *d;
	unsigned long ok, failed, tok = 0, tfailed = 0;
	char	since[32] = "start", until[32] = "end";
	size_t	i, k, nt;

	if (a->since)
		mtasts_tlsrpt_iso(a->since, since, sizeof(since));
	if (a->until)
		mtasts_tlsrpt_iso(a->until, until, sizeof(until));
	printf("TLS sessions in %s, %s to %s (UTC)\n\n", log, since, until);
	printf("%-32s %9s %9s %9s %6s  %s\n", "DOMAIN", "SESSIONS", "SUCCESS",
	       "FAILURE", "FAIL%", "FAILURES BY RESULT TYPE");
	for (i = 0; i < a->ndomains; i++) {
		d = a->domains + i;
		mtasts_tlsrpt_totals(d, &ok, &failed);
		tok += ok;
		tfailed += failed;
		printf("%-32s %9lu %9lu %9lu %5.1f%%  ", d->name, ok + failed, ok,
		       failed, ok + failed ? 100.0 * (double) failed /
		       (double) (ok + failed) : 0.0);
		nt = by_type(d, tc);
		for (k = 0; k < nt; k++)
			printf("%s%s %lu", k ? ", " : "", tc[k].type, tc[k].n);
		printf("%s\n", nt ? "" : "-");
	}
	printf("%-32s %9lu %9lu %9lu %5.1f%%\n\n", "TOTAL", tok + tfailed, tok,
	       tfailed, tok + tfailed ? 100.0 * (double) tfailed /
	       (double) (tok + tfailed) : 0.0);
	printf("%lu lines: %lu sessions counted, %lu decision records left out"
	       " (their domain has delivery records), %lu records that are no"
	       " session, %lu outside the range or domain, %lu malformed",
	       a->lines, tok + tfailed, a->counted - (tok + tfailed), a->ignored,
	       a->outside, a->malformed);
	if (a->malformed)
		printf(" (first at line %lu)", a->first_malformed);
	printf("\n");
	return (0);
}

/* cmd_stats - mtasts stats */

int
cmd_stats(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"since", required_argument, NULL, 's'},
		{"until", required_argument, NULL, 'u'},
		{"domain", required_argument, NULL, 'd'},
		{"log", required_argument, NULL, 'l'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0}
	};
	const struct mtasts_config *cfg;
	struct mtasts_tlsrpt_agg a;
	const char *log = NULL, *domain = NULL;
	char	why[MTASTS_REASON_MAX * 2];
	time_t	since = 0, until = 0;
	int	ch, json = 0, ret;
	enum mtasts_status st;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
		case 'u':
			if (mtasts_tlsrpt_time(optarg, ch == 'u',
					       ch == 's' ? &since : &until) < 0) {
				fprintf(stderr, "mtasts: stats: --%s %s: not an ISO 8601"
					" UTC date (YYYY-MM-DD) or date-time"
					" (YYYY-MM-DDTHH:MM[:SS]Z)\n",
					ch == 's' ? "since" : "until", optarg);
				return (EX_USAGE);
			}
			break;
		case 'd':
			domain = optarg;
			break;
		case 'l':
			log = optarg;
			break;
		case 'j':
			json = 1;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc)
		goto usage;
	if (since && until && until <= since) {
		fprintf(stderr, "mtasts: stats: --until must be after --since\n");
		return (EX_USAGE);
	}
	if (log == NULL) {
		if ((cfg = cmd_config(ctx)) == NULL)
			return (EX_CONFIG);
		log = cfg->tlsrpt_audit_log ? cfg->tlsrpt_audit_log : cfg->json_file;
		if (log == NULL) {
			fprintf(stderr, "mtasts: stats: no audit log: set log.json_file"
				" (or tlsrpt.audit_log) in %s, or use --log FILE\n",
				cfg->source);
			return (EX_CONFIG);
		}
	}
	mtasts_tlsrpt_agg_init(&a, since, until, domain);
	if ((st = mtasts_tlsrpt_agg_log(&a, log, why, sizeof(why))) != MTASTS_OK) {
		fprintf(stderr, "mtasts: stats: %s\n", why);
		mtasts_tlsrpt_agg_free(&a);
		return (st == MTASTS_NONE ? EX_NOINPUT : EX_IOERR);
	}
	if (a.malformed)
		fprintf(stderr, "mtasts: stats: %s: %lu malformed lines skipped"
			" (first at line %lu)\n", log, a.malformed,
			a.first_malformed);
	ret = json ? stats_json(&a, log) : stats_table(&a, log);
	mtasts_tlsrpt_agg_free(&a);
	return (ret);
usage:
	fprintf(stderr, "usage: mtasts stats [--since T] [--until T] [--domain D]"
		" [--json] [--log FILE]\n");
	return (EX_USAGE);
}
