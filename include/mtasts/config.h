/*++
 * NAME
 *	config 3h
 * SUMMARY
 *	mtasts.yaml: loading, defaults, per-domain overrides
 * SYNOPSIS
 *	#include <mtasts/config.h>
 * DESCRIPTION
 *	The configuration is read once into an immutable struct mtasts_config
 *	and passed down; a reload builds a new one and swaps it.
 *
 *	mtasts_config_load() reads a YAML file. On MTASTS_OK *out is a config
 *	the caller owns (free with mtasts_config_free()). On MTASTS_PERM why
 *	holds "FILE:LINE:COLUMN: message" for a syntax or schema error, or
 *	"FILE: message" when the file cannot be read. Unknown keys, wrong
 *	types and out-of-range values are errors: a typo in a security
 *	setting must not silently fall back to a default.
 *	mtasts_config_parse() does the same on text in memory; name is used
 *	in messages.
 *	mtasts_config_default() returns the built-in defaults (NULL only when
 *	memory runs out).
 *	mtasts_config_open() is what the programs do with their -c option:
 *	path when given (it must exist), else MTASTS_DEFAULT_CONFIG when it
 *	exists, else the built-in defaults. Results as mtasts_config_load().
 *
 *	mtasts_config_domain() returns the override for a normalised domain,
 *	or NULL. The pointer lives as long as the config.
 *
 *	mtasts_config_map() returns mtastsd's settings for a socketmap name:
 *	maps.<name>, else maps.default, else NULL (the built-in defaults:
 *	see mtastsd(8)). The pointer lives as long as the config.
 *--*/
#ifndef MTASTS_CONFIG_H
#define MTASTS_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <mtasts/limits.h>
#include <mtasts/status.h>

/* domains.<name>.mode */
enum mtasts_override_mode {
	MTASTS_OVERRIDE_UNSET = 0,	/* use the published policy */
	MTASTS_OVERRIDE_ENFORCE,	/* enforce even where it says testing */
	MTASTS_OVERRIDE_TESTING,	/* report only */
	MTASTS_OVERRIDE_NONE,		/* as if the policy said mode: none */
	MTASTS_OVERRIDE_IGNORE		/* never look anything up */
};

/* domains.<name>.on_temp_failure */
enum mtasts_temp_action {
	MTASTS_TEMP_UNSET = 0,		/* RFC 8461 default: deliver */
	MTASTS_TEMP_DELIVER,
	MTASTS_TEMP_DEFER
};

struct mtasts_server {
	char	host[MTASTS_DOMAIN_MAX + 1];	/* IPv4 or IPv6 address */
	uint16_t port;				/* 53 when not given */
};

struct mtasts_domain_cfg {
	char   *name;			/* normalised domain */
	enum mtasts_override_mode mode;
	enum mtasts_temp_action on_temp_failure;
	size_t	nmx;
	char  **mx;			/* extra patterns, lower-case */
};

/* daemon.listen entry: where mtastsd accepts socketmap connections */
struct mtasts_listen {
	int	family;				/* AF_UNIX, AF_INET or AF_INET6 */
	char	path[MTASTS_LISTEN_PATH_MAX];	/* AF_UNIX: absolute path */
	char	host[MTASTS_DOMAIN_MAX + 1];	/* AF_INET/6: canonical address */
	uint16_t port;				/* AF_INET/6 */
};

/* maps.<name>: how mtastsd answers queries for one socketmap name */
struct mtasts_map_cfg {
	char   *name;			/* socketmap name, or "default" */
	int	strict_testing;		/* answer testing policies as enforce */
	enum mtasts_temp_action on_temp_failure; /* nothing cached: deliver/defer */
	int	sts_attributes;		/* add Postfix 3.10 policy_* attributes */
	int	expand_wildcards;	/* name the MX hosts "*.x" matches */
};

