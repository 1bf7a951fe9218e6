/*++
 * NAME
 *	fuzz_socketmap_request 1
 * SUMMARY
 *	libFuzzer target: mtastsd's socketmap requests and replies
 * DESCRIPTION
 *	What a socketmap client sends is framed by mtasts_netstring_parse()
 *	(fuzz_netstring), then tools/mtastsd/request.c splits "NAME KEY",
 *	picks the map, normalises the key and gets a decision, and
 *	tools/mtastsd/answer.c writes the reply. This file compiles those
 *	two files in and replaces everything around them (the generation,
 *	store, decision, worker pool, MX cache, memo, log) with stubs that
 *	answer from the input, so the fuzzer chooses the decision, the MX
 *	hosts and the policy text as well as the requests. The config is
 *	real (mtasts_config_parse()): maps default, strict
 *	(strict_testing), attrs (sts_attributes), nowild (expand_wildcards
 *	off), defer (on_temp_failure defer); ignored.test has mode ignore.
 *
 *	Input: 16 bytes pick the decision (status, mode, patterns, lookup
 *	outcome, cache hit or miss, MX answer, policy text and reason
 *	shapes); the rest is a socketmap byte stream, read netstring by
 *	netstring as server.c does (at most FUZZ_REQS requests).
 *
 *	Aborts, besides memory errors, when a reply: is empty, over
 *	MTASTS_SOCKETMAP_REPLY_MAX or holds a byte outside printable ASCII;
 *	does not start "OK secure match=", "NOTFOUND ", "TEMP " or "PERM ";
 *	is NOTFOUND for a well-formed request whose decision enforces
 *	(status OK, or testing under strict_testing): that would let
 *	Postfix deliver without TLS checks; names in match= a host that is
 *	neither a pattern of the decision (as Postfix writes "*.x": ".x")
 *	nor an MX host matching one.
 *
 *	When request.c or answer.c start calling something new, the link
 *	fails naming it: add a stub here. Run by tests/fuzz-run.sh and
 *	make fuzz.
 *--*/
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mtasts/config.h>
#include <mtasts/dns.h>
#include <mtasts/limits.h>
#include <mtasts/match.h>
#include <mtasts/netstring.h>

#include "../tools/mtastsd/request.c"
#include "../tools/mtastsd/answer.c"

#define FUZZ_HEAD	16		/* decision bytes before the stream */
#define FUZZ_REQS	8		/* requests per input */
#define FUZZ_PATTERNS	4
#define FUZZ_MXS	4

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Patterns as the policy parser hands them on: valid, lower case. */
static const char *const patterns[] = {
	"mx-good.example.test", "*.example.test", "*.mx.example.test",
	"evil.invalid", "*.invalid", "mx2.example.test", "b.mx.example.test",
	"*.test",
};
static const char *const mxhosts[] = {
	"mx-good.example.test", "a.example.test", "x.y.example.test",
	"example.test", "b.mx.example.test", "evil.invalid",
};
static const char *policies[] = {
	"version: STSv1\nmode: enforce\nmx: *.example.test\nmax_age: 86400\n",
	"version: STSv1\r\nmode: testing\r\nmx: {oops}\r\n",
	"version: STSv1\nmode: enforce\nmx: \x01\xff\n",
	"",		/* init(): 64 KiB of one-byte lines, past the reply limit */
};
static char longpolicy[MTASTS_POLICY_MAX + 1];

static const uint8_t *head;		/* FUZZ_HEAD decision bytes */
static struct mtasts_config *cfg;
static struct gen gen;
static int conn_token;
int	log_verbose = 1;

/* h - decision byte i */

static unsigned
h(int i)
{
	return (head[i]);
}

/* log_msg - formats like syslog would, keeps nothing */

void
log_msg(int prio, const char *fmt,...)
{
	char	buf[1024];
	va_list	ap;

	va_start(ap, fmt);
	(void) vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
}

/* now_ms - a clock that does not move (timing only goes to logs) */

double
now_ms(void)
{
	return (0.0);
}

/* gen_current, gen_hold, gen_release - one generation, references counted */

struct gen *
gen_current(void)
{
	return (&gen);
}

struct gen *
gen_hold(struct gen *g)
{
	g->refs++;
	return (g);
}

void
gen_release(struct gen *g)
{
	if (g->refs-- == 0)
		abort();
}

/* pool_submit - run the job at once: the worker, then the loop's part */

void
pool_submit(struct pool *p, struct job *j, int urgent)
{
	j->run(j, NULL);
	j->done(j);
}

/* worker_dns - a resolver handle, or none when the input says so */

struct mtasts_dns *
worker_dns(struct worker *w, char *why, size_t whylen)
{
	if (h(9) & 0x80) {
		mtasts_why(why, whylen, "no resolver");
		return (NULL);
	}
	return ((struct mtasts_dns *) &conn_token);
}

/* server_req_done - a reply is ready: it must be for our connection */

