/*++
 * NAME
 *	policy 3
 * SUMMARY
 *	RFC 8461 section 3.2 policy body parsing
 * SYNOPSIS
 *	#include <mtasts/policy.h>
 *
 *	enum mtasts_status mtasts_policy_parse(const char *body, size_t len,
 *		struct mtasts_policy **out, char *why, size_t whylen)
 *
 *	void	mtasts_policy_free(struct mtasts_policy *policy)
 *
 *	void	mtasts_policy_json(struct mtasts_buf *buf,
 *		const struct mtasts_policy *policy)
 *
 *	const char *mtasts_mode_str(enum mtasts_mode mode)
 * DESCRIPTION
 *	The grammar, RFC 8461 section 3.2 (%s"..." is case-sensitive):
 *
 *	sts-policy-record	= sts-policy-field *WSP
 *				  *(sts-policy-term sts-policy-field *WSP)
 *				  [sts-policy-term]
 *	sts-policy-term		= LF / CRLF
 *	sts-policy-field-delim	= ":" *WSP
 *	version: %s"STSv1"	mode: %s"testing" / %s"enforce" / %s"none"
 *	max_age: 1*10(DIGIT)	mx: ["*."] Domain	(RFC 5321 Domain)
 *	sts-policy-ext-name	= (ALPHA / DIGIT)
 *				  *31(ALPHA / DIGIT / "_" / "-" / ".")
 *	sts-policy-ext-value	= sts-policy-vchar
 *				  [*(%x20 / sts-policy-vchar) sts-policy-vchar]
 *
 *	version, mode and max_age are required; mx at least once unless the
 *	mode is "none"; max_age is at most 31557600. Field names are
 *	case-sensitive, so "Mode: enforce" is an (ignored) extension field
 *	and the policy then lacks its mode.
 *
 *	Choices where the RFC leaves room, each made so that what this
 *	parser accepts is read the same way by every reader:
 *	- Whitespace after ':' and at the end of a line is skipped (the
 *	  ABNF allows it). Whitespace at the start of a line or before ':'
 *	  is an error: the ABNF has none there, and a leading blank looks
 *	  like RFC 5322 folding, which this format does not have.
 *	- Blank lines (empty or blanks only) are skipped anywhere, and so is
 *	  a missing newline after the last line: nothing can be misread in
 *	  either, and policy files edited by hand often have both.
 *	- A CR not directly before LF is an error, as is any other control
 *	  character except TAB, any NUL byte and any byte above 0x7e. The
 *	  ABNF allows UTF-8 in extension values; this parser does not,
 *	  because no field it uses needs it and a policy that mixes
 *	  encodings is more likely damaged than meant.
 *	- When version, mode or max_age repeats, the first value wins (RFC
 *	  8461 3.2), but every occurrence must be well-formed: a repeated
 *	  field with a broken value means the file is not what its author
 *	  thinks it is.
 *	- More than MTASTS_POLICY_MX_MAX mx fields is refused as hostile;
 *	  one trailing dot on an mx value is accepted and dropped.
 *	- Bodies over MTASTS_POLICY_MAX bytes are refused.
 *
 *	Refusing a policy is what RFC 8461 asks for an invalid one (the
 *	sender carries on as if there were none, or keeps a cached valid
 *	one); the reason names the line so the domain's operator can fix
 *	it.
 * SECURITY
 *	The body is peer data: it is scanned by length (NUL bytes are
 *	rejected, not taken as the end), every count is bounded, and peer
 *	text in reasons goes through mtasts_sanitize().
 * DIAGNOSTICS
 *	MTASTS_PERM with "line N: ..."; MTASTS_TEMP when memory runs out.
 *--*/
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mtasts/limits.h>
#include <mtasts/policy.h>

#include "ascii.h"

/* Peer text quoted in a reason; short so the line number always fits. */
#define POLICY_QUOTE_MAX	64

/* Limits spelled into fixed reason texts; they are plain integers. */
#define STR(x)		STR2(x)
#define STR2(x)		#x

struct parse {
	struct mtasts_policy *p;
	size_t	mx_cap;
	unsigned line;
	int	have_version;
	int	have_mode;
	int	have_max_age;
};

