/*++
 * NAME
 *	dns_txt 3h
 * SUMMARY
 *	a plain TXT lookup (e.g. _smtp._tls.DOMAIN for RFC 8460)
 * SYNOPSIS
 *	#include <mtasts/dns_txt.h>
 * DESCRIPTION
 *	mtasts_dns_txt() looks up the TXT records of PREFIX + NAME (prefix
 *	may be "", e.g. "_smtp._tls.") through the same resolvers as the
 *	rest of mtasts: the config's resolver.servers, else the name
 *	servers of /etc/resolv.conf (cfg may be NULL for that); names are
 *	always absolute, search suffixes are never appended. It blocks for
 *	at most timeout_ms (1..MTASTS_DNS_TIMEOUT_MAX), CNAME re-queries
 *	included, and is meant for tools (mtasts report), not for an MTA's
 *	delivery path, which uses dns.h.
 *
 *	MTASTS_OK	*out lists each TXT RR's character-strings joined
 *			without separators (RFC 8460 3, RFC 8461 3.1), in
 *			answer order; free it with mtasts_txt_list_free()
 *	MTASTS_NONE	NXDOMAIN or no TXT record (why says which)
 *	MTASTS_TEMP	SERVFAIL, REFUSED, timeout, no resolver, memory
 *	MTASTS_PERM	bad name or timeout; more than
 *			MTASTS_TXT_RECORDS_MAX records or one longer than
 *			MTASTS_TXT_MAX bytes (an answer that cannot be
 *			used whole is not used in part)
 * SECURITY
 *	The answer is untrusted: counts and sizes are bounded, names are
 *	compared in wire form, and record text may hold any byte: callers
 *	sanitise it before showing it.
 *--*/
#ifndef MTASTS_DNS_TXT_H
#define MTASTS_DNS_TXT_H

#include <stddef.h>

#include <mtasts/config.h>
#include <mtasts/status.h>

struct mtasts_txt_list {
	size_t	n;
	char  **txt;			/* NUL-terminated (NULs possible: use len) */
	size_t *len;
};

enum mtasts_status mtasts_dns_txt(const struct mtasts_config *cfg,
		const char *prefix, const char *name, unsigned timeout_ms,
		struct mtasts_txt_list **out, char *why, size_t whylen);
void	mtasts_txt_list_free(struct mtasts_txt_list *);

#endif
