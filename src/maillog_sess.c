/*++
 * NAME
 *	maillog_sess 3
 * SUMMARY
 *	TLS sessions from parsed mail log lines, one MTA process at a time
 * SYNOPSIS
 *	#include <mtasts/maillog.h>
 * DESCRIPTION
 *	See maillog.h. A Postfix smtp(8) process or a Sendmail delivery
 *	process talks to one MX at a time, so its lines come in order:
 *	what TLS did for a session (with no queue id and no recipient),
 *	then, once the delivery is over, the status line with the
 *	recipients. Each process (host and TAG[PID]) has a short list of
 *	sessions ("tries"), oldest first:
 *
 *	- a TLS, certificate or failure line for the MX of the newest try,
 *	  while that try is still open (no TLS line yet for a certificate
 *	  line; not closed by an attempt or status line), adds to it;
 *	  otherwise it starts a new try;
 *	- Postfix "QID: Server certificate not verified" and the like close
 *	  the newest try: Postfix moves on to the next MX;
 *	- a status line concludes every try still waiting: the tries before
 *	  the last are the MX hosts that failed first, the last one is the
 *	  host the status names. Each is emitted once per recipient domain
 *	  of the line. A status line with no try waiting is a session that
 *	  logged no TLS line: one that failed as its text says ("TLS is
 *	  required, but was not offered ..."), a connection reused for
 *	  another message (the same MX within MTASTS_MAILLOG_REUSE_MAX
 *	  seconds: new domains only, not a new session), or mail sent in
 *	  clear text (starttls-not-supported) - the last only when TLS
 *	  lines of that MTA have been seen, because without them
 *	  (smtp_tls_loglevel 0, LogLevel below 9) every delivery would look
 *	  like clear text.
 *	A try that waits longer than MTASTS_MAILLOG_PENDING_MAX seconds (by
 *	the log's clock) is dropped and counted as unfinished.
 *--*/
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mtasts/fetch.h>
#include <mtasts/maillog.h>

/* Lines between sweeps of the whole table for tries that waited too long. */
#define SWEEP_LINES	4096

struct try {
	time_t	when;			/* its first line */
	time_t	done_at;		/* its status line */
	unsigned long long first;	/* position of its first line */
	char	mx[MTASTS_DOMAIN_MAX + 1];
	char	addr[MTASTS_MAILLOG_ADDR_MAX];
	char	qid[MTASTS_MAILLOG_QID_MAX];
	const char *type;		/* NULL: success so far */
	char	reason[MTASTS_REASON_MAX];
	int	tls;			/* a TLS line was seen */
	int	closed;			/* later TLS lines are another session */
	int	resolved;		/* its status line came */
	int	reused;			/* a reused connection: never emitted */
	size_t	ndone;
	uint64_t done[MTASTS_MAILLOG_DOMAINS_MAX];	/* domains emitted */
};

struct proc {
	char	key[MTASTS_MAILLOG_PROC_MAX];
	unsigned long long seq;		/* last activity, for eviction */
	time_t	last;
	size_t	n;
	struct try *tries;		/* MTASTS_MAILLOG_TRIES_MAX, oldest first */
};

struct mtasts_maillog {
	struct proc **procs;		/* sorted by key */
	size_t	nprocs;
	size_t	cap;
	unsigned long long seq;
	time_t	latest;			/* newest time seen */
	unsigned long lines;
	struct mtasts_maillog_counts counts;
};

/* mtasts_maillog_new - an empty tracker */

struct mtasts_maillog *
mtasts_maillog_new(void)
{
	return (calloc(1, sizeof(struct mtasts_maillog)));
}

/* hash - FNV-1a of a domain, to remember which ones a try was emitted for */

static uint64_t
hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (*s)
		h = (h ^ (unsigned char) *s++) * 0x100000001b3ULL;
	return (h);
}

/* drop - remove try i of p (counted unfinished when it never concluded) */

static void
drop(struct mtasts_maillog *m, struct proc *p, size_t i)
{
	if (!p->tries[i].resolved && !p->tries[i].reused)
		m->counts.unfinished++;
	memmove(p->tries + i, p->tries + i + 1, (p->n - i - 1) * sizeof(*p->tries));
	p->n--;
}

/* expire - drop tries that waited too long */

