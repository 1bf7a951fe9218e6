/*++
 * NAME
 *	tlsrpt_rua 3
 * SUMMARY
 *	the _smtp._tls TXT record of RFC 8460 section 3 (pure)
 * SYNOPSIS
 *	#include <mtasts/tlsrpt.h>
 * DESCRIPTION
 *	The grammar of RFC 8460 3:
 *
 *	tlsrpt-record	= "v=TLSRPTv1" 1*(field-delim tlsrpt-field) [field-delim]
 *	field-delim	= *WSP ";" *WSP
 *	tlsrpt-field	= tlsrpt-rua / tlsrpt-extension
 *	tlsrpt-rua	= "rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
 *	tlsrpt-extension = ext-name "=" ext-value
 *
 *	Both literals are case-sensitive (%s in the RFC). Extensions are
 *	ignored as 3 requires; rua must be there, once. Of the URIs, mailto:
 *	(one address) and https: (a host name, an optional port, a path)
 *	are used; others are skipped and named in out->skipped, and a record
 *	left with no usable URI is an error, not silence.
 *
 *	Selection: of all TXT RRs, those not beginning "v=TLSRPTv1;" are
 *	dropped; unless exactly one is left the domain is taken not to
 *	implement TLSRPT (MTASTS_NONE), as 3 says.
 * SECURITY
 *	Record text is the domain owner's, read from DNS without DNSSEC: a
 *	mailto: address is percent-decoded, then must be one plain
 *	local@domain that cannot start with '-' (sendmail gets it after
 *	"--" as well) nor hold blanks, quotes or commas; https: refuses
 *	user information and IP literals, since the certificate is checked
 *	against the host name. Text shown in reasons is sanitised.
 *--*/
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <mtasts/domain.h>
#include <mtasts/limits.h>
#include <mtasts/tlsrpt.h>

#define VERSION_TAG	"v=TLSRPTv1"
#define SHOW_MAX	80

/* is_wsp - RFC 5234 WSP */

static int
is_wsp(char c)
{
	return (c == ' ' || c == '\t');
}

/* is_alnum - ASCII letter or digit */

static int
is_alnum(char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		|| (c >= '0' && c <= '9'));
}

/* uri_char - RFC 3986 URI characters, less ',' and '!' (RFC 8460 3) */

static int
uri_char(char c)
{
	return (is_alnum(c) || (c && strchr("-._~:/?#[]@$&'()*+;=%", c)));
}

/* ext_name_ok - tlsrpt-ext-name */

static int
ext_name_ok(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > MTASTS_EXT_NAME_MAX || !is_alnum(s[0]))
		return (0);
	for (i = 1; i < len; i++)
		if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
			return (0);
	return (1);
}

/* ext_value_ok - tlsrpt-ext-value: visible ASCII except '=' and ';' */

static int
ext_value_ok(const char *s, size_t len)
{
	size_t	i;

	if (len == 0)
		return (0);
	for (i = 0; i < len; i++)
		if (s[i] < 0x21 || s[i] > 0x7e || s[i] == '=' || s[i] == ';')
			return (0);
	return (1);
}

/* pct_decode - percent-decode into out; -1 on a bad escape or NUL */

static int
pct_decode(const char *s, size_t len, char *out, size_t outlen)
{
	size_t	i, o = 0;
	int	hi, lo;

	for (i = 0; i < len; i++) {
		char	c = s[i];

		if (c == '%') {
			if (i + 2 >= len)
				return (-1);
			hi = (s[i + 1] >= '0' && s[i + 1] <= '9') ? s[i + 1] - '0' :
			    ((s[i + 1] | 0x20) >= 'a' && (s[i + 1] | 0x20) <= 'f') ?
			    (s[i + 1] | 0x20) - 'a' + 10 : -1;
			lo = (s[i + 2] >= '0' && s[i + 2] <= '9') ? s[i + 2] - '0' :
			    ((s[i + 2] | 0x20) >= 'a' && (s[i + 2] | 0x20) <= 'f') ?
			    (s[i + 2] | 0x20) - 'a' + 10 : -1;
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return (-1);
			c = (char) (hi * 16 + lo);
			i += 2;
		}
		if (o + 1 >= outlen)
			return (-1);
		out[o++] = c;
	}
	out[o] = 0;
	return (0);
}

