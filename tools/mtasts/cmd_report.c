/*++
 * NAME
 *	cmd_report 3
 * SUMMARY
 *	mtasts report: build and deliver RFC 8460 aggregate reports
 * SYNOPSIS
 *	mtasts [-c CONFIG] report [--day YYYY-MM-DD] [--domain D]
 *		[--dry-run] [--out DIR] [--log FILE]
 * DESCRIPTION
 *	For one UTC day (default: yesterday) and each policy domain with
 *	sessions in the audit log (counted as tlsrpt.h, COUNTING, says),
 *	builds the report (RFC 8460 4), gzips it under its 5.1 file name,
 *	looks up _smtp._tls.DOMAIN and delivers it to every mailto: and
 *	https: URI of the record: by the sendmail-compatible program
 *	(5.3) or by HTTPS POST (5.4).
 *
 *	The first build of a report is kept in tlsrpt.spool_dir, and every
 *	later attempt sends those same bytes (same report-id), even if the
 *	log was rotated meanwhile. What happened to each endpoint is saved
 *	in tlsrpt.state_file right after each attempt, so a rerun never
 *	sends a report twice; an endpoint that failed is tried again by
 *	the next run (also of a later day, without --day) for
 *	MTASTS_TLSRPT_RETRY_WINDOW after its first attempt (RFC 8460 5.5),
 *	then given up. The spooled file is removed once no endpoint waits.
 *	A lock on STATE.lock keeps two runs from overlapping.
 *
 *	--dry-run builds the reports and looks up the records, prints what
 *	would be sent where, and changes nothing (no spool, no state).
 *	--out DIR also writes each report (.json.gz) there. --log reads
 *	another audit log than tlsrpt.audit_log / log.json_file.
 *
 *	Exit status: 0 all done; 75 something failed that a later run
 *	retries (an endpoint, DNS, the lock); 65 a report that cannot be
 *	sent as it is (over tlsrpt.max_size, an invalid record); 64 usage;
 *	66 no audit log; 78 configuration.
 *--*/
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <mtasts/buf.h>
#include <mtasts/clock.h>
#include <mtasts/dns.h>
#include <mtasts/dns_txt.h>
#include <mtasts/tlsrpt.h>

#include "cmd.h"

#define TLSRPT_PREFIX	"_smtp._tls."
/* Days with endpoints left to retry, looked at in one run. */
#define RETRY_DAYS_MAX	8

struct run {
	const struct mtasts_config *cfg;
	struct mtasts_tlsrpt_state state;
	struct mtasts_dns *dns;		/* for https: hosts, made on first use */
	const char *log;
	const char *out;		/* --out, or NULL */
	const char *only;		/* --domain, or NULL */
	int	dry;
	time_t	now;
	const char *contact;
	char	submitter[MTASTS_DOMAIN_MAX + 1];
	int	temp;			/* failures a later run retries */
	int	perm;			/* reports that cannot go as they are */
};

/* addr_plain - a From address the message and sendmail can carry */

static int
addr_plain(const char *a)
{
	char	dom[MTASTS_DOMAIN_MAX + 1];

	return (a[0] != '-' && strpbrk(a, " \t<>()[],;:\\\"") == NULL
		&& mtasts_tlsrpt_submitter(a, dom, sizeof(dom)) == MTASTS_OK);
}

/* setup - check the tlsrpt settings a report needs */

