/*++
 * NAME
 *	fuzz_netstring 1
 * SUMMARY
 *	libFuzzer target: netstring framing (the socketmap input)
 * DESCRIPTION
 *	The input is a byte stream as a socketmap client may send it; the
 *	first byte, when present, picks max (0..255, or the 10000-byte
 *	query limit when it is 255) and the rest is parsed netstring by
 *	netstring until the parser stops. Aborts when a netstring's
 *	offsets are inconsistent (payload past the end, no ',' after it,
 *	over max), when a strict prefix of a whole netstring is not
 *	"need more", when a reason is not printable, or when
 *	mtasts_netstring_put() of the payload does not parse back to the
 *	same payload; memory errors are ASan's. Run by tests/fuzz-run.sh.
 *--*/
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mtasts/buf.h>
#include <mtasts/limits.h>
#include <mtasts/netstring.h>
#include <mtasts/status.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* check_why - reasons reach logs: printable ASCII only */

static void
check_why(const char *why)
{
	for (; *why; why++)
		if ((unsigned char) *why < 0x20 || (unsigned char) *why > 0x7e)
			abort();
}

/* roundtrip - put the payload, parse it back */

static void
roundtrip(const char *p, size_t len, size_t max)
{
	struct mtasts_buf b = {0};
	char	why[MTASTS_REASON_MAX];
	size_t	start, plen, used;

	mtasts_netstring_put(&b, p, len);
	if (b.oom)
		goto out;
	if (mtasts_netstring_parse(b.data, b.len, max, &start, &plen, &used,
				   why, sizeof(why)) != MTASTS_OK
	    || plen != len || used != b.len || memcmp(b.data + start, p, len) != 0)
		abort();
out:
	mtasts_buf_free(&b);
}

/* LLVMFuzzerTestOneInput - one input */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	why[MTASTS_REASON_MAX], why2[MTASTS_REASON_MAX];
	const char *buf;
	size_t	max, len, off = 0, start, plen, used, s2, p2, u2;
	enum mtasts_status st;

	if (size == 0)
		return (0);
	max = data[0] == 255 ? MTASTS_SOCKETMAP_QUERY_MAX : data[0];
	buf = (const char *) data + 1;
	len = size - 1;
	for (;;) {
		why[0] = 0;
		st = mtasts_netstring_parse(buf + off, len - off, max, &start, &plen,
					    &used, why, sizeof(why));
		if (st == MTASTS_PERM) {
			if (why[0] == 0)
				abort();
			check_why(why);
			break;
		}
		if (st == MTASTS_NONE)
			break;
		if (st != MTASTS_OK || used > len - off || plen > max
		    || start + plen + 1 != used || buf[off + used - 1] != ',')
			abort();
		/* Every strict prefix of a whole netstring is "need more". */
		if (mtasts_netstring_parse(buf + off, used - 1, max, &s2, &p2, &u2,
					   why2, sizeof(why2)) != MTASTS_NONE
		    || mtasts_netstring_parse(buf + off, start, max, &s2, &p2, &u2,
					      why2, sizeof(why2)) != MTASTS_NONE)
			abort();
		roundtrip(buf + off + start, plen, max);
		off += used;
	}
	return (0);
}
