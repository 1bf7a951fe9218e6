/*++
 * NAME
 *	milter_proc 3
 * SUMMARY
 *	the process: socket directory and ownership, daemon mode, pid file
 * SYNOPSIS
 *	#include "dproc.h"
 *	#include "milter.h"
 * DESCRIPTION
 *	milter.user, milter.group and milter.socket_group are resolved by
 *	dproc_ids() (as root, before anything else; -1 stands for
 *	"unchanged").
 *	milter_socket_prepare() creates the missing parent directory of a
 *	unix socket (0755, owned by the milter user, so that it can remove
 *	its socket at exit); milter_socket_own() gives the socket libmilter
 *	made its mode and owner; milter_socket_remove() removes it at
 *	exit (libmilter does not). Other socket kinds need none of this.
 *	Daemon mode, the pid file and the privilege drop are the shared
 *	dproc_*() of tools/common/dproc.c (as in mtastsd); milter_ready()
 *	and milter_pidfile_remove() log what those report.
 *
 *	libmilter socket addresses are "unix:PATH", "local:PATH" or a bare
 *	absolute PATH for a unix socket, "inet:PORT[@HOST]" and
 *	"inet6:PORT[@HOST]" for TCP (smfi_setconn(3)).
 * SECURITY
 *	When milter.user is set and the drop fails, the milter does not run
 *	at all: serving as root is never the fallback. Sendmail refuses a
 *	milter socket in a group- or world-writable directory, so the
 *	directory made here is 0755.
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
#include "milter.h"

/* unix_path - the path of a unix socket address, or NULL */

static const char *
unix_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return (spec + 5);
	if (strncmp(spec, "local:", 6) == 0)
		return (spec + 6);
	if (spec[0] == '/')
		return (spec);
	return (NULL);
}

/* milter_socket_prepare - a unix socket's missing directory */

int
milter_socket_prepare(const char *spec, uid_t uid, gid_t gid, char *why,
		      size_t whylen)
{
	const char *path = unix_path(spec);

	if (path == NULL)
		return (0);
	if (path[0] != '/') {
		/* Relative to "/" once daemonized, to the cwd before: ambiguous. */
		mtasts_why(why, whylen, "socket %s: the path must be absolute", spec);
		return (-1);
	}
	return (dproc_rundir(path, uid, gid, why, whylen));
}

/* milter_socket_own - mode and owner of the socket libmilter made */

int
milter_socket_own(const char *spec, int mode, uid_t uid, gid_t gid,
		  char *why, size_t whylen)
{
	const char *path = unix_path(spec);

	if (path == NULL)
		return (0);
	if ((uid != (uid_t) -1 || gid != (gid_t) -1) && chown(path, uid, gid) != 0) {
		mtasts_why(why, whylen, "chown %s: %s", path, strerror(errno));
		return (-1);
	}
	if (chmod(path, (mode_t) mode) != 0) {
		mtasts_why(why, whylen, "chmod %s: %s", path, strerror(errno));
		return (-1);
	}
	return (0);
}

/* milter_socket_remove - remove our unix socket at exit */

void
milter_socket_remove(const char *spec)
{
	const char *path = unix_path(spec);
	struct stat st;

	/*
	 * libmilter leaves it. After the privilege drop a root-owned
	 * directory keeps it (the next start replaces it): worth a notice,
	 * not a warning.
	 */
	if (path != NULL && lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)
	    && unlink(path) != 0)
		milter_log(LOG_NOTICE, "cannot remove %s: %m", path);
}


/* milter_ready - tell the waiting parent; detach from the terminal */

void
milter_ready(void)
{
	char	why[MTASTS_REASON_MAX];

	if (dproc_ready(why, sizeof(why)) < 0)
		milter_log(LOG_ERR, "%s", why);
}



/* milter_pidfile_remove - remove the pid file if it is still ours */

void
milter_pidfile_remove(const char *path)
{
	char	why[MTASTS_REASON_MAX];

	if (dproc_pidfile_remove(path, why, sizeof(why)) < 0)
		milter_log(LOG_ERR, "%s", why);
}


