/*++
 * NAME
 *	config_schema 3
 * SUMMARY
 *	mtasts.yaml keys: the schema table and the built-in configuration
 * SYNOPSIS
 *	#include "config_schema.h"
 *	#include <mtasts/config.h>
 *
 *	mtasts_config_default(), mtasts_config_free(),
 *	mtasts_config_domain(): see config.h
 * DESCRIPTION
 *	One row per key of mtasts.yaml (see config_schema.h for the columns
 *	and mtasts.yaml(5) for what each key means). The item functions
 *	that check list entries and entry names are in config_items.c, the
 *	walks that read the table for config.c in config_walk.c.
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

#define CF(f)	offsetof(struct mtasts_config, f)
#define DF(f)	offsetof(struct mtasts_domain_cfg, f)
#define MF(f)	offsetof(struct mtasts_map_cfg, f)

const struct cfg_key mtasts_config_schema[] = {
	{.path = "resolver.servers", .type = CFG_LIST,
	 .max = MTASTS_CONFIG_SERVERS_MAX,
	 .off = CF(servers), .off_n = CF(nservers),
	 .elem_size = sizeof(struct mtasts_server), .item = mtasts_cfg_server_item},

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
	 .elem_size = sizeof(struct mtasts_domain_cfg), .item = mtasts_cfg_domain_item},
	{.path = "domains.*.mode", .type = CFG_ENUM, .names = modes,
	 .def = MTASTS_OVERRIDE_UNSET, .off = DF(mode)},
	{.path = "domains.*.mx", .type = CFG_LIST, .max = MTASTS_CONFIG_MX_MAX,
	 .off = DF(mx), .off_n = DF(nmx),
	 .elem_size = sizeof(char *), .item = mtasts_cfg_mx_item, .item_free = mtasts_cfg_mx_free},
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
	 .elem_size = sizeof(char *), .item = mtasts_cfg_tlsrpt_arg_item,
	 .item_free = mtasts_cfg_mx_free},
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
