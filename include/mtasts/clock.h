/*++
 * NAME
 *	clock 3h
 * SUMMARY
 *	the one clock of mtasts, settable by tests
 * DESCRIPTION
 *	Every expiry and refresh decision reads mtasts_now(), so tests can
 *	move time without sleeping. mtasts_clock_set(0) returns to the real
 *	clock. Programs (not the library) may call mtasts_clock_from_env()
 *	to honour MTASTS_NOW=<unix seconds> for the test harness.
 *	Not thread-safe to set while other threads read it; set it once at
 *	start-up.
 *--*/
#ifndef MTASTS_CLOCK_H
#define MTASTS_CLOCK_H

#include <time.h>

time_t	mtasts_now(void);
void	mtasts_clock_set(time_t fixed);
/* mtasts_clock_from_env - honour MTASTS_NOW; returns -1 if it is malformed */
int	mtasts_clock_from_env(void);

#endif