/* host_ok - lower-case a host name in place; refuse addresses */

static int
host_ok(char *h)
{
	size_t	i, len = strlen(h);
	int	alpha = 0;

	if (len > 0 && h[len - 1] == '.')
		h[--len] = 0;
	if (len == 0 || len > MTASTS_DOMAIN_MAX)
		return (0);
	for (i = 0; i < len; i++) {
		if (h[i] >= 'A' && h[i] <= 'Z')
			h[i] = (char) (h[i] - 'A' + 'a');
		if (!is_alnum(h[i]) && h[i] != '-' && h[i] != '.')
			return (0);
		if (h[i] >= 'a' && h[i] <= 'z')
			alpha = 1;
	}
	/* All digits and dots is an IPv4 literal: no name to check a certificate by. */
	return (alpha && mtasts_domain_valid(h));
}

/* mailto - "mailto:ADDR[?hfields]": one plain address */

static int
mailto(struct mtasts_tlsrpt_uri *u, const char *s, size_t len, char *why,
       size_t whylen)
{
	const char *q = memchr(s, '?', len);
	char   *at;
	size_t	i;

	if (q)
		len = (size_t) (q - s);
	if (pct_decode(s, len, u->addr, sizeof(u->addr)) < 0) {
		mtasts_why(why, whylen, "bad %%-escape");
		return (-1);
	}
	if ((at = strrchr(u->addr, '@')) == NULL || at == u->addr
	    || u->addr[0] == '-' || u->addr[0] == '.') {
		mtasts_why(why, whylen, "not an address local@domain");
		return (-1);
	}
	for (i = 0; u->addr + i < at; i++) {
		/* dot-atom text: no blanks, quotes, commas (several rcpts) or '<'. */
		if (!is_alnum(u->addr[i]) && !strchr("!#$%&'*+-/=?^_`{|}~.", u->addr[i])) {
			mtasts_why(why, whylen, "local part is not plain dot-atom text");
			return (-1);
		}
	}
	if (!host_ok(at + 1)) {
		mtasts_why(why, whylen, "bad domain after '@'");
		return (-1);
	}
	u->scheme = MTASTS_TLSRPT_MAILTO;
	return (0);
}

/* https - "https://HOST[:PORT][/PATH][?QUERY][#FRAG]" */

static int
https(struct mtasts_tlsrpt_uri *u, const char *s, size_t len, char *why,
      size_t whylen)
{
	const char *a, *end, *colon;
	unsigned long port = 443;
	size_t	hlen, i, plen;

	if (len < 2 || s[0] != '/' || s[1] != '/') {
		mtasts_why(why, whylen, "https: URI without //host");
		return (-1);
	}
	a = s + 2;
	for (end = a; end < s + len && *end != '/' && *end != '?' && *end != '#'; end++)
		 /* void */ ;
	if (memchr(a, '@', (size_t) (end - a)) || memchr(a, '[', (size_t) (end - a))
	    || memchr(a, '%', (size_t) (end - a))) {
		mtasts_why(why, whylen, "user information, IP literals and escapes"
			   " are not allowed in the host");
		return (-1);
	}
	colon = memchr(a, ':', (size_t) (end - a));
	hlen = colon ? (size_t) (colon - a) : (size_t) (end - a);
	if (colon) {
		port = 0;
		for (i = 1; colon + i < end; i++) {
			if (colon[i] < '0' || colon[i] > '9' || i > 5)
				break;
			port = port * 10 + (unsigned long) (colon[i] - '0');
		}
		if (colon + i != end || i == 1 || port == 0 || port > 65535) {
			mtasts_why(why, whylen, "bad port");
			return (-1);
		}
	}
	if (hlen == 0 || hlen >= sizeof(u->host)) {
		mtasts_why(why, whylen, "bad host");
		return (-1);
	}
	memcpy(u->host, a, hlen);
	u->host[hlen] = 0;
	if (!host_ok(u->host)) {
		mtasts_why(why, whylen, "host is not a DNS host name");
		return (-1);
	}
	u->port = (uint16_t) port;
	/* The fragment is the client's business; the path goes out as is. */
	plen = (size_t) (s + len - end);
	if (memchr(end, '#', plen))
		plen = (size_t) ((const char *) memchr(end, '#', plen) - end);
	if (snprintf(u->path, sizeof(u->path), "%s%.*s",
		     plen == 0 || *end != '/' ? "/" : "", (int) plen, end) < 0) {
		mtasts_why(why, whylen, "bad path");
		return (-1);
	}
	u->scheme = MTASTS_TLSRPT_HTTPS;
	return (0);
}

