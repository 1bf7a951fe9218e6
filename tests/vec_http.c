/*++
 * NAME
 *	vec_http 3
 * SUMMARY
 *	test vectors for the HTTP response parser (tests/vectors/http)
 * DESCRIPTION
 *	A vector builds the raw response from its fields, in file order:
 *
 *	response<<EOF	lines of the response; each "\n" becomes "\r\n"
 *			unless the vector says "eol: lf" (for bare-LF tests).
 *			A block always ends in a line end, so a body without
 *			one follows as a one-line "response:" field.
 *	response: TEXT	bytes with escapes (\r \n \0 \xHH), taken as they are
 *	fill: N		N bytes "x" (large bodies without a huge file)
 *
 *	then feeds it to the parser whole, byte by byte and in 7- and
 *	4096-byte pieces, calls mtasts_http_eof() unless "eof: no", and
 *	requires the four runs to agree. Expectations:
 *
 *	expect: ok|error|more	the final result (more: still incomplete)
 *	error: TEXT		substring of the reason (with expect: error)
 *	status: N		final status code
 *	body: TEXT		exact body, or body-len: N for its length
 *	header: NAME: VALUE	mtasts_http_header(NAME, 0) is VALUE
 *	rest: N			bytes left unconsumed after the response
 *	policy: ok		mtasts_http_check_policy() accepts the head,
 *	policy-error: TEXT	or rejects it with TEXT in the reason
 *	body-max: N		parser body limit (default MTASTS_POLICY_MAX)
 *--*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mtasts/http.h>
#include <mtasts/limits.h>

#include "vec.h"

struct outcome {
	enum mtasts_status st;
	char	why[512];
	int	status;
	size_t	used;
	char   *body;
	size_t	bodylen;
	enum mtasts_status pst;
	char	pwhy[512];
};

/* build - assemble the raw response from the vector's fields */

static char *
build(const struct vec *v, size_t *outlen)
{
	const char *eol = vec_get(v, "eol", NULL);
	int	crlf = !(eol && strcmp(eol, "lf") == 0);
	char   *out = NULL, *n;
	size_t	len = 0, i, j, add;

	for (i = 0; i < v->n; i++) {
		const struct vec_field *f = &v->f[i];

		if (strcmp(f->key, "fill") == 0) {
			add = (size_t) strtoul(f->val, NULL, 10);
			if ((n = realloc(out, len + add + 1)) == NULL)
				goto oom;
			out = n;
			memset(out + len, 'x', add);
			len += add;
			continue;
		}
		if (strcmp(f->key, "response") != 0)
			continue;
		/* A block ends in "\n"; a one-line value has no newline. */
		if ((n = realloc(out, len + 2 * f->len + 1)) == NULL)
			goto oom;
		out = n;
		for (j = 0; j < f->len; j++) {
			if (crlf && f->val[j] == '\n'
			    && (j == 0 || f->val[j - 1] != '\r'))
				out[len++] = '\r';
			out[len++] = f->val[j];
		}
	}
	if (out == NULL && (out = malloc(1)) == NULL)
		return (NULL);
	*outlen = len;
	return (out);
oom:
	free(out);
	return (NULL);
}

/* run - feed the input in pieces of chunk bytes */

static int
run(const struct vec *v, const char *in, size_t inlen, size_t chunk,
    struct outcome *o)
{
	const char *bm = vec_get(v, "body-max", NULL);
	const char *eof = vec_get(v, "eof", NULL);
	struct mtasts_http *h;
	size_t	off = 0, piece, used;

	memset(o, 0, sizeof(*o));
	if ((h = mtasts_http_new(bm ? (size_t) strtoul(bm, NULL, 10) : 0)) == NULL)
		return (-1);
	o->st = MTASTS_NONE;
	while (off < inlen) {
		piece = inlen - off < chunk ? inlen - off : chunk;
		o->st = mtasts_http_feed(h, in + off, piece, &used, o->why,
					 sizeof(o->why));
		off += used;
		if (o->st != MTASTS_NONE)
			break;
		if (used != piece) {
			(void) snprintf(o->why, sizeof(o->why),
				"feed consumed %zu of %zu bytes but wants more",
				used, piece);
			o->st = MTASTS_TEMP;
			break;
		}
	}
	if (o->st == MTASTS_NONE && !(eof && strcmp(eof, "no") == 0))
		o->st = mtasts_http_eof(h, o->why, sizeof(o->why));
	o->used = off;
	o->status = mtasts_http_status(h);
	o->pst = mtasts_http_check_policy(h, o->pwhy, sizeof(o->pwhy));
	o->body = mtasts_http_take_body(h, &o->bodylen);
	mtasts_http_free(h);
	return (o->body ? 0 : -1);
}

/* same - do two runs agree? */

static int
same(const struct outcome *a, const struct outcome *b)
{
	/* After an error, how much was consumed or kept does not matter. */
	if (a->st != b->st || strcmp(a->why, b->why) != 0
	    || a->status != b->status || a->pst != b->pst
	    || strcmp(a->pwhy, b->pwhy) != 0)
		return (0);
	if (a->st == MTASTS_PERM)
		return (1);
	return (a->used == b->used && a->bodylen == b->bodylen
		&& memcmp(a->body, b->body, a->bodylen) == 0);
}

