/*++
 * NAME
 *	config 3
 * SUMMARY
 *	mtasts.yaml: reading the file and checking it against the schema
 * SYNOPSIS
 *	mtasts_config_load(), mtasts_config_parse(): see mtasts/config.h
 * DESCRIPTION
 *	The file is read with libyaml's event parser and checked against
 *	mtasts_config_schema[] (config_schema.c) as it streams: every key
 *	must be in the table, every value of the type its row names. The same
 *	table gives the defaults and tells mtasts_config_free() what to free,
 *	so a new key needs no code here.
 *
 *	A null value (empty, "~" or "null") keeps the default, so a section
 *	with all keys commented out is fine; an empty file is all defaults.
 *
 *	Entries of a CFG_NAMED mapping ("domains") are collected, then sorted
 *	by their normalised name; two keys that normalise to the same name
 *	are an error; mtasts_config_domain() can then bisect.
 * DIAGNOSTICS
 *	"NAME:LINE:COLUMN: key.path: message" (1-based, from libyaml's
 *	marks; YAML syntax errors have no key path) with MTASTS_PERM;
 *	MTASTS_TEMP only when memory runs out.
 * SECURITY
 *	The file decides which MX hosts are trusted, so anything unexpected
 *	is an error rather than a silent default. Anchors and aliases are
 *	refused (no "billion laughs"), explicit tags are refused, the size
 *	is bounded by MTASTS_CONFIG_MAX and nesting by MTASTS_CONFIG_DEPTH_MAX.
 *	Text quoted from the file in a message goes through mtasts_sanitize().
 *--*/
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include <mtasts/config.h>
#include <mtasts/limits.h>
#include <mtasts/status.h>

#include "config_schema.h"

struct cfg_ctx {
	yaml_parser_t parser;
	const char *text;
	size_t	len;
	char	name[MTASTS_CONFIG_STRING_MAX + 1];	/* sanitised */
	char	spath[MTASTS_CONFIG_SCHEMA_PATH_MAX];	/* schema path, "domains.*" */
	char	dpath[MTASTS_CONFIG_SCHEMA_PATH_MAX];	/* as written, "domains.Example.com" */
	int	depth;
	size_t	nrows;
	enum mtasts_status err;
	char   *why;
	size_t	whylen;
};

struct cfg_saved {
	size_t	slen;
	size_t	dlen;
};

/* Where a CFG_NAMED entry was, to report duplicates after sorting. */
struct cfg_entry_mark {
	const char *name;
	size_t	idx;
	yaml_mark_t mark;
};

static int parse_section(struct cfg_ctx *, void *, const yaml_event_t *);

/* report - format "NAME:LINE:COL: [path: ]message", mark the failure */

static int __attribute__((format(printf, 5, 6)))
report(struct cfg_ctx *ctx, size_t line, size_t col, int with_path,
       const char *fmt, ...)
{
	char	msg[MTASTS_REASON_MAX];
	va_list	ap;

	/* A message cut short still says what and where; why is bounded too. */
	va_start(ap, fmt);
	(void) vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (with_path && ctx->dpath[0])
		mtasts_why(ctx->why, ctx->whylen, "%s:%zu:%zu: %s: %s",
			   ctx->name, line, col, ctx->dpath, msg);
	else
		mtasts_why(ctx->why, ctx->whylen, "%s:%zu:%zu: %s",
			   ctx->name, line, col, msg);
	ctx->err = MTASTS_PERM;
	return (-1);
}

/* fail - error at a libyaml mark (0-based), naming the current key path */
#define fail(ctx, mark, ...) \
	report((ctx), (mark)->line + 1, (mark)->column + 1, 1, __VA_ARGS__)

/* oom - out of memory: a temporary failure */

static int
oom(struct cfg_ctx *ctx)
{
	mtasts_why(ctx->why, ctx->whylen, "%s: out of memory", ctx->name);
	ctx->err = MTASTS_TEMP;
	return (-1);
}

/* syntax_fail - report libyaml's own error */

