/*++
 * NAME
 *	mutate-run 1
 * SUMMARY
 *	bounded, deterministic mutation run over every parser
 * SYNOPSIS
 *	mutate-run VECTORDIR...
 * DESCRIPTION
 *	Seeds come from the vector files under each VECTORDIR (a
 *	tests/vectors/KIND directory, or tests/vectors and its KIND
 *	subdirectories): the raw file, each input/record/pattern/host value,
 *	each raw block, "pattern\nhost" per match vector and the records
 *	joined by "\n" per select vector. A target is fed its KIND's seeds.
 *
 *	Each iteration copies a seed and applies 1-4 mutations: bit flips,
 *	overwrites with bytes that matter to these grammars, inserts,
 *	deletes, splices from another seed, truncation and repeated chunks
 *	(which push inputs across the size limits). xorshift64* with a
 *	fixed seed makes every run, and so every failure, repeat exactly.
 *	About 200000 iterations run in all.
 *
 *	Crashes are the sanitizer build's to catch; beyond that each target
 *	checks what must hold for any input. txt: ok or perm, an ok id is
 *	1-32 letters and digits, selecting the record alone agrees. select:
 *	ok or none, an ok id is well-formed. policy: limits hold, each mx
 *	matches a host made from it, printing the policy and parsing it
 *	again gives the same JSON, *out is NULL on failure. match: 0 or 1,
 *	independent of letter case. key: an ok domain is valid, lower-case
 *	and normalises to itself, else the output is empty. config:
 *	mut_config() (mutate_config.c) must not crash. Reasons must be
 *	NUL-terminated printable ASCII.
 *
 *	Prints "PASS mutate/TARGET (N inputs)" or "FAIL mutate/TARGET: ..."
 *	and ends with "N passed, N failed"; exits 1 on any failure or when
 *	no seed was found.
 *--*/
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mtasts/buf.h>
#include <mtasts/domain.h>
#include <mtasts/limits.h>
#include <mtasts/match.h>
#include <mtasts/policy.h>
#include <mtasts/status.h>
#include <mtasts/txt.h>

#include "mutate.h"

#define MUT_FILE_MAX	(256 * 1024)	/* vector files larger are skipped */
#define MUT_SPLIT_MAX	40		/* records per select input */
#define MUT_FAIL_SHOW	3		/* failures printed per target */
#define MUT_MATCH_CAP	600		/* "pattern\nhost" inputs */
#define MUT_PATH_MAX	4096

struct seed {
	char	kind[16];
	char   *data;
	size_t	len;
};

static struct seed *seeds;
static size_t nseeds;
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

/* next - xorshift64* */

static uint64_t
next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (rng * 0x2545f4914f6cdd1dULL);
}

/* below - uniform-enough number in [0, n) */

static size_t
below(size_t n)
{
	return (n ? (size_t) (next() % n) : 0);
}

/* add_seed - keep a copy of data as a seed of kind */

static void
add_seed(const char *kind, const char *data, size_t len)
{
	struct seed *s;

	if ((s = realloc(seeds, (nseeds + 1) * sizeof(*s))) == NULL)
		return;
	seeds = s;
	if ((s[nseeds].data = malloc(len + 1)) == NULL)
		return;
	memcpy(s[nseeds].data, data, len);
	s[nseeds].data[len] = 0;
	s[nseeds].len = len;
	/* A kind too long to keep feeds no target of its own, only the pool. */
	if (strlen(kind) >= sizeof(s[nseeds].kind))
		kind = "";
	memcpy(s[nseeds].kind, kind, strlen(kind) + 1);
	nseeds++;
}

/* hexval - hex digit value or -1 */

static int
hexval(int c)
{
	const char *hex = "0123456789abcdef0123456789ABCDEF", *p;

	return (c != 0 && (p = strchr(hex, c)) != NULL ? (int) (p - hex) % 16 : -1);
}

/* unescape - vec.h escapes, in place; unknown escapes stay as they are */

