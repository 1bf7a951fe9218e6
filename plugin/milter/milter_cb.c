/*++
 * NAME
 *	milter_cb 3
 * SUMMARY
 *	the libmilter callbacks of mtasts-milter
 * SYNOPSIS
 *	#include "milter.h"
 *
 *	void milter_describe(struct smfiDesc *desc, int with_header)
 * DESCRIPTION
 *	milter_describe() fills the filter description for smfi_register().
 *	With a header configured the filter may add and delete headers and
 *	sees the message's headers; without one it sees no header at all.
 *	It never asks for the body.
 *
 *	connect	makes the connection's state (smfi_setpriv)
 *	envfrom	starts a message; notes the queue id ({i}) for logs
 *		(again at each RCPT and at eom: Postfix assigns it late)
 *	envrcpt	milter_rcpt(): decision and answer per recipient
 *	header	counts copies of our header the message brings along
 *	eom	removes those copies, adds one header per recipient domain
 *		that was accepted, ends the message
 *	abort	ends the message only (the connection may send another)
 *	close	frees the connection's state and clears the pointer;
 *		libmilter calls it however the session ends, also when the
 *		MTA drops the connection mid-message
 * DIAGNOSTICS
 *	Missing state or a failed header change is our own failure:
 *	SMFIS_TEMPFAIL with "451 4.3.0", so the client retries and nothing
 *	is accepted half-done.
 * SECURITY
 *	Copies of the configured header that arrive with a message are
 *	removed before ours are added, so nobody downstream can be shown a
 *	policy state we did not write. A message with more copies than
 *	MTASTS_MILTER_STRIP_MAX is tempfailed rather than passed with some
 *	left in place.
 *--*/
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "milter.h"

/* our_fault - tempfail for a failure of our own */

static sfsistat
our_fault(SMFICTX *ctx, const char *what)
{
	milter_log(LOG_ERR, "%s: tempfail", what);
	(void) smfi_setreply(ctx, "451", "4.3.0", "MTA-STS check failed here; "
			     "try again later");
	return (SMFIS_TEMPFAIL);
}

/* cb_connect - a new SMTP connection */

static sfsistat
cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
	struct milter_conn *c = smfi_getpriv(ctx);

	/* A connection reused after QUIT_NC keeps its state, not its message. */
	if (c != NULL) {
		milter_msg_end(c);
		return (SMFIS_CONTINUE);
	}
	if ((c = milter_conn_new()) == NULL)
		return (our_fault(ctx, "connect: out of memory"));
	if (smfi_setpriv(ctx, c) != MI_SUCCESS) {
		milter_conn_free(c);
		return (our_fault(ctx, "connect: cannot keep state"));
	}
	return (SMFIS_CONTINUE);
}

/* note_qid - the MTA's queue id, when it tells, for log lines */

static void
note_qid(SMFICTX *ctx, struct milter_msg *m)
{
	char   *qid = smfi_getsymval(ctx, "i");

	if (qid != NULL && *qid)
		(void) mtasts_sanitize(qid, strlen(qid), m->qid, sizeof(m->qid));
	else if (m->qid[0] == 0)
		(void) snprintf(m->qid, sizeof(m->qid), "-");
}

/* cb_envfrom - MAIL FROM: a new message */

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	struct milter_conn *c = smfi_getpriv(ctx);

	if (c == NULL)
		return (our_fault(ctx, "mail: no connection state"));
	if (milter_msg_begin(c) == NULL)
		return (our_fault(ctx, "mail: out of memory"));
	note_qid(ctx, c->msg);
	return (SMFIS_CONTINUE);
}

/* cb_envrcpt - RCPT TO: one recipient */

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	struct milter_conn *c = smfi_getpriv(ctx);

	if (argv == NULL || argv[0] == NULL)
		return (our_fault(ctx, "rcpt: no address"));
	/* Postfix names its queue file only once a recipient is accepted. */
	if (c != NULL && c->msg != NULL)
		note_qid(ctx, c->msg);
	return (milter_rcpt(ctx, c, argv[0]));
}