static int
setup(struct run *r)
{
	const struct mtasts_config *cfg = r->cfg;
	unsigned char bin[sizeof(struct in6_addr)];

	if (cfg->tlsrpt_organization == NULL) {
		fprintf(stderr, "mtasts: report: tlsrpt.organization is not set in"
			" %s (RFC 8460 organization-name)\n", cfg->source);
		return (-1);
	}
	r->contact = cfg->tlsrpt_contact ? cfg->tlsrpt_contact : cfg->tlsrpt_from;
	if (r->contact == NULL) {
		fprintf(stderr, "mtasts: report: set tlsrpt.contact or tlsrpt.from"
			" in %s (RFC 8460 contact-info)\n", cfg->source);
		return (-1);
	}
	/* 5.1: the sender is the domain of the contact-info address. */
	if (mtasts_tlsrpt_submitter(r->contact, r->submitter,
				    sizeof(r->submitter)) != MTASTS_OK
	    && (cfg->tlsrpt_from == NULL
		|| mtasts_tlsrpt_submitter(cfg->tlsrpt_from, r->submitter,
					   sizeof(r->submitter)) != MTASTS_OK)) {
		fprintf(stderr, "mtasts: report: neither tlsrpt.contact nor"
			" tlsrpt.from is an address user@domain: the report's"
			" submitter domain comes from it\n");
		return (-1);
	}
	if (cfg->tlsrpt_from && !addr_plain(cfg->tlsrpt_from)) {
		fprintf(stderr, "mtasts: report: tlsrpt.from \"%s\" is not a plain"
			" address user@domain\n", cfg->tlsrpt_from);
		return (-1);
	}
	if (cfg->tlsrpt_sending_ip
	    && inet_pton(strchr(cfg->tlsrpt_sending_ip, ':') ? AF_INET6 : AF_INET,
			 cfg->tlsrpt_sending_ip, bin) != 1) {
		fprintf(stderr, "mtasts: report: tlsrpt.sending_ip \"%s\" is not an"
			" IP address\n", cfg->tlsrpt_sending_ip);
		return (-1);
	}
	return (0);
}

/* ensure_dir - create a directory (one level) if it is missing */

static int
ensure_dir(const char *dir)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "mtasts: report: %s: %s\n", dir, strerror(errno));
		return (-1);
	}
	return (0);
}

/* save - write the state now: a send must never be forgotten */

static void
save(struct run *r)
{
	char	why[MTASTS_REASON_MAX * 2];

	if (mtasts_tlsrpt_state_save(&r->state, r->now, why, sizeof(why))
	    != MTASTS_OK) {
		fprintf(stderr, "mtasts: report: cannot save the state, a rerun may"
			" send again: %s\n", why);
		r->temp++;
	}
}

/* mark - record a domain-level outcome (no record, bad record, too big) */

static void
mark(struct run *r, const char *day, const char *domain,
     enum mtasts_tlsrpt_st st)
{
	if (r->dry)
		return;
	if (mtasts_tlsrpt_state_set(&r->state, day, domain, "-", st, r->now)
	    != MTASTS_OK)
		r->temp++;
	save(r);
}

/* build - the report of a domain: from the spool, or made and spooled */

