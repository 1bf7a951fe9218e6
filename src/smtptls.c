/*++
 * NAME
 *	smtptls 3
 * SUMMARY
 *	check an MX host's STARTTLS and certificate (for "mtasts check")
 * SYNOPSIS
 *	#include <mtasts/smtptls.h>
 * DESCRIPTION
 *	See smtptls.h. Just enough SMTP client for one question: greeting,
 *	EHLO, STARTTLS, handshake, QUIT. Replies are read line by line with
 *	a bounded line length and line count (RFC 5321 4.2.1 multi-line
 *	replies: "250-..." continues, "250 ..." ends).
 * SECURITY
 *	The plain-text buffer must be empty after the reply to STARTTLS;
 *	anything else was injected before the TLS session existed.
 *--*/
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <mtasts/domain.h>
#include <mtasts/smtptls.h>

#include "tlsconn.h"

struct smtp {
	struct mtasts_tlsconn c;
	char	buf[MTASTS_SMTP_LINE_MAX + 1];
	size_t	len;			/* unread bytes in buf */
	char	err[MTASTS_REASON_MAX];
};

/* get_line - next line of a reply, CRLF or LF removed; 0 or -1 */

static int
get_line(struct smtp *s, char *line, size_t linelen)
{
	char   *lf;
	size_t	n, got;
	int	rc;

	while ((lf = memchr(s->buf, '\n', s->len)) == NULL) {
		if (s->len >= MTASTS_SMTP_LINE_MAX) {
			mtasts_why(s->err, sizeof(s->err), "%s: reply line longer than %d bytes",
				   s->c.peer, MTASTS_SMTP_LINE_MAX);
			return (-1);
		}
		rc = mtasts_tlsconn_recv(&s->c, s->buf + s->len,
					 MTASTS_SMTP_LINE_MAX - s->len, &got,
					 s->err, sizeof(s->err));
		if (rc == TLSCONN_EOF)
			mtasts_why(s->err, sizeof(s->err), "%s closed the connection",
				   s->c.peer);
		if (rc != TLSCONN_OK)
			return (-1);
		s->len += got;
	}
	n = (size_t) (lf - s->buf);
	if (n + 1 > linelen) {
		mtasts_why(s->err, sizeof(s->err), "%s: reply line too long", s->c.peer);
		return (-1);
	}
	memcpy(line, s->buf, n);
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = 0;
	s->len -= (size_t) (lf - s->buf) + 1;
	memmove(s->buf, lf + 1, s->len);
	return (0);
}

/*
 * get_reply - read a whole reply; return its code (100-599) or -1. When
 * starttls is not NULL, set it if a line of the reply is the STARTTLS
 * keyword (EHLO reply). first gets the first line's text, sanitised.
 */

static int
get_reply(struct smtp *s, int *starttls, char *first, size_t firstlen)
{
	char	line[MTASTS_SMTP_LINE_MAX + 1], txt[MTASTS_PEER_TEXT_MAX];
	const char *kw;
	int	code = -1, this, n;

	for (n = 0; n < MTASTS_SMTP_REPLY_LINES_MAX; n++) {
		if (get_line(s, line, sizeof(line)) < 0)
			return (-1);
		this = strlen(line) < 3 ? -1 : (line[0] - '0') * 100
			+ (line[1] - '0') * 10 + (line[2] - '0');
		if (this < 0 || line[0] < '1' || line[0] > '5'
		    || line[1] < '0' || line[1] > '9' || line[2] < '0' || line[2] > '9'
		    || (line[3] != 0 && line[3] != ' ' && line[3] != '-')
		    || (code >= 0 && this != code)) {
			mtasts_why(s->err, sizeof(s->err), "%s: malformed SMTP reply \"%s\"",
				   s->c.peer, mtasts_sanitize(line, strlen(line), txt,
				   sizeof(txt)));
			return (-1);
		}
		code = this;
		if (n == 0 && first != NULL)
			(void) mtasts_sanitize(line, strlen(line), first, firstlen);
		kw = line[3] ? line + 4 : "";
		if (starttls != NULL && strncasecmp(kw, "STARTTLS", 8) == 0
		    && (kw[8] == 0 || kw[8] == ' '))
			*starttls = 1;
		if (line[3] != '-')
			return (code);
	}
	mtasts_why(s->err, sizeof(s->err), "%s: reply of more than %d lines",
		   s->c.peer, MTASTS_SMTP_REPLY_LINES_MAX);
	return (-1);
}

/* command - send one SMTP command line */

static int
command(struct smtp *s, const char *cmd)
{
	char	line[MTASTS_DOMAIN_MAX + 16];
	int	n;

	n = snprintf(line, sizeof(line), "%s\r\n", cmd);
	if (n < 0 || (size_t) n >= sizeof(line)) {
		mtasts_why(s->err, sizeof(s->err), "SMTP command too long");
		return (-1);
	}
	return (mtasts_tlsconn_send(&s->c, line, (size_t) n, s->err,
				    sizeof(s->err)) == TLSCONN_OK ? 0 : -1);
}

/* cert_result - RFC 8460 result type for an X509 verification error */

static const char *
cert_result(long err)
{
	switch (err) {
	case X509_V_ERR_HOSTNAME_MISMATCH:
		return (MTASTS_RESULT_HOST_MISMATCH);
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return (MTASTS_RESULT_CERT_EXPIRED);
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_REJECTED:
		return (MTASTS_RESULT_CERT_NOT_TRUSTED);
	default:
		/* Not yet valid, bad signature, bad purpose, ...: RFC 8460
		 * has no closer category than a general validation failure. */
		return (MTASTS_RESULT_VALIDATION_FAILURE);
	}
}

