/*++
 * NAME
 *	dns 3
 * SUMMARY
 *	DNS lookups for MTA-STS through getdns, driven by libevent
 * SYNOPSIS
 *	#include <mtasts/dns.h>
 * DESCRIPTION
 *	See dns.h for the interface. This file holds the resolver handle
 *	and the life of one lookup; src/dns_answer.c reads the answers,
 *	src/dns_loop.c connects getdns to libevent, src/dns_api.c has the
 *	public lookup functions (blocking and _async).
 *
 *	A lookup (struct mtasts_dns_query) holds one getdns transaction per
 *	RR type (two for A+AAAA), each with its own CNAME re-queries, and one
 *	libevent timer. The timer is the backstop for the caller's timeout;
 *	when every transaction is done the same event is made active, so the
 *	caller's callback always runs from the event loop, never from inside
 *	getdns. That makes it safe for a callback to start, cancel or free
 *	anything, the handle included.
 * SECURITY
 *	Names go to getdns only as checked absolute host names, so neither
 *	resolv.conf search suffixes nor presentation-format escapes can
 *	change what is asked. A handle never waits longer than its caller
 *	said: each lookup's timer fires even if getdns misbehaves.
 *--*/
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <getdns/getdns.h>
#include <getdns/getdns_extra.h>

#include <mtasts/dns.h>
#include <mtasts/limits.h>
#include <mtasts/status.h>

#include "dns_int.h"

/*
 * getdns gets the caller's timeout and normally reports the timeout
 * itself: then it also counts the silent upstream and moves on to the
 * next configured server for later lookups. Our own timer waits this
 * much longer, only to catch a getdns that never calls back.
 */
#define DNS_TIMER_GRACE_MS	250

/*
 * With several servers the caller's timeout is split into attempts, as
 * resolv.conf's "timeout" and "attempts" do: getdns moves to the next
 * server after one timed out, so a dead first server costs one share of
 * the time instead of failing the lookup. A share is never shorter than
 * this, and a retry needs at least DNS_ATTEMPT_MIN_MS left.
 */
#define DNS_ATTEMPT_MS		1000
#define DNS_ATTEMPT_MIN_MS	100

#define SUB_IDLE	0		/* not asked yet */
#define SUB_PENDING	1		/* getdns transaction in flight */
#define SUB_DONE	2		/* answer (or failure) in ans */

struct dns_sub {
	struct mtasts_dns_query *q;
	uint16_t rrtype;
	int	state;
	getdns_transaction_t tid;
	int	links;			/* CNAME links so far, all replies */
	size_t	attempts;		/* timed-out tries of this name */
	char	name[DNS_QNAME_MAX];	/* absolute name asked now */
	struct dns_answer ans;
};

struct mtasts_dns_query {
	struct mtasts_dns *dns;
	struct mtasts_dns_query *prev;
	struct mtasts_dns_query *next;
	enum mtasts_dns_kind kind;
	mtasts_dns_cb cb;
	void   *arg;
	unsigned timeout_ms;
	long	deadline;		/* dns_now_ms() + timeout_ms */
	struct event *ev;		/* timeout, then delivery */
	int	done;			/* result below is final */
	int	delivering;		/* callback running: no cancel */
	char	qname[DNS_QNAME_MAX];	/* absolute name first asked */
	int	nsub;
	struct dns_sub sub[2];
	enum mtasts_status status;
	char	why[MTASTS_REASON_MAX];
	struct mtasts_dns_result res;
};

struct mtasts_dns {
	struct dns_loop loop;		/* getdns' view of base */
	getdns_context *ctx;
	struct event_base *base;
	int	own_base;		/* private loop: blocking use only */
	size_t	nservers;		/* upstreams, for attempts */
	size_t	inflight;
	struct mtasts_dns_query *queries;
};

 /*
  * The handle.
  */

/* mtasts_dns_servers - resolver.servers into getdns upstreams */

