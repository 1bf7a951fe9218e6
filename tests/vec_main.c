/*++
 * NAME
 *	vectors-run 1
 * SUMMARY
 *	run test vectors (data files) against the core library
 * SYNOPSIS
 *	vectors-run DIR...
 * DESCRIPTION
 *	Each DIR is tests/vectors/KIND; every *.vec file in it is one test,
 *	run by the handler for KIND. Prints "PASS file" or "FAIL file: why"
 *	per vector and ends with "N passed, N failed". Exits 1 on any
 *	failure, or when no vector ran (a suite that tests nothing must not
 *	look green).
 *--*/
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

static const struct {
	const char *kind;
	int	(*fn)(const struct vec *, char *, size_t);
} handlers[] = {
	{"txt", vec_txt},
	{"select", vec_select},
	{"policy", vec_policy},
	{"match", vec_match},
	{"key", vec_key},
	{"config", vec_config},
	{"http", vec_http},
	{"netstring", vec_netstring},
	{"maillog", vec_maillog},
};

/* vec_fail - set why, return -1 */

int
vec_fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void) vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return (-1);
}

/* vec_nth - n-th value of key */

const char *
vec_nth(const struct vec *v, const char *key, size_t n, size_t *len)
{
	size_t	i;

	for (i = 0; i < v->n; i++) {
		if (strcmp(v->f[i].key, key) != 0)
			continue;
		if (n-- == 0) {
			if (len)
				*len = v->f[i].len;
			return (v->f[i].val);
		}
	}
	return (NULL);
}

/* vec_get - first value of key */

const char *
vec_get(const struct vec *v, const char *key, size_t *len)
{
	return (vec_nth(v, key, 0, len));
}

/* vec_count - occurrences of key */

size_t
vec_count(const struct vec *v, const char *key)
{
	size_t	i, n = 0;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->f[i].key, key) == 0)
			n++;
	return (n);
}

/* hexval - value of a hex digit or -1 */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* unescape - decode \n \r \t \\ \0 \xHH in place; returns new length or -1 */

