/*++
 * NAME
 *	tlsconn 3
 * SUMMARY
 *	internal: TCP connect and TLS over one socket, under one deadline
 * SYNOPSIS
 *	#include "tlsconn.h"
 * DESCRIPTION
 *	See tlsconn.h. OpenSSL never touches the socket: it reads from and
 *	writes to a BIO pair, and pump() moves bytes between the pair and
 *	the non-blocking socket, waiting in poll() no longer than the
 *	deadline. So one clock bounds connect, handshake, request and a
 *	server that trickles one byte a second.
 * SECURITY
 *	The host name check cannot silently switch off: if SNI or the name
 *	for verification cannot be set, the handshake is not attempted
 *	(the habit of Postfix tls_client.c and curl). Partial wildcards such
 *	as "mta*.example.com" are refused (X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS).
 *	After a strict handshake, the verify result and the presence of a
 *	peer certificate are checked again rather than trusted to the
 *	callback alone.
 *--*/
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <mtasts/status.h>

#include "tlsconn.h"

#define IOBUF	16384			/* one TLS record and a bit */

enum op {
	OP_HANDSHAKE,
	OP_READ,
	OP_WRITE
};

/* now_ms - monotonic milliseconds: not mtasts_now(), which tests may fix */

static uint64_t
now_ms(void)
{
	struct timespec ts;

	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000);
}

/* errstr - thread-safe strerror */

static const char *
errstr(int err, char *buf, size_t len)
{
	/* GNU strerror_r (config.h defines _GNU_SOURCE) returns the text. */
	return (strerror_r(err, buf, len));
}

/* wait_fd - poll fd for events until deadline: 1 ready, 0 timeout, -1 error */

static int
wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd pfd;
	uint64_t now;
	int	r;

	for (;;) {
		if ((now = now_ms()) >= deadline)
			return (0);
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, deadline - now > 60000 ? 60000 : (int) (deadline - now));
		if (r > 0)
			return (1);
		if (r < 0 && errno != EINTR)
			return (-1);
	}
}

/* mtasts_tlsconn_init - empty connection with a total budget */

void
mtasts_tlsconn_init(struct mtasts_tlsconn *c, unsigned total_ms)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->verify_err = X509_V_OK;
	c->deadline = now_ms() + total_ms;
}

/* mtasts_tlsconn_connect - non-blocking connect bounded by two deadlines */

int
mtasts_tlsconn_connect(struct mtasts_tlsconn *c,
		       const struct sockaddr_storage *addr, uint16_t port,
		       unsigned connect_ms, char *why, size_t whylen)
{
	struct sockaddr_storage ss = *addr;
	char	host[INET6_ADDRSTRLEN], ebuf[128];
	socklen_t slen, elen;
	uint64_t deadline;
	int	err = 0, r;

	mtasts_tlsconn_close(c);
	if (ss.ss_family == AF_INET) {
		((struct sockaddr_in *) &ss)->sin_port = htons(port);
		slen = sizeof(struct sockaddr_in);
		r = inet_ntop(AF_INET, &((struct sockaddr_in *) &ss)->sin_addr,
			      host, sizeof(host)) != NULL;
	} else if (ss.ss_family == AF_INET6) {
		((struct sockaddr_in6 *) &ss)->sin6_port = htons(port);
		slen = sizeof(struct sockaddr_in6);
		r = inet_ntop(AF_INET6, &((struct sockaddr_in6 *) &ss)->sin6_addr,
			      host, sizeof(host)) != NULL;
	} else {
		mtasts_why(why, whylen, "address family %d not supported",
			   (int) ss.ss_family);
		return (TLSCONN_IO);
	}
	if (!r)
		(void) snprintf(host, sizeof(host), "?");
	(void) snprintf(c->peer, sizeof(c->peer), "%s port %u", host, (unsigned) port);
	deadline = now_ms() + connect_ms;
	if (deadline > c->deadline)
		deadline = c->deadline;
	if ((c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    0)) < 0) {
		mtasts_why(why, whylen, "socket: %s", errstr(errno, ebuf, sizeof(ebuf)));
		return (TLSCONN_IO);
	}
	if (connect(c->fd, (struct sockaddr *) &ss, slen) < 0) {
		if (errno != EINPROGRESS) {
			err = errno;
		} else if ((r = wait_fd(c->fd, POLLOUT, deadline)) == 0) {
			mtasts_why(why, whylen, "connect to %s: timed out", c->peer);
			mtasts_tlsconn_close(c);
			return (TLSCONN_TIMEOUT);
		} else if (r < 0) {
			err = errno;
		} else {
			elen = sizeof(err);
			if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
				err = errno;
		}
	}
	if (err != 0) {
		mtasts_why(why, whylen, "connect to %s: %s", c->peer,
			   errstr(err, ebuf, sizeof(ebuf)));
		mtasts_tlsconn_close(c);
		return (TLSCONN_IO);
	}
	return (TLSCONN_OK);
}

/* mtasts_tlsconn_send - send all bytes in the clear */