static int
syntax_fail(struct cfg_ctx *ctx)
{
	yaml_parser_t *p = &ctx->parser;
	size_t	i, line = p->problem_mark.line + 1, col = p->problem_mark.column + 1;

	if (p->error == YAML_MEMORY_ERROR)
		return (oom(ctx));
	if (p->error == YAML_READER_ERROR) {
		/* Reader errors have a byte offset, no mark: count as marks do. */
		for (line = col = 1, i = 0; i < p->problem_offset && i < ctx->len; i++) {
			if (ctx->text[i] == '\n') {
				line++;
				col = 1;
			} else if (((unsigned char) ctx->text[i] & 0xc0) != 0x80)
				col++;
		}
	}
	return (report(ctx, line, col, 0, "syntax error: %s%s%s%s",
		       p->problem ? p->problem : "malformed YAML",
		       p->context ? " (" : "", p->context ? p->context : "",
		       p->context ? ")" : ""));
}

/* next_event - next libyaml event, refusing aliases, tags, deep nesting */

static int
next_event(struct cfg_ctx *ctx, yaml_event_t *ev)
{
	const yaml_char_t *anchor = NULL, *tag = NULL;

	if (!yaml_parser_parse(&ctx->parser, ev))
		return (syntax_fail(ctx));
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		anchor = ev->data.alias.anchor;
		break;
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
		ctx->depth++;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
		ctx->depth++;
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		ctx->depth--;
		break;
	default:
		break;
	}
	if (anchor != NULL)
		(void) fail(ctx, &ev->start_mark, "anchors and aliases are not allowed");
	else if (tag != NULL)
		(void) fail(ctx, &ev->start_mark, "tags are not allowed");
	else if (ctx->depth > MTASTS_CONFIG_DEPTH_MAX)
		(void) fail(ctx, &ev->start_mark, "nested deeper than %d levels",
			    MTASTS_CONFIG_DEPTH_MAX);
	else
		return (0);
	yaml_event_delete(ev);
	return (-1);
}

/* is_null - a plain empty, "~" or "null" scalar: keep the default */

static int
is_null(const yaml_event_t *ev)
{
	const char *v = (const char *) ev->data.scalar.value;

	/* Plain scalars cannot hold a NUL (only double quotes can escape one). */
	return (ev->type == YAML_SCALAR_EVENT
		&& ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
		&& (*v == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0
		    || strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0));
}

/* path_add - append ".seg" (or "seg" at the top) to a path buffer */

static void
path_add(char *buf, size_t size, const char *seg)
{
	size_t	len = strlen(buf);
	int	n;

	n = snprintf(buf + len, size - len, "%s%s", len ? "." : "", seg);
	/* Only a display path can be this long: it then lacks the segment. */
	if (n < 0 || (size_t) n >= size - len)
		buf[len] = 0;
}

/* path_push - descend into key: schema segment sseg, display text key */

static struct cfg_saved
path_push(struct cfg_ctx *ctx, const char *sseg, const char *key, size_t klen)
{
	struct cfg_saved s = {strlen(ctx->spath), strlen(ctx->dpath)};
	char	show[MTASTS_DOMAIN_MAX + 1];

	path_add(ctx->dpath, sizeof(ctx->dpath),
		 mtasts_sanitize(key, klen, show, sizeof(show)));
	if (sseg != NULL)
		path_add(ctx->spath, sizeof(ctx->spath), sseg);
	return (s);
}

/* path_pop - back to where path_push() started */

static void
path_pop(struct cfg_ctx *ctx, struct cfg_saved s)
{
	ctx->spath[s.slen] = 0;
	ctx->dpath[s.dlen] = 0;
}

/* check_required - every required key under the current path was seen */

static int
check_required(struct cfg_ctx *ctx, const unsigned char *seen,
	       const yaml_mark_t *mark)
{
	const char *missing = mtasts_cfg_missing(ctx->spath, seen);

	if (missing != NULL)
		return (fail(ctx, mark, "missing required key \"%s\"", missing));
	return (0);
}

/* parse_scalar - CFG_STRING, CFG_SECONDS, CFG_ENUM: one scalar value */

