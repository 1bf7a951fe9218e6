/*++
 * NAME
 *	milter_rcpt 3
 * SUMMARY
 *	one recipient: the core's decision, mapped once into SMFIS_*
 * SYNOPSIS
 *	#include "milter.h"
 *
 *	sfsistat milter_rcpt(SMFICTX *ctx, struct milter_conn *c,
 *		const char *addr)
 * DESCRIPTION
 *	Takes the domain of an RCPT TO address (after the last '@', the
 *	angle brackets removed), normalises it as every adapter does
 *	(mtasts_key_normalize()) and asks mtasts_decide() with no MX host.
 *	The decision writes the recipient's one audit record, and its
 *	lookup leaves the policy in the shared cache for the delivery.
 *	For an enforced policy the domain's MX hosts are checked against
 *	the patterns (milter_mx.c); the result is kept per message, so a
 *	second recipient of the same domain costs no second MX lookup.
 *
 *	Mapping, the only place that chooses an SMFIS_* value:
 *	SMFIS_TEMPFAIL "451 4.3.0"	our own failure: the store failed
 *			internally (lookup.internal) or there is no state
 *			for this connection; never accept-and-forget
 *	SMFIS_TEMPFAIL "451 4.7.5"	milter.action tempfail and an
 *			enforced policy no MX host can meet: none matches
 *			its patterns, or every one that does failed its
 *			last TLS check within MTASTS_MXSTATE_FRESH
 *	SMFIS_CONTINUE	everything else: no policy, testing, none, a policy
 *			that some MX meets, a lookup that failed (delivery
 *			decides, as RFC 8461 5.1 and on_temp_failure say),
 *			an unsatisfiable policy with milter.action accept
 *			(logged), an address without a domain, an IP
 *			literal, a name that is no host name (the MTA judges
 *			the address)
 * DIAGNOSTICS
 *	One log line per recipient that is refused or unsatisfiable, and
 *	with -v per recipient: "rcpt conn=N qid=Q domain=D mode=M id=I
 *	verdict=V reason=...".
 * SECURITY
 *	The reply text names only the normalised domain: nothing of the
 *	policy host's or the DNS's text reaches the SMTP client.
 *--*/
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <mtasts/domain.h>

#include "milter.h"

enum verdict {
	V_CONTINUE,			/* nothing to refuse */
	V_UNSAT_LOGGED,			/* unsatisfiable, milter.action accept */
	V_UNSAT_REFUSED,		/* unsatisfiable, milter.action tempfail */
	V_INTERNAL			/* our own failure */
};

static const char *const verdict_names[] = {
	"continue", "unsatisfiable-accepted", "unsatisfiable-tempfail", "internal-error"
};

/* domain_part - the text after the last '@' of "<local@domain>" */

static int
domain_part(const char *addr, char *out, size_t outlen)
{
	const char *s = addr, *at;
	size_t	len = strlen(addr);

	if (len > 0 && s[0] == '<') {
		s++;
		len--;
	}
	if (len > 0 && s[len - 1] == '>')
		len--;
	/* A quoted local part may hold '@': the last one starts the domain. */
	if ((at = memrchr(s, '@', len)) == NULL)
		return (-1);
	len -= (size_t) (at + 1 - s);
	if (len == 0 || len >= outlen)
		return (-1);
	memcpy(out, at + 1, len);
	out[len] = 0;
	return (0);
}

/* answer - map a verdict into SMFIS_*, with the reply text */

static sfsistat
answer(SMFICTX *ctx, enum verdict v, const char *domain, enum milter_mx mx)
{
	char	text[MTASTS_DOMAIN_MAX + 128];
	int	n;

	switch (v) {
	case V_INTERNAL:
		n = snprintf(text, sizeof(text), "MTA-STS policy lookup for %s "
			     "failed here; try again later", domain);
		if (n > 0 && (size_t) n < sizeof(text))
			(void) smfi_setreply(ctx, "451", "4.3.0", text);
		return (SMFIS_TEMPFAIL);
	case V_UNSAT_REFUSED:
		n = snprintf(text, sizeof(text), "MTA-STS policy of %s cannot be "
			     "met: %s", domain, mx == MILTER_MX_TLSFAIL
			     ? "every MX host it allows failed its last TLS check"
			     : "no MX host of the domain matches it");
		if (n > 0 && (size_t) n < sizeof(text))
			(void) smfi_setreply(ctx, "451", "4.7.5", text);
		/* Without the text the MTA's own 451 still tempfails. */
		return (SMFIS_TEMPFAIL);
	case V_UNSAT_LOGGED:
	case V_CONTINUE:
		break;
	}
	return (SMFIS_CONTINUE);
}

