/*++
 * NAME
 *	maillog_sm 3
 * SUMMARY
 *	what a Sendmail log line says about a TLS session
 * SYNOPSIS
 *	#include "maillog_int.h"
 *
 *	void	mtasts_maillog_sendmail(const char *msg, const char *end,
 *		struct mtasts_maillog_line *out)
 * DESCRIPTION
 *	Reads the message text of one line of sendmail or sm-mta. The
 *	lines, as Sendmail 8.17 writes them (tls.c, deliver.c, and the
 *	rulesets of FEATURE(sts) in cf/m4/proto.m4), with the LogLevel
 *	each needs:
 *
 *	STARTTLS=client, relay=H, version=V, verify=X, cipher=C, bits=B
 *		(LogLevel 9, the default) EV_TLS: X OK or TRUSTED is
 *		verified; FAIL, DANE_FAIL, NO, NOT certificate-not-trusted;
 *		NONE starttls-not-supported; anything else (SOFTWARE,
 *		PROTOCOL, TEMP, ...) validation-failure.
 *	STARTTLS=client, cert-subject=S, cert-issuer=I, verifymsg=M
 *		(LogLevel 12) EV_CERT without a host, for the session
 *		above: M is OpenSSL's verification message ("certificate
 *		has expired": certificate-expired, "hostname mismatch":
 *		certificate-host-mismatch, "ok": nothing).
 *	STARTTLS=client, error: connect failed=N, ..., relay=H
 *		EV_FAIL, validation-failure: the handshake failed.
 *	[QID: ]ruleset=tls_server|tls_rcpt, arg1=A, relay=H, reject=TEXT
 *		EV_FAIL by TEXT: "... not listed in SANs" (FEATURE(sts):
 *		no DNS name of the certificate is the MX name)
 *		certificate-host-mismatch; "... not found in ..." (the MX
 *		is not among the policy's names) validation-failure;
 *		"other side does not support STARTTLS"
 *		starttls-not-supported; "authentication failed", "not
 *		authenticated" certificate-not-trusted; "encryption too
 *		weak" validation-failure; others (e.g. "STS lookup temp
 *		fail") EV_NONE.
 *	QID: to=R1,R2,..., ..., relay=H. [A], ..., stat=S
 *		EV_STATUS: the recipients' domains, S "Sent ..." or not.
 *		A relay without a host name, or none (local delivery,
 *		"stat=queued"), gives EV_NONE. Sendmail's deferral text
 *		after a TLS refusal is often about something else ("Name
 *		server: ... host name lookup failure"), so the session's
 *		outcome comes from the lines before it.
 *	Everything else is EV_NONE.
 *--*/
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <mtasts/fetch.h>
#include <mtasts/maillog.h>

#include "maillog_int.h"

/* field - the value of ", KEY=" or "KEY=" at the start, up to ", " */

static const char *
field(const char *s, const char *end, const char *key, const char **vend)
{
	char	pat[32];
	const char *v, *e;

	if ((size_t) snprintf(pat, sizeof(pat), "%s=", key) >= sizeof(pat))
		return (NULL);
	if (end - s >= (long) strlen(pat) && memcmp(s, pat, strlen(pat)) == 0) {
		v = s + strlen(pat);
	} else {
		if ((size_t) snprintf(pat, sizeof(pat), ", %s=", key) >= sizeof(pat)
		    || (v = mtasts_maillog_find(s, end, pat)) == NULL)
			return (NULL);
		v += strlen(pat);
	}
	e = mtasts_maillog_find(v, end, ", ");
	*vend = e ? e : end;
	return (v);
}

/* is - does [s, e) spell word exactly? */

static int
is(const char *s, const char *e, const char *word)
{
	return ((size_t) (e - s) == strlen(word) && memcmp(s, word, (size_t) (e - s)) == 0);
}

/* verify_type - ${verify} as an RFC 8460 type; NULL: verified */

static const char *
verify_type(const char *s, const char *e)
{
	if (is(s, e, "OK") || is(s, e, "TRUSTED"))
		return (NULL);
	if (is(s, e, "FAIL") || is(s, e, "DANE_FAIL") || is(s, e, "NO") || is(s, e, "NOT"))
		return (MTASTS_RESULT_CERT_NOT_TRUSTED);
	if (is(s, e, "NONE"))
		return (MTASTS_RESULT_STARTTLS_NOT_SUPPORTED);
	return (MTASTS_RESULT_VALIDATION_FAILURE);
}

/* reject_type - the type a ruleset's reject text names, or NULL */

static const char *
reject_type(const char *s, const char *e)
{
	if (mtasts_maillog_find(s, e, "not listed in SANs"))
		return (MTASTS_RESULT_HOST_MISMATCH);
	if (mtasts_maillog_find(s, e, " not found in "))
		return (MTASTS_RESULT_VALIDATION_FAILURE);
	if (mtasts_maillog_find(s, e, "does not support STARTTLS"))
		return (MTASTS_RESULT_STARTTLS_NOT_SUPPORTED);
	if (mtasts_maillog_find(s, e, "authentication failed")
	    || mtasts_maillog_find(s, e, "not authenticated")
	    || mtasts_maillog_find(s, e, "authentication failure"))
		return (MTASTS_RESULT_CERT_NOT_TRUSTED);
	if (mtasts_maillog_find(s, e, "encryption too weak"))
		return (MTASTS_RESULT_VALIDATION_FAILURE);
	return (NULL);
}

