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
/* Policies one sweep takes on; the next sweep does the rest. */
#define MTASTS_DAEMON_REFRESH_BATCH	10000
/* A policy is fetched anew this long before it expires (at most half
 * its lifetime), so a policy host outage at that moment costs nothing. */
#define MTASTS_DAEMON_REFRESH_AHEAD	3600
/* MX answers kept in memory for maps.*.expand_wildcards (seconds, entries). */
#define MTASTS_DAEMON_MX_TTL		60
#define MTASTS_DAEMON_MX_CACHE_MAX	10000
/*
 * Replies remembered per (map, domain) so repeated queries skip the
 * decision: seconds (never past the policy's own expiry) and slots (a
 * power of two; a slot is ~40 bytes plus its reply). The decision and its
 * audit record are made again once a reply is this old.
 */
#define MTASTS_DAEMON_MEMO_TTL		10
#define MTASTS_DAEMON_MEMO_SLOTS	16384
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

/* ---- [tlsrpt] begin: TLS reporting, RFC 8460 (src/tlsrpt*.c, src/dns_txt.c,
 * mtasts stats / mtasts report) */
/*
 * RFC 8460 5.2: "a commonly observed receiver limit is ten megabytes".
 * tlsrpt.max_size (the gzip file) defaults to that and may not exceed
 * MTASTS_TLSRPT_SIZE_MAX; the JSON before compression is bounded too,
 * so a runaway log cannot make the tool eat memory.
 */
#define MTASTS_TLSRPT_SIZE_DEFAULT	(10 * 1000 * 1000)
#define MTASTS_TLSRPT_SIZE_MAX		(100 * 1000 * 1000)
#define MTASTS_TLSRPT_JSON_MAX		((size_t) 256 * 1024 * 1024)
/* One audit log line; audit records are a few hundred bytes, but
 * mx_patterns may list up to MTASTS_POLICY_MX_MAX names. */
#define MTASTS_TLSRPT_LINE_MAX		(MTASTS_POLICY_MX_MAX * (MTASTS_DOMAIN_MAX + 1) + 4096)
/* failure-details rows per policy; more distinct (type, MX, address,
 * reason) keys are counted in one row per result type without them. */
#define MTASTS_TLSRPT_DETAILS_MAX	1000
/* failure-reason-code: the audit reason, cut to this (RFC 8460 4.4
 * calls it "a short text field"). */
#define MTASTS_TLSRPT_REASON_CODE_MAX	128
/* rua URIs used from one record, and the length of one URI. */
#define MTASTS_TLSRPT_RUA_MAX		8
#define MTASTS_TLSRPT_URI_MAX		1024
/* RFC 8460 5.5: redeliver for up to 24 hours after the first attempt. */
#define MTASTS_TLSRPT_RETRY_WINDOW	86400
/* Days a state entry is kept, so that rerunning an old day never
 * sends it again while its log may still be around. */
#define MTASTS_TLSRPT_STATE_KEEP_DAYS	40
/* State file: lines and total size; it holds a few lines per domain. */
#define MTASTS_TLSRPT_STATE_LINE_MAX	(MTASTS_TLSRPT_URI_MAX + 512)
#define MTASTS_TLSRPT_STATE_MAX		((size_t) 64 * 1024 * 1024)
/* Bytes of an HTTPS reply kept (the body is only shown in errors). */
#define MTASTS_TLSRPT_REPLY_MAX		(16 * 1024)
/* tlsrpt.sendmail_args entries. */
#define MTASTS_TLSRPT_ARGS_MAX		32
/* Defaults where the config is silent. */
#define MTASTS_TLSRPT_SENDMAIL_DEFAULT	"/usr/sbin/sendmail"
#define MTASTS_TLSRPT_STATE_DEFAULT	"/var/lib/mtasts/tlsrpt.state"
#define MTASTS_TLSRPT_SPOOL_DEFAULT	"/var/lib/mtasts/tlsrpt"
#define MTASTS_TLSRPT_TIMEOUT_DEFAULT	30	/* seconds, per delivery */
#define MTASTS_TLSRPT_TIMEOUT_MAX	600
/* ---- [tlsrpt] end */

/* ---- [clients] begin: the socketmap benchmark client (bench/socketmap.c) */
/* Connections one run opens, and requests in flight on each. */
#define MTASTS_BENCH_CLIENTS_MAX	64
#define MTASTS_BENCH_DEPTH_MAX		1024
/* Seconds one run may last: a benchmark case is bounded in time. */
#define MTASTS_BENCH_SECONDS_MAX	60
/* Lookup domains read from the domain file, and policies "fill" writes. */
#define MTASTS_BENCH_DOMAINS_MAX	1000000
/* Latency histogram: buckets of MTASTS_BENCH_BUCKET_NS up to 250 ms;
 * slower replies land in the last bucket. */
