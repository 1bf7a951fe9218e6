/*++
 * NAME
 *	tlsrpt_log 3
 * SUMMARY
 *	audit log lines into RFC 8460 session counts (pure: no I/O)
 * SYNOPSIS
 *	#include <mtasts/tlsrpt.h>
 * DESCRIPTION
 *	See tlsrpt.h (COUNTING) for which records count and how. Each line
 *	is one JSON object as src/audit.c writes it: a flat object whose
 *	values are strings, integers or null. Other JSON values (objects,
 *	arrays, fractions, true/false) are skipped when they belong to keys
 *	this file does not read, so a later audit field does not make old
 *	tools call every line malformed.
 *
 *	A line is copied once and its strings are decoded in place (an
 *	escape never decodes to more bytes than it took), so a record costs
 *	one allocation however many fields it has.
 * SECURITY
 *	Lines are bounded by MTASTS_TLSRPT_LINE_MAX; a duplicate key makes a
 *	line malformed, since two readers could pick different values.
 *	Domain and MX names must be host names, addresses must parse, and
 *	the free-text reason is sanitised and cut before it is kept.
 *--*/
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mtasts/domain.h>
#include <mtasts/limits.h>
#include <mtasts/tlsrpt.h>

/* RFC 8460 4.3 result types; anything else is reported as the last. */
static const char *const result_types[] = {
	"starttls-not-supported", "certificate-host-mismatch",
	"certificate-expired", "certificate-not-trusted",
	"validation-failure", "tlsa-invalid", "dnssec-invalid",
	"dane-required", "sts-policy-fetch-error", "sts-policy-invalid",
	"sts-webpki-invalid", NULL
};
#define UNKNOWN_TYPE	"validation-failure"
#define OVERFLOW_REASON	"further failures of this type, beyond " \
			"MTASTS_TLSRPT_DETAILS_MAX distinct rows"

/* One audit record: pointers into the decoded copy of the line. */
struct rec {
	long long unix_time;		/* -1: absent */
	long	max_age;		/* -1: null or absent */
	const char *event;
	char   *domain;
	char   *mx;
	const char *addr;
	const char *mode;
	char   *patterns;
	const char *result_type;
	const char *reason;
};

struct jp {
	char   *p;
	char   *end;
};

/* ws - skip JSON white space */

static void
ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t'
				 || *j->p == '\r' || *j->p == '\n'))
		j->p++;
}

/* hexval - one hex digit, or -1 */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* jstring - decode a JSON string in place; *out is NUL-terminated */

static int
jstring(struct jp *j, char **out)
{
	char   *w;
	int	i, v, c;

	if (j->p >= j->end || *j->p != '"')
		return (-1);
	w = *out = j->p++;
	while (j->p < j->end && *j->p != '"') {
		c = (unsigned char) *j->p++;
		if (c < 0x20)
			return (-1);
		if (c != '\\') {
			*w++ = (char) c;
			continue;
		}
		if (j->p >= j->end)
			return (-1);
		switch (c = *j->p++) {
		case '"': case '\\': case '/':
			*w++ = (char) c;
			break;
		case 'b': case 'f': case 'n': case 'r': case 't':
			/* Control characters: kept visible, never raw. */
			*w++ = '?';
			break;
		case 'u':
			if (j->end - j->p < 4)
				return (-1);
			for (v = 0, i = 0; i < 4; i++) {
				if ((c = hexval(j->p[i])) < 0)
					return (-1);
				v = v * 16 + c;
			}
			j->p += 4;
			/* Audit text is ASCII; anything else is shown as '?'. */
			*w++ = (v >= 0x20 && v < 0x7f) ? (char) v : '?';
			break;
		default:
			return (-1);
		}
	}
	if (j->p >= j->end)
		return (-1);
	j->p++;
	*w = 0;
	return (0);
}

/* jskip - skip one value of any kind; depth bounds nesting */