static int
build(struct run *r, time_t start, const char *day,
      const struct mtasts_tlsrpt_domain *d, const char *domain,
      const char *fname, struct mtasts_buf *gz)
{
	struct mtasts_tlsrpt_meta m;
	struct mtasts_buf json = {0};
	char	rid[MTASTS_DOMAIN_MAX * 2 + 32], why[MTASTS_REASON_MAX * 2];
	enum mtasts_status st;

	if (!r->dry) {
		st = mtasts_tlsrpt_read_file(r->cfg->tlsrpt_spool_dir, fname,
					     r->cfg->tlsrpt_max_size, gz, why,
					     sizeof(why));
		if (st == MTASTS_OK)
			return (0);
		mtasts_buf_reset(gz);
		if (st != MTASTS_NONE) {
			fprintf(stderr, "mtasts: report: %s %s: spooled report: %s\n",
				day, domain, why);
			r->temp++;
			return (-1);
		}
	}
	if (d == NULL) {
		fprintf(stderr, "mtasts: report: %s %s: report is neither spooled"
			" nor in the audit log any more\n", day, domain);
		r->temp++;
		return (-1);
	}
	memset(&m, 0, sizeof(m));
	m.organization = r->cfg->tlsrpt_organization;
	m.contact = r->contact;
	m.submitter = r->submitter;
	m.sending_ip = r->cfg->tlsrpt_sending_ip;
	m.start = start;
	m.report_id = rid;
	if (mtasts_tlsrpt_report_id(start, domain, r->submitter, rid, sizeof(rid))
	    != MTASTS_OK
	    || (st = mtasts_tlsrpt_json(&m, d, &json, why, sizeof(why))) != MTASTS_OK
	    || (st = mtasts_tlsrpt_gzip(json.data, json.len, gz, why,
					sizeof(why))) != MTASTS_OK) {
		fprintf(stderr, "mtasts: report: %s %s: %s\n", day, domain, why);
		mtasts_buf_free(&json);
		r->perm++;
		return (-1);
	}
	mtasts_buf_free(&json);
	if (gz->len > r->cfg->tlsrpt_max_size) {
		fprintf(stderr, "mtasts: report: %s %s: report is %zu bytes"
			" compressed, over tlsrpt.max_size (%u bytes; RFC 8460 5.2:"
			" receivers may refuse big reports): not sent\n", day,
			domain, gz->len, r->cfg->tlsrpt_max_size);
		mark(r, day, domain, MTASTS_TLSRPT_TOOBIG);
		r->perm++;
		return (-1);
	}
	if (!r->dry && (ensure_dir(r->cfg->tlsrpt_spool_dir) < 0
			|| mtasts_tlsrpt_write_file(r->cfg->tlsrpt_spool_dir, fname,
				gz->data, gz->len, why, sizeof(why)) != MTASTS_OK)) {
		fprintf(stderr, "mtasts: report: %s %s: cannot spool: %s\n", day,
			domain, why);
		r->temp++;
		return (-1);
	}
	return (0);
}

/* deliver - one endpoint; MTASTS_OK when it took the report */

static enum mtasts_status
deliver(struct run *r, time_t start, const char *domain, const char *fname,
	const struct mtasts_tlsrpt_uri *u, const struct mtasts_buf *gz,
	char *why, size_t whylen)
{
	struct mtasts_tlsrpt_mail m;
	struct mtasts_buf msg = {0};
	char	rid[MTASTS_DOMAIN_MAX * 2 + 32];
	enum mtasts_status st;

	if (u->scheme == MTASTS_TLSRPT_HTTPS) {
		if (r->dns == NULL
		    && (r->dns = mtasts_dns_new(r->cfg, NULL, why, whylen)) == NULL)
			return (MTASTS_TEMP);
		return (mtasts_tlsrpt_https_post(r->cfg, r->dns, u, gz->data,
						 gz->len, why, whylen));
	}
	if (r->cfg->tlsrpt_from == NULL) {
		mtasts_why(why, whylen, "%s: tlsrpt.from is not set", u->uri);
		return (MTASTS_TEMP);
	}
	(void) mtasts_tlsrpt_report_id(start, domain, r->submitter, rid, sizeof(rid));
	memset(&m, 0, sizeof(m));
	m.from = r->cfg->tlsrpt_from;
	m.to = u->addr;
	m.domain = domain;
	m.submitter = r->submitter;
	m.report_id = rid;
	m.filename = fname;
	m.date = r->now;
	m.start = start;
	m.gz = (const unsigned char *) gz->data;
	m.gzlen = gz->len;
	if ((st = mtasts_tlsrpt_message(&m, &msg, why, whylen)) == MTASTS_OK)
		st = mtasts_tlsrpt_sendmail(r->cfg, m.from, u->addr, msg.data,
					    msg.len, why, whylen);
	mtasts_buf_free(&msg);
	return (st);
}

/* rua - look up and select the domain's TLSRPT record */

static enum mtasts_status
rua(struct run *r, const char *domain, struct mtasts_tlsrpt_rua *out,
    char *why, size_t whylen)
{
	struct mtasts_txt_list *l = NULL;
	enum mtasts_status st;

	st = mtasts_dns_txt(r->cfg, TLSRPT_PREFIX, domain,
			    MTASTS_DNS_TIMEOUT_DEFAULT, &l, why, whylen);
	if (st == MTASTS_OK)
		st = mtasts_tlsrpt_record_select((const char *const *) l->txt,
						 l->len, l->n, out, why, whylen);
	mtasts_txt_list_free(l);
	return (st);
}

