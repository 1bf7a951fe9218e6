/*++
 * NAME
 *	decision 3h
 * SUMMARY
 *	the one question every adapter asks: may mail for DOMAIN go to MX?
 * SYNOPSIS
 *	#include <mtasts/decision.h>
 * DESCRIPTION
 *	mtasts_decide() looks the domain's policy up through the store,
 *	applies the config's per-domain overrides (mode, extra mx patterns,
 *	on_temp_failure) and, when mx is not NULL, checks that host against
 *	the patterns. It writes one audit record when audit is not NULL.
 *
 *	out->status is what an adapter maps once into its MTA's terms:
 *	MTASTS_OK	a policy is enforced: deliver only to matching MX
 *			hosts, over TLS 1.2+ with a certificate valid for the
 *			MX name (out->mx holds the patterns)
 *	MTASTS_NONE	no constraint: deliver as usual (no policy, mode none,
 *			testing, or the RFC's "treat as no policy" after a
 *			failure); out->action is "report" when a testing
 *			policy would have refused this MX
 *	MTASTS_TEMP	defer: on_temp_failure: defer, or our own failure
 *	out->action is deliver / defer / report for the given MX (without
 *	an MX: deliver or defer for the domain).
 *
 *	Overrides (domains.<name> in the config):
 *	mode: ignore	no lookup at all; status NONE
 *	mode: none	as if the policy said none; status NONE
 *	mode: testing	a found policy is only reported
 *	mode: enforce	a found policy is enforced even if it says testing;
 *			with no published policy, the config's mx patterns
 *			alone are enforced (a local policy), if any
 *	mx: [...]	patterns added to the policy's
 *	on_temp_failure: defer	a DNS failure or fetch error with nothing
 *			cached defers instead of delivering
 *
 *	out is filled even on failure; free with mtasts_decision_clear().
 *--*/
#ifndef MTASTS_DECISION_H
#define MTASTS_DECISION_H

#include <mtasts/audit.h>
#include <mtasts/store.h>

enum mtasts_dmode {
	MTASTS_DMODE_NO_POLICY = 0,
	MTASTS_DMODE_NONE,
	MTASTS_DMODE_TESTING,
	MTASTS_DMODE_ENFORCE
};

enum mtasts_action {
	MTASTS_ACTION_DELIVER = 0,
	MTASTS_ACTION_DEFER,
	MTASTS_ACTION_REPORT
};

struct mtasts_decision {
	struct mtasts_lookup lookup;	/* what the store found */
	enum mtasts_dmode mode;		/* effective mode after overrides */
	enum mtasts_status status;	/* OK enforce / NONE deliver / TEMP defer */
	enum mtasts_action action;
	size_t	nmx;
	char  **mx;			/* effective patterns, owned */
	int	host_checked;		/* an MX host was given */
	int	host_matches;		/* ... and matches the patterns */
	const char *result_type;	/* RFC 8460 type, or NULL */
	char	reason[MTASTS_REASON_MAX];
};

const char *mtasts_dmode_str(enum mtasts_dmode);
const char *mtasts_action_str(enum mtasts_action);

void	mtasts_decide(struct mtasts_store *, struct mtasts_audit *,
		const char *domain, const char *mx, int flags,
		struct mtasts_decision *out);
void	mtasts_decision_clear(struct mtasts_decision *);
/* mtasts_decision_matches - 1 when host matches one of d->mx, else 0 */
int	mtasts_decision_matches(const struct mtasts_decision *, const char *host);

#endif