static void
expire(struct mtasts_maillog *m, struct proc *p)
{
	size_t	i = 0;

	while (i < p->n) {
		if (!p->tries[i].resolved
		    && p->tries[i].when + MTASTS_MAILLOG_PENDING_MAX < m->latest)
			drop(m, p, i);
		else
			i++;
	}
}

/* proc_free - one process and its tries */

static void
proc_free(struct mtasts_maillog *m, struct proc *p)
{
	while (p->n > 0)
		drop(m, p, 0);
	free(p->tries);
	free(p);
}

/* remove_proc - take entry i out of the table */

static void
remove_proc(struct mtasts_maillog *m, size_t i)
{
	proc_free(m, m->procs[i]);
	memmove(m->procs + i, m->procs + i + 1, (m->nprocs - i - 1) * sizeof(*m->procs));
	m->nprocs--;
}

/* sweep - expire everywhere; forget idle processes with nothing waiting */

static void
sweep(struct mtasts_maillog *m)
{
	size_t	i = 0;
	struct proc *p;

	while (i < m->nprocs) {
		p = m->procs[i];
		expire(m, p);
		if (p->n == 0 || p->last + MTASTS_MAILLOG_PENDING_MAX < m->latest)
			remove_proc(m, i);
		else
			i++;
	}
}

/* find - the slot of key in the sorted table (or where it goes) */

static size_t
find(const struct mtasts_maillog *m, const char *key, int *found)
{
	size_t	lo = 0, hi = m->nprocs, mid;
	int	c;

	*found = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(key, m->procs[mid]->key)) == 0) {
			*found = 1;
			return (mid);
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (lo);
}

/* get_proc - the process of this line, made when new; NULL: no memory */

static struct proc *
get_proc(struct mtasts_maillog *m, const char *key)
{
	struct proc *p, **np;
	size_t	i, old;
	int	found;

	i = find(m, key, &found);
	if (found)
		return (m->procs[i]);
	if (m->nprocs >= MTASTS_MAILLOG_PROCS_MAX) {
		sweep(m);
		if (m->nprocs >= MTASTS_MAILLOG_PROCS_MAX) {
			/* Still full: the least recently active one goes. */
			for (old = 0, i = 1; i < m->nprocs; i++)
				if (m->procs[i]->seq < m->procs[old]->seq)
					old = i;
			remove_proc(m, old);
		}
		i = find(m, key, &found);
	}
	if (m->nprocs == m->cap) {
		size_t	ncap = m->cap ? m->cap * 2 : 64;

		if ((np = realloc(m->procs, ncap * sizeof(*np))) == NULL)
			return (NULL);
		m->procs = np;
		m->cap = ncap;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL
	    || (p->tries = calloc(MTASTS_MAILLOG_TRIES_MAX, sizeof(*p->tries))) == NULL) {
		free(p);
		return (NULL);
	}
	/* Callers give keys that fit: the parser bounds them the same way. */
	(void) snprintf(p->key, sizeof(p->key), "%s", key);
	memmove(m->procs + i + 1, m->procs + i, (m->nprocs - i) * sizeof(*m->procs));
	m->procs[i] = p;
	m->nprocs++;
	return (p);
}

/* same_mx - is the line about this try's MX? */

static int
same_mx(const struct try *t, const struct mtasts_maillog_line *e)
{
	return (strcmp(t->mx, e->mx) == 0
		&& (t->addr[0] == 0 || e->addr[0] == 0 || strcmp(t->addr, e->addr) == 0));
}

/* open_try - the newest try if it is still open for this line, else NULL */

static struct try *
open_try(struct proc *p, const struct mtasts_maillog_line *e)
{
	struct try *t;

	if (p->n == 0)
		return (NULL);
	t = p->tries + p->n - 1;
	if (t->resolved || t->closed || (e->mx[0] && !same_mx(t, e)))
		return (NULL);
	return (t);
}

/* new_try - a session starts; an earlier concluded one is over */

