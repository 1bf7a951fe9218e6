/*++
 * NAME
 *	mxcache 3
 * SUMMARY
 *	MX answers kept in memory for a short time (expand_wildcards)
 * SYNOPSIS
 *	#include "mtastsd.h"
 * DESCRIPTION
 *	A reply that names a domain's MX hosts needs its MX records. Asking
 *	DNS for every delivery would put a network round trip on the fast
 *	path, so answers are kept for MTASTS_DAEMON_MX_TTL seconds: the MX
 *	set of a domain rarely changes, and when it just did, a stale list
 *	makes Postfix refuse the new host's certificate name (mail is
 *	deferred, never sent to an unchecked host) for at most that long.
 *
 *	Only definite answers are kept (MX records, or none at all);
 *	failures are asked again next time. At most
 *	MTASTS_DAEMON_MX_CACHE_MAX domains: a full table first drops what
 *	has expired, then everything (cheap to refill, bounded memory).
 *	mxcache_flush() empties it (SIGHUP, SIGUSR1). Thread-safe: the
 *	event loop reads, workers write.
 *--*/
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mtasts/dns.h>
#include <mtasts/limits.h>

#include "mtastsd.h"

#define MXC_BUCKETS	4096		/* power of two */

struct mxc_entry {
	struct mxc_entry *next;
	char	domain[MTASTS_DOMAIN_MAX + 1];
	enum mtasts_status status;	/* OK or NONE */
	struct mtasts_mx_list *list;	/* OK */
	time_t	expires;		/* monotonic seconds */
};

static pthread_mutex_t mxc_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mxc_entry *mxc_table[MXC_BUCKETS];
static size_t mxc_count;

/* mono_now - monotonic seconds: wall clock steps must not keep entries */

static time_t
mono_now(void)
{
	struct timespec ts;

	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec);
}

/* hash - FNV-1a over the (normalised, lower-case) domain */

static size_t
hash(const char *s)
{
	unsigned long h = 2166136261UL;

	while (*s)
		h = (h ^ (unsigned char) *s++) * 16777619UL;
	return ((size_t) h & (MXC_BUCKETS - 1));
}

/* list_copy - a deep copy of an MX list (one malloc block, as dns.h says) */

static struct mtasts_mx_list *
list_copy(const struct mtasts_mx_list *l)
{
	struct mtasts_mx_list *c;
	size_t	size = sizeof(*l) + l->n * sizeof(l->mx[0]);

	if ((c = malloc(size)) != NULL)
		memcpy(c, l, size);
	return (c);
}

/* entry_free - one entry */

static void
entry_free(struct mxc_entry *e)
{
	mtasts_mx_list_free(e->list);
	free(e);
}

/* drop - remove entries: all, or the expired ones; call locked */

static void
drop(int all, time_t now)
{
	struct mxc_entry **ep, *e;
	size_t	i;

	for (i = 0; i < MXC_BUCKETS; i++) {
		for (ep = &mxc_table[i]; (e = *ep) != NULL;) {
			if (all || e->expires <= now) {
				*ep = e->next;
				entry_free(e);
				mxc_count--;
			} else {
				ep = &e->next;
			}
		}
	}
}

/* mxcache_init - start empty */

void
mxcache_init(void)
{
	mxcache_flush();
}

/* mxcache_flush - forget everything */

void
mxcache_flush(void)
{
	pthread_mutex_lock(&mxc_lock);
	drop(1, 0);
	pthread_mutex_unlock(&mxc_lock);
}

/* mx_answer_clear - free what an answer owns */

void
mx_answer_clear(struct mx_answer *a)
{
	mtasts_mx_list_free(a->list);
	a->list = NULL;
}

/* mxcache_get - a fresh copy, if there is one */

int
mxcache_get(const char *domain, struct mx_answer *out)
{
	struct mxc_entry *e;
	time_t	now = mono_now();
	int	found = 0;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&mxc_lock);
	for (e = mxc_table[hash(domain)]; e; e = e->next) {
		if (strcmp(e->domain, domain) != 0 || e->expires <= now)
			continue;
		out->status = e->status;
		/* Without memory for the copy, the caller asks DNS instead. */
		if (e->status == MTASTS_OK && (out->list = list_copy(e->list)) == NULL)
			break;
		found = 1;
		break;
	}
	pthread_mutex_unlock(&mxc_lock);
	return (found);
}

/* mxcache_put - keep a definite answer */

void
mxcache_put(const char *domain, const struct mx_answer *a)
{
	struct mxc_entry *e, **ep;
	time_t	now = mono_now();
	size_t	h = hash(domain);

	if ((a->status != MTASTS_OK && a->status != MTASTS_NONE)
	    || strlen(domain) > MTASTS_DOMAIN_MAX
	    || (e = calloc(1, sizeof(*e))) == NULL)
		return;
	memcpy(e->domain, domain, strlen(domain) + 1);
	e->status = a->status;
	e->expires = now + MTASTS_DAEMON_MX_TTL;
	if (a->status == MTASTS_OK && (e->list = list_copy(a->list)) == NULL) {
		free(e);
		return;
	}
	pthread_mutex_lock(&mxc_lock);
	/* Replace an older answer for the same domain. */
	for (ep = &mxc_table[h]; *ep; ep = &(*ep)->next) {
		if (strcmp((*ep)->domain, domain) == 0) {
			struct mxc_entry *old = *ep;

			*ep = old->next;
			entry_free(old);
			mxc_count--;
			break;
		}
	}
	if (mxc_count >= MTASTS_DAEMON_MX_CACHE_MAX)
		drop(0, now);
	if (mxc_count >= MTASTS_DAEMON_MX_CACHE_MAX)
		drop(1, now);
	e->next = mxc_table[h];
	mxc_table[h] = e;
	mxc_count++;
	pthread_mutex_unlock(&mxc_lock);
}