static int
jskip(struct jp *j, int depth)
{
	char   *s;
	char	close;

	ws(j);
	if (j->p >= j->end || depth > MTASTS_CONFIG_DEPTH_MAX)
		return (-1);
	if (*j->p == '"')
		return (jstring(j, &s));
	if (*j->p == '{' || *j->p == '[') {
		close = *j->p == '{' ? '}' : ']';
		j->p++;
		ws(j);
		if (j->p < j->end && *j->p == close) {
			j->p++;
			return (0);
		}
		for (;;) {
			if (close == '}') {
				ws(j);
				if (jstring(j, &s) < 0)
					return (-1);
				ws(j);
				if (j->p >= j->end || *j->p++ != ':')
					return (-1);
			}
			if (jskip(j, depth + 1) < 0)
				return (-1);
			ws(j);
			if (j->p >= j->end)
				return (-1);
			if (*j->p == close) {
				j->p++;
				return (0);
			}
			if (*j->p++ != ',')
				return (-1);
		}
	}
	s = j->p;
	while (j->p < j->end && strchr("-+.eE0123456789truefalsn", *j->p))
		j->p++;
	return (j->p > s ? 0 : -1);
}

/* jint - a non-negative integer, or null (-1) */

static int
jint(struct jp *j, long long *out)
{
	long long v = 0;
	int	digits = 0;

	if (j->end - j->p >= 4 && memcmp(j->p, "null", 4) == 0) {
		j->p += 4;
		*out = -1;
		return (0);
	}
	while (j->p < j->end && *j->p >= '0' && *j->p <= '9') {
		if (++digits > 18)
			return (-1);
		v = v * 10 + (*j->p++ - '0');
	}
	if (digits == 0 || (j->p < j->end && strchr(".eE", *j->p)))
		return (-1);
	*out = v;
	return (0);
}

/* jstr_or_null - a string value, or NULL for null */

static int
jstr_or_null(struct jp *j, char **out)
{
	if (j->end - j->p >= 4 && memcmp(j->p, "null", 4) == 0) {
		j->p += 4;
		*out = NULL;
		return (0);
	}
	return (jstring(j, out));
}

/* parse_rec - one line into a record; -1 if it is not an audit record */

static int
parse_rec(char *line, size_t len, struct rec *r)
{
	static const char *const keys[] = {"unix", "max_age", "event", "domain",
	"mx", "addr", "mode", "mx_patterns", "result_type", "reason", NULL};
	struct jp j = {line, line + len};
	unsigned seen = 0;
	char   *key, *s;
	long long n;
	int	k;

	memset(r, 0, sizeof(*r));
	r->unix_time = -1;
	r->max_age = -1;
	ws(&j);
	if (j.p >= j.end || *j.p++ != '{')
		return (-1);
	ws(&j);
	if (j.p < j.end && *j.p == '}')
		return (-1);
	for (;;) {
		ws(&j);
		if (jstring(&j, &key) < 0)
			return (-1);
		ws(&j);
		if (j.p >= j.end || *j.p++ != ':')
			return (-1);
		ws(&j);
		for (k = 0; keys[k] && strcmp(keys[k], key) != 0; k++)
			 /* void */ ;
		if (keys[k] && (seen & (1u << k)))
			return (-1);
		seen |= keys[k] ? (1u << k) : 0;
		if (keys[k] == NULL) {
			if (jskip(&j, 1) < 0)
				return (-1);
		} else if (k <= 1) {
			if (jint(&j, &n) < 0)
				return (-1);
			if (k == 0)
				r->unix_time = n;
			else
				r->max_age = n > (long long) MTASTS_MAX_AGE_MAX ? -1 : (long) n;
		} else {
			if (jstr_or_null(&j, &s) < 0)
				return (-1);
			switch (k) {
			case 2: r->event = s; break;
			case 3: r->domain = s; break;
			case 4: r->mx = s; break;
			case 5: r->addr = s; break;
			case 6: r->mode = s; break;
			case 7: r->patterns = s; break;
			case 8: r->result_type = s; break;
			default: r->reason = s; break;
			}
		}
		ws(&j);
		if (j.p >= j.end)
			return (-1);
		if (*j.p == '}')
			break;
		if (*j.p++ != ',')
			return (-1);
	}
	j.p++;
	ws(&j);
	return (j.p == j.end && r->unix_time >= 0 && r->event != NULL ? 0 : -1);
}

