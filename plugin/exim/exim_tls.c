/*++
 * NAME
 *	exim_tls 3
 * SUMMARY
 *	what one SMTP connection's events say about TLS, as RFC 8460 types
 * SYNOPSIS
 *	#include "exim_int.h"
 * DESCRIPTION
 *	The event hook's last argument, INFO, is one of two texts
 *	(mtasts-main.conf builds it):
 *
 *	At tls:cert: "NOTBEFORE NOTAFTER DNSNAMES". Exim (with GnuTLS)
 *	raises tls:cert once per certificate the server sent, the leaf at
 *	depth 0, and $tls_out_peercert is then readable only through
 *	${certextract}: the times are seconds since the epoch, DNSNAMES the
 *	subjectAltName dNSNames as an Exim list with separator ';' (a ';'
 *	inside a name is doubled by Exim).
 *
 *	At every other event: "VERIFIED ERRNO VERSION CIPHER", that is
 *	$tls_out_certificate_verified $event_defer_errno $tls_out_ver
 *	$tls_out_cipher; VERSION and CIPHER are empty in clear text. Only
 *	tcp:close has a meaningful VERIFIED: Exim resets it before the msg:
 *	events.
 *
 *	mtasts_exim_conn_start() begins a connection (tcp:connect);
 *	mtasts_exim_conn_same() tells whether later events belong to it.
 *	mtasts_exim_conn_cert() notes whether the leaf was outside its
 *	validity period or names no DNS-ID matching the MX host.
 *	mtasts_exim_conn_close() keeps the TLS state.
 *	mtasts_exim_conn_result() gives the RFC 8460 4.3 result type for
 *	the connection's outcome (NULL: no TLS failure to report), from
 *	what was seen and Exim's $event_defer_errno:
 *	no STARTTLS where TLS was required, or a connection that stayed in
 *	clear: starttls-not-supported; a leaf out of date:
 *	certificate-expired; a leaf for other names:
 *	certificate-host-mismatch; otherwise not verified: certificate-
 *	not-trusted; a TLS failure before any certificate:
 *	validation-failure.
 *	mtasts_exim_state_errno() reads ERRNO from a state text.
 * SECURITY
 *	This only classifies for the audit log and TLSRPT: Exim's own TLS
 *	checks (tls_verify_hosts, tls_verify_cert_hostnames) decide whether
 *	mail goes. Certificate fields are peer data: names are matched with
 *	the policy matcher, which accepts only valid host names and a
 *	wildcard as the whole leftmost label, and nothing from them is
 *	kept.
 *--*/
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mtasts/clock.h>
#include <mtasts/fetch.h>
#include <mtasts/match.h>

#include "exim_int.h"

/* copy - bounded copy; an over-long value is cut (it is only logged) */

static void
copy(char *dst, size_t len, const char *src, size_t srclen)
{
	if (srclen >= len)
		srclen = len - 1;
	memcpy(dst, src, srclen);
	dst[srclen] = 0;
}

/* field - the next space-separated field of *sp (may be empty) */

static const char *
field(const char **sp, size_t *len)
{
	const char *s = *sp;
	const char *end = strchr(s, ' ');

	if (end == NULL)
		end = s + strlen(s);
	*len = (size_t) (end - s);
	*sp = *end ? end + 1 : end;
	return (s);
}

/* number - a decimal field, or fallback when it is not one */

static long long
number(const char *s, size_t len, long long fallback)
{
	char	tmp[24];
	char   *end;
	long long v;

	if (len == 0 || len >= sizeof(tmp))
		return (fallback);
	memcpy(tmp, s, len);
	tmp[len] = 0;
	errno = 0;
	v = strtoll(tmp, &end, 10);
	if (errno || *end)
		return (fallback);
	return (v);
}

/* mtasts_exim_conn_start - a new connection to host [addr] */

