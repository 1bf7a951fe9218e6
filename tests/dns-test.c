/*++
 * NAME
 *	dns-test 1
 * SUMMARY
 *	unit test of the DNS layer against tests/fakedns.py
 * SYNOPSIS
 *	dns-test PORT
 * DESCRIPTION
 *	Runs the blocking and the asynchronous lookups of include/mtasts/dns.h
 *	against the scripted server on 127.0.0.1:PORT (UDP and TCP), whose
 *	names are listed in tests/fakedns.py. Prints "PASS dns/<case>" or
 *	"FAIL dns/<case>: why" per case and ends with "N passed, N failed";
 *	exits 1 when a case failed. tests/dns-test.sh starts the server.
 *--*/
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include <mtasts/config.h>
#include <mtasts/dns.h>
#include <mtasts/status.h>

#define T_MS	3000			/* timeout for lookups that answer */
#define SHORT_MS	600			/* timeout for lookups that do not */
#define NMANY	60			/* concurrent lookups in the async test */

static int npass, nfail;
static struct mtasts_config cfg;
static struct mtasts_server server;

/* check - count and print one case */

static void
check(const char *name, int ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		npass++;
		printf("PASS dns/%s\n", name);
		return;
	}
	nfail++;
	printf("FAIL dns/%s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* now_ms - monotonic milliseconds */

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* addrs_str - "127.0.0.1,::1" */

static const char *
addrs_str(const struct mtasts_addr_list *l, char *buf, size_t len)
{
	char	one[INET6_ADDRSTRLEN];
	size_t	i, used = 0;
	int	n;

	buf[0] = 0;
	for (i = 0; l && i < l->n; i++) {
		const struct sockaddr_storage *ss = l->addr + i;

		if (ss->ss_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *) ss)->sin_addr,
				  one, sizeof(one));
		else
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) ss)->sin6_addr,
				  one, sizeof(one));
		n = snprintf(buf + used, len - used, "%s%s", i ? "," : "", one);
		if (n < 0 || (size_t) n >= len - used)
			break;
		used += (size_t) n;
	}
	return (buf);
}

/* mx_str - "5:z.mx.test,10:a.mx.test" */

static const char *
mx_str(const struct mtasts_mx_list *l, char *buf, size_t len)
{
	size_t	i, used = 0;
	int	n;

	buf[0] = 0;
	for (i = 0; l && i < l->n; i++) {
		n = snprintf(buf + used, len - used, "%s%u:%s", i ? "," : "",
			     l->mx[i].pref, l->mx[i].host);
		if (n < 0 || (size_t) n >= len - used)
			break;
		used += (size_t) n;
	}
	return (buf);
}

/* txt_case - one blocking TXT lookup */

static void
txt_case(struct mtasts_dns *dns, const char *name, const char *domain,
	         unsigned ms, enum mtasts_status want, const char *want_text)
{
	struct mtasts_txt txt;
	char	why[MTASTS_REASON_MAX];
	enum mtasts_status st;

	memset(&txt, 0, sizeof(txt));
	st = mtasts_dns_sts_txt(dns, domain, ms, &txt, why, sizeof(why));
	if (st != want)
		check(name, 0, "status %s, want %s (%s)", mtasts_status_str(st),
		      mtasts_status_str(want), why);
	else if (st == MTASTS_OK)
		check(name, strcmp(txt.id, want_text) == 0, "id \"%s\", want \"%s\"",
		      txt.id, want_text);
	else
		check(name, strstr(why, want_text) != NULL,
		      "reason \"%s\" lacks \"%s\"", why, want_text);
}

/* test_txt - the _mta-sts TXT cases */

