/*++
 * NAME
 *	exim_route 3
 * SUMMARY
 *	the router's questions: a domain's MTA-STS mode, its policy MX hosts
 * SYNOPSIS
 *	${dlfunc{MODULE}{mtasts_exim_route}{DOMAIN}{CONFIG}}
 *	${dlfunc{MODULE}{mtasts_exim_mode}{DOMAIN}{CONFIG}}
 * DESCRIPTION
 *	mtasts_exim_route() is the route_data of a manualroute router that
 *	every outgoing domain passes: for a domain whose policy is enforced
 *	it answers the domain's MX hosts that match the policy, in
 *	preference order, colon-separated, with "+" between preference
 *	groups (with hosts_randomize, Exim shuffles hosts of equal
 *	preference as its dnslookup router does and keeps the groups in
 *	order). A domain without MX records has its implicit MX, the domain
 *	itself (RFC 5321 5.1), which must match like any other. For any
 *	other domain it forces the expansion to fail, so the router
 *	declines and the next router delivers as usual. It writes an
 *	"exim-route" audit record for enforced domains and for failures.
 *
 *	mtasts_exim_mode() answers "enforce", "testing", "none" or
 *	"no-policy", the effective mode of mtasts_decide(), for a router's
 *	condition (the testing router). It writes no audit record.
 *
 *	CONFIG is the path of mtasts.yaml; empty or absent: the default.
 *	Both read the shared cache first and resolve on a miss, within the
 *	config's timeouts (store.h).
 * DIAGNOSTICS
 *	Each decision is mapped once into Exim's codes:
 *	OK		enforce: the host list (route); the mode (mode)
 *	FAIL_FORCED	route: not enforced, or an IP literal: decline
 *	DEFER		mtasts_decide() says defer, the state cannot open,
 *			the MX lookup fails, or no MX host matches: the
 *			expansion fails and Exim writes the reason to its
 *			panic log; in route_data that defers the address
 *	FAIL		a DOMAIN that is no domain name, wrong arguments:
 *			the expansion fails as with DEFER, without the
 *			panic log entry
 *	Exim 4.96 skips a router whose condition fails to expand (it does
 *	not defer, whatever the manual says), so only route_data can make
 *	a failure defer: the decision that may stop mail is taken there.
 * SECURITY
 *	Never answers "deliver as usual" because of its own failure: every
 *	failure of route is DEFER or FAIL, so the message stays queued and
 *	is never routed past MTA-STS. Host names in the answer come from
 *	the resolver, which keeps only letters, digits, '-', '_' and '.',
 *	so nothing in them can be read by Exim as list syntax or expansion.
 *--*/
#include "config.h"

#include <string.h>

#include <mtasts/buf.h>
#include <mtasts/domain.h>

#include "exim_int.h"

/* Exim passes unsigned char; the library speaks char. */
#define ARG(argv, i)	((const char *) (argv)[i])

/* decide() results besides an Exim code (those are 0..4). */
#define DECIDED		(-1)	/* d holds a decision that is not "defer" */
#define NO_DOMAIN	(-2)	/* an IP literal: no policy can apply */

/* route_audit - the record of a routing decision */

static void
route_audit(struct mtasts_exim_proc *p, const struct mtasts_decision *d,
	    const char *domain, enum mtasts_action action, const char *reason)
{
	struct mtasts_audit_rec r;

	memset(&r, 0, sizeof(r));
	/*
	 * A policy that could not be fetched (sts-*) is a failure RFC 8460
	 * reports: as a "decision" record mtasts report counts it.
	 */
	r.result_type = d->result_type;
	r.event = d->result_type && strncmp(d->result_type, "sts-", 4) == 0 ?
	    "decision" : "exim-route";
	r.domain = domain;
	r.policy_id = d->lookup.id[0] ? d->lookup.id : NULL;
	r.mode = mtasts_dmode_str(d->mode);
	r.action = mtasts_action_str(action);
	r.reason = reason;
	mtasts_audit_write(p->audit, &r);
}

/* decide - normalise, open, decide; an Exim code when it cannot */

static int
decide(unsigned char **yield, int argc, unsigned char *argv[],
       const char *fn, char *domain, struct mtasts_exim_proc **pp,
       int audit_defer, struct mtasts_decision *d)
{
	char	why[MTASTS_REASON_MAX];
	char	msg[MTASTS_REASON_MAX];
	enum mtasts_status st;

	if (argc < 1 || argc > 2) {
		mtasts_why(msg, sizeof(msg), "mtasts: usage: ${dlfunc{MODULE}{%s}{DOMAIN}{CONFIG}}", fn);
		return (mtasts_exim_yield(yield, EXIM_FAIL, msg));
	}
	st = mtasts_key_normalize(ARG(argv, 0), domain, MTASTS_DOMAIN_MAX + 1, why, sizeof(why));
	if (st == MTASTS_NONE)
		return (NO_DOMAIN);
	if (st != MTASTS_OK) {
		mtasts_why(msg, sizeof(msg), "mtasts: %s", why);
		return (mtasts_exim_yield(yield, EXIM_FAIL, msg));
	}
	if ((*pp = mtasts_exim_proc(argc > 1 ? ARG(argv, 1) : NULL, why, sizeof(why))) == NULL) {
		mtasts_why(msg, sizeof(msg), "mtasts: %s", why);
		return (mtasts_exim_yield(yield, EXIM_DEFER, msg));
	}
	mtasts_decide((*pp)->store, NULL, domain, NULL, 0, d);
	if (d->status == MTASTS_TEMP) {
		mtasts_why(msg, sizeof(msg), "mtasts: %s: %s", domain, d->reason);
		if (audit_defer)
			route_audit(*pp, d, domain, MTASTS_ACTION_DEFER, d->reason);
		mtasts_decision_clear(d);
		return (mtasts_exim_yield(yield, EXIM_DEFER, msg));
	}
	return (DECIDED);
}