/* check - compare one outcome with the vector's expectations */

static int
check(const struct vec *v, const struct outcome *o, size_t inlen,
      char *why, size_t whylen)
{
	const char *s;
	size_t	len;

	if ((s = vec_get(v, "expect", NULL)) == NULL)
		return (vec_fail(why, whylen, "vector has no 'expect:'"));
	if (strcmp(s, "ok") == 0 ? o->st != MTASTS_OK
	    : strcmp(s, "error") == 0 ? o->st != MTASTS_PERM
	    : strcmp(s, "more") == 0 ? o->st != MTASTS_NONE : 1)
		return (vec_fail(why, whylen, "expected %s, got %s (%s)", s,
				 mtasts_status_str(o->st), o->why));
	if ((s = vec_get(v, "error", NULL)) != NULL && strstr(o->why, s) == NULL)
		return (vec_fail(why, whylen, "reason \"%s\" lacks \"%s\"", o->why, s));
	if ((s = vec_get(v, "status", NULL)) != NULL && o->status != (int) strtol(s, NULL, 10))
		return (vec_fail(why, whylen, "status %d, expected %s", o->status, s));
	if ((s = vec_get(v, "body", &len)) != NULL
	    && (len != o->bodylen || memcmp(s, o->body, len) != 0))
		return (vec_fail(why, whylen, "body \"%.*s\" (%zu bytes) differs",
				 (int) (o->bodylen > 200 ? 200 : o->bodylen),
				 o->body, o->bodylen));
	if ((s = vec_get(v, "body-len", NULL)) != NULL
	    && o->bodylen != (size_t) strtoul(s, NULL, 10))
		return (vec_fail(why, whylen, "body length %zu, expected %s",
				 o->bodylen, s));
	if ((s = vec_get(v, "rest", NULL)) != NULL
	    && inlen - o->used != (size_t) strtoul(s, NULL, 10))
		return (vec_fail(why, whylen, "%zu bytes unconsumed, expected %s",
				 inlen - o->used, s));
	if ((s = vec_get(v, "policy", NULL)) != NULL && o->pst != MTASTS_OK)
		return (vec_fail(why, whylen, "policy check failed: %s", o->pwhy));
	if ((s = vec_get(v, "policy-error", NULL)) != NULL
	    && (o->pst == MTASTS_OK || strstr(o->pwhy, s) == NULL))
		return (vec_fail(why, whylen, "policy check \"%s\" lacks \"%s\"",
				 o->pst == MTASTS_OK ? "ok" : o->pwhy, s));
	return (0);
}

/* check_headers - "header: NAME: VALUE" lines, on a fresh whole run */

static int
check_headers(const struct vec *v, const char *in, size_t inlen,
	      char *why, size_t whylen)
{
	struct mtasts_http *h;
	const char *s, *colon, *got;
	char	name[256], err[256];
	size_t	i, used;
	int	ret = 0;

	if (vec_count(v, "header") == 0)
		return (0);
	if ((h = mtasts_http_new(0)) == NULL)
		return (vec_fail(why, whylen, "out of memory"));
	(void) mtasts_http_feed(h, in, inlen, &used, err, sizeof(err));
	for (i = 0; ret == 0 && (s = vec_nth(v, "header", i, NULL)) != NULL; i++) {
		if ((colon = strchr(s, ':')) == NULL
		    || (size_t) (colon - s) >= sizeof(name)) {
			ret = vec_fail(why, whylen, "bad 'header:' expectation");
			break;
		}
		memcpy(name, s, (size_t) (colon - s));
		name[colon - s] = 0;
		for (colon++; *colon == ' '; colon++)
			continue;
		got = mtasts_http_header(h, name, 0);
		if (got == NULL || strcmp(got, colon) != 0)
			ret = vec_fail(why, whylen, "header %s is \"%s\", expected \"%s\"",
				       name, got ? got : "(none)", colon);
	}
	mtasts_http_free(h);
	return (ret);
}

/* vec_http - run one HTTP parser vector */

int
vec_http(const struct vec *v, char *why, size_t whylen)
{
	static const size_t chunks[] = {1, 7, 4096};
	struct outcome whole, part;
	char   *in;
	size_t	inlen, i;
	int	ret;

	if ((in = build(v, &inlen)) == NULL)
		return (vec_fail(why, whylen, "out of memory"));
	if (run(v, in, inlen, inlen ? inlen : 1, &whole) < 0) {
		free(in);
		return (vec_fail(why, whylen, "out of memory"));
	}
	ret = check(v, &whole, inlen, why, whylen);
	for (i = 0; ret == 0 && i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		if (run(v, in, inlen, chunks[i], &part) < 0) {
			ret = vec_fail(why, whylen, "out of memory");
			break;
		}
		/* Where the input is cut must never change the outcome. */
		if (!same(&whole, &part))
			ret = vec_fail(why, whylen, "fed in %zu-byte pieces: %s "
				       "\"%s\" status %d body %zu bytes, whole: %s "
				       "\"%s\"", chunks[i], mtasts_status_str(part.st),
				       part.why, part.status, part.bodylen,
				       mtasts_status_str(whole.st), whole.why);
		free(part.body);
	}
	if (ret == 0)
		ret = check_headers(v, in, inlen, why, whylen);
	free(whole.body);
	free(in);
	return (ret);
}