/* do_domain - build, look up and deliver one domain's report */

static void
do_domain(struct run *r, time_t start, const char *day,
	  const struct mtasts_tlsrpt_domain *d, const char *domain)
{
	struct mtasts_tlsrpt_entry *e;
	struct mtasts_tlsrpt_rua ru;
	struct mtasts_buf gz = {0};
	char	fname[2 * MTASTS_DOMAIN_MAX + 64], why[MTASTS_REASON_MAX * 2];
	enum mtasts_status st;
	size_t	i, waiting = 0;

	if (!r->dry && (e = mtasts_tlsrpt_state_find(&r->state, day, domain, "-"))) {
		printf("%s %s: done before (%s)\n", day, domain,
		       mtasts_tlsrpt_st_str(e->st));
		return;
	}
	if (mtasts_tlsrpt_filename(r->submitter, domain, start, fname,
				   sizeof(fname), why, sizeof(why)) != MTASTS_OK
	    || build(r, start, day, d, domain, fname, &gz) < 0) {
		mtasts_buf_free(&gz);
		return;
	}
	if (r->out && (ensure_dir(r->out) < 0
		       || mtasts_tlsrpt_write_file(r->out, fname, gz.data, gz.len,
						   why, sizeof(why)) != MTASTS_OK)) {
		fprintf(stderr, "mtasts: report: --out: %s\n", why);
		r->temp++;
	}
	st = rua(r, domain, &ru, why, sizeof(why));
	if (st == MTASTS_TEMP) {
		fprintf(stderr, "mtasts: report: %s %s: TLSRPT record lookup failed"
			" (retried next run): %s\n", day, domain, why);
		r->temp++;
		goto out;
	}
	if (st != MTASTS_OK) {
		if (st == MTASTS_NONE)
			printf("%s %s: no TLSRPT record, not sent (%s)\n", day, domain, why);
		else
			fprintf(stderr, "mtasts: report: %s %s: bad TLSRPT record at "
				TLSRPT_PREFIX "%s, not sent: %s\n", day, domain, domain, why);
		r->perm += st == MTASTS_PERM;
		mark(r, day, domain, st == MTASTS_NONE ? MTASTS_TLSRPT_NORECORD :
		     MTASTS_TLSRPT_BADRECORD);
		goto unspool;
	}
	if (ru.nskipped)
		printf("%s %s: %zu rua URI(s) skipped: %s\n", day, domain,
		       ru.nskipped, ru.skipped);
	for (i = 0; i < ru.n; i++) {
		const struct mtasts_tlsrpt_uri *u = ru.uri + i;

		e = mtasts_tlsrpt_state_find(&r->state, day, domain, u->uri);
		if (r->dry) {
			printf("%s %s: %s %s (%zu bytes, %s)\n", day, domain,
			       e && e->st == MTASTS_TLSRPT_SENT ? "already sent to" :
			       "would send to", u->uri, gz.len, fname);
			continue;
		}
		if (e && (e->st == MTASTS_TLSRPT_SENT || e->st == MTASTS_TLSRPT_GAVEUP)) {
			printf("%s %s: %s %s before\n", day, domain, e->st ==
			       MTASTS_TLSRPT_SENT ? "sent to" : "gave up on", u->uri);
			continue;
		}
		if (e && r->now - e->first > MTASTS_TLSRPT_RETRY_WINDOW) {
			fprintf(stderr, "mtasts: report: %s %s: giving up on %s after %u"
				" attempts in %d s\n", day, domain, u->uri, e->attempts,
				MTASTS_TLSRPT_RETRY_WINDOW);
			e->st = MTASTS_TLSRPT_GAVEUP;
			save(r);
			continue;
		}
		st = deliver(r, start, domain, fname, u, &gz, why, sizeof(why));
		if (mtasts_tlsrpt_state_set(&r->state, day, domain, u->uri,
				st == MTASTS_OK ? MTASTS_TLSRPT_SENT : MTASTS_TLSRPT_FAILED,
				r->now) != MTASTS_OK)
			r->temp++;
		save(r);
		if (st == MTASTS_OK) {
			printf("%s %s: sent to %s (%zu bytes)\n", day, domain, u->uri,
			       gz.len);
		} else {
			fprintf(stderr, "mtasts: report: %s %s: delivery failed (retried"
				" next run): %s\n", day, domain, why);
			waiting++;
			r->temp++;
		}
	}
unspool:
	if (!r->dry && waiting == 0) {
		char	path[PATH_MAX];
		int	n = snprintf(path, sizeof(path), "%s/%s",
				     r->cfg->tlsrpt_spool_dir, fname);

		if (n > 0 && (size_t) n < sizeof(path))
			(void) unlink(path);
	}
out:
	mtasts_buf_free(&gz);
}

