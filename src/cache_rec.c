/*++
 * NAME
 *	cache_rec 3
 * SUMMARY
 *	the policy cache's record format and entry checks
 * SYNOPSIS
 *	#include "cache_int.h"
 * DESCRIPTION
 *	Pure functions, no LMDB: what may be stored, how an entry becomes
 *	bytes and how bytes become an entry again. Version 1 records are,
 *	integers big-endian, exactly this long (no slack):
 *
 *	0	u8	version (1)
 *	1	u8	kind (1 policy, 2 no policy, 3 MX TLS ok, 4 MX TLS failed)
 *	2	u8	id length (0..MTASTS_ID_MAX)
 *	3	u8	flags (0)
 *	4	u16	reason length (0..MTASTS_REASON_MAX - 1)
 *	6	u16	reserved (0)
 *	8	s64	fetched_at
 *	16	s64	expires_at
 *	24	s64	last_checked
 *	32	u32	policy length (0..MTASTS_POLICY_MAX)
 *	36	u32	FNV-1a of every other byte of the record
 *	40	id, reason, policy, then one NUL byte
 *
 *	A record is used only when every field checks out; anything else
 *	(another version, a length that does not add up, a bad checksum,
 *	bytes that cannot be in an id or reason) is reported and ignored.
 *	A future format gets a new version number; this code then reports
 *	the newer records as undecodable instead of misreading them.
 * SECURITY
 *	The checksum catches damage, not forgery: whoever can write the file
 *	can write any policy. Every length is checked against the record
 *	size before a byte it covers is read.
 *--*/
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mtasts/cache.h>
#include <mtasts/limits.h>
#include <mtasts/status.h>

#include "cache_int.h"

#define REC_VERSION	1
#define REC_HEAD	40
#define REC_OFF_CHECK	36

/* mtasts_cache_kind_str - kind name */

const char *
mtasts_cache_kind_str(enum mtasts_cache_kind k)
{
	switch (k) {
	case MTASTS_CACHE_POLICY:
		return ("policy");
	case MTASTS_CACHE_NOPOLICY:
		return ("no-policy");
	case MTASTS_CACHE_MX_TLS_OK:
		return ("mx-tls-ok");
	case MTASTS_CACHE_MX_TLS_FAIL:
		return ("mx-tls-failed");
	}
	return ("unknown");
}

/* kind_ok - a kind this version stores */

static int
kind_ok(unsigned k)
{
	return (k >= MTASTS_CACHE_POLICY && k <= MTASTS_CACHE_MX_TLS_FAIL);
}

/* put16, put32, put64, get16, get32, get64 - big-endian integers */

static void
put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char) (v >> 8);
	p[1] = (unsigned char) v;
}

static void
put32(unsigned char *p, uint32_t v)
{
	put16(p, (uint16_t) (v >> 16));
	put16(p + 2, (uint16_t) v);
}

static void
put64(unsigned char *p, int64_t v)
{
	put32(p, (uint32_t) ((uint64_t) v >> 32));
	put32(p + 4, (uint32_t) v);
}

static uint16_t
get16(const unsigned char *p)
{
	return ((uint16_t) (p[0] << 8 | p[1]));
}

static uint32_t
get32(const unsigned char *p)
{
	return ((uint32_t) get16(p) << 16 | get16(p + 2));
}

static int64_t
get64(const unsigned char *p)
{
	return ((int64_t) ((uint64_t) get32(p) << 32 | get32(p + 4)));
}

/* rec_sum - FNV-1a over the record without its checksum field */

static uint32_t
rec_sum(const unsigned char *p, size_t len)
{
	uint32_t h = 2166136261u;
	size_t	i;

	/* Callers pass len > REC_HEAD: the field lies inside. */
	for (i = 0; i < len; i++)
		if (i < REC_OFF_CHECK || i >= REC_OFF_CHECK + 4)
			h = (h ^ p[i]) * 16777619u;
	return (h);
}

