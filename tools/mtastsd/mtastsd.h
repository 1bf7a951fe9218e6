/*++
 * NAME
 *	mtastsd 3h
 * SUMMARY
 *	internal interfaces of mtastsd, the socketmap policy daemon
 * SYNOPSIS
 *	#include "mtastsd.h"
 * DESCRIPTION
 *	One event loop thread owns every connection, timer and signal; a
 *	pool of worker threads runs what may block (network lookups, the
 *	cache sweep). Everything below is called from the loop thread
 *	unless it says "worker" or "any thread".
 *
 *	A generation (struct gen) is one loaded configuration and what was
 *	built from it: store, audit log, worker pool, the sweep's cache
 *	handle. Every job holds a reference; SIGHUP makes a new generation
 *	current and the old one is torn down when its last job is done, so
 *	a reload never pulls a store from under a running lookup.
 *--*/
#ifndef MTASTSD_H
#define MTASTSD_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

#include <mtasts/buf.h>
#include <mtasts/config.h>
#include <mtasts/decision.h>
#include <mtasts/dns.h>
#include <mtasts/limits.h>
#include <mtasts/status.h>

struct event_base;
struct mtasts_cache;

/* ---- log.c: syslog, and stderr in the foreground */
void	log_open(int facility, int foreground);
void	log_msg(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
extern int log_verbose;			/* -v: one line per request */

/* ---- workers.c: thread pool */
struct worker;

struct job {
	struct job *next;
	void	(*run)(struct job *, struct worker *);	/* in a worker */
	void	(*done)(struct job *);			/* back in the loop */
};

struct pool;

int	workers_init(struct event_base *, char *why, size_t whylen);
void	workers_shutdown(void);
struct pool *pool_start(const struct mtasts_config *, unsigned nthreads,
		char *why, size_t whylen);
/* pool_submit - queue a job; urgent ones (deliveries) go first */
void	pool_submit(struct pool *, struct job *, int urgent);
/* pool_stop - join the threads once their queue is empty; free */
void	pool_stop(struct pool *);
/* worker_dns - this worker's blocking resolver (worker), or NULL + why */
struct mtasts_dns *worker_dns(struct worker *, char *why, size_t whylen);

/* ---- main.c: generations */
struct gen {
	unsigned refs;			/* current + jobs; loop thread only */
	unsigned long id;		/* 1, 2, ... per load, for logs */
	struct mtasts_config *cfg;
	struct mtasts_store *store;
	struct mtasts_audit *audit;
	struct pool *pool;
	struct mtasts_cache *cache;	/* the sweep's own handle, or NULL */
	struct memo *memo;		/* replies remembered (loop thread) */
};

struct gen *gen_current(void);
struct gen *gen_hold(struct gen *);
void	gen_release(struct gen *);

/* ---- answer.c: decision -> socketmap reply (the one status mapping) */
struct mx_answer {
	enum mtasts_status status;	/* OK, NONE (no MX records), TEMP */
	struct mtasts_mx_list *list;	/* OK: owned */
	char	why[MTASTS_REASON_MAX];
};

extern const struct mtasts_map_cfg answer_map_defaults;
/* answer_need_mx - 1 when the reply must name the domain's MX hosts */
int	answer_need_mx(const struct mtasts_map_cfg *, const struct mtasts_decision *);
/* answer_decision - the reply for a decision (mx: when answer_need_mx) */
void	answer_decision(struct mtasts_buf *, const struct mtasts_map_cfg *,
		const char *domain, const struct mtasts_decision *,
		const struct mx_answer *mx);
/* answer_status - the reply when there is no decision (key, request) */
void	answer_status(struct mtasts_buf *, enum mtasts_status, const char *why);

/* ---- memo.c: replies remembered per (map, domain) (loop thread) */
struct memo;
struct memo *memo_new(void);
void	memo_free(struct memo *);
int	memo_get(struct memo *, const char *map, const char *domain,
		struct mtasts_buf *out);
void	memo_put(struct memo *, const char *map, const char *domain,
		const char *reply, size_t len, time_t expires);
void	memo_stats(const struct memo *, unsigned long *hits, unsigned long *misses);

/* ---- mxcache.c: MX answers in memory (any thread) */
void	mxcache_init(void);
void	mxcache_flush(void);
/* mxcache_get - 1 and a copy in *out when fresh, else 0 */
int	mxcache_get(const char *domain, struct mx_answer *out);
void	mxcache_put(const char *domain, const struct mx_answer *);
void	mx_answer_clear(struct mx_answer *);

/* ---- request.c: one socketmap query, from payload to reply */
struct conn;

struct req {
	struct job job;			/* first: workers see a job */
	struct req *next;		/* the connection's queue, in order */
	struct conn *conn;		/* NULL once the connection is gone */
	struct gen *gen;
	const struct mtasts_map_cfg *map;	/* in gen->cfg, or the defaults */
	int	done;			/* reply is final */
	int	have_decision;		/* d was made in the loop (cache hit) */
	int	decided_ok;		/* worker: d is valid (to clear) */
	char	map_name[MTASTS_SOCKETMAP_NAME_MAX + 1];
	char	key[MTASTS_KEY_MAX + 1];
	char	domain[MTASTS_DOMAIN_MAX + 1];
	struct mtasts_decision d;
	struct mtasts_buf reply;	/* payload, without the netstring */
	double	t0;			/* for -v timing */
};

/* req_new - a request from a payload: done at once, or queued to a worker */
struct req *req_new(struct conn *, const char *payload, size_t len);
/* req_abort - the request's reply for a framing error (done at once) */
struct req *req_error(struct conn *, const char *why);
void	req_free(struct req *);

/* ---- server.c: connections */
int	server_init(struct event_base *);
/* server_listen - serve an already listening socket */
int	server_listen(int fd, const char *name, char *why, size_t whylen);
/* server_req_done - a request of conn got its reply: flush in order */
void	server_req_done(struct conn *);
void	server_set_idle(unsigned seconds);
void	server_shutdown(void);
size_t	server_connections(void);

/* ---- listen.c: listening sockets (as root, before the privilege drop) */
struct listener {
	int	fd;
	int	family;
	char	name[MTASTS_LISTEN_PATH_MAX + 16];	/* for logs */
	char	path[MTASTS_LISTEN_PATH_MAX];		/* AF_UNIX */
};

/* listen_open - bind and listen on every entry; -1 with why */
int	listen_open(const struct mtasts_listen *, size_t n, int mode,
		uid_t owner, gid_t group, struct listener **out,
		size_t *nout, char *why, size_t whylen);
/* listen_unlink - remove the unix socket files (at exit) */
void	listen_unlink(struct listener *, size_t n);
/* listen_defaults - daemon.listen when the config has none */
size_t	listen_defaults(struct mtasts_listen *out, size_t max);

/* ---- proc.c: the process: logging for daemon mode and the pid file */
void	proc_ready(void);
void	proc_pidfile_remove(const char *path);

/* ---- refresh.c: proactive refresh of cached policies */
int	refresh_init(struct event_base *);
/* refresh_schedule - (re)arm the periodic sweep for the current generation */
void	refresh_schedule(void);
/* refresh_now - sweep now; force: fetch every cached policy anew */
void	refresh_now(int force);
void	refresh_shutdown(void);
size_t	refresh_inflight(void);


/* now_ms - monotonic milliseconds (log timing) */
double	now_ms(void);

#endif
