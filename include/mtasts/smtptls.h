/*++
 * NAME
 *	smtptls 3h
 * SUMMARY
 *	check an MX host's STARTTLS and certificate (for "mtasts check")
 * SYNOPSIS
 *	#include <mtasts/smtptls.h>
 * DESCRIPTION
 *	mtasts_smtptls_check() connects to one address of an MX host (port
 *	0 means MTASTS_SMTP_PORT_DEFAULT, 25), reads the greeting, sends
 *	EHLO helo (NULL: "localhost"), and when STARTTLS is offered issues
 *	it and runs a TLS 1.2+ handshake with SNI = mxname. The certificate
 *	is checked against the context's trust store and mxname (no partial
 *	wildcards) without stopping at the first problem, so the report
 *	shows the TLS version and cipher even of a server whose certificate
 *	would be refused. Then it says QUIT and closes.
 *
 *	The context (see fetch.h) gives the trust store and the time budget:
 *	its total timeout bounds the whole check, its connect timeout the
 *	connect. Blocking; no global state; safe in several threads.
 *
 *	MTASTS_OK	the check reached a verdict; *rep holds it. This
 *			includes "no STARTTLS" and "certificate invalid":
 *			those are findings, not failures of the check.
 *	MTASTS_TEMP	no verdict: connect failed, timed out, the server
 *			refused the session (greeting not 220) or spoke
 *			malformed SMTP. why says which; *rep holds what was
 *			learnt so far.
 *	MTASTS_PERM	mxname is not a valid host name.
 *
 *	rep->result_type is NULL when STARTTLS was offered, the handshake
 *	completed and the certificate is valid for mxname; otherwise it is
 *	the RFC 8460 result type that a sending MTA would report:
 *	"starttls-not-supported" (not offered, or refused), "certificate-
 *	host-mismatch", "certificate-expired", "certificate-not-trusted",
 *	or "validation-failure" (any other problem, including a failed
 *	handshake); rep->reason says precisely what.
 * SECURITY
 *	Plain text received after the 220 reply to STARTTLS is refused
 *	(validation-failure) rather than carried into the TLS session: the
 *	STARTTLS command-injection flaw (CVE-2011-0411 and kin). Server
 *	text in the report has gone through mtasts_sanitize().
 *--*/
#ifndef MTASTS_SMTPTLS_H
#define MTASTS_SMTPTLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <mtasts/fetch.h>
#include <mtasts/limits.h>
#include <mtasts/status.h>

struct mtasts_smtptls_report {
	char	banner[MTASTS_PEER_TEXT_MAX];	/* greeting, sanitised */
	int	starttls;		/* 1: EHLO offered STARTTLS */
	int	tls;			/* 1: the TLS handshake completed */
	char	tls_version[16];	/* e.g. "TLSv1.3"; "" without TLS */
	char	cipher[64];		/* e.g. "TLS_AES_256_GCM_SHA384" */
	int	cert_valid;		/* 1: trusted chain, valid for mxname */
	const char *result_type;	/* NULL, or an RFC 8460 result type */
	char	reason[MTASTS_REASON_MAX];	/* why result_type, or "" */
};

enum mtasts_status mtasts_smtptls_check(const struct mtasts_fetch_ctx *,
		const char *mxname, const char *helo,
		const struct sockaddr_storage *addr, uint16_t port,
		struct mtasts_smtptls_report *rep, char *why, size_t whylen);

#endif