void
server_req_done(struct conn *c)
{
	if (c != (struct conn *) &conn_token)
		abort();
}

/* memo_get, memo_put - no memo: every request is decided */

int
memo_get(struct memo *m, const char *map, const char *domain,
	 struct mtasts_buf *out)
{
	return (0);
}

void
memo_put(struct memo *m, const char *map, const char *domain,
	 const char *reply, size_t len, time_t expires)
{
}

/* mxcache_get, mxcache_put, mx_answer_clear - no MX cache */

int
mxcache_get(const char *domain, struct mx_answer *out)
{
	return (0);
}

void
mxcache_put(const char *domain, const struct mx_answer *mx)
{
}

void
mx_answer_clear(struct mx_answer *mx)
{
	free(mx->list);
	mx->list = NULL;
}

/* mtasts_dns_mx - the MX hosts the input names */

enum mtasts_status
mtasts_dns_mx(struct mtasts_dns *dns, const char *domain, unsigned ms,
	      struct mtasts_mx_list **out, char *why, size_t whylen)
{
	struct mtasts_mx_list *l;
	size_t	i, n = h(9) % (FUZZ_MXS + 1);

	switch (h(9) >> 4 & 3) {
	case 1:
		mtasts_why(why, whylen, "MX %s: timeout \xff", domain);
		return (MTASTS_TEMP);
	case 2:
		mtasts_why(why, whylen, "MX %s: no MX records", domain);
		return (MTASTS_NONE);
	}
	if ((l = calloc(1, sizeof(*l) + n * sizeof(l->mx[0]))) == NULL)
		abort();
	l->null_mx = (h(9) & 0x40) != 0;
	for (i = 0; i < n; i++) {
		l->mx[i].pref = (unsigned) i * 10;
		(void) snprintf(l->mx[i].host, sizeof(l->mx[i].host), "%s",
			mxhosts[(h(10) + i * (h(11) | 1)) % 6]);
	}
	l->n = n;
	*out = l;
	return (MTASTS_OK);
}

/* fill_lookup - the store's answer the input describes */

static void
fill_lookup(const char *domain, struct mtasts_lookup *l, int cache_only)
{
	memset(l, 0, sizeof(*l));
	(void) snprintf(l->domain, sizeof(l->domain), "%s", domain);
	l->outcome = (enum mtasts_outcome) (h(3) % 4);
	l->internal = (h(3) & 0x10) != 0;
	l->from_cache = cache_only || (h(3) & 0x20);
	if (cache_only && (h(3) & 0x40)) {
		/* A miss: nothing cached. */
		l->outcome = MTASTS_OUTCOME_TEMP;
		l->from_cache = 1;
		l->internal = 0;
	}
	l->expires_at = 86400;
	if (h(4) & 0x80) {
		/* The 64 KiB one rarely: it is slow to answer. */
		l->policy_text = strdup(policies[(h(4) & 0x7f) == 0x7f ? 3 : h(4) % 3]);
		if (l->policy_text == NULL)
			abort();
	}
}

/* mtasts_store_lookup, mtasts_lookup_clear - the store, from the input */

void
mtasts_store_lookup(struct mtasts_store *s, const char *domain, int flags,
		    struct mtasts_lookup *out)
{
	fill_lookup(domain, out, (flags & MTASTS_STORE_CACHE_ONLY) != 0);
}

void
mtasts_lookup_clear(struct mtasts_lookup *l)
{
	free(l->policy_text);
	l->policy_text = NULL;
}

/* mtasts_decide - the decision the input describes */

void
mtasts_decide(struct mtasts_store *s, struct mtasts_audit *a,
	      const char *domain, const char *mx, int flags,
	      struct mtasts_decision *d)
{
	size_t	i;

	memset(d, 0, sizeof(*d));
	fill_lookup(domain, &d->lookup, (flags & MTASTS_STORE_CACHE_ONLY) != 0);
	/* PERM is no decision the core makes; answer.c must cope anyway. */
	d->status = (enum mtasts_status) (h(0) % 4);
	d->mode = (enum mtasts_dmode) (h(1) % 4);
	d->nmx = h(2) % (FUZZ_PATTERNS + 1);
	if ((d->mx = calloc(d->nmx + 1, sizeof(*d->mx))) == NULL)
		abort();
	for (i = 0; i < d->nmx; i++)
		if ((d->mx[i] = strdup(patterns[(h(5 + i) >> 1) % 8])) == NULL)
			abort();
	d->result_type = (h(1) & 0x80) ? "sts-policy-fetch-error" : NULL;
	(void) snprintf(d->reason, sizeof(d->reason), "%s",
			(h(1) & 0x40) ? "bad \"reason\"\n{ } \x01\xfe" : "ok");
}

/* mtasts_decision_clear - release what mtasts_decide() gave */

void
mtasts_decision_clear(struct mtasts_decision *d)
{
	size_t	i;

	for (i = 0; i < d->nmx; i++)
		free(d->mx[i]);
	free(d->mx);
	d->mx = NULL;
	d->nmx = 0;
	mtasts_lookup_clear(&d->lookup);
}

