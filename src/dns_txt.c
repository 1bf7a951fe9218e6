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
 *	From the question name, CNAMEs in the answer are followed; the TXT
 *	records owned by the end of the chain are the answer. A chain that
 *	ends without them is asked for again, at most MTASTS_DNS_CNAME_MAX
 *	links in all, within the one timeout.
 * SECURITY
 *	As in src/dns_answer.c: names compared in wire form without case,
 *	only class IN, bounded counts and sizes, peer text sanitised in
 *	reasons.
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

/* wire_eq - same wire-format name, ASCII case ignored */

static int
wire_eq(const getdns_bindata *a, const getdns_bindata *b)
{
	size_t	i;
	int	x, y;

	if (a->size != b->size)
		return (0);
	for (i = 0; i < a->size; i++) {
		x = a->data[i];
		y = b->data[i];
		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y)
			return (0);
	}
	return (1);
}

/* wire_text - a wire name as "a.b.c." when it is a host name; else -1 */

static int
wire_text(const getdns_bindata *w, char *out, size_t outlen)
{
	size_t	i = 0, o = 0, len, end;
	unsigned char c;

	while (i < w->size && (len = w->data[i++]) != 0) {
		if ((end = i + len) > w->size || len > MTASTS_LABEL_MAX)
			return (-1);
		for (; i < end; i++) {
			c = w->data[i];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
			      || (c >= '0' && c <= '9') || c == '-' || c == '_')
			    || o + 2 >= outlen)
				return (-1);
			out[o++] = (char) c;
		}
		out[o++] = '.';
	}
	if (o == 0 || o - 1 > MTASTS_DOMAIN_MAX)
		return (-1);
	out[o] = 0;
	return (0);
}

/* rr_at - i-th RR of class IN with its type and owner */

static int
rr_at(getdns_list *l, size_t i, getdns_dict **rr, uint32_t *type,
      getdns_bindata **owner)
{
	uint32_t cls;

	return (getdns_list_get_dict(l, i, rr) == GETDNS_RETURN_GOOD
		&& getdns_dict_get_int(*rr, "type", type) == GETDNS_RETURN_GOOD
		&& getdns_dict_get_int(*rr, "class", &cls) == GETDNS_RETURN_GOOD
		&& getdns_dict_get_bindata(*rr, "name", owner) == GETDNS_RETURN_GOOD
		&& cls == GETDNS_RRCLASS_IN ? 0 : -1);
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

/* one_query - ask once; OK with records, NONE, or *chase set */

static enum mtasts_status
one_query(getdns_context *ctx, const char *qname, struct mtasts_txt_list *l,
	  char *target, size_t tlen, int *links, char *why, size_t whylen)
{
	getdns_dict *resp = NULL, *reply, *rr;
	getdns_list *replies, *answer;
	getdns_bindata *name, *owner, *next;
	enum mtasts_status st = MTASTS_TEMP;
	uint32_t rcode, type, status;
	size_t	n = 0, i;
	int	shown = (int) strlen(qname) - 1, here = 0;

	target[0] = 0;
	if (getdns_general_sync(ctx, qname, GETDNS_RRTYPE_TXT, NULL, &resp)
	    != GETDNS_RETURN_GOOD || resp == NULL) {
		mtasts_why(why, whylen, "TXT %.*s: lookup failed", shown, qname);
		goto out;
	}
	if (getdns_dict_get_list(resp, "replies_tree", &replies)
	    || getdns_list_get_dict(replies, 0, &reply)
	    || getdns_dict_get_int(reply, "/header/rcode", &rcode)) {
		if (getdns_dict_get_int(resp, "status", &status) == GETDNS_RETURN_GOOD
		    && status == GETDNS_RESPSTATUS_ALL_TIMEOUT)
			mtasts_why(why, whylen, "TXT %.*s: timeout", shown, qname);
		else
			mtasts_why(why, whylen, "TXT %.*s: no reply from any name"
				   " server", shown, qname);
		goto out;
	}
	if (rcode == GETDNS_RCODE_NXDOMAIN) {
		mtasts_why(why, whylen, "TXT %.*s: NXDOMAIN", shown, qname);
		st = MTASTS_NONE;
		goto out;
	}
	if (rcode != GETDNS_RCODE_NOERROR) {
		mtasts_why(why, whylen, "TXT %.*s: %s", shown, qname, rcode == 2 ?
			   "SERVFAIL" : rcode == 5 ? "REFUSED" : "error reply");
		goto out;
	}
	if (getdns_dict_get_bindata(reply, "/question/qname", &name)) {
		mtasts_why(why, whylen, "TXT %.*s: reply without question", shown,
			   qname);
		goto out;
	}
	if (getdns_dict_get_list(reply, "answer", &answer)
	    || getdns_list_get_length(answer, &n))
		n = 0;
	/* Follow the CNAME chain from the question name, bounded. */
	for (;;) {
		for (i = 0; i < n; i++)
			if (rr_at(answer, i, &rr, &type, &owner) == 0
			    && type == GETDNS_RRTYPE_CNAME && wire_eq(owner, name)
			    && getdns_dict_get_bindata(rr, "/rdata/cname", &next) == 0)
				break;
		if (i == n)
			break;
		here++;
		if (++*links > MTASTS_DNS_CNAME_MAX) {
			mtasts_why(why, whylen, "TXT %.*s: CNAME chain longer than %d",
				   shown, qname, MTASTS_DNS_CNAME_MAX);
			goto out;
		}
		name = next;
	}
	st = MTASTS_NONE;
	for (i = 0; i < n; i++) {
		if (rr_at(answer, i, &rr, &type, &owner) == 0
		    && type == GETDNS_RRTYPE_TXT && wire_eq(owner, name)
		    && (st = add_txt(rr, l, qname, why, whylen)) != MTASTS_OK)
			goto out;
	}
	if (l->n > 0) {
		st = MTASTS_OK;
	} else if (here > 0 && wire_text(name, target, tlen) == 0) {
		/* The server gave the CNAME only: the caller asks the target. */
		st = MTASTS_NONE;
	} else {
		target[0] = 0;
		mtasts_why(why, whylen, "TXT %.*s: no TXT records", shown, qname);
	}
out:
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
		st = one_query(ctx, qname, l, target, sizeof(target), &links,
			       why, whylen);
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
