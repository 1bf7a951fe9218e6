/*++
 * NAME
 *	exim_event 3
 * SUMMARY
 *	the transport's event hook: refuse non-policy MX hosts, audit TLS
 * SYNOPSIS
 *	event_action = ${dlfunc{MODULE}{mtasts_exim_event}{CONFIG}\
 *		{$event_name}{$domain}{$host}{$host_address}{$event_data}\
 *		{INFO}}
 * DESCRIPTION
 *	The smtp transport expands event_action at each event of a
 *	delivery; mtasts-main.conf gives the exact arguments. INFO is the
 *	leaf certificate at tls:cert and the TLS state otherwise (both
 *	described in exim_tls.c). Seven arguments, not the eight Exim
 *	allows: Exim 4.96 does not end the argument vector of a ${dlfunc}
 *	with eight, and the count comes out wrong. Only domains with an
 *	enforce or testing policy are looked at; every other event and
 *	domain answers "" at once, without touching the cache.
 *
 *	tcp:connect	Before Exim connects. Enforce: an MX host that does
 *			not match the policy is refused (a non-empty answer
 *			makes Exim skip the host) and audited as a failed
 *			session ("delivery", validation-failure, action
 *			defer). Testing: allowed, noted for the session
 *			record, and audited as "exim-connect" (report).
 *	smtp:connect	The server greeted: a session to report on.
 *	tls:cert	Depth 0 (the leaf): its dates and names are noted.
 *	tcp:close	One audit record "delivery" per SMTP session: TLS
 *			version, cipher, whether the certificate verified,
 *			and the RFC 8460 result type of a failure (for a
 *			testing MX outside the policy, validation-failure
 *			when TLS itself did not fail). This is the record
 *			mtasts stats and mtasts report count as a session.
 *			For an enforce or testing policy the TLS outcome
 *			also goes to the MX state file (mxstate.h), where
 *			mtasts-milter looks before it accepts mail.
 *	msg:host:defer	One audit record "exim-host-defer": the host, the
 *			result type of the failure, Exim's error. Not a
 *			session: the "delivery" record of that connection
 *			already counted it.
 *	msg:delivery	One audit record "exim-delivery" per recipient, with
 *			the TLS version and cipher (not a session either).
 *	Every record carries the policy applied: id, mode, mx patterns
 *	(after the config's overrides) and max_age.
 *	The first four arrive in the transport's subprocess, one after the
 *	other for one connection; msg:delivery is raised in the delivery
 *	process after it (see exim_tls.c).
 * DIAGNOSTICS
 *	tcp:connect never answers DEFER: Exim ignores a failed event
 *	expansion and would connect. Any failure to decide (the state does
 *	not open, the decision is "defer") refuses the connection instead,
 *	with the reason as the answer, so the message is deferred.
 *	For the other events an internal failure is DEFER (Exim writes the
 *	reason to its panic log; delivery is not affected).
 *--*/
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <mtasts/buf.h>
#include <mtasts/domain.h>
#include <mtasts/fetch.h>

#include "exim_int.h"

#define ARG(argv, i)	((const char *) (argv)[i])

/*
 * The record of one TLS session attempt to an MX: the event name that
 * mtasts stats and mtasts report count (tlsrpt.h, COUNTING), the same
 * that mtasts ingest writes for Postfix and Sendmail.
 */
#define EV_SESSION	"delivery"

/* Indices of the arguments after MODULE and FUNCTION. */
enum { A_CONFIG, A_EVENT, A_DOMAIN, A_HOST, A_ADDR, A_DATA, A_INFO, A_COUNT };

/* Events this hook acts on; all others answer "" at once. */
enum ev { EV_OTHER, EV_CONNECT, EV_SMTP, EV_CERT, EV_CLOSE, EV_DEFER, EV_DELIVERY };

/* event_kind - which event Exim raised */

