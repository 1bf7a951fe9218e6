/*++
 * NAME
 *	tlsrpt_mime 3
 * SUMMARY
 *	gzip, base64 and the RFC 8460 5.3 report message (pure)
 * SYNOPSIS
 *	#include <mtasts/tlsrpt.h>
 * DESCRIPTION
 *	mtasts_tlsrpt_gzip() compresses with zlib into the gzip format
 *	(RFC 1952, as RFC 8460 5.2 asks); the header carries no time or
 *	name, so one report always compresses to the same bytes.
 *
 *	mtasts_tlsrpt_message() writes the mail a sendmail-compatible
 *	program takes on its standard input (LF line ends): From, To,
 *	Date, the Subject of 5.3 ("Report Domain: D Submitter: S
 *	Report-ID: <ID>", folded), TLS-Report-Domain, TLS-Report-Submitter,
 *	MIME-Version and Content-Type multipart/report with
 *	report-type="tlsrpt"; a text/plain part saying what the report is,
 *	then the report as application/tlsrpt+gzip, base64, named by its
 *	5.1 file name. The MTA adds Message-ID, and must DKIM-sign the
 *	message for the From domain (5.3.1): receivers may drop unsigned
 *	reports.
 * SECURITY
 *	Every header value is built from checked names (host names, the
 *	configured From, a mailto: address that was checked as plain
 *	local@domain); a CR or LF in any of them is refused rather than
 *	written, so no header can be injected.
 *--*/
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include <mtasts/buf.h>
#include <mtasts/tlsrpt.h>

/* Base64 line length, RFC 2045 6.8. */
#define B64_LINE	76

/* mtasts_tlsrpt_gzip - gzip data into out */

enum mtasts_status
mtasts_tlsrpt_gzip(const char *data, size_t len, struct mtasts_buf *out,
		   char *why, size_t whylen)
{
	z_stream zs;
	unsigned char *tmp;
	uLong	bound;
	int	rc;

	memset(&zs, 0, sizeof(zs));
	/* 15 + 16: a gzip header and trailer instead of zlib's. */
	if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		mtasts_why(why, whylen, "gzip: cannot initialise zlib");
		return (MTASTS_TEMP);
	}
	bound = deflateBound(&zs, (uLong) len);
	if (len > (size_t) UINT32_MAX / 2 || (tmp = malloc(bound)) == NULL) {
		deflateEnd(&zs);
		mtasts_why(why, whylen, "gzip: out of memory");
		return (MTASTS_TEMP);
	}
	zs.next_in = (unsigned char *) data;
	zs.avail_in = (uInt) len;
	zs.next_out = tmp;
	zs.avail_out = (uInt) bound;
	rc = deflate(&zs, Z_FINISH);
	if (rc == Z_STREAM_END)
		mtasts_buf_append(out, (const char *) tmp, zs.total_out);
	deflateEnd(&zs);
	free(tmp);
	if (rc != Z_STREAM_END || out->oom) {
		mtasts_why(why, whylen, "gzip: %s", rc != Z_STREAM_END ?
			   "compression failed" : "out of memory");
		return (MTASTS_TEMP);
	}
	return (MTASTS_OK);
}

/* mtasts_tlsrpt_base64 - base64 in lines of 76 */

void
mtasts_tlsrpt_base64(const unsigned char *d, size_t len, struct mtasts_buf *out)
{
	static const char tab[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char	quad[4];
	size_t	i, col = 0;
	unsigned long v;

	for (i = 0; i < len; i += 3) {
		v = (unsigned long) d[i] << 16;
		if (i + 1 < len)
			v |= (unsigned long) d[i + 1] << 8;
		if (i + 2 < len)
			v |= d[i + 2];
		quad[0] = tab[(v >> 18) & 63];
		quad[1] = tab[(v >> 12) & 63];
		quad[2] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		quad[3] = i + 2 < len ? tab[v & 63] : '=';
		mtasts_buf_append(out, quad, 4);
		if ((col += 4) >= B64_LINE) {
			mtasts_buf_puts(out, "\n");
			col = 0;
		}
	}
	if (col)
		mtasts_buf_puts(out, "\n");
}

/* clean - no CR, LF or other control byte that could end a header */

static int
clean(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char) *s < 0x20 || *s == 0x7f)
			return (0);
	return (s != NULL);
}

/* rfc5322_date - "Mon, 30 Nov 2026 08:27:31 +0000", locale-independent */

static void
rfc5322_date(time_t t, struct mtasts_buf *out)
{
	static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu",
	"Fri", "Sat"};
	static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May",
	"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	mtasts_buf_printf(out, "%s, %d %s %d %02d:%02d:%02d +0000",
			  wd[tm.tm_wday % 7], tm.tm_mday, mo[tm.tm_mon % 12],
			  tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* mtasts_tlsrpt_message - the multipart/report message */

enum mtasts_status
mtasts_tlsrpt_message(const struct mtasts_tlsrpt_mail *m,
		      struct mtasts_buf *out, char *why, size_t whylen)
{
	char	day[16], boundary[64];

	if (!clean(m->from) || !clean(m->to) || !clean(m->domain)
	    || !clean(m->submitter) || !clean(m->report_id)
	    || !clean(m->filename) || strchr(m->filename, '"')) {
		mtasts_why(why, whylen, "report message: a header value is missing"
			   " or holds control characters");
		return (MTASTS_PERM);
	}
	mtasts_tlsrpt_day(m->start, day, sizeof(day));
	/* "=_" cannot occur in base64 or in the text part: a safe boundary. */
	(void) snprintf(boundary, sizeof(boundary), "=_mtasts_tlsrpt_%s_=", day);
	mtasts_buf_printf(out, "From: %s\nTo: %s\nDate: ", m->from, m->to);
	rfc5322_date(m->date, out);
	mtasts_buf_printf(out, "\nSubject: Report Domain: %s\n Submitter: %s\n"
			  " Report-ID: <%s>\n", m->domain, m->submitter, m->report_id);
	mtasts_buf_printf(out, "TLS-Report-Domain: %s\nTLS-Report-Submitter: %s\n",
			  m->domain, m->submitter);
	mtasts_buf_printf(out, "MIME-Version: 1.0\nContent-Type: multipart/report;"
			  " report-type=\"tlsrpt\";\n boundary=\"%s\"\n\n", boundary);
	mtasts_buf_puts(out, "This is a multipart message in MIME format.\n\n");
	mtasts_buf_printf(out, "--%s\nContent-Type: text/plain; charset=\"us-ascii\"\n"
			  "Content-Transfer-Encoding: 7bit\n\n"
			  "This is an aggregate TLS report (RFC 8460) from %s\n"
			  "for the policy domain %s, covering %s (UTC).\n\n",
			  boundary, m->submitter, m->domain, day);
	mtasts_buf_printf(out, "--%s\nContent-Type: application/tlsrpt+gzip\n"
			  "Content-Transfer-Encoding: base64\n"
			  "Content-Disposition: attachment;\n filename=\"%s\"\n\n",
			  boundary, m->filename);
	mtasts_tlsrpt_base64(m->gz, m->gzlen, out);
	mtasts_buf_printf(out, "\n--%s--\n", boundary);
	if (out->oom) {
		mtasts_why(why, whylen, "report message: out of memory");
		return (MTASTS_TEMP);
	}
	return (MTASTS_OK);
}
