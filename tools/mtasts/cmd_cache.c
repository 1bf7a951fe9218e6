/*++
 * NAME
 *	cmd_cache 3
 * SUMMARY
 *	mtasts cache list, show, purge, rebuild, mx-list, mx-purge
 * DESCRIPTION
 *	Inspects and empties the shared policy cache named by cache.path.
 *	Output and exit codes are a contract (mtasts(1)):
 *
 *	cache list [--json]	one line per entry: domain, kind, id, mode,
 *				expires_at, last_checked (times ISO 8601
 *				UTC; "-" for an empty field); --json gives
 *				one JSON object per line with every field
 *				except the policy text
 *	cache show DOMAIN	every field and the policy text; exit 1 and
 *				"mtasts: DOMAIN: not in cache" when absent
 *	cache purge [DOMAIN]	remove one entry or all; "purged DOMAIN" for
 *				each removed entry; exit 1 when DOMAIN is
 *				absent
 *	cache rebuild		when the file is damaged (not LMDB, truncated,
 *				corrupt), move it aside and start empty;
 *				"cache FILE is not damaged" otherwise
 *	cache mx-list [--json]	the MX state file (mxstate.h): one line per
 *				MX host: host, "ok" or "failed", when
 *				(ISO 8601 UTC), reason; --json: one object
 *				per line
 *	cache mx-purge [HOST]	forget one host's TLS outcome or all (after
 *				a fixed certificate, so that the milter
 *				stops refusing at once); as purge
 *
 *	Cache errors print "mtasts: cache FILE: reason" and exit 75
 *	(EX_TEMPFAIL); usage errors exit 64. list and show open the file
 *	read-only and treat a missing file as an empty cache; purge never
 *	creates the file (a root-owned new file would lock the mail system
 *	out of it).
 * SECURITY
 *	Cached policy text came from a web server: show replaces control
 *	characters so it cannot drive the terminal; JSON output escapes it.
 *--*/
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <mtasts/buf.h>
#include <mtasts/cache.h>
#include <mtasts/domain.h>
#include <mtasts/limits.h>
#include <mtasts/mxstate.h>
#include <mtasts/policy.h>

#include "cmd.h"

#define CACHE_USAGE \
	"usage: mtasts cache list [--json] | show DOMAIN | purge [DOMAIN] | rebuild\n" \
	"       mtasts cache mx-list [--json] | mx-purge [HOST]\n"

/* Room for "YYYY-MM-DDTHH:MM:SSZ" even with a far-off year. */
#define ISO_TIME_MAX	32

struct list_ctx {
	int	json;
	struct mtasts_buf out;
};

/* iso_time - ISO 8601 UTC, or the number when gmtime cannot express it */