static enum ev
event_kind(const char *name)
{
	if (strcmp(name, "tcp:connect") == 0)
		return (EV_CONNECT);
	if (strcmp(name, "smtp:connect") == 0)
		return (EV_SMTP);
	if (strcmp(name, "tls:cert") == 0)
		return (EV_CERT);
	if (strcmp(name, "tcp:close") == 0)
		return (EV_CLOSE);
	if (strcmp(name, "msg:host:defer") == 0)
		return (EV_DEFER);
	if (strcmp(name, "msg:delivery") == 0)
		return (EV_DELIVERY);
	return (EV_OTHER);
}

/* audit - one record about this connection, with the policy applied */

static void
audit(struct mtasts_exim_proc *p, const char *event, const char *domain,
      const struct mtasts_decision *d, const char *host, const char *addr,
      enum mtasts_action action, const char *result_type, const char *reason)
{
	struct mtasts_audit_rec r;
	struct mtasts_buf pat = {0};
	size_t	i;

	/* TLSRPT rebuilds the policy-string from these (doc/tlsrpt.md). */
	for (i = 0; i < d->nmx; i++) {
		if (i)
			mtasts_buf_puts(&pat, " ");
		mtasts_buf_puts(&pat, d->mx[i]);
	}
	memset(&r, 0, sizeof(r));
	r.event = event;
	r.domain = domain;
	r.mx = host[0] ? host : NULL;
	r.addr = addr[0] ? addr : NULL;
	r.policy_id = d->lookup.id[0] ? d->lookup.id : NULL;
	r.mode = mtasts_dmode_str(d->mode);
	r.mx_patterns = pat.oom ? NULL : pat.data;
	r.max_age = d->lookup.policy ? (long) d->lookup.policy->max_age : -1;
	r.action = mtasts_action_str(action);
	r.result_type = result_type;
	r.reason = reason;
	mtasts_audit_write(p->audit, &r);
	mtasts_buf_free(&pat);
}

/* on_connect - tcp:connect: may this MX be used? */

static int
on_connect(unsigned char **yield, struct mtasts_exim_proc *p, const char *domain,
	   const struct mtasts_decision *d, const char *host, const char *addr)
{
	char	msg[MTASTS_REASON_MAX];

	mtasts_exim_conn_start(&p->conn, host, addr);
	if (d->action == MTASTS_ACTION_DEFER) {
		/*
		 * Exim chose this MX for delivery and the policy refuses it:
		 * a session attempt that failed validation before TCP, so
		 * it is a counted session (RFC 8460 4.3.1 validation-failure,
		 * the general failure; see doc/exim.md, "Audit records").
		 */
		audit(p, EV_SESSION, domain, d, host, addr, MTASTS_ACTION_DEFER,
		      MTASTS_RESULT_VALIDATION_FAILURE, d->reason);
		mtasts_why(msg, sizeof(msg), "mtasts: %s", d->reason);
		return (mtasts_exim_yield(yield, EXIM_OK, msg));
	}
	if (d->action == MTASTS_ACTION_REPORT) {
		/* Testing: Exim connects; the session record at tcp:close
		 * carries the failure, this one only says it was seen. */
		p->conn.outside = 1;
		audit(p, "exim-connect", domain, d, host, addr, MTASTS_ACTION_REPORT,
		      MTASTS_RESULT_VALIDATION_FAILURE, d->reason);
	}
	return (mtasts_exim_yield(yield, EXIM_OK, ""));
}

/* tls_reason - "TLS1.3 (cipher), certificate verified" or "no TLS" */

static void
tls_reason(char *buf, size_t len, const struct mtasts_exim_conn *c, int with_cert)
{
	if (c->tls_ver[0] == 0)
		mtasts_why(buf, len, "no TLS");
	else if (with_cert)
		mtasts_why(buf, len, "%s (%s), certificate %s", c->tls_ver, c->cipher,
			   c->verified ? "verified" : "not verified");
	else
		mtasts_why(buf, len, "%s (%s)", c->tls_ver, c->cipher);
}

/* on_close - tcp:close after an SMTP session: the TLS outcome record */

