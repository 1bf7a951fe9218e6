/*++
 * NAME
 *	cmd_ingest 3
 * SUMMARY
 *	mtasts ingest: TLS sessions of Postfix and Sendmail, from their logs
 *	into the audit log
 * SYNOPSIS
 *	mtasts [-c CONFIG] ingest [--state FILE] [--follow] [--utc] [LOG|-]
 * DESCRIPTION
 *	Postfix and Sendmail ask mtastsd for policies, but only their logs
 *	tell how the TLS sessions went. This reads LOG (default: standard
 *	input), finds each session attempt to an MX (src/maillog*.c;
 *	doc/tlsrpt.md lists the lines read) and writes one "delivery"
 *	audit record per session and recipient domain (audit.h) to
 *	log.json_file, which mtasts stats and mtasts report count.
 *	Only domains with an enforce or testing policy in the cache get
 *	records: the policy is looked up with MTASTS_STORE_CACHE_ONLY
 *	through mtasts_decide(), so mode, mx patterns and overrides are
 *	those mtastsd applies; an MX the patterns do not match is a
 *	validation-failure unless TLS itself failed. A record carries the
 *	time of its session's first log line (the audit clock is set to
 *	it while the record is written), so reports count it on the day
 *	it happened, whenever ingest runs. The TLS outcome of each such
 *	session also goes to the MX state file (mxstate.h) that
 *	mtasts-milter reads; an older outcome never replaces a newer one.
 *
 *	--state FILE	remember how far LOG was read (device, inode, the
 *			position a later run resumes at, and the position up
 *			to which records were written), so that a run from a
 *			timer or logrotate's prerotate hook reads each line
 *			once and writes each record once. A LOG rotated
 *			since the last run is finished first from LOG.1 when
 *			that is the file the state names; an unterminated
 *			last line is left for the next run.
 *	--follow	keep reading LOG as it grows (polling once a second),
 *			reopening it when it is rotated or truncated; SIGTERM
 *			or SIGINT ends it (with --state, after saving).
 *	--utc		"Mmm dd hh:mm:ss" time stamps are UTC, not local time.
 *
 *	Prints what it read and wrote. Exit status: 0; 64 usage; 66 LOG
 *	cannot be opened; 73 the audit file cannot be opened; 74 read
 *	error or the state cannot be saved; 75 the cache cannot be opened;
 *	78 no log.json_file.
 * SECURITY
 *	Log lines are untrusted text (peers' replies and names appear in
 *	them): the parser bounds and checks every field. The state file is
 *	written to a temporary file and renamed into place.
 *--*/
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <mtasts/audit.h>
#include <mtasts/cache.h>
#include <mtasts/mxstate.h>
#include <mtasts/buf.h>
#include <mtasts/clock.h>
#include <mtasts/decision.h>
#include <mtasts/fetch.h>
#include <mtasts/maillog.h>
#include <mtasts/store.h>

#include "cmd.h"

/* How often --follow looks for more lines (milliseconds). */
#define FOLLOW_POLL_MS	1000

struct ingest {
	struct mtasts_store *store;
	struct mtasts_audit *audit;
	struct mtasts_mxstate *mxstate;	/* NULL: not recorded (said why) */
	struct mtasts_maillog *log;
	time_t	now;			/* for the year of "Mmm dd" stamps */
	int	utc;
	unsigned long long base;	/* position of offset 0 of this file */
	unsigned long long done;	/* sessions concluded before: written */
	char   *buf;			/* one line */
	/* What was read and written. */
	unsigned long lines;
	unsigned long notsyslog;
	unsigned long again;		/* written by an earlier run */
	unsigned long recorded;
	unsigned long ok;
	unsigned long failed;
	unsigned long nopolicy;
	unsigned long lost;		/* out of memory */
};

struct where {
	unsigned long long dev;
	unsigned long long ino;
	unsigned long long resume;	/* offset where the next run starts */
	unsigned long long done;	/* offset up to which records went out */
};

static volatile sig_atomic_t stop;

/* on_signal - end --follow at the next line or poll */

