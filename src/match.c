/*++
 * NAME
 *	match 3
 * SUMMARY
 *	RFC 8461 section 4.1 MX host matching
 * SYNOPSIS
 *	#include <mtasts/match.h>
 *
 *	int	mtasts_mx_match(const char *pattern, const char *host)
 *
 *	int	mtasts_policy_match(const struct mtasts_policy *policy,
 *		const char *host)
 * DESCRIPTION
 *	RFC 8461 4.1: an mx pattern is either a full host name, compared
 *	case-insensitively, or "*." followed by a name, which matches a host
 *	with exactly one more label on the left. So "*.example.com" matches
 *	"mx1.example.com" but neither "example.com" nor
 *	"a.mx1.example.com". One trailing dot on the pattern or the host
 *	is ignored (DNS answers carry it, policies do not).
 * SECURITY
 *	This decides whether mail may go to a host under an enforced policy,
 *	so it fails closed: a pattern with '*' anywhere but as the whole
 *	leftmost label, an empty pattern, or a host that is not a valid name
 *	(mtasts_domain_valid()) never matches. Comparison is ASCII-only and
 *	ignores the locale, so no locale can fold two different names
 *	together.
 *--*/
#include "config.h"

#include <string.h>

#include <mtasts/domain.h>
#include <mtasts/limits.h>
#include <mtasts/match.h>

#include "ascii.h"

/* name_len - length without the one trailing dot; name is valid */

static size_t
name_len(const char *name)
{
	size_t	len = strlen(name);

	return (len > 0 && name[len - 1] == '.' ? len - 1 : len);
}

/* same_name - ASCII case-insensitive comparison of two lengths */

static int
same_name(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t	i;

	if (alen != blen)
		return (0);
	for (i = 0; i < alen; i++)
		if (ascii_lower((unsigned char) a[i]) != ascii_lower((unsigned char) b[i]))
			return (0);
	return (1);
}

/* mtasts_mx_match - does host match one mx pattern */

int
mtasts_mx_match(const char *pattern, const char *host)
{
	const char *dot;
	size_t	hlen, plen;

	if (pattern == NULL || host == NULL || !mtasts_domain_valid(host))
		return (0);
	hlen = name_len(host);
	if (pattern[0] == '*') {
		/* Only "*." over a whole label; "*x.example" etc. fail below. */
		if (pattern[1] != '.')
			return (0);
		pattern += 2;
		if (!mtasts_domain_valid(pattern))
			return (0);
		plen = name_len(pattern);
		/* Drop exactly one leftmost label of the host (never empty). */
		if ((dot = memchr(host, '.', hlen)) == NULL)
			return (0);
		hlen -= (size_t) (dot + 1 - host);
		host = dot + 1;
		return (same_name(pattern, plen, host, hlen));
	}
	if (!mtasts_domain_valid(pattern))
		return (0);
	plen = name_len(pattern);
	return (same_name(pattern, plen, host, hlen));
}

/* mtasts_policy_match - does host match any pattern of the policy */

int
mtasts_policy_match(const struct mtasts_policy *policy, const char *host)
{
	size_t	i;

	if (policy == NULL)
		return (0);
	for (i = 0; i < policy->nmx; i++)
		if (mtasts_mx_match(policy->mx[i], host))
			return (1);
	return (0);
}
