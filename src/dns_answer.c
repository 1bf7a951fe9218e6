/*++
 * NAME
 *	dns_answer 3
 * SUMMARY
 *	read one getdns response: rcode, CNAME chain, TXT/MX/A/AAAA data
 * SYNOPSIS
 *	#include "dns_int.h"
 * DESCRIPTION
 *	The part of the DNS layer that looks at answers; src/dns.c drives
 *	the lookups. See dns_int.h for the interface. The public
 *	mtasts_mx_list_free() and mtasts_addr_list_free() live here, next
 *	to the code that builds the lists.
 *
 *	Only the first reply of a response counts (a stub lookup has one).
 *	From the question name, CNAME records in the answer section are
 *	followed; then the records of the asked type owned by the end of
 *	the chain, class IN, are the data. A chain that ends without data
 *	is reported (chase) so the caller can ask for the target itself:
 *	getdns in stub mode takes the answer as the server gave it, and an
 *	authoritative server outside the target's zone gives only the CNAME.
 * SECURITY
 *	Everything here comes from the network. Names are compared in wire
 *	form without case and converted to text only when they are plain
 *	host names (src/dns_name.c); counts and sizes are bounded
 *	by limits.h; an over-long or surplus STSv1 record makes the answer
 *	"no valid record" rather than being cut to something that parses.
 *--*/
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <getdns/getdns.h>

#include <mtasts/limits.h>
#include <mtasts/status.h>
#include <mtasts/txt.h>

#include "dns_int.h"

/* RFC 8461 3.1: a record "begins with" this to be an STS record at all. */
#define STS_PREFIX	"v=STSv1"
#define STS_PREFIX_LEN	(sizeof(STS_PREFIX) - 1)

/* dns_shown - length of an absolute name without its final dot */

static int
dns_shown(const char *qname)
{
	size_t	len = strlen(qname);

	if (len > 0 && qname[len - 1] == '.')
		len--;
	return ((int) len);
}

/* mtasts_dns_type_str - RR type name for reasons */

const char *
mtasts_dns_type_str(uint16_t rrtype)
{
	switch (rrtype) {
	case GETDNS_RRTYPE_TXT:
		return ("TXT");
	case GETDNS_RRTYPE_MX:
		return ("MX");
	case GETDNS_RRTYPE_A:
		return ("A");
	case GETDNS_RRTYPE_AAAA:
		return ("AAAA");
	case GETDNS_RRTYPE_CNAME:
		return ("CNAME");
	}
	return ("RR");
}

/* mtasts_dns_timeout_why - "TXT name: timeout after 5 s" */

void
mtasts_dns_timeout_why(char *why, size_t whylen, uint16_t rrtype,
		               const char *qname, unsigned timeout_ms)
{
	if (timeout_ms % 1000 == 0)
		mtasts_why(why, whylen, "%s %.*s: timeout after %u s",
			   mtasts_dns_type_str(rrtype), dns_shown(qname), qname,
			   timeout_ms / 1000);
	else
		mtasts_why(why, whylen, "%s %.*s: timeout after %u ms",
			   mtasts_dns_type_str(rrtype), dns_shown(qname), qname,
			   timeout_ms);
}

/* dns_question - the reply's question: 0 ours, -1 missing, 1 another */

static int
dns_question(getdns_dict *reply, uint16_t rrtype, const char *qname)
{
	unsigned char wire[MTASTS_DOMAIN_MAX + 2];
	getdns_bindata *qwire, asked;
	uint32_t qtype, qclass;

	/*
	 * RFC 5452 9.1: a reply counts only for the question it repeats. The
	 * question is the only thing tying the records to our name; without
	 * it an answer for another name (or garbage that getdns read as an
	 * empty reply) would pass as "no record here".
	 */
	if (getdns_dict_get_bindata(reply, "/question/qname", &qwire)
	    != GETDNS_RETURN_GOOD
	    || getdns_dict_get_int(reply, "/question/qtype", &qtype)
	    != GETDNS_RETURN_GOOD
	    || getdns_dict_get_int(reply, "/question/qclass", &qclass)
	    != GETDNS_RETURN_GOOD)
		return (-1);
	if (mtasts_dns_wire_name(qname, wire, sizeof(wire), &asked.size) != 0)
		return (1);
	asked.data = wire;
	return (qtype == rrtype && qclass == GETDNS_RRCLASS_IN
		&& mtasts_dns_wire_eq(qwire, &asked) ? 0 : 1);
}

/* mtasts_dns_rr - i-th RR of a section with its type, class and owner */

