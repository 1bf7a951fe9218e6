/*++
 * NAME
 *	config_items 3
 * SUMMARY
 *	mtasts.yaml values that are more than a number or a word
 * SYNOPSIS
 *	#include "config_schema.h"
 * DESCRIPTION
 *	The item functions of the schema table (config_schema.c): each checks
 *	and converts one list entry or one entry name (DNS server addresses,
 *	mx patterns, domain names, program arguments) and says precisely what
 *	is wrong with a bad one.
 * SECURITY
 *	A malformed override is an error, not something that silently never
 *	matches: extra mx patterns get exactly the syntax policy.c holds a
 *	published pattern to (mtasts_mx_pattern_error()), domain keys the host
 *	name check lookups use (mtasts_domain_valid()) and a non-numeric last
 *	label.
 *--*/
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mtasts/config.h>
#include <mtasts/domain.h>
#include <mtasts/limits.h>
#include <mtasts/policy.h>
#include <mtasts/status.h>

#include "config_schema.h"

/* Messages quote at most this much of the offending text. */
#define SHOW_MAX	80

/* config.c finds an entry's name at offset 0 of the entry. */
_Static_assert(offsetof(struct mtasts_domain_cfg, name) == 0,
	       "domains entries must start with their name");

/* domain_ok - a recipient domain as lookups will ask for it */

static int
domain_ok(const char *s, size_t len)
{
	const char *last = memrchr(s, '.', len);
	size_t	i = last ? (size_t) (last - s) + 1 : 0;

	if (len == 0 || !mtasts_domain_valid(s))
		return (0);

	/*
	 * mtasts_domain_valid() allows one trailing dot: a second one (the
	 * first was stripped) leaves an empty last label. An all-digit last
	 * label is an address or a typo; no lookup would ever ask for it.
	 */
	if (i == len)
		return (0);
	for (; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return (1);
	return (0);
}

/* lower_copy - lower-cased copy without one trailing dot; -1 if unusable */

static int
lower_copy(const char *text, size_t len, char *out, size_t outlen,
	   size_t *outl)
{
	size_t	i;

	if (memchr(text, 0, len) != NULL)
		return (-1);
	if (len > 0 && text[len - 1] == '.')
		len--;
	if (len >= outlen)
		return (-1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char) text[i];

		out[i] = (char) ((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
	}
	out[len] = 0;
	*outl = len;
	return (0);
}

/* mtasts_cfg_domain_item - domains.<name>: normalise and check the name */

enum mtasts_status
mtasts_cfg_domain_item(const char *text, size_t len, void *elem, char *err,
	    size_t errlen)
{
	char	name[MTASTS_DOMAIN_MAX + 2], show[SHOW_MAX];
	char  **slot = elem;
	size_t	n;

	if (lower_copy(text, len, name, sizeof(name), &n) < 0 || !domain_ok(name, n)) {
		mtasts_why(err, errlen, "\"%s\" is not a valid domain name",
			   mtasts_sanitize(text, len, show, sizeof(show)));
		return (MTASTS_PERM);
	}
	if ((*slot = strdup(name)) == NULL)
		return (MTASTS_TEMP);
	return (MTASTS_OK);
}

/* mtasts_cfg_mx_item - domains.<name>.mx entry: "[*.]domain", as in a policy */

enum mtasts_status
mtasts_cfg_mx_item(const char *text, size_t len, void *elem, char *err, size_t errlen)
{
	char	pat[MTASTS_DOMAIN_MAX + 4], show[SHOW_MAX];
	char  **slot = elem;
	const char *bad = NULL;
	size_t	n;

	if (lower_copy(text, len, pat, sizeof(pat), &n) < 0)
		n = 0;

	/* Exactly as policy.c checks a published pattern (RFC 8461 4.1). */
	if (n == 0 || (bad = mtasts_mx_pattern_error(pat, n)) != NULL) {
		mtasts_why(err, errlen, "\"%s\" is not a valid mx pattern (%s)",
			   mtasts_sanitize(text, len, show, sizeof(show)),
			   n == 0 ? "empty name" : bad);
		return (MTASTS_PERM);
	}
	if ((*slot = strdup(pat)) == NULL)
		return (MTASTS_TEMP);
	return (MTASTS_OK);
}

/* mtasts_cfg_mx_free - release one mx pattern */

void
mtasts_cfg_mx_free(void *elem)
{
	free(*(char **) elem);
}

/* mtasts_cfg_server_item - resolver.servers entry: "address" or "address@port" */

enum mtasts_status
mtasts_cfg_server_item(const char *text, size_t len, void *elem, char *err,
	    size_t errlen)
{
	struct mtasts_server *srv = elem;
	char	host[INET6_ADDRSTRLEN + 1], show[SHOW_MAX];
	const char *at;
	unsigned char addr[sizeof(struct in6_addr)];
	unsigned long port = 53;
	size_t	hlen, i;
	int	af;

	at = memchr(text, '@', len);
	hlen = at ? (size_t) (at - text) : len;
	if (at != NULL) {
		size_t	plen = len - hlen - 1;

		/* Decimal only, no sign, no leading zero: "0x35", "053" are typos. */
		port = 0;
		for (i = 0; i < plen; i++) {
			if (at[1 + i] < '0' || at[1 + i] > '9' || i >= 5
			    || (i == 0 && at[1] == '0'))
				break;
			port = port * 10 + (unsigned long) (at[1 + i] - '0');
		}
		if (plen == 0 || i < plen || port < 1 || port > 65535) {
			mtasts_why(err, errlen, "\"%s\": port must be a number "
				   "from 1 to 65535",
				   mtasts_sanitize(text, len, show, sizeof(show)));
			return (MTASTS_PERM);
		}
	}
	if (hlen == 0 || hlen >= sizeof(host) || memchr(text, 0, hlen) != NULL)
		goto bad_host;
	memcpy(host, text, hlen);
	host[hlen] = 0;
	af = strchr(host, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, host, addr) != 1)
		goto bad_host;
	/* Store the canonical form, so "::0001" and "::1" look the same in logs. */
	if (inet_ntop(af, addr, srv->host, sizeof(srv->host)) == NULL)
		goto bad_host;
	srv->port = (uint16_t) port;
	return (MTASTS_OK);

bad_host:
	mtasts_why(err, errlen, "\"%s\" is not an IPv4 or IPv6 address "
		   "(with optional @port)",
		   mtasts_sanitize(text, len, show, sizeof(show)));
	return (MTASTS_PERM);
}

/* mtasts_cfg_tlsrpt_arg_item - tlsrpt.sendmail_args entry: one argument, no control bytes */

enum mtasts_status
mtasts_cfg_tlsrpt_arg_item(const char *text, size_t len, void *elem, char *err,
		size_t errlen)
{
	char  **slot = elem;
	size_t	i;

	/* argv strings end at a NUL; a newline would forge log lines. */
	for (i = 0; i < len; i++) {
		if ((unsigned char) text[i] < 0x20 || text[i] == 0x7f) {
			mtasts_why(err, errlen, "must not contain control characters");
			return (MTASTS_PERM);
		}
	}
	if (len == 0 || len > MTASTS_CONFIG_STRING_MAX) {
		mtasts_why(err, errlen, "must be 1 to %d characters",
			   MTASTS_CONFIG_STRING_MAX);
		return (MTASTS_PERM);
	}
	if ((*slot = strndup(text, len)) == NULL)
		return (MTASTS_TEMP);
	return (MTASTS_OK);
}
