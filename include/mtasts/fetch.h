/*++
 * NAME
 *	fetch 3h
 * SUMMARY
 *	RFC 8461 3.3 policy fetch over HTTPS (OpenSSL)
 * SYNOPSIS
 *	#include <mtasts/fetch.h>
 * DESCRIPTION
 *	GET https://mta-sts.DOMAIN/.well-known/mta-sts.txt with TLS 1.2 or
 *	newer, SNI, a WebPKI chain check and an RFC 6125 host name check.
 *	Only a 200 response with Content-Type text/plain and a body of at
 *	most MTASTS_POLICY_MAX bytes succeeds; redirects are never followed.
 *	This layer knows nothing of DNS, caches or MTAs: the caller resolves
 *	mta-sts.DOMAIN and passes the addresses.
 *
 *	mtasts_fetch_ctx_new() builds a context once per configuration so a
 *	daemon does not reload the trust store per fetch: the CA file and/or
 *	directory from opts, or the system store when both are NULL. On
 *	failure it returns NULL with why. mtasts_fetch_ctx_new_config() does
 *	the same from struct mtasts_config (tls.ca_file, tls.ca_path,
 *	fetch.timeout). The caller owns the context and frees it with
 *	mtasts_fetch_ctx_free() once no fetch uses it any more.
 *
 *	mtasts_fetch_policy() fetches the policy of domain (a host name; one
 *	trailing dot allowed). addrs[0..naddrs-1] are the addresses of
 *	mta-sts.DOMAIN (IPv4 or IPv6; their port fields are ignored, the
 *	context's port is used). They are tried in order until a TCP
 *	connection succeeds; a TLS or HTTP failure on a connected address
 *	is the server's answer and ends the fetch. The whole fetch is bounded
 *	by the context's total timeout, each connect also by the connect
 *	timeout.
 *	MTASTS_OK	*body is the policy text, malloc'd and NUL-terminated
 *			(*bodylen bytes, NULs possible); the caller frees it.
 *			*result_type is NULL.
 *	MTASTS_TEMP	no policy could be fetched (naddrs == 0 included:
 *			mta-sts.DOMAIN has no address). *body is NULL,
 *			*result_type is the RFC 8460 result type and why says
 *			precisely what failed.
 *	MTASTS_PERM	the domain argument is not a valid host name;
 *			*result_type is "sts-policy-fetch-error".
 *	Result types: MTASTS_RESULT_WEBPKI_INVALID for certificate chain,
 *	name or validity problems (why carries OpenSSL's text, such as
 *	"certificate has expired" or "hostname mismatch");
 *	MTASTS_RESULT_FETCH_ERROR for everything else (connect refused or
 *	timed out, TLS handshake failure, HTTP status other than 200,
 *	redirect, wrong Content-Type, body too large, malformed HTTP).
 *	A caller whose policy parser rejects the body reports
 *	MTASTS_RESULT_POLICY_INVALID itself.
 * THREADS
 *	Blocking: a fetch returns only when done or when its deadline has
 *	passed. Run it in a worker thread, not in an event loop. There is no
 *	global state: any number of threads may fetch at once with one
 *	shared context, which must not be freed while they do.
 * SECURITY
 *	Peer text in why (status reason, Location) has gone through
 *	mtasts_sanitize(). See src/tlsconn.c for the TLS rules that cannot
 *	be switched off.
 *--*/
#ifndef MTASTS_FETCH_H
#define MTASTS_FETCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <mtasts/config.h>
#include <mtasts/status.h>

/* RFC 8460 4.3 result types this layer and its callers report. */
#define MTASTS_RESULT_WEBPKI_INVALID	"sts-webpki-invalid"
#define MTASTS_RESULT_FETCH_ERROR	"sts-policy-fetch-error"
#define MTASTS_RESULT_POLICY_INVALID	"sts-policy-invalid"
#define MTASTS_RESULT_STARTTLS_NOT_SUPPORTED "starttls-not-supported"
#define MTASTS_RESULT_HOST_MISMATCH	"certificate-host-mismatch"
#define MTASTS_RESULT_CERT_EXPIRED	"certificate-expired"
#define MTASTS_RESULT_CERT_NOT_TRUSTED	"certificate-not-trusted"
#define MTASTS_RESULT_VALIDATION_FAILURE "validation-failure"

struct mtasts_fetch_opts {
	const char *ca_file;		/* PEM bundle, or NULL */
	const char *ca_path;		/* hashed directory, or NULL */
	unsigned timeout_ms;		/* whole fetch; 0: MTASTS_FETCH_TIMEOUT_DEFAULT s */
	unsigned connect_timeout_ms;	/* per address; 0: the smaller of
					 * MTASTS_FETCH_CONNECT_TIMEOUT_DEFAULT s
					 * and timeout_ms */
	uint16_t port;			/* 0: MTASTS_FETCH_PORT_DEFAULT (443) */
};

struct mtasts_fetch_ctx;

struct mtasts_fetch_ctx *mtasts_fetch_ctx_new(const struct mtasts_fetch_opts *,
		char *why, size_t whylen);
struct mtasts_fetch_ctx *mtasts_fetch_ctx_new_config(
		const struct mtasts_config *, char *why, size_t whylen);
void	mtasts_fetch_ctx_free(struct mtasts_fetch_ctx *);

enum mtasts_status mtasts_fetch_policy(const struct mtasts_fetch_ctx *,
		const char *domain, const struct sockaddr_storage *addrs,
		size_t naddrs, char **body, size_t *bodylen,
		const char **result_type, char *why, size_t whylen);

#endif
