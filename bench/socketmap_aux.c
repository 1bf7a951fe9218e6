/*++
 * NAME
 *	socketmap_aux 3
 * SUMMARY
 *	helpers, cache filler and trivial responder of bench/socketmap
 * SYNOPSIS
 *	#include "socketmap.h"
 * DESCRIPTION
 *	See socketmap.h and bench/socketmap.c.
 *
 *	sm_fill() writes COUNT enforce policies with mtasts_cache_put(),
 *	named f000000.fill.test, f000001.fill.test, ..., fetched now,
 *	checked now, expiring in a day, each naming its one MX host
 *	exactly: a daemon answers them from the cache without any DNS.
 *
 *	sm_serve() reads socketmap requests and answers each with the same
 *	fixed "OK secure ..." reply, doing nothing else, for at most
 *	seconds. Measured with the same client, it is the floor below
 *	which no daemon can get on this machine: the client's own work,
 *	the loopback and the scheduler of two cores.
 * SECURITY
 *	A benchmark helper: serve listens only where it is told (the
 *	harness gives a loopback address inside the test world), reads
 *	bounded netstrings and stops on its own.
 *--*/
#include "config.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mtasts/cache.h>
#include <mtasts/limits.h>
#include <mtasts/netstring.h>
#include <mtasts/status.h>

#include "socketmap.h"

#define SERVE_REPLY	"OK secure match=mx-good.floor.test servername=hostname"
#define SERVE_CHUNK	65536

/* One connection of sm_serve(). */
struct sconn {
	int	fd;
	char   *in;
	size_t	inlen, incap;
};

/* sm_die - message and exit 1 */

void
sm_die(const char *fmt, ...)
{
	va_list ap;

	fputs("socketmap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* sm_realloc - realloc or die */

void   *
sm_realloc(void *p, size_t n)
{
	if ((p = realloc(p, n)) == NULL)
		sm_die("out of memory");
	return (p);
}

/* sm_now_us - monotonic microseconds */

double
sm_now_us(void)
{
	struct timespec ts;

	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3);
}

/* sm_number - a decimal argument within [min, max] */

unsigned long
sm_number(const char *s, unsigned long min, unsigned long max, const char *what)
{
	char   *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != 0 || *s == '-'
	    || v < min || v > max)
		sm_die("%s must be a number from %lu to %lu", what, min, max);
	return (v);
}

/* sm_socket - connected or listening non-blocking socket for ADDRESS */

int
sm_socket(const char *addr, int listening)
{
	struct sockaddr_un sun;
	struct sockaddr_in sin;
	struct sockaddr *sa;
	socklen_t salen;
	char	host[INET_ADDRSTRLEN];
	const char *colon;
	int	fd, one = 1;
	size_t	hlen;

	if (strncmp(addr, "unix:", 5) == 0) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(addr + 5) >= sizeof(sun.sun_path))
			sm_die("%s: path too long", addr);
		memcpy(sun.sun_path, addr + 5, strlen(addr + 5) + 1);
		sa = (struct sockaddr *) &sun;
		salen = sizeof(sun);
		if (listening)
			(void) unlink(sun.sun_path);
	} else if (strncmp(addr, "inet:", 5) == 0
		   && (colon = strrchr(addr + 5, ':')) != NULL) {
		hlen = (size_t) (colon - (addr + 5));
		if (hlen >= sizeof(host))
			sm_die("%s: bad IPv4 address", addr);
		memcpy(host, addr + 5, hlen);
		host[hlen] = 0;
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((unsigned short)
				     sm_number(colon + 1, 1, 65535, "port"));
		if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
			sm_die("%s: bad IPv4 address", addr);
		sa = (struct sockaddr *) &sin;
		salen = sizeof(sin);
	} else {
		sm_die("address %s: want unix:/PATH or inet:IPV4:PORT", addr);
	}
	if ((fd = socket(sa->sa_family, SOCK_STREAM, 0)) < 0)
		sm_die("socket: %s", strerror(errno));
	if (listening) {
		(void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, sa, salen) < 0
		    || listen(fd, MTASTS_LISTEN_BACKLOG) < 0)
			sm_die("listen %s: %s", addr, strerror(errno));
	} else {
		if (connect(fd, sa, salen) < 0)
			sm_die("connect %s: %s", addr, strerror(errno));
		/* Postfix and Sendmail set no Nagle delay either. */
		if (sa->sa_family == AF_INET)
			(void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
					  sizeof(one));
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		sm_die("fcntl: %s", strerror(errno));
	return (fd);
}

/* sm_fill - COUNT fresh enforce policies straight into the cache */