static struct try *
new_try(struct mtasts_maillog *m, struct proc *p,
	const struct mtasts_maillog_line *e, unsigned long long pos)
{
	struct try *t;
	size_t	i = 0;

	/* One connection at a time per process: what concluded is over. */
	while (i < p->n) {
		if (p->tries[i].resolved)
			drop(m, p, i);
		else
			i++;
	}
	if (p->n == MTASTS_MAILLOG_TRIES_MAX)
		drop(m, p, 0);
	t = p->tries + p->n++;
	memset(t, 0, sizeof(*t));
	t->when = e->when;
	t->first = pos;
	memcpy(t->mx, e->mx, sizeof(t->mx));
	memcpy(t->addr, e->addr, sizeof(t->addr));
	return (t);
}

/* note - what the line says becomes the try's reason when it decides */

static void
note(struct try *t, const struct mtasts_maillog_line *e, const char *type)
{
	if (type != NULL && t->type == NULL) {
		t->type = type;
		memcpy(t->reason, e->text, sizeof(t->reason));
	} else if (t->reason[0] == 0) {
		memcpy(t->reason, e->text, sizeof(t->reason));
	}
	if (t->addr[0] == 0 && e->addr[0] != 0)
		memcpy(t->addr, e->addr, sizeof(t->addr));
}

/* emit_try - a concluded try, once per domain of the status line */

static void
emit_try(struct mtasts_maillog *m, struct try *t, const struct mtasts_maillog_line *e,
	 unsigned long long pos,
	 void (*emit)(void *, const struct mtasts_maillog_session *), void *ctx)
{
	struct mtasts_maillog_session s;
	size_t	i, k;
	uint64_t h;

	if (!t->resolved && !t->reused)
		m->counts.sessions++;
	t->resolved = 1;
	t->done_at = e->when;
	if (t->qid[0] == 0)
		memcpy(t->qid, e->qid, sizeof(t->qid));
	for (i = 0; i < e->ndomains; i++) {
		h = hash(e->domains[i]);
		for (k = 0; k < t->ndone && t->done[k] != h; k++)
			;
		if (k < t->ndone || t->ndone == MTASTS_MAILLOG_DOMAINS_MAX)
			continue;
		t->done[t->ndone++] = h;
		if (t->reused)
			continue;
		memset(&s, 0, sizeof(s));
		s.mta = e->mta;
		s.when = t->when;
		s.pos = pos;
		s.domain = e->domains[i];
		s.mx = t->mx;
		s.addr = t->addr[0] ? t->addr : NULL;
		s.qid = t->qid;
		s.result_type = t->type;
		s.reason = t->reason;
		m->counts.emitted++;
		emit(ctx, &s);
	}
}

/* status - a delivery status concludes the tries waiting */

static void
status(struct mtasts_maillog *m, struct proc *p, const struct mtasts_maillog_line *e,
       unsigned long long pos,
       void (*emit)(void *, const struct mtasts_maillog_session *), void *ctx)
{
	struct try *t, *last = NULL;
	size_t	i, first;

	for (first = 0; first < p->n && p->tries[first].resolved; first++)
		;
	if (first == p->n) {
		/* No TLS line for it: reused, failed as it says, or clear text. */
		for (i = p->n; i-- > 0;)
			if (same_mx(p->tries + i, e)
			    && p->tries[i].done_at + MTASTS_MAILLOG_REUSE_MAX >= e->when)
				break;
		if (e->type == NULL && i < p->n) {
			emit_try(m, p->tries + i, e, pos, emit, ctx);
			return;
		}
		if (e->type == NULL && (e->reused || !e->sent || m->counts.tls_lines[e->mta] == 0))
			return;
		t = new_try(m, p, e, pos);
		note(t, e, e->type ? e->type : MTASTS_RESULT_STARTTLS_NOT_SUPPORTED);
		if (e->type == NULL)
			mtasts_why(t->reason, sizeof(t->reason), "delivered without TLS: %s", e->text);
	} else {
		last = p->tries + p->n - 1;
		if (!same_mx(last, e) && (e->type != NULL
		    || (e->sent && !e->reused && m->counts.tls_lines[e->mta] > 0))) {
			/* The status names another MX than the last TLS line. */
			t = new_try(m, p, e, pos);
			note(t, e, e->type ? e->type : MTASTS_RESULT_STARTTLS_NOT_SUPPORTED);
		} else if (same_mx(last, e) && !last->tls) {
			note(last, e, e->type);
		} else if (same_mx(last, e) && last->addr[0] == 0) {
			/* Sendmail's STARTTLS line has no address; its status has. */
			memcpy(last->addr, e->addr, sizeof(last->addr));
		}
	}
	/* new_try() may have dropped concluded tries: look again. */
	for (first = 0; first < p->n && p->tries[first].resolved; first++)
		;
	for (i = first; i < p->n; i++)
		emit_try(m, p->tries + i, e, pos, emit, ctx);
	/* Keep only the newest concluded try, for reuse by the next status. */
	while (p->n > 1)
		drop(m, p, 0);
}