static void
on_signal(int sig)
{
	(void) sig;
	stop = 1;
}

/* patterns - the decision's mx patterns, space-separated */

static void
patterns(const struct mtasts_decision *d, struct mtasts_buf *b)
{
	size_t	i;

	for (i = 0; i < d->nmx; i++) {
		if (i)
			mtasts_buf_puts(b, " ");
		mtasts_buf_puts(b, d->mx[i]);
	}
}

/* on_session - one concluded session: look the policy up, audit it */

static void
on_session(void *ctx, const struct mtasts_maillog_session *s)
{
	struct ingest *in = ctx;
	struct mtasts_decision d;
	struct mtasts_audit_rec r;
	struct mtasts_buf pat = {0};
	char	reason[MTASTS_REASON_MAX], mwhy[MTASTS_REASON_MAX];
	const char *type = s->result_type;

	if (s->pos < in->done) {
		in->again++;
		return;
	}
	mtasts_decide(in->store, NULL, s->domain, s->mx, MTASTS_STORE_CACHE_ONLY, &d);
	if (d.mode != MTASTS_DMODE_ENFORCE && d.mode != MTASTS_DMODE_TESTING) {
		/* No policy in the cache (or mode none): no MTA-STS session. */
		in->nopolicy++;
		mtasts_decision_clear(&d);
		return;
	}
	/* The TLS check itself (type is still only TLS's verdict here). */
	if (in->mxstate != NULL
	    && mtasts_mxstate_put(in->mxstate, s->mx, type == NULL, s->when,
				  type == NULL ? "TLS verified" : type, mwhy,
				  sizeof(mwhy)) == MTASTS_TEMP)
		fprintf(stderr, "mtasts: ingest: MX TLS state of %s: %s\n", s->mx, mwhy);
	if (!d.host_matches) {
		/* RFC 8461 4.1: an MX outside the policy fails validation. */
		if (type == NULL)
			type = MTASTS_RESULT_VALIDATION_FAILURE;
		mtasts_why(reason, sizeof(reason), "%s: MX %s does not match the policy; %s",
			   mtasts_maillog_mta_str(s->mta), s->mx, s->reason);
	} else {
		/*
		 * No queue id: the reason becomes the report's
		 * failure-reason-code, which groups failures (and goes to
		 * the receiving domain); the time and MX find the log line.
		 */
		mtasts_why(reason, sizeof(reason), "%s: %s", mtasts_maillog_mta_str(s->mta),
			   s->reason);
	}
	patterns(&d, &pat);
	memset(&r, 0, sizeof(r));
	r.event = "delivery";
	r.domain = s->domain;
	r.mx = s->mx;
	r.addr = s->addr;
	r.policy_id = d.lookup.id[0] ? d.lookup.id : NULL;
	r.mode = mtasts_dmode_str(d.mode);
	r.mx_patterns = pat.oom ? NULL : pat.data;
	r.max_age = d.lookup.policy ? (long) d.lookup.policy->max_age : -1;
	r.action = mtasts_action_str(type == NULL ? MTASTS_ACTION_DELIVER
				     : d.mode == MTASTS_DMODE_ENFORCE ? MTASTS_ACTION_DEFER
				     : MTASTS_ACTION_REPORT);
	r.result_type = type;
	r.reason = reason;
	/* The record's time is the session's, not ours. */
	mtasts_clock_set(s->when);
	mtasts_audit_write(in->audit, &r);
	mtasts_clock_set(0);
	(void) mtasts_clock_from_env();
	in->recorded++;
	if (type == NULL)
		in->ok++;
	else
		in->failed++;
	mtasts_buf_free(&pat);
	mtasts_decision_clear(&d);
}

/*
 * read_line - one line into in->buf (cut at MTASTS_MAILLOG_LINE_MAX,
 * the rest skipped); *used is the bytes consumed. 1 a line, 2 an
 * unterminated last line, 0 nothing more, -1 read error.
 */