enum mtasts_status
mtasts_dns_servers(getdns_context *ctx, const struct mtasts_config *cfg,
	            char *why, size_t whylen)
{
	unsigned char addr[16];
	char	shown[MTASTS_PEER_TEXT_MAX];
	getdns_bindata data;
	getdns_list *list;
	getdns_dict *d = NULL;
	getdns_return_t r;
	size_t	i;
	int	v6;

	if ((list = getdns_list_create()) == NULL)
		goto nomem;
	for (i = 0; i < cfg->nservers; i++) {
		const struct mtasts_server *srv = cfg->servers + i;

		v6 = 0;
		if (inet_pton(AF_INET, srv->host, addr) != 1) {
			if (inet_pton(AF_INET6, srv->host, addr) != 1) {
				getdns_list_destroy(list);
				mtasts_why(why, whylen, "resolver server \"%s\" is not"
				" an IP address", mtasts_sanitize(srv->host,
				strlen(srv->host), shown, sizeof(shown)));
				return (MTASTS_PERM);
			}
			v6 = 1;
		}
		data.size = v6 ? 16 : 4;
		data.data = addr;
		if ((d = getdns_dict_create()) == NULL
		    || getdns_dict_util_set_string(d, "address_type",
						   v6 ? "IPv6" : "IPv4")
		    || getdns_dict_set_bindata(d, "address_data", &data)
		    || getdns_dict_set_int(d, "port", srv->port ? srv->port : 53)
		    || getdns_list_set_dict(list, i, d))
			goto nomem;
		getdns_dict_destroy(d);
		d = NULL;
	}
	r = getdns_context_set_upstream_recursive_servers(ctx, list);
	getdns_list_destroy(list);
	if (r != GETDNS_RETURN_GOOD) {
		mtasts_why(why, whylen, "resolver servers: %s",
			   getdns_get_errorstr_by_id(r));
		return (MTASTS_PERM);
	}
	return (MTASTS_OK);
nomem:
	getdns_dict_destroy(d);
	getdns_list_destroy(list);
	mtasts_why(why, whylen, "resolver servers: out of memory");
	return (MTASTS_TEMP);
}

/* mtasts_dns_new - create a resolver handle */

struct mtasts_dns *
mtasts_dns_new(const struct mtasts_config *cfg, struct event_base *base,
	               char *why, size_t whylen)
{
	struct mtasts_dns *dns;
	getdns_list *up;
	getdns_return_t r;
	size_t	nup = 0;
	int	servers = cfg != NULL && cfg->nservers > 0;

	if ((dns = calloc(1, sizeof(*dns))) == NULL) {
		mtasts_why(why, whylen, "resolver: out of memory");
		return (NULL);
	}
	if ((dns->base = base) == NULL) {
		dns->own_base = 1;
		if ((dns->base = event_base_new()) == NULL) {
			mtasts_why(why, whylen, "resolver: cannot create event loop");
			free(dns);
			return (NULL);
		}
	}
	mtasts_dns_loop_init(&dns->loop, dns->base);

	/*
	 * 1: read resolv.conf and /etc/hosts like every other program here.
	 * With servers of our own, resolv.conf is not needed: a host without
	 * one must still work, so try again without it.
	 */
	r = getdns_context_create(&dns->ctx, 1);
	if (r != GETDNS_RETURN_GOOD && servers)
		r = getdns_context_create(&dns->ctx, 0);
	if (r != GETDNS_RETURN_GOOD) {
		dns->ctx = NULL;
		mtasts_why(why, whylen, "resolver: %s (is /etc/resolv.conf"
			   " readable?)", getdns_get_errorstr_by_id(r));
		goto fail;
	}
	/* Stub: the configured or system resolver does the recursion. */
	if ((r = getdns_context_set_resolution_type(dns->ctx,
					  GETDNS_RESOLUTION_STUB)) != GETDNS_RETURN_GOOD
	    || (r = getdns_context_set_append_name(dns->ctx,
				    GETDNS_APPEND_NAME_NEVER)) != GETDNS_RETURN_GOOD
	    || (r = getdns_context_set_eventloop(dns->ctx, &dns->loop.loop))
	    != GETDNS_RETURN_GOOD) {
		mtasts_why(why, whylen, "resolver: %s",
			   getdns_get_errorstr_by_id(r));
		goto fail;
	}
	if (servers) {
		if (mtasts_dns_servers(dns->ctx, cfg, why, whylen) != MTASTS_OK)
			goto fail;
		nup = cfg->nservers;
	} else if (getdns_context_get_upstream_recursive_servers(dns->ctx, &up)
		   == GETDNS_RETURN_GOOD) {
		(void) getdns_list_get_length(up, &nup);
		getdns_list_destroy(up);
	}
	if (nup == 0) {
		mtasts_why(why, whylen, "resolver: no name server in"
			   " /etc/resolv.conf and none configured");
		goto fail;
	}
	dns->nservers = nup;
	return (dns);
fail:
	mtasts_dns_free(dns);
	return (NULL);
}

 /*
  * One lookup.
  */