static int
parse_scalar(struct cfg_ctx *ctx, const struct cfg_key *k, void *base,
	     const yaml_event_t *ev)
{
	char	err[MTASTS_REASON_MAX];
	enum mtasts_status st;

	if (ev->type != YAML_SCALAR_EVENT) {
		mtasts_cfg_expect(k, err, sizeof(err));
		return (fail(ctx, &ev->start_mark, "%s", err));
	}
	if (is_null(ev))
		return (0);
	st = mtasts_cfg_scalar(k, base, (const char *) ev->data.scalar.value,
			       ev->data.scalar.length, err, sizeof(err));
	if (st == MTASTS_TEMP)
		return (oom(ctx));
	if (st != MTASTS_OK)
		return (fail(ctx, &ev->start_mark, "%s", err));
	return (0);
}

/* call_item - convert scalar ev into elem with the row's item() */

static int
call_item(struct cfg_ctx *ctx, const struct cfg_key *k, const yaml_event_t *ev,
	  void *elem)
{
	char	err[MTASTS_REASON_MAX];
	enum mtasts_status st;

	memset(elem, 0, k->elem_size);
	st = k->item((const char *) ev->data.scalar.value,
		     ev->data.scalar.length, elem, err, sizeof(err));
	if (st == MTASTS_TEMP)
		return (oom(ctx));
	if (st != MTASTS_OK)
		return (fail(ctx, &ev->start_mark, "%s", err));
	return (0);
}

/* grow - make room for one more of size bytes in *arr */

static int
grow(char **arr, size_t *cap, size_t n, size_t size)
{
	char   *na;
	size_t	ncap;

	if (n < *cap)
		return (0);
	ncap = *cap ? *cap * 2 : 4;
	if ((na = realloc(*arr, ncap * size)) == NULL)
		return (-1);
	*arr = na;
	*cap = ncap;
	return (0);
}

/* parse_list - CFG_LIST: a sequence of scalars, each through item() */

static int
parse_list(struct cfg_ctx *ctx, const struct cfg_key *k, void *base,
	   const yaml_event_t *ev)
{
	char   *arr = NULL;
	size_t	n = 0, cap = 0, i;
	yaml_event_t it;

	if (is_null(ev))
		return (0);
	if (ev->type != YAML_SEQUENCE_START_EVENT)
		return (fail(ctx, &ev->start_mark, "must be a list"));
	for (;;) {
		if (next_event(ctx, &it) < 0)
			goto bad;
		if (it.type == YAML_SEQUENCE_END_EVENT)
			break;
		if (it.type != YAML_SCALAR_EVENT)
			(void) fail(ctx, &it.start_mark, "entries must be strings");
		else if (n >= k->max)
			(void) fail(ctx, &it.start_mark, "more than %lu entries", k->max);
		else if (grow(&arr, &cap, n, k->elem_size) < 0)
			(void) oom(ctx);
		else if (call_item(ctx, k, &it, arr + n * k->elem_size) == 0)
			n++;
		yaml_event_delete(&it);
		if (ctx->err != MTASTS_OK)
			goto bad;
	}
	yaml_event_delete(&it);
	*(char **) ((char *) base + k->off) = arr;
	*(size_t *) ((char *) base + k->off_n) = n;
	return (0);

bad:
	for (i = 0; k->item_free && i < n; i++)
		k->item_free(arr + i * k->elem_size);
	free(arr);
	return (-1);
}

/* cmp_entry - order entry marks by name, then by position in the file */

static int
cmp_entry(const void *a, const void *b)
{
	const struct cfg_entry_mark *x = a, *y = b;
	int	r = strcmp(x->name, y->name);

	return (r ? r : (x->idx > y->idx) - (x->idx < y->idx));
}

/* named_entry - one "name: {keys}" of a CFG_NAMED mapping into elem */

