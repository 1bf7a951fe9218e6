/*++
 * NAME
 *	http 3h
 * SUMMARY
 *	incremental HTTP/1.1 response parser (pure: no I/O)
 * SYNOPSIS
 *	#include <mtasts/http.h>
 * DESCRIPTION
 *	Parses one HTTP/1.x response as it arrives, in pieces of any size:
 *	status line, header fields, then the body framed by Content-Length,
 *	chunked transfer coding, or the end of the connection (RFC 9112).
 *	Nothing here reads a socket, so the parser can be fed from test
 *	vectors and a fuzzer exactly as from the TLS client.
 *
 *	mtasts_http_new() returns a parser that keeps at most body_max body
 *	bytes (0 means MTASTS_POLICY_MAX), or NULL when memory runs out.
 *	The caller owns it and releases it with mtasts_http_free().
 *
 *	mtasts_http_feed() consumes up to len bytes and sets *used to the
 *	number consumed. It returns
 *	MTASTS_OK	the response is complete; bytes after it are not
 *			consumed (*used < len) and are not looked at
 *	MTASTS_NONE	more input is needed
 *	MTASTS_PERM	the response is malformed or over a limit; why says
 *			what. Later calls return the same error.
 *	MTASTS_TEMP	memory ran out
 *	mtasts_http_eof() tells the parser the connection ended: it
 *	completes a body framed by the connection close (MTASTS_OK) and is
 *	an error (MTASTS_PERM) anywhere else before the response is complete.
 *
 *	mtasts_http_head_done() is 1 once the final (non-1xx) response head
 *	was parsed, so a caller can judge the status before the body is in.
 *	mtasts_http_status() is the final status code (0 before that).
 *	mtasts_http_header() returns the n-th (0-based) value of a header
 *	field, name compared without case, or NULL. Values are trimmed of
 *	surrounding blanks, obs-fold continuation lines are joined with one
 *	space (RFC 9112 5.2), and the strings live as long as the parser.
 *	mtasts_http_body() returns the body so far (NUL-terminated; it may
 *	contain NULs, so use *len). mtasts_http_take_body() hands the body
 *	over: the caller frees the returned string with free(); it returns
 *	NULL when memory runs out, and the parser's body is then empty.
 *
 *	mtasts_http_check_policy() (src/http_policy.c, on top of the
 *	accessors above) applies RFC 8461 3.3 to a parsed head:
 *	MTASTS_OK for status 200 with a text/plain Content-Type (parameters
 *	allowed, any case); MTASTS_PERM with a reason for a redirect (never
 *	followed; the reason names the sanitised Location), any other status,
 *	a missing, repeated or different Content-Type, or an incomplete head.
 * GRAMMAR
 *	What is accepted, and why:
 *	- Lines may end in CRLF or a bare LF (RFC 9112 2.2 allows a
 *	  recipient to accept a bare LF; several small servers send it). A
 *	  bare CR, a NUL or any other control character except HTAB in a
 *	  line is an error: they are what header-injection attacks use.
 *	- The status line is "HTTP/1.x NNN [reason]"; other versions fail.
 *	- Header names are RFC 9110 tokens with the colon right after the
 *	  name (whitespace before it is an error, RFC 9112 5.1).
 *	- 1xx interim responses other than 101 are skipped (at most
 *	  MTASTS_HTTP_INTERIM_MAX); 101 is an error since no upgrade was
 *	  asked for.
 *	- Content-Length together with Transfer-Encoding is an error, and
 *	  so is a repeated Content-Length with different values: either
 *	  means two parties could disagree on where the body ends. Only
 *	  "chunked" is accepted as a transfer coding, and only in HTTP/1.1.
 *	- Chunk extensions are skipped; trailer fields are checked like
 *	  headers and discarded. A chunk size is hex digits only.
 *	- A body larger than body_max is an error as soon as that is known:
 *	  from Content-Length, from a chunk size, or from the bytes read.
 *	- 204 and 304 responses have no body.
 * SECURITY
 *	Every input byte comes from a server on the network. All lines,
 *	counts and sizes are bounded (MTASTS_HTTP_* in limits.h), numbers
 *	are parsed with overflow checks, and peer text in reasons has gone
 *	through mtasts_sanitize().
 *--*/
#ifndef MTASTS_HTTP_H
#define MTASTS_HTTP_H

#include <stddef.h>

#include <mtasts/status.h>

struct mtasts_http;

struct mtasts_http *mtasts_http_new(size_t body_max);
void	mtasts_http_free(struct mtasts_http *);
enum mtasts_status mtasts_http_feed(struct mtasts_http *, const char *data,
		size_t len, size_t *used, char *why, size_t whylen);
enum mtasts_status mtasts_http_eof(struct mtasts_http *, char *why,
		size_t whylen);
int	mtasts_http_head_done(const struct mtasts_http *);
int	mtasts_http_status(const struct mtasts_http *);
const char *mtasts_http_header(const struct mtasts_http *, const char *name,
		size_t n);
const char *mtasts_http_body(const struct mtasts_http *, size_t *len);
char   *mtasts_http_take_body(struct mtasts_http *, size_t *len);
enum mtasts_status mtasts_http_check_policy(const struct mtasts_http *,
		char *why, size_t whylen);

#endif
