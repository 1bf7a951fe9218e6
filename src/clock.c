/*++
 * NAME
 *	clock 3
 * SUMMARY
 *	the one clock of mtasts, settable by tests
 * DESCRIPTION
 *	See clock.h. The fixed time is process-wide on purpose: expiry in the
 *	cache, refresh in the store and timestamps in the audit log must all
 *	agree on what "now" is.
 *--*/
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include <mtasts/clock.h>

static time_t fixed_now;

/* mtasts_now - current time, or the time a test fixed */

time_t
mtasts_now(void)
{
	return (fixed_now ? fixed_now : time(NULL));
}

/* mtasts_clock_set - fix the clock (0 = real time) */

void
mtasts_clock_set(time_t fixed)
{
	fixed_now = fixed;
}

/* mtasts_clock_from_env - MTASTS_NOW=<unix seconds> for the harness */

int
mtasts_clock_from_env(void)
{
	const char *s = getenv("MTASTS_NOW");
	char   *end;
	long long v;

	if (s == NULL || *s == 0)
		return (0);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v <= 0)
		return (-1);
	mtasts_clock_set((time_t) v);
	return (0);
}
