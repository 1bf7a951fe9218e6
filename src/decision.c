/*++
 * NAME
 *	decision 3
 * SUMMARY
 *	policy + overrides + MX host -> what the adapter does
 * DESCRIPTION
 *	See decision.h. This is the only place that turns a lookup into an
 *	action, so every MTA behaves the same for the same domain.
 * SECURITY
 *	Fails closed where our own code fails: an internal lookup failure
 *	defers whatever the config says. It never turns a found enforce
 *	policy into less than enforce unless the admin configured that.
 *--*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mtasts/buf.h>
#include <mtasts/decision.h>
#include <mtasts/domain.h>
#include <mtasts/match.h>

/* mtasts_dmode_str - mode name for logs and JSON */

const char *
mtasts_dmode_str(enum mtasts_dmode m)
{
	switch (m) {
	case MTASTS_DMODE_ENFORCE:
		return ("enforce");
	case MTASTS_DMODE_TESTING:
		return ("testing");
	case MTASTS_DMODE_NONE:
		return ("none");
	case MTASTS_DMODE_NO_POLICY:
		break;
	}
	return ("no-policy");
}

/* mtasts_action_str - action name for logs and JSON */

const char *
mtasts_action_str(enum mtasts_action a)
{
	switch (a) {
	case MTASTS_ACTION_DEFER:
		return ("defer");
	case MTASTS_ACTION_REPORT:
		return ("report");
	case MTASTS_ACTION_DELIVER:
		break;
	}
	return ("deliver");
}

/* add_patterns - append copies of patterns to the decision's list */

static int
add_patterns(struct mtasts_decision *d, char *const *mx, size_t n)
{
	char  **nmx;
	size_t	i;

	if (n == 0)
		return (0);
	if ((nmx = realloc(d->mx, (d->nmx + n) * sizeof(*nmx))) == NULL)
		return (-1);
	d->mx = nmx;
	for (i = 0; i < n; i++) {
		if ((d->mx[d->nmx] = strdup(mx[i])) == NULL)
			return (-1);
		d->nmx++;
	}
	return (0);
}

/* mtasts_decision_matches - does host match any effective pattern? */

int
mtasts_decision_matches(const struct mtasts_decision *d, const char *host)
{
	size_t	i;

	for (i = 0; i < d->nmx; i++)
		if (mtasts_mx_match(d->mx[i], host))
			return (1);
	return (0);
}

/* audit - write the decision's audit record */

static void
audit(struct mtasts_audit *a, const struct mtasts_decision *d,
      const char *domain, const char *mx)
{
	struct mtasts_audit_rec r;
	struct mtasts_buf pat = {0};
	size_t	i;

	if (a == NULL)
		return;
	for (i = 0; i < d->nmx; i++) {
		if (i)
			mtasts_buf_puts(&pat, " ");
		mtasts_buf_puts(&pat, d->mx[i]);
	}
	memset(&r, 0, sizeof(r));
	r.event = "decision";
	r.domain = domain;
	r.mx = mx;
	r.policy_id = d->lookup.id[0] ? d->lookup.id : NULL;
	r.mode = mtasts_dmode_str(d->mode);
	r.mx_patterns = pat.oom ? NULL : pat.data;
	r.max_age = d->lookup.policy ? (long) d->lookup.policy->max_age : -1;
	r.action = mtasts_action_str(d->action);
	r.result_type = d->result_type;
	r.reason = d->reason;
	mtasts_audit_write(a, &r);
	mtasts_buf_free(&pat);
}

/* failure_action - no policy could be determined: RFC default or defer */

static void
failure_action(struct mtasts_decision *d, const struct mtasts_domain_cfg *dc)
{
	d->mode = MTASTS_DMODE_NO_POLICY;
	if (d->lookup.internal) {
		d->status = MTASTS_TEMP;
		d->action = MTASTS_ACTION_DEFER;
		mtasts_why(d->reason, sizeof(d->reason), "internal error, deferring: %s",
			   d->lookup.reason);
	} else if (dc && dc->on_temp_failure == MTASTS_TEMP_DEFER) {
		d->status = MTASTS_TEMP;
		d->action = MTASTS_ACTION_DEFER;
		mtasts_why(d->reason, sizeof(d->reason), "%s (on_temp_failure: defer)",
			   d->lookup.reason);
	} else {
		/* RFC 8461 3.3 / 5.1: deliver as though there were no policy. */
		d->status = MTASTS_NONE;
		d->action = MTASTS_ACTION_DELIVER;
		mtasts_why(d->reason, sizeof(d->reason), "%s (delivering as without MTA-STS)",
			   d->lookup.reason);
	}
}

/* mtasts_decide - the one decision */

void
mtasts_decide(struct mtasts_store *store, struct mtasts_audit *a,
	      const char *domain, const char *mx, int flags,
	      struct mtasts_decision *d)
{
	const struct mtasts_config *cfg = mtasts_store_config(store);
	const struct mtasts_domain_cfg *dc;
	enum mtasts_override_mode ovr;

