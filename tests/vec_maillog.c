/*++
 * NAME
 *	vec_maillog 3
 * SUMMARY
 *	test vectors for the mail log reader (tests/vectors/maillog/)
 * DESCRIPTION
 *	A vector holds log lines, as captured from the private Postfix and
 *	Sendmail of tests/outcomes.sh (or cut down from them), and the
 *	sessions mtasts_maillog_feed() must emit for them, in order:
 *
 *	log<<END	the lines (their position is the line number, from 0)
 *	now: N		reference time for the year of "Mmm dd" stamps
 *			(default 1796083200, 2026-12-01T00:00:00Z); the
 *			stamps are read as UTC
 *	session: MTA DOMAIN MX ADDR TYPE [WHEN [POS]]
 *			one emitted session; ADDR "-" for none, TYPE "ok"
 *			for success, WHEN (unix time) and POS (the line
 *			that concluded it) checked when given and not "-"
 *	reason: N TEXT	the N-th session's (from 0) reason contains TEXT
 *	resume: N|end	mtasts_maillog_resume() after the last line
 *	unfinished: N	sessions dropped without a status (after the
 *			input, before the tracker is freed; default 0)
 *	notsyslog: N	lines that are not syslog lines (default 0)
 *	Every session must be listed: one more or one less fails.
 *--*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mtasts/maillog.h>

#include "vec.h"

/* Sessions one vector may expect. */
#define VEC_SESSIONS_MAX	256

struct got {
	size_t	n;
	char	line[VEC_SESSIONS_MAX][MTASTS_DOMAIN_MAX * 2 + 200];
	char	reason[VEC_SESSIONS_MAX][MTASTS_REASON_MAX];
	long long when[VEC_SESSIONS_MAX];
	unsigned long long pos[VEC_SESSIONS_MAX];
};

/* collect - the emit callback: one session as a line of text */

static void
collect(void *ctx, const struct mtasts_maillog_session *s)
{
	struct got *g = ctx;

	if (g->n == VEC_SESSIONS_MAX)
		return;
	(void) snprintf(g->line[g->n], sizeof(g->line[g->n]), "%s %s %s %s %s",
			mtasts_maillog_mta_str(s->mta), s->domain, s->mx,
			s->addr ? s->addr : "-", s->result_type ? s->result_type : "ok");
	(void) snprintf(g->reason[g->n], sizeof(g->reason[g->n]), "%s", s->reason);
	g->when[g->n] = (long long) s->when;
	g->pos[g->n] = s->pos;
	g->n++;
}

/* number - an optional numeric field, or def */

static long long
number(const struct vec *v, const char *key, long long def)
{
	const char *s = vec_get(v, key, NULL);

	return (s ? strtoll(s, NULL, 10) : def);
}

/* check_session - compare expectation i with what was emitted */

static int
check_session(const struct vec *v, const struct got *g, size_t i, char *why, size_t whylen)
{
	const char *want = vec_nth(v, "session", i, NULL);
	char	mta[16], dom[300], mx[300], addr[80], type[64], when[32] = "-", pos[32] = "-";
	char	cmp[1024];
	int	n;

	n = sscanf(want, "%15s %299s %299s %79s %63s %31s %31s", mta, dom, mx, addr, type,
		   when, pos);
	if (n < 5)
		return (vec_fail(why, whylen, "session %zu: want 'MTA DOMAIN MX ADDR TYPE"
				 " [WHEN [POS]]', got '%s'", i, want));
	(void) snprintf(cmp, sizeof(cmp), "%s %s %s %s %s", mta, dom, mx, addr, type);
	if (strcmp(cmp, g->line[i]) != 0)
		return (vec_fail(why, whylen, "session %zu: want '%s', got '%s'", i, cmp,
				 g->line[i]));
	if (strcmp(when, "-") != 0 && strtoll(when, NULL, 10) != g->when[i])
		return (vec_fail(why, whylen, "session %zu: want time %s, got %lld", i, when,
				 g->when[i]));
	if (strcmp(pos, "-") != 0 && strtoull(pos, NULL, 10) != g->pos[i])
		return (vec_fail(why, whylen, "session %zu: want line %s, got %llu", i, pos,
				 g->pos[i]));
	return (0);
}

