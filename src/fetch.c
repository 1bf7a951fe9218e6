/*++
 * NAME
 *	fetch 3
 * SUMMARY
 *	RFC 8461 3.3 policy fetch over HTTPS (OpenSSL)
 * SYNOPSIS
 *	#include <mtasts/fetch.h>
 * DESCRIPTION
 *	See fetch.h. The SSL_CTX is built once: TLS 1.2 or newer, peer
 *	verification on, the trust store loaded. Each fetch connects (trying
 *	the addresses in order), runs the handshake through src/tlsconn.c,
 *	sends one HTTP/1.1 GET and feeds the reply to the pure parser in
 *	src/http.c, judging the status and Content-Type as soon as the head
 *	is in so that a 404 or a redirect is not read to the end.
 * SECURITY
 *	RFC 8461 3.3: the certificate must be valid for mta-sts.DOMAIN and
 *	chain to a trusted root; redirects are not followed; the body is cut
 *	off at 64 KiB. A body framed by the end of the connection is only
 *	accepted after a TLS close_notify, since a truncated policy must not
 *	pass for a whole one.
 *--*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <mtasts/domain.h>
#include <mtasts/fetch.h>
#include <mtasts/http.h>
#include <mtasts/limits.h>

#include "tlsconn.h"

#define POLICY_PATH	"/.well-known/mta-sts.txt"

/* mtasts_fetch_ctx_new - SSL_CTX and limits for many fetches */

struct mtasts_fetch_ctx *
mtasts_fetch_ctx_new(const struct mtasts_fetch_opts *o, char *why, size_t whylen)
{
	struct mtasts_fetch_ctx *fc;
	unsigned long e;
	char	err[160];

	if ((fc = calloc(1, sizeof(*fc))) == NULL) {
		mtasts_why(why, whylen, "out of memory");
		return (NULL);
	}
	fc->timeout_ms = o->timeout_ms ? o->timeout_ms
		: MTASTS_FETCH_TIMEOUT_DEFAULT * 1000;
	fc->connect_ms = o->connect_timeout_ms ? o->connect_timeout_ms
		: MTASTS_FETCH_CONNECT_TIMEOUT_DEFAULT * 1000;
	if (fc->connect_ms > fc->timeout_ms)
		fc->connect_ms = fc->timeout_ms;
	fc->port = o->port ? o->port : MTASTS_FETCH_PORT_DEFAULT;
	ERR_clear_error();
	if ((fc->ssl_ctx = SSL_CTX_new(TLS_client_method())) == NULL
	    || SSL_CTX_set_min_proto_version(fc->ssl_ctx, TLS1_2_VERSION) != 1) {
		mtasts_why(why, whylen, "cannot set up TLS (TLS 1.2 minimum)");
		goto bad;
	}
	SSL_CTX_set_verify(fc->ssl_ctx, SSL_VERIFY_PEER, NULL);
	if (o->ca_file != NULL || o->ca_path != NULL) {
		if (SSL_CTX_load_verify_locations(fc->ssl_ctx, o->ca_file,
						  o->ca_path) != 1) {
			e = ERR_peek_error();
			(void) snprintf(err, sizeof(err), "%s",
				e && ERR_reason_error_string(e) ?
				ERR_reason_error_string(e) : "unknown error");
			mtasts_why(why, whylen, "cannot load CA %s%s%s: %s",
				   o->ca_file ? o->ca_file : "",
				   o->ca_file && o->ca_path ? " and " : "",
				   o->ca_path ? o->ca_path : "", err);
			goto bad;
		}
	} else if (SSL_CTX_set_default_verify_paths(fc->ssl_ctx) != 1) {
		mtasts_why(why, whylen, "cannot load the system trust store");
		goto bad;
	}
	return (fc);
bad:
	ERR_clear_error();
	mtasts_fetch_ctx_free(fc);
	return (NULL);
}

/* mtasts_fetch_ctx_new_config - context from the loaded configuration */

struct mtasts_fetch_ctx *
mtasts_fetch_ctx_new_config(const struct mtasts_config *cfg, char *why,
			    size_t whylen)
{
	struct mtasts_fetch_opts o;

	memset(&o, 0, sizeof(o));
	o.ca_file = cfg->ca_file;
	o.ca_path = cfg->ca_path;
	o.timeout_ms = cfg->fetch_timeout * 1000;
	return (mtasts_fetch_ctx_new(&o, why, whylen));
}

/* mtasts_fetch_ctx_free - release a context */

void
mtasts_fetch_ctx_free(struct mtasts_fetch_ctx *fc)
{
	if (fc == NULL)
		return;
	SSL_CTX_free(fc->ssl_ctx);
	free(fc);
}

/* fetch_fail - set result type and reason, return MTASTS_TEMP */

static enum mtasts_status
fetch_fail(const char **result_type, const char *type, char *why,
	   size_t whylen, const char *host, const char *what)
{
	*result_type = type;
	mtasts_why(why, whylen, "%s: %s", host, what);
	return (MTASTS_TEMP);
}

/* read_response - read the reply into h and judge it */

