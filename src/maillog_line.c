/*++
 * NAME
 *	maillog_line 3
 * SUMMARY
 *	one mail log line: time stamp, host, tag, and the MTA's reader
 * SYNOPSIS
 *	#include <mtasts/maillog.h>
 * DESCRIPTION
 *	See maillog.h. A line is
 *
 *	    STAMP HOST TAG: MESSAGE
 *
 *	STAMP is "Mmm dd hh:mm:ss" (optionally with a fraction, as
 *	Postfix's maillog_file and rsyslog's high-precision traditional
 *	format write it) or RFC 3339 "YYYY-MM-DDThh:mm:ss[.f]ZONE" (rsyslog
 *	RSYSLOG_FileFormat, journalctl -o short-iso with "+hhmm"). TAG is
 *	"PROGRAM[PID]". PROGRAM "postfix/..." (also "postfix-out/..." and
 *	the like of multi-instance set-ups, and "postfix/relay" for the
 *	relay transport, which is smtp(8)) goes to maillog_pf.c,
 *	"sendmail" and "sm-mta" go to maillog_sm.c. "HOST TAG" names one
 *	process: that is what ties a session's lines together.
 *	The helpers of maillog_int.h live here too.
 * SECURITY
 *	Nothing is trusted: every copy is bounded, names must be valid,
 *	text is sanitised.
 *--*/
#include "config.h"

#include <string.h>
#include <time.h>

#include <mtasts/domain.h>
#include <mtasts/fetch.h>
#include <mtasts/maillog.h>

#include "ascii.h"
#include "maillog_int.h"

/* A line is at most this far from "now" into the future (clock skew,
 * a log from another host): anything later is last year's. */
#define FUTURE_SLACK	86400

/* digits - n decimal digits at s, or -1 */

static int
digits(const char *s, const char *end, int n)
{
	int	v = 0;

	if (end - s < n)
		return (-1);
	while (n-- > 0) {
		if (*s < '0' || *s > '9')
			return (-1);
		v = v * 10 + (*s++ - '0');
	}
	return (v);
}

/* month - "Jan".."Dec" as 0..11, or -1 */

static int
month(const char *s)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int	i;

	for (i = 0; i < 12; i++)
		if (memcmp(s, names + 3 * i, 3) == 0)
			return (i);
	return (-1);
}

/* clock_time - hh:mm:ss[.fraction] at *sp into tm; 0 or -1 */

static int
clock_time(const char **sp, const char *end, struct tm *tm)
{
	const char *s = *sp;

	if ((tm->tm_hour = digits(s, end, 2)) < 0 || end - s < 8 || s[2] != ':'
	    || (tm->tm_min = digits(s + 3, end, 2)) < 0 || s[5] != ':'
	    || (tm->tm_sec = digits(s + 6, end, 2)) < 0)
		return (-1);
	if (tm->tm_hour > 23 || tm->tm_min > 59 || tm->tm_sec > 60)
		return (-1);
	s += 8;
	if (s < end && *s == '.') {
		for (s++; s < end && *s >= '0' && *s <= '9'; s++)
			;
	}
	*sp = s;
	return (0);
}

/* to_time - tm as UTC or local time; -1 when it cannot be told */

static time_t
to_time(struct tm *tm, int utc)
{
	tm->tm_isdst = -1;
	return (utc ? timegm(tm) : mktime(tm));
}

/* stamp_trad - "Mmm dd hh:mm:ss[.f]": the year is found from now */

static int
stamp_trad(const char **sp, const char *end, time_t now, int utc, time_t *when)
{
	const char *s = *sp;
	struct tm tm, ref;
	time_t	t;
	int	day;

	memset(&tm, 0, sizeof(tm));
	if (end - s < 16 || (tm.tm_mon = month(s)) < 0 || s[3] != ' ')
		return (-1);
	s += 4;
	/* syslog pads the day with a blank, others with a zero. */
	if (*s == ' ')
		day = digits(s + 1, end, 1);
	else
		day = digits(s, end, 2);
	if (day < 1 || day > 31 || s[2] != ' ')
		return (-1);
	tm.tm_mday = day;
	s += 3;
	if (clock_time(&s, end, &tm) < 0)
		return (-1);
	if ((utc ? gmtime_r(&now, &ref) : localtime_r(&now, &ref)) == NULL)
		return (-1);
	tm.tm_year = ref.tm_year;
	if ((t = to_time(&tm, utc)) == (time_t) -1)
		return (-1);
	if (t > now + FUTURE_SLACK) {
		/* A December line read in January. */
		tm.tm_year--;
		if ((t = to_time(&tm, utc)) == (time_t) -1)
			return (-1);
	}
	*when = t;
	*sp = s;
	return (0);
}

/* stamp_iso - RFC 3339 "YYYY-MM-DDThh:mm:ss[.f](Z|+hh:mm|+hhmm)" */