/* relay_host - "H", "H." or "H. [A]" (and "[A]" alone: no host, 0) */

static int
relay_host(const char *s, const char *e, struct mtasts_maillog_line *out)
{
	const char *open = memchr(s, '[', (size_t) (e - s));
	const char *hend = open ? open : e, *close;

	while (hend > s && hend[-1] == ' ')
		hend--;
	if (!mtasts_maillog_host(s, (size_t) (hend - s), out->mx, sizeof(out->mx)))
		return (0);
	if (open && (close = memchr(open, ']', (size_t) (e - open))) != NULL)
		(void) mtasts_maillog_addr(open + 1, (size_t) (close - open - 1),
					   out->addr, sizeof(out->addr));
	return (1);
}

/* starttls_line - "STARTTLS=client, ..." */

static void
starttls_line(const char *s, const char *end, struct mtasts_maillog_line *out)
{
	const char *v, *ve, *r, *re;

	if ((v = field(s, end, "verify", &ve)) != NULL) {
		if ((r = field(s, end, "relay", &re)) == NULL || !relay_host(r, re, out))
			return;
		out->ev = MTASTS_MAILLOG_EV_TLS;
		out->type = verify_type(v, ve);
		out->verified = out->type == NULL;
		/* "version=..., verify=..., cipher=..., bits=...": what to audit. */
		if ((r = field(s, end, "version", &re)) != NULL)
			mtasts_maillog_text(out, r - strlen("version="), end);
		return;
	}
	if ((v = field(s, end, "verifymsg", &ve)) != NULL) {
		if ((out->type = mtasts_maillog_cert_type(v, ve)) != NULL) {
			out->ev = MTASTS_MAILLOG_EV_CERT;
			mtasts_maillog_text(out, v, ve);
		}
		return;
	}
	if (mtasts_maillog_find(s, end, "error: connect failed")
	    && (r = field(s, end, "relay", &re)) != NULL && relay_host(r, re, out)) {
		out->ev = MTASTS_MAILLOG_EV_FAIL;
		out->type = MTASTS_RESULT_VALIDATION_FAILURE;
		mtasts_maillog_text(out, s, end);
	}
}

/* ruleset_line - "ruleset=tls_server|tls_rcpt, ..., relay=H, reject=TEXT" */

static void
ruleset_line(const char *s, const char *end, struct mtasts_maillog_line *out)
{
	const char *r, *re, *t;

	if ((t = mtasts_maillog_find(s, end, ", reject=")) == NULL
	    || (out->type = reject_type(t, end)) == NULL
	    || (r = field(s, t, "relay", &re)) == NULL || !relay_host(r, re, out)) {
		out->type = NULL;
		out->mx[0] = out->addr[0] = 0;
		return;
	}
	out->ev = MTASTS_MAILLOG_EV_FAIL;
	mtasts_maillog_text(out, t + strlen(", reject="), end);
}

/* status_line - "to=R1,R2, ..., relay=H. [A], ..., stat=S" */

static void
status_line(const char *s, const char *end, struct mtasts_maillog_line *out)
{
	const char *e, *r, *re, *st, *ste, *p, *q;

	/* The list ends where the next field begins. */
	if ((e = mtasts_maillog_find(s, end, ", delay=")) == NULL)
		return;
	if ((p = mtasts_maillog_find(s, e, ", ctladdr=")) != NULL)
		e = p;
	for (p = s + 3; p < e; p = q + 1) {
		if ((q = memchr(p, ',', (size_t) (e - p))) == NULL)
			q = e;
		mtasts_maillog_rcpt(out, p, q);
	}
	if (out->ndomains == 0 || (r = field(e, end, "relay", &re)) == NULL
	    || !relay_host(r, re, out) || out->addr[0] == 0
	    || (st = field(e, end, "stat", &ste)) == NULL)
		return;
	/* The stat text runs to the end of the line. */
	ste = end;
	out->sent = end - st >= 4 && memcmp(st, "Sent", 4) == 0;
	out->type = out->sent ? NULL : reject_type(st, ste);
	mtasts_maillog_text(out, st, ste);
	out->ev = MTASTS_MAILLOG_EV_STATUS;
}

/* mtasts_maillog_sendmail - one Sendmail message */

void
mtasts_maillog_sendmail(const char *s, const char *end, struct mtasts_maillog_line *out)
{
	const char *p = s;

	out->ev = MTASTS_MAILLOG_EV_NONE;
	if (mtasts_maillog_skip(&p, end, "STARTTLS=client, ")) {
		starttls_line(p, end, out);
		return;
	}
	p = s;
	(void) mtasts_maillog_qid(&p, end, out);
	if (mtasts_maillog_skip(&p, end, "ruleset=tls_server, ")
	    || mtasts_maillog_skip(&p, end, "ruleset=tls_rcpt, ")) {
		ruleset_line(p, end, out);
		return;
	}
	if (end - p >= 3 && memcmp(p, "to=", 3) == 0)
		status_line(p, end, out);
}
