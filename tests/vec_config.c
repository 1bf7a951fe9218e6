/*++
 * NAME
 *	vec_config 3
 * SUMMARY
 *	config vectors: mtasts.yaml text in, struct mtasts_config checked
 * SYNOPSIS
 *	int vec_config(const struct vec *, char *why, size_t whylen);
 * DESCRIPTION
 *	One vector per file in tests/vectors/config/. Fields:
 *
 *	input<<EOF	the YAML text (a block ends in "\n"), or
 *	file: PATH	a file relative to $srcdir (default "."), read with
 *			mtasts_config_load(); e.g. config/mtasts.yaml
 *	name: NAME	the name given to mtasts_config_parse() (default
 *			"mtasts.yaml"); messages must start with it
 *	expect: ok|error|temp
 *	error: TEXT	(error) TEXT must occur in the message, e.g.
 *			":7:12: fetch.timeout: must be an integer"
 *	error_exact: TEXT  (error) the whole message
 *
 *	Checks of the result (ok), one field each, values as text:
 *	source, ca_file, ca_path, cache_path, json_file	string, or "(null)"
 *	fetch_timeout, cache_negative_ttl,
 *	cache_refresh_interval				decimal seconds
 *	syslog_facility		mail, daemon, user, local0..local7
 *	servers			"host@port,host@port" in file order ("" none)
 *	domains			stored names, comma-separated, in stored order
 *	domain.NAME.mode	unset, enforce, testing, none, ignore
 *	domain.NAME.on_temp_failure	unset, deliver, defer
 *	domain.NAME.mx		patterns, comma-separated ("" none)
 *	lookup.QUERY		mtasts_config_domain(cfg, QUERY)->name or "(null)"
 *	defaults: yes		every setting equals mtasts_config_default()'s
 *
 *	An unknown field fails the vector, so a typo cannot pass unseen.
 *	Every error message must have the form "NAME:LINE:COLUMN: ..." with
 *	LINE and COLUMN positive (or "NAME: ..." for file errors with file:),
 *	and a failed parse must leave *out NULL.
 *--*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <mtasts/buf.h>
#include <mtasts/config.h>

#include "vec.h"

#define DEFAULT_NAME	"mtasts.yaml"

static const struct {
	const char *name;
	int	value;
} facilities[] = {
	{"mail", LOG_MAIL}, {"daemon", LOG_DAEMON}, {"user", LOG_USER},
	{"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
	{"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
	{"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

static const char *const modes[] = {"unset", "enforce", "testing", "none",
"ignore"};
static const char *const temps[] = {"unset", "deliver", "defer"};

/* facility_name - syslog facility as its config name */

