/*++
 * NAME
 *	tlsrpt_https 3
 * SUMMARY
 *	POST a report to an https: rua endpoint (RFC 8460 5.4)
 * SYNOPSIS
 *	#include <mtasts/tlsrpt.h>
 * DESCRIPTION
 *	mtasts_tlsrpt_https_post() resolves the URI's host through the
 *	core's DNS (not /etc/hosts, like every other lookup of mtasts),
 *	connects to its addresses in order on the URI's port, runs TLS
 *	through src/tlsconn.c and sends one HTTP/1.1 POST with
 *	Content-Type application/tlsrpt+gzip and a Content-Length. The
 *	reply is read only up to its status: 5.4 names 200 or 201, any 2xx
 *	is taken as accepted; everything else is a failure that the caller
 *	retries on its next run. tlsrpt.timeout bounds the whole exchange.
 * SECURITY
 *	RFC 8460 3 allows a sender to ignore certificate errors here; this
 *	one does not: the certificate must chain to tls.ca_file (or the
 *	system store) and name the host, as for policy fetches, so a report
 *	describing our traffic goes only to the endpoint the domain named.
 *	The status line's reason text is sanitised before it is shown.
 *--*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <mtasts/dns.h>
#include <mtasts/fetch.h>
#include <mtasts/http.h>
#include <mtasts/limits.h>
#include <mtasts/tlsrpt.h>

#include "tlsconn.h"

/* read_status - read until the reply head is in; its status, or -1 */

static int
read_status(struct mtasts_tlsconn *c, struct mtasts_http *h, char *err,
	    size_t errlen)
{
	char	buf[4096], herr[MTASTS_REASON_MAX];
	size_t	got, used;
	int	rc;

	while (!mtasts_http_head_done(h)) {
		rc = mtasts_tlsconn_read(c, buf, sizeof(buf), &got, err, errlen);
		if (rc == TLSCONN_EOF || rc == TLSCONN_UNCLEAN) {
			if (!mtasts_http_head_done(h)) {
				mtasts_why(err, errlen, "connection closed before a"
					   " reply");
				return (-1);
			}
			break;
		}
		if (rc != TLSCONN_OK)
			return (-1);
		if (mtasts_http_feed(h, buf, got, &used, herr, sizeof(herr))
		    == MTASTS_PERM && !mtasts_http_head_done(h)) {
			mtasts_why(err, errlen, "bad HTTP reply: %s", herr);
			return (-1);
		}
	}
	return (mtasts_http_status(h));
}

/* mtasts_tlsrpt_https_post - deliver one report by HTTPS POST */

enum mtasts_status
mtasts_tlsrpt_https_post(const struct mtasts_config *cfg,
			 struct mtasts_dns *dns,
			 const struct mtasts_tlsrpt_uri *u, const char *body,
			 size_t len, char *why, size_t whylen)
{
	struct mtasts_fetch_opts o;
	struct mtasts_fetch_ctx *fc = NULL;
	struct mtasts_addr_list *addrs = NULL;
	struct mtasts_http *h = NULL;
	struct mtasts_tlsconn c;
	struct mtasts_buf req = {0};
	char	err[MTASTS_REASON_MAX];
	enum mtasts_status st = MTASTS_TEMP;
	unsigned timeout_ms = cfg->tlsrpt_timeout * 1000;
	int	rc = TLSCONN_IO, status;
	size_t	i;

	mtasts_tlsconn_init(&c, timeout_ms);
	if (u->scheme != MTASTS_TLSRPT_HTTPS) {
		mtasts_why(why, whylen, "%s: not an https: URI", u->uri);
		return (MTASTS_PERM);
	}
	memset(&o, 0, sizeof(o));
	o.ca_file = cfg->ca_file;
	o.ca_path = cfg->ca_path;
	o.timeout_ms = timeout_ms;
	o.port = u->port;
	if ((fc = mtasts_fetch_ctx_new(&o, err, sizeof(err))) == NULL) {
		mtasts_why(why, whylen, "%s: %s", u->uri, err);
		goto out;
	}
	if (mtasts_dns_addrs(dns, u->host, AF_UNSPEC,
			     timeout_ms < MTASTS_DNS_TIMEOUT_MAX ? timeout_ms :
			     MTASTS_DNS_TIMEOUT_MAX, &addrs, err, sizeof(err))
	    != MTASTS_OK || addrs->n == 0) {
		mtasts_why(why, whylen, "%s: no address for %s: %s", u->uri,
			   u->host, addrs ? "no records" : err);
		goto out;
	}
	for (i = 0; i < addrs->n; i++)
		if ((rc = mtasts_tlsconn_connect(&c, &addrs->addr[i], fc->port,
				fc->connect_ms, err, sizeof(err))) == TLSCONN_OK)
			break;
	if (rc != TLSCONN_OK
	    || (rc = mtasts_tlsconn_handshake(&c, fc->ssl_ctx, u->host, 0, err,
					      sizeof(err))) != TLSCONN_OK) {
		mtasts_why(why, whylen, "%s: %s", u->uri, err);
		goto out;
	}
	mtasts_buf_printf(&req, "POST %s HTTP/1.1\r\nHost: %s", u->path, u->host);
	if (u->port != MTASTS_FETCH_PORT_DEFAULT)
		mtasts_buf_printf(&req, ":%u", (unsigned) u->port);
	mtasts_buf_printf(&req, "\r\nUser-Agent: mtasts/" PACKAGE_VERSION "\r\n"
			  "Content-Type: application/tlsrpt+gzip\r\n"
			  "Content-Length: %zu\r\nConnection: close\r\n\r\n", len);
	mtasts_buf_append(&req, body, len);
	if (req.oom || (h = mtasts_http_new(MTASTS_TLSRPT_REPLY_MAX)) == NULL) {
		mtasts_why(why, whylen, "%s: out of memory", u->uri);
		goto out;
	}
	if (mtasts_tlsconn_write(&c, req.data, req.len, err, sizeof(err))
	    != TLSCONN_OK || (status = read_status(&c, h, err, sizeof(err))) < 0) {
		mtasts_why(why, whylen, "%s: %s", u->uri, err);
		goto out;
	}
	if (status < 200 || status > 299) {
		mtasts_why(why, whylen, "%s: HTTP status %d (not accepted)", u->uri,
			   status);
		goto out;
	}
	st = MTASTS_OK;
out:
	mtasts_http_free(h);
	mtasts_buf_free(&req);
	mtasts_tlsconn_close(&c);
	mtasts_addr_list_free(addrs);
	mtasts_fetch_ctx_free(fc);
	ERR_clear_error();
	return (st);
}
