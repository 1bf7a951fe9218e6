/*++
 * NAME
 *	status 3h
 * SUMMARY
 *	the one result type that crosses every layer of mtasts
 * SYNOPSIS
 *	#include <mtasts/status.h>
 * DESCRIPTION
 *	Every core function that can fail returns an enum mtasts_status and,
 *	when the caller passes a buffer, a printable reason. Each adapter maps
 *	the four values exactly once into its MTA's vocabulary (socketmap
 *	OK/NOTFOUND/TEMP/PERM, Exim OK/DEFER/FAIL, milter SMFIS_*).
 *
 *	MTASTS_OK	the answer is there
 *	MTASTS_NONE	there is nothing (no record, no policy): not an error
 *	MTASTS_TEMP	could not tell now; try again later (mail is deferred
 *			or, where RFC 8461 says so, treated as "no policy")
 *	MTASTS_PERM	the input is wrong and retrying will not help
 * REASONS
 *	Functions take (char *why, size_t whylen); why may be NULL. The text
 *	written there is NUL-terminated, printable ASCII and truncated to fit;
 *	any peer-supplied text in it has gone through mtasts_sanitize().
 *--*/
#ifndef MTASTS_STATUS_H
#define MTASTS_STATUS_H

#include <stddef.h>

enum mtasts_status {
	MTASTS_OK = 0,
	MTASTS_NONE = 1,
	MTASTS_TEMP = 2,
	MTASTS_PERM = 3
};

/* mtasts_status_str - "ok", "none", "temp" or "perm" (static storage) */
const char *mtasts_status_str(enum mtasts_status);

/* mtasts_why - format a reason into why[whylen]; safe with why == NULL */
void	mtasts_why(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * mtasts_sanitize - copy peer text for logging: bytes outside printable
 * ASCII become '?', the result is cut to outlen - 1 and ends in "..." when
 * cut. Returns out. out must hold at least 4 bytes.
 */
char   *mtasts_sanitize(const char *in, size_t inlen, char *out, size_t outlen);

#endif
