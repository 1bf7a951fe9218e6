/*++
 * NAME
 *	dns 3h
 * SUMMARY
 *	the DNS lookups MTA-STS needs: _mta-sts TXT, MX, A/AAAA (getdns)
 * SYNOPSIS
 *	#include <mtasts/dns.h>
 * DESCRIPTION
 *	A struct mtasts_dns is one stub resolver (a getdns context) bound to
 *	one event loop. It knows nothing of caches or MTAs.
 *
 *	mtasts_dns_new() creates it. The upstream servers are the config's
 *	resolver.servers (address and port), or the name servers of
 *	/etc/resolv.conf when the list is empty (cfg may be NULL for that);
 *	/etc/hosts is not consulted. With several servers the timeout is
 *	shared out (at least 1 s per try): a lookup that times out on one
 *	server is retried on the next before the caller's timeout is up.
 *	base is the caller's libevent loop, used by the _async functions;
 *	with base == NULL the handle runs a private loop and serves only the
 *	blocking functions. Returns NULL with why set when a server is not
 *	an IP address, no name server is known, or memory runs out; callers
 *	treat that as a temporary failure (mail is deferred, not lost). The
 *	caller owns the handle and releases it with mtasts_dns_free(), which
 *	cancels every lookup in flight without calling its callback; the
 *	event base must outlive the handle.
 *
 *	Names are ASCII host names (A-labels for IDNs), one trailing dot
 *	allowed; they are always looked up as absolute names (resolv.conf
 *	"search" suffixes are never appended). Anything else, non-ASCII
 *	included, is MTASTS_PERM.
 * LOOKUPS
 *	Every lookup takes timeout_ms (1..MTASTS_DNS_TIMEOUT_MAX) for the
 *	whole lookup, CNAME re-queries included, and yields
 *	MTASTS_OK	the answer is in the result
 *	MTASTS_NONE	NXDOMAIN or no record of the type (NODATA), or for
 *			the TXT lookup no single valid STSv1 record; why
 *			says which
 *	MTASTS_TEMP	SERVFAIL, REFUSED, timeout, network or memory error;
 *			why names the query and e.g. "SERVFAIL from
 *			127.0.0.1" or "timeout after 5 s"
 *	MTASTS_PERM	bad argument (name, timeout, wrong kind of handle)
 *
 *	mtasts_dns_sts_txt() looks up TXT at _mta-sts.<domain>, joins each
 *	RR's character-strings without separators and applies
 *	mtasts_txt_select(): on MTASTS_OK *out holds the one valid record.
 *	More than MTASTS_TXT_RECORDS_MAX RRs, or an STSv1 RR longer than
 *	MTASTS_TXT_MAX, is MTASTS_NONE (no valid policy record).
 *
 *	mtasts_dns_mx() returns the MX hosts sorted by preference, ties in
 *	answer order. MTASTS_OK means the domain has MX records; n may still
 *	be 0 when the only one is the RFC 7505 null MX "0 ." (null_mx is
 *	set) or none was a usable host name (counted in nbad). The caller
 *	frees *out with mtasts_mx_list_free().
 *
 *	mtasts_dns_addrs() returns the addresses of host for family AF_INET,
 *	AF_INET6 or AF_UNSPEC (both). Order: IPv4 first, then IPv6, each in
 *	answer order; the fetch layer connects in this order, and trying
 *	IPv4 first avoids a connect timeout per address on the many hosts
 *	without IPv6 reachability. With AF_UNSPEC one family answering is
 *	enough for MTASTS_OK (the other may have failed or timed out). Ports
 *	are 0. The caller frees *out with mtasts_addr_list_free().
 * ASYNCHRONOUS LOOKUPS
 *	The _async functions start a lookup on a handle made with a base
 *	and return at once. On MTASTS_OK the callback will be called exactly
 *	once, from the event loop (never from inside the _async call), unless
 *	the lookup is cancelled first; if qp is not NULL, *qp identifies the
 *	lookup for mtasts_dns_cancel() until the callback starts. On any
 *	other status the callback is never called and why says why.
 *
 *	The callback gets the status, the result and the reason (a string
 *	valid during the call; "" on MTASTS_OK). result->mx and result->addrs
 *	(set on MTASTS_OK of those lookups) are freed by the library after
 *	the callback returns; a callback that keeps a list sets the pointer
 *	to NULL and then owns the list. A callback may start new lookups,
 *	cancel other lookups, and free the handle.
 *
 *	Many lookups may be in flight at once; each has its own timer, so a
 *	slow answer delays nobody else. mtasts_dns_inflight() counts them.
 * REPLACING THE NETWORK IN TESTS
 *	Higher layers reach DNS only through the functions declared here and
 *	never through getdns, so a unit test can replace the network two ways:
 *	(a) point resolver.servers at a scripted server on 127.0.0.1, as
 *	tests/dns-test does with tests/fakedns.py; (b) at link time, as
 *	Unbound does: define in the test program the mtasts_dns_* functions
 *	the code under test calls (e.g. mtasts_dns_new, mtasts_dns_free,
 *	mtasts_dns_sts_txt); on ELF the executable's definitions take
 *	precedence over libmtasts' own, also for calls from inside the
 *	library. Lists are one malloc(3) block each (struct plus flexible
 *	array), so a fake builds them with malloc and they stay valid for
 *	mtasts_mx_list_free()/mtasts_addr_list_free().
 * SECURITY
 *	Answers are untrusted: record counts and sizes are bounded (limits.h),
 *	names are compared and converted from wire format here, host names
 *	that are not letters, digits, '-' and '_' are dropped rather than
 *	passed on, and peer text is sanitised before it reaches a reason.
 *	No DNSSEC validation is done (RFC 8461 does not require it for the
 *	TXT record; the HTTPS fetch authenticates the policy).
 *
 *	A handle is used by one thread at a time and must not be used in a
 *	child process after fork(): create one per process.
 *--*/
