/*++
 * NAME
 *	tlsconn 3h
 * SUMMARY
 *	internal: TCP connect and TLS over one socket, under one deadline
 * SYNOPSIS
 *	#include "tlsconn.h"	(library-internal; not installed)
 * DESCRIPTION
 *	What src/fetch.c and src/smtptls.c share: a non-blocking socket, a
 *	deadline on the monotonic clock that bounds every step, and OpenSSL
 *	driven through a BIO pair so that this code, not OpenSSL, does every
 *	send() and recv().
 *
 *	mtasts_tlsconn_init() prepares c with a total budget of total_ms.
 *	mtasts_tlsconn_connect() connects to addr:port, each attempt bounded
 *	by connect_ms and by the total deadline; it may be called again
 *	after a failure to try another address.
 *	mtasts_tlsconn_send()/_recv() move plain bytes (SMTP before STARTTLS).
 *	mtasts_tlsconn_handshake() starts TLS with SNI and a host name check
 *	for host. With lenient == 0 any certificate problem fails the
 *	handshake (TLSCONN_CERT); with lenient != 0 the handshake goes on
 *	and the first problem is kept for mtasts_tlsconn_verify_error(),
 *	for reports that want to see everything about a server.
 *	mtasts_tlsconn_read()/_write() move bytes inside TLS.
 *	mtasts_tlsconn_close() releases everything; safe to call twice.
 *
 *	Every call returns a TLSCONN_* code and, on failure, a reason in why.
 *	TLSCONN_EOF from mtasts_tlsconn_read() means a TLS close_notify;
 *	TLSCONN_UNCLEAN means the peer closed without one (RFC 8446 6.1: the
 *	data may have been truncated).
 * SECURITY
 *	send() uses MSG_NOSIGNAL: a server that resets the connection must
 *	not kill the MTA or daemon with SIGPIPE. No global state is used:
 *	one struct per connection, so threads may each run their own.
 *--*/
#ifndef MTASTS_TLSCONN_H
#define MTASTS_TLSCONN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

enum mtasts_tlsconn_rc {
	TLSCONN_OK = 0,
	TLSCONN_EOF,			/* orderly end */
	TLSCONN_UNCLEAN,		/* peer closed without close_notify */
	TLSCONN_TIMEOUT,		/* a deadline passed */
	TLSCONN_IO,			/* socket error or refused */
	TLSCONN_TLS,			/* TLS failure other than certificate */
	TLSCONN_CERT			/* certificate chain or name invalid */
};

struct mtasts_tlsconn {
	int	fd;
	SSL    *ssl;
	BIO    *net;			/* our end of the BIO pair */
	uint64_t deadline;		/* CLOCK_MONOTONIC milliseconds */
	int	peer_eof;
	int	lenient;
	long	verify_err;		/* first certificate problem */
	char	peer[64];		/* "ADDR port N" of the last connect */
};

/*
 * A policy-fetch context: built once per configuration (src/fetch.c) and
 * also used by src/smtptls.c so a check loads the trust store only once.
 */
struct mtasts_fetch_ctx {
	SSL_CTX *ssl_ctx;
	unsigned timeout_ms;		/* total per fetch or check */
	unsigned connect_ms;		/* per address */
	uint16_t port;			/* of the policy host */
};

void	mtasts_tlsconn_init(struct mtasts_tlsconn *, unsigned total_ms);
int	mtasts_tlsconn_connect(struct mtasts_tlsconn *,
		const struct sockaddr_storage *addr, uint16_t port,
		unsigned connect_ms, char *why, size_t whylen);
int	mtasts_tlsconn_send(struct mtasts_tlsconn *, const char *, size_t,
		char *why, size_t whylen);
int	mtasts_tlsconn_recv(struct mtasts_tlsconn *, char *, size_t,
		size_t *got, char *why, size_t whylen);
int	mtasts_tlsconn_handshake(struct mtasts_tlsconn *, SSL_CTX *,
		const char *host, int lenient, char *why, size_t whylen);
int	mtasts_tlsconn_write(struct mtasts_tlsconn *, const char *, size_t,
		char *why, size_t whylen);
int	mtasts_tlsconn_read(struct mtasts_tlsconn *, char *, size_t,
		size_t *got, char *why, size_t whylen);
long	mtasts_tlsconn_verify_error(const struct mtasts_tlsconn *);
void	mtasts_tlsconn_close(struct mtasts_tlsconn *);

#endif
