/*++
 * NAME
 *	milter_mx 3
 * SUMMARY
 *	can an enforced MTA-STS policy be met at all? (MX names, last TLS)
 * SYNOPSIS
 *	#include "milter.h"
 * DESCRIPTION
 *	milter_mx_check() resolves the MX hosts of a domain whose policy is
 *	enforced (d->status MTASTS_OK) and answers
 *	MILTER_MX_OK		at least one MX host matches the policy's
 *				patterns (mtasts_decision_matches())
 *	MILTER_MX_NONE		none does: a delivery could never be made
 *				(why says why: no match, null MX, no usable
 *				host name)
 *	MILTER_MX_TLSFAIL	some do, but every one of them failed its
 *				last TLS check (the MX state file that the
 *				Exim module and mtasts ingest keep,
 *				mxstate.h) within MTASTS_MXSTATE_FRESH
 *				seconds; why names the first and its failure
 *	MILTER_MX_UNKNOWN	the lookup failed (why says why): nothing is
 *				known, so nothing is refused
 *	A domain without MX records has the implicit MX of RFC 5321 5.1,
 *	the domain itself, which must match like any other host (as the
 *	Exim module and mtastsd hold it).
 *
 *	A host whose last TLS session is unknown, succeeded, or failed
 *	longer ago than MTASTS_MXSTATE_FRESH counts as able: a refusal
 *	keeps mail out of the queue, so no delivery would test the host
 *	again, and old failures must not refuse mail for ever. Without the
 *	MX state file (milter_opts.mxstate NULL) only names are tested.
 *
 *	milter_mx_init() must run once before any thread calls the check:
 *	each thread gets its own blocking resolver on first use (a getdns
 *	context serves one thread at a time) and frees it when it exits.
 * SECURITY
 *	MX host names come from the resolver, which drops anything that is
 *	not a host name; they reach logs only, never a reply to the client.
 *--*/
#include "config.h"

#include <pthread.h>
#include <string.h>

#include <mtasts/clock.h>
#include <mtasts/dns.h>
#include <mtasts/mxstate.h>

#include "milter.h"

static pthread_key_t dns_key;

/* dns_release - pthread key destructor: a thread's resolver */

static void
dns_release(void *p)
{
	mtasts_dns_free(p);
}

/* milter_mx_init - make the per-thread key */

int
milter_mx_init(char *why, size_t whylen)
{
	if (pthread_key_create(&dns_key, dns_release) != 0) {
		mtasts_why(why, whylen, "cannot create a thread key");
		return (-1);
	}
	return (0);
}

/* thread_dns - this thread's resolver, made on first use */

static struct mtasts_dns *
thread_dns(char *why, size_t whylen)
{
	const struct mtasts_config *cfg = milter_opts.cfg;
	struct mtasts_dns *dns = pthread_getspecific(dns_key);

	if (dns == NULL && (dns = mtasts_dns_new(cfg, NULL, why, whylen)) != NULL
	    && pthread_setspecific(dns_key, dns) != 0) {
		mtasts_dns_free(dns);
		mtasts_why(why, whylen, "cannot keep a resolver for this thread");
		return (NULL);
	}
	return (dns);
}

/* tls_failed - the core's answer for host; why (when not NULL): the summary */

static int
tls_failed(const char *host, char *why, size_t whylen)
{
	char	lwhy[MTASTS_REASON_MAX];

	if (!mtasts_mxstate_failing(milter_opts.mxstate, host, mtasts_now(),
				    lwhy, sizeof(lwhy)))
		return (0);
	if (why != NULL)
		mtasts_why(why, whylen, "every MX host the policy allows failed "
			   "its last TLS check (first %s)", lwhy);
	return (1);
}

/* milter_mx_check - does any MX host of domain match the policy? */

enum milter_mx
milter_mx_check(const struct mtasts_decision *d, const char *domain,
		char *why, size_t whylen)
{
	struct mtasts_mx_list *mx = NULL;
	struct mtasts_dns *dns;
	char	lwhy[MTASTS_REASON_MAX];
	enum mtasts_status st;
	enum milter_mx res;
	size_t	i;

	if ((dns = thread_dns(lwhy, sizeof(lwhy))) == NULL) {
		mtasts_why(why, whylen, "resolver: %s", lwhy);
		return (MILTER_MX_UNKNOWN);
	}
	st = mtasts_dns_mx(dns, domain, MTASTS_MILTER_MX_TIMEOUT_MS, &mx,
			   lwhy, sizeof(lwhy));
	if (st == MTASTS_NONE) {
		/* No MX records: the implicit MX is the domain itself. */
		if (mtasts_decision_matches(d, domain))
			return (tls_failed(domain, why, whylen) ? MILTER_MX_TLSFAIL
				: MILTER_MX_OK);
		mtasts_why(why, whylen, "no MX records, and %s itself does not "
			   "match the policy", domain);
		return (MILTER_MX_NONE);
	}
	if (st != MTASTS_OK) {
		mtasts_why(why, whylen, "MX lookup: %s", lwhy);
		return (MILTER_MX_UNKNOWN);
	}
	res = MILTER_MX_NONE;
	for (i = 0; i < mx->n; i++) {
		if (!mtasts_decision_matches(d, mx->mx[i].host))
			continue;
		if (!tls_failed(mx->mx[i].host, res == MILTER_MX_NONE ? why : NULL,
				whylen)) {
			res = MILTER_MX_OK;
			break;
		}
		res = MILTER_MX_TLSFAIL;
	}
	if (res == MILTER_MX_NONE) {
		if (mx->n == 0)
			mtasts_why(why, whylen, "%s", mx->null_mx ? "null MX (RFC 7505)"
				   : "no MX record names a usable host");
		else
			mtasts_why(why, whylen, "none of the %zu MX hosts (first %s) "
				   "matches the policy", mx->n, mx->mx[0].host);
	}
	mtasts_mx_list_free(mx);
	return (res);
}
