/*++
 * NAME
 *	proc 3
 * SUMMARY
 *	the process: daemon mode, pid file, user and group, privilege drop
 * SYNOPSIS
 *	#include "mtastsd.h"
 * DESCRIPTION
 *	proc_daemonize() forks and returns 0 in the child. The parent waits
 *	until the child calls proc_ready() (sockets bound, privileges
 *	dropped, store open) and returns 1 with *parent_status 0, or 1 when
 *	the child died first; the caller exits with it, so "mtastsd" in a
 *	script or a Type=forking unit fails visibly when start-up fails.
 *	The child starts a new session, works in "/" and, once ready,
 *	points stdin, stdout and stderr at /dev/null.
 *
 *	proc_ids() resolves daemon.user, daemon.group and
 *	daemon.socket_group (as root, before anything else).
 *	proc_rundir() creates a missing parent directory of a socket or pid
 *	file (0755, owned by the daemon user, so that it can remove its
 *	files at exit); an existing directory is left as it is.
 *	proc_drop() drops root in the order setgroups, setresgid,
 *	setresuid, then checks that real, effective and saved ids all
 *	changed and that root cannot be regained.
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

#include "mtastsd.h"

static int ready_fd = -1;

/* proc_daemonize - fork; 0 in the child, 1 in the parent once it is ready */

int
proc_daemonize(int *parent_status, char *why, size_t whylen)
{
	int	p[2], status;
	pid_t	pid;
	char	c = 0;

	if (pipe2(p, O_CLOEXEC) != 0) {
		mtasts_why(why, whylen, "pipe: %s", strerror(errno));
		return (-1);
	}
	if ((pid = fork()) < 0) {
		mtasts_why(why, whylen, "fork: %s", strerror(errno));
		return (-1);
	}
	if (pid > 0) {
		(void) close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		(void) close(p[0]);
		*parent_status = 0;
		if (c != 'R') {
			(void) waitpid(pid, &status, 0);
			*parent_status = 1;
		}
		return (1);
	}
	(void) close(p[0]);
	ready_fd = p[1];
	if (setsid() < 0 || chdir("/") != 0) {
		mtasts_why(why, whylen, "setsid/chdir: %s", strerror(errno));
		return (-1);
	}
	return (0);
}

/* proc_ready - tell the waiting parent; detach from the terminal */

void
proc_ready(void)
{
	int	fd;

	if (ready_fd < 0)
		return;
	if (write(ready_fd, "R", 1) != 1)
		log_msg(LOG_ERR, "cannot tell the parent process: %m");
	(void) close(ready_fd);
	ready_fd = -1;
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		(void) dup2(fd, 0);
		(void) dup2(fd, 1);
		(void) dup2(fd, 2);
		if (fd > 2)
			(void) close(fd);
	}
}

/* proc_pidfile - write our pid */

int
proc_pidfile(const char *path, char *why, size_t whylen)
{
	char	buf[32];
	int	fd, n;

	n = snprintf(buf, sizeof(buf), "%ld\n", (long) getpid());
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		       0644)) < 0) {
		mtasts_why(why, whylen, "pid file %s: %s", path, strerror(errno));
		return (-1);
	}
	if (n < 0 || (size_t) n >= sizeof(buf) || write(fd, buf, (size_t) n) != n) {
		mtasts_why(why, whylen, "pid file %s: write failed", path);
		(void) close(fd);
		return (-1);
	}
	(void) close(fd);
	return (0);
}

/* proc_pidfile_remove - remove the pid file if it is still ours */

void
proc_pidfile_remove(const char *path)
{
	char	buf[32];
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	(void) close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	/* A daemon started after us may own it now. */
	if (strtol(buf, NULL, 10) == (long) getpid() && unlink(path) != 0)
		log_msg(LOG_ERR, "cannot remove %s: %m", path);
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

/* proc_drop - become uid:gid for good */

int
proc_drop(uid_t uid, gid_t gid, char *why, size_t whylen)
{
	uid_t	ru, eu, su;
	gid_t	rg, eg, sg;

	if (setgroups(1, &gid) != 0) {
		mtasts_why(why, whylen, "setgroups: %s", strerror(errno));
		return (-1);
	}
	if (setresgid(gid, gid, gid) != 0) {
		mtasts_why(why, whylen, "setresgid(%ld): %s", (long) gid, strerror(errno));
		return (-1);
	}
	if (setresuid(uid, uid, uid) != 0) {
		mtasts_why(why, whylen, "setresuid(%ld): %s", (long) uid, strerror(errno));
		return (-1);
	}
	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0
	    || ru != uid || eu != uid || su != uid
	    || rg != gid || eg != gid || sg != gid) {
		mtasts_why(why, whylen, "ids did not change as asked");
		return (-1);
	}
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		mtasts_why(why, whylen, "root could be regained");
		return (-1);
	}
	return (0);
}
