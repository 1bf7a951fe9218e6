/*++
 * NAME
 *	http 3
 * SUMMARY
 *	incremental HTTP/1.1 response parser (pure: no I/O)
 * SYNOPSIS
 *	#include <mtasts/http.h>
 * DESCRIPTION
 *	A state machine over the bytes of one response; see http.h for the
 *	accepted grammar. Line-oriented parts (status line, headers, chunk
 *	sizes, trailers) are gathered in a fixed buffer of
 *	MTASTS_HTTP_LINE_MAX bytes; body bytes go straight to the body
 *	buffer, which never grows past body_max.
 * SECURITY
 *	Fails closed: anything that could let two parsers disagree on the
 *	framing (CL with TE, conflicting CL, bare CR, folded first line) is an
 *	error, because a policy body that ends early or late could change
 *	which MX hosts mail may go to.
 *--*/
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mtasts/http.h>
#include <mtasts/limits.h>

#include "ascii.h"

enum state {
	S_STATUS,			/* status line */
	S_HEADER,			/* header lines */
	S_BODY_LEN,			/* Content-Length body */
	S_CHUNK_SIZE,			/* chunk-size [ext] line */
	S_CHUNK_DATA,			/* chunk-data */
	S_CHUNK_END,			/* CRLF after chunk-data */
	S_TRAILER,			/* trailer lines after the last chunk */
	S_BODY_CLOSE,			/* body until the connection ends */
	S_DONE,
	S_ERROR
};

struct field {
	char   *name;
	char   *value;
};

struct mtasts_http {
	enum state state;
	size_t	body_max;
	char	line[MTASTS_HTTP_LINE_MAX + 1];
	size_t	linelen;
	size_t	headbytes;		/* head and trailer bytes so far */
	size_t	nlines;			/* header and trailer lines so far */
	int	ninterim;		/* 1xx responses skipped */
	int	status;			/* of the response being parsed */
	int	minor;			/* HTTP/1.minor */
	int	head_done;		/* final head parsed */
	int	got_bytes;		/* anything received at all */
	size_t	nfields;
	struct field *fields;
	size_t	remaining;		/* of Content-Length or chunk */
	char   *body;
	size_t	bodylen;
	size_t	bodycap;
	char	err[MTASTS_REASON_MAX];
};

/* fail - record the first error, enter S_ERROR */

static enum mtasts_status __attribute__((format(printf, 2, 3)))
fail(struct mtasts_http *h, const char *fmt, ...)
{
	va_list ap;

	if (h->state != S_ERROR) {
		va_start(ap, fmt);
		/* A cut reason is still a reason; it is always terminated. */
		(void) vsnprintf(h->err, sizeof(h->err), fmt, ap);
		va_end(ap);
		h->state = S_ERROR;
	}
	return (MTASTS_PERM);
}

/* ieq - compare len bytes of a with NUL-terminated b, ignoring case */

static int
ieq(const char *a, size_t len, const char *b)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (b[i] == 0 || ascii_lower((unsigned char) a[i]) != ascii_lower((unsigned char) b[i]))
			return (0);
	return (b[len] == 0);
}

/* is_tchar - RFC 9110 5.6.2 token character */