static const char *
iso_time(time_t t, char *buf, size_t len)
{
	struct tm tm;
	int	n;

	if (gmtime_r(&t, &tm) != NULL
	    && strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
		return (buf);
	n = snprintf(buf, len, "%lld", (long long) t);
	if (n < 0 || (size_t) n >= len)
		return ("?");
	return (buf);
}

/* entry_mode - the policy's mode, or NULL (negative entry, bad policy) */

static const char *
entry_mode(const struct mtasts_cache_entry *e, char *why, size_t whylen)
{
	struct mtasts_policy *pol;
	const char *mode;

	mtasts_why(why, whylen, "no policy text");
	if (e->kind != MTASTS_CACHE_POLICY || e->policy == NULL)
		return (NULL);
	/* Only for display: the store re-parses on every use anyway. */
	if (mtasts_policy_parse(e->policy, e->policy_len, &pol, why, whylen)
	    != MTASTS_OK)
		return (NULL);
	mode = mtasts_mode_str(pol->mode);
	mtasts_policy_free(pol);
	return (mode);
}

/* list_one - print one entry as a text or JSON line */

static int
list_one(void *arg, const struct mtasts_cache_entry *e)
{
	struct list_ctx *lc = arg;
	struct mtasts_buf *b = &lc->out;
	char	t1[ISO_TIME_MAX], t2[ISO_TIME_MAX], t3[ISO_TIME_MAX];
	char	why[MTASTS_REASON_MAX];
	const char *mode = entry_mode(e, why, sizeof(why));

	mtasts_buf_reset(b);
	if (lc->json) {
		mtasts_buf_puts(b, "{\"domain\":");
		mtasts_buf_json_str(b, e->domain);
		mtasts_buf_printf(b, ",\"kind\":\"%s\",\"id\":",
				  mtasts_cache_kind_str(e->kind));
		mtasts_buf_json_str(b, e->id);
		mtasts_buf_puts(b, ",\"mode\":");
		if (mode)
			mtasts_buf_json_str(b, mode);
		else
			mtasts_buf_puts(b, "null");
		mtasts_buf_printf(b, ",\"fetched_at\":\"%s\",\"expires_at\":"
				  "\"%s\",\"last_checked\":\"%s\",\"reason\":",
				  iso_time(e->fetched_at, t1, sizeof(t1)),
				  iso_time(e->expires_at, t2, sizeof(t2)),
				  iso_time(e->last_checked, t3, sizeof(t3)));
		mtasts_buf_json_str(b, e->reason);
		mtasts_buf_puts(b, "}\n");
	} else {
		mtasts_buf_printf(b, "%s %s %s %s %s %s\n", e->domain,
				  mtasts_cache_kind_str(e->kind),
				  *e->id ? e->id : "-", mode ? mode : "-",
				  iso_time(e->expires_at, t2, sizeof(t2)),
				  iso_time(e->last_checked, t3, sizeof(t3)));
	}
	if (b->oom)
		return (-1);
	fputs(b->data, stdout);
	return (0);
}

/* mx_one - print one MX state entry as a text or JSON line */

static int
mx_one(void *arg, const struct mtasts_cache_entry *e)
{
	struct list_ctx *lc = arg;
	struct mtasts_buf *b = &lc->out;
	char	t[ISO_TIME_MAX];
	const char *state;

	/* Only the MX kinds belong here; anything else is not ours to show. */
	if (e->kind == MTASTS_CACHE_MX_TLS_OK)
		state = "ok";
	else if (e->kind == MTASTS_CACHE_MX_TLS_FAIL)
		state = "failed";
	else
		return (0);
	mtasts_buf_reset(b);
	if (lc->json) {
		mtasts_buf_puts(b, "{\"host\":");
		mtasts_buf_json_str(b, e->domain);
		mtasts_buf_printf(b, ",\"tls\":\"%s\",\"at\":\"%s\",\"reason\":",
				  state, iso_time(e->last_checked, t, sizeof(t)));
		mtasts_buf_json_str(b, e->reason);
		mtasts_buf_puts(b, "}\n");
	} else {
		mtasts_buf_printf(b, "%s %s %s %s\n", e->domain, state,
				  iso_time(e->last_checked, t, sizeof(t)),
				  *e->reason ? e->reason : "-");
	}
	if (b->oom)
		return (-1);
	fputs(b->data, stdout);
	return (0);
}

/* cache_fail - report a cache error the contract's way */

static int
cache_fail(const char *path, const char *why)
{
	fprintf(stderr, "mtasts: cache %s: %s\n", path, why);
	return (EX_TEMPFAIL);
}

/* out_done - flush stdout; a lost listing is an error, not a success */

static int
out_done(int ret)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "mtasts: write error on standard output\n");
		return (ret ? ret : EX_IOERR);
	}
	return (ret);
}

/* cache_list - all entries, text or JSON lines */

static int
cache_list(const char *path, int json,
	   int (*one)(void *, const struct mtasts_cache_entry *))
{
	struct mtasts_cache *c;
	struct list_ctx lc;
	char	why[MTASTS_REASON_MAX];
	enum mtasts_status s;
	int	ret = 0;

	s = mtasts_cache_open(path, MTASTS_CACHE_RDONLY, &c, why, sizeof(why));
	if (s == MTASTS_TEMP || s == MTASTS_PERM)
		return (cache_fail(path, why));
	memset(&lc, 0, sizeof(lc));
	lc.json = json;
	/* Good entries are listed even when some records are corrupt. */
	if (mtasts_cache_foreach(c, one, &lc, why, sizeof(why))
	    != MTASTS_OK)
		ret = cache_fail(path, why);
	else if (lc.out.oom) {
		fprintf(stderr, "mtasts: out of memory\n");
		ret = EX_OSERR;
	}
	mtasts_buf_free(&lc.out);
	mtasts_cache_close(c);
	return (out_done(ret));
}