int
mtasts_dns_rr(getdns_list *section, size_t i, getdns_dict **rr, uint32_t *type,
       getdns_bindata **owner)
{
	uint32_t rrclass;

	if (getdns_list_get_dict(section, i, rr) != GETDNS_RETURN_GOOD
	    || getdns_dict_get_int(*rr, "type", type) != GETDNS_RETURN_GOOD
	    || getdns_dict_get_int(*rr, "class", &rrclass) != GETDNS_RETURN_GOOD
	    || getdns_dict_get_bindata(*rr, "name", owner) != GETDNS_RETURN_GOOD)
		return (-1);
	/* MTA-STS lives in class IN; anything else is not ours to use. */
	return (rrclass == GETDNS_RRCLASS_IN ? 0 : -1);
}

/* dns_chain - follow CNAMEs in the answer from name; returns the end */

static getdns_bindata *
dns_chain(getdns_list *answer, size_t n, getdns_bindata *name, int *links)
{
	getdns_dict *rr;
	getdns_bindata *owner, *next;
	uint32_t type;
	size_t	i;

	/* Bounded: a looping chain stops here and fails in the caller. */
	while (*links <= MTASTS_DNS_CNAME_MAX) {
		for (i = 0; i < n; i++) {
			if (mtasts_dns_rr(answer, i, &rr, &type, &owner) == 0
			    && type == GETDNS_RRTYPE_CNAME
			    && mtasts_dns_wire_eq(owner, name)
			    && getdns_dict_get_bindata(rr, "/rdata/cname", &next)
			    == GETDNS_RETURN_GOOD)
				break;
		}
		if (i == n)
			break;
		name = next;
		++*links;
	}
	return (name);
}

/* dns_count - RRs of type owned by name */

static size_t
dns_count(getdns_list *answer, size_t n, uint16_t rrtype,
	          getdns_bindata *name)
{
	getdns_dict *rr;
	getdns_bindata *owner;
	uint32_t type;
	size_t	i, count = 0;

	for (i = 0; i < n; i++)
		if (mtasts_dns_rr(answer, i, &rr, &type, &owner) == 0
		    && type == rrtype && mtasts_dns_wire_eq(owner, name))
			count++;
	return (count);
}

/* dns_upstream - "127.0.0.1": the server that answered */

static void
dns_upstream(getdns_dict *reply, char *out, size_t outlen)
{
	getdns_bindata *a;

	if (getdns_dict_get_bindata(reply, "answer_ipv4_address", &a)
	    == GETDNS_RETURN_GOOD && a->size == 4
	    && inet_ntop(AF_INET, a->data, out, (socklen_t) outlen) != NULL)
		return;
	if (getdns_dict_get_bindata(reply, "answer_ipv6_address", &a)
	    == GETDNS_RETURN_GOOD && a->size == 16
	    && inet_ntop(AF_INET6, a->data, out, (socklen_t) outlen) != NULL)
		return;
	(void) snprintf(out, outlen, "the name server");
}

/* dns_rcode_str - RFC 1035/2136 rcode names used in reasons */

static const char *
dns_rcode_str(uint32_t rcode, char *buf, size_t len)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",
		"NOTZONE",
	};

	if (rcode < sizeof(names) / sizeof(names[0]))
		return (names[rcode]);
	(void) snprintf(buf, len, "rcode %u", (unsigned) rcode);
	return (buf);
}

/* dns_txt - join each TXT RR's strings, select the STSv1 record */