static int
read_line(struct ingest *in, FILE *fp, size_t *len, unsigned long long *used)
{
	int	c;

	*len = 0;
	*used = 0;
	while ((c = getc(fp)) != EOF) {
		(*used)++;
		if (c == '\n')
			return (1);
		if (*len < MTASTS_MAILLOG_LINE_MAX)
			in->buf[(*len)++] = (char) c;
	}
	if (ferror(fp))
		return (-1);
	return (*used ? 2 : 0);
}

/* one_line - parse and track one line at position pos */

static void
one_line(struct ingest *in, size_t len, unsigned long long pos)
{
	struct mtasts_maillog_line line;

	in->lines++;
	switch (mtasts_maillog_parse(in->buf, len, in->now, in->utc, &line)) {
	case MTASTS_PERM:
		in->notsyslog++;
		return;
	case MTASTS_OK:
		if (mtasts_maillog_feed(in->log, &line, pos, on_session, in) == MTASTS_TEMP)
			in->lost++;
		return;
	default:
		return;
	}
}

/*
 * drain - read fp from *off to its end; with whole, an unterminated
 * last line is put back for later. 0, or -1 on a read error.
 */

static int
drain(struct ingest *in, FILE *fp, unsigned long long *off, int whole)
{
	size_t	len;
	unsigned long long used;
	int	rc;

	while (!stop && (rc = read_line(in, fp, &len, &used)) != 0) {
		if (rc < 0)
			return (-1);
		if (rc == 2 && whole) {
			if (fseeko(fp, (off_t) *off, SEEK_SET) < 0)
				return (-1);
			clearerr(fp);
			return (0);
		}
		one_line(in, len, in->base + *off);
		*off += used;
	}
	clearerr(fp);
	return (0);
}

/* state_load - the state of an earlier run; 0 none, 1 read, -1 bad */

static int
state_load(const char *path, struct where *w)
{
	FILE   *fp;
	char	line[256];
	int	n;

	if ((fp = fopen(path, "r")) == NULL)
		return (errno == ENOENT ? 0 : -1);
	n = fgets(line, sizeof(line), fp) != NULL
		&& sscanf(line, "mtasts-ingest 1 dev=%llu ino=%llu resume=%llu done=%llu",
			  &w->dev, &w->ino, &w->resume, &w->done) == 4;
	(void) fclose(fp);
	return (n && w->resume <= w->done ? 1 : -1);
}

/* state_save - write the state atomically: temporary file, fsync, rename */

static int
state_save(const char *path, const struct where *w)
{
	char	tmp[4096];
	FILE   *fp;
	int	ok;

	if ((size_t) snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)
	    || (fp = fopen(tmp, "w")) == NULL)
		return (-1);
	ok = fprintf(fp, "mtasts-ingest 1 dev=%llu ino=%llu resume=%llu done=%llu\n",
		     w->dev, w->ino, w->resume, w->done) > 0;
	ok = fflush(fp) == 0 && ok && fsync(fileno(fp)) == 0;
	ok = fclose(fp) == 0 && ok;
	if (!ok || rename(tmp, path) < 0) {
		(void) unlink(tmp);
		return (-1);
	}
	return (0);
}

/* where_now - the state after reading fp up to off */

static void
where_now(const struct ingest *in, FILE *fp, unsigned long long off, struct where *w)
{
	struct stat st;
	unsigned long long r = mtasts_maillog_resume(in->log, in->base + off);

	memset(w, 0, sizeof(*w));
	if (fstat(fileno(fp), &st) == 0) {
		w->dev = (unsigned long long) st.st_dev;
		w->ino = (unsigned long long) st.st_ino;
	}
	/* A session that began in a file before this one is not resumed. */
	w->resume = r > in->base ? r - in->base : 0;
	w->done = off;
}

/* rotated - the file at path is not fp any more, or fp was truncated */

static int
rotated(const char *path, FILE *fp, unsigned long long off)
{
	struct stat a, b;

	if (stat(path, &a) < 0 || fstat(fileno(fp), &b) < 0)
		return (0);
	return (a.st_dev != b.st_dev || a.st_ino != b.st_ino || (unsigned long long) b.st_size < off);
}