static void
test_txt(struct mtasts_dns *dns)
{
	struct mtasts_txt txt;
	char	why[MTASTS_REASON_MAX], big[400];
	long	t0, took;
	enum mtasts_status st;

	txt_case(dns, "txt/single", "single.test", T_MS, MTASTS_OK, "single1");
	txt_case(dns, "txt/single-case-dot", "SINGLE.Test.", T_MS, MTASTS_OK,
		 "single1");
	txt_case(dns, "txt/split-strings", "split.test", T_MS, MTASTS_OK, "split2");
	txt_case(dns, "txt/two-records", "two.test", T_MS, MTASTS_NONE,
		 "TXT _mta-sts.two.test: ");
	txt_case(dns, "txt/sts-and-unrelated", "mixed.test", T_MS, MTASTS_OK,
		 "mixed1");
	txt_case(dns, "txt/nodata", "nodata.test", T_MS, MTASTS_NONE,
		 "no TXT records");
	txt_case(dns, "txt/nxdomain", "nx.test", T_MS, MTASTS_NONE,
		 "TXT _mta-sts.nx.test: NXDOMAIN");
	txt_case(dns, "txt/cname", "cname.test", T_MS, MTASTS_OK, "cname1");
	txt_case(dns, "txt/cname-chased", "cnameonly.test", T_MS, MTASTS_OK,
		 "cname1");
	txt_case(dns, "txt/servfail", "servfail.test", T_MS, MTASTS_TEMP,
		 "SERVFAIL from 127.0.0.1");
	txt_case(dns, "txt/refused", "refused.test", T_MS, MTASTS_TEMP,
		 "REFUSED from 127.0.0.1");
	txt_case(dns, "txt/reply-to-another-question", "wrongq.test", T_MS,
		 MTASTS_TEMP, "does not answer the question asked");
	txt_case(dns, "txt/reply-without-question", "noquestion.test", T_MS,
		 MTASTS_TEMP, "has no question section");
	txt_case(dns, "txt/tcp-fallback", "tc.test", T_MS, MTASTS_OK, "tcp1");
	txt_case(dns, "txt/oversized-sts", "big.test", T_MS, MTASTS_NONE,
		 "longer than 4096 bytes");
	txt_case(dns, "txt/oversized-other", "bigother.test", T_MS, MTASTS_OK,
		 "bigother1");
	txt_case(dns, "txt/too-many", "many.test", T_MS, MTASTS_NONE,
		 "more than 32 TXT records");
	txt_case(dns, "txt/invalid", "bad.test", T_MS, MTASTS_NONE,
		 "TXT _mta-sts.bad.test: ");

	t0 = now_ms();
	st = mtasts_dns_sts_txt(dns, "timeout.test", SHORT_MS, &txt, why,
				sizeof(why));
	took = now_ms() - t0;
	check("txt/timeout", st == MTASTS_TEMP
	      && strstr(why, "timeout after 600 ms") != NULL
	      && took >= SHORT_MS - 50 && took < SHORT_MS + 1000,
	      "status %s after %ld ms: %s", mtasts_status_str(st), took, why);
	/* The server stays usable after a timeout. */
	txt_case(dns, "txt/after-timeout", "single.test", T_MS, MTASTS_OK,
		 "single1");

	txt_case(dns, "name/idn-u-label", "b\xc3\xbc" "cher.test", T_MS,
		 MTASTS_PERM, "not ASCII");
	txt_case(dns, "name/a-label", "xn--bcher-kva.test", T_MS, MTASTS_NONE,
		 "NXDOMAIN");
	txt_case(dns, "name/empty", "", T_MS, MTASTS_PERM, "empty");
	txt_case(dns, "name/empty-label", "a..test", T_MS, MTASTS_PERM,
		 "not a host name");
	txt_case(dns, "name/space", "a b.test", T_MS, MTASTS_PERM,
		 "not a host name");
	txt_case(dns, "name/escape", "a\\046b.test", T_MS, MTASTS_PERM,
		 "not a host name");
	txt_case(dns, "name/control", "a\nb.test", T_MS, MTASTS_PERM,
		 "a?b.test");
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = 0;
	txt_case(dns, "name/too-long", big, T_MS, MTASTS_PERM, "bad length");
	/* 245 + "_mta-sts." is over 253. */
	memset(big, 'a', 245);
	big[245] = 0;
	big[60] = big[121] = big[182] = '.';
	txt_case(dns, "name/too-long-with-prefix", big, T_MS, MTASTS_PERM,
		 "too long for _mta-sts.");
	txt_case(dns, "timeout/zero", "single.test", 0, MTASTS_PERM, "timeout");
	txt_case(dns, "timeout/over-max", "single.test",
		 MTASTS_DNS_TIMEOUT_MAX + 1, MTASTS_PERM, "timeout");
}

/* mx_case - one blocking MX lookup */