/* host_fold - lower-case a host name in place, drop one final dot */

static int
host_fold(char *s)
{
	size_t	len = strlen(s), i;

	if (len > 0 && s[len - 1] == '.')
		s[--len] = 0;
	for (i = 0; i < len; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char) (s[i] - 'A' + 'a');
	return (len > 0 && len <= MTASTS_DOMAIN_MAX && mtasts_domain_valid(s)
		? 0 : -1);
}

/* patterns_fold - lower-case mx patterns; -1 if one is not a pattern */

static int
patterns_fold(char *s)
{
	char   *p;

	for (p = s; *p; p++) {
		if (*p >= 'A' && *p <= 'Z')
			*p = (char) (*p - 'A' + 'a');
		else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
			   || *p == '-' || *p == '.' || *p == '*' || *p == '_'
			   || *p == ' '))
			return (-1);
	}
	return (0);
}

/* known_type - the canonical result type string, or NULL */

static const char *
known_type(const char *t)
{
	int	i;

	for (i = 0; result_types[i]; i++)
		if (strcmp(result_types[i], t) == 0)
			return (result_types[i]);
	return (NULL);
}

/* mtasts_tlsrpt_agg_init - an empty aggregate for a range and domain */

void
mtasts_tlsrpt_agg_init(struct mtasts_tlsrpt_agg *a, time_t since,
		       time_t until, const char *only_domain)
{
	memset(a, 0, sizeof(*a));
	a->since = since;
	a->until = until;
	if (only_domain) {
		(void) snprintf(a->only_domain, sizeof(a->only_domain), "%s",
				only_domain);
		(void) host_fold(a->only_domain);
	}
}

/* domain_get - the domain's entry, inserted in name order if new */

static struct mtasts_tlsrpt_domain *
domain_get(struct mtasts_tlsrpt_agg *a, const char *name)
{
	struct mtasts_tlsrpt_domain *d;
	size_t	lo = 0, hi = a->ndomains, mid;
	int	c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(name, a->domains[mid].name)) == 0)
			return (a->domains + mid);
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (a->ndomains == a->cap) {
		size_t	cap = a->cap ? a->cap * 2 : 16;

		if ((d = realloc(a->domains, cap * sizeof(*d))) == NULL)
			return (NULL);
		a->domains = d;
		a->cap = cap;
	}
	d = a->domains + lo;
	memmove(d + 1, d, (a->ndomains - lo) * sizeof(*d));
	memset(d, 0, sizeof(*d));
	if ((d->name = strdup(name)) == NULL) {
		memmove(d, d + 1, (a->ndomains - lo) * sizeof(*d));
		return (NULL);
	}
	a->ndomains++;
	return (d);
}

/* same - two optional strings are equal */

static int
same(const char *x, const char *y)
{
	return ((x == NULL && y == NULL) || (x && y && strcmp(x, y) == 0));
}

/* dupe - strdup of an optional string; -1 when memory runs out */

static int
dupe(const char *s, char **out)
{
	*out = NULL;
	return (s && (*out = strdup(s)) == NULL ? -1 : 0);
}

/* policy_get - the domain's policy entry for a record, added if new */

static struct mtasts_tlsrpt_policy *
policy_get(struct mtasts_tlsrpt_domain *d, const struct rec *r, int decision)
{
	struct mtasts_tlsrpt_policy *p;
	enum mtasts_tlsrpt_ptype type = MTASTS_TLSRPT_NO_POLICY;
	const char *mode = NULL, *pat = NULL;
	long	max_age = -1;
	size_t	i;

	if (r->mode && (strcmp(r->mode, "enforce") == 0
			|| strcmp(r->mode, "testing") == 0
			|| strcmp(r->mode, "none") == 0)) {
		type = MTASTS_TLSRPT_STS;
		mode = r->mode;
		pat = r->patterns ? r->patterns : "";
		max_age = r->max_age;
	}
	for (i = 0; i < d->npolicies; i++) {
		p = d->policies + i;
		if (p->type == type && p->from_decision == decision
		    && same(p->mode, mode) && same(p->patterns, pat)
		    && p->max_age == max_age)
			return (p);
	}
	if ((p = realloc(d->policies, (d->npolicies + 1) * sizeof(*p))) == NULL)
		return (NULL);
	d->policies = p;
	p += d->npolicies;
	memset(p, 0, sizeof(*p));
	if (dupe(mode, &p->mode) < 0 || dupe(pat, &p->patterns) < 0) {
		free(p->mode);
		return (NULL);
	}
	p->type = type;
	p->max_age = max_age;
	p->from_decision = decision;
	d->npolicies++;
	return (p);
}

