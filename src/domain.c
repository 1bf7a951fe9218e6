/*++
 * NAME
 *	domain 3
 * SUMMARY
 *	lookup-key normalisation and domain name checks
 * SYNOPSIS
 *	#include <mtasts/domain.h>
 *
 *	enum mtasts_status mtasts_key_normalize(const char *in, char *out,
 *		size_t outlen, char *why, size_t whylen)
 *
 *	int	mtasts_domain_valid(const char *name)
 * DESCRIPTION
 *	MTAs ask about what they are about to deliver to, in their own
 *	notation. mtasts_key_normalize() maps that onto the one domain
 *	whose MTA-STS policy applies:
 *
 *	example.COM.		example.com (lower-cased, one dot dropped)
 *	[mail.example.com]	mail.example.com (Postfix: no MX lookup)
 *	[mail.example.com]:587	mail.example.com
 *	example.com:25		example.com
 *	1.2.3.4, [1.2.3.4],	MTASTS_NONE: an address has no policy
 *	[ipv6:2001:db8::1],
 *	2001:db8::1
 *	.example.com		MTASTS_NONE: Postfix parent-domain lookup
 *
 *	A port must be 1 to 5 digits with a value of 1..65535. A name whose
 *	labels are all digits ("127.1") is taken as a legacy address form
 *	and answered with MTASTS_NONE: no top-level domain is numeric, so no
 *	policy can exist for it.
 *
 *	mtasts_domain_valid() is the lenient host name check used for MX
 *	host names and keys: letters, digits, '-' and '_' (underscores and
 *	edge hyphens occur in real MX names). Policy mx patterns are held to
 *	the stricter RFC 5321 Domain syntax by policy.c.
 * SECURITY
 *	The input comes from an MTA that got it from a message envelope or
 *	a DNS answer: it is bounded (MTASTS_KEY_MAX) before anything else,
 *	and only the sanitised form reaches a reason. Only ASCII is handled
 *	byte by byte, never through the locale's ctype tables.
 * DIAGNOSTICS
 *	MTASTS_PERM with the reason for malformed keys; MTASTS_NONE with
 *	the reason for address literals and parent-domain keys.
 *--*/
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include <mtasts/domain.h>
#include <mtasts/limits.h>

#include "ascii.h"

/* Longest text inet_pton() is given: an IPv6 literal is at most 45. */
#define ADDR_TEXT_MAX	64

/* is_addr - 1 when text[0..len) is an address of family af */

static int
is_addr(int af, const char *text, size_t len)
{
	char	tmp[ADDR_TEXT_MAX];
	unsigned char bin[16];

	if (len == 0 || len >= sizeof(tmp) || memchr(text, 0, len) != NULL)
		return (0);
	memcpy(tmp, text, len);
	tmp[len] = 0;
	return (inet_pton(af, tmp, bin) == 1);
}

/* port_ok - 1 when s[0..len) is a port number 1..65535 */

static int
port_ok(const char *s, size_t len)
{
	unsigned long val = 0;
	size_t	i;

	if (len == 0 || len > 5)
		return (0);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (0);
		val = val * 10 + (unsigned long) (s[i] - '0');
	}
	return (val >= 1 && val <= 65535);
}

/* mtasts_domain_valid - lenient host name syntax check */

int
mtasts_domain_valid(const char *name)
{
	size_t	len, i, label = 0;

	if (name == NULL)
		return (0);
	/* Bounded: a name longer than the limit plus its dot is invalid anyway. */
	len = strnlen(name, MTASTS_DOMAIN_MAX + 2);
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > MTASTS_DOMAIN_MAX)
		return (0);
	for (i = 0; i < len; i++) {
		int	c = (unsigned char) name[i];

		if (c == '.') {
			if (label == 0)
				return (0);
			label = 0;
			continue;
		}
		if (!ascii_alnum(c) && c != '-' && c != '_')
			return (0);
		if (++label > MTASTS_LABEL_MAX)
			return (0);
	}
	return (label > 0);
}

/* check_name - validate and copy a lower-cased name; reason on failure */

static enum mtasts_status
check_name(const char *name, size_t len, char *out, size_t outlen,
	   const char *key, char *why, size_t whylen)
{
	size_t	i, label = 0;
	int	numeric = 1;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0) {
		mtasts_why(why, whylen, "key \"%s\": empty domain name", key);
		return (MTASTS_PERM);
	}
	if (len > MTASTS_DOMAIN_MAX) {
		mtasts_why(why, whylen, "key \"%s\": domain name longer than %d characters",
			   key, MTASTS_DOMAIN_MAX);
		return (MTASTS_PERM);
	}
	for (i = 0; i <= len; i++) {
		int	c = i < len ? (unsigned char) name[i] : '.';

		if (c == '.') {
			if (label == 0) {
				mtasts_why(why, whylen, "key \"%s\": empty label", key);
				return (MTASTS_PERM);
			}
			label = 0;
			continue;
		}
		if (!ascii_alnum(c) && c != '-' && c != '_') {
			mtasts_why(why, whylen, "key \"%s\": character 0x%02x not allowed in a domain name",
				   key, (unsigned) c);
			return (MTASTS_PERM);
		}
		if (c < '0' || c > '9')
			numeric = 0;
		if (++label > MTASTS_LABEL_MAX) {
			mtasts_why(why, whylen, "key \"%s\": label longer than %d characters",
				   key, MTASTS_LABEL_MAX);
			return (MTASTS_PERM);
		}
	}
	/* "127.1" and friends: inet_aton() address forms, never a domain. */
	if (numeric) {
		mtasts_why(why, whylen, "key \"%s\": numeric address form, not a domain", key);
		return (MTASTS_NONE);
	}
	if (out == NULL || outlen < len + 1) {
		mtasts_why(why, whylen, "key \"%s\": output buffer too small", key);
		return (MTASTS_PERM);
	}
	for (i = 0; i < len; i++)
		out[i] = (char) ascii_lower((unsigned char) name[i]);
	out[len] = 0;
	return (MTASTS_OK);
}