int
mtasts_tlsconn_send(struct mtasts_tlsconn *c, const char *p, size_t len,
		    char *why, size_t whylen)
{
	char	ebuf[128];
	ssize_t	n;
	int	r;

	while (len > 0) {
		if ((n = send(c->fd, p, len, MSG_NOSIGNAL)) > 0) {
			p += n;
			len -= (size_t) n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			mtasts_why(why, whylen, "send to %s: %s", c->peer,
				   errstr(errno, ebuf, sizeof(ebuf)));
			return (TLSCONN_IO);
		}
		if ((r = wait_fd(c->fd, POLLOUT, c->deadline)) <= 0) {
			mtasts_why(why, whylen, "send to %s: %s", c->peer,
				   r == 0 ? "timed out" : errstr(errno, ebuf, sizeof(ebuf)));
			return (r == 0 ? TLSCONN_TIMEOUT : TLSCONN_IO);
		}
	}
	return (TLSCONN_OK);
}

/* mtasts_tlsconn_recv - receive some bytes in the clear; TLSCONN_EOF at end */

int
mtasts_tlsconn_recv(struct mtasts_tlsconn *c, char *p, size_t len,
		    size_t *got, char *why, size_t whylen)
{
	char	ebuf[128];
	ssize_t	n;
	int	r;

	*got = 0;
	for (;;) {
		if ((n = recv(c->fd, p, len, 0)) > 0) {
			*got = (size_t) n;
			return (TLSCONN_OK);
		}
		if (n == 0)
			return (TLSCONN_EOF);
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			mtasts_why(why, whylen, "receive from %s: %s", c->peer,
				   errstr(errno, ebuf, sizeof(ebuf)));
			return (TLSCONN_IO);
		}
		if ((r = wait_fd(c->fd, POLLIN, c->deadline)) <= 0) {
			mtasts_why(why, whylen, "receive from %s: %s", c->peer,
				   r == 0 ? "timed out" : errstr(errno, ebuf, sizeof(ebuf)));
			return (r == 0 ? TLSCONN_TIMEOUT : TLSCONN_IO);
		}
	}
}

/* flush - send whatever TLS has produced */

static int
flush(struct mtasts_tlsconn *c, char *why, size_t whylen)
{
	char	buf[IOBUF];
	int	n, rc;

	while (BIO_ctrl_pending(c->net) > 0) {
		if ((n = BIO_read(c->net, buf, sizeof(buf))) <= 0)
			break;
		if ((rc = mtasts_tlsconn_send(c, buf, (size_t) n, why, whylen)) != TLSCONN_OK)
			return (rc);
	}
	return (TLSCONN_OK);
}

/* fill - receive bytes for TLS; at end of stream tell TLS so */

static int
fill(struct mtasts_tlsconn *c, char *why, size_t whylen)
{
	char	buf[IOBUF];
	size_t	room = BIO_ctrl_get_write_guarantee(c->net), got;
	int	rc;

	if (room == 0) {
		mtasts_why(why, whylen, "TLS input buffer full");
		return (TLSCONN_TLS);
	}
	rc = mtasts_tlsconn_recv(c, buf, room < sizeof(buf) ? room : sizeof(buf),
				 &got, why, whylen);
	if (rc == TLSCONN_EOF) {
		c->peer_eof = 1;
		(void) BIO_shutdown_wr(c->net);
		return (TLSCONN_OK);
	}
	if (rc == TLSCONN_OK && BIO_write(c->net, buf, (int) got) != (int) got) {
		mtasts_why(why, whylen, "TLS input buffer error");
		return (TLSCONN_TLS);
	}
	return (rc);
}

/* tls_reason - the first OpenSSL error as text */

static void
tls_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	(void) snprintf(buf, len, "%s", r ? r : "TLS protocol error");
}

/* pump - run one TLS operation to completion or failure */

static int
pump(struct mtasts_tlsconn *c, enum op op, char *buf, size_t len,
     size_t *done, char *why, size_t whylen)
{
	char	reason[160];
	size_t	n = 0;
	int	r, err, rc;

	for (;;) {
		ERR_clear_error();
		if (op == OP_HANDSHAKE)
			r = SSL_connect(c->ssl);
		else if (op == OP_READ)
			r = SSL_read_ex(c->ssl, buf, len, &n);
		else
			r = SSL_write_ex(c->ssl, buf, len, &n);
		err = r == 1 ? SSL_ERROR_NONE : SSL_get_error(c->ssl, r);
		/* Alerts too must reach the peer, so flush even on failure. */
		if ((rc = flush(c, why, whylen)) != TLSCONN_OK && err == SSL_ERROR_NONE)
			return (rc);
		if (err == SSL_ERROR_NONE) {
			if (done)
				*done = n;
			return (TLSCONN_OK);
		}
		if (err == SSL_ERROR_WANT_READ && !c->peer_eof) {
			if ((rc = fill(c, why, whylen)) != TLSCONN_OK)
				return (rc);
			continue;
		}
		if (err == SSL_ERROR_WANT_WRITE)
			continue;
		if (err == SSL_ERROR_ZERO_RETURN)
			return (TLSCONN_EOF);
		if (op == OP_HANDSHAKE && c->verify_err != X509_V_OK) {
			mtasts_why(why, whylen, "certificate verification failed: %s",
				   X509_verify_cert_error_string(c->verify_err));
			return (TLSCONN_CERT);
		}
		if (c->peer_eof) {
			mtasts_why(why, whylen, "%s closed the connection%s", c->peer,
				   op == OP_HANDSHAKE ? " during the TLS handshake"
				   : " without TLS close_notify");
			return (op == OP_HANDSHAKE ? TLSCONN_TLS : TLSCONN_UNCLEAN);
		}
		tls_reason(reason, sizeof(reason));
		mtasts_why(why, whylen, "TLS %s with %s failed: %s",
			   op == OP_HANDSHAKE ? "handshake" : op == OP_READ ? "read"
			   : "write", c->peer, reason);
		return (TLSCONN_TLS);
	}
}

