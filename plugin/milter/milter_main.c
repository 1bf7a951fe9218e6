/*++
 * NAME
 *	mtasts-milter 8
 * SUMMARY
 *	MTA-STS milter: looks recipient domains' policies up at submission
 * SYNOPSIS
 *	mtasts-milter [-fv] [-c CONFIG] [-p SOCKET]
 *	mtasts-milter -h | -V
 * DESCRIPTION
 *	See mtasts-milter(8). This file holds start-up, logging and
 *	shutdown; the callbacks are in milter_cb.c, the decision per
 *	recipient in milter_rcpt.c.
 *
 *	Start-up: load the config (-c, else MTASTS_DEFAULT_CONFIG, else
 *	the built-in defaults, as the other mtasts programs do); check
 *	milter.header; resolve milter.user/group; let libmilter make its
 *	socket (as root, with a tight umask until milter.socket_mode is
 *	applied); fork unless -f and write the pid file; drop privileges;
 *	open the store and the audit log as the milter user (so a cache
 *	file it creates has the right owner); run smfi_main().
 *
 *	Signals are libmilter's: SIGTERM and SIGHUP stop after the
 *	current sessions' commands, SIGINT stops at once. A changed
 *	config needs a restart. After smfi_main() returns, the milter
 *	waits up to MTASTS_MILTER_STOP_WAIT seconds for sessions still
 *	running before it closes the store they use; if some never end it
 *	exits without closing it (the cache stays consistent: LMDB commits
 *	are atomic).
 * DIAGNOSTICS
 *	"mtasts-milter: ..." on stderr before start-up completes; syslog
 *	(ident mtasts-milter, facility log.syslog_facility) after, and on
 *	stderr as well with -f. Exit status: 0 after a stop, 64 usage,
 *	70 libmilter failed, 71 socket, fork or pid file, 77 the
 *	privilege drop failed, 78 configuration error.
 * SECURITY
 *	Runs as root only until the socket and the pid file exist, when
 *	milter.user is set; refuses to run when the drop fails.
 *--*/
#include "config.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <syslog.h>
#include <unistd.h>

#include <mtasts/cache.h>
#include <mtasts/clock.h>

#include "dproc.h"
#include "milter.h"

struct milter_opts milter_opts;

/* milter_log - one line to syslog (and stderr with -f) */

void
milter_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(prio, fmt, ap);
	va_end(ap);
}

/* usage - the synopsis */

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: mtasts-milter [-fv] [-c CONFIG] [-p SOCKET]\n"
		"  -c CONFIG  configuration file (default %s,\n"
		"             built-in defaults when it does not exist)\n"
		"  -p SOCKET  libmilter socket, overrides milter.socket\n"
		"             (unix:/PATH, inet:PORT@HOST, inet6:PORT@HOST)\n"
		"  -f         stay in the foreground; log to stderr as well\n"
		"  -v         log every recipient\n"
		"  -V         print the version\n"
		"See mtasts-milter(8).\n", MTASTS_DEFAULT_CONFIG);
}

/* die - a start-up error */

static int
die(int code, const char *what, const char *why)
{
	fprintf(stderr, "mtasts-milter: %s: %s\n", what, why);
	milter_log(LOG_ERR, "%s: %s", what, why);
	return (code);
}

/* load_config - -c FILE, the default file, or the built-in defaults */

static struct mtasts_config *
load_config(const char *path, char *why, size_t whylen)
{
	struct mtasts_config *cfg;

	return (mtasts_config_open(path, &cfg, why, whylen) == MTASTS_OK ?
		cfg : NULL);
}

/* header_name - milter.header: off, on (the default name) or a name */