static int
named_entry(struct cfg_ctx *ctx, char *elem, const yaml_event_t *key)
{
	struct cfg_saved saved;
	yaml_event_t val;
	int	r;

	saved = path_push(ctx, "*", (const char *) key->data.scalar.value,
			  key->data.scalar.length);
	if (mtasts_cfg_defaults(ctx->spath, elem) < 0)
		return (oom(ctx));
	if (next_event(ctx, &val) < 0)
		return (-1);
	r = parse_section(ctx, elem, &val);
	yaml_event_delete(&val);
	path_pop(ctx, saved);
	return (r);
}

/* parse_named - CFG_NAMED: name -> mapping, stored sorted by name */

static int
parse_named(struct cfg_ctx *ctx, const struct cfg_key *k, void *base,
	    const yaml_event_t *ev)
{
	char   *arr = NULL, *sorted = NULL, *mbuf = NULL;
	struct cfg_entry_mark *marks;
	size_t	n = 0, cap = 0, mcap = 0, i;
	yaml_event_t key;
	int	ret = -1;

	if (is_null(ev))
		return (0);
	if (ev->type != YAML_MAPPING_START_EVENT)
		return (fail(ctx, &ev->start_mark, "must be a mapping"));
	for (;;) {
		if (next_event(ctx, &key) < 0)
			goto out;
		if (key.type == YAML_MAPPING_END_EVENT)
			break;
		if (key.type != YAML_SCALAR_EVENT)
			(void) fail(ctx, &key.start_mark, "keys must be strings");
		else if (n >= k->max)
			(void) fail(ctx, &key.start_mark, "more than %lu entries", k->max);
		else if (grow(&arr, &cap, n, k->elem_size) < 0
			 || grow(&mbuf, &mcap, n, sizeof(*marks)) < 0)
			(void) oom(ctx);
		else if (call_item(ctx, k, &key, arr + n * k->elem_size) == 0) {
			marks = (struct cfg_entry_mark *) mbuf;
			marks[n].name = *(char **) (arr + n * k->elem_size);
			marks[n].idx = n;
			marks[n].mark = key.start_mark;
			n++;
			(void) named_entry(ctx, arr + (n - 1) * k->elem_size, &key);
		}
		yaml_event_delete(&key);
		if (ctx->err != MTASTS_OK)
			goto out;
	}
	yaml_event_delete(&key);

	marks = (struct cfg_entry_mark *) mbuf;
	if (n > 0) {
		qsort(marks, n, sizeof(*marks), cmp_entry);
		for (i = 1; i < n; i++) {
			if (strcmp(marks[i - 1].name, marks[i].name) == 0) {
				(void) path_push(ctx, NULL, marks[i].name, strlen(marks[i].name));
				(void) fail(ctx, &marks[i].mark, "duplicate key (first at "
					    "line %zu)", (size_t) marks[i - 1].mark.line + 1);
				goto out;
			}
		}
		if ((sorted = malloc(n * k->elem_size)) == NULL) {
			(void) oom(ctx);
			goto out;
		}
		for (i = 0; i < n; i++)
			memcpy(sorted + i * k->elem_size,
			       arr + marks[i].idx * k->elem_size, k->elem_size);
		free(arr);
		arr = sorted;
	}
	*(char **) ((char *) base + k->off) = arr;
	*(size_t *) ((char *) base + k->off_n) = n;
	arr = NULL;
	ret = 0;

out:
	for (i = 0; arr != NULL && i < n; i++)
		mtasts_cfg_free_entry(k, arr + i * k->elem_size);
	free(arr);
	free(mbuf);
	return (ret);
}

/* parse_value - a leaf key's value, by the type its row names */

static int
parse_value(struct cfg_ctx *ctx, const struct cfg_key *k, void *base,
	    const yaml_event_t *ev)
{
	switch (k->type) {
	case CFG_STRING:
	case CFG_SECONDS:
	case CFG_ENUM:
		return (parse_scalar(ctx, k, base, ev));
	case CFG_LIST:
		return (parse_list(ctx, k, base, ev));
	case CFG_NAMED:
		return (parse_named(ctx, k, base, ev));
	}
	return (fail(ctx, &ev->start_mark, "unsupported type in schema"));
}

