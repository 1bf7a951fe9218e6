/*++
 * NAME
 *	http_policy 3
 * SUMMARY
 *	RFC 8461 3.3 rules for the HTTP response carrying a policy (pure)
 * SYNOPSIS
 *	#include <mtasts/http.h>
 * DESCRIPTION
 *	mtasts_http_check_policy() judges a response head that src/http.c
 *	parsed, through its public accessors only: the parser knows HTTP,
 *	this file knows what MTA-STS asks of it. See http.h.
 * SECURITY
 *	A redirect is refused, never followed (RFC 8461 3.3): following it
 *	would let whoever controls the first host name the policy host. The
 *	Location is named in the reason only after mtasts_sanitize().
 *--*/
#include "config.h"

#include <string.h>

#include <mtasts/http.h>
#include <mtasts/limits.h>

#include "ascii.h"

/* is_text_plain - media type text/plain, any case, parameters allowed */

static int
is_text_plain(const char *v)
{
	static const char want[] = "text/plain";
	size_t	n;

	/* type "/" subtype, any case, then OWS and ";" parameters or the end. */
	for (n = 0; n < sizeof(want) - 1; n++)
		if (ascii_lower((unsigned char) v[n]) != want[n])
			return (0);
	while (v[n] == ' ' || v[n] == '\t')
		n++;
	return (v[n] == 0 || v[n] == ';');
}

/* mtasts_http_check_policy - RFC 8461 3.3 rules for the response head */

enum mtasts_status
mtasts_http_check_policy(const struct mtasts_http *h, char *why, size_t whylen)
{
	char	txt[MTASTS_PEER_TEXT_MAX];
	const char *v;
	int	status;

	if (!mtasts_http_head_done(h)) {
		mtasts_why(why, whylen, "incomplete HTTP response head");
		return (MTASTS_PERM);
	}
	status = mtasts_http_status(h);
	if (status >= 300 && status < 400) {
		/* RFC 8461 3.3: HTTP 3xx redirects MUST NOT be followed. */
		v = mtasts_http_header(h, "Location", 0);
		mtasts_why(why, whylen, "HTTP %d redirect to %s not followed",
			   status, v ? mtasts_sanitize(v, strlen(v), txt,
			   sizeof(txt)) : "(no Location)");
		return (MTASTS_PERM);
	}
	if (status != 200) {
		mtasts_why(why, whylen, "HTTP status %d", status);
		return (MTASTS_PERM);
	}
	if ((v = mtasts_http_header(h, "Content-Type", 0)) == NULL) {
		mtasts_why(why, whylen, "no Content-Type (text/plain required)");
		return (MTASTS_PERM);
	}
	if (mtasts_http_header(h, "Content-Type", 1) != NULL) {
		mtasts_why(why, whylen, "more than one Content-Type");
		return (MTASTS_PERM);
	}
	if (!is_text_plain(v)) {
		mtasts_why(why, whylen, "Content-Type \"%s\" is not text/plain",
			   mtasts_sanitize(v, strlen(v), txt, sizeof(txt)));
		return (MTASTS_PERM);
	}
	return (MTASTS_OK);
}
