/*++
 * NAME
 *	store 3h
 * SUMMARY
 *	the policy store: cache + DNS + fetch under RFC 8461's refresh rules
 * SYNOPSIS
 *	#include <mtasts/store.h>
 * DESCRIPTION
 *	mtasts_store_lookup() answers "which MTA-STS policy applies to this
 *	domain now?", using the shared cache first and the network when the
 *	rules of RFC 8461 sections 3.3 and 5.1 say so:
 *	- a cached policy younger than cache.refresh_interval is used as is;
 *	- after that the TXT id is re-checked: the same id keeps the policy
 *	  (last_checked is updated), a new id fetches it again;
 *	- when a re-check or a fetch fails, a cached policy still applies
 *	  until it expires (3.3: "the sender MUST apply that cached policy");
 *	- a fetched policy, "mode: none" included, replaces the cached one;
 *	- "no policy" (no valid TXT record) is cached for cache.negative_ttl;
 *	- with nothing valid cached, a TXT record whose policy cannot be
 *	  fetched or parsed is MTASTS_OUTCOME_FETCH_ERROR, and a DNS failure
 *	  is MTASTS_OUTCOME_TEMP: both mean "deliver as if no policy" unless
 *	  the decision layer's per-domain on_temp_failure says defer.
 *	Lookups of one domain in flight in one process share one fetch.
 *
 *	mtasts_store_open() builds the DNS context, the HTTPS context and
 *	opens the cache (read-write when it can, else read-only). The config
 *	must outlive the store. Returns NULL with why on failure.
 *	mtasts_store_lookup() fills *out (free with mtasts_lookup_clear());
 *	flags: MTASTS_STORE_CACHE_ONLY never touches the network (a miss is
 *	MTASTS_OUTCOME_TEMP with internal == 0 and reason "not cached").
 *	MTASTS_STORE_REFETCH fetches a cached policy anew whatever its age
 *	and TXT id (the daemon's refresh ahead of expiry, so a policy host
 *	outage at expiry time costs nothing); a failure keeps the cached
 *	policy, as always, and does not count as a re-check.
 *	Thread-safe: many threads may look up at once.
 *	An internal failure (cache unreadable, out of memory) sets
 *	out->internal: the decision layer then defers whatever the config
 *	says, because our own fault must never weaken a domain's protection.
 *--*/
#ifndef MTASTS_STORE_H
#define MTASTS_STORE_H

#include <stddef.h>
#include <time.h>

#include <mtasts/config.h>
#include <mtasts/limits.h>
#include <mtasts/policy.h>
#include <mtasts/status.h>

enum mtasts_outcome {
	MTASTS_OUTCOME_POLICY = 0,	/* a valid policy applies */
	MTASTS_OUTCOME_NONE,		/* no valid MTA-STS record */
	MTASTS_OUTCOME_FETCH_ERROR,	/* record, but no policy, none cached */
	MTASTS_OUTCOME_TEMP		/* DNS temporarily failing, nothing cached */
};

struct mtasts_lookup {
	char	domain[MTASTS_DOMAIN_MAX + 1];
	enum mtasts_outcome outcome;
	int	from_cache;		/* source: cache (1) or network (0) */
	int	internal;		/* our own failure: always defer */
	char	id[MTASTS_ID_MAX + 1];	/* policy id, "" when none */
	struct mtasts_policy *policy;	/* owned; set for OUTCOME_POLICY */
	char   *policy_text;		/* owned; the body as fetched */
	time_t	fetched_at;
	time_t	expires_at;
	const char *result_type;	/* RFC 8460 type of a failure, or NULL */
	char	reason[MTASTS_REASON_MAX];
};

#define MTASTS_STORE_CACHE_ONLY	(1 << 0)
#define MTASTS_STORE_REFETCH	(1 << 1)

struct mtasts_store;

const char *mtasts_outcome_str(enum mtasts_outcome);
struct mtasts_store *mtasts_store_open(const struct mtasts_config *,
		char *why, size_t whylen);
void	mtasts_store_close(struct mtasts_store *);
/*
 * mtasts_store_repair - when the cache file is damaged (not LMDB,
 * truncated, corrupt), move it aside, log that at LOG_ERR and start an
 * empty cache. MTASTS_OK repaired (why says what happened), MTASTS_NONE
 * nothing to repair, else failed. For the daemon and the admin's tool:
 * an MTA's delivery process never repairs, it defers.
 */
enum mtasts_status mtasts_store_repair(struct mtasts_store *, char *why, size_t whylen);
/* mtasts_store_config - the config the store was opened with */
const struct mtasts_config *mtasts_store_config(const struct mtasts_store *);
void	mtasts_store_lookup(struct mtasts_store *, const char *domain,
		int flags, struct mtasts_lookup *out);
void	mtasts_lookup_clear(struct mtasts_lookup *);

#endif