static void dns_query_check(struct mtasts_dns_query *);

/* dns_unlink - take a lookup off its handle's list */

static void
dns_unlink(struct mtasts_dns_query *q)
{
	struct mtasts_dns *dns = q->dns;

	if (q->prev)
		q->prev->next = q->next;
	else
		dns->queries = q->next;
	if (q->next)
		q->next->prev = q->prev;
	q->prev = q->next = NULL;
	dns->inflight--;
}

/* dns_query_free - release a lookup that is off the list */

static void
dns_query_free(struct mtasts_dns_query *q)
{
	int	i;

	for (i = 0; i < q->nsub; i++)
		mtasts_dns_answer_free(&q->sub[i].ans);
	mtasts_mx_list_free(q->res.mx);
	mtasts_addr_list_free(q->res.addrs);
	if (q->ev)
		event_free(q->ev);
	free(q);
}

/* dns_sub_cancel - stop a transaction still in getdns */

static void
dns_sub_cancel(struct dns_sub *s)
{
	if (s->state != SUB_PENDING)
		return;
	/* Marked first: getdns calls us back (CANCEL) from inside. */
	s->state = SUB_DONE;
	(void) getdns_cancel_callback(s->q->dns->ctx, s->tid);
}

static void dns_getdns_done(getdns_context *, getdns_callback_type_t,
			            getdns_dict *, void *, getdns_transaction_t);

/* dns_now_ms - monotonic milliseconds */