static void
on_close(struct mtasts_exim_proc *p, const char *domain,
	 const struct mtasts_decision *d, const char *info)
{
	struct mtasts_exim_conn *c = &p->conn;
	const char *type;
	char	tls[MTASTS_REASON_MAX];
	char	reason[MTASTS_REASON_MAX];
	enum mtasts_action action;

	mtasts_exim_conn_close(c, info);
	/* No greeting, no session: nothing about TLS to tell. */
	if (!c->smtp)
		return;
	type = mtasts_exim_conn_result(c, 0);
	tls_reason(tls, sizeof(tls), c, 1);
	/* The TLS check as MTA-STS makes it (4.2), whatever the host's match. */
	if (d->mode == MTASTS_DMODE_ENFORCE || d->mode == MTASTS_DMODE_TESTING)
		mtasts_exim_mxstate(p, c->host, type == NULL,
				    type == NULL ? tls : type);
	if (c->outside) {
		/* A TLS failure says more; else the MX itself is the failure. */
		if (type == NULL)
			type = MTASTS_RESULT_VALIDATION_FAILURE;
		mtasts_why(reason, sizeof(reason), "%s; MX %s does not match the policy",
			   tls, c->host);
	} else {
		mtasts_why(reason, sizeof(reason), "%s", tls);
	}
	if (d->mode == MTASTS_DMODE_ENFORCE)
		action = type ? MTASTS_ACTION_DEFER : MTASTS_ACTION_DELIVER;
	else
		action = type ? MTASTS_ACTION_REPORT : MTASTS_ACTION_DELIVER;
	audit(p, EV_SESSION, domain, d, c->host, c->addr, action, type, reason);
}

/* on_defer - msg:host:defer: the host failed; why, in RFC 8460 terms */

static void
on_defer(struct mtasts_exim_proc *p, const char *domain,
	 const struct mtasts_decision *d, unsigned char *argv[])
{
	struct mtasts_exim_conn none;
	const struct mtasts_exim_conn *c = &p->conn;
	const char *host = ARG(argv, A_HOST), *addr = ARG(argv, A_ADDR);
	char	peer[MTASTS_PEER_TEXT_MAX];

	if (!mtasts_exim_conn_same(c, addr)) {
		/* No connection events seen for it: only Exim's errno tells. */
		mtasts_exim_conn_start(&none, host, addr);
		c = &none;
	}
	mtasts_sanitize(ARG(argv, A_DATA), strlen(ARG(argv, A_DATA)), peer, sizeof(peer));
	audit(p, "exim-host-defer", domain, d, host, addr,
	      d->mode == MTASTS_DMODE_ENFORCE ? MTASTS_ACTION_DEFER : MTASTS_ACTION_REPORT,
	      mtasts_exim_conn_result(c, mtasts_exim_state_errno(ARG(argv, A_INFO))), peer);
}

/*
 * on_delivery - msg:delivery, raised in the delivery process after the
 * transport's subprocess (which saw the connection) has finished: the
 * TLS version and cipher come from the event's own state, and the
 * certificate's fate is in that connection's delivery record.
 */

static void
on_delivery(struct mtasts_exim_proc *p, const char *domain,
	    const struct mtasts_decision *d, unsigned char *argv[])
{
	struct mtasts_exim_conn c;
	char	peer[MTASTS_PEER_TEXT_MAX];
	char	tls[MTASTS_REASON_MAX];
	char	reason[MTASTS_REASON_MAX];

	mtasts_exim_conn_start(&c, ARG(argv, A_HOST), ARG(argv, A_ADDR));
	mtasts_exim_conn_close(&c, ARG(argv, A_INFO));
	tls_reason(tls, sizeof(tls), &c, 0);
	mtasts_sanitize(ARG(argv, A_DATA), strlen(ARG(argv, A_DATA)), peer, sizeof(peer));
	mtasts_why(reason, sizeof(reason), "delivered, %s: %s", tls, peer);
	audit(p, "exim-delivery", domain, d, c.host, c.addr,
	      c.tls_ver[0] || d->mode != MTASTS_DMODE_TESTING ? MTASTS_ACTION_DELIVER
	      : MTASTS_ACTION_REPORT,
	      c.tls_ver[0] ? NULL : MTASTS_RESULT_STARTTLS_NOT_SUPPORTED, reason);
}

