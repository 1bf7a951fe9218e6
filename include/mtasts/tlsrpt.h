/*++
 * NAME
 *	tlsrpt 3h
 * SUMMARY
 *	SMTP TLS reporting (RFC 8460): counts from the audit log, reports,
 *	the _smtp._tls record, delivery by mail and HTTPS, what was sent
 * SYNOPSIS
 *	#include <mtasts/tlsrpt.h>
 * DESCRIPTION
 *	The pure parts (no I/O, testable from data) are the audit log
 *	aggregation (src/tlsrpt_log.c), the report JSON, file name and
 *	times (src/tlsrpt_report.c), the TLSRPT record (src/tlsrpt_rua.c)
 *	and gzip, base64 and the report message (src/tlsrpt_mime.c). The
 *	I/O parts are the log file, state file and spool
 *	(src/tlsrpt_io.c), the sendmail hand-off (src/tlsrpt_send.c) and
 *	the HTTPS POST (src/tlsrpt_https.c). doc/tlsrpt.md explains the
 *	whole and the counting rules.
 * COUNTING
 *	mtasts_tlsrpt_agg_line() reads one audit log line (JSON, see
 *	audit.h). Records outside [since, until) and of another domain
 *	than only_domain are skipped (outside). Then:
 *	- "event":"delivery": one session of its domain. result_type null
 *	  is a successful session, any other value a failed one of that
 *	  type (an unknown type is counted as validation-failure, with
 *	  the type named in failure-reason-code).
 *	- "event":"decision" with an sts-* result type (the policy could
 *	  not be fetched or was invalid): one failed session of that type,
 *	  but only for a domain with no delivery record in the range. An
 *	  adapter that writes delivery records puts such a failure on the
 *	  delivery record too, so counting the decision as well would
 *	  count one attempt twice.
 *	- every other record is ignored: a decision is a lookup, not a
 *	  TLS session, and may be made many times per message.
 *	Sessions are grouped by policy: "mode" enforce, testing or none
 *	is policy-type sts with the record's mx_patterns and max_age,
 *	anything else no-policy-found. Failures are grouped by result
 *	type, MX host, MX address and reason.
 * MEMORY
 *	struct mtasts_tlsrpt_agg starts from mtasts_tlsrpt_agg_init() and
 *	owns everything below it until mtasts_tlsrpt_agg_free(). Buffers
 *	(struct mtasts_buf) are the caller's. A state starts from
 *	mtasts_tlsrpt_state_open() and ends with mtasts_tlsrpt_state_close().
 * SECURITY
 *	Log lines, DNS records and HTTP replies are untrusted: sizes are
 *	bounded (MTASTS_TLSRPT_* in limits.h), text is sanitised before it
 *	reaches a reason, and mailto: addresses that could be read as
 *	sendmail options or split into several are refused.
 *--*/
#ifndef MTASTS_TLSRPT_H
#define MTASTS_TLSRPT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <mtasts/buf.h>
#include <mtasts/config.h>
#include <mtasts/limits.h>
#include <mtasts/status.h>

struct mtasts_dns;

 /*
  * Aggregation (src/tlsrpt_log.c).
  */
enum mtasts_tlsrpt_ptype {
	MTASTS_TLSRPT_STS = 0,		/* "sts" */
	MTASTS_TLSRPT_NO_POLICY		/* "no-policy-found" */
};

struct mtasts_tlsrpt_detail {
	char   *result_type;		/* RFC 8460 4.3 */
	char   *mx;			/* receiving-mx-hostname, or NULL */
	char   *ip;			/* receiving-ip, or NULL */
	char   *reason;			/* failure-reason-code, or NULL */
	unsigned long count;
};

struct mtasts_tlsrpt_policy {
	enum mtasts_tlsrpt_ptype type;
	char   *mode;			/* STS: enforce, testing or none */
	char   *patterns;		/* STS: mx patterns, space-separated */
	long	max_age;		/* STS: -1 when the log had none */
	int	from_decision;		/* counted from decision records */
	unsigned long ok;
	unsigned long failed;
	size_t	ndetails;
	struct mtasts_tlsrpt_detail *details;
};