	memset(d, 0, sizeof(*d));
	d->host_checked = mx != NULL;
	dc = mtasts_config_domain(cfg, domain);
	ovr = dc ? dc->mode : MTASTS_OVERRIDE_UNSET;

	if (ovr == MTASTS_OVERRIDE_IGNORE) {
		(void) snprintf(d->lookup.domain, sizeof(d->lookup.domain), "%s", domain);
		d->lookup.outcome = MTASTS_OUTCOME_NONE;
		d->mode = MTASTS_DMODE_NO_POLICY;
		d->status = MTASTS_NONE;
		d->action = MTASTS_ACTION_DELIVER;
		mtasts_why(d->reason, sizeof(d->reason), "ignored by config (domains.%s.mode: ignore)", domain);
		audit(a, d, domain, mx);
		return;
	}
	mtasts_store_lookup(store, domain, flags, &d->lookup);
	d->result_type = d->lookup.result_type;

	switch (d->lookup.outcome) {
	case MTASTS_OUTCOME_POLICY:
		switch (d->lookup.policy->mode) {
		case MTASTS_MODE_ENFORCE:
			d->mode = MTASTS_DMODE_ENFORCE;
			break;
		case MTASTS_MODE_TESTING:
			d->mode = MTASTS_DMODE_TESTING;
			break;
		case MTASTS_MODE_NONE:
			d->mode = MTASTS_DMODE_NONE;
			break;
		}
		if (add_patterns(d, d->lookup.policy->mx, d->lookup.policy->nmx) < 0)
			goto oom;
		mtasts_why(d->reason, sizeof(d->reason), "%s", d->lookup.reason);
		break;
	case MTASTS_OUTCOME_NONE:
		d->mode = MTASTS_DMODE_NO_POLICY;
		mtasts_why(d->reason, sizeof(d->reason), "%s", d->lookup.reason);
		break;
	case MTASTS_OUTCOME_FETCH_ERROR:
	case MTASTS_OUTCOME_TEMP:
		failure_action(d, dc);
		if (d->status == MTASTS_TEMP || ovr != MTASTS_OVERRIDE_ENFORCE
		    || dc->nmx == 0) {
			audit(a, d, domain, mx);
			return;
		}
		/* An enforce override with its own patterns still applies. */
		break;
	}

	/* Overrides. */
	if (dc && dc->nmx && d->mode != MTASTS_DMODE_NONE
	    && add_patterns(d, dc->mx, dc->nmx) < 0)
		goto oom;
	switch (ovr) {
	case MTASTS_OVERRIDE_NONE:
		d->mode = MTASTS_DMODE_NONE;
		break;
	case MTASTS_OVERRIDE_TESTING:
		if (d->mode == MTASTS_DMODE_ENFORCE)
			d->mode = MTASTS_DMODE_TESTING;
		break;
	case MTASTS_OVERRIDE_ENFORCE:
		if (d->mode == MTASTS_DMODE_TESTING
		    || (d->mode == MTASTS_DMODE_NO_POLICY && d->nmx > 0)
		    || (d->mode == MTASTS_DMODE_NONE && dc->nmx > 0))
			d->mode = MTASTS_DMODE_ENFORCE;
		break;
	default:
		break;
	}

	/* The action for this domain, and for the MX when one was given. */
	d->host_matches = mx ? mtasts_decision_matches(d, mx) : 0;
	switch (d->mode) {
	case MTASTS_DMODE_ENFORCE:
		d->status = MTASTS_OK;
		d->action = (mx && !d->host_matches) ? MTASTS_ACTION_DEFER : MTASTS_ACTION_DELIVER;
		if (mx && !d->host_matches)
			mtasts_why(d->reason, sizeof(d->reason),
				   "MX %s does not match the policy of %s", mx, domain);
		break;
	case MTASTS_DMODE_TESTING:
		d->status = MTASTS_NONE;
		d->action = (mx && !d->host_matches) ? MTASTS_ACTION_REPORT : MTASTS_ACTION_DELIVER;
		if (mx && !d->host_matches)
			mtasts_why(d->reason, sizeof(d->reason),
				   "MX %s does not match the testing policy of %s (delivering)", mx, domain);
		break;
	default:
		d->status = MTASTS_NONE;
		d->action = MTASTS_ACTION_DELIVER;
		break;
	}
	audit(a, d, domain, mx);
	return;

oom:
	d->lookup.internal = 1;
	mtasts_why(d->lookup.reason, sizeof(d->lookup.reason), "out of memory");
	failure_action(d, dc);
	audit(a, d, domain, mx);
}

/* mtasts_decision_clear - free what a decision owns */

void
mtasts_decision_clear(struct mtasts_decision *d)
{
	size_t	i;

	mtasts_lookup_clear(&d->lookup);
	for (i = 0; i < d->nmx; i++)
		free(d->mx[i]);
	free(d->mx);
	d->mx = NULL;
	d->nmx = 0;
}