static int
header_name(const char *v, char *out, size_t outlen, char *why, size_t whylen)
{
	static const char *const off[] = {"no", "false", "off", NULL};
	static const char *const on[] = {"yes", "true", "on", NULL};
	size_t	i, len;
	int	n;

	out[0] = 0;
	if (v == NULL)
		return (0);
	for (i = 0; off[i]; i++)
		if (strcasecmp(v, off[i]) == 0)
			return (0);
	for (i = 0; on[i]; i++)
		if (strcasecmp(v, on[i]) == 0)
			v = MTASTS_MILTER_HEADER_DEFAULT;
	/* RFC 5322 2.2: a field name is printable ASCII except ':'. */
	len = strlen(v);
	for (i = 0; i < len; i++)
		if (v[i] < 33 || v[i] > 126 || v[i] == ':')
			break;
	n = snprintf(out, outlen, "%s", v);
	if (i < len || len == 0 || len > MTASTS_MILTER_HEADER_NAME_MAX
	    || n < 0 || (size_t) n >= outlen) {
		out[0] = 0;
		mtasts_why(why, whylen, "milter.header must be yes, no or a header "
			   "name (1 to %d printable characters, no ':')",
			   MTASTS_MILTER_HEADER_NAME_MAX);
		return (-1);
	}
	return (0);
}

/* open_core - store and audit log, as the user the milter runs as */

static int
open_core(struct mtasts_config *cfg, char *why, size_t whylen)
{
	char	awhy[MTASTS_REASON_MAX];
	enum mtasts_status st;

	if ((milter_opts.store = mtasts_store_open(cfg, why, whylen)) == NULL)
		return (-1);
	awhy[0] = 0;
	if ((milter_opts.audit = mtasts_audit_open(cfg, awhy, sizeof(awhy))) == NULL) {
		mtasts_why(why, whylen, "audit log: out of memory");
		return (-1);
	}
	/* An audit file that cannot open leaves syslog: mail must not stop. */
	if (awhy[0])
		milter_log(LOG_WARNING, "audit log: %s", awhy);
	/*
	 * Read-write so that the file exists for deliveries to fill (a
	 * read-only open of a missing file would never see it appear).
	 * Without it only the MX-name test refuses: say so, and go on.
	 */
	st = mtasts_mxstate_open(cfg, MTASTS_CACHE_RDWR, &milter_opts.mxstate,
				 awhy, sizeof(awhy));
	if (st != MTASTS_OK && st != MTASTS_NONE)
		milter_log(LOG_WARNING, "MX TLS state not available (\"every MX "
			   "failed its last TLS check\" is not tested): %s", awhy);
	return (milter_mx_init(why, whylen));
}

/* stop - wait for sessions, then release what they use */

static void
stop(struct mtasts_config *cfg)
{
	unsigned i, n;

	for (i = 0; (n = milter_sessions()) > 0 && i < MTASTS_MILTER_STOP_WAIT * 10; i++)
		(void) usleep(100000);
	if (n > 0) {
		/* Their threads may still read the store: leave it to exit(). */
		milter_log(LOG_WARNING, "stopping with %u sessions still open", n);
		return;
	}
	mtasts_store_close(milter_opts.store);
	mtasts_mxstate_close(milter_opts.mxstate);
	mtasts_audit_close(milter_opts.audit);
	milter_opts.mxstate = NULL;
	milter_opts.store = NULL;
	milter_opts.audit = NULL;
	milter_opts.cfg = NULL;
	mtasts_config_free(cfg);
}

/* serve - socket, process, privileges, core; then smfi_main() */

