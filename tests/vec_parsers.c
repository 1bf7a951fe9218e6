/*++
 * NAME
 *	vec_parsers 3
 * SUMMARY
 *	vector handlers for the RFC 8461 parsers: txt, select, policy,
 *	match, key
 * DESCRIPTION
 *	Each handler reads the fields below from one vector file (format in
 *	vec.h), calls the parser and compares. Every reason a parser writes
 *	is also checked to be printable ASCII, since reasons reach logs.
 *
 *	Building a long input (all kinds that take "input"):
 *	input: / input<<EOF	the start of the input (may be absent)
 *	repeat: TEXT		appended "times" times after it
 *	times: N		(decimal, default 0)
 *	tail: TEXT		appended last
 *
 *	txt	input, expect: ok|perm, id: (required when ok: the exact id),
 *		reason: (required when perm: a substring of the reason)
 *	select	record: (repeated, one per TXT RR; none at all is allowed),
 *		expect: ok|none, id: (when ok), reason: (when none)
 *	policy	input, expect: ok|perm, json: (when ok: the exact
 *		mtasts_policy_json() output), reason: (when perm; name the
 *		line, e.g. "line 3:")
 *	match	pattern: (one or more), host:, expect: match|nomatch. With
 *		one pattern both mtasts_mx_match() and mtasts_policy_match()
 *		are run and must agree; with several, mtasts_policy_match()
 *		over all of them.
 *	key	input, expect: ok|none|perm, domain: (when ok: the exact
 *		normalised domain), reason: (optional substring),
 *		valid: 0|1 (optional: mtasts_domain_valid(input))
 *--*/
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <mtasts/buf.h>
#include <mtasts/domain.h>
#include <mtasts/limits.h>
#include <mtasts/match.h>
#include <mtasts/policy.h>
#include <mtasts/status.h>
#include <mtasts/txt.h>

#include "vec.h"

/* Most repetitions a vector may ask for: enough for 64 KiB + 1. */
#define VEC_TIMES_MAX	(1024 * 1024)

/* build_input - input + repeat * times + tail into a new buffer */

static char *
build_input(const struct vec *v, size_t *lenp, char *why, size_t whylen)
{
	const char *in, *rep, *tail, *times;
	size_t	inlen = 0, replen = 0, taillen = 0, n = 0, i, len;
	char   *buf, *end;

	in = vec_get(v, "input", &inlen);
	rep = vec_get(v, "repeat", &replen);
	tail = vec_get(v, "tail", &taillen);
	if ((times = vec_get(v, "times", NULL)) != NULL) {
		n = strtoul(times, &end, 10);
		if (*times == 0 || *end != 0 || n > VEC_TIMES_MAX) {
			vec_fail(why, whylen, "bad times: %s", times);
			return (NULL);
		}
	}
	if (in == NULL && rep == NULL && tail == NULL) {
		vec_fail(why, whylen, "vector has no input");
		return (NULL);
	}
	len = inlen + (rep ? replen * n : 0) + taillen;
	if ((buf = malloc(len + 1)) == NULL) {
		vec_fail(why, whylen, "out of memory");
		return (NULL);
	}
	len = 0;
	if (in) {
		memcpy(buf, in, inlen);
		len = inlen;
	}
	for (i = 0; rep && i < n; i++, len += replen)
		memcpy(buf + len, rep, replen);
	if (tail) {
		memcpy(buf + len, tail, taillen);
		len += taillen;
	}
	buf[len] = 0;
	*lenp = len;
	return (buf);
}

/* printable - 1 when a reason is NUL-terminated printable ASCII */

static int
printable(const char *s, size_t size)
{
	size_t	i;

	for (i = 0; i < size && s[i]; i++)
		if ((unsigned char) s[i] < 0x20 || (unsigned char) s[i] >= 0x7f)
			return (0);
	return (i < size);
}

/* check_reason - the reason must be printable and contain want */

static int
check_reason(const struct vec *v, const char *got, int required, char *why, size_t whylen)
{
	const char *want = vec_get(v, "reason", NULL);

	if (!printable(got, MTASTS_REASON_MAX))
		return (vec_fail(why, whylen, "reason is not printable ASCII"));
	if (want == NULL)
		return (required ? vec_fail(why, whylen, "vector lacks reason: (got \"%s\")", got) : 0);
	if (strstr(got, want) == NULL)
		return (vec_fail(why, whylen, "reason \"%s\" lacks \"%s\"", got, want));
	return (0);
}

