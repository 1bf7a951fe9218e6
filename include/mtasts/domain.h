/*++
 * NAME
 *	domain 3h
 * SUMMARY
 *	lookup-key normalisation and domain name checks
 * SYNOPSIS
 *	#include <mtasts/domain.h>
 * DESCRIPTION
 *	mtasts_key_normalize() turns what an MTA asks about into the domain
 *	whose policy applies: lower-cased, one trailing dot removed, Postfix
 *	next-hop forms "[host]", "[host]:port" and "host:port" unwrapped.
 *	out must hold MTASTS_DOMAIN_MAX + 1 bytes.
 *	MTASTS_OK	out holds the domain
 *	MTASTS_NONE	an IP literal (also inet_aton() forms such as
 *			"127.1", whose labels are all digits) or a ".parent"
 *			form: no MTA-STS policy can apply (RFC 8461 applies
 *			to domain names only)
 *	MTASTS_PERM	malformed, an over-long name or label
 *
 *	mtasts_domain_valid() returns 1 when name (an optional single
 *	trailing dot allowed) is a syntactically valid host name of at most
 *	MTASTS_DOMAIN_MAX characters with labels of 1..MTASTS_LABEL_MAX
 *	letters, digits, '-' and '_', else 0.
 *--*/
#ifndef MTASTS_DOMAIN_H
#define MTASTS_DOMAIN_H

#include <stddef.h>

#include <mtasts/status.h>

enum mtasts_status mtasts_key_normalize(const char *in, char *out,
		size_t outlen, char *why, size_t whylen);
int	mtasts_domain_valid(const char *name);

#endif
