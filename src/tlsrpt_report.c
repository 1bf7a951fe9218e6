/*++
 * NAME
 *	tlsrpt_report 3
 * SUMMARY
 *	RFC 8460 report JSON, file name, report id and times (pure)
 * SYNOPSIS
 *	#include <mtasts/tlsrpt.h>
 * DESCRIPTION
 *	mtasts_tlsrpt_json() writes the aggregate report of one policy
 *	domain and day (RFC 8460 4.4): one policies[] entry per policy the
 *	domain's sessions were made under, each with its summary and
 *	failure-details (always present, possibly empty). For policy-type
 *	sts the policy-string is rebuilt from the audit record's fields
 *	as canonical lines (RFC 8461 3.2): "version: STSv1", "mode: M",
 *	one "mx: P" per pattern, "max_age: N" when the log had it; the
 *	published text itself (comments, extension fields, line order) is
 *	not in the audit log. mx-host lists the same patterns. For
 *	no-policy-found both are left out: there is no policy to show.
 *
 *	The date range is the UTC day: start-datetime 00:00:00Z and
 *	end-datetime 23:59:59Z, as in RFC 8460 appendix B; the file name's
 *	timestamps (5.1) are the same two seconds.
 *--*/
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <mtasts/buf.h>
#include <mtasts/domain.h>
#include <mtasts/limits.h>
#include <mtasts/tlsrpt.h>

/* mtasts_tlsrpt_iso - RFC 3339 UTC time with seconds */

void
mtasts_tlsrpt_iso(time_t t, char *out, size_t outlen)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL
	    || strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		(void) snprintf(out, outlen, "?");
}

/* mtasts_tlsrpt_day - the UTC date of t */

void
mtasts_tlsrpt_day(time_t t, char *out, size_t outlen)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL
	    || strftime(out, outlen, "%Y-%m-%d", &tm) == 0)
		(void) snprintf(out, outlen, "?");
}

/* digits - n decimal digits at s into *v; -1 if not */

static int
digits(const char *s, int n, int *v)
{
	int	i;

	for (*v = 0, i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		*v = *v * 10 + (s[i] - '0');
	}
	return (0);
}

/* mtasts_tlsrpt_time - ISO 8601 UTC date or date-time */

int
mtasts_tlsrpt_time(const char *s, int end_of_day, time_t *out)
{
	struct tm tm, back;
	size_t	len = strlen(s);
	int	y, mo, d, h = 0, mi = 0, se = 0;
	time_t	t;

	if (len < 10 || digits(s, 4, &y) < 0 || s[4] != '-'
	    || digits(s + 5, 2, &mo) < 0 || s[7] != '-'
	    || digits(s + 8, 2, &d) < 0)
		return (-1);
	if (len > 10) {
		/* THH:MM, then :SS, then Z: nothing else (no other zones). */
		if ((s[10] != 'T' && s[10] != ' ') || len < 16
		    || digits(s + 11, 2, &h) < 0 || s[13] != ':'
		    || digits(s + 14, 2, &mi) < 0)
			return (-1);
		s += 16;
		if (*s == ':') {
			if (digits(s + 1, 2, &se) < 0)
				return (-1);
			s += 3;
		}
		if (*s == 'Z')
			s++;
		if (*s)
			return (-1);
		end_of_day = 0;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	if ((t = timegm(&tm)) == (time_t) -1 || gmtime_r(&t, &back) == NULL)
		return (-1);
	/* timegm() normalises "02-30": a date that moved was not a date. */
	if (back.tm_mday != d || back.tm_mon != mo - 1 || back.tm_hour != h
	    || back.tm_min != mi || back.tm_sec != se || y < 1970)
		return (-1);
	*out = t + (end_of_day ? MTASTS_TLSRPT_DAY : 0);
	return (0);
}

/* mtasts_tlsrpt_submitter - the domain part of an address */

enum mtasts_status
mtasts_tlsrpt_submitter(const char *addr, char *out, size_t outlen)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	size_t	i, len;

	if (at == NULL || at == addr || (len = strlen(at + 1)) == 0
	    || len >= outlen || len > MTASTS_DOMAIN_MAX)
		return (MTASTS_PERM);
	for (i = 0; i < len; i++) {
		char	c = at[1 + i];

		out[i] = (c >= 'A' && c <= 'Z') ? (char) (c - 'A' + 'a') : c;
	}
	out[len] = 0;
	/* It names files and mail headers: a plain host name only. */
	for (i = 0; i < len; i++)
		if (!((out[i] >= 'a' && out[i] <= 'z') || (out[i] >= '0' && out[i] <= '9')
		      || out[i] == '-' || out[i] == '.'))
			return (MTASTS_PERM);
	return (mtasts_domain_valid(out) ? MTASTS_OK : MTASTS_PERM);
}

