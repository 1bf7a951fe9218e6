/*++
 * NAME
 *	netstring 3h
 * SUMMARY
 *	netstrings (the framing of the Sendmail/Postfix socketmap protocol)
 * SYNOPSIS
 *	#include <mtasts/netstring.h>
 * DESCRIPTION
 *	A netstring is "<len>:<payload>," with len the payload's length in
 *	decimal ASCII, without leading zeros ("0:," is the empty string).
 *	Pure functions: no I/O, no allocation except in the caller's
 *	buffer, no global state.
 *
 *	mtasts_netstring_parse() looks at the first netstring in
 *	buf[0..len). It may be called with any prefix of a stream and
 *	again once more bytes arrived (the caller keeps the bytes): it
 *	reads the length digits and then only checks that the payload and
 *	the comma are there, so asking again costs O(1) per netstring.
 *	MTASTS_OK	a whole netstring: the payload is buf[*start ..
 *			*start + *plen) and the netstring ends at buf[*used]
 *			(the next one starts there)
 *	MTASTS_NONE	no error so far, more bytes are needed
 *	MTASTS_PERM	malformed: not a digit, a leading zero, no digits,
 *			a length over max (detected as soon as the digits
 *			say so, before the payload arrives), or no comma
 *			after the payload. why says which; the stream
 *			cannot be resynchronised and must be dropped.
 *	Outputs are set only on MTASTS_OK.
 *
 *	mtasts_netstring_put() appends payload[0..len) as a netstring to b
 *	(b->oom reports a memory failure, see buf.h).
 * SECURITY
 *	The length is checked against max digit by digit, so a huge or
 *	endless length never overflows and never makes the caller buffer
 *	more than max + MTASTS_NETSTRING_OVERHEAD bytes for one netstring.
 *--*/
#ifndef MTASTS_NETSTRING_H
#define MTASTS_NETSTRING_H

#include <stddef.h>

#include <mtasts/buf.h>
#include <mtasts/status.h>

/* Bytes around a payload of at most 10^9: up to 10 digits, ':' and ','. */
#define MTASTS_NETSTRING_OVERHEAD	12

enum mtasts_status mtasts_netstring_parse(const char *buf, size_t len,
		size_t max, size_t *start, size_t *plen, size_t *used,
		char *why, size_t whylen);
void	mtasts_netstring_put(struct mtasts_buf *b, const char *payload,
		size_t len);

#endif
