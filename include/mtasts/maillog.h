/*++
 * NAME
 *	maillog 3h
 * SUMMARY
 *	TLS session outcomes read from Postfix and Sendmail log lines
 * SYNOPSIS
 *	#include <mtasts/maillog.h>
 * DESCRIPTION
 *	Postfix and Sendmail ask mtastsd for a domain's policy but tell it
 *	nothing about the TLS sessions that follow; only their logs do.
 *	These functions turn log lines into one outcome per TLS session
 *	attempt to an MX ("mtasts ingest" writes them to the audit log).
 *	Pure: no I/O, no clock, no policy; doc/tlsrpt.md lists the lines
 *	read and what each one means.
 *
 *	mtasts_maillog_parse() reads one line (syslog's traditional
 *	"Mmm dd hh:mm:ss HOST TAG[PID]: TEXT", RFC 3339 time stamps as
 *	rsyslog and journalctl -o short-iso write them, and Postfix's own
 *	maillog_file) into *out. Traditional time stamps have no year and
 *	no zone: the year is the one that puts the line at most a day
 *	after now, the zone is local time, or UTC when utc is set.
 *	MTASTS_OK	out->ev says what the line tells (it may be
 *			MTASTS_MAILLOG_EV_NONE: a Postfix smtp(8) or Sendmail
 *			line about something else)
 *	MTASTS_NONE	a syslog line of another program
 *	MTASTS_PERM	not a syslog line (no time stamp or no tag)
 *
 *	The tracker follows every MTA process (host and TAG[PID]) that
 *	delivers mail: the TLS lines of a session carry no queue id and no
 *	recipient, so they wait, bounded in number and age, for the status
 *	line that names the recipient domains (Postfix: "to=<...>,
 *	relay=..., status=..."; Sendmail: "to=..., relay=..., stat=...").
 *	mtasts_maillog_feed() takes one parsed line and its position pos
 *	in the input (any increasing number; a byte offset for
 *	"ingest --state") and calls emit once per recipient domain of each
 *	session it concludes. MTASTS_TEMP when memory runs out (the line is
 *	then lost). Each emitted session carries the position of the line
 *	that concluded it. mtasts_maillog_resume() is the position of the
 *	first line of the oldest session still waiting, or end when none
 *	waits: where a later run must start reading so that no session is
 *	cut in two ("ingest --state" starts there and writes only the
 *	sessions concluded beyond where it stopped before).
 *	mtasts_maillog_counts() tells what the tracker saw.
 *
 *	Sessions and RFC 8460 result types (NULL: TLS negotiated and the
 *	certificate verified):
 *	- a TLS line with a verified certificate: success;
 *	- a certificate that did not verify: certificate-expired,
 *	  certificate-host-mismatch or certificate-not-trusted, as the log
 *	  says why (Postfix "certificate verification failed for ...",
 *	  Sendmail "verify=FAIL" and "verifymsg=...", "not listed in
 *	  SANs"); an MX name not in Sendmail's list of policy names
 *	  ("... not found in ..."): validation-failure;
 *	- STARTTLS not offered or refused where TLS was required, and mail
 *	  delivered in clear text once TLS lines have been seen from the
 *	  same kind of MTA: starttls-not-supported;
 *	- a TLS handshake that failed: validation-failure.
 *	A session reused for another message (Postfix "TLS connection
 *	reused", conn_use=N) is not a new session. Connection failures
 *	(refused, timed out) are no TLS session and give nothing.
 * MEMORY
 *	The tracker owns everything it keeps; the session passed to emit
 *	is valid only during the call. At most MTASTS_MAILLOG_PROCS_MAX
 *	processes and MTASTS_MAILLOG_TRIES_MAX sessions per process are
 *	followed; past that the least recently active process is dropped
 *	(its waiting sessions are counted as unfinished).
 * SECURITY
 *	Log text can come from peers (a server's reply, a certificate's
 *	names): every field is bounded, host names must be valid names,
 *	and text kept for a reason is made printable (mtasts_sanitize()).
 *--*/
