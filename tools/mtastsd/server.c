/*++
 * NAME
 *	server 3
 * SUMMARY
 *	socketmap connections: netstrings in, replies out in request order
 * SYNOPSIS
 *	#include "mtastsd.h"
 * DESCRIPTION
 *	Each listening socket (unix or TCP) feeds connections into the one
 *	event loop. A connection reads netstrings (mtasts_netstring_parse())
 *	as they arrive, any number per read (pipelining), and makes one
 *	request of each (request.c). Socketmap replies carry no request id,
 *	so they leave in the order the requests came: a request answered
 *	from the cache at once still waits behind an earlier one a worker
 *	is looking up on the same connection. Other connections are never
 *	held up: nothing here blocks.
 *
 *	Limits: at most MTASTS_DAEMON_CONNECTIONS_MAX connections (then the
 *	listeners pause and new clients wait in the kernel's backlog), at
 *	most MTASTS_DAEMON_PENDING_MAX requests per connection (then reading
 *	pauses until replies drain), at most MTASTS_SOCKETMAP_QUERY_MAX bytes
 *	per query. A connection that sends no query and gets no reply for
 *	daemon.idle_timeout seconds is closed (one waiting for a slow reply
 *	is not idle); so is one that does not read its replies for as long.
 *	A request must also be complete within daemon.idle_timeout of its
 *	first byte: libevent restarts the idle timer on every read, so
 *	without this deadline a client dripping a byte a second would hold
 *	its connection (and, with enough of them, every slot) for hours.
 *
 *	A malformed netstring gets a PERM reply (after the replies owed for
 *	earlier requests) and the connection is closed: the stream cannot be
 *	resynchronised. End of input closes the connection once every reply
 *	has been written, so "printf ... | nc" clients get their answers.
 * SECURITY
 *	Any local client may connect (socket mode and group decide who).
 *	What one client can make us hold is bounded: READ_HIGH_WATER bytes
 *	of input, MTASTS_DAEMON_PENDING_MAX requests, the connection count.
 *	Framing errors close the connection instead of guessing; lengths
 *	are checked before any payload is buffered (netstring.h).
 *--*/
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <mtasts/netstring.h>

#include "mtastsd.h"

/* Input kept at most: two whole queries, so one always fits. */
#define READ_HIGH_WATER	(2 * (MTASTS_SOCKETMAP_QUERY_MAX + MTASTS_NETSTRING_OVERHEAD))

/* Seconds a listener rests after accept(2) failed (e.g. EMFILE). */
#define ACCEPT_PAUSE	1

struct conn {
	struct conn *prev, *next;	/* every connection */
	struct bufferevent *bev;
	struct req *head, *tail;	/* requests, in arrival order */
	size_t	npending;
	int	closing;		/* read no more; close when replies are out */
	int	paused;			/* reading paused: npending at the limit */
	struct event *partial;		/* deadline of an incomplete request */
	unsigned long id;
	char	peer[INET6_ADDRSTRLEN + 16];
};

struct lsn {
	struct evconnlistener *l;
	struct event *rest;		/* re-enable after an accept error */
	char	name[MTASTS_LISTEN_PATH_MAX + 16];
};

static struct event_base *srv_base;
static struct conn *conns;
static size_t nconns;
static struct lsn lsns[MTASTS_LISTEN_MAX];
static size_t nlsns;
static int lsns_paused;
static unsigned idle_seconds = MTASTS_DAEMON_IDLE_DEFAULT;
static unsigned long next_id;

static void conn_pump(struct conn *);
static void conn_enqueue(struct conn *, struct req *);
static void partial_watch(struct conn *);
static void set_timeouts(struct conn *);

/* listeners_enable - pause or resume accepting */