/* parse_mapping - keys of the section at ctx->spath, after its start */

static int
parse_mapping(struct cfg_ctx *ctx, void *base, const yaml_mark_t *start)
{
	const char *text;
	struct cfg_saved saved;
	yaml_event_t key, val;
	unsigned char *seen;
	size_t	len;
	long	i;
	int	leaf, r, ret = -1;

	if ((seen = calloc(ctx->nrows ? ctx->nrows : 1, 1)) == NULL)
		return (oom(ctx));
	for (;;) {
		if (next_event(ctx, &key) < 0)
			goto out;
		if (key.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&key);
			break;
		}
		if (key.type != YAML_SCALAR_EVENT) {
			(void) fail(ctx, &key.start_mark, "keys must be strings");
			yaml_event_delete(&key);
			goto out;
		}
		text = (const char *) key.data.scalar.value;
		len = key.data.scalar.length;
		i = mtasts_cfg_find(ctx->spath, text, len, &leaf);
		/* Once found, the key is a schema segment: short, no NUL. */
		saved = path_push(ctx, i < 0 ? NULL : text, text, len);
		if (i < 0 || seen[i]) {
			(void) fail(ctx, &key.start_mark, i < 0 ? "unknown key" :
				    "duplicate key");
			yaml_event_delete(&key);
			goto out;
		}
		seen[i] = 1;
		yaml_event_delete(&key);
		if (next_event(ctx, &val) < 0)
			goto out;
		if (leaf)
			r = parse_value(ctx, &mtasts_config_schema[i], base, &val);
		else
			r = parse_section(ctx, base, &val);
		yaml_event_delete(&val);
		if (r < 0)
			goto out;
		path_pop(ctx, saved);
	}
	ret = check_required(ctx, seen, start);
out:
	free(seen);
	return (ret);
}

/* parse_section - a mapping of keys (or null) at the current path */

static int
parse_section(struct cfg_ctx *ctx, void *base, const yaml_event_t *ev)
{
	if (is_null(ev))
		return (check_required(ctx, NULL, &ev->start_mark));
	if (ev->type == YAML_MAPPING_START_EVENT)
		return (parse_mapping(ctx, base, &ev->start_mark));
	if (ctx->dpath[0] == 0)
		return (fail(ctx, &ev->start_mark, "the top level must be a mapping"));
	return (fail(ctx, &ev->start_mark, "must be a mapping"));
}

/* parse_stream - the whole file: zero or one document, a mapping */

static int
parse_stream(struct cfg_ctx *ctx, struct mtasts_config *cfg)
{
	yaml_event_t ev;
	yaml_mark_t mark;
	int	r;

	if (next_event(ctx, &ev) < 0)		/* stream start */
		return (-1);
	yaml_event_delete(&ev);
	if (next_event(ctx, &ev) < 0)
		return (-1);
	mark = ev.start_mark;
	r = ev.type;
	yaml_event_delete(&ev);
	if (r == YAML_STREAM_END_EVENT)		/* empty: all defaults */
		return (check_required(ctx, NULL, &mark));
	if (next_event(ctx, &ev) < 0)		/* the document's root */
		return (-1);
	r = parse_section(ctx, cfg, &ev);
	yaml_event_delete(&ev);
	if (r < 0 || next_event(ctx, &ev) < 0)	/* document end */
		return (-1);
	yaml_event_delete(&ev);
	if (next_event(ctx, &ev) < 0)
		return (-1);
	r = (ev.type == YAML_STREAM_END_EVENT) ? 0 :
		fail(ctx, &ev.start_mark, "only one YAML document is allowed");
	yaml_event_delete(&ev);
	return (r);
}

/* mtasts_config_parse - configuration from text in memory */

enum mtasts_status
mtasts_config_parse(const char *text, size_t len, const char *name,
		    struct mtasts_config **out, char *why, size_t whylen)
{
	struct mtasts_config *cfg = NULL;
	struct cfg_ctx *ctx;
	const struct cfg_key *k;
	enum mtasts_status st;
	char   *src = NULL;

