/*++
 * NAME
 *	config_walk 3
 * SUMMARY
 *	reading the schema table for the YAML loader
 * SYNOPSIS
 *	#include "config_schema.h"
 * DESCRIPTION
 *	The mtasts_cfg_*() walks read mtasts_config_schema[] for config.c:
 *	finding the row of a key, required keys, defaults, freeing, what a
 *	value must be, and checking and storing one scalar. config.c knows no
 *	key by name; config_schema.c knows no YAML.
 *--*/
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mtasts/config.h>
#include <mtasts/limits.h>
#include <mtasts/status.h>

#include "config_schema.h"

/* rest_under - what follows "prefix." in path, or NULL */

static const char *
rest_under(const char *path, const char *prefix)
{
	size_t	plen = strlen(prefix);

	if (plen == 0)
		return (path);
	if (strncmp(path, prefix, plen) != 0 || path[plen] != '.')
		return (NULL);
	return (path + plen + 1);
}

/* own_row - rest of the row's path if it stores into prefix's struct */

static const char *
own_row(const struct cfg_key *k, const char *prefix)
{
	const char *rest = rest_under(k->path, prefix);

	return (rest && strchr(rest, '*') == NULL ? rest : NULL);
}

/* mtasts_cfg_find - row for key under prefix: a leaf or a section */

long
mtasts_cfg_find(const char *prefix, const char *key, size_t klen, int *leaf)
{
	const struct cfg_key *k;
	const char *rest;

	/* "a.b" or "*" as one key must not reach a deeper row. */
	if (klen == 0 || memchr(key, '.', klen) || memchr(key, '*', klen)
	    || memchr(key, 0, klen))
		return (-1);
	for (k = mtasts_config_schema; k->path; k++) {
		if ((rest = rest_under(k->path, prefix)) == NULL
		    || strncmp(rest, key, klen) != 0)
			continue;
		if (rest[klen] == 0 || rest[klen] == '.') {
			*leaf = (rest[klen] == 0);
			return (k - mtasts_config_schema);
		}
	}
	return (-1);
}

/* mtasts_cfg_missing - a required key under prefix not seen, or NULL */

const char *
mtasts_cfg_missing(const char *prefix, const unsigned char *seen)
{
	const struct cfg_key *k;
	const char *rest, *dot;
	long	i;
	int	leaf;

	for (k = mtasts_config_schema; k->path; k++) {
		if (!k->required || (rest = own_row(k, prefix)) == NULL)
			continue;
		/* A section counts as seen when its key was: deeper rows are
		 * checked when that section's mapping ends. */
		dot = strchr(rest, '.');
		i = mtasts_cfg_find(prefix, rest,
			       dot ? (size_t) (dot - rest) : strlen(rest), &leaf);
		if (seen == NULL || i < 0 || !seen[i])
			return (rest);
	}
	return (NULL);
}

/* mtasts_cfg_defaults - set the defaults of the rows under prefix */

int
mtasts_cfg_defaults(const char *prefix, void *base)
{
	const struct cfg_key *k;
	char   *p;

	for (k = mtasts_config_schema; k->path; k++) {
		if (own_row(k, prefix) == NULL)
			continue;
		p = (char *) base + k->off;
		switch (k->type) {
		case CFG_STRING:
			*(char **) p = NULL;
			if (k->def_str && (*(char **) p = strdup(k->def_str)) == NULL)
				return (-1);
			break;
		case CFG_SECONDS:
			*(unsigned *) p = (unsigned) k->def;
			break;
		case CFG_ENUM:
			*(int *) p = (int) k->def;
			break;
		case CFG_LIST:
		case CFG_NAMED:
			*(void **) p = NULL;
			*(size_t *) ((char *) base + k->off_n) = 0;
			break;
		}
	}
	return (0);
}

/* mtasts_cfg_free_entry - release one entry of a CFG_NAMED mapping */

void
mtasts_cfg_free_entry(const struct cfg_key *k, void *elem)
{
	char	sub[MTASTS_CONFIG_SCHEMA_PATH_MAX];
	int	len;

	/* Schema paths are short constants: sub always fits. */
	len = snprintf(sub, sizeof(sub), "%s.*", k->path);
	if (len > 0 && (size_t) len < sizeof(sub))
		mtasts_cfg_free_rows(sub, elem);
	free(*(char **) elem);
}

/* mtasts_cfg_free_rows - release what the rows under prefix stored */

