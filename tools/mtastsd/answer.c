/*++
 * NAME
 *	answer 3
 * SUMMARY
 *	a decision as a socketmap reply: the one place the status is mapped
 * SYNOPSIS
 *	#include "mtastsd.h"
 * DESCRIPTION
 *	answer_decision() turns the core's decision for a domain into the
 *	reply payload of socketmap_table(5), under the settings of the map
 *	name that was asked (maps.<name> in the config):
 *
 *	decision			reply
 *	OK (enforce)			OK secure match=P1:P2 servername=hostname
 *	NONE, mode testing		NOTFOUND (the core wrote the audit
 *					record); as enforce with strict_testing
 *	NONE, none / no policy		NOTFOUND
 *	NONE after a failure with	NOTFOUND, or TEMP with the map's
 *	  nothing cached		on_temp_failure: defer
 *	TEMP (defer, internal error)	TEMP reason
 *
 *	Patterns are written as Postfix (and Sendmail's FEATURE(sts)) read
 *	them: "*.example.com" becomes ".example.com", joined with ':'.
 *	Postfix before 3.10 reads ".example.com" as any depth below
 *	example.com, while RFC 8461 4.1 lets "*." stand for exactly one
 *	label. With expand_wildcards (the default) and a wildcard pattern,
 *	the reply instead names the domain's current MX hosts that match
 *	the patterns exactly (mtasts_mx_match()), in preference order, and
 *	is TEMP when none does: then Postfix's own checks follow the RFC.
 *	A domain without MX records is its own MX (RFC 5321 5.1).
 *
 *	With sts_attributes (Postfix 3.10 and newer, TLSRPT_README) the
 *	reply also carries policy_type=sts policy_domain=D, one
 *	mx_host_pattern=P per pattern (as published: Postfix 3.10 matches
 *	MX names against these itself) and "{ policy_string = LINE }" per
 *	line of the policy as fetched, for TLSRPT reports. Sendmail does not
 *	know these attributes: leave sts_attributes off for its map.
 *
 *	answer_status() is the reply when no decision was made: a key with
 *	no possible policy (IP literal, ".parent") is NOTFOUND, a malformed
 *	request PERM, our own trouble TEMP. TIMEOUT is never sent: a lookup
 *	that runs out of time is a temporary failure like any other.
 * SECURITY
 *	Fails closed: an enforce decision that cannot be written (no
 *	patterns, no matching MX, reply too long) is TEMP, never NOTFOUND,
 *	because NOTFOUND lets Postfix deliver without TLS checks. Reasons
 *	and policy lines are made printable and bounded; a policy line that
 *	could break out of "{ ... }" is not passed on.
 *--*/
#include "config.h"

#include <string.h>
#include <syslog.h>

#include <mtasts/buf.h>
#include <mtasts/decision.h>
#include <mtasts/match.h>
#include <mtasts/status.h>

#include "mtastsd.h"

/* Built-in settings for map names the config does not list. */
const struct mtasts_map_cfg answer_map_defaults = {
	.name = NULL,
	.strict_testing = 0,
	.on_temp_failure = MTASTS_TEMP_DELIVER,
	.sts_attributes = 0,
	.expand_wildcards = 1,
};

/* enforcing - is the decision answered as enforce under this map? */

static int
enforcing(const struct mtasts_map_cfg *map, const struct mtasts_decision *d)
{
	return (d->status == MTASTS_OK
		|| (d->status == MTASTS_NONE && d->mode == MTASTS_DMODE_TESTING
		    && map->strict_testing));
}

/* has_wildcard - does any effective pattern start with "*."? */

static int
has_wildcard(const struct mtasts_decision *d)
{
	size_t	i;

	for (i = 0; i < d->nmx; i++)
		if (strncmp(d->mx[i], "*.", 2) == 0)
			return (1);
	return (0);
}

/* answer_need_mx - 1 when the reply must name the domain's MX hosts */