/* one_uri - check one tlsrpt-uri; 1 used, 0 skipped, -1 invalid */

static int
one_uri(struct mtasts_tlsrpt_rua *out, const char *s, size_t len,
	char *why, size_t whylen)
{
	struct mtasts_tlsrpt_uri *u;
	char	show[SHOW_MAX], err[MTASTS_REASON_MAX];
	size_t	i;

	mtasts_sanitize(s, len, show, sizeof(show));
	for (i = 0; i < len; i++) {
		if (!uri_char(s[i])) {
			mtasts_why(why, whylen, "rua URI \"%s\": character not allowed"
				   " (',' and '!' must be %%-encoded)", show);
			return (-1);
		}
	}
	if (len == 0 || len > MTASTS_TLSRPT_URI_MAX) {
		mtasts_why(why, whylen, "rua URI \"%s\": empty or longer than %d",
			   show, MTASTS_TLSRPT_URI_MAX);
		return (-1);
	}
	if (out->n == MTASTS_TLSRPT_RUA_MAX) {
		if (out->nskipped++ == 0)
			mtasts_why(out->skipped, sizeof(out->skipped), "%s: more than"
				   " MTASTS_TLSRPT_RUA_MAX (%d) URIs", show,
				   MTASTS_TLSRPT_RUA_MAX);
		return (0);
	}
	u = out->uri + out->n;
	memset(u, 0, sizeof(*u));
	memcpy(u->uri, s, len);
	u->uri[len] = 0;
	if (len > 7 && strncasecmp(s, "mailto:", 7) == 0) {
		if (mailto(u, s + 7, len - 7, err, sizeof(err)) < 0)
			goto bad;
	} else if (len > 6 && strncasecmp(s, "https:", 6) == 0) {
		if (https(u, s + 6, len - 6, err, sizeof(err)) < 0)
			goto bad;
	} else {
		/* RFC 3986 3.1: scheme = ALPHA *(ALPHA / DIGIT / "+" / "-" / "."). */
		for (i = 1; i < len && (is_alnum(s[i]) || strchr("+-.", s[i])); i++)
			 /* void */ ;
		if (!is_alnum(s[0]) || (s[0] >= '0' && s[0] <= '9') || i == len
		    || s[i] != ':') {
			mtasts_why(why, whylen, "rua URI \"%s\": not a URI (no"
				   " scheme)", show);
			return (-1);
		}
		if (out->nskipped++ == 0)
			mtasts_why(out->skipped, sizeof(out->skipped), "%s: scheme not"
				   " supported (only mailto: and https:)", show);
		return (0);
	}
	out->n++;
	return (1);
bad:
	mtasts_why(why, whylen, "rua URI \"%s\": %s", show, err);
	return (-1);
}

/* mtasts_tlsrpt_record_parse - one TLSRPT record */