static long
unescape(char *s, size_t len)
{
	size_t	i, o = 0;

	for (i = 0; i < len; i++) {
		if (s[i] != '\\') {
			s[o++] = s[i];
			continue;
		}
		if (++i >= len)
			return (-1);
		switch (s[i]) {
		case 'n': s[o++] = '\n'; break;
		case 'r': s[o++] = '\r'; break;
		case 't': s[o++] = '\t'; break;
		case '0': s[o++] = '\0'; break;
		case '\\': s[o++] = '\\'; break;
		case 'x':
			if (i + 2 >= len || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0)
				return (-1);
			s[o++] = (char) (hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
			break;
		default:
			return (-1);
		}
	}
	s[o] = 0;
	return ((long) o);
}

/* add_field - append a field; takes ownership of key and val */

static int
add_field(struct vec *v, char *key, char *val, size_t len)
{
	struct vec_field *f;

	if ((f = realloc(v->f, (v->n + 1) * sizeof(*f))) == NULL)
		return (-1);
	v->f = f;
	f[v->n].key = key;
	f[v->n].val = val;
	f[v->n].len = len;
	v->n++;
	return (0);
}

/* vec_load - read and parse one vector file */

int
vec_load(const char *path, struct vec *v, char *why, size_t whylen)
{
	FILE   *fp;
	char   *line = NULL, *block = NULL;
	size_t	cap = 0, blen = 0;
	ssize_t	n;
	char   *tag = NULL, *bkey = NULL;
	int	lineno = 0, ret = -1;

	memset(v, 0, sizeof(*v));
	v->path = path;
	if ((fp = fopen(path, "r")) == NULL)
		return (vec_fail(why, whylen, "%s: %s", path, strerror(errno)));
	while ((n = getline(&line, &cap, fp)) >= 0) {
		lineno++;
		if (tag != NULL) {
			char   *nb;

			if (n > 0 && line[n - 1] == '\n')
				line[--n] = 0;
			if (strcmp(line, tag) == 0) {
				if (add_field(v, bkey, block ? block : strdup(""), blen) < 0)
					goto out;
				bkey = block = NULL;
				blen = 0;
				free(tag);
				tag = NULL;
				continue;
			}
			if ((nb = realloc(block, blen + (size_t) n + 2)) == NULL)
				goto out;
			block = nb;
			memcpy(block + blen, line, (size_t) n);
			blen += (size_t) n;
			block[blen++] = '\n';
			block[blen] = 0;
			continue;
		}
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = 0;
		if (n == 0 || line[0] == '#')
			continue;
		{
			char   *colon = strchr(line, ':');
			char   *heredoc = strstr(line, "<<");

			if (heredoc && (!colon || heredoc < colon)) {
				*heredoc = 0;
				if ((bkey = strdup(line)) == NULL
				    || (tag = strdup(heredoc + 2)) == NULL)
					goto out;
				if (*tag == 0) {
					vec_fail(why, whylen, "%s:%d: empty heredoc tag", path, lineno);
					goto out;
				}
				continue;
			}
			if (colon == NULL) {
				vec_fail(why, whylen, "%s:%d: expected 'key: value'", path, lineno);
				goto out;
			} else {
				char   *val = colon + 1, *k, *vcopy;
				long	vlen;

				*colon = 0;
				while (*val == ' ' || *val == '\t')
					val++;
				if ((k = strdup(line)) == NULL || (vcopy = strdup(val)) == NULL) {
					free(k);
					goto out;
				}
				if ((vlen = unescape(vcopy, strlen(vcopy))) < 0) {
					free(k);
					free(vcopy);
					vec_fail(why, whylen, "%s:%d: bad escape", path, lineno);
					goto out;
				}
				if (add_field(v, k, vcopy, (size_t) vlen) < 0) {
					free(k);
					free(vcopy);
					goto out;
				}
			}
		}
	}
	if (tag != NULL) {
		vec_fail(why, whylen, "%s: heredoc '%s' not closed", path, tag);
		goto out;
	}
	ret = 0;
out:
	if (ret < 0 && why[0] == 0)
		vec_fail(why, whylen, "%s: out of memory", path);
	free(line);
	free(block);
	free(tag);
	free(bkey);
	fclose(fp);
	if (ret < 0)
		vec_free(v);
	return (ret);
}

/* vec_free - release a vector */

void
vec_free(struct vec *v)
{
	size_t	i;

	for (i = 0; i < v->n; i++) {
		free(v->f[i].key);
		free(v->f[i].val);
	}
	free(v->f);
	v->f = NULL;
	v->n = 0;
}

static int
cmpstr(const void *a, const void *b)
{
	return (strcmp(*(char *const *) a, *(char *const *) b));
}

/* run_dir - run every .vec file in dir with its handler */

static void
run_dir(const char *dir, int *pass, int *fail)
{
	const char *kind = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
	int	(*fn)(const struct vec *, char *, size_t) = NULL;
	char  **names = NULL;
	size_t	nnames = 0, i;
	struct dirent *de;
	DIR    *dp;

	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (strcmp(handlers[i].kind, kind) == 0)
			fn = handlers[i].fn;
	if (fn == NULL || (dp = opendir(dir)) == NULL) {
		printf("FAIL %s: %s\n", dir, fn ? strerror(errno) : "no handler for this kind");
		(*fail)++;
		return;
	}
	while ((de = readdir(dp)) != NULL) {
		size_t	l = strlen(de->d_name);
		char  **nn;

		if (l < 5 || strcmp(de->d_name + l - 4, ".vec") != 0)
			continue;
		if ((nn = realloc(names, (nnames + 1) * sizeof(*names))) == NULL)
			break;
		names = nn;
		if ((names[nnames] = strdup(de->d_name)) != NULL)
			nnames++;
	}
	closedir(dp);
	if (nnames)
		qsort(names, nnames, sizeof(*names), cmpstr);
	for (i = 0; i < nnames; i++) {
		char	path[4096], why[1024] = "";
		struct vec v;

		(void) snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (vec_load(path, &v, why, sizeof(why)) < 0) {
			printf("FAIL %s/%s: %s\n", kind, names[i], why);
			(*fail)++;
		} else {
			if (fn(&v, why, sizeof(why)) == 0) {
				printf("PASS %s/%s\n", kind, names[i]);
				(*pass)++;
			} else {
				printf("FAIL %s/%s: %s\n", kind, names[i], why);
				(*fail)++;
			}
			vec_free(&v);
		}
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	int	i, pass = 0, fail = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: vectors-run DIR...\n");
		return (2);
	}
	for (i = 1; i < argc; i++)
		run_dir(argv[i], &pass, &fail);
	printf("%d passed, %d failed\n", pass, fail);
	return (fail || pass == 0 ? 1 : 0);
}
