/*++
 * NAME
 *	mtastsd 8
 * SUMMARY
 *	MTA-STS socketmap policy daemon for Postfix and Sendmail
 * SYNOPSIS
 *	mtastsd [-fv] [-c CONFIG]
 *	mtastsd -h | -V
 * DESCRIPTION
 *	Answers socketmap queries (socketmap_table(5)) with the TLS policy
 *	MTA-STS asks for; see mtastsd(8) for the protocol, the answers and
 *	the config sections "daemon" and "maps". This file holds start-up,
 *	generations (reload), signals and shutdown.
 *
 *	Start-up: load the config (-c, else MTASTS_DEFAULT_CONFIG, else the
 *	built-in defaults, as mtasts(1) does); resolve daemon.user/group;
 *	bind every listener as root; fork unless -f; write the pid file;
 *	drop privileges; open the store and the audit log as the daemon
 *	user; start the workers; tell the waiting parent; run the loop.
 *
 *	Signals (handled in the event loop):
 *	SIGHUP	reload: a new config, store, audit log and worker pool are
 *		made current; connections stay open; lookups under way
 *		finish on the old ones, which go when the last is done. A
 *		config that does not load is logged and the old one kept.
 *		daemon.listen, user, group, pid_file and the socket settings
 *		need a restart (logged when they changed).
 *	SIGTERM, SIGINT	stop: close the listeners, remove the unix sockets
 *		and the pid file, exit 0. Lookups under way are abandoned
 *		(the cache stays consistent: LMDB commits are atomic).
 *	SIGUSR1	refresh now: forget cached MX answers and fetch every
 *		cached policy anew (refresh.c).
 * DIAGNOSTICS
 *	"mtastsd: ..." on stderr before start-up completes, syslog after
 *	(and stderr with -f). Exit status: 0 after SIGTERM, 64 usage,
 *	71 cannot bind, fork or start threads, 77 the privilege drop
 *	failed, 78 configuration error.
 * SECURITY
 *	Runs as root only long enough to bind and write the pid file, when
 *	daemon.user is set; refuses to run on when the drop fails.
 *--*/
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>

#include <mtasts/audit.h>
#include <mtasts/clock.h>
#include <mtasts/config.h>
#include <mtasts/fetch.h>
#include <mtasts/store.h>

#include "dproc.h"
#include "mtastsd.h"

static const char *config_path;		/* -c, or NULL */
static int foreground;
static struct event_base *base;
static struct gen *current;
static unsigned long gen_counter;
static size_t gens_alive;

/* load_config - -c FILE, the default file, or the built-in defaults */

static struct mtasts_config *
load_config(char *why, size_t whylen)
{
	struct mtasts_config *cfg;

	return (mtasts_config_open(config_path, &cfg, why, whylen) == MTASTS_OK ?
		cfg : NULL);
}

/* gen_free - tear a generation down (no job holds it) */

static void
gen_free(struct gen *g)
{
	pool_stop(g->pool);
	mtasts_store_close(g->store);
	mtasts_audit_close(g->audit);
	memo_free(g->memo);
	mtasts_config_free(g->cfg);
	free(g);
	gens_alive--;
}

/* gen_new - everything built from one config; takes cfg */

static struct gen *
gen_new(struct mtasts_config *cfg, char *why, size_t whylen)
{
	char	awhy[MTASTS_REASON_MAX];
	struct gen *g;

	if ((g = calloc(1, sizeof(*g))) == NULL) {
		mtasts_config_free(cfg);
		mtasts_why(why, whylen, "out of memory");
		return (NULL);
	}
	g->refs = 1;
	g->id = ++gen_counter;
	g->cfg = cfg;
	gens_alive++;
	awhy[0] = 0;
	if ((g->store = mtasts_store_open(cfg, why, whylen)) == NULL
	    || (g->audit = mtasts_audit_open(cfg, awhy, sizeof(awhy))) == NULL
	    || (g->pool = pool_start(cfg, cfg->daemon_workers, why, whylen)) == NULL
	    || (g->memo = memo_new()) == NULL) {
		if ((g->store != NULL && g->audit == NULL) || (g->pool != NULL && g->memo == NULL))
			mtasts_why(why, whylen, "out of memory");
		gen_free(g);
		return (NULL);
	}
	/* An audit file that cannot open leaves syslog: mail must not stop. */
	if (awhy[0])
		log_msg(LOG_WARNING, "audit log: %s", awhy);
	/* A damaged cache defers all mail until rebuilt (the store logs it). */
	switch (mtasts_store_repair(g->store, awhy, sizeof(awhy))) {
	case MTASTS_OK:
	case MTASTS_NONE:
		break;
	default:
		log_msg(LOG_ERR, "policy cache: %s", awhy);
		break;
	}
	return (g);
}

/* gen_current - the generation new work uses */

struct gen *
gen_current(void)
{
	return (current);
}

/* gen_hold - one more user */