/* init - the config, once */

static void
init(void)
{
	static const char text[] =
		"maps:\n"
		"  default: {}\n"
		"  strict: {strict_testing: yes}\n"
		"  attrs: {sts_attributes: yes}\n"
		"  nowild: {expand_wildcards: no}\n"
		"  defer: {on_temp_failure: defer}\n"
		"domains:\n"
		"  ignored.test: {mode: ignore}\n";
	char	why[MTASTS_REASON_MAX];

	size_t	i;

	if (cfg != NULL)
		return;
	for (i = 0; i + 1 < sizeof(longpolicy); i += 2)
		memcpy(longpolicy + i, "x\n", 2);
	policies[3] = longpolicy;
	if (mtasts_config_parse(text, sizeof(text) - 1, "fuzz", &cfg, why,
				sizeof(why)) != MTASTS_OK)
		abort();
	gen.cfg = cfg;
}

/* in_decision - is item (from match=) a pattern of d, as Postfix reads it? */

static int
in_decision(const struct mtasts_decision *d, const char *item)
{
	size_t	i;

	for (i = 0; i < d->nmx; i++) {
		if (item[0] == '.' && d->mx[i][0] == '*' && strcmp(d->mx[i] + 1, item) == 0)
			return (1);
		if (strcmp(d->mx[i], item) == 0)
			return (1);
		/* An MX host named because it matches (expand_wildcards). */
		if (item[0] != '.' && mtasts_mx_match(d->mx[i], item))
			return (1);
	}
	return (0);
}

/* check_match - every host in "match=" comes from the decision */

static void
check_match(const char *reply, const struct mtasts_decision *d)
{
	char	buf[MTASTS_SOCKETMAP_REPLY_MAX + 1], *p, *item, *end;

	(void) snprintf(buf, sizeof(buf), "%s", reply + strlen("OK secure match="));
	if ((end = strchr(buf, ' ')) != NULL)
		*end = 0;
	for (p = buf; (item = strsep(&p, ":")) != NULL;)
		if (*item == 0 || !in_decision(d, item))
			abort();
}

/* check - the promises of answer.c for one request */

static void
check(struct req *r, int wellformed)
{
	const char *s = r->reply.data;
	size_t	i, len = r->reply.len;
	struct mtasts_decision d;
	const struct mtasts_map_cfg *map;
	int	enforcing_;

	if (!r->done || s == NULL || len == 0 || len > MTASTS_SOCKETMAP_REPLY_MAX)
		abort();
	for (i = 0; i < len; i++)
		if ((unsigned char) s[i] < 0x20 || (unsigned char) s[i] > 0x7e)
			abort();
	if (strncmp(s, "OK secure match=", 16) != 0 && strncmp(s, "NOTFOUND ", 9) != 0
	    && strncmp(s, "TEMP ", 5) != 0 && strncmp(s, "PERM ", 5) != 0)
		abort();
	if (!wellformed || r->domain[0] == 0
	    || mtasts_config_domain(cfg, r->domain) != NULL)
		return;
	/* The decision the stubs gave this request, again. */
	mtasts_decide(NULL, NULL, r->domain, NULL, 0, &d);
	map = mtasts_config_map(cfg, r->map_name);
	if (map == NULL)
		map = &answer_map_defaults;
	enforcing_ = d.status == MTASTS_OK
		|| (d.status == MTASTS_NONE && d.mode == MTASTS_DMODE_TESTING
		    && map->strict_testing);
	if (enforcing_ && strncmp(s, "NOTFOUND", 8) == 0)
		abort();
	if (strncmp(s, "OK ", 3) == 0) {
		if (!enforcing_)
			abort();
		check_match(s, &d);
	}
	mtasts_decision_clear(&d);
}

/* LLVMFuzzerTestOneInput - one input */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf;
	char	why[MTASTS_REASON_MAX];
	size_t	len, off = 0, start, plen, used;
	struct req *r;
	int	n;

	if (size < FUZZ_HEAD)
		return (0);
	init();
	head = data;
	buf = (const char *) data + FUZZ_HEAD;
	len = size - FUZZ_HEAD;
	for (n = 0; n < FUZZ_REQS && off < len; n++) {
		switch (mtasts_netstring_parse(buf + off, len - off,
					       MTASTS_SOCKETMAP_QUERY_MAX, &start,
					       &plen, &used, why, sizeof(why))) {
		case MTASTS_OK:
			r = req_new((struct conn *) &conn_token, buf + off + start, plen);
			off += used;
			break;
		case MTASTS_NONE:
			return (0);
		default:
			r = req_error((struct conn *) &conn_token, why);
			off = len;
			break;
		}
		if (r == NULL)
			abort();
		check(r, r->map_name[0] != 0);
		req_free(r);
	}
	if (gen.refs != 0)
		abort();
	return (0);
}
