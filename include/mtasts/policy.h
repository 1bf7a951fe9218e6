/*++
 * NAME
 *	policy 3h
 * SUMMARY
 *	RFC 8461 section 3.2 policy body parsing
 * SYNOPSIS
 *	#include <mtasts/policy.h>
 * DESCRIPTION
 *	Pure functions: no I/O, no time, no config.
 *
 *	mtasts_policy_parse() parses a policy body (LF or CRLF lines, fields
 *	in any order). On MTASTS_OK, *out points to a policy the caller owns
 *	and frees with mtasts_policy_free(). On MTASTS_PERM, *out is NULL and
 *	why names the problem and its line ("line 3: ..."). MTASTS_TEMP is
 *	returned only when memory runs out.
 *
 *	mx patterns are stored lower-cased, without a trailing dot, in file
 *	order. When a field other than mx repeats, the first one wins.
 *	Unknown (extension) fields are checked against the ABNF and ignored.
 *
 *	mtasts_policy_json() appends the policy as JSON
 *	{"version":"STSv1","mode":...,"max_age":N,"mx":[...]}.
 *--*/
#ifndef MTASTS_POLICY_H
#define MTASTS_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include <mtasts/buf.h>
#include <mtasts/status.h>

enum mtasts_mode {
	MTASTS_MODE_NONE = 0,
	MTASTS_MODE_TESTING = 1,
	MTASTS_MODE_ENFORCE = 2
};

struct mtasts_policy {
	enum mtasts_mode mode;
	uint32_t max_age;		/* seconds, <= MTASTS_MAX_AGE_MAX */
	size_t	nmx;
	char  **mx;			/* nmx owned strings */
};

/* mtasts_mode_str - "none", "testing", "enforce" */
const char *mtasts_mode_str(enum mtasts_mode);

enum mtasts_status mtasts_policy_parse(const char *body, size_t len,
		struct mtasts_policy **out, char *why, size_t whylen);
void	mtasts_policy_free(struct mtasts_policy *);
void	mtasts_policy_json(struct mtasts_buf *, const struct mtasts_policy *);
/*
 * mtasts_mx_pattern_error - NULL when v[0..len-1] is a valid mx pattern
 * ("[*.]Domain", RFC 8461 3.2 and 4.1; one trailing dot allowed), else
 * why not (static text). The config's extra patterns use the same rule.
 */
const char *mtasts_mx_pattern_error(const char *v, size_t len);

#endif
