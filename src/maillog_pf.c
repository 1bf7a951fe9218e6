/*++
 * NAME
 *	maillog_pf 3
 * SUMMARY
 *	what a Postfix smtp(8) log line says about a TLS session
 * SYNOPSIS
 *	#include "maillog_int.h"
 *
 *	void	mtasts_maillog_postfix(const char *msg, const char *end,
 *		struct mtasts_maillog_line *out)
 * DESCRIPTION
 *	Reads the message text of one line of a Postfix process (smtp(8)
 *	or a transport built on it, e.g. "relay"). The lines, as Postfix
 *	3.7 writes them with smtp_tls_loglevel = 1 (tls_client.c,
 *	tls_verify.c, smtp_proto.c, smtp_trouble.c):
 *
 *	V TLS connection established to H[A]:25: TLSv1.3 with cipher C ...
 *		EV_TLS. V is Verified (chain and name checked), Trusted
 *		(chain checked, name not: levels encrypt and may) or
 *		Untrusted (certificate-not-trusted unless a line before
 *		said why) or Anonymous (no certificate: validation-failure).
 *	V TLS connection reused to H[A]:25: ...
 *		EV_REUSED: a cached connection, not a new session.
 *	[server ]certificate verification failed for H[A]:25: WHY
 *		EV_CERT, before the Untrusted line of the same session:
 *		"certificate has expired", "certificate not yet valid"
 *		(certificate-expired), "num=62:hostname mismatch"
 *		(certificate-host-mismatch), "untrusted issuer ...",
 *		"self-signed certificate", anything else
 *		(certificate-not-trusted).
 *	SSL_connect error to H[A]:25: WHY
 *		EV_FAIL, validation-failure: the handshake failed.
 *	QID: to=<R>, [orig_to=<...>, ]relay=H[A]:25, [conn_use=N, ]...,
 *	    status=S (TEXT)
 *		EV_STATUS: the domain of R; S "sent" or not; conn_use above
 *		1 is a reused connection; TEXT may say what failed (below).
 *		relay=none (no connection) and relays that are not
 *		HOST[ADDR] on port 25 (LMTP, sockets) give EV_NONE.
 *	QID: TEXT
 *		EV_ATTEMPT: an MX failed and the next one is tried. Only the
 *		TEXTs below are read.
 *	TEXT: "TLS is required, but was not offered by host H[A]" and "TLS
 *	is required, but host H[A] refused to start TLS: ..."
 *	(starttls-not-supported), "Server certificate not verified" or
 *	"... not trusted" (certificate-not-trusted), "Cannot start TLS:
 *	handshake failure" (validation-failure).
 *	Everything else is EV_NONE.
 *--*/
#include "config.h"

#include <string.h>

#include <mtasts/fetch.h>
#include <mtasts/maillog.h>

#include "maillog_int.h"

/* text_type - the RFC 8460 type a status or attempt text names */

static const char *
text_type(const char *s, const char *end)
{
	if (mtasts_maillog_find(s, end, "TLS is required, but was not offered")
	    || (mtasts_maillog_find(s, end, "TLS is required, but host")
		&& mtasts_maillog_find(s, end, "refused to start TLS")))
		return (MTASTS_RESULT_STARTTLS_NOT_SUPPORTED);
	if (mtasts_maillog_find(s, end, "Server certificate not verified")
	    || mtasts_maillog_find(s, end, "Server certificate not trusted"))
		return (MTASTS_RESULT_CERT_NOT_TRUSTED);
	if (mtasts_maillog_find(s, end, "Cannot start TLS: handshake failure"))
		return (MTASTS_RESULT_VALIDATION_FAILURE);
	return (NULL);
}

/* by_host - "... by host H[A]" / "... but host H[A] refused ...": the MX */

static void
by_host(const char *s, const char *end, struct mtasts_maillog_line *out)
{
	const char *h = mtasts_maillog_find(s, end, " host "), *e;

	if (h == NULL)
		return;
	h += 6;
	for (e = h; e < end && *e != ' ' && *e != ')'; e++)
		;
	(void) mtasts_maillog_relay(h, e, out);
}

/* relay_field - "H[A]:25" up to ": " */

static int
relay_field(const char **sp, const char *end, struct mtasts_maillog_line *out)
{
	const char *e = mtasts_maillog_find(*sp, end, ": ");

	if (e == NULL || !mtasts_maillog_relay(*sp, e, out))
		return (0);
	*sp = e + 2;
	return (1);
}

/* tls_line - "V TLS connection established|reused to H[A]:25: ..." */