/* mtasts_tlsrpt_report_id - "YYYYMMDD.DOMAIN@SUBMITTER" */

enum mtasts_status
mtasts_tlsrpt_report_id(time_t start, const char *domain,
			const char *submitter, char *out, size_t outlen)
{
	struct tm tm;
	char	day[16];
	int	n;

	if (gmtime_r(&start, &tm) == NULL
	    || strftime(day, sizeof(day), "%Y%m%d", &tm) == 0)
		return (MTASTS_PERM);
	n = snprintf(out, outlen, "%s.%s@%s", day, domain, submitter);
	return (n < 0 || (size_t) n >= outlen ? MTASTS_PERM : MTASTS_OK);
}

/* mtasts_tlsrpt_filename - sender!policy-domain!begin!end.json.gz */

enum mtasts_status
mtasts_tlsrpt_filename(const char *submitter, const char *domain,
		       time_t start, char *out, size_t outlen,
		       char *why, size_t whylen)
{
	int	n;

	n = snprintf(out, outlen, "%s!%s!%lld!%lld.json.gz", submitter, domain,
		     (long long) start,
		     (long long) start + MTASTS_TLSRPT_DAY - 1);
	if (n < 0 || (size_t) n >= outlen) {
		mtasts_why(why, whylen, "report file name for %s too long", domain);
		return (MTASTS_PERM);
	}
	return (MTASTS_OK);
}

/* each_pattern - each space-separated mx pattern as a JSON string */

static void
each_pattern(const char *pats, struct mtasts_buf *out, const char *prefix)
{
	const char *p = pats, *e;
	int	first = 1;

	while (p && *p) {
		while (*p == ' ')
			p++;
		if (*p == 0)
			break;
		for (e = p; *e && *e != ' '; e++)
			 /* void */ ;
		mtasts_buf_puts(out, first ? "" : ",");
		first = 0;
		if (prefix) {
			struct mtasts_buf line = {0};

			mtasts_buf_puts(&line, prefix);
			mtasts_buf_append(&line, p, (size_t) (e - p));
			if (line.oom)
				out->oom = 1;
			else
				mtasts_buf_json_str(out, line.data);
			mtasts_buf_free(&line);
		} else {
			mtasts_buf_json_strn(out, p, (size_t) (e - p));
		}
		p = e;
	}
}

/* mtasts_tlsrpt_policy_string - canonical policy lines as a JSON array */

void
mtasts_tlsrpt_policy_string(const struct mtasts_tlsrpt_policy *p,
			    struct mtasts_buf *out)
{
	struct mtasts_buf mx = {0};

	mtasts_buf_puts(out, "[\"version: STSv1\",");
	mtasts_buf_puts(out, "\"mode: ");
	mtasts_buf_puts(out, p->mode ? p->mode : "none");
	mtasts_buf_puts(out, "\"");
	each_pattern(p->patterns, &mx, "mx: ");
	if (mx.len) {
		mtasts_buf_puts(out, ",");
		mtasts_buf_append(out, mx.data, mx.len);
	}
	if (mx.oom)
		out->oom = 1;
	mtasts_buf_free(&mx);
	if (p->max_age >= 0)
		mtasts_buf_printf(out, ",\"max_age: %ld\"", p->max_age);
	mtasts_buf_puts(out, "]");
}

/* detail_json - one failure-details entry */

