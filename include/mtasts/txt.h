/*++
 * NAME
 *	txt 3h
 * SUMMARY
 *	RFC 8461 section 3.1 TXT record parsing and selection
 * SYNOPSIS
 *	#include <mtasts/txt.h>
 * DESCRIPTION
 *	Pure functions: no I/O, no time, no config.
 *
 *	mtasts_txt_parse() parses one TXT RR whose character-strings the
 *	caller has joined without separators, exactly per the section 3.1
 *	ABNF. It returns MTASTS_OK and fills *out, or MTASTS_PERM with the
 *	reason. rec need not be NUL-terminated and may contain any byte.
 *
 *	mtasts_txt_select() applies the record-selection rule to all TXT RRs
 *	found at _mta-sts.<domain>: RRs that do not begin with "v=STSv1" are
 *	dropped (read as the version token: "v=STSv1" followed by the end,
 *	a blank or ";", so a "v=STSv10" record is dropped too); if exactly one remains and it parses, MTASTS_OK; otherwise
 *	MTASTS_NONE (RFC 8461 3.1: the domain has no available policy) with
 *	the reason (none found, several found, or why the one is invalid).
 *--*/
#ifndef MTASTS_TXT_H
#define MTASTS_TXT_H

#include <stddef.h>

#include <mtasts/limits.h>
#include <mtasts/status.h>

struct mtasts_txt {
	char	id[MTASTS_ID_MAX + 1];	/* NUL-terminated sts-id */
};

enum mtasts_status mtasts_txt_parse(const char *rec, size_t len,
		struct mtasts_txt *out, char *why, size_t whylen);

enum mtasts_status mtasts_txt_select(const char *const *recs,
		const size_t *lens, size_t nrecs,
		struct mtasts_txt *out, char *why, size_t whylen);

#endif