static int
serve(struct mtasts_config *cfg, const char *sock, int foreground)
{
	char	why[MTASTS_REASON_MAX * 2];
	struct smfiDesc desc;
	uid_t	uid;
	gid_t	gid, sock_gid;
	mode_t	old;
	int	code = 0, parent, pid_written = 0;

	if (dproc_ids("milter", cfg->milter_user, cfg->milter_group,
		      cfg->milter_socket_group, &uid, &gid, &sock_gid, why,
		      sizeof(why)) < 0)
		return (die(EX_CONFIG, "config", why));
	milter_describe(&desc, milter_opts.header[0] != 0);
	if (smfi_setconn((char *) sock) != MI_SUCCESS || smfi_register(desc) != MI_SUCCESS)
		return (die(EX_CONFIG, "libmilter", "bad socket address or registration"));
	if (milter_socket_prepare(sock, uid, gid, why, sizeof(why)) < 0)
		return (die(EX_OSERR, "socket directory", why));
	/* Nobody may connect before the configured mode applies. */
	old = umask(0177);
	if (smfi_opensocket(1) != MI_SUCCESS) {
		(void) umask(old);
		mtasts_why(why, sizeof(why), "cannot listen on %s", sock);
		return (die(EX_OSERR, "socket", why));
	}
	(void) umask(old);
	if (milter_socket_own(sock, cfg->milter_socket_mode, uid, sock_gid, why,
			      sizeof(why)) < 0)
		return (die(EX_OSERR, "socket", why));
	if (!foreground) {
		if ((parent = dproc_daemonize(&code, why, sizeof(why))) > 0)
			return (code);
		if (parent < 0)
			return (die(EX_OSERR, "daemon", why));
		if (dproc_pidfile(cfg->milter_pid_file, why, sizeof(why)) < 0)
			return (die(EX_OSERR, "pid file", why));
		pid_written = 1;
	}
	if (cfg->milter_user != NULL && dproc_drop(uid, gid, why, sizeof(why)) < 0) {
		code = die(EX_NOPERM, "cannot drop privileges, refusing to run", why);
		goto out;
	}
	if (open_core(cfg, why, sizeof(why)) < 0) {
		code = die(EX_CONFIG, "store", why);
		goto out;
	}
	milter_log(LOG_INFO, "starting socket=%s config=%s action=%s header=%s",
		   sock, cfg->source, cfg->milter_action == MTASTS_MILTER_TEMPFAIL ?
		   "tempfail" : "accept", milter_opts.header[0] ? milter_opts.header : "-");
	/*
	 * An MTA that drops the connection while a look-up runs leaves our
	 * reply to a closed socket: that must be EPIPE, not the end of the
	 * milter and of every other session.
	 */
	(void) signal(SIGPIPE, SIG_IGN);
	milter_ready();
	if (smfi_main() != MI_SUCCESS)
		code = die(EX_SOFTWARE, "libmilter", "smfi_main failed");
	milter_log(LOG_INFO, "stopping");
out:
	/* Before stop(): sock and the pid file's name live in cfg. */
	milter_socket_remove(sock);
	if (pid_written)
		milter_pidfile_remove(cfg->milter_pid_file);
	stop(cfg);
	return (code);
}

/* main - options, config, serve */

int
main(int argc, char **argv)
{
	char	why[MTASTS_REASON_MAX * 2];
	const char *config_path = NULL, *sock = NULL;
	struct mtasts_config *cfg;
	int	ch, foreground = 0;

	while ((ch = getopt(argc, argv, "c:fhp:vV")) != -1) {
		switch (ch) {
		case 'c':
			config_path = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'h':
			usage(stdout);
			return (0);
		case 'p':
			sock = optarg;
			break;
		case 'v':
			milter_opts.verbose = 1;
			break;
		case 'V':
			printf("mtasts-milter %s\n", PACKAGE_VERSION);
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
	if (mtasts_clock_from_env() < 0)
		return (die(EX_CONFIG, "MTASTS_NOW", "not a number of seconds"));
	if ((cfg = load_config(config_path, why, sizeof(why))) == NULL)
		return (die(EX_CONFIG, "config", why));
	openlog("mtasts-milter", LOG_PID | LOG_NDELAY | (foreground ? LOG_PERROR : 0),
		cfg->syslog_facility);
	if (header_name(cfg->milter_header, milter_opts.header,
			sizeof(milter_opts.header), why, sizeof(why)) < 0) {
		mtasts_config_free(cfg);
		return (die(EX_CONFIG, "config", why));
	}
	milter_opts.cfg = cfg;
	milter_opts.action = cfg->milter_action;
	return (serve(cfg, sock ? sock : cfg->milter_socket, foreground));
}