struct mtasts_tlsrpt_domain {
	char   *name;
	unsigned long deliveries;	/* delivery records in range */
	size_t	npolicies;
	struct mtasts_tlsrpt_policy *policies;	/* in order of appearance */
};

struct mtasts_tlsrpt_agg {
	time_t	since;			/* inclusive; 0: open */
	time_t	until;			/* exclusive; 0: open */
	char	only_domain[MTASTS_DOMAIN_MAX + 1];	/* "": all */
	unsigned long lines;		/* lines read */
	unsigned long malformed;	/* not an audit record */
	unsigned long first_malformed;	/* its line number, 0: none */
	unsigned long outside;		/* out of range or other domain */
	unsigned long ignored;		/* records that are no session */
	unsigned long counted;		/* sessions counted (see COUNTING) */
	size_t	ndomains;
	size_t	cap;
	struct mtasts_tlsrpt_domain *domains;	/* sorted by name */
};

void	mtasts_tlsrpt_agg_init(struct mtasts_tlsrpt_agg *, time_t since,
		time_t until, const char *only_domain);
/* MTASTS_OK counted, NONE skipped or ignored, PERM malformed, TEMP memory */
enum mtasts_status mtasts_tlsrpt_agg_line(struct mtasts_tlsrpt_agg *,
		const char *line, size_t len);
void	mtasts_tlsrpt_agg_free(struct mtasts_tlsrpt_agg *);
/* mtasts_tlsrpt_policy_used - does the policy count (see COUNTING)? */
int	mtasts_tlsrpt_policy_used(const struct mtasts_tlsrpt_domain *,
		const struct mtasts_tlsrpt_policy *);
/* mtasts_tlsrpt_totals - counted sessions of a domain */
void	mtasts_tlsrpt_totals(const struct mtasts_tlsrpt_domain *,
		unsigned long *ok, unsigned long *failed);
/* mtasts_tlsrpt_find - a domain of the aggregate, or NULL */
const struct mtasts_tlsrpt_domain *mtasts_tlsrpt_find(
		const struct mtasts_tlsrpt_agg *, const char *name);

 /*
  * Reports (src/tlsrpt_report.c).
  */
struct mtasts_tlsrpt_meta {
	const char *organization;	/* organization-name */
	const char *contact;		/* contact-info */
	const char *submitter;		/* domain of contact-info: 5.1 "sender" */
	const char *report_id;
	const char *sending_ip;		/* sending-mta-ip, or NULL */
	time_t	start;			/* 00:00:00 UTC of the day */
};

/* The day a report covers: [start, start + 86400); end is the last second. */
#define MTASTS_TLSRPT_DAY	86400

enum mtasts_status mtasts_tlsrpt_json(const struct mtasts_tlsrpt_meta *,
		const struct mtasts_tlsrpt_domain *, struct mtasts_buf *out,
		char *why, size_t whylen);
/* mtasts_tlsrpt_policy_string - the policy-string JSON array */
void	mtasts_tlsrpt_policy_string(const struct mtasts_tlsrpt_policy *,
		struct mtasts_buf *out);
/* mtasts_tlsrpt_filename - RFC 8460 5.1 name, without unique-id */
enum mtasts_status mtasts_tlsrpt_filename(const char *submitter,
		const char *domain, time_t start, char *out, size_t outlen,
		char *why, size_t whylen);
/*
 * mtasts_tlsrpt_report_id - "YYYYMMDD.DOMAIN@SUBMITTER": unique per
 * sender, day and policy domain, and the same on every retry, so a
 * receiver can drop duplicates; it is also the mail's Report-ID.
 */
enum mtasts_status mtasts_tlsrpt_report_id(time_t start, const char *domain,
		const char *submitter, char *out, size_t outlen);
/* mtasts_tlsrpt_submitter - domain of an address (after the last '@') */
enum mtasts_status mtasts_tlsrpt_submitter(const char *addr, char *out,
		size_t outlen);
/*
 * mtasts_tlsrpt_time - ISO 8601 UTC "YYYY-MM-DD" or
 * "YYYY-MM-DDTHH:MM[:SS][Z]"; a bare date is its first second, or with
 * end_of_day the first second of the next day. Returns 0, or -1.
 */