static void
listeners_enable(int on)
{
	size_t	i;

	if (lsns_paused == !on)
		return;
	lsns_paused = !on;
	for (i = 0; i < nlsns; i++)
		(void) (on ? evconnlistener_enable(lsns[i].l)
			: evconnlistener_disable(lsns[i].l));
	log_msg(on ? LOG_INFO : LOG_WARNING, "connections=%zu: %s accepting",
		nconns, on ? "resumed" : "limit reached, paused");
}

/* conn_free - close and free; orphan the requests a worker still has */

static void
conn_free(struct conn *c)
{
	struct req *r, *next;

	for (r = c->head; r; r = next) {
		next = r->next;
		if (r->done)
			req_free(r);
		else
			r->conn = NULL;		/* request.c frees it when done */
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	bufferevent_free(c->bev);
	if (c->partial)
		event_free(c->partial);
	free(c);
	nconns--;
	if (lsns_paused && nconns < MTASTS_DAEMON_CONNECTIONS_MAX)
		listeners_enable(1);
}

/* conn_enqueue - add a request at the end */

static void
conn_enqueue(struct conn *c, struct req *r)
{
	r->next = NULL;
	if (c->tail)
		c->tail->next = r;
	else
		c->head = r;
	c->tail = r;
	c->npending++;
}

/* conn_parse - make requests of complete netstrings; 1 if any */

static int
conn_parse(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	char	why[MTASTS_REASON_MAX];
	size_t	len, start, plen, used;
	unsigned char *data;
	struct req *r;
	int	progress = 0;

	while (!c->closing && c->npending < MTASTS_DAEMON_PENDING_MAX
	       && (len = evbuffer_get_length(in)) > 0) {
		if ((data = evbuffer_pullup(in, (ssize_t) len)) == NULL)
			break;
		switch (mtasts_netstring_parse((char *) data, len,
					       MTASTS_SOCKETMAP_QUERY_MAX, &start,
					       &plen, &used, why, sizeof(why))) {
		case MTASTS_OK:
			r = req_new(c, (char *) data + start, plen);
			(void) evbuffer_drain(in, used);
			break;
		case MTASTS_NONE:
			return (progress);
		default:
			log_msg(LOG_WARNING, "conn=%lu peer=%s malformed request, "
				"closing: %s", c->id, c->peer, why);
			r = req_error(c, why);
			(void) evbuffer_drain(in, len);
			c->closing = 1;
			break;
		}
		if (r == NULL) {
			log_msg(LOG_ERR, "conn=%lu out of memory, closing", c->id);
			c->closing = 1;
			break;
		}
		conn_enqueue(c, r);
		progress = 1;
	}
	return (progress);
}

/* conn_flush - write the replies that are ready, in order; 1 if any */

static int
conn_flush(struct conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct req *r;
	int	progress = 0;

	while ((r = c->head) != NULL && r->done) {
		if ((c->head = r->next) == NULL)
			c->tail = NULL;
		c->npending--;
		(void) evbuffer_add_printf(out, "%zu:", r->reply.len);
		(void) evbuffer_add(out, r->reply.data ? r->reply.data : "", r->reply.len);
		(void) evbuffer_add(out, ",", 1);
		req_free(r);
		progress = 1;
	}
	return (progress);
}

/* partial_cb - a request was not completed in time: answer PERM, close */

static void
partial_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	char	why[MTASTS_REASON_MAX];
	struct req *r;

	if (c->closing || c->paused || evbuffer_get_length(in) == 0)
		return;
	mtasts_why(why, sizeof(why), "request not complete after %us (%zu"
		   " bytes received)", idle_seconds, evbuffer_get_length(in));
	log_msg(LOG_WARNING, "conn=%lu peer=%s %s, closing", c->id, c->peer, why);
	(void) evbuffer_drain(in, evbuffer_get_length(in));
	c->closing = 1;
	if ((r = req_error(c, why)) != NULL)
		conn_enqueue(c, r);
	conn_pump(c);
}

/* partial_watch - run the deadline while an incomplete request waits */