/* mtasts_exim_event - ${dlfunc}: the transport's event_action */

int
mtasts_exim_event(unsigned char **yield, int argc, unsigned char *argv[])
{
	struct mtasts_exim_proc *p;
	struct mtasts_decision d;
	char	domain[MTASTS_DOMAIN_MAX + 1];
	char	why[MTASTS_REASON_MAX];
	char	msg[MTASTS_REASON_MAX];
	enum ev ev;
	int	rc;

	if (argc != A_COUNT) {
		mtasts_why(msg, sizeof(msg), "mtasts: %d arguments, want %d: ${dlfunc{MODULE}"
			   "{mtasts_exim_event}{CONFIG}{$event_name}{$domain}{$host}"
			   "{$host_address}{$event_data}{INFO}}", argc, A_COUNT);
		return (mtasts_exim_yield(yield, EXIM_FAIL, msg));
	}
	if ((ev = event_kind(ARG(argv, A_EVENT))) == EV_OTHER)
		return (mtasts_exim_yield(yield, EXIM_OK, ""));
	/* Without a domain name (IP literal, several domains) no policy applies. */
	if (mtasts_key_normalize(ARG(argv, A_DOMAIN), domain, sizeof(domain),
				 why, sizeof(why)) != MTASTS_OK)
		return (mtasts_exim_yield(yield, EXIM_OK, ""));
	if ((p = mtasts_exim_proc(ARG(argv, A_CONFIG), why, sizeof(why))) == NULL) {
		mtasts_why(msg, sizeof(msg), "mtasts: %s", why);
		return (mtasts_exim_yield(yield, ev == EV_CONNECT ? EXIM_OK : EXIM_DEFER, msg));
	}
	mtasts_decide(p->store, NULL, domain, ARG(argv, A_HOST)[0] ? ARG(argv, A_HOST) : NULL,
		      0, &d);
	if (d.status == MTASTS_TEMP) {
		mtasts_why(msg, sizeof(msg), "mtasts: %s: %s", domain, d.reason);
		if (ev == EV_CONNECT)
			audit(p, "exim-connect", domain, &d, ARG(argv, A_HOST), ARG(argv, A_ADDR),
			      MTASTS_ACTION_DEFER, d.result_type, d.reason);
		mtasts_decision_clear(&d);
		return (mtasts_exim_yield(yield, ev == EV_CONNECT ? EXIM_OK : EXIM_DEFER, msg));
	}
	rc = mtasts_exim_yield(yield, EXIM_OK, "");
	if (d.mode != MTASTS_DMODE_ENFORCE && d.mode != MTASTS_DMODE_TESTING) {
		mtasts_decision_clear(&d);
		return (rc);
	}
	switch (ev) {
	case EV_CONNECT:
		rc = on_connect(yield, p, domain, &d, ARG(argv, A_HOST), ARG(argv, A_ADDR));
		break;
	case EV_SMTP:
		if (mtasts_exim_conn_same(&p->conn, ARG(argv, A_ADDR)))
			p->conn.smtp = 1;
		break;
	case EV_CERT:
		if (strcmp(ARG(argv, A_DATA), "0") == 0
		    && mtasts_exim_conn_same(&p->conn, ARG(argv, A_ADDR)))
			mtasts_exim_conn_cert(&p->conn, ARG(argv, A_HOST), ARG(argv, A_INFO));
		break;
	case EV_CLOSE:
		if (mtasts_exim_conn_same(&p->conn, ARG(argv, A_ADDR)))
			on_close(p, domain, &d, ARG(argv, A_INFO));
		break;
	case EV_DEFER:
		on_defer(p, domain, &d, argv);
		break;
	case EV_DELIVERY:
		on_delivery(p, domain, &d, argv);
		break;
	case EV_OTHER:
		break;
	}
	mtasts_decision_clear(&d);
	return (rc);
}
