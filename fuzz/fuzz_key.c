/*++
 * NAME
 *	fuzz_key 1
 * SUMMARY
 *	libFuzzer target: lookup-key normalisation
 * DESCRIPTION
 *	The input, cut at its first NUL, is a lookup key as an MTA sends
 *	it. Aborts when an ok domain is not valid or does not normalise to
 *	itself, or when a failure leaves output behind; memory errors are
 *	ASan's. Run by tests/fuzz-run.sh.
 *--*/
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mtasts/domain.h>
#include <mtasts/limits.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* LLVMFuzzerTestOneInput - one input */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	out[MTASTS_DOMAIN_MAX + 1], out2[MTASTS_DOMAIN_MAX + 1];
	char	why[MTASTS_REASON_MAX], *key;
	enum mtasts_status st;

	if ((key = malloc(size + 1)) == NULL)
		return (0);
	memcpy(key, data, size);
	key[size] = 0;
	st = mtasts_key_normalize(key, out, sizeof(out), why, sizeof(why));
	if (st == MTASTS_OK) {
		if (!mtasts_domain_valid(out)
		    || mtasts_key_normalize(out, out2, sizeof(out2), why, sizeof(why)) != MTASTS_OK
		    || strcmp(out, out2) != 0)
			abort();
	} else if (out[0] != 0)
		abort();
	free(key);
	return (0);
}