static void
dns_txt(getdns_list *answer, size_t n, getdns_bindata *owner,
	        const char *qname, struct dns_answer *out)
{
	char   *recs[MTASTS_TXT_RECORDS_MAX];
	size_t	lens[MTASTS_TXT_RECORDS_MAX];
	size_t	nrec = 0, i, j, nstr, len, take;
	char	reason[MTASTS_REASON_MAX];
	getdns_dict *rr;
	getdns_bindata *name, *s;
	getdns_list *strs;
	uint32_t type;
	int	over;

	out->status = MTASTS_NONE;
	for (i = 0; i < n; i++) {
		if (mtasts_dns_rr(answer, i, &rr, &type, &name) != 0
		    || type != GETDNS_RRTYPE_TXT || !mtasts_dns_wire_eq(name, owner))
			continue;

		/*
		 * A surplus record could be the second STSv1 record that makes
		 * the set invalid; dropping it could make a bad set look good.
		 */
		if (nrec == MTASTS_TXT_RECORDS_MAX) {
			mtasts_why(out->why, sizeof(out->why),
				   "TXT %.*s: more than %d TXT records",
				   dns_shown(qname), qname, MTASTS_TXT_RECORDS_MAX);
			goto done;
		}
		if ((recs[nrec] = malloc(MTASTS_TXT_MAX)) == NULL) {
			out->status = MTASTS_TEMP;
			mtasts_why(out->why, sizeof(out->why), "out of memory");
			goto done;
		}
		/* getdns gives the character-strings as a list of bindatas. */
		len = 0;
		over = 0;
		if (getdns_dict_get_list(rr, "/rdata/txt_strings", &strs)
		    != GETDNS_RETURN_GOOD
		    || getdns_list_get_length(strs, &nstr) != GETDNS_RETURN_GOOD)
			nstr = 0;
		for (j = 0; j < nstr && !over; j++) {
			if (getdns_list_get_bindata(strs, j, &s) != GETDNS_RETURN_GOOD)
				continue;
			take = s->size;
			if (take > MTASTS_TXT_MAX - len) {
				take = MTASTS_TXT_MAX - len;
				over = 1;
			}
			memcpy(recs[nrec] + len, s->data, take);
			len += take;
		}
		if (over && len >= STS_PREFIX_LEN
		    && memcmp(recs[nrec], STS_PREFIX, STS_PREFIX_LEN) == 0) {
			/* Cut to fit, it might parse: fail closed instead. */
			nrec++;
			mtasts_why(out->why, sizeof(out->why),
				   "TXT %.*s: STSv1 record longer than %d bytes",
				   dns_shown(qname), qname, MTASTS_TXT_MAX);
			goto done;
		}
		if (over) {
			/* Someone else's record; RFC 8461 3.1 ignores it anyway. */
			free(recs[nrec]);
			continue;
		}
		lens[nrec++] = len;
	}
	out->status = mtasts_txt_select((const char *const *) recs, lens, nrec,
					&out->txt, reason, sizeof(reason));
	if (out->status == MTASTS_OK) {
		out->why[0] = 0;
	} else {
		/* select says OK or NONE; anything else is still "no record". */
		out->status = MTASTS_NONE;
		mtasts_why(out->why, sizeof(out->why), "TXT %.*s: %s",
			   dns_shown(qname), qname, reason);
	}
done:
	for (i = 0; i < nrec; i++)
		free(recs[i]);
}

struct dns_mx_order {
	unsigned pref;
	size_t	pos;			/* answer order, for stable ties */
};

/* dns_mx_cmp - by preference, then answer order */

static int
dns_mx_cmp(const void *a, const void *b)
{
	const struct dns_mx_order *x = a, *y = b;

	if (x->pref != y->pref)
		return (x->pref < y->pref ? -1 : 1);
	return (x->pos < y->pos ? -1 : x->pos > y->pos);
}

/* dns_mx - MX hosts sorted by preference */

static void
dns_mx(getdns_list *answer, size_t n, size_t count, getdns_bindata *owner,
       struct dns_answer *out)
{
	struct mtasts_mx_list *all, *list;
	struct dns_mx_order *order;
	getdns_bindata *name, *exch;
	getdns_dict *rr;
	uint32_t type, pref;
	size_t	i, keep;

	all = malloc(sizeof(*all) + count * sizeof(all->mx[0]));
	order = malloc(count * sizeof(*order));
	if (all == NULL || order == NULL) {
		out->status = MTASTS_TEMP;
		mtasts_why(out->why, sizeof(out->why), "out of memory");
		free(all);
		free(order);
		return;
	}
	memset(all, 0, sizeof(*all));
	for (i = 0; i < n && all->n < count; i++) {
		if (mtasts_dns_rr(answer, i, &rr, &type, &name) != 0
		    || type != GETDNS_RRTYPE_MX || !mtasts_dns_wire_eq(name, owner))
			continue;
		if (getdns_dict_get_int(rr, "/rdata/preference", &pref)
		    != GETDNS_RETURN_GOOD
		    || getdns_dict_get_bindata(rr, "/rdata/exchange", &exch)
		    != GETDNS_RETURN_GOOD) {
			all->nbad++;
			continue;
		}
		if (exch->size == 1 && exch->data[0] == 0) {
			/* RFC 7505: "0 ." says the domain accepts no mail. */
			all->null_mx = 1;
			continue;
		}
		if (mtasts_dns_wire_host(exch, all->mx[all->n].host,
				  sizeof(all->mx[all->n].host)) != 0) {
			all->nbad++;
			continue;
		}
		all->mx[all->n].pref = pref;
		order[all->n].pref = pref;
		order[all->n].pos = all->n;
		all->n++;
	}
	qsort(order, all->n, sizeof(*order), dns_mx_cmp);
	keep = all->n < MTASTS_DNS_MX_MAX ? all->n : MTASTS_DNS_MX_MAX;
	if ((list = malloc(sizeof(*list) + keep * sizeof(list->mx[0]))) == NULL) {
		out->status = MTASTS_TEMP;
		mtasts_why(out->why, sizeof(out->why), "out of memory");
	} else {
		list->null_mx = all->null_mx;
		list->nbad = all->nbad;
		list->n = keep;
		for (i = 0; i < keep; i++)
			list->mx[i] = all->mx[order[i].pos];
		out->mx = list;
		out->status = MTASTS_OK;
	}
	free(all);
	free(order);
}