void
mtasts_exim_conn_start(struct mtasts_exim_conn *c, const char *host, const char *addr)
{
	memset(c, 0, sizeof(*c));
	copy(c->host, sizeof(c->host), host, strlen(host));
	copy(c->addr, sizeof(c->addr), addr, strlen(addr));
}

/* mtasts_exim_conn_same - is addr the connection we are following? */

int
mtasts_exim_conn_same(const struct mtasts_exim_conn *c, const char *addr)
{
	return (c->addr[0] != 0 && strcmp(c->addr, addr) == 0);
}

/* name_matches - does one ';'-list of DNS-IDs name host? */

static int
name_matches(const char *list, const char *host)
{
	char	name[MTASTS_DOMAIN_MAX + 2];
	size_t	n = 0;
	int	bad = 0;
	const char *s;

	for (s = list;; s++) {
		if (*s == ';' && s[1] == ';') {
			/* A doubled separator is a ";" inside the name: never valid. */
			bad = 1;
			s++;
			continue;
		}
		if (*s == ';' || *s == 0) {
			name[n] = 0;
			if (n > 0 && !bad && mtasts_mx_match(name, host))
				return (1);
			n = 0;
			bad = 0;
			if (*s == 0)
				return (0);
			continue;
		}
		if (n + 1 < sizeof(name))
			name[n++] = *s;
		else
			bad = 1;
	}
}

/* mtasts_exim_conn_cert - the leaf certificate's fields */

void
mtasts_exim_conn_cert(struct mtasts_exim_conn *c, const char *host, const char *info)
{
	const char *s = info, *f;
	long long nb, na, now = (long long) mtasts_now();
	size_t	len;

	c->cert_seen = 1;
	f = field(&s, &len);
	nb = number(f, len, -1);
	f = field(&s, &len);
	na = number(f, len, -1);
	/* Unreadable dates count as out of date: the report must not
	 * call a certificate good that we could not read. */
	c->cert_expired = nb < 0 || na < 0 || now < nb || now > na;
	/* The rest is the name list, whatever it contains. */
	c->cert_mismatch = !name_matches(s, host);
}

/* mtasts_exim_conn_close - the TLS state at the end of the connection */

void
mtasts_exim_conn_close(struct mtasts_exim_conn *c, const char *state)
{
	const char *s = state, *f;
	size_t	len;

	c->closed = 1;
	f = field(&s, &len);
	c->verified = len == 1 && *f == '1';
	(void) field(&s, &len);			/* errno: taken at the outcome */
	f = field(&s, &len);
	copy(c->tls_ver, sizeof(c->tls_ver), f, len);
	copy(c->cipher, sizeof(c->cipher), s, strlen(s));
}

/* mtasts_exim_state_errno - the ERRNO field of a state text */

int
mtasts_exim_state_errno(const char *state)
{
	const char *s = state, *f;
	size_t	len;

	(void) field(&s, &len);
	f = field(&s, &len);
	return ((int) number(f, len, 0));
}

/* mtasts_exim_conn_result - RFC 8460 result type of the outcome */

const char *
mtasts_exim_conn_result(const struct mtasts_exim_conn *c, int errno_value)
{
	if (errno_value == EXIM_ERRNO_TLSREQUIRED)
		return (MTASTS_RESULT_STARTTLS_NOT_SUPPORTED);
	if (c->cert_seen && c->cert_expired)
		return (MTASTS_RESULT_CERT_EXPIRED);
	if (c->cert_seen && c->cert_mismatch)
		return (MTASTS_RESULT_HOST_MISMATCH);
	if (c->cert_seen && !c->verified)
		return (MTASTS_RESULT_CERT_NOT_TRUSTED);
	if (errno_value == EXIM_ERRNO_TLSFAILURE)
		return (MTASTS_RESULT_VALIDATION_FAILURE);
	if (c->closed && c->tls_ver[0] == 0)
		return (MTASTS_RESULT_STARTTLS_NOT_SUPPORTED);
	return (NULL);
}