int	mtasts_tlsrpt_time(const char *text, int end_of_day, time_t *out);
/* mtasts_tlsrpt_iso - "YYYY-MM-DDTHH:MM:SSZ" into out[21] */
void	mtasts_tlsrpt_iso(time_t, char *out, size_t outlen);
/* mtasts_tlsrpt_day - "YYYY-MM-DD" of t into out[11] */
void	mtasts_tlsrpt_day(time_t, char *out, size_t outlen);

 /*
  * The _smtp._tls record (src/tlsrpt_rua.c).
  */
enum mtasts_tlsrpt_scheme {
	MTASTS_TLSRPT_MAILTO = 1,
	MTASTS_TLSRPT_HTTPS
};

struct mtasts_tlsrpt_uri {
	enum mtasts_tlsrpt_scheme scheme;
	char	uri[MTASTS_TLSRPT_URI_MAX + 1];	/* as published */
	char	addr[MTASTS_TLSRPT_URI_MAX + 1];	/* mailto: decoded address */
	char	host[MTASTS_DOMAIN_MAX + 1];	/* https: lower case */
	uint16_t port;				/* https: 443 by default */
	char	path[MTASTS_TLSRPT_URI_MAX + 1];	/* https: path and query */
};

struct mtasts_tlsrpt_rua {
	size_t	n;
	struct mtasts_tlsrpt_uri uri[MTASTS_TLSRPT_RUA_MAX];
	size_t	nskipped;		/* URIs not used, and why the first */
	char	skipped[MTASTS_REASON_MAX];
};

/*
 * mtasts_tlsrpt_record_select - RFC 8460 3 on the TXT RRs of
 * _smtp._tls.DOMAIN: MTASTS_OK one valid record (out filled), NONE no
 * record beginning "v=TLSRPTv1;" or more than one (why says which),
 * PERM the record is invalid or names no usable URI (why says what).
 * mtasts_tlsrpt_record_parse() checks one record the same way.
 */
enum mtasts_status mtasts_tlsrpt_record_select(const char *const *recs,
		const size_t *lens, size_t n, struct mtasts_tlsrpt_rua *out,
		char *why, size_t whylen);
enum mtasts_status mtasts_tlsrpt_record_parse(const char *rec, size_t len,
		struct mtasts_tlsrpt_rua *out, char *why, size_t whylen);

 /*
  * gzip, base64 and the report message (src/tlsrpt_mime.c).
  */
enum mtasts_status mtasts_tlsrpt_gzip(const char *data, size_t len,
		struct mtasts_buf *out, char *why, size_t whylen);
/* mtasts_tlsrpt_base64 - RFC 2045 base64, 76 characters a line, LF */
void	mtasts_tlsrpt_base64(const unsigned char *data, size_t len,
		struct mtasts_buf *out);

struct mtasts_tlsrpt_mail {
	const char *from;
	const char *to;
	const char *domain;		/* TLS-Report-Domain */
	const char *submitter;		/* TLS-Report-Submitter */
	const char *report_id;
	const char *filename;
	time_t	date;
	time_t	start;			/* the day reported, for the text */
	const unsigned char *gz;
	size_t	gzlen;
};

/* mtasts_tlsrpt_message - RFC 8460 5.3 multipart/report, LF line ends */
enum mtasts_status mtasts_tlsrpt_message(const struct mtasts_tlsrpt_mail *,
		struct mtasts_buf *out, char *why, size_t whylen);

 /*
  * Delivery (src/tlsrpt_send.c, src/tlsrpt_https.c).
  */

/*
 * mtasts_tlsrpt_sendmail - run "SENDMAIL ARGS... -i -f FROM -- RCPT"
 * with msg on its standard input, bounded by tlsrpt.timeout. OK when it
 * exits 0; TEMP otherwise, why holding its exit status and the first
 * line it wrote to stderr.
 */
enum mtasts_status mtasts_tlsrpt_sendmail(const struct mtasts_config *,
		const char *from, const char *rcpt, const char *msg,
		size_t len, char *why, size_t whylen);