/* mtasts_exim_mode - ${dlfunc}: the effective MTA-STS mode of a domain */

int
mtasts_exim_mode(unsigned char **yield, int argc, unsigned char *argv[])
{
	struct mtasts_exim_proc *p;
	struct mtasts_decision d;
	char	domain[MTASTS_DOMAIN_MAX + 1];
	int	rc;

	rc = decide(yield, argc, argv, "mtasts_exim_mode", domain, &p, 0, &d);
	if (rc == NO_DOMAIN)
		return (mtasts_exim_yield(yield, EXIM_OK, mtasts_dmode_str(MTASTS_DMODE_NO_POLICY)));
	if (rc != DECIDED)
		return (rc);
	rc = mtasts_exim_yield(yield, EXIM_OK, mtasts_dmode_str(d.mode));
	mtasts_decision_clear(&d);
	return (rc);
}

/* host_list - the matching hosts as an Exim host list; 0 if none */

static size_t
host_list(const struct mtasts_decision *d, const struct mtasts_mx_list *mx,
	  const char *domain, struct mtasts_buf *out)
{
	size_t	i, n = 0;
	unsigned last = 0;

	if (mx == NULL) {
		/* No MX records: the implicit MX is the domain itself. */
		if (mtasts_decision_matches(d, domain)) {
			mtasts_buf_puts(out, domain);
			n++;
		}
		return (n);
	}
	for (i = 0; i < mx->n; i++) {
		if (!mtasts_decision_matches(d, mx->mx[i].host))
			continue;
		if (n > 0)
			mtasts_buf_puts(out, mx->mx[i].pref != last ? ":+:" : ":");
		mtasts_buf_puts(out, mx->mx[i].host);
		last = mx->mx[i].pref;
		n++;
	}
	return (n);
}

/* mtasts_exim_route - ${dlfunc}: the policy's MX hosts, preferred first */

int
mtasts_exim_route(unsigned char **yield, int argc, unsigned char *argv[])
{
	struct mtasts_exim_proc *p;
	struct mtasts_decision d;
	struct mtasts_mx_list *mx = NULL;
	struct mtasts_buf hosts = {0};
	struct mtasts_dns *dns;
	char	domain[MTASTS_DOMAIN_MAX + 1];
	char	why[MTASTS_REASON_MAX];
	char	msg[MTASTS_REASON_MAX];
	enum mtasts_status st;
	int	rc;

	rc = decide(yield, argc, argv, "mtasts_exim_route", domain, &p, 1, &d);
	if (rc == NO_DOMAIN)
		return (mtasts_exim_yield(yield, EXIM_FAIL_FORCED,
					  "mtasts: an IP literal has no MTA-STS policy"));
	if (rc != DECIDED)
		return (rc);
	if (d.status != MTASTS_OK) {
		if (d.result_type != NULL && strncmp(d.result_type, "sts-", 4) == 0)
			route_audit(p, &d, domain, MTASTS_ACTION_DELIVER, d.reason);
		/* Not enforced: the next router delivers as usual. */
		mtasts_why(msg, sizeof(msg), "mtasts: %s: %s, not enforced", domain,
			   mtasts_dmode_str(d.mode));
		mtasts_decision_clear(&d);
		return (mtasts_exim_yield(yield, EXIM_FAIL_FORCED, msg));
	}
	if ((dns = mtasts_exim_dns(p, why, sizeof(why))) == NULL) {
		mtasts_why(msg, sizeof(msg), "%s: %s", domain, why);
		goto defer;
	}
	st = mtasts_dns_mx(dns, domain, MTASTS_EXIM_MX_TIMEOUT_MS, &mx, why, sizeof(why));
	if (st != MTASTS_OK && st != MTASTS_NONE) {
		mtasts_why(msg, sizeof(msg), "%s: MX lookup: %s", domain, why);
		goto defer;
	}
	if (host_list(&d, st == MTASTS_OK ? mx : NULL, domain, &hosts) == 0) {
		mtasts_why(msg, sizeof(msg), "%s: no MX host matches the MTA-STS policy%s",
			   domain, st == MTASTS_NONE ? " (no MX records; the domain itself"
			   " does not match)" : mx->null_mx ? " (null MX)" : "");
		goto defer;
	}
	if (hosts.oom) {
		mtasts_why(msg, sizeof(msg), "%s: out of memory", domain);
		goto defer;
	}
	/* The lookup's reason first: it is what an admin audits. */
	mtasts_why(msg, sizeof(msg), "%s; MX hosts matching the policy: %s", d.reason,
		   hosts.data);
	route_audit(p, &d, domain, MTASTS_ACTION_DELIVER, msg);
	rc = mtasts_exim_yield(yield, EXIM_OK, hosts.data);
	mtasts_buf_free(&hosts);
	mtasts_mx_list_free(mx);
	mtasts_decision_clear(&d);
	return (rc);
defer:
	route_audit(p, &d, domain, MTASTS_ACTION_DEFER, msg);
	mtasts_buf_free(&hosts);
	mtasts_mx_list_free(mx);
	mtasts_decision_clear(&d);
	/* msg has no "mtasts: " prefix here: it went to the audit log as is. */
	mtasts_why(why, sizeof(why), "mtasts: %s", msg);
	return (mtasts_exim_yield(yield, EXIM_DEFER, why));
}