struct gen *
gen_hold(struct gen *g)
{
	g->refs++;
	return (g);
}

/* gen_release - one user fewer; the last one tears it down */

void
gen_release(struct gen *g)
{
	if (--g->refs > 0)
		return;
	if (g != current)
		log_msg(LOG_INFO, "config id=%lu retired", g->id);
	gen_free(g);
}

/* str_differs - NULL-safe string comparison */

static int
str_differs(const char *a, const char *b)
{
	return ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0));
}

/* restart_only - warn about settings a reload cannot change */

static void
restart_only(const struct mtasts_config *o, const struct mtasts_config *n)
{
	if (o->ndaemon_listen != n->ndaemon_listen
	    || (n->ndaemon_listen && memcmp(o->daemon_listen, n->daemon_listen,
				n->ndaemon_listen * sizeof(*n->daemon_listen)) != 0)
	    || o->daemon_socket_mode != n->daemon_socket_mode
	    || str_differs(o->daemon_socket_group, n->daemon_socket_group))
		log_msg(LOG_WARNING, "reload: daemon.listen/socket_* changed: "
			"restart mtastsd to apply");
	if (str_differs(o->daemon_user, n->daemon_user)
	    || str_differs(o->daemon_group, n->daemon_group)
	    || str_differs(o->daemon_pid_file, n->daemon_pid_file))
		log_msg(LOG_WARNING, "reload: daemon.user/group/pid_file changed: "
			"restart mtastsd to apply");
}

/* reload - SIGHUP */

static void
reload(void)
{
	char	why[MTASTS_REASON_MAX * 2];
	struct mtasts_config *cfg;
	struct gen *g, *old = current;

	if ((cfg = load_config(why, sizeof(why))) == NULL) {
		log_msg(LOG_ERR, "reload failed, keeping config id=%lu: %s",
			old->id, why);
		return;
	}
	restart_only(old->cfg, cfg);
	if ((g = gen_new(cfg, why, sizeof(why))) == NULL) {
		log_msg(LOG_ERR, "reload failed, keeping config id=%lu: %s",
			old->id, why);
		return;
	}
	current = g;
	if (g->cfg->syslog_facility != old->cfg->syslog_facility)
		log_open(g->cfg->syslog_facility, foreground);
	mxcache_flush();
	server_set_idle(g->cfg->daemon_idle_timeout);
	refresh_schedule();
	log_msg(LOG_INFO, "reload id=%lu config=%s", g->id, g->cfg->source);
	gen_release(old);
}

/* signal_cb - every signal we handle */

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	switch (sig) {
	case SIGHUP:
		reload();
		break;
	case SIGUSR1:
		log_msg(LOG_INFO, "SIGUSR1: refreshing every cached policy");
		mxcache_flush();
		refresh_now(1);
		break;
	default:
		log_msg(LOG_INFO, "signal %d: stopping", (int) sig);
		(void) event_base_loopbreak(base);
		break;
	}
}

/* usage - the synopsis */

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: mtastsd [-fv] [-c CONFIG]\n"
		"  -c CONFIG  configuration file (default %s,\n"
		"             built-in defaults when it does not exist)\n"
		"  -f         stay in the foreground; log to stderr as well\n"
		"  -v         log every query\n"
		"  -V         print the version\n"
		"See mtastsd(8).\n", MTASTS_DEFAULT_CONFIG);
}

/* die - a start-up error */

static int
die(int code, const char *what, const char *why)
{
	fprintf(stderr, "mtastsd: %s: %s\n", what, why);
	log_msg(LOG_ERR, "%s: %s", what, why);
	return (code);
}

/* run - start up, serve, shut down */