	*out = NULL;
	if (name == NULL)
		name = "(config)";
	if (why != NULL && whylen > 0)
		why[0] = 0;
	if (len > MTASTS_CONFIG_MAX) {
		mtasts_why(why, whylen, "%s: larger than %d bytes", name,
			   MTASTS_CONFIG_MAX);
		return (MTASTS_PERM);
	}
	/* The context holds path buffers of a few KiB: keep them off the stack. */
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL
	    || (cfg = mtasts_config_default()) == NULL
	    || (src = strdup(name)) == NULL
	    || !yaml_parser_initialize(&ctx->parser)) {
		mtasts_config_free(cfg);
		free(src);
		free(ctx);
		mtasts_why(why, whylen, "%s: out of memory", name);
		return (MTASTS_TEMP);
	}
	free(cfg->source);
	cfg->source = src;
	(void) mtasts_sanitize(name, strlen(name), ctx->name, sizeof(ctx->name));
	ctx->text = text ? text : "";
	ctx->len = text ? len : 0;
	ctx->why = why;
	ctx->whylen = whylen;
	for (k = mtasts_config_schema; k->path; k++)
		ctx->nrows++;
	yaml_parser_set_input_string(&ctx->parser,
				     (const unsigned char *) ctx->text, ctx->len);
	if (parse_stream(ctx, cfg) < 0) {
		st = ctx->err != MTASTS_OK ? ctx->err : MTASTS_PERM;
		mtasts_config_free(cfg);
	} else {
		st = MTASTS_OK;
		*out = cfg;
	}
	yaml_parser_delete(&ctx->parser);
	free(ctx);
	return (st);
}

/* mtasts_config_open - -c FILE, else the default file, else built-in defaults */

enum mtasts_status
mtasts_config_open(const char *path, struct mtasts_config **out,
		   char *why, size_t whylen)
{
	/*
	 * Without a path, a missing default file means built-in defaults,
	 * so the programs work before anything is installed; a path the
	 * admin named must exist.
	 */
	if (path == NULL && access(MTASTS_DEFAULT_CONFIG, F_OK) != 0) {
		if ((*out = mtasts_config_default()) == NULL) {
			mtasts_why(why, whylen, "out of memory");
			return (MTASTS_TEMP);
		}
		return (MTASTS_OK);
	}
	return (mtasts_config_load(path ? path : MTASTS_DEFAULT_CONFIG, out,
				   why, whylen));
}

/* mtasts_config_load - configuration from a file */

enum mtasts_status
mtasts_config_load(const char *path, struct mtasts_config **out,
		   char *why, size_t whylen)
{
	enum mtasts_status st;
	struct stat sb;
	const char *err = NULL;
	char   *buf;
	size_t	len = 0;
	ssize_t	n;
	int	fd;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		mtasts_why(why, whylen, "%s: %s", path, strerror(errno));
		return (MTASTS_PERM);
	}
	/* A FIFO or device could block or never end. */
	if (fstat(fd, &sb) < 0)
		err = strerror(errno);
	else if (!S_ISREG(sb.st_mode))
		err = "not a regular file";
	if (err != NULL) {
		mtasts_why(why, whylen, "%s: %s", path, err);
		(void) close(fd);
		return (MTASTS_PERM);
	}
	/* One byte more than allowed tells "too large" from "just fits". */
	if ((buf = malloc(MTASTS_CONFIG_MAX + 1)) == NULL) {
		(void) close(fd);
		mtasts_why(why, whylen, "%s: out of memory", path);
		return (MTASTS_TEMP);
	}
	while (len <= MTASTS_CONFIG_MAX) {
		n = read(fd, buf + len, MTASTS_CONFIG_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			mtasts_why(why, whylen, "%s: %s", path, strerror(errno));
			free(buf);
			(void) close(fd);
			return (MTASTS_PERM);
		}
		if (n == 0)
			break;
		len += (size_t) n;
	}
	(void) close(fd);
	st = mtasts_config_parse(buf, len, path, out, why, whylen);
	free(buf);
	return (st);
}
