/*++
 * NAME
 *	log 3
 * SUMMARY
 *	mtastsd's own log lines: syslog, and stderr in the foreground
 * DESCRIPTION
 *	log_open() opens syslog as "mtastsd" with the configured facility;
 *	in the foreground (-f) every line is also written to stderr
 *	(LOG_PERROR). The library logs through the same syslog connection
 *	(its lines start with "mtasts:"), and writes its audit records with
 *	the facility of the config it was given.
 *	log_msg() is safe from any thread (syslog(3) is).
 *
 *	Lines follow the "what key=value ..." form, e.g. "reload id=2
 *	config=/etc/mtasts/mtasts.yaml"; text from peers is sanitised by
 *	the caller before it gets here.
 *--*/
#include "config.h"

#include <stdarg.h>
#include <syslog.h>
#include <time.h>

#include "mtastsd.h"

int	log_verbose;

/* log_open - (re)open syslog */

void
log_open(int facility, int foreground)
{
	closelog();
	openlog("mtastsd", LOG_PID | LOG_NDELAY | (foreground ? LOG_PERROR : 0),
		facility);
}

/* log_msg - one line */

void
log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(prio, fmt, ap);
	va_end(ap);
}

/* now_ms - monotonic clock in milliseconds */

double
now_ms(void)
{
	struct timespec ts;

	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double) ts.tv_sec * 1000.0 + (double) ts.tv_nsec / 1e6);
}
