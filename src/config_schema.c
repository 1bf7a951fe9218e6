/*++
 * NAME
 *	config_schema 3
 * SUMMARY
 *	mtasts.yaml keys: the schema table, value checks, defaults, freeing
 * SYNOPSIS
 *	#include "config_schema.h"
 *	#include <mtasts/config.h>
 *
 *	mtasts_config_default(), mtasts_config_free(),
 *	mtasts_config_domain(): see config.h
 * DESCRIPTION
 *	One row per key of mtasts.yaml (see config_schema.h for the columns
 *	and mtasts.yaml(5) for what each key means). The item functions
 *	check and convert one list entry or one entry name: DNS server
 *	addresses, mx patterns and domain names. The mtasts_cfg_*() walks
 *	read the table for config.c (lookup, defaults, freeing, scalar
 *	values), so config.c knows no key by name.
 *
 *	To add a section, add its rows ("daemon.user", ...) and the struct
 *	fields they store into; a mapping of named entries ("maps.<name>")
 *	is one CFG_NAMED row, an entry struct that starts with char *name,
 *	and rows "maps.*.KEY" for the keys inside an entry.
 * SECURITY
 *	A malformed override is an error, not something that silently never
 *	matches: extra mx patterns get the RFC 5321 syntax policy.c holds a
 *	published pattern to, domain keys the host name check lookups use
 *	(mtasts_domain_valid()) and a non-numeric last label.
 *--*/
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <mtasts/config.h>
#include <mtasts/domain.h>
#include <mtasts/limits.h>
#include <mtasts/status.h>

#include "config_schema.h"

#define BUILTIN_NAME	"(built-in)"

/* Messages quote at most this much of the offending text. */
#define SHOW_MAX	80

/* config.c finds an entry's name at offset 0 of the entry. */
_Static_assert(offsetof(struct mtasts_domain_cfg, name) == 0,
	       "domains entries must start with their name");

/* domain_ok - a recipient domain as lookups will ask for it */

static int
domain_ok(const char *s, size_t len)
{
	const char *last = memrchr(s, '.', len);
	size_t	i = last ? (size_t) (last - s) + 1 : 0;

	if (len == 0 || !mtasts_domain_valid(s))
		return (0);

	/*
	 * mtasts_domain_valid() allows one trailing dot: a second one (the
	 * first was stripped) leaves an empty last label. An all-digit last
	 * label is an address or a typo; no lookup would ever ask for it.
	 */
	if (i == len)
		return (0);
	for (; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return (1);
	return (0);
}

/* ldh_ok - RFC 5321 Domain (lower-case): the syntax policy mx patterns have */

static int
ldh_ok(const char *s, size_t len)
{
	size_t	i, label = 0;

	if (len == 0 || len > MTASTS_DOMAIN_MAX)
		return (0);
	/* sub-domain = Let-dig [Ldh-str]: no '-' at either end, no '_'. */
	for (i = 0; i <= len; i++) {
		int	c = i < len ? (unsigned char) s[i] : '.';

		if (c == '.') {
			if (label == 0 || s[i - 1] == '-')
				return (0);
			label = 0;
		} else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
			     || (c == '-' && label > 0))
			   || ++label > MTASTS_LABEL_MAX)
			return (0);
	}
	return (1);
}

/* lower_copy - lower-cased copy without one trailing dot; -1 if unusable */