static size_t
unescape(char *s, size_t len)
{
	size_t	i, o = 0;

	for (i = 0; i < len; i++) {
		char	c = s[i];

		if (c == '\\' && i + 1 < len) {
			switch (s[++i]) {
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case '0': c = 0; break;
			case '\\': c = '\\'; break;
			case 'x':
				if (i + 2 < len && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
					c = (char) (hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
					i += 2;
				} else
					c = s[--i];
				break;
			default:
				c = s[--i];
			}
		}
		s[o++] = c;
	}
	return (o);
}

/* load_file - turn one vector file into seeds */

static void
load_file(const char *kind, const char *path)
{
	struct mtasts_buf joined = {0}, pair = {0};
	char   *data, *line, *nl, *end, *tag = NULL;
	size_t	n, blen = 0;
	const char *block = NULL;
	FILE   *fp;

	if ((fp = fopen(path, "r")) == NULL)
		return;
	if ((data = malloc(MUT_FILE_MAX + 1)) == NULL) {
		fclose(fp);
		return;
	}
	n = fread(data, 1, MUT_FILE_MAX + 1, fp);
	fclose(fp);
	if (n > MUT_FILE_MAX) {
		free(data);
		return;
	}
	data[n] = 0;
	add_seed(kind, data, n);
	end = data + n;
	for (line = data; line < end; line = nl + 1) {
		char   *colon, *v;
		size_t	llen;

		if ((nl = memchr(line, '\n', (size_t) (end - line))) == NULL)
			nl = end;
		llen = (size_t) (nl - line);
		if (tag != NULL) {
			if (llen == strlen(tag) && memcmp(line, tag, llen) == 0) {
				add_seed(kind, block, blen);
				free(tag);
				tag = NULL;
			} else {
				blen = (size_t) (nl + (nl < end) - block);
			}
			continue;
		}
		*nl = 0;
		if (line[0] == '#' || (colon = strchr(line, ':')) == NULL) {
			char   *hd = strstr(line, "<<");

			if (line[0] != '#' && hd != NULL && hd[2] != 0) {
				tag = strdup(hd + 2);
				block = nl + 1;
				blen = 0;
			}
			continue;
		}
		*colon = 0;
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			 /* void */ ;
		llen = unescape(v, strlen(v));
		if (strcmp(line, "input") == 0 || strcmp(line, "record") == 0
		    || strcmp(line, "pattern") == 0 || strcmp(line, "host") == 0)
			add_seed(kind, v, llen);
		if (strcmp(line, "record") == 0) {
			if (joined.len)
				mtasts_buf_append(&joined, "\n", 1);
			mtasts_buf_append(&joined, v, llen);
		}
		if (strcmp(line, "pattern") == 0 && pair.len == 0) {
			mtasts_buf_append(&pair, v, llen);
			mtasts_buf_append(&pair, "\n", 1);
		}
		if (strcmp(line, "host") == 0 && pair.len > 0)
			mtasts_buf_append(&pair, v, llen);
	}
	if (joined.len && !joined.oom)
		add_seed(kind, joined.data, joined.len);
	if (pair.len && !pair.oom)
		add_seed(kind, pair.data, pair.len);
	mtasts_buf_free(&joined);
	mtasts_buf_free(&pair);
	free(tag);
	free(data);
}

/* load_dir - seeds from DIR's .vec files (kind: DIR's name) or DIR/KIND */

static void
load_dir(const char *dir, int depth)
{
	const char *kind = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
	char	path[MUT_PATH_MAX];
	struct dirent **names;
	struct stat st;
	int	n, i;

	/* Sorted (C locale), so the seed order and every run are reproducible. */
	if ((n = scandir(dir, &names, NULL, alphasort)) < 0)
		return;
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t	l = strlen(name);
		int	pl = snprintf(path, sizeof(path), "%s/%s", dir, name);

		if (name[0] != '.' && pl > 0 && (size_t) pl < sizeof(path) && stat(path, &st) == 0) {
			if (S_ISDIR(st.st_mode) && depth == 0)
				load_dir(path, 1);
			else if (S_ISREG(st.st_mode) && l > 4 && strcmp(name + l - 4, ".vec") == 0)
				load_file(kind, path);
		}
		free(names[i]);
	}
	free(names);
}

