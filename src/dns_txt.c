/*++
 * NAME
 *	dns_txt 3
 * SUMMARY
 *	a plain blocking TXT lookup through getdns
 * SYNOPSIS
 *	#include <mtasts/dns_txt.h>
 * DESCRIPTION
 *	See dns_txt.h. The lookup kinds of src/dns.c are fixed (the
 *	_mta-sts TXT record with its STSv1 selection, MX, A/AAAA), so this
 *	file has its own getdns context, set up as src/dns.c sets up its
 *	own (stub resolution, no search suffixes, the configured servers),
 *	and uses getdns' synchronous call: one lookup per report, from a
 *	tool, needs no event loop. Names are checked and built with
 *	mtasts_dns_name_check() from src/dns_int.h, the check every other
 *	lookup goes through.
 *
 *	Each reply is read with mtasts_dns_reply_head() of src/dns_answer.c,
 *	the checks every lookup's reply passes (rcode, the question must be
 *	the one asked, the CNAME chain from it); the TXT records owned by
 *	the end of the chain are the answer. A chain that ends without them
 *	is asked for again, at most MTASTS_DNS_CNAME_MAX links in all,
 *	within the one timeout.
 * SECURITY
 *	As in src/dns_answer.c, whose code reads the replies: names compared
 *	in wire form without case, only class IN, bounded counts and sizes,
 *	peer text sanitised in reasons.
 *--*/
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <getdns/getdns.h>
#include <getdns/getdns_extra.h>

#include <mtasts/dns_txt.h>
#include <mtasts/limits.h>

#include "dns_int.h"

/* now_ms - monotonic milliseconds */