/* put_text - print peer text with control characters made harmless */

static void
put_text(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char) s[i];

		if (ch == '\r' && i + 1 < len && s[i + 1] == '\n')
			continue;		/* CRLF policies print as LF */
		if (ch == '\n' || ch == '\t' || (ch >= 0x20 && ch < 0x7f))
			putchar(ch);
		else
			putchar('?');
	}
	if (len == 0 || s[len - 1] != '\n')
		putchar('\n');
}

/* domain_arg - normalise a DOMAIN argument; 0, 1 (cannot be cached) or 64 */

static int
domain_arg(const char *arg, char *out, size_t outlen)
{
	char	why[MTASTS_REASON_MAX];

	switch (mtasts_key_normalize(arg, out, outlen, why, sizeof(why))) {
	case MTASTS_OK:
		return (0);
	case MTASTS_NONE:
		/* An IP literal or ".parent" form: never a cache key. */
		fprintf(stderr, "mtasts: %s: not in cache\n", arg);
		return (1);
	default:
		fprintf(stderr, "mtasts: %s: %s\n", arg, why);
		return (EX_USAGE);
	}
}

/* cache_show - one entry with its policy text */

static int
cache_show(const char *path, const char *arg)
{
	struct mtasts_cache_entry e;
	struct mtasts_cache *c;
	char	domain[MTASTS_DOMAIN_MAX + 1], why[MTASTS_REASON_MAX];
	char	perr[MTASTS_REASON_MAX], t[ISO_TIME_MAX];
	const char *mode;
	enum mtasts_status s;
	int	ret;

	if ((ret = domain_arg(arg, domain, sizeof(domain))) != 0)
		return (ret);
	s = mtasts_cache_open(path, MTASTS_CACHE_RDONLY, &c, why, sizeof(why));
	if (s == MTASTS_TEMP || s == MTASTS_PERM)
		return (cache_fail(path, why));
	s = mtasts_cache_get(c, domain, &e, why, sizeof(why));
	mtasts_cache_close(c);
	if (s == MTASTS_NONE) {
		fprintf(stderr, "mtasts: %s: not in cache\n", arg);
		return (1);
	}
	if (s != MTASTS_OK)
		return (cache_fail(path, why));
	mode = entry_mode(&e, perr, sizeof(perr));
	printf("domain: %s\nkind: %s\nid: %s\n", e.domain,
	       mtasts_cache_kind_str(e.kind), *e.id ? e.id : "-");
	if (mode)
		printf("mode: %s\n", mode);
	else
		printf("mode: - (%s)\n", perr);
	printf("fetched_at: %s\n", iso_time(e.fetched_at, t, sizeof(t)));
	printf("expires_at: %s\n", iso_time(e.expires_at, t, sizeof(t)));
	printf("last_checked: %s\n", iso_time(e.last_checked, t, sizeof(t)));
	printf("reason: %s\n", *e.reason ? e.reason : "-");
	if (e.policy) {
		printf("policy:\n");
		put_text(e.policy, e.policy_len);
	}
	mtasts_cache_entry_free(&e);
	return (out_done(0));
}

/* purged - print one removed entry */

static void
purged(void *arg, const char *domain)
{
	printf("purged %s\n", domain);
}

/* cache_purge - remove one entry or all */