/* mtasts_maillog_feed - one parsed line */

enum mtasts_status
mtasts_maillog_feed(struct mtasts_maillog *m, const struct mtasts_maillog_line *e,
		    unsigned long long pos,
		    void (*emit)(void *, const struct mtasts_maillog_session *), void *ctx)
{
	struct proc *p;
	struct try *t;

	if (e->ev == MTASTS_MAILLOG_EV_NONE)
		return (MTASTS_NONE);
	m->counts.events++;
	if (e->when > m->latest)
		m->latest = e->when;
	if (++m->lines % SWEEP_LINES == 0)
		sweep(m);
	if ((p = get_proc(m, e->proc)) == NULL)
		return (MTASTS_TEMP);
	p->seq = ++m->seq;
	p->last = e->when;
	expire(m, p);
	t = open_try(p, e);
	switch (e->ev) {
	case MTASTS_MAILLOG_EV_TLS:
		m->counts.tls_lines[e->mta]++;
		if (t == NULL || t->tls)
			t = new_try(m, p, e, pos);
		t->tls = 1;
		note(t, e, e->verified ? NULL : e->type ? e->type
		     : MTASTS_RESULT_CERT_NOT_TRUSTED);
		break;
	case MTASTS_MAILLOG_EV_REUSED:
		m->counts.tls_lines[e->mta]++;
		t = new_try(m, p, e, pos);
		t->tls = t->reused = 1;
		note(t, e, e->verified ? NULL : e->type);
		break;
	case MTASTS_MAILLOG_EV_CERT:
		if (e->mx[0] == 0) {
			/* Sendmail's verifymsg: says why verify=FAIL. */
			if (t != NULL && t->tls && (t->type == NULL
			    || strcmp(t->type, MTASTS_RESULT_CERT_NOT_TRUSTED) == 0)) {
				t->type = NULL;
				note(t, e, e->type);
			}
			break;
		}
		if (t == NULL || t->tls)
			t = new_try(m, p, e, pos);
		note(t, e, e->type);
		break;
	case MTASTS_MAILLOG_EV_FAIL:
		if (t == NULL)
			t = new_try(m, p, e, pos);
		note(t, e, e->type);
		break;
	case MTASTS_MAILLOG_EV_ATTEMPT:
		/* "... not offered by host H[A]" names its MX; other texts
		 * close the session the lines before were about. */
		if (e->mx[0] && (t == NULL || t->tls))
			t = new_try(m, p, e, pos);
		if (t == NULL)
			break;
		note(t, e, e->type);
		memcpy(t->qid, e->qid, sizeof(t->qid));
		t->closed = 1;
		break;
	case MTASTS_MAILLOG_EV_STATUS:
		status(m, p, e, pos, emit, ctx);
		break;
	case MTASTS_MAILLOG_EV_NONE:
		break;
	}
	return (MTASTS_OK);
}

/* mtasts_maillog_resume - where the oldest waiting session began */

unsigned long long
mtasts_maillog_resume(const struct mtasts_maillog *m, unsigned long long end)
{
	unsigned long long pos = end;
	size_t	i, k;

	for (i = 0; i < m->nprocs; i++)
		for (k = 0; k < m->procs[i]->n; k++)
			if (!m->procs[i]->tries[k].resolved && m->procs[i]->tries[k].first < pos)
				pos = m->procs[i]->tries[k].first;
	return (pos);
}

/* mtasts_maillog_counts - what the tracker saw */

const struct mtasts_maillog_counts *
mtasts_maillog_counts(const struct mtasts_maillog *m)
{
	return (&m->counts);
}

/* mtasts_maillog_free - everything; waiting tries count as unfinished */

void
mtasts_maillog_free(struct mtasts_maillog *m)
{
	if (m == NULL)
		return;
	while (m->nprocs > 0)
		remove_proc(m, m->nprocs - 1);
	free(m->procs);
	free(m);
}