int
answer_need_mx(const struct mtasts_map_cfg *map, const struct mtasts_decision *d)
{
	return (enforcing(map, d) && map->expand_wildcards && has_wildcard(d));
}

/* answer_status - a reply without a decision */

void
answer_status(struct mtasts_buf *out, enum mtasts_status st, const char *why)
{
	char	clean[MTASTS_REASON_MAX];

	mtasts_buf_reset(out);
	mtasts_sanitize(why ? why : "", why ? strlen(why) : 0, clean, sizeof(clean));
	switch (st) {
	case MTASTS_OK:
		/* No caller has a value without a decision: fail closed. */
		mtasts_buf_printf(out, "TEMP internal error: no answer (%s)", clean);
		break;
	case MTASTS_NONE:
		mtasts_buf_puts(out, "NOTFOUND ");
		break;
	case MTASTS_TEMP:
		mtasts_buf_printf(out, "TEMP %s", clean);
		break;
	case MTASTS_PERM:
		mtasts_buf_printf(out, "PERM %s", clean);
		break;
	}
}

/* matches - does host match any effective pattern? */

static int
matches(const struct mtasts_decision *d, const char *host)
{
	size_t	i;

	for (i = 0; i < d->nmx; i++)
		if (mtasts_mx_match(d->mx[i], host))
			return (1);
	return (0);
}

/* match_hosts - "match=" as the MX hosts that match; -1 with why */

static int
match_hosts(struct mtasts_buf *b, const char *domain,
	    const struct mtasts_decision *d, const struct mx_answer *mx,
	    char *why, size_t whylen)
{
	const char *host;
	size_t	i, j, n, kept = 0;

	if (mx == NULL || mx->status == MTASTS_TEMP || mx->status == MTASTS_PERM) {
		mtasts_why(why, whylen, "MX lookup for %s failed: %s", domain,
			   mx ? mx->why : "not done");
		return (-1);
	}
	/* No MX records: the domain itself is the mail host (RFC 5321 5.1). */
	n = mx->status == MTASTS_NONE ? 1 : mx->list->n;
	if (n == 0) {
		mtasts_why(why, whylen, "%s has no usable MX host%s", domain,
			   mx->list->null_mx ? " (null MX)" : "");
		return (-1);
	}
	mtasts_buf_puts(b, "match=");
	for (i = 0; i < n; i++) {
		host = mx->status == MTASTS_NONE ? domain : mx->list->mx[i].host;
		if (!matches(d, host))
			continue;
		/* The same host twice (two preferences) is named once. */
		for (j = 0; j < i; j++)
			if (strcmp(mx->list->mx[j].host, host) == 0)
				break;
		if (j < i)
			continue;
		mtasts_buf_printf(b, "%s%s", kept++ ? ":" : "", host);
	}
	if (kept == 0) {
		mtasts_why(why, whylen, "no MX host of %s matches its MTA-STS "
			   "policy (MX %s%s, policy %s%s)", domain,
			   mx->status == MTASTS_NONE ? domain : mx->list->mx[0].host,
			   n > 1 ? ", ..." : "", d->mx[0], d->nmx > 1 ? ", ..." : "");
		return (-1);
	}
	return (0);
}

/* policy_strings - "{ policy_string = LINE }" per line; 0 if none fit */

static int
policy_strings(struct mtasts_buf *b, const char *domain, const char *text)
{
	const char *p, *eol, *end;
	size_t	len;

	/* Check every line first: all of the policy or none of it. */
	for (p = text; *p; p++) {
		unsigned char c = (unsigned char) *p;

		if (c != '\n' && c != '\r' && (c < 0x20 || c > 0x7e || c == '{' || c == '}')) {
			log_msg(LOG_WARNING, "answer domain=%s policy_string left out: "
				"the policy has a byte Postfix cannot take (0x%02x)",
				domain, c);
			return (0);
		}
	}
	for (p = text; *p; p = *eol ? eol + 1 : eol) {
		if ((eol = strchr(p, '\n')) == NULL)
			eol = p + strlen(p);
		end = eol;
		if (end > p && end[-1] == '\r')
			end--;
		/* Postfix drops blanks at both ends inside "{ }" anyway. */
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if ((len = (size_t) (end - p)) == 0)
			continue;
		mtasts_buf_puts(b, " { policy_string = ");
		mtasts_buf_append(b, p, len);
		mtasts_buf_puts(b, " }");
	}
	return (1);
}