/* cb_header - one header of the message */

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	struct milter_conn *c = smfi_getpriv(ctx);

	if (c == NULL || c->msg == NULL)
		return (our_fault(ctx, "header: no message state"));
	/* Field names compare without case (RFC 5322 1.2.2). */
	if (strcasecmp(name, milter_opts.header) == 0 && c->msg->ours <= MTASTS_MILTER_STRIP_MAX)
		c->msg->ours++;
	return (SMFIS_CONTINUE);
}

/* add_headers - drop copies the message brought, add ours */

static int
add_headers(SMFICTX *ctx, struct milter_msg *m)
{
	char	value[MTASTS_DOMAIN_MAX + MTASTS_ID_MAX + 64];
	unsigned i;
	size_t	k;

	/* From the last one back, so that no index moves under us. */
	for (i = m->ours; i > 0; i--)
		if (smfi_chgheader(ctx, milter_opts.header, (int) i, NULL) != MI_SUCCESS)
			return (-1);
	for (k = 0; k < m->ndoms; k++) {
		if (!m->doms[k].recorded)
			continue;
		if (milter_dom_text(&m->doms[k], value, sizeof(value)) < 0
		    || smfi_addheader(ctx, milter_opts.header, value) != MI_SUCCESS)
			return (-1);
	}
	return (0);
}

/* cb_eom - end of message */

static sfsistat
cb_eom(SMFICTX *ctx)
{
	struct milter_conn *c = smfi_getpriv(ctx);
	sfsistat rc = SMFIS_CONTINUE;

	if (c == NULL || c->msg == NULL)
		return (our_fault(ctx, "eom: no message state"));
	note_qid(ctx, c->msg);
	if (milter_opts.header[0] && c->msg->ours > MTASTS_MILTER_STRIP_MAX) {
		milter_log(LOG_WARNING, "eom conn=%lu qid=%s: more than %d %s "
			   "headers: tempfail", c->id, c->msg->qid,
			   MTASTS_MILTER_STRIP_MAX, milter_opts.header);
		(void) smfi_setreply(ctx, "451", "4.7.0", "too many copies of our "
				     "MTA-STS header in the message");
		rc = SMFIS_TEMPFAIL;
	} else if (milter_opts.header[0] && add_headers(ctx, c->msg) < 0) {
		rc = our_fault(ctx, "eom: cannot change the message's headers");
	}
	milter_msg_end(c);
	return (rc);
}

/* cb_abort - the MTA gave the message up */

static sfsistat
cb_abort(SMFICTX *ctx)
{
	struct milter_conn *c = smfi_getpriv(ctx);

	if (c != NULL)
		milter_msg_end(c);
	return (SMFIS_CONTINUE);
}

/* cb_close - the connection ended, however it did */

static sfsistat
cb_close(SMFICTX *ctx)
{
	struct milter_conn *c = smfi_getpriv(ctx);

	(void) smfi_setpriv(ctx, NULL);
	milter_conn_free(c);
	return (SMFIS_CONTINUE);
}

/* milter_describe - the filter description for smfi_register() */

void
milter_describe(struct smfiDesc *desc, int with_header)
{
	memset(desc, 0, sizeof(*desc));
	desc->xxfi_name = (char *) "mtasts-milter";
	desc->xxfi_version = SMFI_VERSION;
	desc->xxfi_flags = with_header ? SMFIF_ADDHDRS | SMFIF_CHGHDRS : SMFIF_NONE;
	desc->xxfi_connect = cb_connect;
	desc->xxfi_envfrom = cb_envfrom;
	desc->xxfi_envrcpt = cb_envrcpt;
	/* Without a header to strip, headers need not cross the socket. */
	desc->xxfi_header = with_header ? cb_header : NULL;
	desc->xxfi_eom = cb_eom;
	desc->xxfi_abort = cb_abort;
	desc->xxfi_close = cb_close;
}