#ifndef MTASTS_MAILLOG_H
#define MTASTS_MAILLOG_H

#include <stddef.h>
#include <time.h>

#include <mtasts/limits.h>
#include <mtasts/status.h>

enum mtasts_maillog_mta {
	MTASTS_MAILLOG_POSTFIX = 0,	/* TAG .../smtp: Postfix smtp(8) */
	MTASTS_MAILLOG_SENDMAIL		/* TAG sendmail or sm-mta */
};

enum mtasts_maillog_ev {
	MTASTS_MAILLOG_EV_NONE = 0,	/* nothing about an outbound session */
	MTASTS_MAILLOG_EV_TLS,		/* TLS negotiated: verified, type */
	MTASTS_MAILLOG_EV_CERT,		/* why the certificate failed: type */
	MTASTS_MAILLOG_EV_FAIL,		/* a session failed: type */
	MTASTS_MAILLOG_EV_REUSED,	/* a TLS session reused: verified, type */
	MTASTS_MAILLOG_EV_ATTEMPT,	/* Postfix: an MX failed, the next is tried */
	MTASTS_MAILLOG_EV_STATUS	/* delivery status: domains, sent */
};

struct mtasts_maillog_line {
	enum mtasts_maillog_ev ev;
	enum mtasts_maillog_mta mta;
	time_t	when;
	char	proc[MTASTS_MAILLOG_PROC_MAX];	/* "HOST TAG[PID]" */
	char	qid[MTASTS_MAILLOG_QID_MAX];	/* queue id, or "" */
	char	mx[MTASTS_DOMAIN_MAX + 1];	/* lower case; "" unknown */
	char	addr[MTASTS_MAILLOG_ADDR_MAX];	/* "" unknown */
	int	verified;		/* EV_TLS, EV_REUSED: certificate verified */
	int	sent;			/* EV_STATUS: delivered */
	int	reused;			/* EV_STATUS: over a reused connection */
	const char *type;		/* RFC 8460 result type, or NULL */
	char	text[MTASTS_REASON_MAX];	/* what the line says, printable */
	size_t	ndomains;		/* EV_STATUS: recipient domains */
	char	domains[MTASTS_MAILLOG_DOMAINS_MAX][MTASTS_DOMAIN_MAX + 1];
};

enum mtasts_status mtasts_maillog_parse(const char *line, size_t len,
		time_t now, int utc, struct mtasts_maillog_line *out);

/* One concluded session, for one recipient domain. */
struct mtasts_maillog_session {
	enum mtasts_maillog_mta mta;
	time_t	when;			/* its first line */
	unsigned long long pos;		/* the line that concluded it */
	const char *domain;		/* recipient domain, lower case */
	const char *mx;			/* MX host, lower case */
	const char *addr;		/* MX address, or NULL when not logged */
	const char *qid;		/* queue id, or "" */
	const char *result_type;	/* NULL: success */
	const char *reason;		/* printable */
};

struct mtasts_maillog_counts {
	unsigned long events;		/* lines about outbound sessions */
	unsigned long sessions;		/* sessions concluded */
	unsigned long emitted;		/* emit calls (sessions x domains) */
	unsigned long unfinished;	/* sessions dropped without a status */
	unsigned long tls_lines[2];	/* TLS lines per enum mtasts_maillog_mta */
};

struct mtasts_maillog;

struct mtasts_maillog *mtasts_maillog_new(void);
enum mtasts_status mtasts_maillog_feed(struct mtasts_maillog *,
		const struct mtasts_maillog_line *, unsigned long long pos,
		void (*emit)(void *, const struct mtasts_maillog_session *),
		void *ctx);
unsigned long long mtasts_maillog_resume(const struct mtasts_maillog *,
		unsigned long long end);
const struct mtasts_maillog_counts *mtasts_maillog_counts(
		const struct mtasts_maillog *);
void	mtasts_maillog_free(struct mtasts_maillog *);

/* mtasts_maillog_mta_str - "postfix" or "sendmail" (static storage) */
const char *mtasts_maillog_mta_str(enum mtasts_maillog_mta);

#endif