/* dns_addrs - A or AAAA records as socket addresses */

static void
dns_addrs(getdns_list *answer, size_t n, size_t count, uint16_t rrtype,
	          getdns_bindata *owner, struct dns_answer *out)
{
	struct sockaddr_storage *ss;
	struct sockaddr_in *sin;
	struct sockaddr_in6 *sin6;
	getdns_bindata *name, *a;
	getdns_dict *rr;
	uint32_t type;
	size_t	i;

	if (count > MTASTS_DNS_ADDRS_MAX)
		count = MTASTS_DNS_ADDRS_MAX;
	if ((out->addrs = calloc(count, sizeof(*out->addrs))) == NULL) {
		out->status = MTASTS_TEMP;
		mtasts_why(out->why, sizeof(out->why), "out of memory");
		return;
	}
	for (i = 0; i < n && out->naddrs < count; i++) {
		if (mtasts_dns_rr(answer, i, &rr, &type, &name) != 0
		    || type != rrtype || !mtasts_dns_wire_eq(name, owner))
			continue;
		ss = out->addrs + out->naddrs;
		if (rrtype == GETDNS_RRTYPE_A
		    && getdns_dict_get_bindata(rr, "/rdata/ipv4_address", &a)
		    == GETDNS_RETURN_GOOD && a->size == 4) {
			sin = (struct sockaddr_in *) ss;
			sin->sin_family = AF_INET;
			memcpy(&sin->sin_addr, a->data, 4);
			out->naddrs++;
		} else if (rrtype == GETDNS_RRTYPE_AAAA
			   && getdns_dict_get_bindata(rr, "/rdata/ipv6_address", &a)
			   == GETDNS_RETURN_GOOD && a->size == 16) {
			sin6 = (struct sockaddr_in6 *) ss;
			sin6->sin6_family = AF_INET6;
			memcpy(&sin6->sin6_addr, a->data, 16);
			out->naddrs++;
		}
	}
	out->status = MTASTS_OK;
}

/* mtasts_dns_reply_head - the checks every reply passes; 0: read on */