struct mtasts_config {
	char   *source;			/* file name, or "(built-in)" */
	/* resolver */
	size_t	nservers;
	struct mtasts_server *servers;	/* empty: /etc/resolv.conf */
	/* tls */
	char   *ca_file;		/* NULL: the system store */
	char   *ca_path;
	/* cache */
	char   *cache_path;
	unsigned cache_negative_ttl;	/* seconds */
	unsigned cache_refresh_interval; /* seconds before the TXT id is re-checked */
	/* fetch */
	unsigned fetch_timeout;		/* seconds */
	/* log */
	int	syslog_facility;	/* LOG_MAIL by default */
	char   *json_file;		/* NULL: no JSON-lines audit log */
	/* domains */
	size_t	ndomains;
	struct mtasts_domain_cfg *domains;	/* sorted by name */
	/* daemon (mtastsd(8)) */
	size_t	ndaemon_listen;
	struct mtasts_listen *daemon_listen;	/* empty: the defaults */
	char   *daemon_user;		/* NULL: keep the starting user */
	char   *daemon_group;		/* NULL: the user's primary group */
	char   *daemon_pid_file;
	int	daemon_socket_mode;	/* 0600, 0660 or 0666 */
	char   *daemon_socket_group;	/* NULL: daemon_group's */
	unsigned daemon_workers;
	unsigned daemon_idle_timeout;	/* seconds */
	unsigned daemon_refresh_period;	/* seconds between cache sweeps */
	/* maps (mtastsd(8)) */
	size_t	nmaps;
	struct mtasts_map_cfg *maps;	/* sorted by name */
	/* tlsrpt (mtasts report, mtasts stats; RFC 8460) */
	char   *tlsrpt_organization;	/* organization-name; required to report */
	char   *tlsrpt_contact;		/* contact-info; NULL: tlsrpt_from */
	char   *tlsrpt_from;		/* From of mailto: reports */
	char   *tlsrpt_sending_ip;	/* sending-mta-ip, NULL: left out */
	char   *tlsrpt_sendmail;	/* sendmail-compatible binary */
	size_t	ntlsrpt_sendmail_args;
	char  **tlsrpt_sendmail_args;	/* before "-i -f FROM -- RCPT" */
	char   *tlsrpt_state_file;	/* what was sent (atomic rewrite) */
	char   *tlsrpt_spool_dir;	/* reports kept for retries */
	char   *tlsrpt_audit_log;	/* NULL: json_file */
	unsigned tlsrpt_timeout;	/* seconds per delivery (https, sendmail) */
	unsigned tlsrpt_max_size;	/* bytes of one .json.gz */
	/* milter (mtasts-milter(8)) */
	char   *milter_socket;		/* libmilter address: unix:PATH, inet:PORT@HOST */
	int	milter_action;		/* MTASTS_MILTER_ACCEPT or _TEMPFAIL */
	char   *milter_header;		/* NULL/no: none; yes: X-MTA-STS; or a name */
	char   *milter_user;		/* NULL: keep the starting user */
	char   *milter_group;		/* NULL: the user's primary group */
	int	milter_socket_mode;	/* 0600, 0660 or 0666 (unix socket) */
	char   *milter_socket_group;	/* NULL: milter_group's */
	char   *milter_pid_file;	/* written when it forks (no -f) */
};

/* milter.action: an enforced domain whose policy no MX host can meet */
#define MTASTS_MILTER_ACCEPT	0	/* log it, accept the recipient */
#define MTASTS_MILTER_TEMPFAIL	1	/* 451 4.7.5 at RCPT */

enum mtasts_status mtasts_config_load(const char *path,
		struct mtasts_config **out, char *why, size_t whylen);
enum mtasts_status mtasts_config_parse(const char *text, size_t len,
		const char *name, struct mtasts_config **out,
		char *why, size_t whylen);
struct mtasts_config *mtasts_config_default(void);
enum mtasts_status mtasts_config_open(const char *path,
		struct mtasts_config **out, char *why, size_t whylen);
void	mtasts_config_free(struct mtasts_config *);
const struct mtasts_domain_cfg *mtasts_config_domain(
		const struct mtasts_config *, const char *domain);
/* mtasts_config_map - maps.<name>, else maps.default, else NULL */
const struct mtasts_map_cfg *mtasts_config_map(
		const struct mtasts_config *, const char *name);

#endif