static void
mx_case(struct mtasts_dns *dns, const char *name, const char *domain,
	        enum mtasts_status want, const char *want_text, int null_mx,
	        size_t nbad)
{
	struct mtasts_mx_list *l = NULL;
	char	why[MTASTS_REASON_MAX], got[512];
	enum mtasts_status st;

	st = mtasts_dns_mx(dns, domain, T_MS, &l, why, sizeof(why));
	if (st != want)
		check(name, 0, "status %s, want %s (%s)", mtasts_status_str(st),
		      mtasts_status_str(want), why);
	else if (st == MTASTS_OK)
		check(name, l != NULL && strcmp(mx_str(l, got, sizeof(got)),
						want_text) == 0
		      && l->null_mx == null_mx && l->nbad == nbad,
		      "got \"%s\" null_mx=%d nbad=%zu, want \"%s\" %d %zu",
		      mx_str(l, got, sizeof(got)), l ? l->null_mx : -1,
		      l ? l->nbad : 0, want_text, null_mx, nbad);
	else
		check(name, l == NULL && strstr(why, want_text) != NULL,
		      "reason \"%s\" lacks \"%s\"", why, want_text);
	mtasts_mx_list_free(l);
}

/* addr_case - one blocking A/AAAA lookup */

static void
addr_case(struct mtasts_dns *dns, const char *name, const char *host,
	          int family, unsigned ms, enum mtasts_status want,
	          const char *want_text)
{
	struct mtasts_addr_list *l = NULL;
	char	why[MTASTS_REASON_MAX], got[512];
	enum mtasts_status st;

	st = mtasts_dns_addrs(dns, host, family, ms, &l, why, sizeof(why));
	if (st != want)
		check(name, 0, "status %s, want %s (%s)", mtasts_status_str(st),
		      mtasts_status_str(want), why);
	else if (st == MTASTS_OK)
		check(name, strcmp(addrs_str(l, got, sizeof(got)), want_text) == 0,
		      "got \"%s\", want \"%s\"", got, want_text);
	else
		check(name, l == NULL && strstr(why, want_text) != NULL,
		      "reason \"%s\" lacks \"%s\"", why, want_text);
	mtasts_addr_list_free(l);
}

/* test_mx_addrs - MX and address cases */

static void
test_mx_addrs(struct mtasts_dns *dns)
{
	mx_case(dns, "mx/sorted", "mx.test", MTASTS_OK,
		"5:z.mx.test,10:a.mx.test,20:b.mx.test,20:c.mx.test", 0, 0);
	mx_case(dns, "mx/null", "nullmx.test", MTASTS_OK, "", 1, 0);
	mx_case(dns, "mx/bad-exchange", "badmx.test", MTASTS_OK,
		"10:ok.mx.test", 0, 1);
	mx_case(dns, "mx/nodata", "nomx.test", MTASTS_NONE, "no MX records", 0, 0);
	mx_case(dns, "mx/nxdomain", "nx.test", MTASTS_NONE, "NXDOMAIN", 0, 0);
	mx_case(dns, "mx/servfail", "mxfail.test", MTASTS_TEMP,
		"MX mxfail.test: SERVFAIL from 127.0.0.1", 0, 0);

	addr_case(dns, "addr/both", "host.test", AF_UNSPEC, T_MS, MTASTS_OK,
		  "127.0.0.10,127.0.0.11,::1");
	addr_case(dns, "addr/ipv4", "host.test", AF_INET, T_MS, MTASTS_OK,
		  "127.0.0.10,127.0.0.11");
	addr_case(dns, "addr/ipv6", "host.test", AF_INET6, T_MS, MTASTS_OK, "::1");
	addr_case(dns, "addr/v4-only", "v4only.test", AF_UNSPEC, T_MS, MTASTS_OK,
		  "127.0.0.12");
	addr_case(dns, "addr/v6-nodata", "v4only.test", AF_INET6, T_MS,
		  MTASTS_NONE, "no AAAA records");
	addr_case(dns, "addr/aaaa-timeout", "half.test", AF_UNSPEC, SHORT_MS,
		  MTASTS_OK, "127.0.0.13");
	addr_case(dns, "addr/only-timeout", "half.test", AF_INET6, SHORT_MS,
		  MTASTS_TEMP, "AAAA half.test: timeout after 600 ms");
	addr_case(dns, "addr/servfail", "hostfail.test", AF_UNSPEC, T_MS,
		  MTASTS_TEMP, "SERVFAIL from 127.0.0.1");
	addr_case(dns, "addr/nxdomain", "nx.test", AF_UNSPEC, T_MS, MTASTS_NONE,
		  "NXDOMAIN");
	addr_case(dns, "addr/cname", "alias.test", AF_UNSPEC, T_MS, MTASTS_OK,
		  "127.0.0.10,127.0.0.11,::1");
	addr_case(dns, "addr/bad-family", "host.test", 12345, T_MS, MTASTS_PERM,
		  "family");
}

 /*
  * Asynchronous lookups.
  */