static void
partial_watch(struct conn *c)
{
	struct timeval tv = {.tv_sec = (time_t) idle_seconds};
	int	waiting;

	/* When paused, what waits is complete requests: we owe the delay. */
	waiting = !c->closing && !c->paused
		&& evbuffer_get_length(bufferevent_get_input(c->bev)) > 0;
	if (!waiting) {
		if (evtimer_pending(c->partial, NULL))
			(void) evtimer_del(c->partial);
	} else if (!evtimer_pending(c->partial, NULL)) {
		/* From the first byte: later bytes must not push it back. */
		(void) evtimer_add(c->partial, &tv);
	}
}

/* conn_pump - parse, answer, flush until nothing moves; then close or wait */

static void
conn_pump(struct conn *c)
{
	int	replied = 0, r;

	while (conn_parse(c) | (r = conn_flush(c)))
		replied |= r;
	/* Idle means no query and no reply: a reply starts the wait anew. */
	if (replied && !c->closing)
		set_timeouts(c);
	if (c->closing) {
		(void) bufferevent_disable(c->bev, EV_READ);
		/* write_cb frees the connection once the output is drained. */
		if (c->npending == 0
		    && evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
			conn_free(c);
		return;
	}
	if (c->npending >= MTASTS_DAEMON_PENDING_MAX && !c->paused) {
		c->paused = 1;
		(void) bufferevent_disable(c->bev, EV_READ);
	} else if (c->npending < MTASTS_DAEMON_PENDING_MAX && c->paused) {
		c->paused = 0;
		(void) bufferevent_enable(c->bev, EV_READ);
	}
	partial_watch(c);
}

/* server_req_done - a request got its reply */

void
server_req_done(struct conn *c)
{
	conn_pump(c);
}

/* read_cb - bytes arrived */

static void
read_cb(struct bufferevent *bev, void *arg)
{
	conn_pump(arg);
}

/* write_cb - output drained */

static void
write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	if (c->closing && c->npending == 0)
		conn_free(c);
}

/* event_cb - end of input, error, timeout */

static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	if (what & BEV_EVENT_EOF) {
		/* Answer what was asked before the client stopped writing. */
		c->closing = 1;
		conn_pump(c);
		return;
	}
	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING)
	    && (c->npending > 0
		|| evbuffer_get_length(bufferevent_get_output(bev)) > 0)) {
		/* Not idle: it waits for us. libevent disabled reading; resume. */
		(void) bufferevent_enable(bev, EV_READ);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT)
		log_msg(LOG_INFO, "conn=%lu peer=%s %s timeout after %us, closing",
			c->id, c->peer, (what & BEV_EVENT_READING) ? "idle" : "write",
			idle_seconds);
	else if (log_verbose)
		log_msg(LOG_INFO, "conn=%lu peer=%s connection error, closing",
			c->id, c->peer);
	conn_free(c);
}

/* set_timeouts - idle and write timeouts of one connection */

static void
set_timeouts(struct conn *c)
{
	struct timeval tv = {.tv_sec = (time_t) idle_seconds};

	(void) bufferevent_set_timeouts(c->bev, &tv, &tv);
}

/* peer_name - printable peer address */

static void
peer_name(const struct sockaddr *sa, char *out, size_t outlen)
{
	char	addr[INET6_ADDRSTRLEN];

	/* out holds an IPv6 address, brackets and a port: never cut. */
	if (sa->sa_family == AF_INET
	    && inet_ntop(AF_INET, &((const struct sockaddr_in *) sa)->sin_addr,
			 addr, sizeof(addr)))
		(void) snprintf(out, outlen, "%s:%u", addr,
				ntohs(((const struct sockaddr_in *) sa)->sin_port));
	else if (sa->sa_family == AF_INET6
		 && inet_ntop(AF_INET6, &((const struct sockaddr_in6 *) sa)->sin6_addr,
			      addr, sizeof(addr)))
		(void) snprintf(out, outlen, "[%s]:%u", addr,
				ntohs(((const struct sockaddr_in6 *) sa)->sin6_port));
	else
		(void) snprintf(out, outlen, "unix");
}