static int
lower_copy(const char *text, size_t len, char *out, size_t outlen,
	   size_t *outl)
{
	size_t	i;

	if (memchr(text, 0, len) != NULL)
		return (-1);
	if (len > 0 && text[len - 1] == '.')
		len--;
	if (len >= outlen)
		return (-1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char) text[i];

		out[i] = (char) ((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
	}
	out[len] = 0;
	*outl = len;
	return (0);
}

/* domain_item - domains.<name>: normalise and check the name */

static enum mtasts_status
domain_item(const char *text, size_t len, void *elem, char *err,
	    size_t errlen)
{
	char	name[MTASTS_DOMAIN_MAX + 2], show[SHOW_MAX];
	char  **slot = elem;
	size_t	n;

	if (lower_copy(text, len, name, sizeof(name), &n) < 0 || !domain_ok(name, n)) {
		mtasts_why(err, errlen, "\"%s\" is not a valid domain name",
			   mtasts_sanitize(text, len, show, sizeof(show)));
		return (MTASTS_PERM);
	}
	if ((*slot = strdup(name)) == NULL)
		return (MTASTS_TEMP);
	return (MTASTS_OK);
}

/* mx_item - domains.<name>.mx entry: "[*.]domain", as in a policy */

static enum mtasts_status
mx_item(const char *text, size_t len, void *elem, char *err, size_t errlen)
{
	char	pat[MTASTS_DOMAIN_MAX + 4], show[SHOW_MAX];
	char  **slot = elem;
	size_t	n, skip;

	if (lower_copy(text, len, pat, sizeof(pat), &n) < 0)
		n = 0;

	/*
	 * As policy.c checks a published pattern: a wildcard only as "*."
	 * over a whole first label (RFC 8461 4.1), 253 characters in all.
	 */
	skip = (n > 2 && pat[0] == '*' && pat[1] == '.') ? 2 : 0;
	if (n == 0 || n > MTASTS_DOMAIN_MAX || !ldh_ok(pat + skip, n - skip)) {
		mtasts_why(err, errlen, "\"%s\" is not a valid mx pattern",
			   mtasts_sanitize(text, len, show, sizeof(show)));
		return (MTASTS_PERM);
	}
	if ((*slot = strdup(pat)) == NULL)
		return (MTASTS_TEMP);
	return (MTASTS_OK);
}

/* mx_free - release one mx pattern */

static void
mx_free(void *elem)
{
	free(*(char **) elem);
}

/* server_item - resolver.servers entry: "address" or "address@port" */

static enum mtasts_status
server_item(const char *text, size_t len, void *elem, char *err,
	    size_t errlen)
{
	struct mtasts_server *srv = elem;
	char	host[INET6_ADDRSTRLEN + 1], show[SHOW_MAX];
	const char *at;
	unsigned char addr[sizeof(struct in6_addr)];
	unsigned long port = 53;
	size_t	hlen, i;
	int	af;

	at = memchr(text, '@', len);
	hlen = at ? (size_t) (at - text) : len;
	if (at != NULL) {
		size_t	plen = len - hlen - 1;

		/* Decimal only, no sign, no leading zero: "0x35", "053" are typos. */
		port = 0;
		for (i = 0; i < plen; i++) {
			if (at[1 + i] < '0' || at[1 + i] > '9' || i >= 5
			    || (i == 0 && at[1] == '0'))
				break;
			port = port * 10 + (unsigned long) (at[1 + i] - '0');
		}
		if (plen == 0 || i < plen || port < 1 || port > 65535) {
			mtasts_why(err, errlen, "\"%s\": port must be a number "
				   "from 1 to 65535",
				   mtasts_sanitize(text, len, show, sizeof(show)));
			return (MTASTS_PERM);
		}
	}
	if (hlen == 0 || hlen >= sizeof(host) || memchr(text, 0, hlen) != NULL)
		goto bad_host;
	memcpy(host, text, hlen);
	host[hlen] = 0;
	af = strchr(host, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, host, addr) != 1)
		goto bad_host;
	/* Store the canonical form, so "::0001" and "::1" look the same in logs. */
	if (inet_ntop(af, addr, srv->host, sizeof(srv->host)) == NULL)
		goto bad_host;
	srv->port = (uint16_t) port;
	return (MTASTS_OK);

bad_host:
	mtasts_why(err, errlen, "\"%s\" is not an IPv4 or IPv6 address "
		   "(with optional @port)",
		   mtasts_sanitize(text, len, show, sizeof(show)));
	return (MTASTS_PERM);
}

static const struct cfg_enum facilities[] = {
	{"mail", LOG_MAIL},
	{"daemon", LOG_DAEMON},
	{"user", LOG_USER},
	{"local0", LOG_LOCAL0},
	{"local1", LOG_LOCAL1},
	{"local2", LOG_LOCAL2},
	{"local3", LOG_LOCAL3},
	{"local4", LOG_LOCAL4},
	{"local5", LOG_LOCAL5},
	{"local6", LOG_LOCAL6},
	{"local7", LOG_LOCAL7},
	{NULL, 0}
};

static const struct cfg_enum modes[] = {
	{"enforce", MTASTS_OVERRIDE_ENFORCE},
	{"testing", MTASTS_OVERRIDE_TESTING},
	{"none", MTASTS_OVERRIDE_NONE},
	{"ignore", MTASTS_OVERRIDE_IGNORE},
	{NULL, 0}
};

