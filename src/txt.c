/*++
 * NAME
 *	txt 3
 * SUMMARY
 *	RFC 8461 section 3.1 TXT record parsing and selection
 * SYNOPSIS
 *	#include <mtasts/txt.h>
 *
 *	enum mtasts_status mtasts_txt_parse(const char *rec, size_t len,
 *		struct mtasts_txt *out, char *why, size_t whylen)
 *
 *	enum mtasts_status mtasts_txt_select(const char *const *recs,
 *		const size_t *lens, size_t nrecs, struct mtasts_txt *out,
 *		char *why, size_t whylen)
 * DESCRIPTION
 *	The grammar, RFC 8461 section 3.1 (%s"..." is case-sensitive):
 *
 *	sts-text-record = sts-version 1*(sts-field-delim sts-field)
 *			  [sts-field-delim]
 *	sts-field	= sts-id / sts-extension
 *	sts-field-delim	= *WSP ";" *WSP
 *	sts-version	= %s"v=STSv1"
 *	sts-id		= %s"id=" 1*32(ALPHA / DIGIT)
 *	sts-extension	= sts-ext-name "=" sts-ext-value
 *	sts-ext-name	= (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
 *	sts-ext-value	= 1*(%x21-3A / %x3C / %x3E-7E)
 *
 *	So the record starts with exactly "v=STSv1", may end in one ";"
 *	(plus blanks) but not in blanks alone, and has no blanks before
 *	the first field or between fields except around ";". The text of
 *	3.1 makes "id" required although the ABNF does not.
 *
 *	Where the ABNF is ambiguous this parser decides:
 *	- A field named exactly "id" is the id field and must hold 1-32
 *	  letters and digits; it is not re-read as an extension field
 *	  (which would let "id=ab-c" pass and then be reported as "no id").
 *	- When "id" repeats, the first one wins, as RFC 8461 3.2 rules for
 *	  repeated policy fields. Later ones must still be well-formed.
 *	- Records longer than MTASTS_TXT_MAX are refused as hostile.
 *
 *	Selection (3.1: "records that do not begin with 'v=STSv1;' are
 *	discarded"): a record is kept when it begins with the sts-version
 *	token, i.e. "v=STSv1" followed by the end, a blank or ";". The
 *	token reading (rather than a plain prefix test) keeps a future
 *	"v=STSv10" record from hiding a valid v1 record, and keeps
 *	"v=STSv1 ; id=..." (which the ABNF allows) from being dropped;
 *	see RFC 8461 erratum 6285 on this very conflict.
 * SECURITY
 *	The record is peer data of any length and any bytes, NUL included;
 *	it is scanned by length, never as a C string, and reasons show
 *	byte offsets, not its text.
 * DIAGNOSTICS
 *	mtasts_txt_parse(): MTASTS_PERM with "byte N: ..." reasons.
 *	mtasts_txt_select(): MTASTS_NONE with the reason (RFC 8461 3.1:
 *	the domain has no available policy).
 *--*/
#include "config.h"

#include <string.h>

#include <mtasts/limits.h>
#include <mtasts/txt.h>

#include "ascii.h"

static const char sts_version[] = "v=STSv1";

#define STS_VERSION_LEN	(sizeof(sts_version) - 1)

/* is_ext_value_char - %x21-3A / %x3C / %x3E-7E: visible, not ';' or '=' */

static int
is_ext_value_char(int c)
{
	return (c >= 0x21 && c <= 0x7e && c != ';' && c != '=');
}

/* begins_with_version - does rec start with the sts-version token */

static int
begins_with_version(const char *rec, size_t len)
{
	if (rec == NULL || len < STS_VERSION_LEN
	    || memcmp(rec, sts_version, STS_VERSION_LEN) != 0)
		return (0);
	return (len == STS_VERSION_LEN || rec[STS_VERSION_LEN] == ';'
		|| ascii_wsp((unsigned char) rec[STS_VERSION_LEN]));
}

/* mtasts_txt_parse - parse one joined TXT RR */

