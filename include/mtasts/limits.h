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

/* Reasons and peer text in logs. */
#define MTASTS_REASON_MAX	256
#define MTASTS_PEER_TEXT_MAX	128

/* Config file. */
#define MTASTS_CONFIG_MAX	(1024 * 1024)
#define MTASTS_CONFIG_DEPTH_MAX	8
#define MTASTS_CONFIG_SERVERS_MAX 16
#define MTASTS_CONFIG_DOMAINS_MAX 100000

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

#endif
