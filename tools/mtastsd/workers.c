/*++
 * NAME
 *	workers 3
 * SUMMARY
 *	thread pools for what may block, and the way back to the event loop
 * SYNOPSIS
 *	#include "mtastsd.h"
 * DESCRIPTION
 *	A pool is N threads that take jobs from two queues, urgent first:
 *	urgent jobs are lookups a client waits for, the others belong to
 *	the refresh sweep, which must never make a delivery wait. A job's
 *	run() is called in a worker; its done() later in the event loop
 *	thread, through one pipe shared by every pool (workers_init()).
 *	Each generation has its own pool, so the threads' resolvers and the
 *	store's per-thread state belong to one configuration; pool_stop()
 *	joins the threads once their queues are empty.
 *
 *	Each worker has its own blocking resolver (worker_dns()), made on
 *	first use from the pool's config: a getdns context is used by one
 *	thread at a time (dns.h).
 *
 *	Worker threads block every signal: signals are handled in the loop.
 *--*/
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>

#include <mtasts/dns.h>

#include "mtastsd.h"

struct worker {
	pthread_t tid;
	struct pool *pool;
	struct mtasts_dns *dns;		/* made on first use */
};

struct jobq {
	struct job *head, *tail;
};

struct pool {
	pthread_mutex_t lock;
	pthread_cond_t cv;
	struct jobq urgent, bulk;
	int	stopping;
	unsigned nthreads;		/* started */
	struct worker *workers;
	const struct mtasts_config *cfg;
};

/* Finished jobs, on their way back to the loop. */
static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static struct jobq done_q;
static int done_pipe[2] = {-1, -1};
static struct event *done_ev;

/* q_put - append */

static void
q_put(struct jobq *q, struct job *j)
{
	j->next = NULL;
	if (q->tail)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
}

/* q_get - take the first, or NULL */

static struct job *
q_get(struct jobq *q)
{
	struct job *j = q->head;

	if (j != NULL && (q->head = j->next) == NULL)
		q->tail = NULL;
	return (j);
}

/* finished - hand a job back to the loop (worker) */

static void
finished(struct job *j)
{
	int	wake;

	pthread_mutex_lock(&done_lock);
	wake = done_q.head == NULL;
	q_put(&done_q, j);
	pthread_mutex_unlock(&done_lock);
	/* One byte per empty->non-empty change; a full pipe already wakes. */
	if (wake && write(done_pipe[1], "j", 1) < 0 && errno != EAGAIN)
		log_msg(LOG_ERR, "workers: cannot wake the event loop: %m");
}

/* done_cb - run done() of every finished job (loop) */

static void
done_cb(evutil_socket_t fd, short what, void *arg)
{
	char	drain[256];
	struct jobq q;
	struct job *j;

	/* Drain first, then take: a job added meanwhile is taken now or wakes us again. */
	while (read(fd, drain, sizeof(drain)) > 0)
		;
	pthread_mutex_lock(&done_lock);
	q = done_q;
	done_q.head = done_q.tail = NULL;
	pthread_mutex_unlock(&done_lock);
	while ((j = q_get(&q)) != NULL)
		j->done(j);
}

/* workers_init - the way back to the loop */

int
workers_init(struct event_base *base, char *why, size_t whylen)
{
	if (pipe2(done_pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
		mtasts_why(why, whylen, "pipe: %s", strerror(errno));
		return (-1);
	}
	done_ev = event_new(base, done_pipe[0], EV_READ | EV_PERSIST, done_cb, NULL);
	if (done_ev == NULL || event_add(done_ev, NULL) < 0) {
		mtasts_why(why, whylen, "cannot watch the workers' pipe");
		return (-1);
	}
	return (0);
}

/* workers_shutdown - close the way back */

void
workers_shutdown(void)
{
	if (done_ev)
		event_free(done_ev);
	done_ev = NULL;
	if (done_pipe[0] >= 0) {
		(void) close(done_pipe[0]);
		(void) close(done_pipe[1]);
	}
	done_pipe[0] = done_pipe[1] = -1;
}

/* worker_main - take jobs until the pool stops and its queues are empty */

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct pool *p = w->pool;
	struct job *j;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (p->urgent.head == NULL && p->bulk.head == NULL && !p->stopping)
			pthread_cond_wait(&p->cv, &p->lock);
		if ((j = q_get(&p->urgent)) == NULL)
			j = q_get(&p->bulk);
		pthread_mutex_unlock(&p->lock);
		if (j == NULL)
			break;			/* stopping, nothing left */
		j->run(j, w);
		finished(j);
	}
	mtasts_dns_free(w->dns);
	w->dns = NULL;
	return (NULL);
}

/* worker_dns - this worker's resolver */

struct mtasts_dns *
worker_dns(struct worker *w, char *why, size_t whylen)
{
	if (w->dns == NULL)
		w->dns = mtasts_dns_new(w->pool->cfg, NULL, why, whylen);
	return (w->dns);
}

/* pool_start - start nthreads workers */

struct pool *
pool_start(const struct mtasts_config *cfg, unsigned nthreads, char *why,
	   size_t whylen)
{
	sigset_t all, old;
	struct pool *p;
	unsigned i;
	int	err = 0;

	if ((p = calloc(1, sizeof(*p))) == NULL
	    || (p->workers = calloc(nthreads, sizeof(*p->workers))) == NULL) {
		free(p);
		mtasts_why(why, whylen, "out of memory");
		return (NULL);
	}
	p->cfg = cfg;
	(void) pthread_mutex_init(&p->lock, NULL);
	(void) pthread_cond_init(&p->cv, NULL);
	/* Threads inherit the mask: only the loop thread sees signals. */
	(void) sigfillset(&all);
	(void) pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < nthreads; i++) {
		p->workers[i].pool = p;
		if ((err = pthread_create(&p->workers[i].tid, NULL, worker_main,
					  &p->workers[i])) != 0)
			break;
		p->nthreads++;
	}
	(void) pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (p->nthreads < nthreads) {
		mtasts_why(why, whylen, "cannot start worker thread %u of %u: %s",
			   p->nthreads + 1, nthreads, strerror(err));
		pool_stop(p);
		return (NULL);
	}
	return (p);
}

/* pool_submit - queue a job */

void
pool_submit(struct pool *p, struct job *j, int urgent)
{
	pthread_mutex_lock(&p->lock);
	q_put(urgent ? &p->urgent : &p->bulk, j);
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->lock);
}

/* pool_stop - let the workers finish the queues, join, free */

void
pool_stop(struct pool *p)
{
	unsigned i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nthreads; i++)
		(void) pthread_join(p->workers[i].tid, NULL);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->lock);
	free(p->workers);
	free(p);
}
