/*++
 * NAME
 *	config_schema 3h
 * SUMMARY
 *	the table that says which keys mtasts.yaml may hold (internal)
 * SYNOPSIS
 *	#include "config_schema.h"
 * DESCRIPTION
 *	mtasts_config_schema[] is one row per leaf key, named by its full key
 *	path ("fetch.timeout"). Sections are implicit: "fetch" is a mapping
 *	because rows start with "fetch.". A CFG_NAMED row ("domains") is a
 *	mapping from names the admin chooses to entries; the rows for one
 *	entry have "*" in place of the name ("domains.*.mode") and store into
 *	the entry's struct instead of struct mtasts_config.
 *
 *	Adding a key is one row here plus a struct field; config.c reads the
 *	table for parsing, defaults and freeing, so it needs no change.
 *
 *	Storage by type, at base + off (base is the struct mtasts_config, or
 *	the entry of a CFG_NAMED mapping):
 *	CFG_STRING	char *, owned; def_str or NULL by default
 *	CFG_SECONDS	unsigned, min..max; def by default
 *	CFG_ENUM	int, one of names[]; def by default
 *	CFG_LIST	array of elem_size elements at off, size_t count at
 *			off_n; item() converts one scalar into one element,
 *			item_free() (if not NULL) releases one element
 *	CFG_NAMED	array of elem_size elements sorted by name, count at
 *			off_n; each element starts with its char *name, which
 *			item() sets from the key (it normalises and checks it)
 *
 *	item() returns MTASTS_OK, MTASTS_PERM with a message (no key path,
 *	the caller adds it) or MTASTS_TEMP when memory runs out.
 *--*/
#ifndef MTASTS_CONFIG_SCHEMA_H
#define MTASTS_CONFIG_SCHEMA_H

#include <stddef.h>

#include <mtasts/limits.h>
#include <mtasts/status.h>

enum cfg_type {
	CFG_STRING,
	CFG_SECONDS,
	CFG_ENUM,
	CFG_LIST,
	CFG_NAMED
};

struct cfg_enum {
	const char *name;		/* NULL ends the list */
	int	value;
};

struct cfg_key {
	const char *path;		/* NULL ends the table */
	enum cfg_type type;
	int	required;		/* absent is an error */
	unsigned long min;		/* CFG_SECONDS */
	unsigned long max;		/* CFG_SECONDS; CFG_LIST, CFG_NAMED: count */
	unsigned long def;		/* CFG_SECONDS, CFG_ENUM */
	const char *def_str;		/* CFG_STRING */
	size_t	off;			/* where the value goes */
	size_t	off_n;			/* CFG_LIST, CFG_NAMED: the count */
	const struct cfg_enum *names;	/* CFG_ENUM */
	size_t	elem_size;		/* CFG_LIST, CFG_NAMED */
	enum mtasts_status (*item)(const char *text, size_t len, void *elem,
				           char *err, size_t errlen);
	void	(*item_free)(void *elem);
};

/* Key paths: each level is at most a domain name and its dot. */
#define MTASTS_CONFIG_SCHEMA_PATH_MAX \
	(MTASTS_CONFIG_DEPTH_MAX * (MTASTS_DOMAIN_MAX + 2))

extern const struct cfg_key mtasts_config_schema[];

/*
 * Table walks (config_schema.c). prefix is a schema path ("" for the top,
 * "domains.*" inside an entry); base the struct its rows store into.
 * mtasts_cfg_find() returns the row index for key under prefix (*leaf = 1)
 * or of the first row of the section key opens (*leaf = 0), or -1.
 * mtasts_cfg_missing() returns the rest of the path of a required key
 * under prefix whose first segment seen[] (indexed by row, NULL = none)
 * lacks, or NULL. mtasts_cfg_scalar() checks and stores a scalar for a
 * CFG_STRING, CFG_SECONDS or CFG_ENUM row; mtasts_cfg_expect() says what
 * a row's value must be.
 */
long	mtasts_cfg_find(const char *prefix, const char *key, size_t klen,
			int *leaf);
const char *mtasts_cfg_missing(const char *prefix, const unsigned char *seen);
int	mtasts_cfg_defaults(const char *prefix, void *base);
void	mtasts_cfg_free_rows(const char *prefix, void *base);
void	mtasts_cfg_free_entry(const struct cfg_key *, void *elem);
void	mtasts_cfg_expect(const struct cfg_key *, char *msg, size_t msglen);
enum mtasts_status mtasts_cfg_scalar(const struct cfg_key *, void *base,
			const char *text, size_t len, char *err, size_t errlen);

/* Item functions of the rows (config_items.c). */
enum mtasts_status mtasts_cfg_domain_item(const char *text, size_t len,
			void *elem, char *err, size_t errlen);
enum mtasts_status mtasts_cfg_mx_item(const char *text, size_t len,
			void *elem, char *err, size_t errlen);
void	mtasts_cfg_mx_free(void *elem);
enum mtasts_status mtasts_cfg_server_item(const char *text, size_t len,
			void *elem, char *err, size_t errlen);
enum mtasts_status mtasts_cfg_tlsrpt_arg_item(const char *text, size_t len,
			void *elem, char *err, size_t errlen);

/* ---- [daemon] items and names of the daemon and maps rows (config_daemon.c) */
extern const struct cfg_enum mtasts_cfg_bools[];
extern const struct cfg_enum mtasts_cfg_socket_modes[];
enum mtasts_status mtasts_cfg_listen_item(const char *text, size_t len,
			void *elem, char *err, size_t errlen);
enum mtasts_status mtasts_cfg_map_item(const char *text, size_t len,
			void *elem, char *err, size_t errlen);

#endif
