/*++
 * NAME
 *	match 3h
 * SUMMARY
 *	RFC 8461 section 4.1 MX host matching
 * SYNOPSIS
 *	#include <mtasts/match.h>
 * DESCRIPTION
 *	Case-insensitive; one trailing dot on either side is ignored. A
 *	pattern "*.example.com" matches exactly one extra leftmost label:
 *	"a.example.com", not "example.com" nor "a.b.example.com". A pattern
 *	with '*' anywhere else, or a host that is not a valid name, never
 *	matches (fail closed).
 *
 *	mtasts_mx_match() returns 1 on a match, else 0.
 *	mtasts_policy_match() returns 1 when host matches any of the
 *	policy's patterns, else 0.
 *--*/
#ifndef MTASTS_MATCH_H
#define MTASTS_MATCH_H

#include <mtasts/policy.h>

int	mtasts_mx_match(const char *pattern, const char *host);
int	mtasts_policy_match(const struct mtasts_policy *, const char *host);

#endif