/* detail_add - count one failure in its failure-details row */

static int
detail_add(struct mtasts_tlsrpt_policy *p, const char *type, const char *mx,
	   const char *ip, const char *reason)
{
	struct mtasts_tlsrpt_detail *f;
	size_t	i;

	/* Past the row limit new keys share one row per type: counts stay whole. */
	if (p->ndetails >= MTASTS_TLSRPT_DETAILS_MAX) {
		mx = ip = NULL;
		reason = OVERFLOW_REASON;
	}
	for (i = 0; i < p->ndetails; i++) {
		f = p->details + i;
		if (strcmp(f->result_type, type) == 0 && same(f->mx, mx)
		    && same(f->ip, ip) && same(f->reason, reason)) {
			f->count++;
			return (0);
		}
	}
	if ((f = realloc(p->details, (p->ndetails + 1) * sizeof(*f))) == NULL)
		return (-1);
	p->details = f;
	f += p->ndetails;
	memset(f, 0, sizeof(*f));
	if (dupe(type, &f->result_type) < 0 || dupe(mx, &f->mx) < 0
	    || dupe(ip, &f->ip) < 0 || dupe(reason, &f->reason) < 0) {
		free(f->result_type);
		free(f->mx);
		free(f->ip);
		return (-1);
	}
	f->count = 1;
	p->ndetails++;
	return (0);
}

/* check_rec - normalise names and addresses; -1 if a field is bad */

static int
check_rec(struct rec *r, char *ipbuf, size_t iplen)
{
	unsigned char bin[sizeof(struct in6_addr)];
	int	af;

	if (r->domain == NULL || host_fold(r->domain) < 0)
		return (-1);
	if (r->mx && host_fold(r->mx) < 0)
		return (-1);
	if (r->patterns && patterns_fold(r->patterns) < 0)
		return (-1);
	if (r->addr) {
		/* Canonical text, so "::0001" and "::1" share a row. */
		af = strchr(r->addr, ':') ? AF_INET6 : AF_INET;
		if (inet_pton(af, r->addr, bin) != 1
		    || inet_ntop(af, bin, ipbuf, (socklen_t) iplen) == NULL)
			return (-1);
		r->addr = ipbuf;
	}
	return (0);
}

/* count - add one session of a checked record */

static enum mtasts_status
count(struct mtasts_tlsrpt_agg *a, struct rec *r, int decision)
{
	struct mtasts_tlsrpt_domain *d;
	struct mtasts_tlsrpt_policy *p;
	char	code[MTASTS_TLSRPT_REASON_CODE_MAX], raw[MTASTS_REASON_MAX];
	const char *type = NULL, *reason = NULL;

	if ((d = domain_get(a, r->domain)) == NULL
	    || (p = policy_get(d, r, decision)) == NULL)
		return (MTASTS_TEMP);
	if (!decision)
		d->deliveries++;
	a->counted++;
	if (r->result_type == NULL) {
		p->ok++;
		return (MTASTS_OK);
	}
	if ((type = known_type(r->result_type)) == NULL) {
		type = UNKNOWN_TYPE;
		mtasts_why(raw, sizeof(raw), "result type %s", r->result_type);
		reason = mtasts_sanitize(raw, strlen(raw), code, sizeof(code));
	} else if (r->reason && *r->reason) {
		reason = mtasts_sanitize(r->reason, strlen(r->reason), code,
					 sizeof(code));
	}
	p->failed++;
	return (detail_add(p, type, r->mx, r->addr, reason) < 0 ?
		MTASTS_TEMP : MTASTS_OK);
}