void
sm_fill(const char *path, unsigned long count)
{
	struct mtasts_cache *cache;
	struct mtasts_cache_entry e;
	char	why[MTASTS_REASON_MAX];
	char	body[MTASTS_DOMAIN_MAX + 128];
	unsigned long i;
	time_t	now = time(NULL);
	double	t0 = sm_now_us();
	struct stat st;
	int	n;

	if (mtasts_cache_open(path, MTASTS_CACHE_RDWR, &cache, why,
			      sizeof(why)) != MTASTS_OK)
		sm_die("%s", why);
	for (i = 0; i < count; i++) {
		memset(&e, 0, sizeof(e));
		n = snprintf(e.domain, sizeof(e.domain), "f%06lu.fill.test", i);
		if (n < 0 || (size_t) n >= sizeof(e.domain))
			sm_die("domain name too long");
		e.kind = MTASTS_CACHE_POLICY;
		memcpy(e.id, "fill1", sizeof("fill1"));
		/* The body as a policy host would serve it (RFC 8461 3.2). */
		n = snprintf(body, sizeof(body), "version: STSv1\r\n"
			     "mode: enforce\r\nmx: mx-good.%s\r\n"
			     "max_age: 86400\r\n", e.domain);
		if (n < 0 || (size_t) n >= sizeof(body))
			sm_die("policy body too long");
		e.policy = body;
		e.policy_len = (size_t) n;
		e.fetched_at = now;
		e.last_checked = now;
		e.expires_at = now + 86400;
		if (mtasts_cache_put(cache, &e, why, sizeof(why)) != MTASTS_OK)
			sm_die("put %s: %s", e.domain, why);
	}
	mtasts_cache_close(cache);
	if (stat(path, &st) < 0)
		sm_die("stat %s: %s", path, strerror(errno));
	printf("filled=%lu seconds=%.3f file_bytes=%lld\n", count,
	       (sm_now_us() - t0) / 1e6, (long long) st.st_size);
}

/* write_all - write everything, waiting while the socket is full */

static int
write_all(int fd, const char *p, size_t len)
{
	struct pollfd pfd;
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, p, len)) > 0) {
			p += n;
			len -= (size_t) n;
		} else if (n < 0 && errno == EAGAIN) {
			pfd.fd = fd;
			pfd.events = POLLOUT;
			if (poll(&pfd, 1, 1000) <= 0)
				return (-1);
		} else if (n < 0 && errno != EINTR) {
			return (-1);
		}
	}
	return (0);
}

/* serve_input - answer every whole request; -1 to drop the connection */

static int
serve_input(struct sconn *c, char **out, size_t *outcap)
{
	static const char reply[] = SERVE_REPLY;
	char	why[MTASTS_REASON_MAX];
	size_t	pos, start, plen, used, olen = 0;
	int	n;

	for (pos = 0; pos < c->inlen; pos += used) {
		switch (mtasts_netstring_parse(c->in + pos, c->inlen - pos,
				 MTASTS_SOCKETMAP_QUERY_MAX, &start, &plen,
				 &used, why, sizeof(why))) {
		case MTASTS_OK:
			if (*outcap - olen < sizeof(reply) + MTASTS_NETSTRING_OVERHEAD) {
				*outcap = 2 * *outcap + sizeof(reply)
				    + MTASTS_NETSTRING_OVERHEAD;
				*out = sm_realloc(*out, *outcap);
			}
			n = snprintf(*out + olen, *outcap - olen, "%zu:%s,",
				     sizeof(reply) - 1, reply);
			if (n < 0 || (size_t) n >= *outcap - olen)
				sm_die("reply does not fit");
			olen += (size_t) n;
			continue;
		case MTASTS_NONE:
			break;
		default:
			return (-1);
		}
		break;
	}
	memmove(c->in, c->in + pos, c->inlen - pos);
	c->inlen -= pos;
	return (olen > 0 ? write_all(c->fd, *out, olen) : 0);
}

/* sm_serve - answer every query with one fixed OK, for seconds */

void
sm_serve(const char *addr, unsigned seconds)
{
	struct epoll_event ev, evs[MTASTS_BENCH_CLIENTS_MAX];
	struct sconn *c;
	char   *out = NULL;
	size_t	outcap = 0;
	double	end = sm_now_us() + (double) seconds * 1e6;
	ssize_t	r;
	int	lfd, ep, n, k, fd;

	lfd = sm_socket(addr, 1);
	if ((ep = epoll_create1(0)) < 0)
		sm_die("epoll_create1: %s", strerror(errno));
	ev.events = EPOLLIN;
	ev.data.ptr = NULL;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
		sm_die("epoll_ctl: %s", strerror(errno));
	while (sm_now_us() < end) {
		if ((n = epoll_wait(ep, evs, MTASTS_BENCH_CLIENTS_MAX, 100)) < 0
		    && errno != EINTR)
			sm_die("epoll_wait: %s", strerror(errno));
		for (k = 0; k < n; k++) {
			if ((c = evs[k].data.ptr) == NULL) {
				if ((fd = accept(lfd, NULL, NULL)) < 0)
					continue;
				c = sm_realloc(NULL, sizeof(*c));
				c->fd = fd;
				c->incap = SERVE_CHUNK;
				c->in = sm_realloc(NULL, c->incap);
				c->inlen = 0;
				ev.data.ptr = c;
				if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL)
					  | O_NONBLOCK) < 0
				    || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
					sm_die("new connection: %s", strerror(errno));
				continue;
			}
			if (c->incap - c->inlen < MTASTS_SOCKETMAP_QUERY_MAX)
				r = -1;		/* a request over the limit */
			else if ((r = read(c->fd, c->in + c->inlen,
					   c->incap - c->inlen)) < 0
				 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (r > 0) {
				c->inlen += (size_t) r;
				if (serve_input(c, &out, &outcap) == 0)
					continue;
			}
			(void) close(c->fd);	/* also leaves the epoll set */
			free(c->in);
			free(c);
		}
	}
	free(out);
	(void) close(lfd);
	(void) close(ep);
}