static long long
now_ms(void)
{
	struct timespec ts;

	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* txt_ctx - a stub resolver context for cfg's servers */

static getdns_context *
txt_ctx(const struct mtasts_config *cfg, char *why, size_t whylen)
{
	getdns_context *ctx = NULL;
	int	servers = cfg != NULL && cfg->nservers > 0;

	if (getdns_context_create(&ctx, 1) != GETDNS_RETURN_GOOD
	    && (!servers || getdns_context_create(&ctx, 0) != GETDNS_RETURN_GOOD)) {
		mtasts_why(why, whylen, "resolver: cannot set up (is"
			   " /etc/resolv.conf readable?)");
		return (NULL);
	}
	if (getdns_context_set_resolution_type(ctx, GETDNS_RESOLUTION_STUB)
	    || getdns_context_set_append_name(ctx, GETDNS_APPEND_NAME_NEVER)) {
		getdns_context_destroy(ctx);
		mtasts_why(why, whylen, "resolver: cannot set up stub resolution");
		return (NULL);
	}
	/* The same upstreams, set the same way, as every other lookup's. */
	if (servers && mtasts_dns_servers(ctx, cfg, why, whylen) != MTASTS_OK) {
		getdns_context_destroy(ctx);
		return (NULL);
	}
	return (ctx);
}

/* add_txt - one TXT RR's strings joined into the list */

static enum mtasts_status
add_txt(getdns_dict *rr, struct mtasts_txt_list *l, const char *qname,
	char *why, size_t whylen)
{
	getdns_list *strs;
	getdns_bindata *s;
	size_t	k, ns = 0, len = 0;
	char   *t;

	if (l->n >= MTASTS_TXT_RECORDS_MAX) {
		mtasts_why(why, whylen, "TXT %s: more than %d records", qname,
			   MTASTS_TXT_RECORDS_MAX);
		return (MTASTS_PERM);
	}
	if (getdns_dict_get_list(rr, "/rdata/txt_strings", &strs)
	    != GETDNS_RETURN_GOOD || getdns_list_get_length(strs, &ns)
	    != GETDNS_RETURN_GOOD)
		ns = 0;
	if ((t = malloc(MTASTS_TXT_MAX + 1)) == NULL) {
		mtasts_why(why, whylen, "out of memory");
		return (MTASTS_TEMP);
	}
	for (k = 0; k < ns; k++) {
		if (getdns_list_get_bindata(strs, k, &s) != GETDNS_RETURN_GOOD)
			continue;
		if (s->size > MTASTS_TXT_MAX - len) {
			free(t);
			mtasts_why(why, whylen, "TXT %s: a record longer than %d"
				   " bytes", qname, MTASTS_TXT_MAX);
			return (MTASTS_PERM);
		}
		memcpy(t + len, s->data, s->size);
		len += s->size;
	}
	t[len] = 0;
	l->txt[l->n] = t;
	l->len[l->n++] = len;
	return (MTASTS_OK);
}

/* one_query - ask once; OK with records, NONE, or target set to ask next */

static enum mtasts_status
one_query(getdns_context *ctx, const char *qname, unsigned timeout_ms,
	  struct mtasts_txt_list *l, char *target, size_t tlen, int *links,
	  char *why, size_t whylen)
{
	getdns_dict *resp = NULL, *rr;
	getdns_list *answer;
	getdns_bindata *end, *owner;
	struct dns_answer a;
	enum mtasts_status st;
	uint32_t type;
	size_t	n, i, len;
	int	shown = (int) strlen(qname) - 1;

	target[0] = 0;
	/* The checks every reply passes are dns_answer.c's, question too. */
	if (getdns_general_sync(ctx, qname, GETDNS_RRTYPE_TXT, NULL, &resp)
	    != GETDNS_RETURN_GOOD)
		resp = NULL;
	if (mtasts_dns_reply_head(GETDNS_CALLBACK_COMPLETE, resp,
				  GETDNS_RRTYPE_TXT, qname, timeout_ms, &a,
				  &answer, &n, &end) != 0) {
		mtasts_why(why, whylen, "%s", a.why);
		st = a.status;
		goto out;
	}
	if ((*links += a.links) > MTASTS_DNS_CNAME_MAX) {
		mtasts_why(why, whylen, "TXT %.*s: CNAME chain longer than %d",
			   shown, qname, MTASTS_DNS_CNAME_MAX);
		st = MTASTS_TEMP;
		goto out;
	}
	st = MTASTS_NONE;
	for (i = 0; i < n; i++) {
		if (mtasts_dns_rr(answer, i, &rr, &type, &owner) == 0
		    && type == GETDNS_RRTYPE_TXT && mtasts_dns_wire_eq(owner, end)
		    && (st = add_txt(rr, l, qname, why, whylen)) != MTASTS_OK)
			goto out;
	}
	if (l->n > 0) {
		st = MTASTS_OK;
	} else if (a.links > 0
		   && mtasts_dns_wire_host(end, target, tlen - 1) == 0) {
		/* The server gave the CNAME only: the caller asks the target. */
		len = strlen(target);
		target[len] = '.';
		target[len + 1] = 0;
	} else {
		target[0] = 0;
		mtasts_why(why, whylen, "TXT %.*s: no TXT records", shown, qname);
	}
out:
	if (resp != NULL)
		getdns_dict_destroy(resp);
	return (st);
}

/* mtasts_dns_txt - blocking TXT lookup */

enum mtasts_status
mtasts_dns_txt(const struct mtasts_config *cfg, const char *prefix,
	       const char *name, unsigned timeout_ms,
	       struct mtasts_txt_list **out, char *why, size_t whylen)
{
	char	qname[DNS_QNAME_MAX], target[DNS_QNAME_MAX];
	struct mtasts_txt_list *l;
	getdns_context *ctx;
	enum mtasts_status st;
	long long deadline = now_ms() + timeout_ms, left;
	int	links = 0;

	*out = NULL;
	if (timeout_ms == 0 || timeout_ms > MTASTS_DNS_TIMEOUT_MAX) {
		mtasts_why(why, whylen, "DNS timeout %u ms not in 1..%u",
			   timeout_ms, (unsigned) MTASTS_DNS_TIMEOUT_MAX);
		return (MTASTS_PERM);
	}
	if ((st = mtasts_dns_name_check(prefix ? prefix : "", name, qname,
					sizeof(qname), why, whylen)) != MTASTS_OK)
		return (st);
	if ((l = calloc(1, sizeof(*l))) == NULL
	    || (l->txt = calloc(MTASTS_TXT_RECORDS_MAX, sizeof(*l->txt))) == NULL
	    || (l->len = calloc(MTASTS_TXT_RECORDS_MAX, sizeof(*l->len))) == NULL) {
		mtasts_txt_list_free(l);
		mtasts_why(why, whylen, "out of memory");
		return (MTASTS_TEMP);
	}
	if ((ctx = txt_ctx(cfg, why, whylen)) == NULL) {
		mtasts_txt_list_free(l);
		return (MTASTS_TEMP);
	}
	for (;;) {
		if ((left = deadline - now_ms()) <= 0) {
			mtasts_why(why, whylen, "TXT %s%s: timeout after %u ms",
				   prefix ? prefix : "", name, timeout_ms);
			st = MTASTS_TEMP;
			break;
		}
		(void) getdns_context_set_timeout(ctx, (uint64_t) left);
		st = one_query(ctx, qname, timeout_ms, l, target, sizeof(target),
			       &links, why, whylen);
		if (st != MTASTS_NONE || target[0] == 0)
			break;
		memcpy(qname, target, sizeof(qname));
	}
	getdns_context_destroy(ctx);
	if (st != MTASTS_OK) {
		mtasts_txt_list_free(l);
		return (st);
	}
	*out = l;
	return (MTASTS_OK);
}

/* mtasts_txt_list_free - release a TXT list (NULL is fine) */

void
mtasts_txt_list_free(struct mtasts_txt_list *l)
{
	size_t	i;

	if (l == NULL)
		return;
	for (i = 0; l->txt && i < l->n; i++)
		free(l->txt[i]);
	free(l->txt);
	free(l->len);
	free(l);
}