enum mtasts_status
mtasts_txt_parse(const char *rec, size_t len, struct mtasts_txt *out,
		 char *why, size_t whylen)
{
	struct mtasts_txt t;
	size_t	i, j, start;
	int	have_id = 0;

	/* Work on a copy: *out holds an id only when the whole record parsed. */
	memset(&t, 0, sizeof(t));
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (rec == NULL && len > 0) {
		mtasts_why(why, whylen, "no record");
		return (MTASTS_PERM);
	}
	if (len > MTASTS_TXT_MAX) {
		mtasts_why(why, whylen, "record is %zu bytes, more than %d", len, MTASTS_TXT_MAX);
		return (MTASTS_PERM);
	}
	if (len < STS_VERSION_LEN || memcmp(rec, sts_version, STS_VERSION_LEN) != 0) {
		mtasts_why(why, whylen, "byte 1: record does not begin with \"v=STSv1\"");
		return (MTASTS_PERM);
	}
	i = STS_VERSION_LEN;
	for (;;) {
		/* sts-field-delim, or the end of the record. */
		if (i == len)
			break;
		for (j = i; j < len && ascii_wsp((unsigned char) rec[j]); j++)
			 /* void */ ;
		if (j == len) {
			mtasts_why(why, whylen, "byte %zu: blanks at the end without \";\"", i + 1);
			return (MTASTS_PERM);
		}
		if (rec[j] != ';') {
			mtasts_why(why, whylen, "byte %zu: expected \";\" after a field, got 0x%02x",
				   j + 1, (unsigned) (unsigned char) rec[j]);
			return (MTASTS_PERM);
		}
		for (j++; j < len && ascii_wsp((unsigned char) rec[j]); j++)
			 /* void */ ;
		if (j == len)			/* one trailing delimiter */
			break;
		if (rec[j] == ';') {
			mtasts_why(why, whylen, "byte %zu: empty field between \";\"", j + 1);
			return (MTASTS_PERM);
		}
		/* sts-field: a name, "=", a value. */
		start = j;
		if (!ascii_alnum((unsigned char) rec[j])) {
			mtasts_why(why, whylen, "byte %zu: field name must start with a letter or digit",
				   j + 1);
			return (MTASTS_PERM);
		}
		for (j++; j < len && (ascii_alnum((unsigned char) rec[j]) || rec[j] == '_'
				      || rec[j] == '-' || rec[j] == '.'); j++)
			 /* void */ ;
		if (j - start > MTASTS_EXT_NAME_MAX) {
			mtasts_why(why, whylen, "byte %zu: field name longer than %d characters",
				   start + 1, MTASTS_EXT_NAME_MAX);
			return (MTASTS_PERM);
		}
		if (j == len || rec[j] != '=') {
			mtasts_why(why, whylen, "byte %zu: expected \"=\" after the field name", j + 1);
			return (MTASTS_PERM);
		}
		if (j - start == 2 && rec[start] == 'i' && rec[start + 1] == 'd') {
			size_t	v = ++j;

			while (j < len && ascii_alnum((unsigned char) rec[j]))
				j++;
			if (j < len && rec[j] != ';' && !ascii_wsp((unsigned char) rec[j])) {
				mtasts_why(why, whylen, "byte %zu: id may hold only letters and digits",
					   j + 1);
				return (MTASTS_PERM);
			}
			if (j == v) {
				mtasts_why(why, whylen, "byte %zu: empty id", v + 1);
				return (MTASTS_PERM);
			}
			if (j - v > MTASTS_ID_MAX) {
				mtasts_why(why, whylen, "byte %zu: id is %zu characters, more than %d",
					   v + 1, j - v, MTASTS_ID_MAX);
				return (MTASTS_PERM);
			}
			if (!have_id) {
				memcpy(t.id, rec + v, j - v);
				t.id[j - v] = 0;
			}
			have_id = 1;
		} else {
			size_t	v = ++j;

			while (j < len && is_ext_value_char((unsigned char) rec[j]))
				j++;
			if (j == v) {
				mtasts_why(why, whylen, "byte %zu: empty value", v + 1);
				return (MTASTS_PERM);
			}
			if (j < len && rec[j] != ';' && !ascii_wsp((unsigned char) rec[j])) {
				mtasts_why(why, whylen, "byte %zu: character 0x%02x not allowed in a value",
					   j + 1, (unsigned) (unsigned char) rec[j]);
				return (MTASTS_PERM);
			}
		}
		i = j;
	}
	if (!have_id) {
		mtasts_why(why, whylen, "no id field (RFC 8461 3.1: id is required)");
		return (MTASTS_PERM);
	}
	if (out != NULL)
		*out = t;
	return (MTASTS_OK);
}

/* mtasts_txt_select - apply the 3.1 record-selection rule */

enum mtasts_status
mtasts_txt_select(const char *const *recs, const size_t *lens, size_t nrecs,
		  struct mtasts_txt *out, char *why, size_t whylen)
{
	char	sub[MTASTS_REASON_MAX];
	size_t	i, found = 0, pick = 0;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (nrecs > 0 && (recs == NULL || lens == NULL)) {
		mtasts_why(why, whylen, "no records given");
		return (MTASTS_NONE);
	}
	if (nrecs > MTASTS_TXT_RECORDS_MAX) {
		mtasts_why(why, whylen, "%zu TXT records, more than %d", nrecs,
			   MTASTS_TXT_RECORDS_MAX);
		return (MTASTS_NONE);
	}
	for (i = 0; i < nrecs; i++) {
		if (begins_with_version(recs[i], lens[i])) {
			found++;
			pick = i;
		}
	}
	if (found == 0) {
		mtasts_why(why, whylen, "no TXT record begins with \"v=STSv1\"");
		return (MTASTS_NONE);
	}
	if (found > 1) {
		mtasts_why(why, whylen, "%zu TXT records begin with \"v=STSv1\", RFC 8461 3.1 "
			   "requires exactly one", found);
		return (MTASTS_NONE);
	}
	sub[0] = 0;
	if (mtasts_txt_parse(recs[pick], lens[pick], out, sub, sizeof(sub)) != MTASTS_OK) {
		mtasts_why(why, whylen, "invalid STSv1 record: %s", sub);
		return (MTASTS_NONE);
	}
	return (MTASTS_OK);
}