/* mtasts_key_normalize - MTA lookup key to policy domain */

enum mtasts_status
mtasts_key_normalize(const char *in, char *out, size_t outlen,
		     char *why, size_t whylen)
{
	char	key[MTASTS_PEER_TEXT_MAX];
	const char *host, *end, *colon;
	size_t	len, hlen;

	if (out != NULL && outlen > 0)
		out[0] = 0;
	if (in == NULL) {
		mtasts_why(why, whylen, "no lookup key");
		return (MTASTS_PERM);
	}
	len = strnlen(in, MTASTS_KEY_MAX + 1);
	mtasts_sanitize(in, len, key, sizeof(key));
	if (len == 0) {
		mtasts_why(why, whylen, "empty lookup key");
		return (MTASTS_PERM);
	}
	if (len > MTASTS_KEY_MAX) {
		mtasts_why(why, whylen, "key \"%s\": longer than %d bytes", key, MTASTS_KEY_MAX);
		return (MTASTS_PERM);
	}
	if (in[0] == '[') {
		/* Postfix "[host]" or "[host]:port": the name is used as is. */
		if ((end = memchr(in, ']', len)) == NULL) {
			mtasts_why(why, whylen, "key \"%s\": '[' without ']'", key);
			return (MTASTS_PERM);
		}
		host = in + 1;
		hlen = (size_t) (end - host);
		if (end + 1 < in + len && (end[1] != ':'
				|| !port_ok(end + 2, len - (size_t) (end + 2 - in)))) {
			mtasts_why(why, whylen, "key \"%s\": expected \":port\" (1-65535) after ']'", key);
			return (MTASTS_PERM);
		}
		if (hlen >= 5 && ascii_lower(host[0]) == 'i' && ascii_lower(host[1]) == 'p'
		    && ascii_lower(host[2]) == 'v' && host[3] == '6' && host[4] == ':') {
			if (!is_addr(AF_INET6, host + 5, hlen - 5)) {
				mtasts_why(why, whylen, "key \"%s\": malformed IPv6 address literal", key);
				return (MTASTS_PERM);
			}
			mtasts_why(why, whylen, "key \"%s\": IPv6 address literal, no MTA-STS policy applies", key);
			return (MTASTS_NONE);
		}
		if (memchr(host, ':', hlen) != NULL) {
			if (!is_addr(AF_INET6, host, hlen)) {
				mtasts_why(why, whylen, "key \"%s\": ':' inside brackets but no IPv6 address", key);
				return (MTASTS_PERM);
			}
			mtasts_why(why, whylen, "key \"%s\": IPv6 address literal, no MTA-STS policy applies", key);
			return (MTASTS_NONE);
		}
	} else {
		if (in[0] == '.') {
			/* Postfix asks ".example.com" for parent-domain matches. */
			mtasts_why(why, whylen, "key \"%s\": parent-domain form, no MTA-STS policy applies", key);
			return (MTASTS_NONE);
		}
		host = in;
		hlen = len;
		if ((colon = memchr(in, ':', len)) != NULL) {
			if (memchr(colon + 1, ':', len - (size_t) (colon + 1 - in)) != NULL) {
				if (is_addr(AF_INET6, in, len)) {
					mtasts_why(why, whylen, "key \"%s\": IPv6 address, no MTA-STS policy applies", key);
					return (MTASTS_NONE);
				}
				mtasts_why(why, whylen, "key \"%s\": several ':' but no IPv6 address", key);
				return (MTASTS_PERM);
			}
			if (!port_ok(colon + 1, len - (size_t) (colon + 1 - in))) {
				mtasts_why(why, whylen, "key \"%s\": port must be 1-65535", key);
				return (MTASTS_PERM);
			}
			hlen = (size_t) (colon - in);
		}
	}
	/* A dotted quad, with or without brackets or a trailing dot. */
	if (is_addr(AF_INET, host, hlen > 0 && host[hlen - 1] == '.' ? hlen - 1 : hlen)) {
		mtasts_why(why, whylen, "key \"%s\": IPv4 address, no MTA-STS policy applies", key);
		return (MTASTS_NONE);
	}
	return (check_name(host, hlen, out, outlen, key, why, whylen));
}
