/*++
 * NAME
 *	fuzz_cache_record 1
 * SUMMARY
 *	libFuzzer target: the policy cache's record decoder (src/cache_rec.c)
 * DESCRIPTION
 *	Cache records are read back from a file that other processes (and
 *	disk damage) may have written; mtasts_cache_rec_decode() must take
 *	any bytes. The first input byte picks the mode:
 *
 *	bit 0 clear: the rest is a stored record. With bit 1 set its
 *	checksum field is first made right, so the fuzzer gets past the
 *	checksum to every other check. A record that decodes must: point
 *	only inside the bytes; give an entry that mtasts_cache_entry_check()
 *	accepts (what was stored can be stored again); encode back to the
 *	same bytes (the format has no slack); and still decode after
 *	mtasts_cache_rec_touch(), with only last_checked changed.
 *
 *	bit 0 set: the rest is an entry, fields split at LF (domain, id,
 *	reason, policy; bit 1 picks the kind, bits 2-7 the times). An entry
 *	that mtasts_cache_entry_check() accepts must encode into exactly
 *	mtasts_cache_rec_size() bytes that decode to the same fields.
 *
 *	Memory errors are ASan's; a broken promise aborts.
 *	Run by tests/fuzz-run.sh and make fuzz.
 *--*/
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mtasts/cache.h>
#include <mtasts/limits.h>
#include <mtasts/status.h>

#include "../src/cache_int.h"

/* The format (src/cache_rec.c): a 40-byte head, the checksum at 36. */
#define REC_HEAD	40
#define REC_OFF_CHECK	36
#define FUZZ_KEY	"example.com"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* fnv - FNV-1a over the record without its checksum field */

static uint32_t
fnv(const unsigned char *p, size_t len)
{
	uint32_t h = 2166136261u;
	size_t	i;

	for (i = 0; i < len; i++)
		if (i < REC_OFF_CHECK || i >= REC_OFF_CHECK + 4)
			h = (h ^ p[i]) * 16777619u;
	return (h);
}

/* same_view - two decoded views of equal content */

static int
same_view(const struct cache_rec *a, const struct cache_rec *b)
{
	return (a->kind == b->kind && a->idlen == b->idlen && a->rlen == b->rlen
		&& a->plen == b->plen && a->fetched_at == b->fetched_at
		&& a->expires_at == b->expires_at
		&& memcmp(a->id, b->id, a->idlen) == 0
		&& memcmp(a->reason, b->reason, a->rlen) == 0
		&& memcmp(a->policy, b->policy, a->plen) == 0);
}

/* stored - bytes as read from the file */

static void
stored(unsigned char *p, size_t len)
{
	struct mtasts_cache_entry e;
	struct cache_rec v, v2;
	unsigned char *again;
	char	why[MTASTS_REASON_MAX];

	if (mtasts_cache_rec_decode(p, len, &v, why, sizeof(why)) != 0)
		return;
	/* Every field the view names lies inside the record. */
	if (v.id < p || v.policy + v.plen + 1 != p + len
	    || v.reason != v.id + v.idlen || v.policy != v.reason + v.rlen)
		abort();
	memset(&e, 0, sizeof(e));
	if (mtasts_cache_rec_entry(FUZZ_KEY, sizeof(FUZZ_KEY) - 1, &v, &e) != 0)
		return;
	if (mtasts_cache_entry_check(&e, why, sizeof(why)) != 0
	    || mtasts_cache_rec_size(&e) != len)
		abort();
	if ((again = malloc(len)) == NULL)
		abort();
	mtasts_cache_rec_encode(&e, again, len);
	if (memcmp(again, p, len) != 0)
		abort();
	mtasts_cache_rec_touch(again, len, (time_t) v.last_checked + 1);
	if (mtasts_cache_rec_decode(again, len, &v2, why, sizeof(why)) != 0
	    || !same_view(&v, &v2) || v2.last_checked != v.last_checked + 1)
		abort();
	free(again);
	mtasts_cache_entry_free(&e);
}

/* field - copy up to LF into out[outlen] (not terminated when full) */

static size_t
field(const uint8_t *p, size_t len, char *out, size_t outlen)
{
	const uint8_t *lf = memchr(p, '\n', len);
	size_t	n = lf ? (size_t) (lf - p) : len;

	memcpy(out, p, n < outlen ? n : outlen);
	return (lf ? n + 1 : n);
}

/* entry - an entry as a caller may pass it to mtasts_cache_put() */

static void
entry(uint8_t flags, const uint8_t *p, size_t len)
{
	struct mtasts_cache_entry e;
	struct cache_rec v;
	unsigned char *rec;
	char	why[MTASTS_REASON_MAX];
	size_t	off = 0, size;

	memset(&e, 0, sizeof(e));
	e.kind = (flags & 2) ? MTASTS_CACHE_POLICY : MTASTS_CACHE_NOPOLICY;
	e.fetched_at = (time_t) (flags >> 2) * 1000000007;
	e.expires_at = e.fetched_at + 86400;
	e.last_checked = -(time_t) (flags >> 4);
	off += field(p + off, len - off, e.domain, sizeof(e.domain));
	off += field(p + off, len - off, e.id, sizeof(e.id));
	off += field(p + off, len - off, e.reason, sizeof(e.reason));
	e.policy = (char *) p + off;
	e.policy_len = len - off;
	if (e.policy_len == 0)
		e.policy = NULL;
	if (mtasts_cache_entry_check(&e, why, sizeof(why)) != 0)
		return;
	size = mtasts_cache_rec_size(&e);
	if ((rec = malloc(size)) == NULL)
		abort();
	mtasts_cache_rec_encode(&e, rec, size);
	if (mtasts_cache_rec_decode(rec, size, &v, why, sizeof(why)) != 0
	    || v.kind != (int) e.kind || v.idlen != strlen(e.id)
	    || memcmp(v.id, e.id, v.idlen) != 0
	    || v.rlen != strlen(e.reason)
	    || memcmp(v.reason, e.reason, v.rlen) != 0
	    || v.plen != e.policy_len
	    || (v.plen && memcmp(v.policy, e.policy, v.plen) != 0)
	    || v.fetched_at != (int64_t) e.fetched_at
	    || v.expires_at != (int64_t) e.expires_at
	    || v.last_checked != (int64_t) e.last_checked)
		abort();
	free(rec);
}

/* LLVMFuzzerTestOneInput - one input */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *p;
	size_t	len;

	if (size == 0)
		return (0);
	if (data[0] & 1) {
		entry(data[0], data + 1, size - 1);
		return (0);
	}
	/* A private copy: the checksum may be fixed, and ASan sees the end. */
	len = size - 1;
	if ((p = malloc(len ? len : 1)) == NULL)
		abort();
	memcpy(p, data + 1, len);
	if ((data[0] & 2) && len >= REC_HEAD) {
		uint32_t h = fnv(p, len);

		p[REC_OFF_CHECK] = (unsigned char) (h >> 24);
		p[REC_OFF_CHECK + 1] = (unsigned char) (h >> 16);
		p[REC_OFF_CHECK + 2] = (unsigned char) (h >> 8);
		p[REC_OFF_CHECK + 3] = (unsigned char) h;
	}
	stored(p, len);
	free(p);
	return (0);
}