/* enforce - the OK reply; -1 with why when it cannot be given */

static int
enforce(struct mtasts_buf *out, const struct mtasts_map_cfg *map,
	const char *domain, const struct mtasts_decision *d,
	const struct mx_answer *mx, int with_strings, char *why, size_t whylen)
{
	size_t	i;

	if (d->nmx == 0) {
		mtasts_why(why, whylen, "the policy of %s names no MX host", domain);
		return (-1);
	}
	mtasts_buf_puts(out, "OK secure ");
	if (answer_need_mx(map, d)) {
		if (match_hosts(out, domain, d, mx, why, whylen) < 0)
			return (-1);
	} else {
		mtasts_buf_puts(out, "match=");
		for (i = 0; i < d->nmx; i++)
			mtasts_buf_printf(out, "%s%s", i ? ":" : "",
					  strncmp(d->mx[i], "*.", 2) == 0 ?
					  d->mx[i] + 1 : d->mx[i]);
	}
	mtasts_buf_puts(out, " servername=hostname");
	if (map->sts_attributes) {
		mtasts_buf_printf(out, " policy_type=sts policy_domain=%s", domain);
		for (i = 0; i < d->nmx; i++)
			mtasts_buf_printf(out, " mx_host_pattern=%s", d->mx[i]);
		if (with_strings && d->lookup.policy_text != NULL)
			(void) policy_strings(out, domain, d->lookup.policy_text);
	}
	return (0);
}

/* answer_decision - the reply for a decision */

void
answer_decision(struct mtasts_buf *out, const struct mtasts_map_cfg *map,
		const char *domain, const struct mtasts_decision *d,
		const struct mx_answer *mx)
{
	char	why[MTASTS_REASON_MAX * 2];
	int	failed_lookup;

	if (map == NULL)
		map = &answer_map_defaults;
	mtasts_buf_reset(out);
	failed_lookup = d->mode == MTASTS_DMODE_NO_POLICY
		&& (d->lookup.outcome == MTASTS_OUTCOME_FETCH_ERROR
		    || d->lookup.outcome == MTASTS_OUTCOME_TEMP);

	switch (d->status) {
	case MTASTS_OK:
	case MTASTS_NONE:
		if (enforcing(map, d)) {
			if (enforce(out, map, domain, d, mx, 1, why, sizeof(why)) < 0) {
				answer_status(out, MTASTS_TEMP, why);
				return;
			}
			/* Postfix refuses longer replies: the policy lines go first. */
			if (out->len > MTASTS_SOCKETMAP_REPLY_MAX) {
				mtasts_buf_reset(out);
				(void) enforce(out, map, domain, d, mx, 0, why, sizeof(why));
			}
			if (out->len > MTASTS_SOCKETMAP_REPLY_MAX)
				answer_status(out, MTASTS_TEMP, "reply longer than the "
					      "socketmap limit");
			else if (out->oom)
				answer_status(out, MTASTS_TEMP, "out of memory");
			return;
		}
		if (failed_lookup && map->on_temp_failure == MTASTS_TEMP_DEFER) {
			mtasts_why(why, sizeof(why), "%s (maps: on_temp_failure: defer)",
				   d->lookup.reason);
			answer_status(out, MTASTS_TEMP, why);
			return;
		}
		answer_status(out, MTASTS_NONE, NULL);
		return;
	case MTASTS_TEMP:
		answer_status(out, MTASTS_TEMP, d->reason);
		return;
	case MTASTS_PERM:
		answer_status(out, MTASTS_PERM, d->reason);
		return;
	}
	answer_status(out, MTASTS_TEMP, "internal error: unknown decision");
}
