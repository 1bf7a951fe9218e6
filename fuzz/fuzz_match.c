/*++
 * NAME
 *	fuzz_match 1
 * SUMMARY
 *	libFuzzer target: RFC 8461 4.1 MX host matching
 * DESCRIPTION
 *	The input is "pattern LF host" (no LF: all pattern, empty host).
 *	Aborts when a result is not 0 or 1 or a match is found for a host
 *	that is not a valid name; memory errors are ASan's. Run by
 *	tests/fuzz-run.sh.
 *--*/
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mtasts/domain.h>
#include <mtasts/match.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* LLVMFuzzerTestOneInput - one input */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char   *buf, *host, *nl;
	int	r;

	/* Exactly size + 1 bytes, so ASan sees any read past the string. */
	if ((buf = malloc(size + 1)) == NULL)
		return (0);
	memcpy(buf, data, size);
	buf[size] = 0;
	if ((nl = memchr(buf, '\n', size)) != NULL) {
		*nl = 0;
		host = nl + 1;
	} else
		host = buf + size;
	r = mtasts_mx_match(buf, host);
	if ((r != 0 && r != 1) || (r == 1 && !mtasts_domain_valid(host)))
		abort();
	free(buf);
	return (0);
}