static int
stamp_iso(const char **sp, const char *end, int utc, time_t *when)
{
	const char *s = *sp;
	struct tm tm;
	int	off = 0, sign, hh, mm, zoned = 0;
	time_t	t;

	memset(&tm, 0, sizeof(tm));
	if ((tm.tm_year = digits(s, end, 4)) < 1970 || end - s < 11 || s[4] != '-'
	    || (tm.tm_mon = digits(s + 5, end, 2)) < 1 || tm.tm_mon > 12 || s[7] != '-'
	    || (tm.tm_mday = digits(s + 8, end, 2)) < 1 || tm.tm_mday > 31
	    || (s[10] != 'T' && s[10] != ' '))
		return (-1);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	s += 11;
	if (clock_time(&s, end, &tm) < 0)
		return (-1);
	if (s < end && (*s == 'Z' || *s == 'z')) {
		zoned = 1;
		s++;
	} else if (s < end && (*s == '+' || *s == '-')) {
		sign = *s++ == '-' ? -1 : 1;
		if ((hh = digits(s, end, 2)) < 0 || hh > 23)
			return (-1);
		s += 2;
		if (s < end && *s == ':')
			s++;
		if ((mm = digits(s, end, 2)) < 0 || mm > 59)
			return (-1);
		s += 2;
		off = sign * (hh * 3600 + mm * 60);
		zoned = 1;
	}
	if ((t = to_time(&tm, zoned || utc)) == (time_t) -1)
		return (-1);
	*when = t - off;
	*sp = s;
	return (0);
}

/* token - the next blank-delimited word at *sp */

static const char *
token(const char **sp, const char *end, size_t *len)
{
	const char *s = *sp, *t;

	while (s < end && *s == ' ')
		s++;
	for (t = s; t < end && *t != ' '; t++)
		;
	*len = (size_t) (t - s);
	*sp = t;
	return (s);
}

/* program - which MTA a tag's program name belongs to; -1: none */

static int
program(const char *tag, size_t len)
{
	const char *slash = memchr(tag, '/', len);

	if (slash != NULL) {
		/* "postfix/smtp", "postfix-out/relay", ...: the first part. */
		size_t	n = (size_t) (slash - tag);

		return (n >= 7 && mtasts_maillog_find(tag, slash, "postfix") != NULL
			? MTASTS_MAILLOG_POSTFIX : -1);
	}
	if ((len == 8 && memcmp(tag, "sendmail", 8) == 0)
	    || (len >= 6 && memcmp(tag, "sm-mta", 6) == 0))
		return (MTASTS_MAILLOG_SENDMAIL);
	return (-1);
}

/* mtasts_maillog_parse - one log line */

enum mtasts_status
mtasts_maillog_parse(const char *line, size_t len, time_t now, int utc,
		     struct mtasts_maillog_line *out)
{
	const char *s = line, *end = line + len, *host, *tag, *bracket;
	size_t	hlen, tlen, nlen;
	int	mta;

