/*++
 * NAME
 *	vec_netstring 3
 * SUMMARY
 *	vector handler for the netstring parser (tests/vectors/netstring)
 * DESCRIPTION
 *	The input is a byte stream as a socketmap client might send it;
 *	the handler takes netstrings off its front with
 *	mtasts_netstring_parse() until the parser stops, and compares:
 *
 *	input: / input<<EOF	the start of the stream (escapes allowed)
 *	repeat: TEXT		appended "times" times after it
 *	times: N		(decimal, default 0)
 *	tail: TEXT		appended last
 *	max: N			largest payload (default 10000, the
 *				socketmap query limit)
 *	payload: TEXT		one per netstring expected, in order
 *	end: none|perm		how the stream ends: "none" when the parser
 *				wants more bytes (an empty rest included)
 *	reason: TEXT		when perm: a substring of the reason
 *
 *	Then the incremental contract is checked on every prefix of the
 *	stream: a prefix yields a prefix of the payloads, and it is
 *	malformed only if the whole stream is (bytes that may still
 *	become valid are never refused).
 *--*/
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <mtasts/limits.h>
#include <mtasts/netstring.h>
#include <mtasts/status.h>

#include "vec.h"

/* Repetitions a vector may ask for: enough for lengths past 10^6. */
#define NS_TIMES_MAX	(4 * 1024 * 1024)

/* ns_number - a decimal field; -1 when malformed */

static long
ns_number(const char *s, long dflt, long maxv)
{
	char   *end;
	long	n;

	if (s == NULL)
		return (dflt);
	n = strtol(s, &end, 10);
	if (*s == 0 || *end != 0 || n < 0 || n > maxv)
		return (-1);
	return (n);
}

/* ns_input - input + repeat * times + tail */

static char *
ns_input(const struct vec *v, size_t *lenp, char *why, size_t whylen)
{
	const char *in, *rep, *tail;
	size_t	inlen = 0, replen = 0, taillen = 0, i, len;
	long	n;
	char   *buf;

	in = vec_get(v, "input", &inlen);
	rep = vec_get(v, "repeat", &replen);
	tail = vec_get(v, "tail", &taillen);
	if ((n = ns_number(vec_get(v, "times", NULL), 0, NS_TIMES_MAX)) < 0) {
		vec_fail(why, whylen, "bad times");
		return (NULL);
	}
	if (in == NULL && rep == NULL && tail == NULL) {
		vec_fail(why, whylen, "vector has no input");
		return (NULL);
	}
	len = inlen + (rep ? replen * (size_t) n : 0) + taillen;
	if ((buf = malloc(len + 1)) == NULL) {
		vec_fail(why, whylen, "out of memory");
		return (NULL);
	}
	len = 0;
	if (in) {
		memcpy(buf, in, inlen);
		len = inlen;
	}
	for (i = 0; rep && i < (size_t) n; i++, len += replen)
		memcpy(buf + len, rep, replen);
	if (tail) {
		memcpy(buf + len, tail, taillen);
		len += taillen;
	}
	buf[len] = 0;
	*lenp = len;
	return (buf);
}

/* ns_run - parse netstrings off buf; returns the final status */

static enum mtasts_status
ns_run(const char *buf, size_t len, size_t max, const struct vec *v,
       size_t *count, char *reason, size_t reasonlen, char *why,
       size_t whylen)
{
	const char *want;
	size_t	off = 0, start, plen, used, wlen;
	enum mtasts_status st;

	*count = 0;
	for (;;) {
		reason[0] = 0;
		st = mtasts_netstring_parse(buf + off, len - off, max, &start,
					    &plen, &used, reason, reasonlen);
		if (st != MTASTS_OK)
			return (st);
		if (used > len - off || start + plen >= used) {
			vec_fail(why, whylen, "netstring %zu: bad offsets", *count);
			return (MTASTS_TEMP);
		}
		/* With v == NULL only the payload count is wanted. */
		if (v != NULL) {
			want = vec_nth(v, "payload", *count, &wlen);
			if (want == NULL || wlen != plen
			    || memcmp(want, buf + off + start, plen) != 0) {
				vec_fail(why, whylen, "netstring %zu: payload "
					 "differs (got %zu bytes)", *count, plen);
				return (MTASTS_TEMP);
			}
		}
		(*count)++;
		off += used;
	}
}

/* vec_netstring - one netstring vector */

int
vec_netstring(const struct vec *v, char *why, size_t whylen)
{
	char	reason[MTASTS_REASON_MAX], r2[MTASTS_REASON_MAX];
	const char *end, *want;
	size_t	len, count, k, c2;
	enum mtasts_status st, st2;
	long	max;
	char   *buf;
	int	ret = -1;

	if ((end = vec_get(v, "end", NULL)) == NULL
	    || (strcmp(end, "none") != 0 && strcmp(end, "perm") != 0))
		return (vec_fail(why, whylen, "end: must be none or perm"));
	if ((max = ns_number(vec_get(v, "max", NULL), 10000, 1000000000L)) < 0)
		return (vec_fail(why, whylen, "bad max"));
	if ((buf = ns_input(v, &len, why, whylen)) == NULL)
		return (-1);

	st = ns_run(buf, len, (size_t) max, v, &count, reason, sizeof(reason),
		    why, whylen);
	if (st == MTASTS_TEMP)
		goto out;
	if (count != vec_count(v, "payload")) {
		vec_fail(why, whylen, "%zu netstrings, want %zu", count,
			 vec_count(v, "payload"));
		goto out;
	}
	if ((st == MTASTS_PERM) != (strcmp(end, "perm") == 0)) {
		vec_fail(why, whylen, "stream ends %s, want %s (%s)",
			 st == MTASTS_PERM ? "perm" : "none", end, reason);
		goto out;
	}
	if (st == MTASTS_PERM) {
		for (k = 0; reason[k]; k++)
			if ((unsigned char) reason[k] < 0x20 || reason[k] == 0x7f) {
				vec_fail(why, whylen, "reason is not printable");
				goto out;
			}
		want = vec_get(v, "reason", NULL);
		if (want && strstr(reason, want) == NULL) {
			vec_fail(why, whylen, "reason \"%s\" lacks \"%s\"", reason, want);
			goto out;
		}
	}

	/* Every prefix: fewer or equal payloads, perm only if st is. */
	for (k = 0; k < len; k++) {
		st2 = ns_run(buf, k, (size_t) max, NULL, &c2, r2, sizeof(r2),
			     why, whylen);
		if (st2 == MTASTS_TEMP)
			goto out;
		if (c2 > count || (st2 == MTASTS_PERM && st != MTASTS_PERM)) {
			vec_fail(why, whylen, "prefix of %zu bytes: %zu netstrings, "
				 "%s", k, c2, st2 == MTASTS_PERM ? r2 : "ok");
			goto out;
		}
	}
	ret = 0;
out:
	free(buf);
	return (ret);
}