/* verify_cb - keep the first certificate problem; go on only if lenient */

static int
verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL    *ssl = X509_STORE_CTX_get_ex_data(xs,
				SSL_get_ex_data_X509_STORE_CTX_idx());
	struct mtasts_tlsconn *c = ssl ? SSL_get_app_data(ssl) : NULL;

	if (c == NULL)
		return (0);
	if (!ok && c->verify_err == X509_V_OK)
		c->verify_err = X509_STORE_CTX_get_error(xs);
	return (c->lenient ? 1 : ok);
}

/* mtasts_tlsconn_handshake - TLS with SNI and host name verification */

int
mtasts_tlsconn_handshake(struct mtasts_tlsconn *c, SSL_CTX *ctx,
			 const char *host, int lenient, char *why, size_t whylen)
{
	BIO    *inner = NULL;
	int	rc;

	c->lenient = lenient;
	c->verify_err = X509_V_OK;
	if ((c->ssl = SSL_new(ctx)) == NULL
	    || BIO_new_bio_pair(&inner, 0, &c->net, 0) != 1) {
		mtasts_why(why, whylen, "TLS setup: out of memory");
		return (TLSCONN_TLS);
	}
	SSL_set_bio(c->ssl, inner, inner);
	SSL_set_app_data(c->ssl, c);
	SSL_set_connect_state(c->ssl);
	/* Without SNI or the name check a valid certificate for any name
	 * would be accepted: both are hard errors (RFC 8461 3.3). */
	if (SSL_set_tlsext_host_name(c->ssl, host) != 1) {
		mtasts_why(why, whylen, "cannot set TLS SNI to %s", host);
		return (TLSCONN_TLS);
	}
	SSL_set_hostflags(c->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (SSL_set1_host(c->ssl, host) != 1) {
		mtasts_why(why, whylen, "cannot set %s for certificate name check", host);
		return (TLSCONN_TLS);
	}
	SSL_set_verify(c->ssl, SSL_VERIFY_PEER, verify_cb);
	if ((rc = pump(c, OP_HANDSHAKE, NULL, 0, NULL, why, whylen)) != TLSCONN_OK)
		return (rc == TLSCONN_EOF ? TLSCONN_TLS : rc);
	if (!lenient && (SSL_get_verify_result(c->ssl) != X509_V_OK
			 || c->verify_err != X509_V_OK
			 || SSL_get0_peer_certificate(c->ssl) == NULL)) {
		mtasts_why(why, whylen, "certificate verification failed: %s",
			   X509_verify_cert_error_string(c->verify_err != X509_V_OK ?
			   c->verify_err : SSL_get_verify_result(c->ssl)));
		return (TLSCONN_CERT);
	}
	return (TLSCONN_OK);
}

/* mtasts_tlsconn_write - write all bytes inside TLS */

int
mtasts_tlsconn_write(struct mtasts_tlsconn *c, const char *p, size_t len,
		     char *why, size_t whylen)
{
	return (pump(c, OP_WRITE, (char *) p, len, NULL, why, whylen));
}

/* mtasts_tlsconn_read - read some bytes inside TLS */

int
mtasts_tlsconn_read(struct mtasts_tlsconn *c, char *p, size_t len,
		    size_t *got, char *why, size_t whylen)
{
	*got = 0;
	return (pump(c, OP_READ, p, len, got, why, whylen));
}

/* mtasts_tlsconn_verify_error - first certificate problem or X509_V_OK */

long
mtasts_tlsconn_verify_error(const struct mtasts_tlsconn *c)
{
	return (c->verify_err);
}

/* mtasts_tlsconn_close - release SSL, BIOs and socket */

void
mtasts_tlsconn_close(struct mtasts_tlsconn *c)
{
	if (c->ssl != NULL) {
		SSL_free(c->ssl);		/* frees the inner BIO too */
		c->ssl = NULL;
	}
	if (c->net != NULL) {
		BIO_free(c->net);
		c->net = NULL;
	}
	if (c->fd >= 0) {
		(void) close(c->fd);
		c->fd = -1;
	}
	c->peer_eof = 0;
}