#define MTASTS_BENCH_BUCKET_NS		250
#define MTASTS_BENCH_BUCKETS		1000000
/* After the run's time is up, replies still in flight are awaited this
 * long (milliseconds) before the connections are closed. */
#define MTASTS_BENCH_DRAIN_MS		2000
/* ---- [clients] end */

/* ---- [milter] begin: mtasts-milter, the submission-time milter (plugin/milter/) */
/* Where libmilter listens when neither milter.socket nor -p says; a
 * directory of its own, so that stopping mtastsd (whose systemd unit
 * owns /run/mtasts) never takes the milter's socket along. */
#define MTASTS_MILTER_SOCKET_DEFAULT	"unix:/run/mtasts-milter/milter.sock"
#define MTASTS_MILTER_PID_DEFAULT	"/run/mtasts-milter/mtasts-milter.pid"
/* milter.header: yes/true/on means this name. */
#define MTASTS_MILTER_HEADER_DEFAULT	"X-MTA-STS"
/* A header field name (RFC 5322 2.2: printable ASCII but ':'); real
 * ones are a word or two. */
#define MTASTS_MILTER_HEADER_NAME_MAX	64
/* Recipient domains one message's header records; a message to more
 * distinct domains still gets every recipient checked. */
#define MTASTS_MILTER_DOMAINS_MAX	64
/* Copies of our header already in a message that are removed (forged
 * or left by an earlier hop); more than this tempfails the message. */
#define MTASTS_MILTER_STRIP_MAX		64
/* One MX lookup at RCPT (milliseconds): what a stub resolver waits.
 * Sendmail's milter read timeout (T=R:) must exceed fetch.timeout
 * plus twice this; see doc/sendmail.md. */
#define MTASTS_MILTER_MX_TIMEOUT_MS	MTASTS_DNS_TIMEOUT_DEFAULT
/*
 * An MX host's last TLS outcome (mxstate.h) counts this long. A milter
 * that refuses mail on old failures would keep it from ever being
 * queued, so no delivery would ever test the host again: after this,
 * mail is accepted and the next delivery attempt tells.
 */
#define MTASTS_MXSTATE_FRESH		3600	/* seconds */
#define MTASTS_MXSTATE_FILE		"mxstate.lmdb"	/* next to cache.path */
/*
 * The same outcome again within this many seconds is not written: every
 * write is a synced LMDB commit, and Exim records every SMTP session.
 * Well below MTASTS_MXSTATE_FRESH, so a failure that goes on stays fresh.
 */
#define MTASTS_MXSTATE_RESTAMP		300	/* seconds */
/* Seconds a stop waits for sessions under way before the store closes. */
#define MTASTS_MILTER_STOP_WAIT		10
/* ---- [milter] end */

/* ---- [outcomes] begin: TLS session outcomes from MTA logs
 * (src/maillog*.c, mtasts ingest) */
/* One log line; syslog daemons cut at 8 KiB by default (rsyslog's
 * maxMessageSize), and a longer line is read as far as this. */
#define MTASTS_MAILLOG_LINE_MAX		8192
/* "HOST TAG[PID]" naming one MTA process, and a queue id (Postfix long
 * queue ids are about 20 characters, Sendmail's 14). */
#define MTASTS_MAILLOG_PROC_MAX		(MTASTS_DOMAIN_MAX + 80)
#define MTASTS_MAILLOG_QID_MAX		40
/* An MX address as logged: IPv6 with a scope at most. */
#define MTASTS_MAILLOG_ADDR_MAX		64
/* MTA processes followed at once: a busy Postfix runs ~100 smtp(8)
 * processes (default_process_limit), a central log a few hosts' worth. */
#define MTASTS_MAILLOG_PROCS_MAX	4096
/* Sessions one process may have waiting for their status line: one per
 * MX tried for one delivery (Postfix smtp_mx_address_limit is 5). */
#define MTASTS_MAILLOG_TRIES_MAX	16
/* Recipient domains taken from one status line (Sendmail lists all
 * recipients it sent over one connection). */
#define MTASTS_MAILLOG_DOMAINS_MAX	16
/* Seconds a session waits for its status line before it is dropped as
 * unfinished: far beyond any SMTP timeout of a single delivery. */
#define MTASTS_MAILLOG_PENDING_MAX	3600
/* Seconds after its status line a session counts as the one a later
 * status line of the same process and MX reused (Postfix's
 * smtp_connection_reuse_time_limit is 300 s). */
#define MTASTS_MAILLOG_REUSE_MAX	300
/* ---- [outcomes] end */

#endif