/* same - s[0..len) equals the string word */

static int
same(const char *s, size_t len, const char *word)
{
	return (strlen(word) == len && memcmp(s, word, len) == 0);
}

/* mtasts_mode_str - mode name */

const char *
mtasts_mode_str(enum mtasts_mode mode)
{
	switch (mode) {
	case MTASTS_MODE_ENFORCE:
		return ("enforce");
	case MTASTS_MODE_TESTING:
		return ("testing");
	case MTASTS_MODE_NONE:
		return ("none");
	}
	return ("none");
}

/* mtasts_mx_pattern_error - why v is not ["*."] Domain, or NULL when it is */

const char *
mtasts_mx_pattern_error(const char *v, size_t len)
{
	size_t	i, label = 0;

	if (len > 0 && v[len - 1] == '.')
		len--;
	if (len >= 2 && v[0] == '*' && v[1] == '.') {
		v += 2;
		len -= 2;
		if (len + 2 > MTASTS_DOMAIN_MAX)
			return ("longer than " STR(MTASTS_DOMAIN_MAX) " characters");
	} else if (len > MTASTS_DOMAIN_MAX)
		return ("longer than " STR(MTASTS_DOMAIN_MAX) " characters");
	if (len == 0)
		return ("empty name");
	/* RFC 5321 sub-domain = Let-dig [Ldh-str]: no '-' at either end. */
	for (i = 0; i <= len; i++) {
		int	c = i < len ? (unsigned char) v[i] : '.';

		if (c == '.') {
			if (label == 0)
				return ("empty label");
			if (v[i - 1] == '-')
				return ("label ends in '-'");
			label = 0;
			continue;
		}
		if (c == '*')
			return ("'*' is allowed only as the whole leftmost label");
		if (!ascii_alnum(c) && c != '-')
			return ("only letters, digits, '-' and '.' are allowed");
		if (label == 0 && c == '-')
			return ("label begins with '-'");
		if (++label > MTASTS_LABEL_MAX)
			return ("label longer than " STR(MTASTS_LABEL_MAX) " characters");
	}
	return (NULL);
}

/* add_mx - append a lower-cased pattern without its trailing dot */

static int
add_mx(struct parse *ps, const char *v, size_t len)
{
	struct mtasts_policy *p = ps->p;
	char   *s;
	size_t	i;

	if (p->nmx == ps->mx_cap) {
		size_t	cap = ps->mx_cap ? ps->mx_cap * 2 : 8;
		char  **mx;

		if (cap > MTASTS_POLICY_MX_MAX)
			cap = MTASTS_POLICY_MX_MAX;
		if ((mx = realloc(p->mx, cap * sizeof(*mx))) == NULL)
			return (-1);
		p->mx = mx;
		ps->mx_cap = cap;
	}
	if (len > 0 && v[len - 1] == '.')
		len--;
	if ((s = malloc(len + 1)) == NULL)
		return (-1);
	for (i = 0; i < len; i++)
		s[i] = (char) ascii_lower((unsigned char) v[i]);
	s[len] = 0;
	p->mx[p->nmx++] = s;
	return (0);
}

/* bad - format "line N: what "value"" and return MTASTS_PERM */

static enum mtasts_status
bad(const struct parse *ps, const char *what, const char *v, size_t len,
    char *why, size_t whylen)
{
	char	quote[POLICY_QUOTE_MAX];

	if (v == NULL) {
		mtasts_why(why, whylen, "line %u: %s", ps->line, what);
	} else {
		mtasts_sanitize(v, len, quote, sizeof(quote));
		mtasts_why(why, whylen, "line %u: %s \"%s\"", ps->line, what, quote);
	}
	return (MTASTS_PERM);
}

/* field - handle one "name: value" line; name and value are trimmed */