struct slot {
	const char *what;		/* expected id, host list, ... */
	int	calls;
	enum mtasts_status status;
	long	at;			/* ms after start */
	char	got[MTASTS_REASON_MAX + 16];
};

static long async_t0;
static int async_pending;
static struct event_base *async_base;

/* async_cb - record what arrived and when */

static void
async_cb(void *arg, enum mtasts_status st, struct mtasts_dns_result *res,
	         const char *why)
{
	struct slot *s = arg;

	s->calls++;
	s->status = st;
	s->at = now_ms() - async_t0;
	if (st != MTASTS_OK)
		snprintf(s->got, sizeof(s->got), "%s", why);
	else if (res->kind == MTASTS_DNS_STS_TXT)
		snprintf(s->got, sizeof(s->got), "%s", res->txt.id);
	else if (res->kind == MTASTS_DNS_MX)
		mx_str(res->mx, s->got, sizeof(s->got));
	else
		addrs_str(res->addrs, s->got, sizeof(s->got));
	if (--async_pending == 0)
		event_base_loopbreak(async_base);
}

/* start_txt - one async TXT lookup, counting failures to start */

static struct mtasts_dns_query *
start_txt(struct mtasts_dns *dns, const char *domain, unsigned ms,
	          struct slot *s)
{
	struct mtasts_dns_query *q = NULL;
	char	why[MTASTS_REASON_MAX];

	if (mtasts_dns_sts_txt_async(dns, domain, ms, async_cb, s, &q, why,
				     sizeof(why)) != MTASTS_OK)
		check("async/start", 0, "%s: %s", domain, why);
	else
		async_pending++;
	return (q);
}

/* test_async - many lookups at once, any order, one slow */

static void
test_async(void)
{
	static struct slot many[NMANY];
	static char names[NMANY][64], ids[NMANY][32];
	struct slot s100 = {0}, s300 = {0}, s900 = {0}, fast = {0}, mx = {0},
	        host = {0}, tmo = {0}, gone = {0};
	struct mtasts_dns_query *q;
	struct mtasts_dns *dns;
	char	why[MTASTS_REASON_MAX];
	int	i, bad = 0, order_ok;

	async_base = event_base_new();
	if ((dns = mtasts_dns_new(&cfg, async_base, why, sizeof(why))) == NULL) {
		check("async/new", 0, "%s", why);
		event_base_free(async_base);
		return;
	}
	async_t0 = now_ms();
	/* Submitted slowest first: answers must arrive in reverse order. */
	start_txt(dns, "slow-900.test", T_MS, &s900);
	start_txt(dns, "slow-300.test", T_MS, &s300);
	start_txt(dns, "slow-100.test", T_MS, &s100);
	start_txt(dns, "timeout.test", SHORT_MS, &tmo);
	q = start_txt(dns, "slow-200.test", T_MS, &gone);
	start_txt(dns, "single.test", T_MS, &fast);
	if (mtasts_dns_mx_async(dns, "mx.test", T_MS, async_cb, &mx, NULL, why,
				sizeof(why)) == MTASTS_OK)
		async_pending++;
	if (mtasts_dns_addrs_async(dns, "host.test", AF_UNSPEC, T_MS, async_cb,
				   &host, NULL, why, sizeof(why)) == MTASTS_OK)
		async_pending++;
	for (i = 0; i < NMANY; i++) {
		/* Delays 0..290 ms, scrambled against submission order. */
		snprintf(names[i], sizeof(names[i]), "slow-%d.test", (i * 37) % 30 * 10);
		snprintf(ids[i], sizeof(ids[i]), "slow%d", (i * 37) % 30 * 10);
		start_txt(dns, names[i], T_MS, &many[i]);
	}
	check("async/inflight", mtasts_dns_inflight(dns) == (size_t) NMANY + 8,
	      "%zu in flight, want %d", mtasts_dns_inflight(dns), NMANY + 8);
	mtasts_dns_cancel(q);
	async_pending--;
	check("async/not-called-early", fast.calls == 0 && mx.calls == 0,
	      "callback ran inside the _async call");
	event_base_dispatch(async_base);

	check("async/fast-not-delayed", fast.calls == 1 && fast.at < 250
	      && strcmp(fast.got, "single1") == 0 && mx.calls == 1 && mx.at < 250
	      && host.calls == 1 && host.at < 250,
	      "single %dx at %ld ms (%s), mx %dx at %ld, host %dx at %ld",
	      fast.calls, fast.at, fast.got, mx.calls, mx.at, host.calls, host.at);
	check("async/mx", strcmp(mx.got, "5:z.mx.test,10:a.mx.test,20:b.mx.test,"
				 "20:c.mx.test") == 0, "got %s", mx.got);
	check("async/addrs", strcmp(host.got, "127.0.0.10,127.0.0.11,::1") == 0,
	      "got %s", host.got);
	order_ok = s100.calls == 1 && s300.calls == 1 && s900.calls == 1
		&& s100.at < s300.at && s300.at < s900.at && s100.at >= 90
		&& s900.at >= 890;
	check("async/any-order", order_ok && strcmp(s100.got, "slow100") == 0
	      && strcmp(s300.got, "slow300") == 0
	      && strcmp(s900.got, "slow900") == 0,
	      "100: %ld ms %s, 300: %ld ms %s, 900: %ld ms %s", s100.at, s100.got,
	      s300.at, s300.got, s900.at, s900.got);
	check("async/timeout", tmo.calls == 1 && tmo.status == MTASTS_TEMP
	      && strstr(tmo.got, "timeout after 600 ms") != NULL
	      && tmo.at >= SHORT_MS - 50 && tmo.at < s900.at,
	      "%d calls at %ld ms: %s", tmo.calls, tmo.at, tmo.got);
	check("async/cancel", gone.calls == 0, "cancelled lookup called back");
	for (i = 0; i < NMANY; i++) {
		if (many[i].calls != 1 || many[i].status != MTASTS_OK
		    || strcmp(many[i].got, ids[i]) != 0) {
			if (bad++ == 0)
				check("async/many", 0, "%s: %d calls, %s", names[i],
				      many[i].calls, many[i].got);
		}
	}
	if (bad == 0)
		check("async/many", 1, "");
	check("async/drained", mtasts_dns_inflight(dns) == 0,
	      "%zu still in flight", mtasts_dns_inflight(dns));
	mtasts_dns_free(dns);
	event_base_free(async_base);
}

 /*
  * Lifetime: callbacks that start lookups or free the handle, freeing
  * with lookups in flight, handle kinds.
  */