static const struct cfg_enum temp_actions[] = {
	{"deliver", MTASTS_TEMP_DELIVER},
	{"defer", MTASTS_TEMP_DEFER},
	{NULL, 0}
};

/* ---- [tlsrpt] tlsrpt.sendmail_args entry: one argument, no control bytes */

static enum mtasts_status
tlsrpt_arg_item(const char *text, size_t len, void *elem, char *err,
		size_t errlen)
{
	char  **slot = elem;
	size_t	i;

	/* argv strings end at a NUL; a newline would forge log lines. */
	for (i = 0; i < len; i++) {
		if ((unsigned char) text[i] < 0x20 || text[i] == 0x7f) {
			mtasts_why(err, errlen, "must not contain control characters");
			return (MTASTS_PERM);
		}
	}
	if (len == 0 || len > MTASTS_CONFIG_STRING_MAX) {
		mtasts_why(err, errlen, "must be 1 to %d characters",
			   MTASTS_CONFIG_STRING_MAX);
		return (MTASTS_PERM);
	}
	if ((*slot = strndup(text, len)) == NULL)
		return (MTASTS_TEMP);
	return (MTASTS_OK);
}

#define CF(f)	offsetof(struct mtasts_config, f)
#define DF(f)	offsetof(struct mtasts_domain_cfg, f)
#define MF(f)	offsetof(struct mtasts_map_cfg, f)

