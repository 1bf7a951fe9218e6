/*++
 * NAME
 *	fuzz_policy 1
 * SUMMARY
 *	libFuzzer target: RFC 8461 3.2 policy body parsing
 * DESCRIPTION
 *	Parses the input as a policy body; on success prints it as JSON
 *	and checks what the parser promises: limits hold, and mx is needed
 *	unless the mode is none. Aborts on a broken promise; memory errors
 *	are ASan's. Run by tests/fuzz-run.sh.
 *--*/
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mtasts/buf.h>
#include <mtasts/limits.h>
#include <mtasts/match.h>
#include <mtasts/policy.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* LLVMFuzzerTestOneInput - one input */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mtasts_policy *p = NULL;
	struct mtasts_buf b = {0};
	char	why[MTASTS_REASON_MAX];
	size_t	i;

	if (mtasts_policy_parse((const char *) data, size, &p, why, sizeof(why)) != MTASTS_OK) {
		if (p != NULL)
			abort();
		return (0);
	}
	if (p == NULL || p->max_age > MTASTS_MAX_AGE_MAX || p->nmx > MTASTS_POLICY_MX_MAX
	    || (p->mode != MTASTS_MODE_NONE && p->nmx == 0))
		abort();
	for (i = 0; i < p->nmx; i++)
		if (p->mx[i][0] == 0 || (p->mx[i][0] != '*' && !mtasts_mx_match(p->mx[i], p->mx[i])))
			abort();
	mtasts_policy_json(&b, p);
	if (!b.oom && strncmp(b.data, "{\"version\":\"STSv1\"", 18) != 0)
		abort();
	mtasts_buf_free(&b);
	mtasts_policy_free(p);
	return (0);
}