/* of_kind - 1 when seed i feeds a target reading kinds k1 and k2 */

static int
of_kind(size_t i, const char *k1, const char *k2)
{
	return (strcmp(seeds[i].kind, k1) == 0 || (k2 && strcmp(seeds[i].kind, k2) == 0));
}

/* Bytes that mean something to one of the grammars. */
static const char special[] = "\0\n\r \t:;=.*[]-_v9AZaz\x7f\x80\xc3\xff";

/* mutate - apply 1..4 random mutations to buf[0..*len), within cap */

static void
mutate(char *buf, size_t *len, size_t cap)
{
	int	rounds = 1 + (int) below(4), r;

	for (r = 0; r < rounds; r++) {
		size_t	n = *len, pos = below(n + 1), k;
		const struct seed *o;

		switch (below(8)) {
		case 0:				/* bit flip */
			if (n)
				buf[below(n)] ^= (char) (1u << below(8));
			break;
		case 1:				/* overwrite with a special byte */
			if (n)
				buf[below(n)] = special[below(sizeof(special) - 1)];
			break;
		case 2:				/* insert a byte */
			if (n < cap) {
				memmove(buf + pos + 1, buf + pos, n - pos);
				buf[pos] = below(2) ? special[below(sizeof(special) - 1)]
					: (char) below(256);
				(*len)++;
			}
			break;
		case 3:				/* delete a range */
			if (n) {
				pos = below(n);
				k = 1 + below(n - pos < 16 ? n - pos : 16);
				memmove(buf + pos, buf + pos + k, n - pos - k);
				*len -= k;
			}
			break;
		case 4:				/* splice from another seed */
			o = &seeds[below(nseeds)];
			if (o->len) {
				size_t	from = below(o->len);

				k = 1 + below(o->len - from);
				if (k > cap - n)
					k = cap - n;
				memmove(buf + pos + k, buf + pos, n - pos);
				memcpy(buf + pos, o->data + from, k);
				*len += k;
			}
			break;
		case 5:				/* truncate */
			*len = below(n + 1);
			break;
		case 6:				/* repeat a chunk, up to 1000 times */
			if (n) {
				size_t	from = below(n), clen = 1 + below(n - from < 64 ? n - from : 64);
				size_t	times = 1 + below(below(8) == 0 ? 1000 : 8), t;

				for (t = 0; t < times && *len + clen <= cap; t++) {
					memmove(buf + pos + clen, buf + pos, *len - pos);
					memmove(buf + pos, buf + from + (from >= pos ? clen : 0), clen);
					*len += clen;
				}
			}
			break;
		default:			/* overwrite with a random byte */
			if (n)
				buf[below(n)] = (char) below(256);
			break;
		}
	}
}

/* reason_ok - NUL-terminated printable ASCII within size */

static int
reason_ok(const char *s, size_t size)
{
	size_t	i;

	for (i = 0; i < size && s[i]; i++)
		if ((unsigned char) s[i] < 0x20 || (unsigned char) s[i] >= 0x7f)
			return (0);
	return (i < size);
}

/* id_ok - 1-32 letters and digits */