static enum mtasts_status
field(struct parse *ps, const char *name, size_t nlen, const char *v,
      size_t vlen, char *why, size_t whylen)
{
	struct mtasts_policy *p = ps->p;
	const char *err;
	size_t	i;

	if (same(name, nlen, "version")) {
		if (!same(v, vlen, "STSv1"))
			return (bad(ps, "version must be STSv1, not", v, vlen, why, whylen));
		ps->have_version = 1;
	} else if (same(name, nlen, "mode")) {
		enum mtasts_mode mode;

		if (same(v, vlen, "enforce"))
			mode = MTASTS_MODE_ENFORCE;
		else if (same(v, vlen, "testing"))
			mode = MTASTS_MODE_TESTING;
		else if (same(v, vlen, "none"))
			mode = MTASTS_MODE_NONE;
		else
			return (bad(ps, "mode must be enforce, testing or none, not", v, vlen,
				    why, whylen));
		if (!ps->have_mode)
			p->mode = mode;
		ps->have_mode = 1;
	} else if (same(name, nlen, "max_age")) {
		uint64_t age = 0;

		if (vlen == 0 || vlen > MTASTS_MAX_AGE_DIGITS)
			return (bad(ps, "max_age must be 1 to 10 digits, not", v, vlen, why, whylen));
		for (i = 0; i < vlen; i++) {
			if (v[i] < '0' || v[i] > '9')
				return (bad(ps, "max_age must be digits only, not", v, vlen,
					    why, whylen));
			/* At most 10 digits, so 64 bits cannot overflow. */
			age = age * 10 + (uint64_t) (v[i] - '0');
		}
		if (age > MTASTS_MAX_AGE_MAX) {
			mtasts_why(why, whylen, "line %u: max_age %llu is more than %lu",
				   ps->line, (unsigned long long) age, MTASTS_MAX_AGE_MAX);
			return (MTASTS_PERM);
		}
		if (!ps->have_max_age)
			p->max_age = (uint32_t) age;
		ps->have_max_age = 1;
	} else if (same(name, nlen, "mx")) {
		if ((err = mtasts_mx_pattern_error(v, vlen)) != NULL) {
			char	quote[POLICY_QUOTE_MAX];

			mtasts_sanitize(v, vlen, quote, sizeof(quote));
			mtasts_why(why, whylen, "line %u: mx \"%s\" is not [*.]domain: %s",
				   ps->line, quote, err);
			return (MTASTS_PERM);
		}
		if (p->nmx >= MTASTS_POLICY_MX_MAX)
			return (bad(ps, "more than " STR(MTASTS_POLICY_MX_MAX) " mx fields", NULL, 0,
				    why, whylen));
		if (add_mx(ps, v, vlen) < 0) {
			mtasts_why(why, whylen, "line %u: out of memory", ps->line);
			return (MTASTS_TEMP);
		}
	} else {
		/* Extension: sts-policy-ext-value, no blank at either end. */
		if (vlen == 0)
			return (bad(ps, "empty value for field", name, nlen, why, whylen));
		for (i = 0; i < vlen; i++)
			if (v[i] == '\t')
				return (bad(ps, "TAB inside the value of field", name, nlen,
					    why, whylen));
	}
	return (MTASTS_OK);
}

/* line - check and handle one line without its terminator */

