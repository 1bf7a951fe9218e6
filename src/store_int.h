/*++
 * NAME
 *	store_int 3h
 * SUMMARY
 *	private parts of the policy store (src/store.c, src/store_net.c)
 *--*/
#ifndef MTASTS_STORE_INT_H
#define MTASTS_STORE_INT_H

#include <pthread.h>

#include <mtasts/cache.h>
#include <mtasts/fetch.h>
#include <mtasts/store.h>

struct store_inflight;

struct mtasts_store {
	const struct mtasts_config *cfg;
	pthread_mutex_t lock;		/* guards cache (re)open and inflight */
	struct mtasts_cache *cache;	/* NULL until it opens */
	int	cache_rdonly;
	int	cache_damaged;		/* last open found the file damaged */
	struct mtasts_fetch_ctx *fetch;	/* shared by all threads; built on first use */
	pthread_key_t dns_key;		/* one resolver per thread */
	struct store_inflight *inflight;	/* network lookups in progress */
};

/* store_network_shared - the network part, one per domain at a time */
void	store_network_shared(struct mtasts_store *, struct mtasts_cache *,
		const struct mtasts_cache_entry *cached, int flags,
		struct mtasts_lookup *);
/* store_fetch_ctx - the HTTPS context, built on first use; NULL with why */
const struct mtasts_fetch_ctx *store_fetch_ctx(struct mtasts_store *,
		char *why, size_t whylen);
/* store_dns_release - pthread key destructor for a thread's resolver */
void	store_dns_release(void *);

#endif
