/*++
 * NAME
 *	limits 3h
 * SUMMARY
 *	every size, count and time limit of mtasts, by name
 * DESCRIPTION
 *	One place to read what mtasts will accept from DNS, HTTPS servers,
 *	config files and socket clients. Values come from the RFCs where they
 *	decide (RFC 1035 name lengths, RFC 8461 sections 3.1-3.3) and are
 *	otherwise chosen to bound memory and time per request.
 *--*/
#ifndef MTASTS_LIMITS_H
#define MTASTS_LIMITS_H

/* DNS names (RFC 1035 2.3.4): text form without the trailing dot. */
#define MTASTS_DOMAIN_MAX	253
#define MTASTS_LABEL_MAX	63

/* Lookup keys as MTAs send them, e.g. "[mail.example.com]:25". */
#define MTASTS_KEY_MAX		(MTASTS_DOMAIN_MAX + 16)

/* RFC 8461 3.1: sts-id = 1*32(ALPHA / DIGIT). */
#define MTASTS_ID_MAX		32

/* One TXT record's joined character-strings; more is hostile. */
#define MTASTS_TXT_MAX		4096
/* TXT RRs at one _mta-sts name considered before giving up. */
#define MTASTS_TXT_RECORDS_MAX	32

/* RFC 8461 3.2: policy body at most 64 KiB. */
#define MTASTS_POLICY_MAX	(64 * 1024)
/* RFC 8461 3.2: max_age at most 31557600 seconds, at most 10 digits. */
#define MTASTS_MAX_AGE_MAX	31557600UL
#define MTASTS_MAX_AGE_DIGITS	10
/* mx patterns kept from one policy; a longer list is hostile. */
#define MTASTS_POLICY_MX_MAX	256

/* [parsers] RFC 8461 3.1 sts-ext-name and 3.2 sts-policy-ext-name are
 * (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / "."): 32 at most. */
#define MTASTS_EXT_NAME_MAX	32

/* Reasons and peer text in logs. */
#define MTASTS_REASON_MAX	256
#define MTASTS_PEER_TEXT_MAX	128

/* Config file. */
#define MTASTS_CONFIG_MAX	(1024 * 1024)
#define MTASTS_CONFIG_DEPTH_MAX	8
#define MTASTS_CONFIG_SERVERS_MAX 16
#define MTASTS_CONFIG_DOMAINS_MAX 100000

/* Config file values (src/config.c, src/config_schema.c). */
/* A path or other string value; PATH_MAX on Linux. */
#define MTASTS_CONFIG_STRING_MAX 4096
/* Digits in an integer or duration; more is out of any range we accept. */
#define MTASTS_CONFIG_DIGITS_MAX 12
/* "domains.<name>.mx" extra patterns per domain: as many as a policy. */
#define MTASTS_CONFIG_MX_MAX	MTASTS_POLICY_MX_MAX

/* Defaults where the config is silent. */
#define MTASTS_DEFAULT_CONFIG	"/etc/mtasts/mtasts.yaml"
#define MTASTS_DEFAULT_CACHE	"/var/lib/mtasts/cache.lmdb"
#define MTASTS_FETCH_TIMEOUT_DEFAULT	10	/* seconds */
#define MTASTS_FETCH_TIMEOUT_MAX	300
#define MTASTS_NEGATIVE_TTL_DEFAULT	3600	/* seconds */
#define MTASTS_NEGATIVE_TTL_MAX		86400
#define MTASTS_REFRESH_INTERVAL_DEFAULT	3600	/* seconds */
#define MTASTS_REFRESH_INTERVAL_MIN	60
#define MTASTS_REFRESH_INTERVAL_MAX	86400

/* ---- [fetch] HTTPS policy fetch and SMTP STARTTLS check
 * (src/http.c, src/fetch.c, src/tlsconn.c, src/smtptls.c). */
/* One status, header, trailer or chunk-size line; curl and nginx use 8 KiB. */
#define MTASTS_HTTP_LINE_MAX	8192
/* Header plus trailer lines of one response; a policy host needs a dozen. */
#define MTASTS_HTTP_HEADERS_MAX	100
/* All head bytes, interim 1xx responses included: bounds memory and work. */
#define MTASTS_HTTP_HEAD_MAX	(64 * 1024)
/* 1xx interim responses tolerated before the final one. */
#define MTASTS_HTTP_INTERIM_MAX	8
/* RFC 8461 3.3: the policy host listens on 443; tests pass another. */
#define MTASTS_FETCH_PORT_DEFAULT	443
/* Per-address connect limit (seconds), inside the total fetch.timeout. */
#define MTASTS_FETCH_CONNECT_TIMEOUT_DEFAULT	5
/* SMTP server check (mtasts check): port, reply line and line count. */
#define MTASTS_SMTP_PORT_DEFAULT	25
#define MTASTS_SMTP_LINE_MAX	1024	/* RFC 5321 4.5.3.1.5 says 512 */
#define MTASTS_SMTP_REPLY_LINES_MAX	100
/* ---- [fetch] end */

/* ---- [cache] begin: the LMDB policy cache (src/cache.c) */
/*
 * Address space reserved for the cache file. LMDB maps this much but the
 * file only grows as entries are written (sparse), so it costs no disk
 * or memory up front; a write past it fails with "cache full". 256 MiB
 * is about 4000 maximal (64 KiB) policies, or 500000 typical ones.
 * Overridable at build time so tests can fill a small map quickly.
 */
