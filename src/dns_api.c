/*++
 * NAME
 *	dns_api 3
 * SUMMARY
 *	the lookup entry points of dns.h: blocking and asynchronous
 * SYNOPSIS
 *	#include <mtasts/dns.h>
 * DESCRIPTION
 *	Thin wrappers around mtasts_dns_submit() (src/dns.c) that check the
 *	kind of handle and shape the result.
 *
 *	The blocking functions (CLI, Exim module) start the lookup on the
 *	handle's private event loop and run that loop until the lookup calls
 *	back. The lookup's own timer bounds the wait, so they return within
 *	the timeout (plus a fraction of a second) whatever the network does.
 *	They refuse a handle bound to a caller's event base: running a
 *	daemon's loop from inside one of its callbacks would run unrelated
 *	events re-entrantly.
 *
 *	The _async functions refuse a handle without a caller's event base:
 *	its private loop runs only inside blocking calls, so nothing would
 *	ever call back.
 *--*/
#include "config.h"

#include <string.h>

#include <event2/event.h>

#include <mtasts/dns.h>
#include <mtasts/status.h>

#include "dns_int.h"

struct dns_wait {
	int	done;
	enum mtasts_status status;
	char	why[MTASTS_REASON_MAX];
	struct mtasts_dns_result res;
};

/* dns_wait_cb - keep the result; take the lists over */

static void
dns_wait_cb(void *arg, enum mtasts_status status,
	            struct mtasts_dns_result *res, const char *why)
{
	struct dns_wait *w = arg;

	w->done = 1;
	w->status = status;
	mtasts_why(w->why, sizeof(w->why), "%s", why);
	w->res = *res;
	res->mx = NULL;
	res->addrs = NULL;
}

/* dns_wait - run one lookup to its end */

static enum mtasts_status
dns_wait(struct mtasts_dns *dns, enum mtasts_dns_kind kind, const char *name,
	         int family, unsigned timeout_ms, struct dns_wait *w,
	         char *why, size_t whylen)
{
	struct event_base *base = mtasts_dns_own_base(dns);
	struct mtasts_dns_query *q;
	enum mtasts_status st;

	memset(w, 0, sizeof(*w));
	if (dns != NULL && base == NULL) {
		mtasts_why(why, whylen, "blocking lookup on a resolver bound to"
			   " an event base");
		return (MTASTS_PERM);
	}
	st = mtasts_dns_submit(dns, kind, name, family, timeout_ms, dns_wait_cb,
			       w, &q, why, whylen);
	if (st != MTASTS_OK)
		return (st);
	while (!w->done) {
		/* 1 means "nothing pending": impossible while the timer is. */
		if (event_base_loop(base, EVLOOP_ONCE) != 0) {
			mtasts_dns_cancel(q);
			mtasts_why(why, whylen, "resolver: event loop failed");
			return (MTASTS_TEMP);
		}
	}
	mtasts_why(why, whylen, "%s", w->why);
	return (w->status);
}

/* mtasts_dns_sts_txt - blocking _mta-sts TXT lookup */

enum mtasts_status
mtasts_dns_sts_txt(struct mtasts_dns *dns, const char *domain,
		           unsigned timeout_ms, struct mtasts_txt *out,
		           char *why, size_t whylen)
{
	struct dns_wait w;
	enum mtasts_status st;

	st = dns_wait(dns, MTASTS_DNS_STS_TXT, domain, AF_UNSPEC, timeout_ms, &w,
		      why, whylen);
	if (st == MTASTS_OK && out != NULL)
		*out = w.res.txt;
	return (st);
}

/* mtasts_dns_mx - blocking MX lookup */

enum mtasts_status
mtasts_dns_mx(struct mtasts_dns *dns, const char *domain,
	              unsigned timeout_ms, struct mtasts_mx_list **out,
	              char *why, size_t whylen)
{
	struct dns_wait w;
	enum mtasts_status st;

	if (out != NULL)
		*out = NULL;
	st = dns_wait(dns, MTASTS_DNS_MX, domain, AF_UNSPEC, timeout_ms, &w,
		      why, whylen);
	if (st == MTASTS_OK && out != NULL)
		*out = w.res.mx;
	else
		mtasts_mx_list_free(w.res.mx);
	return (st);
}

/* mtasts_dns_addrs - blocking A/AAAA lookup */

enum mtasts_status
mtasts_dns_addrs(struct mtasts_dns *dns, const char *host, int family,
		         unsigned timeout_ms, struct mtasts_addr_list **out,
		         char *why, size_t whylen)
{
	struct dns_wait w;
	enum mtasts_status st;

	if (out != NULL)
		*out = NULL;
	st = dns_wait(dns, MTASTS_DNS_ADDRS, host, family, timeout_ms, &w,
		      why, whylen);
	if (st == MTASTS_OK && out != NULL)
		*out = w.res.addrs;
	else
		mtasts_addr_list_free(w.res.addrs);
	return (st);
}

/* dns_async - the _async entry points: a caller's loop is required */

static enum mtasts_status
dns_async(struct mtasts_dns *dns, enum mtasts_dns_kind kind,
	          const char *name, int family, unsigned timeout_ms,
	          mtasts_dns_cb cb, void *arg, struct mtasts_dns_query **qp,
	          char *why, size_t whylen)
{
	if (mtasts_dns_own_base(dns) != NULL) {
		mtasts_why(why, whylen, "asynchronous lookup on a resolver made"
			   " without an event base");
		return (MTASTS_PERM);
	}
	return (mtasts_dns_submit(dns, kind, name, family, timeout_ms, cb, arg,
				  qp, why, whylen));
}

/* mtasts_dns_sts_txt_async - start the _mta-sts TXT lookup */

enum mtasts_status
mtasts_dns_sts_txt_async(struct mtasts_dns *dns, const char *domain,
			         unsigned timeout_ms, mtasts_dns_cb cb, void *arg,
			         struct mtasts_dns_query **qp, char *why, size_t whylen)
{
	return (dns_async(dns, MTASTS_DNS_STS_TXT, domain, AF_UNSPEC, timeout_ms,
			  cb, arg, qp, why, whylen));
}

/* mtasts_dns_mx_async - start an MX lookup */

enum mtasts_status
mtasts_dns_mx_async(struct mtasts_dns *dns, const char *domain,
		            unsigned timeout_ms, mtasts_dns_cb cb, void *arg,
		            struct mtasts_dns_query **qp, char *why, size_t whylen)
{
	return (dns_async(dns, MTASTS_DNS_MX, domain, AF_UNSPEC, timeout_ms,
			  cb, arg, qp, why, whylen));
}

/* mtasts_dns_addrs_async - start an A/AAAA lookup */

enum mtasts_status
mtasts_dns_addrs_async(struct mtasts_dns *dns, const char *host, int family,
		               unsigned timeout_ms, mtasts_dns_cb cb, void *arg,
		               struct mtasts_dns_query **qp, char *why, size_t whylen)
{
	return (dns_async(dns, MTASTS_DNS_ADDRS, host, family, timeout_ms,
			  cb, arg, qp, why, whylen));
}
