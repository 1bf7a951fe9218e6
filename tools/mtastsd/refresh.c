/*++
 * NAME
 *	refresh 3
 * SUMMARY
 *	proactive refresh: cached policies are renewed before deliveries ask
 * SYNOPSIS
 *	#include "mtastsd.h"
 * DESCRIPTION
 *	Every daemon.refresh_period seconds (and once at start-up) a sweep
 *	walks the policy cache in a worker (mtasts_cache_foreach(), a
 *	snapshot: it never blocks writers) and picks the cached policies
 *	that need work:
 *
 *	expired			looked up again through the store (a fetch)
 *	expiring soon		fetched anew (MTASTS_STORE_REFETCH) when less than
 *				MTASTS_DAEMON_REFRESH_AHEAD is left, at most
 *				half the policy's lifetime, and at least two
 *				refresh periods (so no sweep misses the window)
 *	checked longer than	looked up through the store, which re-checks
 *	cache.refresh_interval	the TXT id and fetches when it changed
 *	ago
 *
 *	Each sweep first lets the store rebuild a cache file that was found
 *	damaged (mtasts_store_repair()): until then every lookup defers.
 *	"No policy" entries are not refreshed: they are most of the cache
 *	(most domains publish no MTA-STS) and a miss costs only a lookup.
 *
 *	The picked domains are worked off by at most
 *	MTASTS_DAEMON_REFRESH_CONCURRENCY jobs at a time (and at most half
 *	the workers), queued behind delivery lookups, so deliveries keep
 *	hitting the cache and never wait for the sweep. One line per domain
 *	and one summary per sweep are logged.
 *
 *	refresh_now(1) (SIGUSR1) sweeps at once and fetches every cached
 *	policy anew whatever its age: the way to test refresh, or to pick
 *	up policy changes without waiting.
 *--*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <event2/event.h>

#include <mtasts/cache.h>
#include <mtasts/clock.h>
#include <mtasts/store.h>

#include "mtastsd.h"

enum due_kind {
	DUE_LOOKUP,			/* through the store: re-check or fetch */
	DUE_REFETCH			/* fetch whatever the id */
};

struct due {
	enum due_kind kind;
	char	domain[MTASTS_DOMAIN_MAX + 1];
};

struct rjob {
	struct job job;			/* first */
	struct gen *gen;
	int	force;
	/* sweep */
	struct due *due;
	size_t	ndue;
	/* one domain */
	struct due one;
	enum mtasts_status st;
	char	why[MTASTS_REASON_MAX];
};

static struct event_base *rf_base;
static struct event *rf_timer;
static struct due *queue;		/* the sweep's picks */
static size_t nqueue, qnext;
static unsigned inflight;
static int sweeping;			/* sweep job or picks under way */
static int force_pending;		/* SIGUSR1 during a sweep */
static size_t n_ok, n_failed;
static double sweep_t0;

static void dispatch(void);

/* pick - one cache entry: does it need work? (worker, in foreach) */

static int
pick(void *arg, const struct mtasts_cache_entry *e)
{
	struct rjob *rj = arg;
	time_t	now = mtasts_now(), life, ahead, period;
	struct due *d;
	const struct mtasts_config *cfg = rj->gen->cfg;
	enum due_kind kind;

	if (e->kind != MTASTS_CACHE_POLICY)
		return (0);
	life = e->expires_at - e->fetched_at;
	ahead = life / 2 < MTASTS_DAEMON_REFRESH_AHEAD ? life / 2 : MTASTS_DAEMON_REFRESH_AHEAD;
	period = (time_t) cfg->daemon_refresh_period;
	if (ahead < 2 * period)
		ahead = 2 * period;
	if (rj->force)
		kind = DUE_REFETCH;
	else if (now >= e->expires_at)
		kind = DUE_LOOKUP;
	else if (e->expires_at - now <= ahead)
		kind = DUE_REFETCH;
	else if (now - e->last_checked >= (time_t) cfg->cache_refresh_interval)
		kind = DUE_LOOKUP;
	else
		return (0);
	if (rj->ndue % 64 == 0) {
		if ((d = realloc(rj->due, (rj->ndue + 64) * sizeof(*d))) == NULL)
			return (1);
		rj->due = d;
	}
	rj->due[rj->ndue].kind = kind;
	/* Fits: the cache key has the same size. */
	(void) snprintf(rj->due[rj->ndue].domain, sizeof(rj->due[0].domain), "%s",
			e->domain);
	return (++rj->ndue >= MTASTS_DAEMON_REFRESH_BATCH);
}

/* sweep_run - walk the cache (worker) */

static void
sweep_run(struct job *j, struct worker *w)
{
	struct rjob *rj = (struct rjob *) j;
	struct mtasts_cache *cache;
	char	why[MTASTS_REASON_MAX];

	/*
	 * A cache file found damaged since the last sweep makes every lookup
	 * defer: rebuild it (the store logs that every policy is refetched).
	 */
	switch (mtasts_store_repair(rj->gen->store, why, sizeof(why))) {
	case MTASTS_OK:
	case MTASTS_NONE:
		break;
	default:
		log_msg(LOG_ERR, "refresh: policy cache: %s", why);
		break;
	}
	rj->st = mtasts_cache_open(rj->gen->cfg->cache_path, MTASTS_CACHE_RDONLY,
				   &cache, rj->why, sizeof(rj->why));
	if (rj->st != MTASTS_OK && rj->st != MTASTS_NONE)
		return;
	rj->st = mtasts_cache_foreach(cache, pick, rj, rj->why, sizeof(rj->why));
	mtasts_cache_close(cache);
}

