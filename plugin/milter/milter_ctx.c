/*++
 * NAME
 *	milter_ctx 3
 * SUMMARY
 *	per-connection and per-message state of mtasts-milter
 * SYNOPSIS
 *	#include "milter.h"
 * DESCRIPTION
 *	milter_conn_new() makes the state of one MTA connection;
 *	milter_conn_free() releases it with any message still attached.
 *	milter_sessions() counts the connections alive, so that a stop
 *	waits for them before the store they use is closed.
 *
 *	milter_msg_begin() starts a transaction (a message left over from
 *	a transaction the MTA never finished is freed first);
 *	milter_msg_end() frees it. milter_msg_dom() finds or adds the
 *	entry of one recipient domain; the table is bounded
 *	(MTASTS_MILTER_DOMAINS_MAX): past it NULL, and the caller still
 *	checks the recipient, only the header does not record it.
 *	milter_dom_text() formats an entry as the header's value:
 *
 *		DOMAIN MODE[ id=ID][ mx=unsatisfiable]
 *
 *	e.g. "example.com enforce id=20240101". MODE is enforce, testing,
 *	none or no-policy (mtasts_dmode_str()).
 * SECURITY
 *	The header value holds only a normalised domain name, a mode word
 *	and a policy id (1..32 letters and digits): nothing a sender
 *	controls beyond a domain name that passed the host name check.
 *--*/
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "milter.h"

static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long conn_counter;
static unsigned live;

/* milter_conn_new - state for one connection; NULL when out of memory */

struct milter_conn *
milter_conn_new(void)
{
	struct milter_conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	pthread_mutex_lock(&count_lock);
	c->id = ++conn_counter;
	live++;
	pthread_mutex_unlock(&count_lock);
	return (c);
}

/* milter_conn_free - release a connection and its message (NULL is fine) */

void
milter_conn_free(struct milter_conn *c)
{
	if (c == NULL)
		return;
	milter_msg_end(c);
	free(c);
	pthread_mutex_lock(&count_lock);
	live--;
	pthread_mutex_unlock(&count_lock);
}

/* milter_sessions - connections alive now */

unsigned
milter_sessions(void)
{
	unsigned n;

	pthread_mutex_lock(&count_lock);
	n = live;
	pthread_mutex_unlock(&count_lock);
	return (n);
}

/* milter_msg_begin - start a transaction */

struct milter_msg *
milter_msg_begin(struct milter_conn *c)
{
	/*
	 * An MTA may start a new MAIL FROM without an abort after a
	 * rejected or tempfailed message; what was left is not ours to
	 * keep.
	 */
	milter_msg_end(c);
	c->msg = calloc(1, sizeof(*c->msg));
	return (c->msg);
}

/* milter_msg_end - end a transaction */

void
milter_msg_end(struct milter_conn *c)
{
	free(c->msg);
	c->msg = NULL;
}

/* milter_msg_dom - find or add one domain's entry */

struct milter_dom *
milter_msg_dom(struct milter_msg *m, const char *domain)
{
	struct milter_dom *d;
	size_t	i;
	int	n;

	for (i = 0; i < m->ndoms; i++)
		if (strcmp(m->doms[i].name, domain) == 0)
			return (&m->doms[i]);
	if (m->ndoms >= MTASTS_MILTER_DOMAINS_MAX)
		return (NULL);
	d = &m->doms[m->ndoms];
	memset(d, 0, sizeof(*d));
	/* Callers pass normalised names, which always fit. */
	n = snprintf(d->name, sizeof(d->name), "%s", domain);
	if (n < 0 || (size_t) n >= sizeof(d->name))
		return (NULL);
	m->ndoms++;
	return (d);
}

/* milter_dom_text - the header value for one domain; -1 if it cannot fit */

int
milter_dom_text(const struct milter_dom *d, char *out, size_t outlen)
{
	int	n;

	n = snprintf(out, outlen, "%s %s%s%s%s", d->name, mtasts_dmode_str(d->mode),
		     d->id[0] ? " id=" : "", d->id,
		     d->mx == MILTER_MX_NONE ? " mx=unsatisfiable"
		     : d->mx == MILTER_MX_TLSFAIL ? " mx=tls-failing" : "");
	return (n < 0 || (size_t) n >= outlen ? -1 : 0);
}