#ifndef MTASTS_DNS_H
#define MTASTS_DNS_H

#include <stddef.h>
#include <sys/socket.h>

#include <mtasts/config.h>
#include <mtasts/limits.h>
#include <mtasts/status.h>
#include <mtasts/txt.h>

struct event_base;
struct mtasts_dns;			/* opaque: one resolver */
struct mtasts_dns_query;		/* opaque: one lookup in flight */

struct mtasts_mx {
	unsigned pref;			/* RFC 1035 PREFERENCE */
	char	host[MTASTS_DOMAIN_MAX + 1];	/* lower case, no final dot */
};

struct mtasts_mx_list {
	int	null_mx;		/* RFC 7505 "0 ." was in the answer */
	size_t	nbad;			/* MX dropped: not a host name */
	size_t	n;			/* at most MTASTS_DNS_MX_MAX */
	struct mtasts_mx mx[];		/* sorted by pref, ties in answer order */
};

struct mtasts_addr_list {
	size_t	n;
	struct sockaddr_storage addr[];	/* AF_INET or AF_INET6, port 0 */
};

enum mtasts_dns_kind {
	MTASTS_DNS_STS_TXT = 1,
	MTASTS_DNS_MX,
	MTASTS_DNS_ADDRS
};

struct mtasts_dns_result {
	enum mtasts_dns_kind kind;
	int	nxdomain;		/* MTASTS_NONE because the name is absent */
	struct mtasts_txt txt;		/* STS_TXT, MTASTS_OK */
	struct mtasts_mx_list *mx;	/* MX, MTASTS_OK; see above for ownership */
	struct mtasts_addr_list *addrs;	/* ADDRS, MTASTS_OK */
};

typedef void (*mtasts_dns_cb) (void *arg, enum mtasts_status,
		struct mtasts_dns_result *, const char *why);

struct mtasts_dns *mtasts_dns_new(const struct mtasts_config *cfg,
		struct event_base *base, char *why, size_t whylen);
void	mtasts_dns_free(struct mtasts_dns *);

/* Blocking lookups: only on a handle made with base == NULL. */
enum mtasts_status mtasts_dns_sts_txt(struct mtasts_dns *, const char *domain,
		unsigned timeout_ms, struct mtasts_txt *out,
		char *why, size_t whylen);
enum mtasts_status mtasts_dns_mx(struct mtasts_dns *, const char *domain,
		unsigned timeout_ms, struct mtasts_mx_list **out,
		char *why, size_t whylen);
enum mtasts_status mtasts_dns_addrs(struct mtasts_dns *, const char *host,
		int family, unsigned timeout_ms,
		struct mtasts_addr_list **out, char *why, size_t whylen);

/* Asynchronous lookups: only on a handle made with an event base. */
enum mtasts_status mtasts_dns_sts_txt_async(struct mtasts_dns *,
		const char *domain, unsigned timeout_ms,
		mtasts_dns_cb cb, void *arg, struct mtasts_dns_query **qp,
		char *why, size_t whylen);
enum mtasts_status mtasts_dns_mx_async(struct mtasts_dns *,
		const char *domain, unsigned timeout_ms,
		mtasts_dns_cb cb, void *arg, struct mtasts_dns_query **qp,
		char *why, size_t whylen);
enum mtasts_status mtasts_dns_addrs_async(struct mtasts_dns *,
		const char *host, int family, unsigned timeout_ms,
		mtasts_dns_cb cb, void *arg, struct mtasts_dns_query **qp,
		char *why, size_t whylen);
/* mtasts_dns_cancel - stop a lookup; its callback is not called */
void	mtasts_dns_cancel(struct mtasts_dns_query *);
/* mtasts_dns_inflight - lookups started and not yet called back */
size_t	mtasts_dns_inflight(const struct mtasts_dns *);

void	mtasts_mx_list_free(struct mtasts_mx_list *);
void	mtasts_addr_list_free(struct mtasts_addr_list *);

#endif