/* nap - wait before looking for more lines; a signal ends it early */

static void
nap(void)
{
	struct timespec ts = {FOLLOW_POLL_MS / 1000, (FOLLOW_POLL_MS % 1000) * 1000000L};

	(void) nanosleep(&ts, NULL);
}

/* finish_rotated - the rest of LOG.1 when the state names it */

static int
finish_rotated(struct ingest *in, const char *path, const struct where *w)
{
	char	old[4096];
	struct stat st;
	unsigned long long off = w->resume;
	FILE   *fp;
	int	rc;

	if ((size_t) snprintf(old, sizeof(old), "%s.1", path) >= sizeof(old)
	    || stat(old, &st) < 0 || (unsigned long long) st.st_dev != w->dev
	    || (unsigned long long) st.st_ino != w->ino
	    || (fp = fopen(old, "r")) == NULL)
		return (0);
	in->done = w->done;
	rc = fseeko(fp, (off_t) off, SEEK_SET) < 0 ? -1 : drain(in, fp, &off, 0);
	(void) fclose(fp);
	/* The new file's positions come after the old one's. */
	in->base = off + 1;
	in->done = in->base;
	return (rc);
}

/* summary - what was read and written */

static void
summary(const struct ingest *in, const char *name)
{
	const struct mtasts_maillog_counts *c = mtasts_maillog_counts(in->log);

	printf("mtasts ingest: %s: %lu lines (%lu not syslog), %lu TLS sessions"
	       " concluded: %lu recorded (%lu successful, %lu failed), %lu for domains"
	       " without an enforce or testing policy in the cache, %lu recorded by an"
	       " earlier run; %lu unfinished\n", name, in->lines, in->notsyslog,
	       c->sessions, in->recorded, in->ok, in->failed, in->nopolicy, in->again,
	       c->unfinished);
	if (c->events > 0 && c->tls_lines[MTASTS_MAILLOG_POSTFIX] == 0
	    && c->tls_lines[MTASTS_MAILLOG_SENDMAIL] == 0)
		fprintf(stderr, "mtasts: ingest: %s: no TLS line in the log, so successful"
			" sessions cannot be seen: set smtp_tls_loglevel = 1 (Postfix) or"
			" LogLevel 9 or more (Sendmail)\n", name);
	if (in->lost)
		fprintf(stderr, "mtasts: ingest: %lu lines lost: out of memory\n", in->lost);
}

/* usage - the synopsis */

static int
usage(void)
{
	fprintf(stderr, "usage: mtasts ingest [--state FILE] [--follow] [--utc] [LOG|-]\n");
	return (EX_USAGE);
}

/* cmd_ingest - mtasts ingest */

