/*++
 * NAME
 *	memo 3
 * SUMMARY
 *	replies remembered per (map name, domain) for a few seconds
 * SYNOPSIS
 *	#include "mtastsd.h"
 * DESCRIPTION
 *	A busy relay asks about the same few domains thousands of times a
 *	second. The decision for a cached policy takes microseconds, but its
 *	audit record (syslog, JSON line) costs more than everything else the
 *	daemon does for a query. memo_get() answers a repeated query with the
 *	reply made for the same map name and domain at most
 *	MTASTS_DAEMON_MEMO_TTL seconds ago, never past the policy's expiry;
 *	after that the decision, and its audit record, are made anew. So the
 *	audit log holds one record per decision, not per query.
 *
 *	Only final answers are remembered (OK, NOTFOUND): TEMP and PERM are
 *	decided again each time, so a failure clears as soon as it can.
 *	Replies are bounded in size, and the table is direct-mapped with
 *	MTASTS_DAEMON_MEMO_SLOTS slots: a collision replaces the older reply.
 *	Each generation (config load) has its own table, so a reload takes
 *	effect at once. Loop thread only: no locks.
 *--*/
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mtasts/clock.h>

#include "mtastsd.h"

struct memo_slot {
	uint64_t hash;
	time_t	expires;
	char   *data;			/* key (map NUL domain NUL), then reply */
	size_t	klen;
	size_t	rlen;
};

struct memo {
	struct memo_slot slot[MTASTS_DAEMON_MEMO_SLOTS];
	unsigned long hits, misses;
};

/* key - "map\0domain\0" into buf; its length */

static size_t
key(const char *map, const char *domain, char *buf, size_t len)
{
	size_t	m = strlen(map), d = strlen(domain);

	if (m + d + 2 > len)
		return (0);
	memcpy(buf, map, m + 1);
	memcpy(buf + m + 1, domain, d + 1);
	return (m + d + 2);
}

/* fnv1a - 64-bit FNV-1a */

static uint64_t
fnv1a(const char *p, size_t len)
{
	uint64_t h = 14695981039346656037ULL;
	size_t	i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char) p[i];
		h *= 1099511628211ULL;
	}
	return (h);
}

/* memo_new - an empty table, or NULL */

struct memo *
memo_new(void)
{
	return (calloc(1, sizeof(struct memo)));
}

/* memo_free - release the table */

void
memo_free(struct memo *m)
{
	size_t	i;

	if (m == NULL)
		return;
	for (i = 0; i < MTASTS_DAEMON_MEMO_SLOTS; i++)
		free(m->slot[i].data);
	free(m);
}

/* memo_get - 1 and the reply appended to out when remembered, else 0 */

int
memo_get(struct memo *m, const char *map, const char *domain, struct mtasts_buf *out)
{
	char	k[MTASTS_SOCKETMAP_NAME_MAX + MTASTS_DOMAIN_MAX + 4];
	size_t	klen = key(map, domain, k, sizeof(k));
	uint64_t h = fnv1a(k, klen);
	struct memo_slot *s = &m->slot[h & (MTASTS_DAEMON_MEMO_SLOTS - 1)];

	if (klen == 0 || s->data == NULL || s->hash != h || s->klen != klen
	    || memcmp(s->data, k, klen) != 0 || mtasts_now() >= s->expires) {
		m->misses++;
		return (0);
	}
	m->hits++;
	mtasts_buf_append(out, s->data + klen, s->rlen);
	return (!out->oom);
}

/* memo_put - remember a final reply until expires (capped at the TTL) */

void
memo_put(struct memo *m, const char *map, const char *domain,
	 const char *reply, size_t rlen, time_t expires)
{
	char	k[MTASTS_SOCKETMAP_NAME_MAX + MTASTS_DOMAIN_MAX + 4];
	size_t	klen = key(map, domain, k, sizeof(k));
	uint64_t h = fnv1a(k, klen);
	struct memo_slot *s = &m->slot[h & (MTASTS_DAEMON_MEMO_SLOTS - 1)];
	time_t	now = mtasts_now();
	char   *data;

	if (klen == 0 || rlen > MTASTS_SOCKETMAP_REPLY_MAX)
		return;
	if (expires > now + MTASTS_DAEMON_MEMO_TTL)
		expires = now + MTASTS_DAEMON_MEMO_TTL;
	if (expires <= now || (data = malloc(klen + rlen)) == NULL)
		return;
	memcpy(data, k, klen);
	memcpy(data + klen, reply, rlen);
	free(s->data);
	s->data = data;
	s->hash = h;
	s->klen = klen;
	s->rlen = rlen;
	s->expires = expires;
}

/* memo_stats - hits and misses so far (for the -v log) */

void
memo_stats(const struct memo *m, unsigned long *hits, unsigned long *misses)
{
	*hits = m->hits;
	*misses = m->misses;
}