const struct cfg_key mtasts_config_schema[] = {
	{.path = "resolver.servers", .type = CFG_LIST,
	 .max = MTASTS_CONFIG_SERVERS_MAX,
	 .off = CF(servers), .off_n = CF(nservers),
	 .elem_size = sizeof(struct mtasts_server), .item = server_item},

	{.path = "tls.ca_file", .type = CFG_STRING, .off = CF(ca_file)},
	{.path = "tls.ca_path", .type = CFG_STRING, .off = CF(ca_path)},

	{.path = "cache.path", .type = CFG_STRING,
	 .def_str = MTASTS_DEFAULT_CACHE, .off = CF(cache_path)},
	{.path = "cache.negative_ttl", .type = CFG_SECONDS,
	 .min = 0, .max = MTASTS_NEGATIVE_TTL_MAX,
	 .def = MTASTS_NEGATIVE_TTL_DEFAULT, .off = CF(cache_negative_ttl)},
	{.path = "cache.refresh_interval", .type = CFG_SECONDS,
	 .min = MTASTS_REFRESH_INTERVAL_MIN, .max = MTASTS_REFRESH_INTERVAL_MAX,
	 .def = MTASTS_REFRESH_INTERVAL_DEFAULT,
	 .off = CF(cache_refresh_interval)},

	{.path = "fetch.timeout", .type = CFG_SECONDS,
	 .min = 1, .max = MTASTS_FETCH_TIMEOUT_MAX,
	 .def = MTASTS_FETCH_TIMEOUT_DEFAULT, .off = CF(fetch_timeout)},

	{.path = "log.syslog_facility", .type = CFG_ENUM, .names = facilities,
	 .def = LOG_MAIL, .off = CF(syslog_facility)},
	{.path = "log.json_file", .type = CFG_STRING, .off = CF(json_file)},

	{.path = "domains", .type = CFG_NAMED,
	 .max = MTASTS_CONFIG_DOMAINS_MAX,
	 .off = CF(domains), .off_n = CF(ndomains),
	 .elem_size = sizeof(struct mtasts_domain_cfg), .item = domain_item},
	{.path = "domains.*.mode", .type = CFG_ENUM, .names = modes,
	 .def = MTASTS_OVERRIDE_UNSET, .off = DF(mode)},
	{.path = "domains.*.mx", .type = CFG_LIST, .max = MTASTS_CONFIG_MX_MAX,
	 .off = DF(mx), .off_n = DF(nmx),
	 .elem_size = sizeof(char *), .item = mx_item, .item_free = mx_free},
	{.path = "domains.*.on_temp_failure", .type = CFG_ENUM,
	 .names = temp_actions,
	 .def = MTASTS_TEMP_UNSET, .off = DF(on_temp_failure)},

	/* mtastsd(8); items and value names in config_daemon.c */
	{.path = "daemon.listen", .type = CFG_LIST, .max = MTASTS_LISTEN_MAX,
	 .off = CF(daemon_listen), .off_n = CF(ndaemon_listen),
	 .elem_size = sizeof(struct mtasts_listen),
	 .item = mtasts_cfg_listen_item},
	{.path = "daemon.user", .type = CFG_STRING, .off = CF(daemon_user)},
	{.path = "daemon.group", .type = CFG_STRING, .off = CF(daemon_group)},
	{.path = "daemon.pid_file", .type = CFG_STRING,
	 .def_str = MTASTS_DEFAULT_PID_FILE, .off = CF(daemon_pid_file)},
	{.path = "daemon.socket_mode", .type = CFG_ENUM,
	 .names = mtasts_cfg_socket_modes, .def = 0660,
	 .off = CF(daemon_socket_mode)},
	{.path = "daemon.socket_group", .type = CFG_STRING,
	 .off = CF(daemon_socket_group)},
	{.path = "daemon.workers", .type = CFG_SECONDS,
	 .min = 1, .max = MTASTS_DAEMON_WORKERS_MAX,
	 .def = MTASTS_DAEMON_WORKERS_DEFAULT, .off = CF(daemon_workers)},
	{.path = "daemon.idle_timeout", .type = CFG_SECONDS,
	 .min = 1, .max = MTASTS_DAEMON_IDLE_MAX,
	 .def = MTASTS_DAEMON_IDLE_DEFAULT, .off = CF(daemon_idle_timeout)},
	{.path = "daemon.refresh_period", .type = CFG_SECONDS,
	 .min = 1, .max = MTASTS_DAEMON_REFRESH_MAX,
	 .def = MTASTS_DAEMON_REFRESH_DEFAULT, .off = CF(daemon_refresh_period)},

	{.path = "maps", .type = CFG_NAMED, .max = MTASTS_CONFIG_MAPS_MAX,
	 .off = CF(maps), .off_n = CF(nmaps),
	 .elem_size = sizeof(struct mtasts_map_cfg), .item = mtasts_cfg_map_item},
	{.path = "maps.*.strict_testing", .type = CFG_ENUM,
	 .names = mtasts_cfg_bools, .def = 0, .off = MF(strict_testing)},
	{.path = "maps.*.on_temp_failure", .type = CFG_ENUM,
	 .names = temp_actions, .def = MTASTS_TEMP_DELIVER,
	 .off = MF(on_temp_failure)},
	{.path = "maps.*.sts_attributes", .type = CFG_ENUM,
	 .names = mtasts_cfg_bools, .def = 0, .off = MF(sts_attributes)},
	{.path = "maps.*.expand_wildcards", .type = CFG_ENUM,
	 .names = mtasts_cfg_bools, .def = 1, .off = MF(expand_wildcards)},

	/* ---- [tlsrpt] mtasts report / stats (RFC 8460); see mtasts.yaml(5) */
	{.path = "tlsrpt.organization", .type = CFG_STRING,
	 .off = CF(tlsrpt_organization)},
	{.path = "tlsrpt.contact", .type = CFG_STRING, .off = CF(tlsrpt_contact)},
	{.path = "tlsrpt.from", .type = CFG_STRING, .off = CF(tlsrpt_from)},
	{.path = "tlsrpt.sending_ip", .type = CFG_STRING,
	 .off = CF(tlsrpt_sending_ip)},
	{.path = "tlsrpt.sendmail", .type = CFG_STRING,
	 .def_str = MTASTS_TLSRPT_SENDMAIL_DEFAULT, .off = CF(tlsrpt_sendmail)},
	{.path = "tlsrpt.sendmail_args", .type = CFG_LIST,
	 .max = MTASTS_TLSRPT_ARGS_MAX,
	 .off = CF(tlsrpt_sendmail_args), .off_n = CF(ntlsrpt_sendmail_args),
	 .elem_size = sizeof(char *), .item = tlsrpt_arg_item,
	 .item_free = mx_free},
	{.path = "tlsrpt.state_file", .type = CFG_STRING,
	 .def_str = MTASTS_TLSRPT_STATE_DEFAULT, .off = CF(tlsrpt_state_file)},
	{.path = "tlsrpt.spool_dir", .type = CFG_STRING,
	 .def_str = MTASTS_TLSRPT_SPOOL_DEFAULT, .off = CF(tlsrpt_spool_dir)},
	{.path = "tlsrpt.audit_log", .type = CFG_STRING,
	 .off = CF(tlsrpt_audit_log)},
	{.path = "tlsrpt.timeout", .type = CFG_SECONDS,
	 .min = 1, .max = MTASTS_TLSRPT_TIMEOUT_MAX,
	 .def = MTASTS_TLSRPT_TIMEOUT_DEFAULT, .off = CF(tlsrpt_timeout)},
	/* Bytes, read as an integer ("1000000"); a unit suffix would mean seconds. */
	{.path = "tlsrpt.max_size", .type = CFG_SECONDS,
	 .min = 1024, .max = MTASTS_TLSRPT_SIZE_MAX,
	 .def = MTASTS_TLSRPT_SIZE_DEFAULT, .off = CF(tlsrpt_max_size)},

	/* ---- [milter] mtasts-milter(8); milter.header is checked there */
	{.path = "milter.socket", .type = CFG_STRING,
	 .def_str = MTASTS_MILTER_SOCKET_DEFAULT, .off = CF(milter_socket)},
	{.path = "milter.action", .type = CFG_ENUM,
	 .names = (const struct cfg_enum[]) {
		 {"accept", MTASTS_MILTER_ACCEPT},
		 {"tempfail", MTASTS_MILTER_TEMPFAIL}, {NULL, 0}},
	 .def = MTASTS_MILTER_ACCEPT, .off = CF(milter_action)},
	{.path = "milter.header", .type = CFG_STRING, .off = CF(milter_header)},
	{.path = "milter.user", .type = CFG_STRING, .off = CF(milter_user)},
	{.path = "milter.group", .type = CFG_STRING, .off = CF(milter_group)},
	{.path = "milter.socket_mode", .type = CFG_ENUM,
	 .names = mtasts_cfg_socket_modes, .def = 0660,
	 .off = CF(milter_socket_mode)},
	{.path = "milter.socket_group", .type = CFG_STRING,
	 .off = CF(milter_socket_group)},
	{.path = "milter.pid_file", .type = CFG_STRING,
	 .def_str = MTASTS_MILTER_PID_DEFAULT, .off = CF(milter_pid_file)},

	{.path = NULL}
};

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