/* mtasts_tlsrpt_agg_line - count one audit log line */

enum mtasts_status
mtasts_tlsrpt_agg_line(struct mtasts_tlsrpt_agg *a, const char *line,
		       size_t len)
{
	struct rec r;
	char   *copy;
	char	ip[INET6_ADDRSTRLEN];
	enum mtasts_status st = MTASTS_NONE;
	int	delivery, decision;

	a->lines++;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len == 0)
		return (MTASTS_NONE);
	if (len > MTASTS_TLSRPT_LINE_MAX || memchr(line, 0, len) != NULL)
		goto malformed;
	if ((copy = malloc(len + 1)) == NULL)
		return (MTASTS_TEMP);
	memcpy(copy, line, len);
	copy[len] = 0;
	if (parse_rec(copy, len, &r) < 0) {
		free(copy);
		goto malformed;
	}
	delivery = strcmp(r.event, "delivery") == 0;
	decision = strcmp(r.event, "decision") == 0;
	if (!delivery && !decision) {
		a->ignored++;
	} else if (check_rec(&r, ip, sizeof(ip)) < 0) {
		free(copy);
		goto malformed;
	} else if ((a->since && r.unix_time < (long long) a->since)
		   || (a->until && r.unix_time >= (long long) a->until)
		   || (a->only_domain[0] && strcmp(a->only_domain, r.domain) != 0)) {
		a->outside++;
	} else if (delivery) {
		st = count(a, &r, 0);
	} else if (r.result_type && strncmp(r.result_type, "sts-", 4) == 0) {
		st = count(a, &r, 1);
	} else {
		a->ignored++;
	}
	free(copy);
	return (st);

malformed:
	a->malformed++;
	if (a->first_malformed == 0)
		a->first_malformed = a->lines;
	return (MTASTS_PERM);
}

/* mtasts_tlsrpt_policy_used - see COUNTING in tlsrpt.h */

int
mtasts_tlsrpt_policy_used(const struct mtasts_tlsrpt_domain *d,
			  const struct mtasts_tlsrpt_policy *p)
{
	return (!p->from_decision || d->deliveries == 0);
}

/* mtasts_tlsrpt_totals - a domain's counted sessions */

void
mtasts_tlsrpt_totals(const struct mtasts_tlsrpt_domain *d,
		     unsigned long *ok, unsigned long *failed)
{
	size_t	i;

	*ok = *failed = 0;
	for (i = 0; i < d->npolicies; i++) {
		if (!mtasts_tlsrpt_policy_used(d, d->policies + i))
			continue;
		*ok += d->policies[i].ok;
		*failed += d->policies[i].failed;
	}
}

/* mtasts_tlsrpt_find - a domain of the aggregate, or NULL */

const struct mtasts_tlsrpt_domain *
mtasts_tlsrpt_find(const struct mtasts_tlsrpt_agg *a, const char *name)
{
	size_t	i;

	for (i = 0; i < a->ndomains; i++)
		if (strcmp(a->domains[i].name, name) == 0)
			return (a->domains + i);
	return (NULL);
}

/* mtasts_tlsrpt_agg_free - release everything the aggregate holds */

void
mtasts_tlsrpt_agg_free(struct mtasts_tlsrpt_agg *a)
{
	struct mtasts_tlsrpt_domain *d;
	struct mtasts_tlsrpt_policy *p;
	size_t	i, k, m;

	for (i = 0; i < a->ndomains; i++) {
		d = a->domains + i;
		for (k = 0; k < d->npolicies; k++) {
			p = d->policies + k;
			for (m = 0; m < p->ndetails; m++) {
				free(p->details[m].result_type);
				free(p->details[m].mx);
				free(p->details[m].ip);
				free(p->details[m].reason);
			}
			free(p->details);
			free(p->mode);
			free(p->patterns);
		}
		free(d->policies);
		free(d->name);
	}
	free(a->domains);
	a->domains = NULL;
	a->ndomains = a->cap = 0;
}