/* do_day - every domain of one day, plus those waiting for a retry */

static int
do_day(struct run *r, time_t start, int retry_only)
{
	struct mtasts_tlsrpt_agg a;
	char	day[16], why[MTASTS_REASON_MAX * 2];
	enum mtasts_status st;
	unsigned long ok, failed;
	char  **todo = NULL, **grow;
	size_t	i, k, ntodo = 0;

	mtasts_tlsrpt_day(start, day, sizeof(day));
	mtasts_tlsrpt_agg_init(&a, start, start + MTASTS_TLSRPT_DAY, r->only);
	st = mtasts_tlsrpt_agg_log(&a, r->log, why, sizeof(why));
	if (st != MTASTS_OK && !retry_only) {
		fprintf(stderr, "mtasts: report: %s\n", why);
		mtasts_tlsrpt_agg_free(&a);
		return (st == MTASTS_NONE ? EX_NOINPUT : EX_IOERR);
	}
	if (a.malformed)
		fprintf(stderr, "mtasts: report: %s: %lu malformed lines skipped"
			" (first at line %lu)\n", r->log, a.malformed,
			a.first_malformed);
	if (!retry_only) {
		for (i = 0; i < a.ndomains; i++) {
			mtasts_tlsrpt_totals(a.domains + i, &ok, &failed);
			if (ok + failed > 0)
				do_domain(r, start, day, a.domains + i, a.domains[i].name);
		}
		if (a.ndomains == 0)
			printf("%s: no TLS sessions in %s\n", day, r->log);
	}
	/*
	 * Domains with an endpoint to retry that were not handled above
	 * (their sessions are gone from the log, or this is a retry day).
	 * Names are copied first: handling one adds state entries.
	 */
	for (i = 0; !r->dry && i < r->state.n; i++) {
		const struct mtasts_tlsrpt_entry *e = r->state.e + i;

		if (strcmp(e->day, day) != 0 || e->st != MTASTS_TLSRPT_FAILED
		    || (r->only && strcmp(r->only, e->domain) != 0)
		    || (!retry_only && mtasts_tlsrpt_find(&a, e->domain)))
			continue;
		for (k = 0; k < ntodo && strcmp(todo[k], e->domain) != 0; k++)
			 /* void */ ;
		if (k < ntodo)
			continue;
		if ((grow = realloc(todo, (ntodo + 1) * sizeof(*todo))) == NULL
		    || (grow[ntodo] = strdup(e->domain)) == NULL) {
			todo = grow ? grow : todo;
			fprintf(stderr, "mtasts: report: out of memory\n");
			r->temp++;
			break;
		}
		todo = grow;
		ntodo++;
	}
	for (k = 0; k < ntodo; k++) {
		do_domain(r, start, day, mtasts_tlsrpt_find(&a, todo[k]), todo[k]);
		free(todo[k]);
	}
	free(todo);
	mtasts_tlsrpt_agg_free(&a);
	return (0);
}

/* retry_days - other days with endpoints still waiting */