/* mx_verdict - an enforced policy: can an MX host meet it? */

static enum verdict
mx_verdict(const struct mtasts_decision *d, const char *domain,
	   struct milter_dom *dom, enum milter_mx *seen, char *why, size_t whylen)
{
	enum milter_mx mx;

	/* The same policy for an earlier recipient: its answer holds. */
	if (dom != NULL && dom->mode == MTASTS_DMODE_ENFORCE
	    && dom->mx != MILTER_MX_UNKNOWN && strcmp(dom->id, d->lookup.id) == 0) {
		mx = dom->mx;
		mtasts_why(why, whylen, "%s", mx == MILTER_MX_OK ? "an MX host matches"
			   : mx == MILTER_MX_TLSFAIL ? "every matching MX host failed "
			   "its last TLS check (checked for an earlier recipient)"
			   : "no MX host matches (checked for an earlier recipient)");
	} else {
		mx = milter_mx_check(d, domain, why, whylen);
		if (mx == MILTER_MX_OK)
			mtasts_why(why, whylen, "an MX host matches");
	}
	if (dom != NULL)
		dom->mx = mx;
	*seen = mx;
	if (mx != MILTER_MX_NONE && mx != MILTER_MX_TLSFAIL)
		return (V_CONTINUE);
	return (milter_opts.action == MTASTS_MILTER_TEMPFAIL ? V_UNSAT_REFUSED
		: V_UNSAT_LOGGED);
}

/* milter_rcpt - decide about one recipient */

sfsistat
milter_rcpt(SMFICTX *ctx, struct milter_conn *c, const char *addr)
{
	struct mtasts_decision d;
	struct milter_dom *dom;
	char	raw[MTASTS_KEY_MAX + 1], domain[MTASTS_DOMAIN_MAX + 1];
	char	why[MTASTS_REASON_MAX], show[MTASTS_PEER_TEXT_MAX];
	enum milter_mx mx_seen = MILTER_MX_UNKNOWN;
	enum verdict v;
	int	n;

	if (c == NULL || c->msg == NULL) {
		milter_log(LOG_ERR, "rcpt: no state for this connection");
		return (answer(ctx, V_INTERNAL, "the recipient", MILTER_MX_UNKNOWN));
	}
	/* No domain, or none that can have a policy: the MTA judges it. */
	if (domain_part(addr, raw, sizeof(raw)) < 0
	    || mtasts_key_normalize(raw, domain, sizeof(domain), why,
				    sizeof(why)) != MTASTS_OK) {
		if (milter_opts.verbose)
			milter_log(LOG_INFO, "rcpt conn=%lu qid=%s address=\"%s\" "
				   "verdict=continue reason=\"no domain with a policy\"",
				   c->id, c->msg->qid,
				   mtasts_sanitize(addr, strlen(addr), show, sizeof(show)));
		return (SMFIS_CONTINUE);
	}

	mtasts_decide(milter_opts.store, milter_opts.audit, domain, NULL, 0, &d);
	dom = milter_msg_dom(c->msg, domain);
	/* The same size as d.reason: nothing is cut. */
	n = snprintf(why, sizeof(why), "%s", d.reason);
	if (n < 0)
		why[0] = 0;
	if (d.lookup.internal)
		v = V_INTERNAL;
	else if (d.status == MTASTS_OK)
		v = mx_verdict(&d, domain, dom, &mx_seen, why, sizeof(why));
	else
		v = V_CONTINUE;
	if (dom != NULL) {
		dom->mode = d.mode;
		/*
		 * The header names the id of a policy that applies, not that
		 * of a TXT record whose policy could not be fetched. Both
		 * hold MTASTS_ID_MAX + 1 bytes: it always fits.
		 */
		(void) snprintf(dom->id, sizeof(dom->id), "%s",
				d.lookup.outcome == MTASTS_OUTCOME_POLICY ? d.lookup.id : "");
		if (v == V_CONTINUE || v == V_UNSAT_LOGGED)
			dom->recorded = 1;
	}
	if (v != V_CONTINUE || milter_opts.verbose)
		milter_log(v == V_CONTINUE ? LOG_INFO : v == V_INTERNAL ? LOG_ERR
			   : LOG_WARNING, "rcpt conn=%lu qid=%s domain=%s mode=%s "
			   "id=%s verdict=%s reason=\"%s\"", c->id, c->msg->qid,
			   domain, mtasts_dmode_str(d.mode),
			   d.lookup.id[0] ? d.lookup.id : "-", verdict_names[v], why);
	mtasts_decision_clear(&d);
	return (answer(ctx, v, domain, mx_seen));
}