static int
id_ok(const char *id)
{
	size_t	i;

	for (i = 0; id[i]; i++)
		if (!((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z')
		      || (id[i] >= '0' && id[i] <= '9')))
			return (0);
	return (i >= 1 && i <= MTASTS_ID_MAX);
}

/* t_txt - txt target; returns NULL or what went wrong */

static const char *
t_txt(char *buf, size_t len)
{
	char	why[MTASTS_REASON_MAX], why2[MTASTS_REASON_MAX];
	struct mtasts_txt t, t2;
	const char *recs[1] = {buf};
	size_t	lens[1] = {len};
	enum mtasts_status st, st2;

	why[0] = why2[0] = 0;
	st = mtasts_txt_parse(buf, len, &t, why, sizeof(why));
	if (st != MTASTS_OK && st != MTASTS_PERM)
		return ("txt_parse status is neither ok nor perm");
	if (!reason_ok(why, sizeof(why)))
		return ("txt_parse reason not printable");
	if (st == MTASTS_OK && !id_ok(t.id))
		return ("txt_parse ok with a malformed id");
	if (st != MTASTS_OK && t.id[0])
		return ("txt_parse left an id on failure");
	st2 = mtasts_txt_select(recs, lens, 1, &t2, why2, sizeof(why2));
	if (!reason_ok(why2, sizeof(why2)))
		return ("txt_select reason not printable");
	if ((st == MTASTS_OK) != (st2 == MTASTS_OK) || (st == MTASTS_OK && strcmp(t.id, t2.id)))
		return ("txt_select of one record disagrees with txt_parse");
	return (NULL);
}

/* t_select - select target: records split at LF */

static const char *
t_select(char *buf, size_t len)
{
	char	why[MTASTS_REASON_MAX] = "";
	const char *recs[MUT_SPLIT_MAX];
	size_t	lens[MUT_SPLIT_MAX], n = 0, i, start = 0;
	struct mtasts_txt t;
	enum mtasts_status st;

	for (i = 0; i <= len && n < MUT_SPLIT_MAX; i++) {
		if (i == len || buf[i] == '\n') {
			recs[n] = buf + start;
			lens[n++] = i - start;
			start = i + 1;
		}
	}
	st = mtasts_txt_select(recs, lens, n, &t, why, sizeof(why));
	if (st != MTASTS_OK && st != MTASTS_NONE)
		return ("txt_select status is neither ok nor none");
	if (!reason_ok(why, sizeof(why)))
		return ("txt_select reason not printable");
	if (st == MTASTS_OK && !id_ok(t.id))
		return ("txt_select ok with a malformed id");
	return (NULL);
}

/* policy_check - invariants of a parsed policy */

static const char *
policy_check(const struct mtasts_policy *p)
{
	char	host[MTASTS_DOMAIN_MAX + 2];
	size_t	i;
	int	n;

	if (p->mode != MTASTS_MODE_NONE && p->mode != MTASTS_MODE_TESTING
	    && p->mode != MTASTS_MODE_ENFORCE)
		return ("policy mode out of range");
	if (p->max_age > MTASTS_MAX_AGE_MAX)
		return ("policy max_age over the limit");
	if (p->nmx > MTASTS_POLICY_MX_MAX)
		return ("policy has too many mx");
	if (p->mode != MTASTS_MODE_NONE && p->nmx == 0)
		return ("policy without mx accepted");
	for (i = 0; i < p->nmx; i++) {
		const char *mx = p->mx[i], *c;

		for (c = mx; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				return ("mx pattern not lower-cased");
		/* A stored pattern must match a host made from it. */
		n = snprintf(host, sizeof(host), "%s%s", mx[0] == '*' ? "a" : "",
			     mx[0] == '*' ? mx + 1 : mx);
		if (n < 0 || (size_t) n >= sizeof(host))
			return ("mx pattern too long for a host");
		if (!mtasts_mx_match(mx, host))
			return ("stored mx pattern does not match its own host");
	}
	return (NULL);
}

/* t_policy - policy target, with a print-and-reparse round trip */

static const char *
t_policy(char *buf, size_t len)
{
	static struct mtasts_policy sentinel;
	char	why[MTASTS_REASON_MAX] = "";
	struct mtasts_policy *p = &sentinel, *p2 = NULL;
	struct mtasts_buf j1 = {0}, j2 = {0}, text = {0};
	enum mtasts_status st;
	const char *err = NULL;
	size_t	i;

	st = mtasts_policy_parse(buf, len, &p, why, sizeof(why));
	if (!reason_ok(why, sizeof(why)))
		return ("policy_parse reason not printable");
	if (st != MTASTS_OK) {
		if (p != NULL)
			return ("policy_parse left *out set on failure");
		if (st != MTASTS_PERM && st != MTASTS_TEMP)
			return ("policy_parse status is neither perm nor temp");
		if (st == MTASTS_PERM && len <= MTASTS_POLICY_MAX && strncmp(why, "line ", 5) != 0)
			return ("policy_parse reason does not name the line");
		return (NULL);
	}
	if (p == NULL)
		return ("policy_parse ok without a policy");
	if ((err = policy_check(p)) == NULL) {
		mtasts_policy_json(&j1, p);
		mtasts_buf_printf(&text, "version: STSv1\nmode: %s\nmax_age: %lu\n",
				  mtasts_mode_str(p->mode), (unsigned long) p->max_age);
		for (i = 0; i < p->nmx; i++)
			mtasts_buf_printf(&text, "mx: %s\n", p->mx[i]);
		if (j1.oom || text.oom)
			err = NULL;			/* out of memory: nothing to compare */
		else if (strncmp(j1.data, "{\"version\":\"STSv1\",\"mode\":\"", 27) != 0
			 || j1.len < 2 || strcmp(j1.data + j1.len - 2, "]}") != 0)
			err = "policy JSON malformed";
		else if (mtasts_policy_parse(text.data, text.len, &p2, why, sizeof(why)) != MTASTS_OK)
			err = "printed policy does not parse again";
		else {
			mtasts_policy_json(&j2, p2);
			if (!j2.oom && strcmp(j1.data, j2.data) != 0)
				err = "reparsed policy gives different JSON";
		}
	}
	mtasts_policy_free(p);
	mtasts_policy_free(p2);
	mtasts_buf_free(&j1);
	mtasts_buf_free(&j2);
	mtasts_buf_free(&text);
	return (err);
}

/* t_match - match target: "pattern\nhost" */

static const char *
t_match(char *buf, size_t len)
{
	char   *pat, *host, *nl, up[MUT_MATCH_CAP + 1];
	size_t	i;
	int	r;

	/* buf holds len bytes plus room for one more: make two C strings. */
	buf[len] = 0;
	pat = buf;
	if ((nl = memchr(buf, '\n', len)) != NULL) {
		*nl = 0;
		host = nl + 1;
	} else
		host = buf + len;
	r = mtasts_mx_match(pat, host);
	if (r != 0 && r != 1)
		return ("mx_match returned neither 0 nor 1");
	if (r && !mtasts_domain_valid(host))
		return ("mx_match matched an invalid host");
	if (r && strchr(pat, '*') == NULL && !mtasts_mx_match(host, pat))
		return ("exact mx_match is not symmetric");
	/* The same in upper case, on a copy so a failure shows the input. */
	memcpy(up, buf, len + 1);
	for (i = 0; i < len; i++)
		if (up[i] >= 'a' && up[i] <= 'z')
			up[i] = (char) (up[i] - 'a' + 'A');
	if (mtasts_mx_match(up, up + (host - buf)) != r)
		return ("mx_match depends on letter case");
	return (NULL);
}

/* t_key - key target */

static const char *
t_key(char *buf, size_t len)
{
	char	why[MTASTS_REASON_MAX] = "", out[MTASTS_DOMAIN_MAX + 1];
	char	out2[MTASTS_DOMAIN_MAX + 1];
	enum mtasts_status st;
	const char *c;

	buf[len] = 0;
	st = mtasts_key_normalize(buf, out, sizeof(out), why, sizeof(why));
	if (!reason_ok(why, sizeof(why)))
		return ("key_normalize reason not printable");
	if (st == MTASTS_NONE || st == MTASTS_PERM)
		return (out[0] ? "key_normalize left output on failure" : NULL);
	if (st != MTASTS_OK)
		return ("key_normalize status out of range");
	if (!mtasts_domain_valid(out))
		return ("key_normalize gave an invalid domain");
	for (c = out; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			return ("key_normalize output not lower-cased");
	if (c > out && c[-1] == '.')
		return ("key_normalize kept a trailing dot");
	if (mtasts_key_normalize(out, out2, sizeof(out2), why, sizeof(why)) != MTASTS_OK
	    || strcmp(out, out2) != 0)
		return ("key_normalize is not idempotent");
	return (NULL);
}

/* t_config - config target: must not crash (checked by sanitizers) */

static const char *
t_config(char *buf, size_t len)
{
	mut_config(buf, len);
	return (NULL);
}

static const struct target {
	const char *name;
	const char *kind1, *kind2;
	size_t	iterations;
	size_t	cap;			/* largest mutated input */
	const char *(*fn)(char *, size_t);
} targets[] = {
	{"txt", "txt", "select", 40000, MTASTS_TXT_MAX + 64, t_txt},
	{"select", "select", "txt", 20000, MTASTS_TXT_MAX, t_select},
	{"policy", "policy", NULL, 50000, MTASTS_POLICY_MAX + 64, t_policy},
	{"match", "match", NULL, 40000, MUT_MATCH_CAP, t_match},
	{"key", "key", NULL, 40000, MTASTS_KEY_MAX + 64, t_key},
	{"config", "config", NULL, 10000, 16384, t_config},
};

/* main - load seeds, run every target, report */

int
main(int argc, char **argv)
{
	size_t	t, i, pass = 0, fail = 0;
	int	a;

	if (argc < 2) {
		fprintf(stderr, "usage: mutate-run VECTORDIR...\n");
		return (2);
	}
	for (a = 1; a < argc; a++)
		load_dir(argv[a], 0);
	if (nseeds == 0) {
		printf("FAIL mutate: no seeds under the given directories\n");
		printf("0 passed, 1 failed\n");
		return (1);
	}
	for (t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		const struct target *tg = &targets[t];
		size_t	nfail = 0, n = 0, *idx;
		char   *buf, text[MTASTS_PEER_TEXT_MAX];

		buf = malloc(tg->cap + 1);
		if ((idx = calloc(nseeds, sizeof(*idx))) == NULL || buf == NULL) {
			printf("FAIL mutate/%s: out of memory\n", tg->name);
			free(buf);
			fail++;
			continue;
		}
		/* The target's own seeds; all seeds when its kind has none. */
		for (i = 0; i < nseeds; i++)
			if (of_kind(i, tg->kind1, tg->kind2))
				idx[n++] = i;
		for (i = 0; n == 0 && i < nseeds; i++)
			idx[i] = i;
		n = n ? n : nseeds;
		for (i = 0; i < tg->iterations; i++) {
			const struct seed *s = &seeds[idx[below(n)]];
			size_t	len = s->len < tg->cap ? s->len : tg->cap;
			const char *err;

			memcpy(buf, s->data, len);
			mutate(buf, &len, tg->cap);
			if ((err = tg->fn(buf, len)) != NULL && nfail++ < MUT_FAIL_SHOW)
				printf("FAIL mutate/%s: %s (iteration %zu, %zu bytes: \"%s\")\n",
				       tg->name, err, i, len,
				       mtasts_sanitize(buf, len, text, sizeof(text)));
		}
		free(idx);
		free(buf);
		if (nfail) {
			printf("FAIL mutate/%s (%zu of %zu inputs)\n", tg->name, nfail, tg->iterations);
			fail++;
		} else {
			printf("PASS mutate/%s (%zu inputs)\n", tg->name, tg->iterations);
			pass++;
		}
	}
	for (i = 0; i < nseeds; i++)
		free(seeds[i].data);
	free(seeds);
	printf("%zu passed, %zu failed\n", pass, fail);
	return (fail ? 1 : 0);
}