/* mtasts_cache_key_ok - 1..253 of [a-z0-9._-], no edge dot */

int
mtasts_cache_key_ok(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > MTASTS_DOMAIN_MAX || s[0] == '.'
	    || s[len - 1] == '.')
		return (0);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char) s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
		      || c == '.' || c == '-' || c == '_'))
			return (0);
	}
	return (1);
}

/* id_ok - RFC 8461 sts-id characters (length checked by the caller) */

static int
id_ok(const unsigned char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z')
		      || (s[i] >= 'A' && s[i] <= 'Z')
		      || (s[i] >= '0' && s[i] <= '9')))
			return (0);
	return (1);
}

/* text_ok - printable ASCII only, as reasons must be */

static int
text_ok(const unsigned char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] >= 0x7f)
			return (0);
	return (1);
}

/* mtasts_cache_key_text - printable copy of a key for a message */

const char *
mtasts_cache_key_text(const void *key, size_t len, char *out,
		      size_t outlen)
{
	return (mtasts_sanitize((const char *) key, len, out, outlen));
}

/* mtasts_cache_entry_check - can this entry be stored (and decoded again)? */

int
mtasts_cache_entry_check(const struct mtasts_cache_entry *e,
			 char *why, size_t whylen)
{
	size_t	dlen = strnlen(e->domain, sizeof(e->domain));
	size_t	idlen = strnlen(e->id, sizeof(e->id));
	size_t	rlen = strnlen(e->reason, sizeof(e->reason));
	char	kbuf[MTASTS_DOMAIN_MAX + 4];

	if (dlen == sizeof(e->domain)
	    || !mtasts_cache_key_ok(e->domain, dlen)) {
		mtasts_why(why, whylen, "%s: not a normalised domain name",
			   mtasts_cache_key_text(e->domain, dlen, kbuf,
						 sizeof(kbuf)));
		return (-1);
	}
	if (!kind_ok(e->kind)) {
		mtasts_why(why, whylen, "%s: bad entry kind %d", e->domain,
			   (int) e->kind);
		return (-1);
	}
	if (idlen == sizeof(e->id)
	    || !id_ok((const unsigned char *) e->id, idlen)) {
		mtasts_why(why, whylen, "%s: id is not 0..%d letters and "
			   "digits", e->domain, MTASTS_ID_MAX);
		return (-1);
	}
	if (rlen == sizeof(e->reason)
	    || !text_ok((const unsigned char *) e->reason, rlen)) {
		mtasts_why(why, whylen, "%s: reason is not printable ASCII",
			   e->domain);
		return (-1);
	}
	if (e->policy_len > MTASTS_POLICY_MAX
	    || (e->policy_len > 0 && e->policy == NULL)) {
		mtasts_why(why, whylen, "%s: bad policy text (length %zu)",
			   e->domain, e->policy_len);
		return (-1);
	}
	if (e->kind == MTASTS_CACHE_POLICY && e->policy_len == 0) {
		mtasts_why(why, whylen, "%s: policy entry without policy text",
			   e->domain);
		return (-1);
	}
	return (0);
}

/* mtasts_cache_rec_size - encoded size of a checked entry */

size_t
mtasts_cache_rec_size(const struct mtasts_cache_entry *e)
{
	return (REC_HEAD + strlen(e->id) + strlen(e->reason)
		+ e->policy_len + 1);
}

/* mtasts_cache_rec_encode - write a checked entry into p[rec_size(e)] */

void
mtasts_cache_rec_encode(const struct mtasts_cache_entry *e,
			unsigned char *p, size_t size)
{
	size_t	idlen = strlen(e->id), rlen = strlen(e->reason);
	unsigned char *q = p + REC_HEAD;

	memset(p, 0, REC_HEAD);
	p[0] = REC_VERSION;
	p[1] = (unsigned char) e->kind;
	p[2] = (unsigned char) idlen;
	put16(p + 4, (uint16_t) rlen);
	put64(p + 8, (int64_t) e->fetched_at);
	put64(p + 16, (int64_t) e->expires_at);
	put64(p + 24, (int64_t) e->last_checked);
	put32(p + 32, (uint32_t) e->policy_len);
	memcpy(q, e->id, idlen);
	q += idlen;
	memcpy(q, e->reason, rlen);
	q += rlen;
	if (e->policy_len)
		memcpy(q, e->policy, e->policy_len);
	q[e->policy_len] = 0;
	put32(p + REC_OFF_CHECK, rec_sum(p, size));
}