static size_t
retry_days(struct run *r, time_t main_day, time_t *days)
{
	size_t	i, k, n = 0;
	time_t	t;

	for (i = 0; i < r->state.n && n < RETRY_DAYS_MAX; i++) {
		const struct mtasts_tlsrpt_entry *e = r->state.e + i;

		if (e->st != MTASTS_TLSRPT_FAILED
		    || mtasts_tlsrpt_time(e->day, 0, &t) < 0 || t == main_day)
			continue;
		for (k = 0; k < n && days[k] != t; k++)
			 /* void */ ;
		if (k == n)
			days[n++] = t;
	}
	return (n);
}

/* cmd_report - mtasts report */

int
cmd_report(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"day", required_argument, NULL, 'd'},
		{"domain", required_argument, NULL, 'D'},
		{"dry-run", no_argument, NULL, 'n'},
		{"out", required_argument, NULL, 'o'},
		{"log", required_argument, NULL, 'l'},
		{NULL, 0, NULL, 0}
	};
	struct run r;
	const char *dayarg = NULL;
	char	why[MTASTS_REASON_MAX * 2];
	time_t	start, days[RETRY_DAYS_MAX];
	size_t	i, ndays = 0;
	int	ch, ret;

	memset(&r, 0, sizeof(r));
	r.state.lockfd = -1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			dayarg = optarg;
			break;
		case 'D':
			r.only = optarg;
			break;
		case 'n':
			r.dry = 1;
			break;
		case 'o':
			r.out = optarg;
			break;
		case 'l':
			r.log = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc)
		goto usage;
	r.now = mtasts_now();
	if (dayarg) {
		if (strlen(dayarg) != 10 || mtasts_tlsrpt_time(dayarg, 0, &start) < 0) {
			fprintf(stderr, "mtasts: report: --day %s: not a date YYYY-MM-DD\n",
				dayarg);
			return (EX_USAGE);
		}
	} else {
		start = r.now - r.now % MTASTS_TLSRPT_DAY - MTASTS_TLSRPT_DAY;
	}
	if (start + MTASTS_TLSRPT_DAY > r.now) {
		fprintf(stderr, "mtasts: report: --day %s is not over yet (reports"
			" cover whole UTC days)\n", dayarg ? dayarg : "?");
		return (EX_USAGE);
	}
	if ((r.cfg = cmd_config(ctx)) == NULL || setup(&r) < 0)
		return (EX_CONFIG);
	if (r.log == NULL
	    && (r.log = r.cfg->tlsrpt_audit_log ? r.cfg->tlsrpt_audit_log :
		r.cfg->json_file) == NULL) {
		fprintf(stderr, "mtasts: report: no audit log: set log.json_file"
			" (or tlsrpt.audit_log) in %s, or use --log FILE\n",
			r.cfg->source);
		return (EX_CONFIG);
	}
	if (r.dry) {
		r.state.lockfd = -1;
	} else if (mtasts_tlsrpt_state_open(r.cfg->tlsrpt_state_file, 1, &r.state,
					    why, sizeof(why)) != MTASTS_OK) {
		fprintf(stderr, "mtasts: report: %s\n", why);
		mtasts_tlsrpt_state_close(&r.state);
		return (EX_TEMPFAIL);
	}
	if (!r.dry && dayarg == NULL)
		ndays = retry_days(&r, start, days);
	ret = do_day(&r, start, 0);
	for (i = 0; ret == 0 && i < ndays; i++)
		(void) do_day(&r, days[i], 1);
	mtasts_dns_free(r.dns);
	mtasts_tlsrpt_state_close(&r.state);
	if (ret != 0)
		return (ret);
	return (r.perm ? EX_DATAERR : r.temp ? EX_TEMPFAIL : 0);
usage:
	fprintf(stderr, "usage: mtasts report [--day YYYY-MM-DD] [--domain D]"
		" [--dry-run] [--out DIR] [--log FILE]\n");
	return (EX_USAGE);
}