#ifndef MTASTS_CACHE_MAP_SIZE
#define MTASTS_CACHE_MAP_SIZE	((size_t) 256 * 1024 * 1024)
#endif
/*
 * Reader slots in the "-lock" file: one per open read transaction. The
 * cache holds a read transaction only for the length of one call, but an
 * Exim host may run hundreds of delivery processes at once. The first
 * process to open the file after all others closed it sizes the table.
 */
#define MTASTS_CACHE_READERS_MAX	1024
/* Attempts when LMDB reports a transient open race or a full table. */
#define MTASTS_CACHE_RETRIES	3
/* ---- [cache] end */

/* ---- [dns] begin: the DNS layer (src/dns*.c) */
/*
 * Per-lookup timeouts in milliseconds. The default is what a stub
 * resolver (resolv.conf "timeout:5") waits; more than a minute only ties
 * up a delivery attempt that will be deferred anyway.
 */
#define MTASTS_DNS_TIMEOUT_DEFAULT	5000
#define MTASTS_DNS_TIMEOUT_MAX		60000
/*
 * CNAME links followed for one lookup, whether listed in one answer or
 * asked for again because the server did not follow them (RFC 1034
 * 3.6.2 allows both). Real chains have one or two links; more is a loop.
 */
#define MTASTS_DNS_CNAME_MAX		8
/* MX hosts kept (after sorting by preference) and addresses per family. */
#define MTASTS_DNS_MX_MAX		64
#define MTASTS_DNS_ADDRS_MAX		32
/* ---- [dns] end */

/* ---- [daemon] begin: mtastsd, the socketmap daemon (tools/mtastsd/) */
/*
 * socketmap_table(5): a query is at most 10000 bytes; Postfix refuses a
 * reply over 100000. A map name is what follows the last ':' of
 * "socketmap:unix:PATH:NAME"; real ones are a word ("postfix", "sts").
 */
#define MTASTS_SOCKETMAP_QUERY_MAX	10000
#define MTASTS_SOCKETMAP_REPLY_MAX	100000
#define MTASTS_SOCKETMAP_NAME_MAX	64
/* daemon.listen entries; sun_path's size on Linux, NUL included. */
#define MTASTS_LISTEN_MAX		16
#define MTASTS_LISTEN_PATH_MAX		108
#define MTASTS_LISTEN_BACKLOG		128
/*
 * Connections at once: past it the listeners pause and new clients wait
 * in the kernel's backlog instead of being refused. Postfix keeps one
 * connection per smtp(8) process, so this is ~10x a busy default_process_limit.
 */
#define MTASTS_DAEMON_CONNECTIONS_MAX	1024
/* Requests read ahead on one connection; then reading pauses until
 * replies drain (socketmap has no ids: replies go out in order). */
#define MTASTS_DAEMON_PENDING_MAX	64
/* daemon.workers: threads for lookups the cache cannot answer. */
#define MTASTS_DAEMON_WORKERS_DEFAULT	8
#define MTASTS_DAEMON_WORKERS_MAX	256
/* daemon.idle_timeout (seconds): Postfix drops idle connections itself. */
#define MTASTS_DAEMON_IDLE_DEFAULT	300
#define MTASTS_DAEMON_IDLE_MAX		86400
/* daemon.refresh_period (seconds): how often the cache is swept. */
#define MTASTS_DAEMON_REFRESH_DEFAULT	300
#define MTASTS_DAEMON_REFRESH_MAX	86400
/* Refresh lookups at once: the rest of the workers serve deliveries. */
#define MTASTS_DAEMON_REFRESH_CONCURRENCY 4
/* A policy is fetched anew this long before it expires (at most half
 * its lifetime), so a policy host outage at that moment costs nothing. */
#define MTASTS_DAEMON_REFRESH_AHEAD	3600
/* MX answers kept in memory for maps.*.expand_wildcards (seconds, entries). */
#define MTASTS_DAEMON_MX_TTL		60
#define MTASTS_DAEMON_MX_CACHE_MAX	10000
/* maps.<name> entries in the config. */
#define MTASTS_CONFIG_MAPS_MAX		64
/* Defaults where the config is silent. */
#define MTASTS_DEFAULT_PID_FILE		"/run/mtasts/mtastsd.pid"
#define MTASTS_DEFAULT_LISTEN_UNIX	"/run/mtasts/mtastsd.sock"
#define MTASTS_DEFAULT_LISTEN_HOST	"127.0.0.1"
#define MTASTS_DEFAULT_LISTEN_PORT	8461
/* ---- [daemon] end */

/* ---- [exim] begin: the Exim ${dlfunc} module (plugin/exim/) */
/* $host_address as text: an IPv6 address (INET6_ADDRSTRLEN is 46). */
#define MTASTS_EXIM_ADDR_MAX		64
/* $tls_out_ver / $tls_out_cipher kept per connection; GnuTLS names are
 * about 60 characters ("TLS1.3:ECDHE_SECP256R1__..._GCM:256"). */
#define MTASTS_EXIM_TLS_TEXT_MAX	128
/* One MX lookup while routing (milliseconds): what a stub resolver
 * waits; a slower answer defers the message, it is not lost. */
#define MTASTS_EXIM_MX_TIMEOUT_MS	MTASTS_DNS_TIMEOUT_DEFAULT
/* ---- [exim] end */

#endif
