/*++
 * NAME
 *	netstring 3
 * SUMMARY
 *	netstring framing: parse the first netstring of a buffer, append one
 * DESCRIPTION
 *	See netstring.h. D. J. Bernstein's definition: "<len>:<payload>,",
 *	len a non-empty run of decimal digits that begins with '0' only
 *	when the payload is empty.
 * SECURITY
 *	Input comes straight from a socket peer. The length is compared
 *	with max before each further digit is taken, so no arithmetic can
 *	overflow whatever the digits say; every path that returns
 *	MTASTS_OK has checked the ',' after exactly len payload bytes.
 *--*/
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <mtasts/buf.h>
#include <mtasts/netstring.h>
#include <mtasts/status.h>

/* mtasts_netstring_parse - the first netstring of buf[0..len) */

enum mtasts_status
mtasts_netstring_parse(const char *buf, size_t len, size_t max,
		       size_t *start, size_t *plen, size_t *used,
		       char *why, size_t whylen)
{
	size_t	i, n = 0;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char) buf[i];
		if (c == ':')
			break;
		if (c < '0' || c > '9') {
			mtasts_why(why, whylen, "netstring length: byte 0x%02x "
				   "is not a digit", c);
			return (MTASTS_PERM);
		}
		/* "0:," is the only length that may start with '0'. */
		if (i == 1 && buf[0] == '0') {
			mtasts_why(why, whylen, "netstring length has a leading zero");
			return (MTASTS_PERM);
		}
		/* n * 10 + d > max, written so that nothing can overflow. */
		if ((size_t) (c - '0') > max || n > (max - (size_t) (c - '0')) / 10) {
			mtasts_why(why, whylen, "netstring longer than %zu bytes", max);
			return (MTASTS_PERM);
		}
		n = n * 10 + (size_t) (c - '0');
	}
	if (i == len)
		return (MTASTS_NONE);
	if (i == 0) {
		mtasts_why(why, whylen, "netstring without a length");
		return (MTASTS_PERM);
	}
	/* i is the ':'; the payload is buf[i + 1 .. i + 1 + n), then ','. */
	if (len - (i + 1) < n + 1)
		return (MTASTS_NONE);
	if (buf[i + 1 + n] != ',') {
		mtasts_why(why, whylen, "netstring of %zu bytes not followed by ','", n);
		return (MTASTS_PERM);
	}
	*start = i + 1;
	*plen = n;
	*used = i + 2 + n;
	return (MTASTS_OK);
}

/* mtasts_netstring_put - append payload as a netstring */

void
mtasts_netstring_put(struct mtasts_buf *b, const char *payload, size_t len)
{
	mtasts_buf_printf(b, "%zu:", len);
	mtasts_buf_append(b, payload, len);
	mtasts_buf_append(b, ",", 1);
}