/* accept_cb - a new connection */

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
	  int salen, void *arg)
{
	struct conn *c;
	int	on = 1;

	/* Replies are small and complete: never hold one back (Nagle). */
	if (sa->sa_family == AF_INET || sa->sa_family == AF_INET6)
		(void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if ((c = calloc(1, sizeof(*c))) == NULL
	    || (c->partial = evtimer_new(srv_base, partial_cb, c)) == NULL
	    || (c->bev = bufferevent_socket_new(srv_base, fd,
						BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		log_msg(LOG_ERR, "accept: out of memory");
		evutil_closesocket(fd);
		if (c != NULL && c->partial != NULL)
			event_free(c->partial);
		free(c);
		return;
	}
	c->id = ++next_id;
	peer_name(sa, c->peer, sizeof(c->peer));
	bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, READ_HIGH_WATER);
	set_timeouts(c);
	(void) bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if ((c->next = conns) != NULL)
		conns->prev = c;
	conns = c;
	if (++nconns >= MTASTS_DAEMON_CONNECTIONS_MAX)
		listeners_enable(0);
	if (log_verbose)
		log_msg(LOG_INFO, "conn=%lu peer=%s via %s connected", c->id,
			c->peer, ((struct lsn *) arg)->name);
}

/* rest_cb - a listener's rest after an accept error is over */

static void
rest_cb(evutil_socket_t fd, short what, void *arg)
{
	struct lsn *ls = arg;

	if (!lsns_paused)
		(void) evconnlistener_enable(ls->l);
}

/* accept_error_cb - accept(2) failed: rest instead of spinning */

static void
accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct lsn *ls = arg;
	struct timeval tv = {.tv_sec = ACCEPT_PAUSE};

	log_msg(LOG_ERR, "accept on %s: %s; pausing %ds", ls->name,
		evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()), ACCEPT_PAUSE);
	(void) evconnlistener_disable(l);
	(void) evtimer_add(ls->rest, &tv);
}

/* server_init - remember the loop */

int
server_init(struct event_base *base)
{
	srv_base = base;
	return (0);
}

/* server_listen - accept connections on a listening socket */

int
server_listen(int fd, const char *name, char *why, size_t whylen)
{
	struct lsn *ls;

	if (nlsns >= MTASTS_LISTEN_MAX) {
		mtasts_why(why, whylen, "more than %d listeners", MTASTS_LISTEN_MAX);
		return (-1);
	}
	ls = &lsns[nlsns];
	/* A name for logs: a cut one is harmless. */
	(void) snprintf(ls->name, sizeof(ls->name), "%s", name);
	/* Backlog -1: the socket already listens (listen.c). */
	ls->l = evconnlistener_new(srv_base, accept_cb, ls,
				   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
				   -1, fd);
	ls->rest = evtimer_new(srv_base, rest_cb, ls);
	if (ls->l == NULL || ls->rest == NULL) {
		mtasts_why(why, whylen, "cannot watch %s", name);
		return (-1);
	}
	evconnlistener_set_error_cb(ls->l, accept_error_cb);
	nlsns++;
	return (0);
}

/* server_set_idle - the idle timeout, for new and open connections */

void
server_set_idle(unsigned seconds)
{
	struct conn *c;

	idle_seconds = seconds;
	for (c = conns; c; c = c->next)
		set_timeouts(c);
}

/* server_connections - how many are open */

size_t
server_connections(void)
{
	return (nconns);
}

/* server_shutdown - stop listening, close every connection */

void
server_shutdown(void)
{
	size_t	i;

	for (i = 0; i < nlsns; i++) {
		evconnlistener_free(lsns[i].l);
		event_free(lsns[i].rest);
	}
	nlsns = 0;
	lsns_paused = 1;		/* conn_free must not resume anything */
	while (conns)
		conn_free(conns);
}
