/*++
 * NAME
 *	dns_name 3
 * SUMMARY
 *	DNS names: a caller's name checked, wire-form names compared and
 *	converted
 * SYNOPSIS
 *	#include "dns_int.h"
 * DESCRIPTION
 *	The name handling every DNS lookup and reply reader shares (see
 *	dns_int.h): mtasts_dns_name_check() builds the query name from a
 *	caller's; mtasts_dns_wire_name() turns that into wire form for the
 *	question check; mtasts_dns_wire_eq() compares wire names without
 *	case; mtasts_dns_wire_host() turns a wire name from a reply into a
 *	host name, or refuses.
 * SECURITY
 *	Wire names come from the network: lengths are checked against the
 *	bindata before a byte is read, only plain host names (letters,
 *	digits, '-', '_') become text, and case folding is ASCII only,
 *	whatever the locale.
 *--*/
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <getdns/getdns.h>

#include <mtasts/limits.h>
#include <mtasts/status.h>

#include "dns_int.h"

/* dns_lower - ASCII lower case, whatever the locale */

static unsigned char
dns_lower(unsigned char c)
{
	return ((c >= 'A' && c <= 'Z') ? (unsigned char) (c - 'A' + 'a') : c);
}

/* dns_host_char - may c appear in a host name label here? */

static int
dns_host_char(unsigned char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		|| (c >= '0' && c <= '9') || c == '-' || c == '_');
}

/* mtasts_dns_name_check - validate a caller's name, build the query name */

enum mtasts_status
mtasts_dns_name_check(const char *prefix, const char *name, char *out,
		              size_t outlen, char *why, size_t whylen)
{
	char	shown[MTASTS_PEER_TEXT_MAX];
	size_t	len, i, label = 0;
	int	n;

	if (name == NULL || *name == 0) {
		mtasts_why(why, whylen, "empty domain name");
		return (MTASTS_PERM);
	}
	len = strlen(name);
	(void) mtasts_sanitize(name, len, shown, sizeof(shown));
	for (i = 0; i < len; i++) {
		if ((unsigned char) name[i] >= 0x80) {
			/* IDNs arrive here as A-labels; a U-label is a caller bug. */
			mtasts_why(why, whylen, "domain name \"%s\" is not ASCII:"
				   " use its A-label (xn--) form", shown);
			return (MTASTS_PERM);
		}
	}
	if (name[len - 1] == '.')
		len--;
	if (len == 0 || len > MTASTS_DOMAIN_MAX) {
		mtasts_why(why, whylen, "domain name \"%s\": bad length", shown);
		return (MTASTS_PERM);
	}
	for (i = 0; i < len; i++) {
		if (name[i] == '.') {
			if (label == 0)
				break;
			label = 0;
		} else if (!dns_host_char((unsigned char) name[i])
			   || ++label > MTASTS_LABEL_MAX) {
			break;
		}
	}

	/*
	 * getdns reads presentation format: a backslash or a stray dot would
	 * change which name is asked, so only plain host names get through.
	 */
	if (i < len || label == 0) {
		mtasts_why(why, whylen, "domain name \"%s\" is not a host name",
			   shown);
		return (MTASTS_PERM);
	}
	n = snprintf(out, outlen, "%s%.*s.", prefix, (int) len, name);
	if (n < 0 || (size_t) n >= outlen
	    || (size_t) n - 1 > MTASTS_DOMAIN_MAX) {
		mtasts_why(why, whylen, "domain name \"%s\": too long for %s",
			   shown, prefix);
		return (MTASTS_PERM);
	}
	return (MTASTS_OK);
}

/* mtasts_dns_wire_eq - same wire-format name, ASCII case ignored */

int
mtasts_dns_wire_eq(const getdns_bindata *a, const getdns_bindata *b)
{
	size_t	i;

	/* Length octets are < 64, below 'A', so lower-casing leaves them. */
	if (a->size != b->size)
		return (0);
	for (i = 0; i < a->size; i++)
		if (dns_lower(a->data[i]) != dns_lower(b->data[i]))
			return (0);
	return (1);
}

/* mtasts_dns_wire_name - absolute host name ("a.b.") to wire form; -1 if not */

int
mtasts_dns_wire_name(const char *name, unsigned char *out, size_t outlen,
	          size_t *outsize)
{
	size_t	o = 0, len;
	const char *dot;

	/* Names reach here through mtasts_dns_name_check(): plain labels. */
	while (*name != 0) {
		dot = strchr(name, '.');
		len = dot != NULL ? (size_t) (dot - name) : strlen(name);
		if (len == 0 || len > MTASTS_LABEL_MAX || o + 1 + len + 1 > outlen)
			return (-1);
		out[o++] = (unsigned char) len;
		memcpy(out + o, name, len);
		o += len;
		name += len;
		if (*name == '.')
			name++;
	}
	out[o++] = 0;
	*outsize = o;
	return (0);
}

/* mtasts_dns_wire_host - wire name to lower-case host name; -1 if not one */

int
mtasts_dns_wire_host(const getdns_bindata *w, char *out, size_t outlen)
{
	size_t	i = 0, o = 0, len, end;

	while (i < w->size) {
		len = w->data[i++];
		if (len == 0)
			break;
		end = i + len;
		if (len > MTASTS_LABEL_MAX || end > w->size)
			return (-1);
		if (o > 0) {
			if (o + 1 >= outlen)
				return (-1);
			out[o++] = '.';
		}
		for (; i < end; i++) {
			if (!dns_host_char(w->data[i]) || o + 1 >= outlen)
				return (-1);
			out[o++] = (char) dns_lower(w->data[i]);
		}
	}
	/* Exactly one root label, at the very end; the root alone is no host. */
	if (i != w->size || w->size == 0 || w->data[w->size - 1] != 0
	    || o == 0 || o > MTASTS_DOMAIN_MAX)
		return (-1);
	out[o] = 0;
	return (0);
}