/* check_reasons - "reason: N TEXT" */

static int
check_reasons(const struct vec *v, const struct got *g, char *why, size_t whylen)
{
	const char *r, *text;
	size_t	k, i;
	char   *end;

	for (k = 0; (r = vec_nth(v, "reason", k, NULL)) != NULL; k++) {
		i = (size_t) strtoul(r, &end, 10);
		text = end + (*end == ' ');
		if (end == r || i >= g->n)
			return (vec_fail(why, whylen, "reason '%s': no such session", r));
		if (strstr(g->reason[i], text) == NULL)
			return (vec_fail(why, whylen, "session %zu: reason '%s' lacks '%s'", i,
					 g->reason[i], text));
	}
	return (0);
}

/* vec_maillog - run one vector */

int
vec_maillog(const struct vec *v, char *why, size_t whylen)
{
	struct mtasts_maillog_line *line;
	struct mtasts_maillog *m;
	struct got *g;
	const char *log, *s, *nl, *want;
	size_t	len, i, want_n;
	unsigned long long pos = 0, resume;
	long long notsyslog = 0;
	time_t	now = (time_t) number(v, "now", 1796083200LL);
	int	ret = -1;
	char	rbuf[32];

	if ((log = vec_get(v, "log", &len)) == NULL)
		return (vec_fail(why, whylen, "no log<<"));
	line = malloc(sizeof(*line));
	g = calloc(1, sizeof(*g));
	m = mtasts_maillog_new();
	if (line == NULL || g == NULL || m == NULL) {
		vec_fail(why, whylen, "out of memory");
		goto out;
	}
	for (s = log; s < log + len; s = nl + 1, pos++) {
		if ((nl = memchr(s, '\n', (size_t) (log + len - s))) == NULL)
			nl = log + len;
		switch (mtasts_maillog_parse(s, (size_t) (nl - s), now, 1, line)) {
		case MTASTS_PERM:
			notsyslog++;
			continue;
		case MTASTS_OK:
			if (mtasts_maillog_feed(m, line, pos, collect, g) == MTASTS_TEMP) {
				vec_fail(why, whylen, "line %llu: out of memory", pos);
				goto out;
			}
			break;
		default:
			break;
		}
	}
	want_n = vec_count(v, "session");
	for (i = 0; i < want_n && i < g->n; i++)
		if (check_session(v, g, i, why, whylen) < 0)
			goto out;
	if (want_n != g->n) {
		vec_fail(why, whylen, "want %zu sessions, got %zu%s%s", want_n, g->n,
			 g->n > want_n ? "; the first extra: " : "",
			 g->n > want_n ? g->line[want_n] : "");
		goto out;
	}
	if (check_reasons(v, g, why, whylen) < 0)
		goto out;
	resume = mtasts_maillog_resume(m, pos);
	if (resume == pos)
		(void) snprintf(rbuf, sizeof(rbuf), "end");
	else
		(void) snprintf(rbuf, sizeof(rbuf), "%llu", resume);
	if ((want = vec_get(v, "resume", NULL)) != NULL && strcmp(want, rbuf) != 0) {
		vec_fail(why, whylen, "resume: want %s, got %s", want, rbuf);
		goto out;
	}
	if (number(v, "notsyslog", 0) != notsyslog) {
		vec_fail(why, whylen, "notsyslog: want %lld, got %lld",
			 number(v, "notsyslog", 0), notsyslog);
		goto out;
	}
	if ((unsigned long) number(v, "unfinished", 0) != mtasts_maillog_counts(m)->unfinished) {
		vec_fail(why, whylen, "unfinished: want %lld, got %lu",
			 number(v, "unfinished", 0), mtasts_maillog_counts(m)->unfinished);
		goto out;
	}
	ret = 0;
out:
	mtasts_maillog_free(m);
	free(g);
	free(line);
	return (ret);
}