int
mtasts_dns_reply_head(getdns_callback_type_t cbtype, getdns_dict *resp,
		      uint16_t rrtype, const char *qname, unsigned timeout_ms,
		      struct dns_answer *out, getdns_list **answer, size_t *n,
		      getdns_bindata **end)
{
	const char *type = mtasts_dns_type_str(rrtype);
	getdns_list *replies;
	getdns_dict *reply;
	getdns_bindata *qwire = NULL;
	uint32_t rcode, status;
	size_t	nreplies;
	char	from[INET6_ADDRSTRLEN], rbuf[24];
	int	asked = -1;

	memset(out, 0, sizeof(*out));
	out->status = MTASTS_TEMP;
	if (cbtype == GETDNS_CALLBACK_TIMEOUT) {
		out->timedout = 1;
		mtasts_dns_timeout_why(out->why, sizeof(out->why), rrtype, qname,
				       timeout_ms);
		return (-1);
	}
	if (cbtype != GETDNS_CALLBACK_COMPLETE || resp == NULL) {
		mtasts_why(out->why, sizeof(out->why), "%s %.*s: lookup failed",
			   type, dns_shown(qname), qname);
		return (-1);
	}
	if (getdns_dict_get_list(resp, "replies_tree", &replies)
	    != GETDNS_RETURN_GOOD
	    || getdns_list_get_length(replies, &nreplies) != GETDNS_RETURN_GOOD
	    || nreplies == 0
	    || getdns_list_get_dict(replies, 0, &reply) != GETDNS_RETURN_GOOD) {
		if (getdns_dict_get_int(resp, "status", &status)
		    == GETDNS_RETURN_GOOD
		    && status == GETDNS_RESPSTATUS_ALL_TIMEOUT) {
			out->timedout = 1;
			mtasts_dns_timeout_why(out->why, sizeof(out->why), rrtype,
					       qname, timeout_ms);
		} else
			mtasts_why(out->why, sizeof(out->why),
				   "%s %.*s: no reply from any name server",
				   type, dns_shown(qname), qname);
		return (-1);
	}
	dns_upstream(reply, from, sizeof(from));
	if (getdns_dict_get_int(reply, "/header/rcode", &rcode)
	    != GETDNS_RETURN_GOOD) {
		mtasts_why(out->why, sizeof(out->why), "%s %.*s: reply from %s"
			   " without header", type, dns_shown(qname), qname, from);
		return (-1);
	}
	/* An error rcode says nothing about names; the other two do. */
	if ((rcode == GETDNS_RCODE_NOERROR || rcode == GETDNS_RCODE_NXDOMAIN)
	    && ((asked = dns_question(reply, rrtype, qname)) != 0
		|| getdns_dict_get_bindata(reply, "/question/qname", &qwire)
		!= GETDNS_RETURN_GOOD)) {
		mtasts_why(out->why, sizeof(out->why), "%s %.*s: reply from %s"
			   " %s", type, dns_shown(qname), qname, from,
			   asked > 0 ? "does not answer the question asked" :
			   "has no question section (malformed)");
		return (-1);
	}
	if (rcode == GETDNS_RCODE_NXDOMAIN) {
		out->status = MTASTS_NONE;
		out->nxdomain = 1;
		mtasts_why(out->why, sizeof(out->why), "%s %.*s: NXDOMAIN",
			   type, dns_shown(qname), qname);
		return (-1);
	}
	if (rcode != GETDNS_RCODE_NOERROR) {
		mtasts_why(out->why, sizeof(out->why), "%s %.*s: %s from %s",
			   type, dns_shown(qname), qname,
			   dns_rcode_str(rcode, rbuf, sizeof(rbuf)), from);
		return (-1);
	}
	if (getdns_dict_get_list(reply, "answer", answer) != GETDNS_RETURN_GOOD
	    || getdns_list_get_length(*answer, n) != GETDNS_RETURN_GOOD)
		*n = 0;
	*end = dns_chain(*answer, *n, qwire, &out->links);
	return (0);
}

/* mtasts_dns_answer_parse - what one getdns response says */

void
mtasts_dns_answer_parse(getdns_callback_type_t cbtype, getdns_dict *resp,
		                uint16_t rrtype, const char *qname,
		                unsigned timeout_ms, struct dns_answer *out)
{
	const char *type = mtasts_dns_type_str(rrtype);
	getdns_list *answer;
	getdns_bindata *end;
	size_t	n, count;

	if (mtasts_dns_reply_head(cbtype, resp, rrtype, qname, timeout_ms, out,
				  &answer, &n, &end) != 0)
		return;
	if ((count = dns_count(answer, n, rrtype, end)) == 0) {
		out->status = MTASTS_NONE;
		if (out->links == 0) {
			mtasts_why(out->why, sizeof(out->why), "%s %.*s: no %s records",
				   type, dns_shown(qname), qname, type);
		} else if (mtasts_dns_wire_host(end, out->target, sizeof(out->target) - 1)
			   != 0) {
			mtasts_why(out->why, sizeof(out->why), "%s %.*s: CNAME to a"
				   " name that is not a host name",
				   type, dns_shown(qname), qname);
		} else {
			/* Room for the final dot was kept above. */
			count = strlen(out->target);
			out->target[count] = '.';
			out->target[count + 1] = 0;
			out->chase = 1;
		}
		return;
	}
	switch (rrtype) {
	case GETDNS_RRTYPE_TXT:
		dns_txt(answer, n, end, qname, out);
		break;
	case GETDNS_RRTYPE_MX:
		dns_mx(answer, n, count, end, out);
		break;
	default:
		dns_addrs(answer, n, count, rrtype, end, out);
		break;
	}
}

/* mtasts_dns_answer_free - release what an answer holds */

void
mtasts_dns_answer_free(struct dns_answer *a)
{
	free(a->mx);
	a->mx = NULL;
	free(a->addrs);
	a->addrs = NULL;
	a->naddrs = 0;
}

/* mtasts_mx_list_free - release an MX list (NULL is fine) */

void
mtasts_mx_list_free(struct mtasts_mx_list *list)
{
	free(list);
}

/* mtasts_addr_list_free - release an address list (NULL is fine) */

void
mtasts_addr_list_free(struct mtasts_addr_list *list)
{
	free(list);
}