struct chain {
	struct mtasts_dns *dns;
	int	step;
	int	freed;
	char	got[MTASTS_REASON_MAX + 16];
};

/* chain_cb - first answer starts a second lookup; the second frees all */

static void
chain_cb(void *arg, enum mtasts_status st, struct mtasts_dns_result *res,
	         const char *why)
{
	struct chain *c = arg;
	struct mtasts_addr_list *keep;
	char	buf[MTASTS_REASON_MAX];

	if (c->step++ == 0) {
		if (mtasts_dns_addrs_async(c->dns, "host.test", AF_INET, T_MS,
					   chain_cb, c, NULL, buf, sizeof(buf))
		    != MTASTS_OK)
			snprintf(c->got, sizeof(c->got), "restart: %s", buf);
		return;
	}
	/* Keep the list past the callback: ownership moves to us. */
	keep = res->addrs;
	res->addrs = NULL;
	addrs_str(keep, c->got, sizeof(c->got));
	mtasts_addr_list_free(keep);
	mtasts_dns_free(c->dns);
	c->freed = 1;
	event_base_loopbreak(async_base);
}

/* test_lifetime - ownership and teardown */

static void
test_lifetime(struct mtasts_dns *blocking)
{
	struct mtasts_server bad = {"mail.example", 53};
	struct mtasts_config badcfg = {0};
	struct mtasts_dns *dns;
	struct chain c = {0};
	struct slot s = {0};
	struct mtasts_txt txt;
	char	why[MTASTS_REASON_MAX];
	enum mtasts_status st;

	async_base = event_base_new();
	c.dns = mtasts_dns_new(&cfg, async_base, why, sizeof(why));
	if (c.dns == NULL) {
		check("life/new", 0, "%s", why);
		event_base_free(async_base);
		return;
	}
	st = mtasts_dns_sts_txt(c.dns, "single.test", T_MS, &txt, why, sizeof(why));
	check("life/blocking-on-event-handle", st == MTASTS_PERM,
	      "status %s: %s", mtasts_status_str(st), why);
	st = mtasts_dns_mx_async(c.dns, "mx.test", T_MS, chain_cb, &c, NULL, why,
				 sizeof(why));
	if (st == MTASTS_OK)
		event_base_dispatch(async_base);
	check("life/restart-and-free-in-callback", c.freed && c.step == 2
	      && strcmp(c.got, "127.0.0.10,127.0.0.11") == 0,
	      "step %d freed %d: %s", c.step, c.freed, c.got);

	/* Free with lookups in flight: no callback, no leak (valgrind). */
	dns = mtasts_dns_new(&cfg, async_base, why, sizeof(why));
	if (dns != NULL) {
		async_pending = 0;
		start_txt(dns, "slow-300.test", T_MS, &s);
		start_txt(dns, "timeout.test", T_MS, &s);
		mtasts_dns_free(dns);
		event_base_loopexit(async_base, &(struct timeval) {0, 400000});
		event_base_dispatch(async_base);
	}
	check("life/free-in-flight", dns != NULL && s.calls == 0,
	      "%d callbacks after free", s.calls);
	event_base_free(async_base);

	st = mtasts_dns_sts_txt_async(blocking, "single.test", T_MS, async_cb, &s,
				      NULL, why, sizeof(why));
	check("life/async-on-blocking-handle", st == MTASTS_PERM,
	      "status %s: %s", mtasts_status_str(st), why);

	badcfg.nservers = 1;
	badcfg.servers = &bad;
	dns = mtasts_dns_new(&badcfg, NULL, why, sizeof(why));
	check("life/server-not-an-address", dns == NULL
	      && strstr(why, "not an IP address") != NULL, "%s", why);
	mtasts_dns_free(dns);

	/* resolv.conf: creating the handle sends nothing. */
	dns = mtasts_dns_new(NULL, NULL, why, sizeof(why));
	check("life/resolv-conf", dns != NULL || strstr(why, "resolv.conf"),
	      "%s", why);
	mtasts_dns_free(dns);
}