	memset(out, 0, sizeof(*out));
	while (end > s && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	if (stamp_trad(&s, end, now, utc, &out->when) < 0
	    && stamp_iso(&s, end, utc, &out->when) < 0)
		return (MTASTS_PERM);
	host = token(&s, end, &hlen);
	tag = token(&s, end, &tlen);
	if (hlen == 0 || tlen < 2 || tag[tlen - 1] != ':' || s >= end)
		return (MTASTS_PERM);
	tlen--;
	bracket = memchr(tag, '[', tlen);
	nlen = bracket ? (size_t) (bracket - tag) : tlen;
	if ((mta = program(tag, nlen)) < 0)
		return (MTASTS_NONE);
	if (hlen + 1 + tlen >= sizeof(out->proc))
		return (MTASTS_PERM);
	memcpy(out->proc, host, hlen);
	out->proc[hlen] = ' ';
	memcpy(out->proc + hlen + 1, tag, tlen);
	out->proc[hlen + 1 + tlen] = 0;
	out->mta = (enum mtasts_maillog_mta) mta;
	s++;					/* the blank after the tag */
	if (mta == MTASTS_MAILLOG_POSTFIX)
		mtasts_maillog_postfix(s, end, out);
	else
		mtasts_maillog_sendmail(s, end, out);
	return (MTASTS_OK);
}

/* mtasts_maillog_mta_str - the MTA's name */

const char *
mtasts_maillog_mta_str(enum mtasts_maillog_mta mta)
{
	return (mta == MTASTS_MAILLOG_SENDMAIL ? "sendmail" : "postfix");
}

/* mtasts_maillog_skip - step over a literal */

int
mtasts_maillog_skip(const char **sp, const char *end, const char *lit)
{
	size_t	n = strlen(lit);

	if ((size_t) (end - *sp) < n || memcmp(*sp, lit, n) != 0)
		return (0);
	*sp += n;
	return (1);
}

/* mtasts_maillog_find - a literal in bounded text */

const char *
mtasts_maillog_find(const char *s, const char *end, const char *lit)
{
	size_t	n = strlen(lit);

	for (; (size_t) (end - s) >= n; s++)
		if (*s == *lit && memcmp(s, lit, n) == 0)
			return (s);
	return (NULL);
}

/* mtasts_maillog_host - a host name, lower case, checked */

int
mtasts_maillog_host(const char *s, size_t len, char *out, size_t outlen)
{
	size_t	i;

	if (len > 1 && s[len - 1] == '.')
		len--;
	if (len == 0 || len >= outlen || len > MTASTS_DOMAIN_MAX)
		return (0);
	for (i = 0; i < len; i++)
		out[i] = (char) ascii_lower((unsigned char) s[i]);
	out[len] = 0;
	if (!mtasts_domain_valid(out)) {
		out[0] = 0;
		return (0);
	}
	return (1);
}

/* mtasts_maillog_addr - an IPv4 or IPv6 address, as text */

int
mtasts_maillog_addr(const char *s, size_t len, char *out, size_t outlen)
{
	size_t	i;

	/* Sendmail writes IPv6 literals as "IPv6:2001:db8::1". */
	if (len > 5 && memcmp(s, "IPv6:", 5) == 0) {
		s += 5;
		len -= 5;
	}
	if (len == 0 || len >= outlen)
		return (0);
	for (i = 0; i < len; i++) {
		if (!(s[i] >= '0' && s[i] <= '9') && !(s[i] >= 'a' && s[i] <= 'f')
		    && !(s[i] >= 'A' && s[i] <= 'F') && s[i] != '.' && s[i] != ':')
			return (0);
		out[i] = (char) ascii_lower((unsigned char) s[i]);
	}
	out[len] = 0;
	return (1);
}

/* mtasts_maillog_relay - Postfix "HOST[ADDR]" or "HOST[ADDR]:25" */

int
mtasts_maillog_relay(const char *s, const char *end, struct mtasts_maillog_line *out)
{
	const char *open = memchr(s, '[', (size_t) (end - s));
	const char *close;

	if (open == NULL || (close = memchr(open, ']', (size_t) (end - open))) == NULL)
		return (0);
	/* Only an MX on the SMTP port: not LMTP, not a submission relay. */
	if (close + 1 != end && !(end - close == 4 && memcmp(close + 1, ":25", 3) == 0))
		return (0);
	if (!mtasts_maillog_host(s, (size_t) (open - s), out->mx, sizeof(out->mx))
	    || !mtasts_maillog_addr(open + 1, (size_t) (close - open - 1), out->addr,
				    sizeof(out->addr))) {
		out->mx[0] = out->addr[0] = 0;
		return (0);
	}
	return (1);
}

/* mtasts_maillog_text - keep what the line says, printable */

void
mtasts_maillog_text(struct mtasts_maillog_line *out, const char *s, const char *end)
{
	mtasts_sanitize(s, (size_t) (end - s), out->text, sizeof(out->text));
}

/* mtasts_maillog_rcpt - the domain of one recipient address */

void
mtasts_maillog_rcpt(struct mtasts_maillog_line *out, const char *s, const char *end)
{
	const char *at = NULL, *p;
	char	dom[MTASTS_DOMAIN_MAX + 1];
	size_t	i;

	while (s < end && (*s == ' ' || *s == '<' || *s == '"'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '>' || end[-1] == '"'))
		end--;
	for (p = s; p < end; p++)
		if (*p == '@')
			at = p;
	if (at == NULL
	    || !mtasts_maillog_host(at + 1, (size_t) (end - at - 1), dom, sizeof(dom)))
		return;
	for (i = 0; i < out->ndomains; i++)
		if (strcmp(out->domains[i], dom) == 0)
			return;
	if (out->ndomains < MTASTS_MAILLOG_DOMAINS_MAX)
		memcpy(out->domains[out->ndomains++], dom, strlen(dom) + 1);
}

/* mtasts_maillog_qid - "QID: " at the start of the text */

int
mtasts_maillog_qid(const char **sp, const char *end, struct mtasts_maillog_line *out)
{
	const char *s = *sp;
	size_t	n;

	for (n = 0; s + n < end && ascii_alnum((unsigned char) s[n]); n++)
		;
	if (n < 5 || n >= sizeof(out->qid) || end - (s + n) < 2 || s[n] != ':'
	    || s[n + 1] != ' ')
		return (0);
	memcpy(out->qid, s, n);
	out->qid[n] = 0;
	*sp = s + n + 2;
	return (1);
}

/* mtasts_maillog_cert_type - an OpenSSL verification message, as RFC 8460 */

const char *
mtasts_maillog_cert_type(const char *s, const char *end)
{
	if (end - s == 2 && memcmp(s, "ok", 2) == 0)
		return (NULL);
	/* Outside the validity period either way, as the Exim module says. */
	if (mtasts_maillog_find(s, end, "expired") || mtasts_maillog_find(s, end, "not yet valid"))
		return (MTASTS_RESULT_CERT_EXPIRED);
	if (mtasts_maillog_find(s, end, "name mismatch"))
		return (MTASTS_RESULT_HOST_MISMATCH);
	return (MTASTS_RESULT_CERT_NOT_TRUSTED);
}