/* mtasts_cache_rec_decode - check every field of a stored record */

int
mtasts_cache_rec_decode(const unsigned char *p, size_t len,
			struct cache_rec *v, char *why, size_t whylen)
{
	const char *bad = NULL;

	if (len < REC_HEAD)
		bad = "truncated header";
	else if (p[0] != REC_VERSION)
		bad = "unsupported record version";
	else if (!kind_ok(p[1]) || p[3] != 0 || get16(p + 6) != 0)
		bad = "bad header";
	if (bad) {
		mtasts_why(why, whylen, "%s (%zu bytes)", bad, len);
		return (-1);
	}
	v->kind = p[1];
	v->idlen = p[2];
	v->rlen = get16(p + 4);
	v->plen = get32(p + 32);
	if (v->idlen > MTASTS_ID_MAX || v->rlen >= MTASTS_REASON_MAX
	    || v->plen > MTASTS_POLICY_MAX)
		bad = "field length out of range";
	else if (REC_HEAD + v->idlen + v->rlen + v->plen + 1 != len)
		bad = "length mismatch";
	else if (get32(p + REC_OFF_CHECK) != rec_sum(p, len))
		bad = "bad checksum";
	else if (p[len - 1] != 0)
		bad = "missing terminator";
	if (bad == NULL) {
		v->id = p + REC_HEAD;
		v->reason = v->id + v->idlen;
		v->policy = v->reason + v->rlen;
		if (!id_ok(v->id, v->idlen))
			bad = "bad id";
		else if (!text_ok(v->reason, v->rlen))
			bad = "bad reason";
		else if (v->kind == MTASTS_CACHE_POLICY && v->plen == 0)
			bad = "policy entry without policy text";
	}
	if (bad) {
		mtasts_why(why, whylen, "%s (%zu bytes)", bad, len);
		return (-1);
	}
	v->fetched_at = get64(p + 8);
	v->expires_at = get64(p + 16);
	v->last_checked = get64(p + 24);
	return (0);
}

/* mtasts_cache_rec_entry - copy a view into a zeroed entry */

int
mtasts_cache_rec_entry(const void *key, size_t keylen,
		       const struct cache_rec *v,
		       struct mtasts_cache_entry *out)
{
	memcpy(out->domain, key, keylen);
	out->kind = (enum mtasts_cache_kind) v->kind;
	memcpy(out->id, v->id, v->idlen);
	memcpy(out->reason, v->reason, v->rlen);
	out->fetched_at = (time_t) v->fetched_at;
	out->expires_at = (time_t) v->expires_at;
	out->last_checked = (time_t) v->last_checked;
	if (v->plen) {
		if ((out->policy = malloc(v->plen + 1)) == NULL)
			return (-1);
		memcpy(out->policy, v->policy, v->plen + 1);
		out->policy_len = v->plen;
	}
	return (0);
}

/* mtasts_cache_rec_touch - set last_checked in a decoded record's bytes */

void
mtasts_cache_rec_touch(unsigned char *p, size_t len, time_t last_checked)
{
	put64(p + 24, (int64_t) last_checked);
	put32(p + REC_OFF_CHECK, rec_sum(p, len));
}

/* mtasts_cache_entry_free - release what get stored in an entry */

void
mtasts_cache_entry_free(struct mtasts_cache_entry *e)
{
	if (e == NULL)
		return;
	free(e->policy);
	e->policy = NULL;
	e->policy_len = 0;
}

