/*++
 * NAME
 *	listen 3
 * SUMMARY
 *	the listening sockets: unix and TCP, bound before privileges go
 * SYNOPSIS
 *	#include "mtastsd.h"
 * DESCRIPTION
 *	listen_open() binds and listens on every daemon.listen entry
 *	(listen_defaults() when the config has none: unix:
 *	MTASTS_DEFAULT_LISTEN_UNIX and inet:127.0.0.1:8461). Sockets are
 *	non-blocking and close-on-exec.
 *
 *	A unix socket gets daemon.socket_mode and the socket group (it is
 *	made with a umask that lets nobody in before the chmod). A socket
 *	file left by a dead daemon is replaced; a live daemon on the path
 *	(connect succeeds) or a file that is not a socket is an error, so
 *	a second mtastsd never steals the first one's socket.
 *	TCP sockets set SO_REUSEADDR (restart right after a stop) and, for
 *	IPv6, IPV6_V6ONLY (an "inet:[::]:N" entry means IPv6 only).
 *
 *	listen_unlink() removes the unix socket files at exit.
 * SECURITY
 *	The socket is the daemon's only input. Its mode and group decide who
 *	may ask (answers are not secret, but a flood costs lookups); TCP
 *	should stay on loopback, which is the default.
 *--*/
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "mtastsd.h"

/* listen_defaults - the daemon.listen default */

size_t
listen_defaults(struct mtasts_listen *out, size_t max)
{
	if (max < 2)
		return (0);
	memset(out, 0, 2 * sizeof(*out));
	/* Constants that fit their fields (limits.h). */
	out[0].family = AF_UNIX;
	(void) snprintf(out[0].path, sizeof(out[0].path), "%s",
			MTASTS_DEFAULT_LISTEN_UNIX);
	out[1].family = AF_INET;
	(void) snprintf(out[1].host, sizeof(out[1].host), "%s",
			MTASTS_DEFAULT_LISTEN_HOST);
	out[1].port = MTASTS_DEFAULT_LISTEN_PORT;
	return (2);
}

/* stale_unix - may an existing path be replaced? 0 yes, -1 with why */

static int
stale_unix(const struct sockaddr_un *sun, char *why, size_t whylen)
{
	struct stat st;
	int	fd, rc;

	if (lstat(sun->sun_path, &st) != 0)
		return (0);			/* nothing there */
	if (!S_ISSOCK(st.st_mode)) {
		mtasts_why(why, whylen, "%s exists and is not a socket", sun->sun_path);
		return (-1);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		mtasts_why(why, whylen, "socket: %s", strerror(errno));
		return (-1);
	}
	rc = connect(fd, (const struct sockaddr *) sun, sizeof(*sun));
	(void) close(fd);
	if (rc == 0) {
		mtasts_why(why, whylen, "%s: another daemon is listening there",
			   sun->sun_path);
		return (-1);
	}
	if (unlink(sun->sun_path) != 0 && errno != ENOENT) {
		mtasts_why(why, whylen, "cannot remove the old socket %s: %s",
			   sun->sun_path, strerror(errno));
		return (-1);
	}
	return (0);
}

/* open_unix - bind, chmod, chown, listen */

