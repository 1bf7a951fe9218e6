/*++
 * NAME
 *	dns_loop 3
 * SUMMARY
 *	getdns event loop adapter for libevent
 * SYNOPSIS
 *	#include "dns_int.h"
 *
 *	void	mtasts_dns_loop_init(struct dns_loop *loop,
 *				struct event_base *base)
 * DESCRIPTION
 *	getdns talks to an event loop through a small table of functions
 *	(getdns_eventloop_vmt in getdns_extra.h). getdns ships one for
 *	libevent, but Debian's libgetdns_ex_event.so exports none of its
 *	symbols, and linking the static archive into a shared library is
 *	not portable; this is the same adapter, kept here.
 *
 *	mtasts_dns_loop_init() makes loop (caller's memory, e.g. inside the
 *	resolver handle) drive getdns from base; pass &loop->loop to
 *	getdns_context_set_eventloop(). getdns never frees it: cleanup is a
 *	no-op, and the caller destroys the getdns context before the base.
 *--*/
#include "config.h"

#include <event2/event.h>
#include <getdns/getdns.h>
#include <getdns/getdns_extra.h>

#include "dns_int.h"

/* getdns' "no timeout"; an event loop cannot take it literally. */
#define DNS_TIMEOUT_FOREVER	((uint64_t) -1)
#define DNS_LOOP_TIMEOUT_CAP	((uint64_t) 86400 * 1000)

/* dns_loop_fire - one libevent event happened for a getdns event */

static void
dns_loop_fire(evutil_socket_t fd, short what, void *arg)
{
	getdns_eventloop_event *gev = arg;

	/* One callback per wake-up: getdns may free gev inside it. */
	if ((what & EV_READ) && gev->read_cb)
		gev->read_cb(gev->userarg);
	else if ((what & EV_WRITE) && gev->write_cb)
		gev->write_cb(gev->userarg);
	else if ((what & EV_TIMEOUT) && gev->timeout_cb)
		gev->timeout_cb(gev->userarg);
}

/* dns_loop_schedule - getdns wants to hear about fd and/or a timeout */

static getdns_return_t
dns_loop_schedule(getdns_eventloop *loop, int fd, uint64_t timeout,
		          getdns_eventloop_event *gev)
{
	struct dns_loop *dl = (struct dns_loop *) loop;
	struct timeval tv, *tvp = NULL;
	struct event *ev;
	short	what = 0;

	if (gev->read_cb)
		what |= EV_READ | EV_PERSIST;
	if (gev->write_cb)
		what |= EV_WRITE | EV_PERSIST;
	if ((what && fd < 0) || (!what && !gev->timeout_cb))
		return (GETDNS_RETURN_INVALID_PARAMETER);
	if (gev->timeout_cb && (timeout != DNS_TIMEOUT_FOREVER || !what)) {
		if (timeout > DNS_LOOP_TIMEOUT_CAP)
			timeout = DNS_LOOP_TIMEOUT_CAP;
		tv.tv_sec = (time_t) (timeout / 1000);
		tv.tv_usec = (suseconds_t) (timeout % 1000) * 1000;
		tvp = &tv;
	}
	if ((ev = event_new(dl->base, what ? fd : -1, what, dns_loop_fire,
			    gev)) == NULL)
		return (GETDNS_RETURN_MEMORY_ERROR);
	if (event_add(ev, tvp) != 0) {
		event_free(ev);
		return (GETDNS_RETURN_GENERIC_ERROR);
	}
	gev->ev = ev;
	return (GETDNS_RETURN_GOOD);
}

/* dns_loop_clear - getdns no longer wants an event */

static getdns_return_t
dns_loop_clear(getdns_eventloop *loop, getdns_eventloop_event *gev)
{
	(void) loop;
	if (gev->ev != NULL) {
		/* Safe inside the event's own callback: libevent allows it. */
		event_free((struct event *) gev->ev);
		gev->ev = NULL;
	}
	return (GETDNS_RETURN_GOOD);
}

/* dns_loop_cleanup - nothing: the adapter lives in the caller's memory */

static void
dns_loop_cleanup(getdns_eventloop *loop)
{
	(void) loop;
}

/* dns_loop_run - for getdns_context_run(); mtasts does not call it */

static void
dns_loop_run(getdns_eventloop *loop)
{
	(void) event_base_dispatch(((struct dns_loop *) loop)->base);
}

/* dns_loop_run_once - one round of the loop */

static void
dns_loop_run_once(getdns_eventloop *loop, int blocking)
{
	(void) event_base_loop(((struct dns_loop *) loop)->base,
			       EVLOOP_ONCE | (blocking ? 0 : EVLOOP_NONBLOCK));
}

/* mtasts_dns_loop_init - bind an adapter to an event base */

void
mtasts_dns_loop_init(struct dns_loop *dl, struct event_base *base)
{
	static getdns_eventloop_vmt vmt = {
		dns_loop_cleanup, dns_loop_schedule, dns_loop_clear,
		dns_loop_run, dns_loop_run_once,
	};

	dl->loop.vmt = &vmt;
	dl->base = base;
}
