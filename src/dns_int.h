/*++
 * NAME
 *	dns_int 3h
 * SUMMARY
 *	private interface of src/dns*.c
 * SYNOPSIS
 *	#include "dns_int.h"
 * DESCRIPTION
 *	mtasts_dns_answer_parse() turns one getdns response into what one
 *	query (one name, one RR type) says, in a struct dns_answer: the
 *	status, and for MTASTS_OK the data of the type. It also reports a
 *	CNAME chain that ended without data, which the caller asks for
 *	again (chase and target). The caller owns the answer and releases
 *	what it holds with mtasts_dns_answer_free(); the getdns response
 *	stays the caller's.
 *
 *	mtasts_dns_name_check() accepts a name the way every lookup does
 *	(ASCII host name, one trailing dot allowed) and writes the absolute
 *	form with prefix prepended into out (outlen bytes): the name getdns
 *	is asked for. Returns MTASTS_OK or MTASTS_PERM with why.
 *
 *	mtasts_dns_reply_head() is the part of that every reader of a reply
 *	shares (src/dns_txt.c too): timeouts, rcode, the question that must
 *	be the one asked (RFC 5452 9.1), the CNAME chain from it. It returns
 *	0 with the answer section, its length and the end of the chain, or
 *	-1 with out's status and why set (NONE for NXDOMAIN). The RR and
 *	wire-name helpers it uses are shared with it: mtasts_dns_rr() (i-th
 *	RR of class IN), mtasts_dns_wire_eq() (same name, case ignored),
 *	mtasts_dns_wire_host() (wire name to a lower-case host name, -1 if
 *	it is none) and mtasts_dns_wire_name() (an absolute host name to
 *	wire form) live in src/dns_name.c with mtasts_dns_name_check().
 *
 *	mtasts_dns_timeout_why() formats "TYPE NAME: timeout after N s".
 *	mtasts_dns_type_str() names an RR type for reasons.
 *
 *	struct dns_loop and mtasts_dns_loop_init() are the getdns event
 *	loop adapter (src/dns_loop.c).
 *
 *	mtasts_dns_submit() starts a lookup of any kind on any handle (the
 *	public _async functions add the check for a caller's loop), and
 *	mtasts_dns_own_base() returns the private event base of a handle made
 *	for blocking use, or NULL: src/dns_api.c runs lookups on it.
 *	Not installed; not part of the library's API.
 *--*/
#ifndef MTASTS_DNS_INT_H
#define MTASTS_DNS_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <getdns/getdns.h>
#include <getdns/getdns_extra.h>

#include <mtasts/dns.h>

/* Absolute name in text: a host name plus the final dot and a NUL. */
#define DNS_QNAME_MAX	(MTASTS_DOMAIN_MAX + 2)

struct dns_answer {
	enum mtasts_status status;
	int	nxdomain;		/* NONE because of NXDOMAIN */
	int	timedout;		/* TEMP because no server answered */
	int	chase;			/* ask again for target */
	char	target[DNS_QNAME_MAX];	/* absolute, when chase */
	int	links;			/* CNAME links followed in this reply */
	char	why[MTASTS_REASON_MAX];
	struct mtasts_txt txt;		/* TXT */
	struct mtasts_mx_list *mx;	/* MX */
	size_t	naddrs;			/* A, AAAA */
	struct sockaddr_storage *addrs;
};

struct event_base;

struct dns_loop {
	getdns_eventloop loop;		/* first: getdns hands it back to us */
	struct event_base *base;
};

void	mtasts_dns_loop_init(struct dns_loop *, struct event_base *);

enum mtasts_status mtasts_dns_submit(struct mtasts_dns *,
		enum mtasts_dns_kind, const char *name, int family,
		unsigned timeout_ms, mtasts_dns_cb, void *arg,
		struct mtasts_dns_query **qp, char *why, size_t whylen);
struct event_base *mtasts_dns_own_base(const struct mtasts_dns *);

void	mtasts_dns_answer_parse(getdns_callback_type_t, getdns_dict *resp,
		uint16_t rrtype, const char *qname, unsigned timeout_ms,
		struct dns_answer *out);
int	mtasts_dns_reply_head(getdns_callback_type_t, getdns_dict *resp,
		uint16_t rrtype, const char *qname, unsigned timeout_ms,
		struct dns_answer *out, getdns_list **answer, size_t *n,
		getdns_bindata **end);
int	mtasts_dns_rr(getdns_list *section, size_t i, getdns_dict **rr,
		uint32_t *type, getdns_bindata **owner);
int	mtasts_dns_wire_eq(const getdns_bindata *, const getdns_bindata *);
int	mtasts_dns_wire_name(const char *name, unsigned char *out,
		size_t outlen, size_t *outsize);
int	mtasts_dns_wire_host(const getdns_bindata *, char *out, size_t outlen);
void	mtasts_dns_answer_free(struct dns_answer *);
/* mtasts_dns_servers - set cfg's resolver.servers as ctx's upstreams */
enum mtasts_status mtasts_dns_servers(getdns_context *ctx,
		const struct mtasts_config *cfg, char *why, size_t whylen);
enum mtasts_status mtasts_dns_name_check(const char *prefix, const char *name,
		char *out, size_t outlen, char *why, size_t whylen);
void	mtasts_dns_timeout_why(char *why, size_t whylen, uint16_t rrtype,
		const char *qname, unsigned timeout_ms);
const char *mtasts_dns_type_str(uint16_t rrtype);

#endif