static const char *
facility_name(int value)
{
	size_t	i;

	for (i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (facilities[i].value == value)
			return (facilities[i].name);
	return ("(unknown)");
}

/* str_or_null - a string field as text */

static const char *
str_or_null(const char *s)
{
	return (s ? s : "(null)");
}

/* join_servers - "host@port,..." into b */

static void
join_servers(struct mtasts_buf *b, const struct mtasts_config *cfg)
{
	size_t	i;

	mtasts_buf_reset(b);
	mtasts_buf_puts(b, "");
	for (i = 0; i < cfg->nservers; i++)
		mtasts_buf_printf(b, "%s%s@%u", i ? "," : "",
				  cfg->servers[i].host, cfg->servers[i].port);
}

/* join_strs - "a,b,..." into b */

static void
join_strs(struct mtasts_buf *b, char *const *v, size_t n)
{
	size_t	i;

	mtasts_buf_reset(b);
	mtasts_buf_puts(b, "");
	for (i = 0; i < n; i++)
		mtasts_buf_printf(b, "%s%s", i ? "," : "", v[i]);
}

/* domain_field - value of "domain.NAME.WHAT" as text, or NULL */

static const char *
domain_field(const struct mtasts_config *cfg, const char *key,
	     struct mtasts_buf *b)
{
	const struct mtasts_domain_cfg *d;
	const char *dot = strrchr(key, '.');
	size_t	i;
	char	name[512];

	if (dot == NULL || (size_t) (dot - key) >= sizeof(name))
		return (NULL);
	memcpy(name, key, (size_t) (dot - key));
	name[dot - key] = 0;
	for (i = 0, d = NULL; i < cfg->ndomains; i++)
		if (strcmp(cfg->domains[i].name, name) == 0)
			d = &cfg->domains[i];
	if (d == NULL)
		return ("(no such domain)");
	if (strcmp(dot + 1, "mode") == 0)
		return ((unsigned) d->mode < 5 ? modes[d->mode] : "(bad)");
	if (strcmp(dot + 1, "on_temp_failure") == 0)
		return ((unsigned) d->on_temp_failure < 3 ?
			temps[d->on_temp_failure] : "(bad)");
	if (strcmp(dot + 1, "mx") == 0) {
		join_strs(b, d->mx, d->nmx);
		return (b->oom ? "(out of memory)" : b->data);
	}
	return (NULL);
}

/* field - value of a check field as text; NULL when key is unknown */

static const char *
field(const struct mtasts_config *cfg, const char *key, char *num,
      size_t numlen, struct mtasts_buf *b)
{
	const struct mtasts_domain_cfg *d;
	size_t	i;

	if (strcmp(key, "source") == 0)
		return (str_or_null(cfg->source));
	if (strcmp(key, "ca_file") == 0)
		return (str_or_null(cfg->ca_file));
	if (strcmp(key, "ca_path") == 0)
		return (str_or_null(cfg->ca_path));
	if (strcmp(key, "cache_path") == 0)
		return (str_or_null(cfg->cache_path));
	if (strcmp(key, "json_file") == 0)
		return (str_or_null(cfg->json_file));
	if (strcmp(key, "syslog_facility") == 0)
		return (facility_name(cfg->syslog_facility));
	/* An unsigned always fits num[32]. */
	if (strcmp(key, "fetch_timeout") == 0)
		return ((void) snprintf(num, numlen, "%u", cfg->fetch_timeout), num);
	if (strcmp(key, "cache_negative_ttl") == 0)
		return ((void) snprintf(num, numlen, "%u", cfg->cache_negative_ttl), num);
	if (strcmp(key, "cache_refresh_interval") == 0)
		return ((void) snprintf(num, numlen, "%u",
					cfg->cache_refresh_interval), num);
	if (strcmp(key, "servers") == 0) {
		join_servers(b, cfg);
		return (b->oom ? "(out of memory)" : b->data);
	}
	if (strcmp(key, "domains") == 0) {
		mtasts_buf_reset(b);
		mtasts_buf_puts(b, "");
		for (i = 0; i < cfg->ndomains; i++)
			mtasts_buf_printf(b, "%s%s", i ? "," : "", cfg->domains[i].name);
		return (b->oom ? "(out of memory)" : b->data);
	}
	if (strncmp(key, "domain.", 7) == 0)
		return (domain_field(cfg, key + 7, b));
	if (strncmp(key, "lookup.", 7) == 0) {
		d = mtasts_config_domain(cfg, key + 7);
		return (d ? d->name : "(null)");
	}
	return (NULL);
}

/* same_as_default - compare every setting with the built-in defaults */

static int
same_as_default(const struct mtasts_config *cfg, char *why, size_t whylen)
{
	static const char *const keys[] = {"ca_file", "ca_path", "cache_path",
		"json_file", "syslog_facility", "fetch_timeout",
		"cache_negative_ttl", "cache_refresh_interval", "servers",
	"domains"};
	struct mtasts_config *def = mtasts_config_default();
	struct mtasts_buf b1 = {0}, b2 = {0};
	char	n1[32], n2[32];
	const char *a, *d;
	size_t	i;
	int	ret = 0;

	if (def == NULL)
		return (vec_fail(why, whylen, "mtasts_config_default: NULL"));
	if (strcmp(def->source, "(built-in)") != 0)
		ret = vec_fail(why, whylen, "default source: %s", def->source);
	for (i = 0; ret == 0 && i < sizeof(keys) / sizeof(keys[0]); i++) {
		/* Separate buffers: both values stay valid for the compare. */
		a = field(cfg, keys[i], n1, sizeof(n1), &b1);
		d = field(def, keys[i], n2, sizeof(n2), &b2);
		if (a == NULL || d == NULL || strcmp(a, d) != 0)
			ret = vec_fail(why, whylen, "%s: \"%s\", default \"%s\"",
				       keys[i], a ? a : "", d ? d : "");
	}
	mtasts_buf_free(&b1);
	mtasts_buf_free(&b2);
	mtasts_config_free(def);
	return (ret);
}

/* check_form - "NAME:LINE:COL: ..." (or "NAME: ..." when file_ok) */

static int
check_form(const char *msg, const char *name, int file_ok)
{
	size_t	nl = strlen(name), i, digits;
	const char *p;
	int	part;

	if (strncmp(msg, name, nl) != 0 || msg[nl] != ':')
		return (-1);
	p = msg + nl + 1;
	if (file_ok && *p == ' ')
		return (0);
	for (part = 0; part < 2; part++) {
		for (i = digits = 0; p[i] >= '0' && p[i] <= '9'; i++)
			digits++;
		if (digits == 0 || p[0] == '0' || p[i] != ':')
			return (-1);
		p += i + 1;
	}
	return (*p == ' ' && p[1] != 0 ? 0 : -1);
}

/* vec_config - run one config vector */

int
vec_config(const struct vec *v, char *why, size_t whylen)
{
	const char *input, *file, *expect, *name, *want, *got, *srcdir;
	/* Not NULL, so that a failed parse must be seen to clear it. */
	struct mtasts_config *cfg = (struct mtasts_config *) 1;
	struct mtasts_buf b = {0};
	enum mtasts_status st;
	char	msg[1024] = "", path[4096], num[32];
	size_t	len, i;
	int	ret = 0;

	input = vec_get(v, "input", &len);
	file = vec_get(v, "file", NULL);
	expect = vec_get(v, "expect", NULL);
	if ((name = vec_get(v, "name", NULL)) == NULL)
		name = DEFAULT_NAME;
	if ((input == NULL) == (file == NULL) || expect == NULL)
		return (vec_fail(why, whylen, "need input or file, and expect"));
	if (file != NULL) {
		if ((srcdir = getenv("srcdir")) == NULL)
			srcdir = ".";
		if (snprintf(path, sizeof(path), "%s/%s", srcdir, file)
		    >= (int) sizeof(path))
			return (vec_fail(why, whylen, "file path too long"));
		name = path;
		st = mtasts_config_load(path, &cfg, msg, sizeof(msg));
	} else
		st = mtasts_config_parse(input, len, name, &cfg, msg, sizeof(msg));

	if (strcmp(expect, "ok") == 0) {
		if (st != MTASTS_OK || cfg == NULL)
			return (vec_fail(why, whylen, "expected ok, got %s: %s",
					 mtasts_status_str(st), msg));
	} else {
		if (strcmp(expect, "error") == 0 ? st != MTASTS_PERM :
		    strcmp(expect, "temp") == 0 ? st != MTASTS_TEMP : 1) {
			if (st == MTASTS_OK)
				mtasts_config_free(cfg);
			return (vec_fail(why, whylen, "expected %s, got %s: %s",
					 expect, mtasts_status_str(st), msg));
		}
		if (cfg != NULL)
			return (vec_fail(why, whylen, "failed parse left *out set"));
		if (check_form(msg, name, file != NULL) < 0)
			return (vec_fail(why, whylen, "message not NAME:LINE:COL: %s", msg));
		if ((want = vec_get(v, "error", NULL)) != NULL && strstr(msg, want) == NULL)
			return (vec_fail(why, whylen, "message \"%s\" lacks \"%s\"", msg, want));
		if ((want = vec_get(v, "error_exact", NULL)) != NULL && strcmp(msg, want) != 0)
			return (vec_fail(why, whylen, "message \"%s\", want \"%s\"", msg, want));
	}

	for (i = 0; ret == 0 && i < v->n; i++) {
		const char *key = v->f[i].key;

		if (strcmp(key, "input") == 0 || strcmp(key, "file") == 0
		    || strcmp(key, "name") == 0 || strcmp(key, "expect") == 0
		    || strcmp(key, "error") == 0 || strcmp(key, "error_exact") == 0)
			continue;
		if (cfg == NULL) {
			ret = vec_fail(why, whylen, "check %s on a failed parse", key);
		} else if (strcmp(key, "defaults") == 0) {
			ret = same_as_default(cfg, why, whylen);
		} else if ((got = field(cfg, key, num, sizeof(num), &b)) == NULL) {
			ret = vec_fail(why, whylen, "unknown field \"%s\"", key);
		} else if (strcmp(got, v->f[i].val) != 0) {
			ret = vec_fail(why, whylen, "%s: got \"%s\", want \"%s\"",
				       key, got, v->f[i].val);
		}
	}
	mtasts_buf_free(&b);
	mtasts_config_free(cfg);
	return (ret);
}
