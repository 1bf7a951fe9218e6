/*++
 * NAME
 *	proc 3
 * SUMMARY
 *	the process: daemon mode, pid file, user and group, privilege drop
 * SYNOPSIS
 *	#include "dproc.h"
#include "mtastsd.h"
 * DESCRIPTION
 *	Daemon mode, the pid file and the privilege drop are the shared
 *	dproc_*() of tools/common/dproc.c; proc_ready() and
 *	proc_pidfile_remove() log what those report.
 *
 *	proc_ids() resolves daemon.user, daemon.group and
 *	daemon.socket_group (as root, before anything else).
 *	proc_rundir() creates a missing parent directory of a socket or pid
 *	file (0755, owned by the daemon user, so that it can remove its
 *	files at exit); an existing directory is left as it is.
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


/* group_id - a group by name or number */

static int
group_id(const char *name, gid_t *gid, char *why, size_t whylen)
{
	struct group *gr;

	errno = 0;
	if ((gr = getgrnam(name)) == NULL) {
		mtasts_why(why, whylen, "no group \"%s\"", name);
		return (-1);
	}
	*gid = gr->gr_gid;
	return (0);
}

/* proc_ids - the ids named by the config */

int
proc_ids(const struct mtasts_config *cfg, uid_t *uid, gid_t *gid,
	 gid_t *sock_gid, char *why, size_t whylen)
{
	struct passwd *pw;

	*uid = (uid_t) -1;
	*gid = (gid_t) -1;
	*sock_gid = (gid_t) -1;
	if (cfg->daemon_user != NULL) {
		if ((pw = getpwnam(cfg->daemon_user)) == NULL) {
			mtasts_why(why, whylen, "daemon.user: no user \"%s\"",
				   cfg->daemon_user);
			return (-1);
		}
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	}
	if (cfg->daemon_group != NULL && group_id(cfg->daemon_group, gid, why, whylen) < 0)
		return (-1);
	*sock_gid = *gid;
	if (cfg->daemon_socket_group != NULL
	    && group_id(cfg->daemon_socket_group, sock_gid, why, whylen) < 0)
		return (-1);
	return (0);
}

/* proc_rundir - create a missing parent directory for uid:gid */

int
proc_rundir(const char *path, uid_t uid, gid_t gid, char *why, size_t whylen)
{
	char	dir[MTASTS_CONFIG_STRING_MAX + 1];
	struct stat st;
	char   *slash;
	int	n;

	n = snprintf(dir, sizeof(dir), "%s", path);
	if (n < 0 || (size_t) n >= sizeof(dir) || (slash = strrchr(dir, '/')) == NULL
	    || slash == dir)
		return (0);
	*slash = 0;
	if (stat(dir, &st) == 0)
		return (0);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		mtasts_why(why, whylen, "mkdir %s: %s", dir, strerror(errno));
		return (-1);
	}
	if ((uid != (uid_t) -1 || gid != (gid_t) -1) && chown(dir, uid, gid) != 0) {
		mtasts_why(why, whylen, "chown %s: %s", dir, strerror(errno));
		return (-1);
	}
	return (0);
}