static long
dns_now_ms(void)
{
	struct timespec ts;

	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* dns_sub_start - ask getdns for s->name */

static getdns_return_t
dns_sub_start(struct dns_sub *s)
{
	struct mtasts_dns *dns = s->q->dns;
	long	left = s->q->deadline - dns_now_ms(), share;
	getdns_return_t r;

	if (left < 1)
		left = 1;
	share = (long) (s->q->timeout_ms / (dns->nservers ? dns->nservers : 1));
	if (share < DNS_ATTEMPT_MS)
		share = DNS_ATTEMPT_MS;
	/* The last server we may still reach gets all that is left. */
	if (share > left || s->attempts + 1 >= dns->nservers)
		share = left;
	/* Per request: getdns reads it when the request is made. */
	(void) getdns_context_set_timeout(dns->ctx, (uint64_t) share);
	s->state = SUB_PENDING;
	r = getdns_general(dns->ctx, s->name, s->rrtype, NULL, s, &s->tid,
			   dns_getdns_done);
	if (r != GETDNS_RETURN_GOOD && s->state == SUB_PENDING)
		s->state = SUB_IDLE;
	return (r);
}

/* dns_getdns_done - getdns finished one transaction */

static void
dns_getdns_done(getdns_context *ctx, getdns_callback_type_t type,
		        getdns_dict *resp, void *userarg, getdns_transaction_t tid)
{
	struct dns_sub *s = userarg;
	getdns_return_t r;

	if (type == GETDNS_CALLBACK_CANCEL) {
		/* Our own cancel: the lookup is being finished or freed. */
		getdns_dict_destroy(resp);
		return;
	}
	mtasts_dns_answer_parse(type, resp, s->rrtype, s->name,
				s->q->timeout_ms, &s->ans);
	getdns_dict_destroy(resp);
	if (s->ans.timedout && ++s->attempts < s->q->dns->nservers
	    && s->q->deadline - dns_now_ms() >= DNS_ATTEMPT_MIN_MS
	    && dns_sub_start(s) == GETDNS_RETURN_GOOD)
		return;
	s->links += s->ans.links;
	if (s->ans.chase) {
		if (s->links > MTASTS_DNS_CNAME_MAX) {
			mtasts_why(s->ans.why, sizeof(s->ans.why), "%s %.*s: CNAME"
				   " chain longer than %d", mtasts_dns_type_str(s->rrtype),
				   (int) strlen(s->q->qname) - 1, s->q->qname,
				   MTASTS_DNS_CNAME_MAX);
		} else {
			/* The server did not follow the CNAME: ask the target. */
			memcpy(s->name, s->ans.target, sizeof(s->name));
			if ((r = dns_sub_start(s)) == GETDNS_RETURN_GOOD)
				return;
			s->ans.status = MTASTS_TEMP;
			mtasts_why(s->ans.why, sizeof(s->ans.why), "%s %.*s: %s",
				   mtasts_dns_type_str(s->rrtype),
				   (int) strlen(s->name) - 1, s->name,
				   getdns_get_errorstr_by_id(r));
		}
	}
	s->state = SUB_DONE;
	dns_query_check(s->q);
}

/* dns_addrs_finish - combine the A and AAAA answers */

static void
dns_addrs_finish(struct mtasts_dns_query *q)
{
	struct dns_answer *a;
	size_t	total = 0, i;
	int	ok = 0, temp = -1, nx = 1;

	for (i = 0; i < (size_t) q->nsub; i++) {
		a = &q->sub[i].ans;
		if (a->status == MTASTS_OK) {
			ok = 1;
			total += a->naddrs;
		} else if (a->status != MTASTS_NONE && temp < 0) {
			temp = (int) i;
		}
		nx &= a->nxdomain;
	}

	/*
	 * One family is enough to connect to; a failed other family must not
	 * defer mail. Without any answer a failure wins over "none": absence
	 * of addresses is not proven.
	 */
	if (ok) {
		q->res.addrs = malloc(sizeof(*q->res.addrs)
				      + total * sizeof(q->res.addrs->addr[0]));
		if (q->res.addrs == NULL) {
			q->status = MTASTS_TEMP;
			mtasts_why(q->why, sizeof(q->why), "out of memory");
			return;
		}
		q->res.addrs->n = 0;
		for (i = 0; i < (size_t) q->nsub; i++) {
			a = &q->sub[i].ans;
			if (a->status != MTASTS_OK || a->naddrs == 0)
				continue;
			memcpy(q->res.addrs->addr + q->res.addrs->n, a->addrs,
			       a->naddrs * sizeof(a->addrs[0]));
			q->res.addrs->n += a->naddrs;
		}
		q->status = MTASTS_OK;
	} else if (temp >= 0) {
		q->status = MTASTS_TEMP;
		memcpy(q->why, q->sub[temp].ans.why, sizeof(q->why));
	} else {
		q->status = MTASTS_NONE;
		q->res.nxdomain = nx;
		if (q->nsub == 1 || nx)
			memcpy(q->why, q->sub[0].ans.why, sizeof(q->why));
		else
			mtasts_why(q->why, sizeof(q->why), "A/AAAA %.*s: no"
				   " address records", (int) strlen(q->qname) - 1,
				   q->qname);
	}
}

/* dns_query_finish - the lookup's result from its transactions */

static void
dns_query_finish(struct mtasts_dns_query *q)
{
	struct dns_answer *a = &q->sub[0].ans;

	q->done = 1;
	if (q->kind == MTASTS_DNS_ADDRS) {
		dns_addrs_finish(q);
	} else {
		q->status = a->status;
		q->res.nxdomain = a->nxdomain;
		q->res.txt = a->txt;
		if (a->status == MTASTS_OK) {
			q->res.mx = a->mx;
			a->mx = NULL;
		}
		memcpy(q->why, a->why, sizeof(q->why));
	}
	if (q->status == MTASTS_OK)
		q->why[0] = 0;
}

/* dns_query_check - when every transaction is done, deliver soon */

static void
dns_query_check(struct mtasts_dns_query *q)
{
	int	i;

	for (i = 0; i < q->nsub; i++)
		if (q->sub[i].state != SUB_DONE)
			return;
	if (q->done)
		return;
	dns_query_finish(q);
	/* Deliver from the loop, outside getdns: see DESCRIPTION. */
	(void) event_del(q->ev);
	event_active(q->ev, EV_TIMEOUT, 0);
}

/* dns_query_event - the lookup's timer fired, or its result is ready */

static void
dns_query_event(evutil_socket_t fd, short what, void *arg)
{
	struct mtasts_dns_query *q = arg;
	struct dns_sub *s;
	int	i;

	if (!q->done) {
		/* Timeout: what answered counts (A without AAAA), the rest fails. */
		for (i = 0; i < q->nsub; i++) {
			s = &q->sub[i];
			if (s->state == SUB_DONE)
				continue;
			dns_sub_cancel(s);
			s->state = SUB_DONE;
			mtasts_dns_answer_free(&s->ans);
			memset(&s->ans, 0, sizeof(s->ans));
			s->ans.status = MTASTS_TEMP;
			mtasts_dns_timeout_why(s->ans.why, sizeof(s->ans.why),
					 s->rrtype, s->name, q->timeout_ms);
		}
		dns_query_finish(q);
	}
	dns_unlink(q);
	q->delivering = 1;
	q->cb(q->arg, q->status, &q->res, q->why);
	/* The callback may have freed the handle: q is all we touch now. */
	dns_query_free(q);
}

/* mtasts_dns_submit - start a lookup of any kind */

enum mtasts_status
mtasts_dns_submit(struct mtasts_dns *dns, enum mtasts_dns_kind kind,
	           const char *name, int family, unsigned timeout_ms,
	           mtasts_dns_cb cb, void *arg, struct mtasts_dns_query **qp,
	           char *why, size_t whylen)
{
	struct mtasts_dns_query *q;
	char	qname[DNS_QNAME_MAX];
	struct timeval tv;
	getdns_return_t r;
	enum mtasts_status st;
	int	i;

	if (dns == NULL || cb == NULL) {
		mtasts_why(why, whylen, "resolver: no handle or no callback");
		return (MTASTS_PERM);
	}
	if (timeout_ms == 0 || timeout_ms > MTASTS_DNS_TIMEOUT_MAX) {
		mtasts_why(why, whylen, "DNS timeout %u ms not in 1..%u",
			   timeout_ms, (unsigned) MTASTS_DNS_TIMEOUT_MAX);
		return (MTASTS_PERM);
	}
	if (kind == MTASTS_DNS_ADDRS && family != AF_UNSPEC
	    && family != AF_INET && family != AF_INET6) {
		mtasts_why(why, whylen, "address family %d not supported", family);
		return (MTASTS_PERM);
	}
	st = mtasts_dns_name_check(kind == MTASTS_DNS_STS_TXT ? "_mta-sts." : "",
				   name, qname, sizeof(qname), why, whylen);
	if (st != MTASTS_OK)
		return (st);
	if ((q = calloc(1, sizeof(*q))) == NULL
	    || (q->ev = evtimer_new(dns->base, dns_query_event, q)) == NULL) {
		free(q);
		mtasts_why(why, whylen, "resolver: out of memory");
		return (MTASTS_TEMP);
	}
	q->dns = dns;
	q->kind = kind;
	q->cb = cb;
	q->arg = arg;
	q->timeout_ms = timeout_ms;
	q->deadline = dns_now_ms() + (long) timeout_ms;
	q->res.kind = kind;
	memcpy(q->qname, qname, sizeof(qname));
	switch (kind) {
	case MTASTS_DNS_STS_TXT:
		q->sub[q->nsub++].rrtype = GETDNS_RRTYPE_TXT;
		break;
	case MTASTS_DNS_MX:
		q->sub[q->nsub++].rrtype = GETDNS_RRTYPE_MX;
		break;
	case MTASTS_DNS_ADDRS:
		if (family != AF_INET6)
			q->sub[q->nsub++].rrtype = GETDNS_RRTYPE_A;
		if (family != AF_INET)
			q->sub[q->nsub++].rrtype = GETDNS_RRTYPE_AAAA;
		break;
	}
	q->next = dns->queries;
	if (q->next)
		q->next->prev = q;
	dns->queries = q;
	dns->inflight++;
	tv.tv_sec = (timeout_ms + DNS_TIMER_GRACE_MS) / 1000;
	tv.tv_usec = ((timeout_ms + DNS_TIMER_GRACE_MS) % 1000) * 1000;
	if (evtimer_add(q->ev, &tv) != 0) {
		mtasts_why(why, whylen, "resolver: cannot set a timer");
		goto fail;
	}
	for (i = 0; i < q->nsub; i++) {
		q->sub[i].q = q;
		memcpy(q->sub[i].name, qname, sizeof(qname));
	}
	for (i = 0; i < q->nsub; i++) {
		if ((r = dns_sub_start(&q->sub[i])) != GETDNS_RETURN_GOOD) {
			mtasts_why(why, whylen, "%s %.*s: %s",
				   mtasts_dns_type_str(q->sub[i].rrtype),
				   (int) strlen(qname) - 1, qname,
				   getdns_get_errorstr_by_id(r));
			goto fail;
		}
	}
	if (qp)
		*qp = q;
	return (MTASTS_OK);
fail:
	for (i = 0; i < q->nsub; i++)
		dns_sub_cancel(&q->sub[i]);
	dns_unlink(q);
	dns_query_free(q);
	return (MTASTS_TEMP);
}

/* mtasts_dns_cancel - stop a lookup without calling back */

void
mtasts_dns_cancel(struct mtasts_dns_query *q)
{
	int	i;

	if (q == NULL || q->delivering)
		return;
	for (i = 0; i < q->nsub; i++)
		dns_sub_cancel(&q->sub[i]);
	dns_unlink(q);
	dns_query_free(q);
}

/* mtasts_dns_inflight - lookups not yet called back */

size_t
mtasts_dns_inflight(const struct mtasts_dns *dns)
{
	return (dns ? dns->inflight : 0);
}

/* mtasts_dns_free - cancel everything, release the handle */

void
mtasts_dns_free(struct mtasts_dns *dns)
{
	if (dns == NULL)
		return;
	while (dns->queries)
		mtasts_dns_cancel(dns->queries);
	/* getdns clears its events through the adapter: context, then base. */
	if (dns->ctx)
		getdns_context_destroy(dns->ctx);
	if (dns->own_base)
		event_base_free(dns->base);
	free(dns);
}

/* mtasts_dns_own_base - private loop of a blocking handle, else NULL */

struct event_base *
mtasts_dns_own_base(const struct mtasts_dns *dns)
{
	return (dns && dns->own_base ? dns->base : NULL);
}