void
mtasts_cfg_free_rows(const char *prefix, void *base)
{
	const struct cfg_key *k;
	char   *p, *arr;
	size_t	i, n;

	for (k = mtasts_config_schema; k->path; k++) {
		if (own_row(k, prefix) == NULL)
			continue;
		p = (char *) base + k->off;
		switch (k->type) {
		case CFG_STRING:
			free(*(char **) p);
			*(char **) p = NULL;
			break;
		case CFG_LIST:
		case CFG_NAMED:
			arr = *(char **) p;
			n = *(size_t *) ((char *) base + k->off_n);
			for (i = 0; arr && i < n; i++) {
				if (k->type == CFG_NAMED)
					mtasts_cfg_free_entry(k, arr + i * k->elem_size);
				else if (k->item_free)
					k->item_free(arr + i * k->elem_size);
			}
			free(arr);
			*(void **) p = NULL;
			*(size_t *) ((char *) base + k->off_n) = 0;
			break;
		default:
			break;
		}
	}
}

/* mtasts_cfg_expect - what the row's value must be, for messages */

void
mtasts_cfg_expect(const struct cfg_key *k, char *msg, size_t msglen)
{
	const struct cfg_enum *e;
	size_t	n;
	int	r;

	switch (k->type) {
	case CFG_STRING:
		mtasts_why(msg, msglen, "must be a string");
		break;
	case CFG_SECONDS:
		mtasts_why(msg, msglen, "must be an integer from %lu to %lu",
			   k->min, k->max);
		break;
	case CFG_ENUM:
		mtasts_why(msg, msglen, "must be one of");
		for (n = strlen(msg), e = k->names; e->name; e++) {
			r = snprintf(msg + n, msglen - n, "%s %s",
				     e == k->names ? "" : ",", e->name);
			/* Cut: the message then lists only the first names. */
			if (r < 0 || (size_t) r >= msglen - n)
				break;
			n += (size_t) r;
		}
		break;
	case CFG_LIST:
		mtasts_why(msg, msglen, "must be a list");
		break;
	case CFG_NAMED:
		mtasts_why(msg, msglen, "must be a mapping");
		break;
	}
}

/* seconds - N, Ns, Nm, Nh or Nd; -1 when malformed */

static long long
seconds(const char *v, size_t len)
{
	unsigned long long n = 0, unit = 1;
	size_t	i, digits = len;

	if (len > 0) {
		switch (v[len - 1]) {
		case 's': unit = 1; digits--; break;
		case 'm': unit = 60; digits--; break;
		case 'h': unit = 3600; digits--; break;
		case 'd': unit = 86400; digits--; break;
		}
	}

	/*
	 * Decimal digits only: no sign, "1e9", "0x10" or "1_000"; and no
	 * leading zero, which YAML 1.1 would read as octal.
	 */
	if (digits == 0 || digits > MTASTS_CONFIG_DIGITS_MAX
	    || (v[0] == '0' && digits > 1))
		return (-1);
	for (i = 0; i < digits; i++) {
		if (v[i] < '0' || v[i] > '9')
			return (-1);
		n = n * 10 + (unsigned long long) (v[i] - '0');
	}
	return ((long long) (n * unit));
}

/* mtasts_cfg_scalar - check and store one scalar for a leaf row */

enum mtasts_status
mtasts_cfg_scalar(const struct cfg_key *k, void *base, const char *v,
		  size_t len, char *err, size_t errlen)
{
	const struct cfg_enum *e;
	char   *p = (char *) base + k->off, *copy;
	long long n;
	size_t	i;

	switch (k->type) {
	case CFG_STRING:
		if (len == 0) {
			mtasts_why(err, errlen, "must not be empty");
			return (MTASTS_PERM);
		}
		if (len > MTASTS_CONFIG_STRING_MAX) {
			mtasts_why(err, errlen, "longer than %d characters",
				   MTASTS_CONFIG_STRING_MAX);
			return (MTASTS_PERM);
		}
		/* A newline in a path would forge log lines that quote it. */
		for (i = 0; i < len; i++) {
			if ((unsigned char) v[i] < 0x20 || v[i] == 0x7f) {
				mtasts_why(err, errlen,
					   "must not contain control characters");
				return (MTASTS_PERM);
			}
		}
		if ((copy = malloc(len + 1)) == NULL)
			return (MTASTS_TEMP);
		memcpy(copy, v, len);
		copy[len] = 0;
		free(*(char **) p);
		*(char **) p = copy;
		return (MTASTS_OK);
	case CFG_SECONDS:
		n = seconds(v, len);
		if (n < 0 || (unsigned long long) n < k->min
		    || (unsigned long long) n > k->max)
			break;
		*(unsigned *) p = (unsigned) n;
		return (MTASTS_OK);
	case CFG_ENUM:
		for (e = k->names; e->name; e++) {
			if (strlen(e->name) == len && memcmp(e->name, v, len) == 0) {
				*(int *) p = e->value;
				return (MTASTS_OK);
			}
		}
		break;
	default:
		break;
	}
	mtasts_cfg_expect(k, err, errlen);
	return (MTASTS_PERM);
}