static int
open_unix(const struct mtasts_listen *e, int mode, uid_t owner, gid_t group,
	  char *why, size_t whylen)
{
	struct sockaddr_un sun;
	mode_t	old;
	int	fd, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	/* Fits: config_daemon.c asserts MTASTS_LISTEN_PATH_MAX <= sun_path. */
	(void) snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", e->path);
	if (stale_unix(&sun, why, whylen) < 0)
		return (-1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
		mtasts_why(why, whylen, "socket: %s", strerror(errno));
		return (-1);
	}
	/* Nobody may connect between bind() and chmod(). */
	old = umask(0177);
	rc = bind(fd, (struct sockaddr *) &sun, sizeof(sun));
	(void) umask(old);
	if (rc != 0) {
		mtasts_why(why, whylen, "bind %s: %s", e->path, strerror(errno));
		(void) close(fd);
		return (-1);
	}
	if ((owner != (uid_t) -1 || group != (gid_t) -1)
	    && chown(e->path, owner, group) != 0) {
		mtasts_why(why, whylen, "chown %s: %s", e->path, strerror(errno));
		goto fail;
	}
	if (chmod(e->path, (mode_t) mode) != 0) {
		mtasts_why(why, whylen, "chmod %s: %s", e->path, strerror(errno));
		goto fail;
	}
	if (listen(fd, MTASTS_LISTEN_BACKLOG) != 0) {
		mtasts_why(why, whylen, "listen %s: %s", e->path, strerror(errno));
		goto fail;
	}
	return (fd);

fail:
	(void) unlink(e->path);
	(void) close(fd);
	return (-1);
}

/* open_inet - bind and listen on ADDRESS:PORT */

static int
open_inet(const struct mtasts_listen *e, char *why, size_t whylen)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *) &ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;
	socklen_t sslen;
	int	fd, on = 1;

	memset(&ss, 0, sizeof(ss));
	if (e->family == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(e->port);
		sslen = sizeof(*sin6);
		if (inet_pton(AF_INET6, e->host, &sin6->sin6_addr) != 1)
			goto bad;
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(e->port);
		sslen = sizeof(*sin);
		if (inet_pton(AF_INET, e->host, &sin->sin_addr) != 1)
			goto bad;
	}
	if ((fd = socket(e->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
		mtasts_why(why, whylen, "socket: %s", strerror(errno));
		return (-1);
	}
	(void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (e->family == AF_INET6)
		(void) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *) &ss, sslen) != 0
	    || listen(fd, MTASTS_LISTEN_BACKLOG) != 0) {
		mtasts_why(why, whylen, "bind %s port %u: %s", e->host,
			   (unsigned) e->port, strerror(errno));
		(void) close(fd);
		return (-1);
	}
	return (fd);

bad:
	mtasts_why(why, whylen, "bad address %s", e->host);
	return (-1);
}

/* listen_open - every entry, or none at all */

int
listen_open(const struct mtasts_listen *ents, size_t n, int mode,
	    uid_t owner, gid_t group, struct listener **out, size_t *nout,
	    char *why, size_t whylen)
{
	struct listener *ls;
	size_t	i;
	int	fd;

	*out = NULL;
	*nout = 0;
	if ((ls = calloc(n ? n : 1, sizeof(*ls))) == NULL) {
		mtasts_why(why, whylen, "out of memory");
		return (-1);
	}
	for (i = 0; i < n; i++) {
		const struct mtasts_listen *e = &ents[i];

		/* path fits as above; a name is for logs, and a cut one harmless. */
		if (e->family == AF_UNIX) {
			fd = open_unix(e, mode, owner, group, why, whylen);
			(void) snprintf(ls[i].name, sizeof(ls[i].name), "unix:%s", e->path);
			(void) snprintf(ls[i].path, sizeof(ls[i].path), "%s", e->path);
		} else {
			fd = open_inet(e, why, whylen);
			(void) snprintf(ls[i].name, sizeof(ls[i].name),
					e->family == AF_INET6 ? "inet:[%s]:%u" : "inet:%s:%u",
					e->host, (unsigned) e->port);
		}
		if (fd < 0) {
			listen_unlink(ls, i);
			while (i-- > 0)
				(void) close(ls[i].fd);
			free(ls);
			return (-1);
		}
		ls[i].fd = fd;
		ls[i].family = e->family;
	}
	*out = ls;
	*nout = n;
	return (0);
}

/* listen_unlink - remove the socket files */

void
listen_unlink(struct listener *ls, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (ls[i].family == AF_UNIX && ls[i].path[0]
		    && unlink(ls[i].path) != 0 && errno != ENOENT)
			log_msg(LOG_ERR, "cannot remove %s: %m", ls[i].path);
}