static int
tls_line(const char *s, const char *end, struct mtasts_maillog_line *out)
{
	static const struct {
		const char *word;
		int	verified;
		const char *type;
	} levels[] = {
		{"Verified ", 1, NULL},
		{"Trusted ", 1, NULL},
		{"Untrusted ", 0, MTASTS_RESULT_CERT_NOT_TRUSTED},
		{"Anonymous ", 0, MTASTS_RESULT_VALIDATION_FAILURE},
	};
	size_t	i;

	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (mtasts_maillog_skip(&s, end, levels[i].word))
			break;
	if (i == sizeof(levels) / sizeof(levels[0]))
		return (0);
	if (mtasts_maillog_skip(&s, end, "TLS connection established to "))
		out->ev = MTASTS_MAILLOG_EV_TLS;
	else if (mtasts_maillog_skip(&s, end, "TLS connection reused to "))
		out->ev = MTASTS_MAILLOG_EV_REUSED;
	else
		return (0);
	if (!relay_field(&s, end, out)) {
		out->ev = MTASTS_MAILLOG_EV_NONE;
		return (1);
	}
	out->verified = levels[i].verified;
	out->type = levels[i].type;
	{
		/* "TLSv1.3 with cipher C (256/256 bits)"; the rest is noise. */
		const char *e = mtasts_maillog_find(s, end, " key-exchange ");

		mtasts_maillog_text(out, s, e ? e : end);
	}
	return (1);
}

/* status_line - "to=<R>, ..., relay=H[A]:25, ..., status=S (TEXT)" */

static void
status_line(const char *s, const char *end, struct mtasts_maillog_line *out)
{
	const char *e, *st = NULL, *text = NULL;
	int	relay = 0;

	if (!mtasts_maillog_skip(&s, end, "to=<")
	    || (e = mtasts_maillog_find(s, end, ">, ")) == NULL)
		return;
	mtasts_maillog_rcpt(out, s, e);
	s = e + 3;
	/* key=value, separated by ", ", up to status= (whose text may hold ", "). */
	while (s < end) {
		if (mtasts_maillog_skip(&s, end, "status=")) {
			st = s;
			break;
		}
		if ((e = mtasts_maillog_find(s, end, ", ")) == NULL)
			return;
		if (mtasts_maillog_skip(&s, e, "relay="))
			relay = mtasts_maillog_relay(s, e, out);
		else if (mtasts_maillog_skip(&s, e, "conn_use="))
			out->reused = !(e - s == 1 && *s == '1');
		s = e + 2;
	}
	if (st == NULL || !relay || out->ndomains == 0)
		return;
	out->sent = end - st >= 4 && memcmp(st, "sent", 4) == 0;
	if ((text = memchr(st, '(', (size_t) (end - st))) != NULL) {
		e = end > text + 1 && end[-1] == ')' ? end - 1 : end;
		out->type = text_type(text + 1, e);
		mtasts_maillog_text(out, text + 1, e);
	} else {
		mtasts_maillog_text(out, st, end);
	}
	out->ev = MTASTS_MAILLOG_EV_STATUS;
}

/* mtasts_maillog_postfix - one Postfix message */

void
mtasts_maillog_postfix(const char *s, const char *end, struct mtasts_maillog_line *out)
{
	const char *p = s;

	out->ev = MTASTS_MAILLOG_EV_NONE;
	if (tls_line(s, end, out))
		return;
	(void) mtasts_maillog_skip(&p, end, "server ");
	if (mtasts_maillog_skip(&p, end, "certificate verification failed for ")) {
		if (relay_field(&p, end, out)) {
			out->ev = MTASTS_MAILLOG_EV_CERT;
			out->type = mtasts_maillog_cert_type(p, end);
			mtasts_maillog_text(out, p, end);
		}
		return;
	}
	p = s;
	if (mtasts_maillog_skip(&p, end, "SSL_connect error to ")) {
		if (relay_field(&p, end, out)) {
			out->ev = MTASTS_MAILLOG_EV_FAIL;
			out->type = MTASTS_RESULT_VALIDATION_FAILURE;
			mtasts_maillog_text(out, s, end);
		}
		return;
	}
	if (!mtasts_maillog_qid(&p, end, out))
		return;
	if (end - p >= 3 && memcmp(p, "to=", 3) == 0) {
		status_line(p, end, out);
		return;
	}
	if ((out->type = text_type(p, end)) != NULL) {
		out->ev = MTASTS_MAILLOG_EV_ATTEMPT;
		by_host(p, end, out);
		mtasts_maillog_text(out, p, end);
	}
}