int
cmd_ingest(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{"state", required_argument, NULL, 's'},
		{"follow", no_argument, NULL, 'f'},
		{"utc", no_argument, NULL, 'u'},
		{NULL, 0, NULL, 0}
	};
	const struct mtasts_config *cfg;
	struct ingest in;
	struct where w;
	struct sigaction sa;
	const char *path = "-", *state = NULL;
	enum mtasts_status mst;
	char	why[MTASTS_REASON_MAX * 2];
	unsigned long long off = 0;
	FILE   *fp = NULL;
	int	ch, follow = 0, have = 0, ret = 0;

	memset(&in, 0, sizeof(in));
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			state = optarg;
			break;
		case 'f':
			follow = 1;
			break;
		case 'u':
			in.utc = 1;
			break;
		default:
			return (usage());
		}
	}
	if (optind < argc)
		path = argv[optind++];
	if (optind != argc)
		return (usage());
	if ((state || follow) && strcmp(path, "-") == 0) {
		fprintf(stderr, "mtasts: ingest: --state and --follow need a LOG file\n");
		return (EX_USAGE);
	}
	if ((cfg = cmd_config(ctx)) == NULL)
		return (EX_CONFIG);
	if (cfg->json_file == NULL) {
		fprintf(stderr, "mtasts: ingest: no audit log to write to: set log.json_file"
			" in %s\n", cfg->source);
		return (EX_CONFIG);
	}
	if (state && (have = state_load(state, &w)) < 0) {
		fprintf(stderr, "mtasts: ingest: %s: not a state file of mtasts ingest\n", state);
		return (EX_DATAERR);
	}
	if ((in.buf = malloc(MTASTS_MAILLOG_LINE_MAX)) == NULL
	    || (in.log = mtasts_maillog_new()) == NULL) {
		fprintf(stderr, "mtasts: ingest: out of memory\n");
		ret = EX_OSERR;
		goto out;
	}
	if ((in.audit = mtasts_audit_open(cfg, why, sizeof(why))) == NULL || why[0]) {
		fprintf(stderr, "mtasts: ingest: %s\n", why);
		ret = EX_CANTCREAT;
		goto out;
	}
	if ((in.store = mtasts_store_open(cfg, why, sizeof(why))) == NULL) {
		fprintf(stderr, "mtasts: ingest: %s\n", why);
		ret = EX_TEMPFAIL;
		goto out;
	}
	/* The milter's early refusal reads it; the audit records do not. */
	mst = mtasts_mxstate_open(cfg, MTASTS_CACHE_RDWR, &in.mxstate, why,
				  sizeof(why));
	if (mst != MTASTS_OK && mst != MTASTS_NONE)
		fprintf(stderr, "mtasts: ingest: MX TLS state not recorded: %s\n", why);
	in.now = mtasts_now();
	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "r")) == NULL) {
		fprintf(stderr, "mtasts: ingest: %s: %s\n", path, strerror(errno));
		ret = EX_NOINPUT;
		goto out;
	}
	if (have) {
		struct stat st;

		if (fstat(fileno(fp), &st) == 0 && (unsigned long long) st.st_dev == w.dev
		    && (unsigned long long) st.st_ino == w.ino
		    && (unsigned long long) st.st_size >= w.done) {
			off = w.resume;
			in.done = w.done;
			if (fseeko(fp, (off_t) off, SEEK_SET) < 0)
				off = in.done = 0;
		} else if (finish_rotated(&in, path, &w) < 0) {
			fprintf(stderr, "mtasts: ingest: %s.1: read error\n", path);
			ret = EX_IOERR;
			goto out;
		}
	}
	if (follow) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		(void) sigaction(SIGTERM, &sa, NULL);
		(void) sigaction(SIGINT, &sa, NULL);
	}
	for (;;) {
		if (drain(&in, fp, &off, state != NULL || follow) < 0) {
			fprintf(stderr, "mtasts: ingest: %s: read error\n", path);
			ret = EX_IOERR;
			break;
		}
		if (!follow || stop)
			break;
		if (state) {
			where_now(&in, fp, off, &w);
			if (state_save(state, &w) < 0)
				fprintf(stderr, "mtasts: ingest: %s: cannot save: %s\n", state,
					strerror(errno));
		}
		if (fflush(stdout) == EOF)
			break;
		nap();
		if (!stop && rotated(path, fp, off)) {
			FILE   *nfp;

			/* The rest of the old file first, then the new one. */
			if (drain(&in, fp, &off, 0) < 0 || (nfp = fopen(path, "r")) == NULL)
				continue;
			(void) fclose(fp);
			fp = nfp;
			in.base += off + 1;
			in.done = in.base;
			off = 0;
		}
	}
	if (state && ret == 0) {
		where_now(&in, fp, off, &w);
		if (state_save(state, &w) < 0) {
			fprintf(stderr, "mtasts: ingest: %s: cannot save: %s\n", state,
				strerror(errno));
			ret = EX_IOERR;
		}
	}
	summary(&in, strcmp(path, "-") == 0 ? "(stdin)" : path);
out:
	if (fp != NULL && fp != stdin)
		(void) fclose(fp);
	mtasts_maillog_free(in.log);
	mtasts_store_close(in.store);
	mtasts_mxstate_close(in.mxstate);
	mtasts_audit_close(in.audit);
	free(in.buf);
	return (ret);
}