enum mtasts_status
mtasts_tlsrpt_record_parse(const char *rec, size_t len,
			   struct mtasts_tlsrpt_rua *out, char *why,
			   size_t whylen)
{
	const char *p, *end = rec + len, *f, *fe, *eq, *u, *ue;
	char	show[SHOW_MAX];
	int	rua = 0;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(VERSION_TAG) - 1
	    || memcmp(rec, VERSION_TAG, sizeof(VERSION_TAG) - 1) != 0) {
		mtasts_why(why, whylen, "record does not begin with \"%s\"", VERSION_TAG);
		return (MTASTS_PERM);
	}
	p = rec + sizeof(VERSION_TAG) - 1;
	while (p < end) {
		/* field-delim = *WSP ";" *WSP */
		while (p < end && is_wsp(*p))
			p++;
		if (p == end)
			break;
		if (*p++ != ';') {
			mtasts_why(why, whylen, "expected ';' after a field");
			return (MTASTS_PERM);
		}
		while (p < end && is_wsp(*p))
			p++;
		if (p == end)
			break;
		for (f = p; p < end && *p != ';' && !is_wsp(*p); p++)
			 /* void */ ;
		fe = p;
		if ((eq = memchr(f, '=', (size_t) (fe - f))) == NULL) {
			mtasts_why(why, whylen, "field \"%s\" is not name=value",
				   mtasts_sanitize(f, (size_t) (fe - f), show, sizeof(show)));
			return (MTASTS_PERM);
		}
		if (eq - f == 3 && memcmp(f, "rua", 3) == 0) {
			if (rua++) {
				mtasts_why(why, whylen, "rua given twice");
				return (MTASTS_PERM);
			}
			/* rua = uri *(*WSP "," *WSP uri): blanks may surround commas. */
			u = eq + 1;
			for (;;) {
				for (ue = u; ue < end && *ue != ',' && *ue != ';'
				     && !is_wsp(*ue); ue++)
					 /* void */ ;
				if (one_uri(out, u, (size_t) (ue - u), why, whylen) < 0)
					return (MTASTS_PERM);
				for (p = ue; p < end && is_wsp(*p); p++)
					 /* void */ ;
				if (p == end || *p != ',')
					break;
				for (u = p + 1; u < end && is_wsp(*u); u++)
					 /* void */ ;
			}
			continue;
		}
		if (!ext_name_ok(f, (size_t) (eq - f))
		    || !ext_value_ok(eq + 1, (size_t) (fe - eq - 1))) {
			mtasts_why(why, whylen, "bad extension field \"%s\"",
				   mtasts_sanitize(f, (size_t) (fe - f), show, sizeof(show)));
			return (MTASTS_PERM);
		}
	}
	if (!rua) {
		mtasts_why(why, whylen, "no rua field");
		return (MTASTS_PERM);
	}
	if (out->n == 0) {
		mtasts_why(why, whylen, "no usable rua URI: %s", out->skipped);
		return (MTASTS_PERM);
	}
	return (MTASTS_OK);
}

/* mtasts_tlsrpt_record_select - the one TLSRPT record of a TXT RRset */

enum mtasts_status
mtasts_tlsrpt_record_select(const char *const *recs, const size_t *lens,
			    size_t n, struct mtasts_tlsrpt_rua *out,
			    char *why, size_t whylen)
{
	static const char tag[] = VERSION_TAG ";";
	size_t	i, found = 0, which = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		if (lens[i] >= sizeof(tag) - 1
		    && memcmp(recs[i], tag, sizeof(tag) - 1) == 0) {
			found++;
			which = i;
		}
	}
	if (found == 0) {
		mtasts_why(why, whylen, "no record beginning \"%s\"", tag);
		return (MTASTS_NONE);
	}
	if (found > 1) {
		mtasts_why(why, whylen, "%zu records beginning \"%s\" (RFC 8460 3:"
			   " then the domain does not take reports)", found, tag);
		return (MTASTS_NONE);
	}
	return (mtasts_tlsrpt_record_parse(recs[which], lens[which], out, why,
					   whylen));
}