static int
is_tchar(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return (1);
	return (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* ctl_at - offset of the first control character but HTAB, or len */

static size_t
ctl_at(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (((unsigned char) s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			break;
	return (i);
}

/* is_ows - optional white space */

static int
is_ows(int c)
{
	return (c == ' ' || c == '\t');
}

/* hexdigit - value of a hex digit, or -1 */

static int
hexdigit(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	c = ascii_lower(c);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/* clear_fields - forget the headers of an interim or finished response */

static void
clear_fields(struct mtasts_http *h)
{
	size_t	i;

	for (i = 0; i < h->nfields; i++) {
		free(h->fields[i].name);
		free(h->fields[i].value);
	}
	free(h->fields);
	h->fields = NULL;
	h->nfields = 0;
}

/* mtasts_http_new - a parser for one response */

struct mtasts_http *
mtasts_http_new(size_t body_max)
{
	struct mtasts_http *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return (NULL);
	h->body_max = body_max ? body_max : MTASTS_POLICY_MAX;
	h->state = S_STATUS;
	return (h);
}

/* mtasts_http_free - release a parser */

void
mtasts_http_free(struct mtasts_http *h)
{
	if (h == NULL)
		return;
	clear_fields(h);
	free(h->body);
	free(h);
}

/* body_add - append body bytes, enforcing body_max */

static enum mtasts_status
body_add(struct mtasts_http *h, const char *p, size_t n)
{
	size_t	cap;
	char   *nb;

	if (n > h->body_max - h->bodylen)
		return (fail(h, "body exceeds %zu bytes", h->body_max));
	if (h->bodylen + n + 1 > h->bodycap) {
		cap = h->bodycap ? h->bodycap : 4096;
		while (cap < h->bodylen + n + 1)
			cap *= 2;
		/* body_max bounds cap: never allocate more than one spare byte. */
		if (cap > h->body_max + 1)
			cap = h->body_max + 1;
		if ((nb = realloc(h->body, cap)) == NULL)
			return (MTASTS_TEMP);
		h->body = nb;
		h->bodycap = cap;
	}
	memcpy(h->body + h->bodylen, p, n);
	h->bodylen += n;
	h->body[h->bodylen] = 0;
	return (MTASTS_OK);
}

/* parse_status - "HTTP/1.x NNN [reason]" */

static enum mtasts_status
parse_status(struct mtasts_http *h, const char *s, size_t len)
{
	char	txt[MTASTS_PEER_TEXT_MAX];

	if (len < 12 || memcmp(s, "HTTP/1.", 7) != 0
	    || s[7] < '0' || s[7] > '9' || s[8] != ' '
	    || s[9] < '1' || s[9] > '5' || s[10] < '0' || s[10] > '9'
	    || s[11] < '0' || s[11] > '9' || (len > 12 && s[12] != ' '))
		return (fail(h, "malformed status line \"%s\"",
			mtasts_sanitize(s, len, txt, sizeof(txt))));
	if (ctl_at(s, len) < len)
		return (fail(h, "control character in status line"));
	h->minor = s[7] - '0';
	h->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	h->state = S_HEADER;
	return (MTASTS_OK);
}

/* check_field - validate a header or trailer line; split name/value */

static enum mtasts_status
check_field(struct mtasts_http *h, char *s, size_t len, char **name,
	    size_t *namelen, char **value, size_t *valuelen)
{
	char	txt[MTASTS_PEER_TEXT_MAX];
	size_t	i, n, v, e;

	if ((i = ctl_at(s, len)) < len)
		return (fail(h, "control character 0x%02x in header line",
			     (unsigned) (unsigned char) s[i]));
	if (is_ows(s[0])) {
		*name = NULL;			/* obs-fold: continuation */
		for (v = 0; v < len && is_ows(s[v]); v++)
			continue;
	} else {
		for (n = 0; n < len && is_tchar((unsigned char) s[n]); n++)
			continue;
		if (n == 0 || n == len || s[n] != ':')
			return (fail(h, "malformed header line \"%s\"",
				mtasts_sanitize(s, len, txt, sizeof(txt))));
		*name = s;
		*namelen = n;
		for (v = n + 1; v < len && is_ows(s[v]); v++)
			continue;
	}
	for (e = len; e > v && is_ows(s[e - 1]); e--)
		continue;
	*value = s + v;
	*valuelen = e - v;
	return (MTASTS_OK);
}

/* parse_header - one header line of the current response */

static enum mtasts_status
parse_header(struct mtasts_http *h, char *s, size_t len)
{
	char   *name, *value, *nv;
	size_t	namelen = 0, valuelen, old;
	struct field *nf;

	if (check_field(h, s, len, &name, &namelen, &value, &valuelen) != MTASTS_OK)
		return (MTASTS_PERM);
	if (name == NULL) {
		/* RFC 9112 5.2: a user agent replaces obs-fold with SP. */
		if (h->nfields == 0)
			return (fail(h, "continuation line before any header"));
		if (valuelen == 0)
			return (MTASTS_OK);
		old = strlen(h->fields[h->nfields - 1].value);
		if ((nv = realloc(h->fields[h->nfields - 1].value,
				  old + valuelen + 2)) == NULL)
			return (MTASTS_TEMP);
		if (old)
			nv[old++] = ' ';
		memcpy(nv + old, value, valuelen);
		nv[old + valuelen] = 0;
		h->fields[h->nfields - 1].value = nv;
		return (MTASTS_OK);
	}
	if (++h->nlines > MTASTS_HTTP_HEADERS_MAX)
		return (fail(h, "more than %d header lines", MTASTS_HTTP_HEADERS_MAX));
	if ((nf = realloc(h->fields, (h->nfields + 1) * sizeof(*nf))) == NULL)
		return (MTASTS_TEMP);
	h->fields = nf;
	nf += h->nfields;
	if ((nf->name = strndup(name, namelen)) == NULL)
		return (MTASTS_TEMP);
	if ((nf->value = strndup(value, valuelen)) == NULL) {
		free(nf->name);
		return (MTASTS_TEMP);
	}
	h->nfields++;
	return (MTASTS_OK);
}

/*
 * parse_length - the Content-Length of the response: every field and
 * every comma-separated element must be the same decimal number (RFC 9112
 * 6.3 item 5). Returns 0 with *len, or -1 after fail().
 */

static int
parse_length(struct mtasts_http *h, size_t *len)
{
	char	txt[MTASTS_PEER_TEXT_MAX];
	const char *v, *p;
	unsigned long long val, first = 0;
	size_t	n, i;
	int	seen = 0, big;

	for (n = 0; (v = mtasts_http_header(h, "Content-Length", n)) != NULL; n++) {
		for (p = v;;) {
			while (is_ows(*p))
				p++;
			for (i = 0, val = 0, big = 0; p[i] >= '0' && p[i] <= '9'; i++) {
				/* Saturate: anything this large is over body_max. */
				if (val > (unsigned long long) -1 / 10 - 1)
					big = 1;
				else
					val = val * 10 + (unsigned) (p[i] - '0');
			}
			if (big)
				val = (unsigned long long) -1;
			if (i == 0) {
				fail(h, "invalid Content-Length \"%s\"",
				     mtasts_sanitize(v, strlen(v), txt, sizeof(txt)));
				return (-1);
			}
			if (seen && val != first) {
				fail(h, "conflicting Content-Length values");
				return (-1);
			}
			first = val;
			seen = 1;
			for (p += i; is_ows(*p); p++)
				continue;
			if (*p == 0)
				break;
			if (*p++ != ',') {
				fail(h, "invalid Content-Length \"%s\"",
				     mtasts_sanitize(v, strlen(v), txt, sizeof(txt)));
				return (-1);
			}
		}
	}
	if (first > h->body_max) {
		fail(h, "Content-Length %llu exceeds %zu bytes", first, h->body_max);
		return (-1);
	}
	*len = (size_t) first;
	return (0);
}

/* end_of_head - decide what follows the empty line after the headers */

static enum mtasts_status
end_of_head(struct mtasts_http *h)
{
	char	txt[MTASTS_PEER_TEXT_MAX];
	const char *te;
	size_t	len;

	if (h->status < 200) {
		if (h->status == 101)
			return (fail(h, "unexpected 101 Switching Protocols"));
		if (++h->ninterim > MTASTS_HTTP_INTERIM_MAX)
			return (fail(h, "more than %d interim 1xx responses",
				     MTASTS_HTTP_INTERIM_MAX));
		clear_fields(h);
		h->status = 0;
		h->state = S_STATUS;
		return (MTASTS_OK);
	}
	h->head_done = 1;
	te = mtasts_http_header(h, "Transfer-Encoding", 0);
	if (te != NULL) {
		if (mtasts_http_header(h, "Content-Length", 0) != NULL)
			return (fail(h, "both Content-Length and Transfer-Encoding"));
		if (h->minor == 0)
			return (fail(h, "Transfer-Encoding in an HTTP/1.0 response"));
		if (mtasts_http_header(h, "Transfer-Encoding", 1) != NULL
		    || !ieq(te, strlen(te), "chunked"))
			return (fail(h, "unsupported Transfer-Encoding \"%s\"",
				mtasts_sanitize(te, strlen(te), txt, sizeof(txt))));
	}
	if (h->status == 204 || h->status == 304) {
		h->state = S_DONE;
		return (MTASTS_OK);
	}
	if (te != NULL) {
		h->state = S_CHUNK_SIZE;
		return (MTASTS_OK);
	}
	if (mtasts_http_header(h, "Content-Length", 0) == NULL) {
		h->state = S_BODY_CLOSE;
		return (MTASTS_OK);
	}
	if (parse_length(h, &len) < 0)
		return (MTASTS_PERM);
	h->remaining = len;
	h->state = len ? S_BODY_LEN : S_DONE;
	return (MTASTS_OK);
}

/* parse_chunk_size - "HEX [BWS ; ext...]" */

static enum mtasts_status
parse_chunk_size(struct mtasts_http *h, const char *s, size_t len)
{
	char	txt[MTASTS_PEER_TEXT_MAX];
	size_t	i, val = 0;
	int	d;

	for (i = 0; i < len && (d = hexdigit((unsigned char) s[i])) >= 0; i++) {
		val = val * 16 + (size_t) d;
		/* Checked per digit, so val never exceeds 16 * body_max. */
		if (val > h->body_max - h->bodylen)
			return (fail(h, "chunked body exceeds %zu bytes", h->body_max));
	}
	if (i == 0)
		return (fail(h, "invalid chunk size \"%s\"",
			     mtasts_sanitize(s, len, txt, sizeof(txt))));
	while (i < len && is_ows(s[i]))
		i++;
	if (i < len && s[i] != ';')
		return (fail(h, "invalid chunk size \"%s\"",
			     mtasts_sanitize(s, len, txt, sizeof(txt))));
	if (ctl_at(s, len) < len)
		return (fail(h, "control character in chunk extension"));
	h->remaining = val;
	h->state = val ? S_CHUNK_DATA : S_TRAILER;
	return (MTASTS_OK);
}

/* parse_trailer - check a trailer line; trailers are not kept */

static enum mtasts_status
parse_trailer(struct mtasts_http *h, char *s, size_t len)
{
	char   *name, *value;
	size_t	namelen, valuelen;

	if (len == 0) {
		h->state = S_DONE;
		return (MTASTS_OK);
	}
	if (check_field(h, s, len, &name, &namelen, &value, &valuelen) != MTASTS_OK)
		return (MTASTS_PERM);
	if (++h->nlines > MTASTS_HTTP_HEADERS_MAX)
		return (fail(h, "more than %d header lines", MTASTS_HTTP_HEADERS_MAX));
	return (MTASTS_OK);
}

/* do_line - one complete line (terminator removed) in a line state */

static enum mtasts_status
do_line(struct mtasts_http *h, char *s, size_t len)
{
	/* RFC 9112 2.2: accept a bare LF, so drop one CR before it. */
	if (len > 0 && s[len - 1] == '\r')
		len--;
	s[len] = 0;
	if (memchr(s, '\r', len) != NULL)
		return (fail(h, "bare CR in line"));
	if (memchr(s, 0, len) != NULL)
		return (fail(h, "NUL in line"));
	switch (h->state) {
	case S_STATUS:
		return (parse_status(h, s, len));
	case S_HEADER:
		return (len == 0 ? end_of_head(h) : parse_header(h, s, len));
	case S_CHUNK_SIZE:
		return (parse_chunk_size(h, s, len));
	case S_CHUNK_END:
		if (len != 0)
			return (fail(h, "chunk data longer than its size"));
		h->state = S_CHUNK_SIZE;
		return (MTASTS_OK);
	case S_TRAILER:
		return (parse_trailer(h, s, len));
	default:
		return (fail(h, "internal error: line in state %d", (int) h->state));
	}
}

/* take_line - gather bytes of a line; process it when its LF arrives */

static enum mtasts_status
take_line(struct mtasts_http *h, const char *p, size_t n, size_t *used)
{
	const char *lf = memchr(p, '\n', n);
	size_t	take = lf ? (size_t) (lf - p) + 1 : n;
	size_t	content = lf ? take - 1 : take;

	*used = 0;
	if (content > MTASTS_HTTP_LINE_MAX - h->linelen)
		return (fail(h, "line longer than %d bytes", MTASTS_HTTP_LINE_MAX));
	if (h->state != S_CHUNK_SIZE && h->state != S_CHUNK_END) {
		if (take > MTASTS_HTTP_HEAD_MAX - h->headbytes)
			return (fail(h, "response head longer than %d bytes",
				     MTASTS_HTTP_HEAD_MAX));
		h->headbytes += take;
	}
	memcpy(h->line + h->linelen, p, content);
	h->linelen += content;
	*used = take;
	if (lf == NULL)
		return (MTASTS_OK);
	content = h->linelen;
	h->linelen = 0;
	return (do_line(h, h->line, content));
}

/* mtasts_http_feed - consume response bytes */

enum mtasts_status
mtasts_http_feed(struct mtasts_http *h, const char *data, size_t len,
		 size_t *used, char *why, size_t whylen)
{
	enum mtasts_status st = MTASTS_OK;
	size_t	i = 0, n;

	if (len > 0 && h->state != S_DONE)
		h->got_bytes = 1;
	while (i < len && st == MTASTS_OK && h->state != S_DONE
	       && h->state != S_ERROR) {
		n = 0;
		switch (h->state) {
		case S_BODY_LEN:
		case S_CHUNK_DATA:
			n = len - i < h->remaining ? len - i : h->remaining;
			st = body_add(h, data + i, n);
			h->remaining -= n;
			if (h->remaining == 0 && st == MTASTS_OK)
				h->state = h->state == S_BODY_LEN ? S_DONE : S_CHUNK_END;
			break;
		case S_BODY_CLOSE:
			n = len - i;
			st = body_add(h, data + i, n);
			break;
		default:
			st = take_line(h, data + i, len - i, &n);
			break;
		}
		i += n;
	}
	*used = i;
	if (st == MTASTS_TEMP) {
		mtasts_why(why, whylen, "out of memory");
		return (MTASTS_TEMP);
	}
	if (h->state == S_ERROR) {
		mtasts_why(why, whylen, "%s", h->err);
		return (MTASTS_PERM);
	}
	return (h->state == S_DONE ? MTASTS_OK : MTASTS_NONE);
}

/* mtasts_http_eof - the connection ended */

enum mtasts_status
mtasts_http_eof(struct mtasts_http *h, char *why, size_t whylen)
{
	switch (h->state) {
	case S_DONE:
		return (MTASTS_OK);
	case S_BODY_CLOSE:
		h->state = S_DONE;
		return (MTASTS_OK);
	case S_ERROR:
		break;
	case S_STATUS:
		if (!h->got_bytes) {
			fail(h, "connection closed before any response");
			break;
		}
		/* FALLTHROUGH */
	case S_HEADER:
		fail(h, "connection closed in the response head");
		break;
	case S_BODY_LEN:
		fail(h, "connection closed after %zu body bytes, %zu missing",
		     h->bodylen, h->remaining);
		break;
	default:
		fail(h, "connection closed in the chunked body");
		break;
	}
	mtasts_why(why, whylen, "%s", h->err);
	return (MTASTS_PERM);
}

/* mtasts_http_head_done - final head parsed */

int
mtasts_http_head_done(const struct mtasts_http *h)
{
	return (h->head_done);
}

/* mtasts_http_status - final status code, or 0 */

int
mtasts_http_status(const struct mtasts_http *h)
{
	return (h->head_done ? h->status : 0);
}

/* mtasts_http_header - n-th value of a header field */

const char *
mtasts_http_header(const struct mtasts_http *h, const char *name, size_t n)
{
	size_t	i;

	for (i = 0; i < h->nfields; i++)
		if (ieq(h->fields[i].name, strlen(h->fields[i].name), name)
		    && n-- == 0)
			return (h->fields[i].value);
	return (NULL);
}

/* mtasts_http_body - the body so far */

const char *
mtasts_http_body(const struct mtasts_http *h, size_t *len)
{
	if (len)
		*len = h->bodylen;
	return (h->body ? h->body : "");
}

/* mtasts_http_take_body - hand the body to the caller */

char   *
mtasts_http_take_body(struct mtasts_http *h, size_t *len)
{
	char   *b = h->body;

	if (b == NULL)
		b = strdup("");
	*len = b ? h->bodylen : 0;
	h->body = NULL;
	h->bodylen = h->bodycap = 0;
	return (b);
}