static int
cache_purge(const char *path, const char *arg)
{
	struct mtasts_cache *c;
	char	domain[MTASTS_DOMAIN_MAX + 1], why[MTASTS_REASON_MAX];
	enum mtasts_status s;
	int	ret = 0;

	if (arg && (ret = domain_arg(arg, domain, sizeof(domain))) != 0)
		return (ret);
	s = mtasts_cache_open(path, MTASTS_CACHE_RDWR | MTASTS_CACHE_NOCREATE,
			      &c, why, sizeof(why));
	if (s == MTASTS_TEMP || s == MTASTS_PERM)
		return (cache_fail(path, why));
	if (arg == NULL)
		s = mtasts_cache_purge(c, purged, NULL, NULL, why, sizeof(why));
	else if ((s = mtasts_cache_del(c, domain, why, sizeof(why)))
		 == MTASTS_OK)
		purged(NULL, domain);
	mtasts_cache_close(c);
	if (s == MTASTS_NONE) {
		fprintf(stderr, "mtasts: %s: not in cache\n", arg);
		ret = 1;
	} else if (s != MTASTS_OK) {
		ret = cache_fail(path, why);
	}
	return (out_done(ret));
}

/* cache_rebuild - move a damaged cache file aside */

static int
cache_rebuild(const char *path)
{
	struct mtasts_cache *c;
	char	why[MTASTS_REASON_MAX], aside[4096 + 64];
	enum mtasts_status s;

	s = mtasts_cache_open(path, MTASTS_CACHE_RDONLY, &c, why, sizeof(why));
	if (s == MTASTS_OK || s == MTASTS_NONE) {
		mtasts_cache_close(c);
		printf("cache %s is not damaged\n", path);
		return (0);
	}
	if (s != MTASTS_PERM)
		return (cache_fail(path, why));
	fprintf(stderr, "mtasts: cache %s: %s\n", path, why);
	if (mtasts_cache_rebuild(path, aside, sizeof(aside), why, sizeof(why)) != MTASTS_OK)
		return (cache_fail(path, why));
	printf("moved the damaged cache to %s; the cache starts empty and "
	       "every policy is fetched again\n", aside);
	return (0);
}

/* cmd_cache - mtasts cache list|show|purge|rebuild */

int
cmd_cache(struct cmd_ctx *ctx, int argc, char **argv)
{
	char	mxpath[MTASTS_CONFIG_STRING_MAX + sizeof(MTASTS_MXSTATE_FILE) + 2];
	const struct mtasts_config *cfg;
	const char *path;

	if (argc < 2)
		goto usage;
	if (strcmp(argv[1], "list") == 0 || strcmp(argv[1], "mx-list") == 0) {
		if (argc > 3 || (argc == 3 && strcmp(argv[2], "--json") != 0))
			goto usage;
	} else if (strcmp(argv[1], "show") == 0) {
		if (argc != 3)
			goto usage;
	} else if (strcmp(argv[1], "purge") == 0 || strcmp(argv[1], "mx-purge") == 0) {
		if (argc > 3)
			goto usage;
	} else if (strcmp(argv[1], "rebuild") == 0) {
		if (argc != 2)
			goto usage;
	} else {
		goto usage;
	}
	if ((cfg = cmd_config(ctx)) == NULL)
		return (EX_CONFIG);
	path = cfg->cache_path ? cfg->cache_path : MTASTS_DEFAULT_CACHE;
	if (strncmp(argv[1], "mx-", 3) == 0) {
		if (mtasts_mxstate_path(cfg, mxpath, sizeof(mxpath)) != MTASTS_OK) {
			fprintf(stderr, "mtasts: MX state file: path too long\n");
			return (EX_CONFIG);
		}
		if (strcmp(argv[1], "mx-list") == 0)
			return (cache_list(mxpath, argc == 3, mx_one));
		return (cache_purge(mxpath, argc == 3 ? argv[2] : NULL));
	}
	if (strcmp(argv[1], "list") == 0)
		return (cache_list(path, argc == 3, list_one));
	if (strcmp(argv[1], "show") == 0)
		return (cache_show(path, argv[2]));
	if (strcmp(argv[1], "rebuild") == 0)
		return (cache_rebuild(path));
	return (cache_purge(path, argc == 3 ? argv[2] : NULL));

usage:
	fputs(CACHE_USAGE, stderr);
	return (EX_USAGE);
}
