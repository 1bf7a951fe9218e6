/*++
 * NAME
 *	dproc 3
 * SUMMARY
 *	what every mtasts daemon does to its process: daemon mode, pid file,
 *	privilege drop
 * SYNOPSIS
 *	#include "dproc.h"
 * DESCRIPTION
 *	Shared by mtastsd and mtasts-milter (never used inside an MTA).
 *
 *	dproc_daemonize() forks and returns 0 in the child, 1 in the parent
 *	once the child called dproc_ready() (*parent_status 0) or died
 *	first (*parent_status 1); the caller exits with it, so a start-up
 *	failure shows in a script or a Type=forking unit. The child starts a
 *	new session and works in "/". dproc_ready() tells the parent and
 *	points stdin, stdout and stderr at /dev/null.
 *	dproc_pidfile() writes the pid; dproc_pidfile_remove() removes the
 *	file only while it still holds our pid.
 *	dproc_drop() drops root in the order setgroups, setresgid, setresuid
 *	(gid -1: the current group), then checks that real, effective and
 *	saved ids all changed and that root cannot be regained.
 *	dproc_ids() looks up the SECTION.user, .group and .socket_group
 *	settings (NULL: not set; -1 ids then mean "keep"); dproc_rundir()
 *	creates the missing parent directory of an absolute path, owned by
 *	uid:gid, so a socket or pid file under /run works after a reboot.
 *	All return 0, or -1 with why.
 * SECURITY
 *	A daemon whose drop fails must not run: answering as root is never
 *	the fallback (the callers exit).
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
#include <unistd.h>

#include <mtasts/limits.h>
#include <mtasts/status.h>

#include "dproc.h"

static int ready_fd = -1;

/* dproc_daemonize - fork; 0 in the child, 1 in the parent once it is ready */

int
dproc_daemonize(int *parent_status, char *why, size_t whylen)
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

/* dproc_ready - tell the waiting parent; detach from the terminal */

int
dproc_ready(char *why, size_t whylen)
{
	int	fd, ret = 0;

	if (ready_fd < 0)
		return (0);
	if (write(ready_fd, "R", 1) != 1) {
		mtasts_why(why, whylen, "cannot tell the parent process: %s", strerror(errno));
		ret = -1;
	}
	(void) close(ready_fd);
	ready_fd = -1;
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		(void) dup2(fd, 0);
		(void) dup2(fd, 1);
		(void) dup2(fd, 2);
		if (fd > 2)
			(void) close(fd);
	}
	return (ret);
}

/* dproc_pidfile - write our pid */

int
dproc_pidfile(const char *path, char *why, size_t whylen)
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

/* dproc_pidfile_remove - remove the pid file if it is still ours */

int
dproc_pidfile_remove(const char *path, char *why, size_t whylen)
{
	char	buf[32];
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return (0);
	n = read(fd, buf, sizeof(buf) - 1);
	(void) close(fd);
	if (n <= 0)
		return (0);
	buf[n] = 0;
	/* A daemon started after us may own it now. */
	if (strtol(buf, NULL, 10) == (long) getpid() && unlink(path) != 0) {
		mtasts_why(why, whylen, "cannot remove %s: %s", path, strerror(errno));
		return (-1);
	}
	return (0);
}

/* dproc_drop - become uid:gid for good */

int
dproc_drop(uid_t uid, gid_t gid, char *why, size_t whylen)
{
	uid_t	ru, eu, su;
	gid_t	rg, eg, sg;

	if (gid == (gid_t) -1)
		gid = getgid();
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

/* dproc_group - a group by name */

static int
dproc_group(const char *section, const char *key, const char *name,
	    gid_t *gid, char *why, size_t whylen)
{
	struct group *gr;

	if ((gr = getgrnam(name)) == NULL) {
		mtasts_why(why, whylen, "%s.%s: no group \"%s\"", section, key,
			   name);
		return (-1);
	}
	*gid = gr->gr_gid;
	return (0);
}

/* dproc_ids - the ids a daemon's user, group and socket_group name */

int
dproc_ids(const char *section, const char *user, const char *group,
	  const char *socket_group, uid_t *uid, gid_t *gid, gid_t *sock_gid,
	  char *why, size_t whylen)
{
	struct passwd *pw;

	*uid = (uid_t) -1;
	*gid = (gid_t) -1;
	*sock_gid = (gid_t) -1;
	if (user != NULL) {
		if ((pw = getpwnam(user)) == NULL) {
			mtasts_why(why, whylen, "%s.user: no user \"%s\"",
				   section, user);
			return (-1);
		}
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	}
	if (group != NULL
	    && dproc_group(section, "group", group, gid, why, whylen) < 0)
		return (-1);
	*sock_gid = *gid;
	if (socket_group != NULL
	    && dproc_group(section, "socket_group", socket_group, sock_gid,
			   why, whylen) < 0)
		return (-1);
	return (0);
}

/* dproc_rundir - create the missing parent directory of path for uid:gid */

int
dproc_rundir(const char *path, uid_t uid, gid_t gid, char *why, size_t whylen)
{
	char	dir[MTASTS_CONFIG_STRING_MAX + 1];
	struct stat st;
	char   *slash;
	int	n;

	n = snprintf(dir, sizeof(dir), "%s", path);
	if (n < 0 || (size_t) n >= sizeof(dir)) {
		mtasts_why(why, whylen, "path too long: %.64s...", path);
		return (-1);
	}
	/* Relative paths and "/name" have no directory of ours to make. */
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
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