static enum mtasts_status
line(struct parse *ps, const char *s, size_t len, char *why, size_t whylen)
{
	const char *colon;
	size_t	i, nlen;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char) s[i];

		if (c == 0)
			return (bad(ps, "NUL byte", NULL, 0, why, whylen));
		if (c == '\r')
			return (bad(ps, "CR not followed by LF", NULL, 0, why, whylen));
		if (c >= 0x7f) {
			mtasts_why(why, whylen, "line %u: byte 0x%02x is not printable ASCII",
				   ps->line, (unsigned) c);
			return (MTASTS_PERM);
		}
		if (c < 0x20 && c != '\t') {
			mtasts_why(why, whylen, "line %u: control character 0x%02x",
				   ps->line, (unsigned) c);
			return (MTASTS_PERM);
		}
	}
	while (len > 0 && ascii_wsp((unsigned char) s[len - 1]))
		len--;
	if (len == 0)
		return (MTASTS_OK);			/* blank line */
	if (ascii_wsp((unsigned char) s[0]))
		return (bad(ps, "whitespace at the start of the line", NULL, 0, why, whylen));
	if ((colon = memchr(s, ':', len)) == NULL)
		return (bad(ps, "no ':' in", s, len, why, whylen));
	nlen = (size_t) (colon - s);
	if (nlen > 0 && ascii_wsp((unsigned char) s[nlen - 1]))
		return (bad(ps, "whitespace before ':' in", s, len, why, whylen));
	if (nlen == 0 || !ascii_alnum((unsigned char) s[0]))
		return (bad(ps, "field name must start with a letter or digit:", s, len,
			    why, whylen));
	if (nlen > MTASTS_EXT_NAME_MAX)
		return (bad(ps, "field name longer than " STR(MTASTS_EXT_NAME_MAX) " characters:",
			    s, nlen, why, whylen));
	for (i = 1; i < nlen; i++)
		if (!ascii_alnum((unsigned char) s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
			return (bad(ps, "bad character in field name", s, nlen, why, whylen));
	for (i = nlen + 1; i < len && ascii_wsp((unsigned char) s[i]); i++)
		 /* void */ ;
	return (field(ps, s, nlen, s + i, len - i, why, whylen));
}

/* mtasts_policy_parse - parse a policy body */

enum mtasts_status
mtasts_policy_parse(const char *body, size_t len, struct mtasts_policy **out,
		    char *why, size_t whylen)
{
	struct parse ps;
	enum mtasts_status st = MTASTS_OK;
	const char *s, *nl, *end;

	*out = NULL;
	if (body == NULL && len > 0) {
		mtasts_why(why, whylen, "no policy body");
		return (MTASTS_PERM);
	}
	if (len > MTASTS_POLICY_MAX) {
		mtasts_why(why, whylen, "policy is %zu bytes, more than %d", len, MTASTS_POLICY_MAX);
		return (MTASTS_PERM);
	}
	memset(&ps, 0, sizeof(ps));
	if ((ps.p = calloc(1, sizeof(*ps.p))) == NULL) {
		mtasts_why(why, whylen, "out of memory");
		return (MTASTS_TEMP);
	}
	end = body + len;
	for (s = body; st == MTASTS_OK && s < end; s = nl + 1) {
		size_t	llen;

		ps.line++;
		if ((nl = memchr(s, '\n', (size_t) (end - s))) == NULL)
			nl = end;			/* last line without newline */
		llen = (size_t) (nl - s);
		if (nl < end && llen > 0 && s[llen - 1] == '\r')
			llen--;				/* CRLF */
		st = line(&ps, s, llen, why, whylen);
	}
	if (st == MTASTS_OK) {
		const char *missing = NULL;

		if (!ps.have_version)
			missing = "no \"version\" field";
		else if (!ps.have_mode)
			missing = "no \"mode\" field";
		else if (!ps.have_max_age)
			missing = "no \"max_age\" field";
		else if (ps.p->mode != MTASTS_MODE_NONE && ps.p->nmx == 0)
			missing = "no \"mx\" field, required unless mode is none";
		if (missing != NULL) {
			/* An empty body still has one (empty) line to point at. */
			mtasts_why(why, whylen, "line %u (end of policy): %s",
				   ps.line ? ps.line : 1, missing);
			st = MTASTS_PERM;
		}
	}
	if (st != MTASTS_OK) {
		mtasts_policy_free(ps.p);
		return (st);
	}
	*out = ps.p;
	return (MTASTS_OK);
}

/* mtasts_policy_free - release a policy */

void
mtasts_policy_free(struct mtasts_policy *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nmx; i++)
		free(p->mx[i]);
	free(p->mx);
	free(p);
}

/* mtasts_policy_json - append the policy as compact JSON */

void
mtasts_policy_json(struct mtasts_buf *b, const struct mtasts_policy *p)
{
	size_t	i;

	if (p == NULL) {
		mtasts_buf_puts(b, "null");
		return;
	}
	mtasts_buf_printf(b, "{\"version\":\"STSv1\",\"mode\":\"%s\",\"max_age\":%lu,\"mx\":[",
			  mtasts_mode_str(p->mode), (unsigned long) p->max_age);
	for (i = 0; i < p->nmx; i++) {
		if (i > 0)
			mtasts_buf_puts(b, ",");
		mtasts_buf_json_str(b, p->mx[i]);
	}
	mtasts_buf_puts(b, "]}");
}
