/*++
 * NAME
 *	fuzz_txt 1
 * SUMMARY
 *	libFuzzer target: RFC 8461 3.1 TXT record parsing and selection
 * DESCRIPTION
 *	The whole input is parsed as one TXT record; then it is split at
 *	LF into up to FUZZ_TXT_RECORDS records for the selection rule.
 *	Besides memory errors (ASan/UBSan), it aborts when an ok answer
 *	carries an empty id or the two functions disagree on one record.
 *	Run by tests/fuzz-run.sh.
 *--*/
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mtasts/limits.h>
#include <mtasts/txt.h>

/* One more than MTASTS_TXT_RECORDS_MAX, so the limit itself is reached. */
#define FUZZ_TXT_RECORDS	(MTASTS_TXT_RECORDS_MAX + 1)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* LLVMFuzzerTestOneInput - one input */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *) data, *recs[FUZZ_TXT_RECORDS];
	size_t	lens[FUZZ_TXT_RECORDS], n = 0, i, start = 0;
	char	why[MTASTS_REASON_MAX];
	struct mtasts_txt t, t2;
	enum mtasts_status st, st2;

	st = mtasts_txt_parse(buf, size, &t, why, sizeof(why));
	if (st == MTASTS_OK && t.id[0] == 0)
		abort();
	recs[0] = buf;
	lens[0] = size;
	st2 = mtasts_txt_select(recs, lens, 1, &t2, why, sizeof(why));
	if ((st == MTASTS_OK) != (st2 == MTASTS_OK)
	    || (st == MTASTS_OK && strcmp(t.id, t2.id) != 0))
		abort();
	for (i = 0; i <= size && n < FUZZ_TXT_RECORDS; i++) {
		if (i == size || buf[i] == '\n') {
			recs[n] = buf + start;
			lens[n++] = i - start;
			start = i + 1;
		}
	}
	if (mtasts_txt_select(recs, lens, n, &t, why, sizeof(why)) == MTASTS_OK && t.id[0] == 0)
		abort();
	return (0);
}