static void
detail_json(const struct mtasts_tlsrpt_meta *m,
	    const struct mtasts_tlsrpt_detail *f, struct mtasts_buf *out)
{
	mtasts_buf_puts(out, "{\"result-type\":");
	mtasts_buf_json_str(out, f->result_type);
	if (m->sending_ip) {
		mtasts_buf_puts(out, ",\"sending-mta-ip\":");
		mtasts_buf_json_str(out, m->sending_ip);
	}
	if (f->mx) {
		mtasts_buf_puts(out, ",\"receiving-mx-hostname\":");
		mtasts_buf_json_str(out, f->mx);
	}
	if (f->ip) {
		mtasts_buf_puts(out, ",\"receiving-ip\":");
		mtasts_buf_json_str(out, f->ip);
	}
	mtasts_buf_printf(out, ",\"failed-session-count\":%lu", f->count);
	if (f->reason) {
		mtasts_buf_puts(out, ",\"failure-reason-code\":");
		mtasts_buf_json_str(out, f->reason);
	}
	mtasts_buf_puts(out, "}");
}

/* policy_json - one policies[] entry */

static void
policy_json(const struct mtasts_tlsrpt_meta *m, const char *domain,
	    const struct mtasts_tlsrpt_policy *p, struct mtasts_buf *out)
{
	size_t	i;

	mtasts_buf_puts(out, "{\"policy\":{\"policy-type\":");
	if (p->type == MTASTS_TLSRPT_STS) {
		mtasts_buf_puts(out, "\"sts\",\"policy-string\":");
		mtasts_tlsrpt_policy_string(p, out);
		mtasts_buf_puts(out, ",\"policy-domain\":");
		mtasts_buf_json_str(out, domain);
		mtasts_buf_puts(out, ",\"mx-host\":[");
		each_pattern(p->patterns, out, NULL);
		mtasts_buf_puts(out, "]");
	} else {
		mtasts_buf_puts(out, "\"no-policy-found\",\"policy-domain\":");
		mtasts_buf_json_str(out, domain);
	}
	mtasts_buf_printf(out, "},\n \"summary\":{\"total-successful-session-count\":%lu,"
			  "\"total-failure-session-count\":%lu},\n \"failure-details\":[",
			  p->ok, p->failed);
	for (i = 0; i < p->ndetails; i++) {
		mtasts_buf_puts(out, i ? ",\n  " : "\n  ");
		detail_json(m, p->details + i, out);
	}
	mtasts_buf_puts(out, "]}");
}

/* mtasts_tlsrpt_json - the aggregate report of one domain and day */

enum mtasts_status
mtasts_tlsrpt_json(const struct mtasts_tlsrpt_meta *m,
		   const struct mtasts_tlsrpt_domain *d, struct mtasts_buf *out,
		   char *why, size_t whylen)
{
	char	start[32], end[32];
	size_t	i;
	int	first = 1;

	mtasts_tlsrpt_iso(m->start, start, sizeof(start));
	mtasts_tlsrpt_iso(m->start + MTASTS_TLSRPT_DAY - 1, end, sizeof(end));
	mtasts_buf_puts(out, "{\"organization-name\":");
	mtasts_buf_json_str(out, m->organization);
	mtasts_buf_printf(out, ",\n\"date-range\":{\"start-datetime\":\"%s\","
			  "\"end-datetime\":\"%s\"},\n\"contact-info\":", start, end);
	mtasts_buf_json_str(out, m->contact);
	mtasts_buf_puts(out, ",\n\"report-id\":");
	mtasts_buf_json_str(out, m->report_id);
	mtasts_buf_puts(out, ",\n\"policies\":[");
	for (i = 0; i < d->npolicies; i++) {
		if (!mtasts_tlsrpt_policy_used(d, d->policies + i))
			continue;
		mtasts_buf_puts(out, first ? "\n" : ",\n");
		first = 0;
		policy_json(m, d->name, d->policies + i, out);
		if (out->len > MTASTS_TLSRPT_JSON_MAX)
			break;
	}
	mtasts_buf_puts(out, "]}\n");
	if (out->oom) {
		mtasts_why(why, whylen, "report for %s: out of memory", d->name);
		return (MTASTS_TEMP);
	}
	if (out->len > MTASTS_TLSRPT_JSON_MAX) {
		mtasts_why(why, whylen, "report for %s: JSON larger than "
			   "MTASTS_TLSRPT_JSON_MAX (%zu bytes)", d->name,
			   (size_t) MTASTS_TLSRPT_JSON_MAX);
		return (MTASTS_PERM);
	}
	return (MTASTS_OK);
}