/* test_failover - a silent first server costs time, not the answer */

static void
test_failover(void)
{
	struct mtasts_server two[2];
	struct mtasts_config cfg2 = {0};
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	struct mtasts_dns *dns;
	struct mtasts_txt txt;
	char	why[MTASTS_REASON_MAX], first[MTASTS_REASON_MAX] = "";
	int	fd, i, ok = 0;

	/* A bound UDP socket nobody reads: queries to it vanish. */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0
	    || bind(fd, (struct sockaddr *) &sin, sizeof(sin)) != 0
	    || getsockname(fd, (struct sockaddr *) &sin, &len) != 0) {
		check("failover/setup", 0, "socket: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	two[0] = server;
	two[0].port = ntohs(sin.sin_port);
	two[1] = server;
	cfg2.nservers = 2;
	cfg2.servers = two;
	if ((dns = mtasts_dns_new(&cfg2, NULL, why, sizeof(why))) == NULL) {
		check("failover/new", 0, "%s", why);
		close(fd);
		return;
	}
	for (i = 0; i < 6; i++) {
		if (mtasts_dns_sts_txt(dns, "single.test", 2000, &txt, why,
				       sizeof(why)) == MTASTS_OK)
			ok++;
		else if (first[0] == 0)
			snprintf(first, sizeof(first), "%s", why);
	}
	check("failover/dead-first-server", ok == 6, "%d of 6 answered; %s", ok,
	      first);
	mtasts_dns_free(dns);
	close(fd);
}

int
main(int argc, char **argv)
{
	struct mtasts_dns *dns;
	char	why[MTASTS_REASON_MAX], *end;
	unsigned long port;

	if (argc != 2) {
		fprintf(stderr, "usage: dns-test PORT\n");
		return (2);
	}
	errno = 0;
	port = strtoul(argv[1], &end, 10);
	if (errno || *end || port == 0 || port > 65535) {
		fprintf(stderr, "dns-test: bad port \"%s\"\n", argv[1]);
		return (2);
	}
	snprintf(server.host, sizeof(server.host), "127.0.0.1");
	server.port = (uint16_t) port;
	cfg.nservers = 1;
	cfg.servers = &server;

	if ((dns = mtasts_dns_new(&cfg, NULL, why, sizeof(why))) == NULL) {
		check("new", 0, "%s", why);
	} else {
		test_txt(dns);
		test_mx_addrs(dns);
		test_async();
		test_lifetime(dns);
		test_failover();
		mtasts_dns_free(dns);
	}
	printf("%d passed, %d failed\n", npass, nfail);
	return (nfail ? 1 : 0);
}