/*
 * mtasts_tlsrpt_https_post - POST body (application/tlsrpt+gzip) to an
 * https: URI; dns is a blocking resolver handle. OK for a 2xx status;
 * TEMP for anything else (no address, connect, TLS, HTTP status), with
 * why. The certificate is checked as for policy fetches (tls.ca_file).
 */
enum mtasts_status mtasts_tlsrpt_https_post(const struct mtasts_config *,
		struct mtasts_dns *dns, const struct mtasts_tlsrpt_uri *,
		const char *body, size_t len, char *why, size_t whylen);

 /*
  * The audit log, the state file and the spool (src/tlsrpt_io.c).
  */

/* mtasts_tlsrpt_agg_file - feed every line of a log file ("-": stdin) */
enum mtasts_status mtasts_tlsrpt_agg_file(struct mtasts_tlsrpt_agg *,
		const char *path, char *why, size_t whylen);
/*
 * mtasts_tlsrpt_agg_log - the audit log as logrotate leaves it: PATH.1
 * (when there, uncompressed: delaycompress) and then PATH, so a report
 * made after a rotation still sees the whole day. MTASTS_NONE only when
 * neither exists.
 */
enum mtasts_status mtasts_tlsrpt_agg_log(struct mtasts_tlsrpt_agg *,
		const char *path, char *why, size_t whylen);

enum mtasts_tlsrpt_st {
	MTASTS_TLSRPT_SENT = 0,		/* delivered: never again */
	MTASTS_TLSRPT_FAILED,		/* retried on the next run */
	MTASTS_TLSRPT_GAVEUP,		/* failed for MTASTS_TLSRPT_RETRY_WINDOW */
	MTASTS_TLSRPT_NORECORD,		/* domain publishes no TLSRPT record */
	MTASTS_TLSRPT_BADRECORD,	/* its record is invalid */
	MTASTS_TLSRPT_TOOBIG		/* over tlsrpt.max_size */
};

struct mtasts_tlsrpt_entry {
	char	day[11];		/* YYYY-MM-DD */
	enum mtasts_tlsrpt_st st;
	unsigned attempts;
	time_t	first;			/* first attempt */
	time_t	last;			/* last attempt */
	char   *domain;
	char   *endpoint;		/* rua URI, or "-" for the domain */
};

struct mtasts_tlsrpt_state {
	char   *path;
	int	lockfd;
	size_t	n;
	size_t	cap;
	struct mtasts_tlsrpt_entry *e;
};

/*
 * mtasts_tlsrpt_state_open - read the state file (absent: empty); with
 * lock != 0 first take an exclusive lock on PATH.lock, so that two runs
 * never send the same report (TEMP "another run holds ..." if busy).
 */
enum mtasts_status mtasts_tlsrpt_state_open(const char *path, int lock,
		struct mtasts_tlsrpt_state *, char *why, size_t whylen);
struct mtasts_tlsrpt_entry *mtasts_tlsrpt_state_find(
		struct mtasts_tlsrpt_state *, const char *day,
		const char *domain, const char *endpoint);
/* mtasts_tlsrpt_state_set - record an outcome; counts attempts */
enum mtasts_status mtasts_tlsrpt_state_set(struct mtasts_tlsrpt_state *,
		const char *day, const char *domain, const char *endpoint,
		enum mtasts_tlsrpt_st, time_t now);
/* mtasts_tlsrpt_state_save - drop old entries, write atomically */
enum mtasts_status mtasts_tlsrpt_state_save(struct mtasts_tlsrpt_state *,
		time_t now, char *why, size_t whylen);
void	mtasts_tlsrpt_state_close(struct mtasts_tlsrpt_state *);
const char *mtasts_tlsrpt_st_str(enum mtasts_tlsrpt_st);

/* mtasts_tlsrpt_write_file - write DIR/NAME atomically (temp, fsync, rename) */
enum mtasts_status mtasts_tlsrpt_write_file(const char *dir, const char *name,
		const void *data, size_t len, char *why, size_t whylen);
/* mtasts_tlsrpt_read_file - read DIR/NAME, at most max bytes; NONE: absent */
enum mtasts_status mtasts_tlsrpt_read_file(const char *dir, const char *name,
		size_t max, struct mtasts_buf *out, char *why, size_t whylen);

#endif