/* expect_of - the expect field, which must be one of the given words */

static const char *
expect_of(const struct vec *v, const char *a, const char *b, const char *c,
	  char *why, size_t whylen)
{
	const char *e = vec_get(v, "expect", NULL);

	if (e && (strcmp(e, a) == 0 || strcmp(e, b) == 0 || (c && strcmp(e, c) == 0)))
		return (e);
	vec_fail(why, whylen, "expect: must be %s|%s%s%s", a, b, c ? "|" : "", c ? c : "");
	return (NULL);
}

/* txt_result - compare a txt parse or select result with the vector */

static int
txt_result(const struct vec *v, enum mtasts_status st, enum mtasts_status bad_st,
	   const struct mtasts_txt *t, const char *reason, char *why, size_t whylen)
{
	const char *expect = vec_get(v, "expect", NULL), *id;

	if (strcmp(expect, "ok") == 0) {
		if (st != MTASTS_OK)
			return (vec_fail(why, whylen, "want ok, got %s: %s",
					 mtasts_status_str(st), reason));
		if ((id = vec_get(v, "id", NULL)) == NULL)
			return (vec_fail(why, whylen, "vector lacks id: (got \"%s\")", t->id));
		if (strcmp(id, t->id) != 0)
			return (vec_fail(why, whylen, "want id \"%s\", got \"%s\"", id, t->id));
		return (0);
	}
	if (st != bad_st)
		return (vec_fail(why, whylen, "want %s, got %s (id \"%s\")", expect,
				 mtasts_status_str(st), t->id));
	if (t->id[0] != 0)
		return (vec_fail(why, whylen, "id \"%s\" left behind on failure", t->id));
	return (check_reason(v, reason, 1, why, whylen));
}

/* vec_txt - mtasts_txt_parse() vectors */

int
vec_txt(const struct vec *v, char *why, size_t whylen)
{
	char	reason[MTASTS_REASON_MAX] = "";
	struct mtasts_txt t;
	enum mtasts_status st;
	size_t	len;
	char   *in;
	int	ret;

	if (expect_of(v, "ok", "perm", NULL, why, whylen) == NULL)
		return (-1);
	if ((in = build_input(v, &len, why, whylen)) == NULL)
		return (-1);
	st = mtasts_txt_parse(in, len, &t, reason, sizeof(reason));
	ret = txt_result(v, st, MTASTS_PERM, &t, reason, why, whylen);
	free(in);
	return (ret);
}

/* vec_select - mtasts_txt_select() vectors */

int
vec_select(const struct vec *v, char *why, size_t whylen)
{
	char	reason[MTASTS_REASON_MAX] = "";
	const char **recs;
	size_t	n = vec_count(v, "record"), i, *lens;
	struct mtasts_txt t;
	enum mtasts_status st;
	int	ret;

	if (expect_of(v, "ok", "none", NULL, why, whylen) == NULL)
		return (-1);
	recs = calloc(n + 1, sizeof(*recs));
	lens = calloc(n + 1, sizeof(*lens));
	if (recs == NULL || lens == NULL) {
		free(recs);
		free(lens);
		return (vec_fail(why, whylen, "out of memory"));
	}
	for (i = 0; i < n; i++)
		recs[i] = vec_nth(v, "record", i, &lens[i]);
	st = mtasts_txt_select(recs, lens, n, &t, reason, sizeof(reason));
	ret = txt_result(v, st, MTASTS_NONE, &t, reason, why, whylen);
	free(recs);
	free(lens);
	return (ret);
}

/* vec_policy - mtasts_policy_parse() and mtasts_policy_json() vectors */

