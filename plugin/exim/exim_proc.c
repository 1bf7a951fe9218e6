/*++
 * NAME
 *	exim_proc 3
 * SUMMARY
 *	per-process state of the Exim module: config, store, audit, resolver
 * SYNOPSIS
 *	#include "exim_int.h"
 * DESCRIPTION
 *	See exim_int.h. Everything is opened lazily, on the first call in a
 *	process, because Exim loads the module in whatever process first
 *	expands a ${dlfunc} and then forks: opening in one process and
 *	using the handles in another would share an LMDB environment or a
 *	getdns context across fork(), which neither allows.
 *
 *	The config is read once per process (an Exim delivery process
 *	lives for one message), so a changed mtasts.yaml applies to the
 *	next delivery without a signal. MTASTS_NOW is honoured as in the
 *	mtasts tool, for the test harness; Exim removes it from the
 *	environment unless keep_environment names it.
 * DIAGNOSTICS
 *	A state that cannot be opened is not remembered: every call tries
 *	again and answers "defer" with the reason until it works, so a
 *	fixed config or cache directory helps without restarting Exim.
 * SECURITY
 *	Inside Exim's process: no exit(), no abort(), no output on stdout
 *	or stderr; failures go back to the caller as text.
 *--*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <mtasts/buf.h>
#include <mtasts/cache.h>
#include <mtasts/clock.h>

#include "exim_int.h"

/* The one state of this process; pid == 0: nothing open. */
static struct mtasts_exim_proc proc;

/* The answer handed to Exim; reused, so it never grows per call. */
static struct mtasts_buf answer;

/* Returned when even the answer buffer cannot be filled. */
static char oom_text[] = "mtasts: out of memory";

/* proc_close - release what this process opened */

static void
proc_close(struct mtasts_exim_proc *p)
{
	if (p->dns)
		mtasts_dns_free(p->dns);
	mtasts_mxstate_close(p->mxstate);
	mtasts_store_close(p->store);
	mtasts_audit_close(p->audit);
	mtasts_config_free(p->cfg);
	free(p->config_path);
	memset(p, 0, sizeof(*p));
}

/* proc_open - open config, store and audit log for path */

static int
proc_open(struct mtasts_exim_proc *p, const char *path, char *why, size_t whylen)
{
	char	awhy[MTASTS_REASON_MAX];

	memset(p, 0, sizeof(*p));
	if (mtasts_clock_from_env() < 0) {
		mtasts_why(why, whylen, "MTASTS_NOW is not a number of seconds");
		return (-1);
	}
	if ((p->config_path = strdup(path)) == NULL) {
		mtasts_why(why, whylen, "out of memory");
		return (-1);
	}
	if (mtasts_config_load(path, &p->cfg, why, whylen) != MTASTS_OK)
		goto fail;
	if ((p->store = mtasts_store_open(p->cfg, why, whylen)) == NULL)
		goto fail;
	awhy[0] = 0;
	if ((p->audit = mtasts_audit_open(p->cfg, awhy, sizeof(awhy))) == NULL) {
		mtasts_why(why, whylen, "%s", awhy);
		goto fail;
	}
	/* A JSON file that cannot be written must not stop mail: say so once. */
	if (awhy[0])
		syslog(p->cfg->syslog_facility | LOG_WARNING, "mtasts: %s", awhy);
	p->pid = getpid();
	return (0);
fail:
	proc_close(p);
	return (-1);
}

/* mtasts_exim_proc - this process's state for config path */

struct mtasts_exim_proc *
mtasts_exim_proc(const char *path, char *why, size_t whylen)
{
	if (path == NULL || *path == 0)
		path = MTASTS_DEFAULT_CONFIG;
	if (proc.pid != 0 && proc.pid != getpid()) {
		/*
		 * Inherited across fork(): the parent's handles are the
		 * parent's. Forget them without closing anything; the memory
		 * goes with this process (one copy per fork, never per call).
		 */
		memset(&proc, 0, sizeof(proc));
	}
	if (proc.pid != 0 && strcmp(proc.config_path, path) == 0)
		return (&proc);
	if (proc.pid != 0)
		proc_close(&proc);
	if (proc_open(&proc, path, why, whylen) < 0)
		return (NULL);
	return (&proc);
}

/* mtasts_exim_dns - the resolver for MX lookups, made on first use */

struct mtasts_dns *
mtasts_exim_dns(struct mtasts_exim_proc *p, char *why, size_t whylen)
{
	if (p->dns == NULL)
		p->dns = mtasts_dns_new(p->cfg, NULL, why, whylen);
	return (p->dns);
}

/* mtasts_exim_mxstate - note an MX host's TLS outcome for the milter */

void
mtasts_exim_mxstate(struct mtasts_exim_proc *p, const char *host, int ok,
		    const char *reason)
{
	char	why[MTASTS_REASON_MAX];
	enum mtasts_status st;

	/*
	 * Advisory: what the milter reads to refuse mail early. Failing to
	 * write it changes no delivery, so it is logged once and let be.
	 */
	if (p->mxstate == NULL && !p->mxstate_failed) {
		st = mtasts_mxstate_open(p->cfg, MTASTS_CACHE_RDWR, &p->mxstate,
					 why, sizeof(why));
		if (st != MTASTS_OK && st != MTASTS_NONE) {
			p->mxstate_failed = 1;
			syslog(p->cfg->syslog_facility | LOG_WARNING,
			       "mtasts: MX state not recorded: %s", why);
		}
	}
	if (p->mxstate != NULL
	    && mtasts_mxstate_put(p->mxstate, host, ok, mtasts_now(), reason,
				  why, sizeof(why)) == MTASTS_TEMP)
		syslog(p->cfg->syslog_facility | LOG_WARNING,
		       "mtasts: MX state of %s not recorded: %s", host, why);
}

/* mtasts_exim_yield - set Exim's answer text and return code */

int
mtasts_exim_yield(unsigned char **yield, int code, const char *text)
{
	mtasts_buf_reset(&answer);
	mtasts_buf_append(&answer, text, strlen(text));
	if (answer.oom || answer.data == NULL) {
		*yield = (unsigned char *) oom_text;
		/* Even a good answer is unusable now: defer the mail. */
		return (EXIM_DEFER);
	}
	*yield = (unsigned char *) answer.data;
	return (code);
}
