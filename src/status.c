/*++
 * NAME
 *	status 3
 * SUMMARY
 *	status names, reason formatting, peer-text sanitising
 * SYNOPSIS
 *	#include <mtasts/status.h>
 * DESCRIPTION
 *	Small helpers every layer uses to report why something failed.
 * SECURITY
 *	mtasts_sanitize() is the one gate peer text passes before it reaches a
 *	log line or a reply: control characters could forge log records.
 *--*/
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mtasts/status.h>

/* mtasts_status_str - status name */

const char *
mtasts_status_str(enum mtasts_status s)
{
	switch (s) {
	case MTASTS_OK:
		return ("ok");
	case MTASTS_NONE:
		return ("none");
	case MTASTS_TEMP:
		return ("temp");
	case MTASTS_PERM:
		return ("perm");
	}
	return ("perm");
}

/* mtasts_why - format a reason, truncating */

void
mtasts_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	/* Truncation is acceptable for a reason; the buffer is always terminated. */
	(void) vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

/* mtasts_sanitize - make peer text printable and bounded */

char   *
mtasts_sanitize(const char *in, size_t inlen, char *out, size_t outlen)
{
	size_t	i, n = 0;
	int	cut = 0;

	if (outlen < 4) {
		if (outlen)
			out[0] = 0;
		return (out);
	}
	for (i = 0; i < inlen; i++) {
		unsigned char c = (unsigned char) in[i];

		if (n + 1 >= outlen) {
			cut = 1;
			break;
		}
		out[n++] = (c >= 0x20 && c < 0x7f) ? (char) c : '?';
	}
	if (cut)
		memcpy(out + outlen - 4, "...", 4);
	else
		out[n] = 0;
	return (out);
}