static enum mtasts_status
read_response(struct mtasts_tlsconn *c, struct mtasts_http *h,
	      char *err, size_t errlen)
{
	char	buf[16384], herr[MTASTS_REASON_MAX];
	enum mtasts_status st = MTASTS_NONE;
	int	checked = 0, rc;
	size_t	got, used;

	while (st == MTASTS_NONE) {
		rc = mtasts_tlsconn_read(c, buf, sizeof(buf), &got, err, errlen);
		switch (rc) {
		case TLSCONN_OK:
			st = mtasts_http_feed(h, buf, got, &used, herr, sizeof(herr));
			break;
		case TLSCONN_EOF:
			st = mtasts_http_eof(h, herr, sizeof(herr));
			break;
		case TLSCONN_UNCLEAN:
			/* A body framed by the close needs a signed close:
			 * else it may have been cut. err says so already. */
			if (mtasts_http_eof(h, herr, sizeof(herr)) == MTASTS_OK)
				return (MTASTS_PERM);
			st = MTASTS_PERM;
			break;
		default:
			/* Timeout or TLS error: a bad status says more. */
			if (!checked && mtasts_http_head_done(h))
				(void) mtasts_http_check_policy(h, err, errlen);
			return (MTASTS_PERM);
		}
		/* Judge status and Content-Type as soon as the head is in:
		 * a 404 or a redirect need not be read to the end. */
		if (!checked && mtasts_http_head_done(h)) {
			checked = 1;
			if (mtasts_http_check_policy(h, err, errlen) != MTASTS_OK)
				return (MTASTS_PERM);
		}
	}
	if (st == MTASTS_OK)
		return (MTASTS_OK);
	if (st == MTASTS_TEMP)
		mtasts_why(err, errlen, "out of memory");
	else
		mtasts_why(err, errlen, "bad HTTP response: %s", herr);
	return (st);
}

/* mtasts_fetch_policy - fetch https://mta-sts.DOMAIN/.well-known/mta-sts.txt */

enum mtasts_status
mtasts_fetch_policy(const struct mtasts_fetch_ctx *fc, const char *domain,
		    const struct sockaddr_storage *addrs, size_t naddrs,
		    char **body, size_t *bodylen, const char **result_type,
		    char *why, size_t whylen)
{
	char	host[MTASTS_DOMAIN_MAX + 2], name[MTASTS_DOMAIN_MAX + 2];
	char	req[MTASTS_DOMAIN_MAX + 256], err[MTASTS_REASON_MAX];
	struct mtasts_tlsconn c;
	struct mtasts_http *h = NULL;
	enum mtasts_status st;
	size_t	i, len;
	int	n, rc = TLSCONN_IO;

	*body = NULL;
	*bodylen = 0;
	*result_type = MTASTS_RESULT_FETCH_ERROR;
	len = strlen(domain);
	if (len > 0 && domain[len - 1] == '.')
		len--;
	n = snprintf(name, sizeof(name), "%.*s", (int) len, domain);
	if (n < 0 || (size_t) n >= sizeof(name) || !mtasts_domain_valid(name)
	    || (n = snprintf(host, sizeof(host), "mta-sts.%s", name)) < 0
	    || (size_t) n > MTASTS_DOMAIN_MAX) {
		mtasts_why(why, whylen, "invalid policy domain \"%s\"",
			   mtasts_sanitize(domain, strlen(domain), err, sizeof(err)));
		return (MTASTS_PERM);
	}
	if (naddrs == 0) {
		/* Most likely mta-sts.DOMAIN did not resolve: a fetch error. */
		mtasts_why(why, whylen, "%s: no address to connect to", host);
		return (MTASTS_TEMP);
	}
	n = snprintf(req, sizeof(req), "GET " POLICY_PATH " HTTP/1.1\r\n"
		     "Host: %s\r\nUser-Agent: mtasts/" PACKAGE_VERSION "\r\n"
		     "Accept: text/plain\r\nConnection: close\r\n\r\n", host);
	if (n < 0 || (size_t) n >= sizeof(req)) {
		mtasts_why(why, whylen, "%s: request too long", host);
		return (MTASTS_PERM);
	}
	mtasts_tlsconn_init(&c, fc->timeout_ms);
	for (i = 0; i < naddrs; i++)
		if ((rc = mtasts_tlsconn_connect(&c, &addrs[i], fc->port,
				fc->connect_ms, err, sizeof(err))) == TLSCONN_OK)
			break;
	if (rc != TLSCONN_OK) {
		/* The last error says most; earlier ones were alike or older. */
		st = fetch_fail(result_type, MTASTS_RESULT_FETCH_ERROR, why,
				whylen, host, err);
		goto out;
	}
	if ((rc = mtasts_tlsconn_handshake(&c, fc->ssl_ctx, host, 0, err,
					   sizeof(err))) != TLSCONN_OK) {
		st = fetch_fail(result_type, rc == TLSCONN_CERT ?
				MTASTS_RESULT_WEBPKI_INVALID : MTASTS_RESULT_FETCH_ERROR,
				why, whylen, host, err);
		goto out;
	}
	if (mtasts_tlsconn_write(&c, req, (size_t) n, err, sizeof(err)) != TLSCONN_OK) {
		st = fetch_fail(result_type, MTASTS_RESULT_FETCH_ERROR, why, whylen,
				host, err);
		goto out;
	}
	if ((h = mtasts_http_new(MTASTS_POLICY_MAX)) == NULL) {
		st = fetch_fail(result_type, MTASTS_RESULT_FETCH_ERROR, why, whylen,
				host, "out of memory");
		goto out;
	}
	if ((st = read_response(&c, h, err, sizeof(err))) != MTASTS_OK) {
		st = fetch_fail(result_type, MTASTS_RESULT_FETCH_ERROR, why, whylen,
				host, err);
		goto out;
	}
	if ((*body = mtasts_http_take_body(h, bodylen)) == NULL) {
		st = fetch_fail(result_type, MTASTS_RESULT_FETCH_ERROR, why, whylen,
				host, "out of memory");
		goto out;
	}
	*result_type = NULL;
	st = MTASTS_OK;
out:
	mtasts_http_free(h);
	mtasts_tlsconn_close(&c);
	ERR_clear_error();
	return (st);
}