static int
run(struct mtasts_config *cfg)
{
	static const int sigs[] = {SIGHUP, SIGTERM, SIGINT, SIGUSR1};
	struct mtasts_listen defaults[2];
	const struct mtasts_listen *ents = cfg->daemon_listen;
	char	why[MTASTS_REASON_MAX * 2], pid_path[MTASTS_CONFIG_STRING_MAX + 1];
	struct event *sev[sizeof(sigs) / sizeof(sigs[0])];
	struct listener *ls = NULL;
	size_t	nls = 0, nents = cfg->ndaemon_listen, i;
	uid_t	uid;
	gid_t	gid, sock_gid;
	int	code = 0, parent;

	log_open(cfg->syslog_facility, foreground);
	if (nents == 0) {
		nents = listen_defaults(defaults, 2);
		ents = defaults;
	}
	if (dproc_ids("daemon", cfg->daemon_user, cfg->daemon_group,
		      cfg->daemon_socket_group, &uid, &gid, &sock_gid, why,
		      sizeof(why)) < 0) {
		code = die(EX_CONFIG, "config", why);
		goto out;
	}
	for (i = 0; i < nents; i++) {
		if (ents[i].family == AF_UNIX
		    && dproc_rundir(ents[i].path, uid, gid, why, sizeof(why)) < 0) {
			code = die(EX_OSERR, "socket directory", why);
			goto out;
		}
	}
	if (listen_open(ents, nents, cfg->daemon_socket_mode, uid, sock_gid, &ls,
			&nls, why, sizeof(why)) < 0) {
		code = die(EX_OSERR, "listen", why);
		goto out;
	}
	if (!foreground && (parent = dproc_daemonize(&code, why, sizeof(why))) != 0) {
		/* The parent is done (the child owns the sockets now), or fork failed. */
		if (parent < 0)
			code = die(EX_OSERR, "daemon", why);
		goto out;
	}
	/* Fits: config strings are at most MTASTS_CONFIG_STRING_MAX. */
	(void) snprintf(pid_path, sizeof(pid_path), "%s", cfg->daemon_pid_file);
	if (dproc_rundir(pid_path, uid, gid, why, sizeof(why)) < 0
	    || dproc_pidfile(pid_path, why, sizeof(why)) < 0) {
		listen_unlink(ls, nls);
		code = die(EX_OSERR, "pid file", why);
		goto out;
	}
	if (cfg->daemon_user != NULL && dproc_drop(uid, gid, why, sizeof(why)) < 0) {
		listen_unlink(ls, nls);
		proc_pidfile_remove(pid_path);
		code = die(EX_NOPERM, "cannot drop privileges, refusing to run", why);
		goto out;
	}

	(void) signal(SIGPIPE, SIG_IGN);
	mxcache_init();
	if ((base = event_base_new()) == NULL)
		mtasts_why(why, sizeof(why), "cannot make an event loop");
	if (base == NULL || workers_init(base, why, sizeof(why)) < 0
	    || server_init(base) < 0 || refresh_init(base) < 0) {
		listen_unlink(ls, nls);
		proc_pidfile_remove(pid_path);
		code = die(EX_OSERR, "start", why);
		goto out;
	}
	if ((current = gen_new(cfg, why, sizeof(why))) == NULL) {
		cfg = NULL;			/* gen_new took it */
		listen_unlink(ls, nls);
		proc_pidfile_remove(pid_path);
		code = die(EX_OSERR, "start", why);
		goto out;
	}
	for (i = 0; i < nls; i++)
		if (server_listen(ls[i].fd, ls[i].name, why, sizeof(why)) < 0)
			return (die(EX_OSERR, "listen", why));
	server_set_idle(cfg->daemon_idle_timeout);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if ((sev[i] = evsignal_new(base, sigs[i], signal_cb, NULL)) == NULL
		    || event_add(sev[i], NULL) < 0)
			return (die(EX_OSERR, "signals", "cannot watch"));
	refresh_schedule();
	refresh_now(0);
	for (i = 0; i < nls; i++)
		log_msg(LOG_INFO, "listening on %s", ls[i].name);
	log_msg(LOG_INFO, "started config=%s workers=%u pid=%ld", cfg->source,
		cfg->daemon_workers, (long) getpid());
	proc_ready();

	(void) event_base_dispatch(base);

	server_shutdown();
	listen_unlink(ls, nls);
	free(ls);
	refresh_shutdown();
	proc_pidfile_remove(pid_path);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		event_free(sev[i]);
	if (gens_alive == 1 && current->refs == 1 && refresh_inflight() == 0) {
		gen_release(current);
		workers_shutdown();
		event_base_free(base);
		mxcache_flush();
		log_msg(LOG_INFO, "stopped");
		return (0);
	}
	/*
	 * Workers are still in DNS or HTTPS calls. exit() would run the
	 * libraries' atexit cleanups (OpenSSL's) under their feet; _exit()
	 * does not, and the cache is safe either way (LMDB commits are
	 * atomic, an unfinished write transaction simply never happened).
	 */
	log_msg(LOG_INFO, "stopped with lookups in flight");
	_exit(0);

out:
	free(ls);
	mtasts_config_free(cfg);
	return (code);
}

/* main - options, config, run */

int
main(int argc, char **argv)
{
	char	why[MTASTS_REASON_MAX * 2];
	struct mtasts_config *cfg;
	int	ch;

	while ((ch = getopt(argc, argv, "c:fhvV")) != -1) {
		switch (ch) {
		case 'c':
			config_path = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'v':
			log_verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return (0);
		case 'V':
			printf("mtastsd %s\n", PACKAGE_VERSION);
			return (0);
		default:
			usage(stderr);
			return (EX_USAGE);
		}
	}
	if (optind != argc) {
		usage(stderr);
		return (EX_USAGE);
	}
	if (mtasts_clock_from_env() < 0) {
		fprintf(stderr, "mtastsd: MTASTS_NOW is not a number of seconds\n");
		return (EX_USAGE);
	}
	if ((cfg = load_config(why, sizeof(why))) == NULL) {
		fprintf(stderr, "mtastsd: %s\n", why);
		return (EX_CONFIG);
	}
	return (run(cfg));
}
