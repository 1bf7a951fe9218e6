/*++
 * NAME
 *	ascii 3h
 * SUMMARY
 *	locale-independent ASCII character classes (internal)
 * DESCRIPTION
 *	The RFC grammars mtasts parses (RFC 5234 ALPHA, DIGIT, WSP; DNS
 *	names; HTTP tokens) are defined over ASCII. <ctype.h> depends on the
 *	caller's locale, which inside an MTA's process is not ours to
 *	assume, so the parsers use these instead.
 *--*/
#ifndef MTASTS_ASCII_H
#define MTASTS_ASCII_H

/* ascii_alnum - ALPHA / DIGIT */
static inline int
ascii_alnum(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		|| (c >= '0' && c <= '9'));
}

/* ascii_wsp - RFC 5234 WSP */
static inline int
ascii_wsp(int c)
{
	return (c == ' ' || c == '\t');
}

/* ascii_lower - lower case of an ASCII letter, anything else unchanged */
static inline int
ascii_lower(int c)
{
	return ((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
}

#endif