int
vec_policy(const struct vec *v, char *why, size_t whylen)
{
	char	reason[MTASTS_REASON_MAX] = "";
	struct mtasts_policy *p = NULL;
	struct mtasts_buf b = {0};
	const char *expect, *json;
	enum mtasts_status st;
	size_t	len;
	char   *in;
	int	ret = 0;

	if ((expect = expect_of(v, "ok", "perm", NULL, why, whylen)) == NULL)
		return (-1);
	if ((in = build_input(v, &len, why, whylen)) == NULL)
		return (-1);
	st = mtasts_policy_parse(in, len, &p, reason, sizeof(reason));
	free(in);
	if (strcmp(expect, "ok") == 0) {
		if (st != MTASTS_OK)
			return (vec_fail(why, whylen, "want ok, got %s: %s",
					 mtasts_status_str(st), reason));
		mtasts_policy_json(&b, p);
		if ((json = vec_get(v, "json", NULL)) == NULL)
			ret = vec_fail(why, whylen, "vector lacks json: (got %s)",
				       b.oom ? "(oom)" : b.data);
		else if (b.oom || strcmp(json, b.data) != 0)
			ret = vec_fail(why, whylen, "want %s, got %s", json,
				       b.oom ? "(oom)" : b.data);
		mtasts_buf_free(&b);
		mtasts_policy_free(p);
		return (ret);
	}
	if (st != MTASTS_PERM) {
		if (p != NULL) {
			mtasts_policy_json(&b, p);
			ret = vec_fail(why, whylen, "want perm, got %s: %s",
				       mtasts_status_str(st), b.oom ? "(oom)" : b.data);
			mtasts_buf_free(&b);
			mtasts_policy_free(p);
			return (ret);
		}
		return (vec_fail(why, whylen, "want perm, got %s: %s",
				 mtasts_status_str(st), reason));
	}
	if (p != NULL)
		return (vec_fail(why, whylen, "policy pointer left set on failure"));
	return (check_reason(v, reason, 1, why, whylen));
}

/* vec_match - mtasts_mx_match() and mtasts_policy_match() vectors */

int
vec_match(const struct vec *v, char *why, size_t whylen)
{
	struct mtasts_policy p;
	const char *expect, *host;
	size_t	n = vec_count(v, "pattern"), i;
	int	want, got;

	if ((expect = expect_of(v, "match", "nomatch", NULL, why, whylen)) == NULL)
		return (-1);
	if ((host = vec_get(v, "host", NULL)) == NULL || n == 0)
		return (vec_fail(why, whylen, "vector needs pattern: and host:"));
	want = strcmp(expect, "match") == 0;
	memset(&p, 0, sizeof(p));
	p.mode = MTASTS_MODE_ENFORCE;
	p.nmx = n;
	if ((p.mx = calloc(n, sizeof(*p.mx))) == NULL)
		return (vec_fail(why, whylen, "out of memory"));
	for (i = 0; i < n; i++)
		p.mx[i] = (char *) vec_nth(v, "pattern", i, NULL);
	got = mtasts_policy_match(&p, host);
	if (n == 1 && mtasts_mx_match(p.mx[0], host) != got) {
		free(p.mx);
		return (vec_fail(why, whylen, "mtasts_mx_match and mtasts_policy_match disagree"));
	}
	free(p.mx);
	if (got != want)
		return (vec_fail(why, whylen, "want %s, got %s", expect, got ? "match" : "nomatch"));
	return (0);
}

/* vec_key - mtasts_key_normalize() and mtasts_domain_valid() vectors */

int
vec_key(const struct vec *v, char *why, size_t whylen)
{
	char	reason[MTASTS_REASON_MAX] = "", out[MTASTS_DOMAIN_MAX + 1];
	const char *expect, *domain, *valid;
	enum mtasts_status st, want;
	size_t	len;
	char   *in;
	int	ret = 0;

	if ((expect = expect_of(v, "ok", "none", "perm", why, whylen)) == NULL)
		return (-1);
	if ((in = build_input(v, &len, why, whylen)) == NULL)
		return (-1);
	want = strcmp(expect, "ok") == 0 ? MTASTS_OK
		: strcmp(expect, "none") == 0 ? MTASTS_NONE : MTASTS_PERM;
	st = mtasts_key_normalize(in, out, sizeof(out), reason, sizeof(reason));
	if ((valid = vec_get(v, "valid", NULL)) != NULL
	    && mtasts_domain_valid(in) != (strcmp(valid, "1") == 0)) {
		free(in);
		return (vec_fail(why, whylen, "mtasts_domain_valid() is not %s", valid));
	}
	free(in);
	if (st != want)
		return (vec_fail(why, whylen, "want %s, got %s (\"%s\"): %s", expect,
				 mtasts_status_str(st), out, reason));
	if (st == MTASTS_OK) {
		if ((domain = vec_get(v, "domain", NULL)) == NULL)
			return (vec_fail(why, whylen, "vector lacks domain: (got \"%s\")", out));
		if (strcmp(domain, out) != 0)
			return (vec_fail(why, whylen, "want domain \"%s\", got \"%s\"", domain, out));
		return (0);
	}
	if (out[0] != 0)
		ret = vec_fail(why, whylen, "output \"%s\" left behind on %s", out, expect);
	else
		ret = check_reason(v, reason, 0, why, whylen);
	return (ret);
}
