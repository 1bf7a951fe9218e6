/*++
 * NAME
 *	audit 3h
 * SUMMARY
 *	the audit log: one structured record per decision or outcome
 * SYNOPSIS
 *	#include <mtasts/audit.h>
 * DESCRIPTION
 *	Every decision an adapter acts on is written once to syslog (the
 *	configured facility, priority info, "mtasts: key=value ...") and,
 *	when log.json_file is set, as one JSON line to that file. Admins audit
 *	from these lines; TLSRPT reports are built from the JSON lines.
 *
 *	mtasts_audit_open() opens the JSON file (O_APPEND, created 0640) when
 *	configured. It never calls openlog(): inside an MTA's process the
 *	syslog identity is the MTA's. Returns NULL only when memory runs
 *	out; a JSON file that cannot be opened is reported in why and the
 *	log goes to syslog only (an audit file problem must not stop mail).
 *	mtasts_audit_write() writes one record; NULL fields are omitted
 *	from syslog and written as null in JSON. Each JSON line is one
 *	write(2) to an O_APPEND file, so lines from many processes (Exim
 *	delivery processes, the daemon) never interleave.
 *	mtasts_audit_close() closes and frees (NULL-safe).
 * SECURITY
 *	Field values are sanitised (printable ASCII, bounded) before they
 *	reach syslog, and JSON-escaped in the file: a peer cannot forge
 *	records.
 *--*/
#ifndef MTASTS_AUDIT_H
#define MTASTS_AUDIT_H

#include <stddef.h>

#include <mtasts/config.h>

struct mtasts_audit;

struct mtasts_audit_rec {
	const char *event;		/* "decision", "lookup", "delivery", ... */
	const char *domain;		/* recipient (policy) domain */
	const char *mx;			/* MX host, or NULL */
	const char *addr;		/* MX address, or NULL */
	const char *policy_id;		/* TXT id of the policy applied */
	const char *mode;		/* enforce / testing / none / no-policy */
	const char *mx_patterns;	/* the policy's mx patterns, space-separated */
	long	max_age;		/* the policy's max_age; -1 or 0 when unknown */
	const char *action;		/* deliver / defer / report */
	const char *result_type;	/* RFC 8460 result type, or NULL */
	const char *reason;
};

struct mtasts_audit *mtasts_audit_open(const struct mtasts_config *,
		char *why, size_t whylen);
void	mtasts_audit_write(struct mtasts_audit *, const struct mtasts_audit_rec *);
void	mtasts_audit_close(struct mtasts_audit *);

#endif