/* mtasts_config_default - the built-in configuration */

struct mtasts_config *
mtasts_config_default(void)
{
	struct mtasts_config *cfg;

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return (NULL);
	if ((cfg->source = strdup(BUILTIN_NAME)) == NULL
	    || mtasts_cfg_defaults("", cfg) < 0) {
		mtasts_config_free(cfg);
		return (NULL);
	}
	return (cfg);
}

/* mtasts_config_free - release a configuration (NULL is fine) */

void
mtasts_config_free(struct mtasts_config *cfg)
{
	if (cfg == NULL)
		return;
	mtasts_cfg_free_rows("", cfg);
	free(cfg->source);
	free(cfg);
}

/* cmp_domain - bsearch: a name against an entry */

static int
cmp_domain(const void *key, const void *elem)
{
	return (strcmp(key, ((const struct mtasts_domain_cfg *) elem)->name));
}

/* mtasts_config_domain - the override for a domain, or NULL */

const struct mtasts_domain_cfg *
mtasts_config_domain(const struct mtasts_config *cfg, const char *domain)
{
	char	key[MTASTS_DOMAIN_MAX + 1];
	size_t	len, i;

	if (cfg == NULL || domain == NULL || cfg->ndomains == 0)
		return (NULL);

	/*
	 * Callers pass normalised names; folding case and one trailing dot
	 * here as well costs little and keeps an override from being
	 * skipped by a caller that forgot.
	 */
	len = strlen(domain);
	if (len > 0 && domain[len - 1] == '.')
		len--;
	if (len == 0 || len > MTASTS_DOMAIN_MAX)
		return (NULL);
	for (i = 0; i < len; i++)
		key[i] = (domain[i] >= 'A' && domain[i] <= 'Z') ?
			(char) (domain[i] - 'A' + 'a') : domain[i];
	key[len] = 0;
	return (bsearch(key, cfg->domains, cfg->ndomains,
			sizeof(*cfg->domains), cmp_domain));
}
