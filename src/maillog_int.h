/*++
 * NAME
 *	maillog_int 3h
 * SUMMARY
 *	internal interfaces of the mail log parser (src/maillog*.c)
 * SYNOPSIS
 *	#include "maillog_int.h"
 * DESCRIPTION
 *	maillog_line.c splits a line into time, host and tag and hands the
 *	message text [msg, end) to the reader of its MTA:
 *	mtasts_maillog_postfix() (maillog_pf.c) or mtasts_maillog_sendmail()
 *	(maillog_sm.c), which fill in the event. The helpers below are
 *	shared by both readers; each works on a bounded text [s, end) that
 *	is not NUL-terminated.
 *
 *	mtasts_maillog_skip() advances *sp past lit when the text starts
 *	with it and returns 1, else 0. mtasts_maillog_find() is the first
 *	place lit occurs in [s, end), or NULL.
 *	mtasts_maillog_host() copies a host name (lower case, one trailing
 *	dot dropped) and returns 1 when it is a valid host name.
 *	mtasts_maillog_addr() copies an IP address (digits, hex digits, '.'
 *	and ':' only) and returns 1 when it is one.
 *	mtasts_maillog_relay() reads Postfix's "HOST[ADDR]" with an optional
 *	":PORT" into out->mx and out->addr; 0 when it is something else (a
 *	unix socket, "none", a port other than 25).
 *	mtasts_maillog_text() keeps [s, end) as out->text, made printable.
 *	mtasts_maillog_rcpt() adds the domain of one address ("<a@b>",
 *	"a@b", quotes allowed) to out->domains, once.
 *	mtasts_maillog_qid() reads "QID: " (5 or more letters and digits)
 *	into out->qid and steps over it; 0 when the text does not start so.
 *	mtasts_maillog_cert_type() is the RFC 8460 type for an OpenSSL
 *	verification message ("certificate has expired", "hostname
 *	mismatch", ...); NULL for "ok".
 *--*/
#ifndef MTASTS_MAILLOG_INT_H
#define MTASTS_MAILLOG_INT_H

#include <stddef.h>

#include <mtasts/maillog.h>

int	mtasts_maillog_skip(const char **sp, const char *end, const char *lit);
const char *mtasts_maillog_find(const char *s, const char *end, const char *lit);
int	mtasts_maillog_host(const char *s, size_t len, char *out, size_t outlen);
int	mtasts_maillog_addr(const char *s, size_t len, char *out, size_t outlen);
int	mtasts_maillog_relay(const char *s, const char *end,
		struct mtasts_maillog_line *out);
void	mtasts_maillog_text(struct mtasts_maillog_line *out, const char *s,
		const char *end);
void	mtasts_maillog_rcpt(struct mtasts_maillog_line *out, const char *s,
		const char *end);
int	mtasts_maillog_qid(const char **sp, const char *end,
		struct mtasts_maillog_line *out);
const char *mtasts_maillog_cert_type(const char *s, const char *end);

void	mtasts_maillog_postfix(const char *msg, const char *end,
		struct mtasts_maillog_line *out);
void	mtasts_maillog_sendmail(const char *msg, const char *end,
		struct mtasts_maillog_line *out);

#endif