/* sweep_done - take the picks (loop) */

static void
sweep_done(struct job *j)
{
	struct rjob *rj = (struct rjob *) j;

	if (rj->st != MTASTS_OK && rj->st != MTASTS_NONE)
		log_msg(LOG_WARNING, "refresh: cache sweep: %s", rj->why);
	queue = rj->due;
	nqueue = rj->ndue;
	qnext = 0;
	gen_release(rj->gen);
	free(rj);
	dispatch();
}

/* one_run - refresh one domain (worker) */

static void
one_run(struct job *j, struct worker *w)
{
	struct rjob *rj = (struct rjob *) j;
	struct mtasts_lookup l;

	mtasts_store_lookup(rj->gen->store, rj->one.domain,
			    rj->one.kind == DUE_REFETCH ? MTASTS_STORE_REFETCH : 0, &l);
	if (l.internal)
		rj->st = MTASTS_TEMP;
	else if (l.outcome != MTASTS_OUTCOME_POLICY)
		rj->st = MTASTS_NONE;
	else if (rj->one.kind == DUE_REFETCH && l.from_cache)
		rj->st = MTASTS_TEMP;		/* the fetch failed; the cached one stays */
	else
		rj->st = MTASTS_OK;
	mtasts_why(rj->why, sizeof(rj->why), "%s: %s", mtasts_outcome_str(l.outcome),
		   l.reason);
	mtasts_lookup_clear(&l);
}

/* one_done - log, and take the next pick (loop) */

static void
one_done(struct job *j)
{
	struct rjob *rj = (struct rjob *) j;

	if (rj->st == MTASTS_OK)
		n_ok++;
	else
		n_failed++;
	log_msg(rj->st == MTASTS_OK ? LOG_INFO : LOG_WARNING,
		"refresh domain=%s action=%s result=%s reason=\"%s\"", rj->one.domain,
		rj->one.kind == DUE_REFETCH ? "refetch" : "lookup",
		mtasts_status_str(rj->st), rj->why);
	inflight--;
	gen_release(rj->gen);
	free(rj);
	dispatch();
}

/* concurrency - refresh jobs at once: the rest of the workers serve mail */

static unsigned
concurrency(void)
{
	unsigned half = gen_current()->cfg->daemon_workers / 2;

	if (half < 1)
		half = 1;
	return (half < MTASTS_DAEMON_REFRESH_CONCURRENCY ? half
		: MTASTS_DAEMON_REFRESH_CONCURRENCY);
}

/* dispatch - start picks up to the limit; close the sweep when done */

static void
dispatch(void)
{
	struct rjob *rj;

	while (queue != NULL && qnext < nqueue && inflight < concurrency()) {
		if ((rj = calloc(1, sizeof(*rj))) == NULL) {
			log_msg(LOG_ERR, "refresh: out of memory, sweep cut short");
			qnext = nqueue;
			break;
		}
		rj->one = queue[qnext++];
		rj->gen = gen_hold(gen_current());
		rj->job.run = one_run;
		rj->job.done = one_done;
		inflight++;
		pool_submit(rj->gen->pool, &rj->job, 0);
	}
	if (inflight > 0 || (queue != NULL && qnext < nqueue))
		return;
	if (nqueue > 0)
		log_msg(LOG_INFO, "refresh sweep done: %zu policies, %zu refreshed, "
			"%zu failed, %.0f ms", nqueue, n_ok, n_failed, now_ms() - sweep_t0);
	free(queue);
	queue = NULL;
	nqueue = qnext = 0;
	sweeping = 0;
	if (force_pending) {
		force_pending = 0;
		refresh_now(1);
	}
}

/* refresh_now - start a sweep unless one is under way */

void
refresh_now(int force)
{
	struct rjob *rj;

	if (sweeping) {
		force_pending |= force;
		return;
	}
	if ((rj = calloc(1, sizeof(*rj))) == NULL)
		return;
	sweeping = 1;
	n_ok = n_failed = 0;
	sweep_t0 = now_ms();
	rj->force = force;
	rj->gen = gen_hold(gen_current());
	rj->job.run = sweep_run;
	rj->job.done = sweep_done;
	pool_submit(rj->gen->pool, &rj->job, 0);
}

/* timer_cb - the periodic sweep */

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	refresh_now(0);
}

/* refresh_init - the timer */

int
refresh_init(struct event_base *base)
{
	rf_base = base;
	rf_timer = event_new(base, -1, EV_PERSIST, timer_cb, NULL);
	return (rf_timer ? 0 : -1);
}

/* refresh_schedule - (re)arm with the current refresh period */

void
refresh_schedule(void)
{
	struct timeval tv = {.tv_sec = (time_t) gen_current()->cfg->daemon_refresh_period};

	(void) event_add(rf_timer, &tv);
}

/* refresh_inflight - sweeps and refresh jobs under way */

size_t
refresh_inflight(void)
{
	return ((size_t) inflight + (size_t) sweeping);
}

/* refresh_shutdown - stop the timer; forget the picks */

void
refresh_shutdown(void)
{
	if (rf_timer)
		event_free(rf_timer);
	rf_timer = NULL;
	free(queue);
	queue = NULL;
	nqueue = qnext = 0;
}