/* finding - record a verdict other than "all is well" */

static void
finding(struct mtasts_smtptls_report *rep, const char *type, const char *reason)
{
	rep->result_type = type;
	mtasts_why(rep->reason, sizeof(rep->reason), "%s", reason);
}

/* tls_part - STARTTLS, handshake and certificate verdict */

static enum mtasts_status
tls_part(struct smtp *s, SSL_CTX *ctx, const char *mxname,
	 struct mtasts_smtptls_report *rep)
{
	const SSL_CIPHER *ciph;
	char	text[MTASTS_PEER_TEXT_MAX];
	long	verr;
	int	code, rc;

	if (command(s, "STARTTLS") < 0 || (code = get_reply(s, NULL, text,
							      sizeof(text))) < 0)
		return (MTASTS_TEMP);
	if (code != 220) {
		finding(rep, MTASTS_RESULT_STARTTLS_NOT_SUPPORTED, text);
		return (MTASTS_OK);
	}
	if (s->len != 0) {
		finding(rep, MTASTS_RESULT_VALIDATION_FAILURE,
			"plain text after the STARTTLS reply (command injection?)");
		return (MTASTS_OK);
	}
	rc = mtasts_tlsconn_handshake(&s->c, ctx, mxname, 1, s->err, sizeof(s->err));
	if (rc == TLSCONN_TIMEOUT || rc == TLSCONN_IO)
		return (MTASTS_TEMP);
	if (rc != TLSCONN_OK) {
		finding(rep, MTASTS_RESULT_VALIDATION_FAILURE, s->err);
		return (MTASTS_OK);
	}
	rep->tls = 1;
	(void) snprintf(rep->tls_version, sizeof(rep->tls_version), "%s",
			SSL_get_version(s->c.ssl));
	ciph = SSL_get_current_cipher(s->c.ssl);
	(void) snprintf(rep->cipher, sizeof(rep->cipher), "%s",
			ciph ? SSL_CIPHER_get_name(ciph) : "");
	verr = mtasts_tlsconn_verify_error(&s->c);
	if (verr == X509_V_OK && SSL_get0_peer_certificate(s->c.ssl) == NULL)
		verr = X509_V_ERR_UNSPECIFIED;
	if (verr == X509_V_OK)
		rep->cert_valid = 1;
	else
		finding(rep, cert_result(verr), X509_verify_cert_error_string(verr));
	/* Polite, and nothing depends on it: no reply is awaited. */
	(void) mtasts_tlsconn_write(&s->c, "QUIT\r\n", 6, s->err, sizeof(s->err));
	return (MTASTS_OK);
}

/* mtasts_smtptls_check - STARTTLS and certificate report for one MX address */

enum mtasts_status
mtasts_smtptls_check(const struct mtasts_fetch_ctx *fc, const char *mxname,
		     const char *helo, const struct sockaddr_storage *addr,
		     uint16_t port, struct mtasts_smtptls_report *rep,
		     char *why, size_t whylen)
{
	char	ehlo[MTASTS_DOMAIN_MAX + 8], text[MTASTS_PEER_TEXT_MAX];
	struct smtp s;
	enum mtasts_status st = MTASTS_TEMP;
	int	code, n;

	memset(rep, 0, sizeof(*rep));
	if (!mtasts_domain_valid(mxname)) {
		mtasts_why(why, whylen, "invalid MX host name \"%s\"",
			   mtasts_sanitize(mxname, strlen(mxname), text, sizeof(text)));
		return (MTASTS_PERM);
	}
	if (helo == NULL)
		helo = "localhost";
	n = snprintf(ehlo, sizeof(ehlo), "EHLO %s", helo);
	if (n < 0 || (size_t) n >= sizeof(ehlo) || strpbrk(helo, "\r\n") != NULL) {
		mtasts_why(why, whylen, "invalid EHLO name");
		return (MTASTS_PERM);
	}
	memset(&s, 0, sizeof(s));
	mtasts_tlsconn_init(&s.c, fc->timeout_ms);
	if (mtasts_tlsconn_connect(&s.c, addr, port ? port : MTASTS_SMTP_PORT_DEFAULT,
				   fc->connect_ms, s.err, sizeof(s.err)) != TLSCONN_OK)
		goto out;
	if ((code = get_reply(&s, NULL, rep->banner, sizeof(rep->banner))) < 0)
		goto out;
	if (code != 220) {
		mtasts_why(s.err, sizeof(s.err), "%s refused the session: %s",
			   s.c.peer, rep->banner);
		goto out;
	}
	if (command(&s, ehlo) < 0
	    || (code = get_reply(&s, &rep->starttls, text, sizeof(text))) < 0)
		goto out;
	if (code != 250)
		rep->starttls = 0;
	if (!rep->starttls) {
		finding(rep, MTASTS_RESULT_STARTTLS_NOT_SUPPORTED, code == 250 ?
			"STARTTLS not offered in the EHLO reply" : text);
		(void) command(&s, "QUIT");
		st = MTASTS_OK;
		goto out;
	}
	st = tls_part(&s, fc->ssl_ctx, mxname, rep);
out:
	if (st == MTASTS_TEMP)
		mtasts_why(why, whylen, "%s", s.err);
	mtasts_tlsconn_close(&s.c);
	ERR_clear_error();
	return (st);
}
