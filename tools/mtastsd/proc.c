/*++
 * NAME
 *	proc 3
 * SUMMARY
 *	the process: the logging side of daemon mode and the pid file
 * SYNOPSIS
 *	#include "dproc.h"
 *	#include "mtastsd.h"
 * DESCRIPTION
 *	Daemon mode, the pid file and the privilege drop are the shared
 *	dproc_*() of tools/common/dproc.c (so are the user and group
 *	lookup and the run directory); proc_ready() and
 *	proc_pidfile_remove() log what those report.
 * SECURITY
 *	When daemon.user is set and the drop fails, the daemon does not
 *	run at all: answering as root is never the fallback.
 *--*/
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "dproc.h"
#include "mtastsd.h"


/* proc_ready - tell the waiting parent; detach from the terminal */

void
proc_ready(void)
{
	char	why[MTASTS_REASON_MAX];

	if (dproc_ready(why, sizeof(why)) < 0)
		log_msg(LOG_ERR, "%s", why);
}



/* proc_pidfile_remove - remove the pid file if it is still ours */

void
proc_pidfile_remove(const char *path)
{
	char	why[MTASTS_REASON_MAX];

	if (dproc_pidfile_remove(path, why, sizeof(why)) < 0)
		log_msg(LOG_ERR, "%s", why);
}


