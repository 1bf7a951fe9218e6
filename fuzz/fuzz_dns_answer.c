/*++
 * NAME
 *	fuzz_dns_answer 1
 * SUMMARY
 *	libFuzzer target: what a DNS response says (src/dns_answer.c)
 * DESCRIPTION
 *	mtasts_dns_answer_parse() reads a getdns response dict. getdns
 *	itself is replaced at link time, as Unbound's tests replace the
 *	network: this file defines the six getdns accessors dns_answer.c
 *	calls (nm says so) over a small dict/list tree that the input
 *	describes. So the fuzzer builds responses getdns would build from
 *	any wire message (CNAME chains and loops, hundreds of TXT or MX
 *	RRs, 60 KiB TXT strings, class CH, names that are no host names,
 *	odd rcodes) and also ones it would not (a field missing or of the
 *	wrong type, an address of 5 bytes): the parser must not trust
 *	getdns' output shape either. getdns' wire parser is not ours;
 *	tests/hostile.sh sends it malformed and huge answers for real.
 *
 *	Input, read front to back (missing bytes read as 0):
 *	byte 0	RR type asked: TXT, MX, A, AAAA; bit 2: callback TIMEOUT,
 *		bit 3: ERROR; bit 4: a timeout of 1.5 s instead of 5
 *	byte 1	response shape flags (see build())
 *	byte 2	rcode: NOERROR, or the low 7 bits when bit 7 is set
 *	byte 3	question name (index into the name table, low 3 bits);
 *		bit 6: class CH instead of IN
 *	3 names	length byte and raw bytes each: names 5..7 of the table
 *	RRs	until the input ends (see add_rr())
 *
 *	Besides memory errors it aborts when: the status is PERM or out of
 *	range; the reason is not printable ASCII; a chase target is not an
 *	absolute host name; an OK TXT answer has an id that is no sts-id or
 *	that no TXT string given for it contains; an MX list is longer than
 *	MTASTS_DNS_MX_MAX, unsorted or names a non-host; more than
 *	MTASTS_DNS_ADDRS_MAX addresses or one of the wrong family; more
 *	CNAME links than MTASTS_DNS_CNAME_MAX + 1 were followed; anything
 *	but TEMP came from a reply whose question is not the one asked
 *	(_mta-sts.example.com, TXT/MX/A/AAAA as asked, class IN).
 *	A second mode (byte 0 == 0xff) checks mtasts_dns_name_check().
 *	Run by tests/fuzz-run.sh and make fuzz.
 *--*/
#include "config.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <getdns/getdns.h>

#include <mtasts/limits.h>
#include <mtasts/status.h>

#include "../src/dns_int.h"

/* Room for every node one input can make; past it, add_rr() stops. */
#define FUZZ_NODES	4096
#define FUZZ_ITEMS	8		/* keys of one dict */
#define FUZZ_RRS	1024		/* well past every per-answer limit */
#define FUZZ_STRINGS	8		/* character-strings of one TXT RR */
/* A filler string this long, repeated, passes MTASTS_TXT_MAX cheaply. */
#define FUZZ_FILL	2048
#define FUZZ_NAMES	8

enum kind {
	K_NONE, K_INT, K_BIN, K_DICT, K_LIST
};

struct val {
	enum kind kind;
	uint32_t i;
	getdns_bindata b;
	struct getdns_dict *d;
	struct getdns_list *l;
};

struct getdns_dict {
	size_t	n;
	const char *name[FUZZ_ITEMS];
	struct val v[FUZZ_ITEMS];
};

struct getdns_list {
	size_t	n, max;
	struct val *v;
};

/* Arena: everything one input builds, reset per input. */
static struct getdns_dict dicts[FUZZ_NODES];
static size_t ndicts;
static struct getdns_list lists[FUZZ_NODES];
static size_t nlists;
static struct val listvals[FUZZ_NODES * 2];
static size_t nlistvals;
static uint8_t filler[FUZZ_FILL];

/* The input reader. */
static const uint8_t *in;
static size_t inlen, inoff;

/* Names RRs may be owned by or point at; see fill_names(). */
static getdns_bindata names[FUZZ_NAMES];
static uint8_t rawnames[3][256];

/* Each class IN TXT RR's joined strings (cut), for the id oracle. */
#define FUZZ_SEEN	64
struct txtseen {
	size_t	len;
	char	text[MTASTS_TXT_MAX + 1];
};
static struct txtseen seen[FUZZ_SEEN];
static size_t nseen;
static int seen_over;			/* more RRs than seen[] holds */
static int question_ours;		/* the reply repeats our question */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* byte - next input byte, 0 past the end */

static uint8_t
byte(void)
{
	return (inoff < inlen ? in[inoff++] : 0);
}

/* new_dict, new_list - arena nodes; NULL when the arena is full */

static struct getdns_dict *
new_dict(void)
{
	if (ndicts == FUZZ_NODES)
		return (NULL);
	memset(&dicts[ndicts], 0, sizeof(dicts[0]));
	return (&dicts[ndicts++]);
}

static struct getdns_list *
new_list(size_t max)
{
	struct getdns_list *l;

	if (nlists == FUZZ_NODES || max > sizeof(listvals) / sizeof(listvals[0])
	    - nlistvals)
		return (NULL);
	l = &lists[nlists++];
	l->n = 0;
	l->max = max;
	l->v = listvals + nlistvals;
	nlistvals += max;
	return (l);
}

/* set - add or replace a key of a dict */

static struct val *
set(struct getdns_dict *d, const char *name, enum kind kind)
{
	size_t	i;

	for (i = 0; i < d->n && strcmp(d->name[i], name) != 0; i++)
		;
	if (i == FUZZ_ITEMS)
		abort();			/* a bug in this file */
	if (i == d->n)
		d->n++;
	d->name[i] = name;
	memset(&d->v[i], 0, sizeof(d->v[i]));
	d->v[i].kind = kind;
	return (&d->v[i]);
}

/* push - append to a list; NULL when full */

static struct val *
push(struct getdns_list *l, enum kind kind)
{
	struct val *v;

	if (l == NULL || l->n == l->max)
		return (NULL);
	v = &l->v[l->n++];
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	return (v);
}

/* find - one key of a dict, or a "/a/b" path through nested dicts */

static const struct val *
find(const struct getdns_dict *d, const char *name)
{
	const char *p = name, *e;
	size_t	i, len;

	if (*p == '/')
		p++;
	for (;;) {
		if (d == NULL)
			return (NULL);
		e = strchr(p, '/');
		len = e ? (size_t) (e - p) : strlen(p);
		for (i = 0; i < d->n; i++)
			if (strlen(d->name[i]) == len
			    && memcmp(d->name[i], p, len) == 0)
				break;
		if (i == d->n)
			return (NULL);
		if (e == NULL || name[0] != '/')
			return (&d->v[i]);
		if (d->v[i].kind != K_DICT)
			return (NULL);
		d = d->v[i].d;
		p = e + 1;
	}
}

/* getdns_dict_get_list - the fake: same contract as getdns.h */

getdns_return_t
getdns_dict_get_list(const getdns_dict *dict, const char *name,
		     getdns_list **answer)
{
	const struct val *v = find(dict, name);

	if (v == NULL)
		return (GETDNS_RETURN_NO_SUCH_DICT_NAME);
	if (v->kind != K_LIST)
		return (GETDNS_RETURN_WRONG_TYPE_REQUESTED);
	*answer = v->l;
	return (GETDNS_RETURN_GOOD);
}

/* getdns_dict_get_bindata - the fake */

getdns_return_t
getdns_dict_get_bindata(const getdns_dict *dict, const char *name,
			getdns_bindata **answer)
{
	const struct val *v = find(dict, name);

	if (v == NULL)
		return (GETDNS_RETURN_NO_SUCH_DICT_NAME);
	if (v->kind != K_BIN)
		return (GETDNS_RETURN_WRONG_TYPE_REQUESTED);
	*answer = (getdns_bindata *) &v->b;
	return (GETDNS_RETURN_GOOD);
}

/* getdns_dict_get_int - the fake */

getdns_return_t
getdns_dict_get_int(const getdns_dict *dict, const char *name,
		    uint32_t *answer)
{
	const struct val *v = find(dict, name);

	if (v == NULL)
		return (GETDNS_RETURN_NO_SUCH_DICT_NAME);
	if (v->kind != K_INT)
		return (GETDNS_RETURN_WRONG_TYPE_REQUESTED);
	*answer = v->i;
	return (GETDNS_RETURN_GOOD);
}

/* getdns_list_get_length - the fake */

getdns_return_t
getdns_list_get_length(const getdns_list *list, size_t *answer)
{
	if (list == NULL)
		return (GETDNS_RETURN_NO_SUCH_LIST_ITEM);
	*answer = list->n;
	return (GETDNS_RETURN_GOOD);
}

/* getdns_list_get_dict - the fake */

getdns_return_t
getdns_list_get_dict(const getdns_list *list, size_t index,
		     getdns_dict **answer)
{
	if (list == NULL || index >= list->n)
		return (GETDNS_RETURN_NO_SUCH_LIST_ITEM);
	if (list->v[index].kind != K_DICT)
		return (GETDNS_RETURN_WRONG_TYPE_REQUESTED);
	*answer = list->v[index].d;
	return (GETDNS_RETURN_GOOD);
}

/* getdns_list_get_bindata - the fake */

getdns_return_t
getdns_list_get_bindata(const getdns_list *list, size_t index,
			getdns_bindata **answer)
{
	if (list == NULL || index >= list->n)
		return (GETDNS_RETURN_NO_SUCH_LIST_ITEM);
	if (list->v[index].kind != K_BIN)
		return (GETDNS_RETURN_WRONG_TYPE_REQUESTED);
	*answer = &list->v[index].b;
	return (GETDNS_RETURN_GOOD);
}

/* wire - a static wire-format name */

#define WIRE(s)	{ sizeof(s) - 1, (uint8_t *) (s) }

/* fill_names - the name table: fixed names, then three from the input */

static void
fill_names(void)
{
	static const getdns_bindata fixed[] = {
		WIRE("\x08_mta-sts\x07" "example\x03" "com\x00"),
		WIRE("\x08_MTA-STS\x07" "EXAMPLE\x03" "COM\x00"),
		WIRE("\x03mx1\x07" "example\x03" "com\x00"),
		WIRE("\x06target\x07" "example\x03" "net\x00"),
		WIRE("\x00"),
	};
	size_t	i, j, len;

	for (i = 0; i < 5; i++)
		names[i] = fixed[i];
	for (i = 0; i < 3; i++) {
		len = byte();
		for (j = 0; j < len; j++)
			rawnames[i][j] = byte();
		names[5 + i].size = len;
		names[5 + i].data = rawnames[i];
	}
}

/* add_bin - a bindata value */

static void
add_bin(struct val *v, const uint8_t *p, size_t len)
{
	if (v == NULL)
		return;
	v->b.size = len;
	v->b.data = (uint8_t *) p;
}

/* add_txt - the txt_strings list of one TXT RR */

static struct getdns_list *
add_txt(int oracle)
{
	static const char sts[] = "v=STSv1; id=20240101T000000;";
	struct getdns_list *strs;
	size_t	n = byte() % (FUZZ_STRINGS + 1), j, len;
	const uint8_t *p;
	uint8_t	k;

	struct txtseen *ts = NULL;

	if ((strs = new_list(n)) == NULL)
		return (NULL);
	if (oracle && nseen == FUZZ_SEEN)
		seen_over = 1;
	else if (oracle) {
		ts = &seen[nseen++];
		ts->len = 0;
	}
	for (j = 0; j < n; j++) {
		k = byte();
		switch (k & 3) {
		case 0:				/* raw bytes from the input */
			len = byte();
			if (len > inlen - inoff)
				len = inlen - inoff;
			p = in + inoff;
			inoff += len;
			break;
		case 1:				/* a valid record */
			p = (const uint8_t *) sts;
			len = sizeof(sts) - 1;
			break;
		case 2:				/* "v=STSv1" only */
			p = (const uint8_t *) sts;
			len = 7;
			break;
		default:			/* filler, up to 2 KiB */
			p = filler;
			len = (size_t) (k >> 2) * (FUZZ_FILL / 64);
			break;
		}
		add_bin(push(strs, K_BIN), p, len);
		if (ts != NULL) {
			if (len > sizeof(ts->text) - ts->len)
				len = sizeof(ts->text) - ts->len;
			memcpy(ts->text + ts->len, p, len);
			ts->len += len;
		}
	}
	return (strs);
}

/* add_rr - one RR, possibly repeated, into the answer list */

static void
add_rr(struct getdns_list *answer)
{
	static const uint32_t types[] = {
		GETDNS_RRTYPE_CNAME, GETDNS_RRTYPE_TXT, GETDNS_RRTYPE_MX,
		GETDNS_RRTYPE_A, GETDNS_RRTYPE_AAAA, GETDNS_RRTYPE_NS,
	};
	static uint8_t addr[16];
	struct getdns_dict *rr, *rdata;
	struct getdns_list *strs = NULL;
	uint8_t	t = byte(), owner = byte(), shape = byte(), rep = byte();
	uint32_t type = types[(t & 0x0f) % 6];
	size_t	copies = rep >= 0xf0 ? (size_t) (rep - 0xef) * 20 : 1, c, alen;
	uint8_t	target = byte(), hi = byte(), lo = byte();

	alen = (shape & 0x40) ? (size_t) (hi % 17)
		: type == GETDNS_RRTYPE_A ? 4 : 16;
	addr[0] = hi;
	addr[1] = lo;
	for (c = 0; c < copies; c++) {
		if ((rr = new_dict()) == NULL || (rdata = new_dict()) == NULL)
			return;
		/* A shape bit each drops a field or gives it a wrong type. */
		if (!(shape & 0x01))
			set(rr, "type", K_INT)->i = type;
		if (!(shape & 0x02))
			set(rr, "class", K_INT)->i = (t & 0x80) ? GETDNS_RRCLASS_CH
				: GETDNS_RRCLASS_IN;
		if (!(shape & 0x04))
			add_bin(set(rr, "name", K_BIN), names[owner % FUZZ_NAMES].data,
				names[owner % FUZZ_NAMES].size);
		else
			set(rr, "name", K_INT)->i = 1;
		if (!(shape & 0x08))
			set(rr, "rdata", K_DICT)->d = rdata;
		set(rr, "ttl", K_INT)->i = 300;
		switch (type) {
		case GETDNS_RRTYPE_CNAME:
			add_bin(set(rdata, "cname", K_BIN), names[target % FUZZ_NAMES].data,
				names[target % FUZZ_NAMES].size);
			break;
		case GETDNS_RRTYPE_TXT:
			/* Copies share the first one's strings. */
			if (c == 0)
				strs = add_txt(!(t & 0x80));
			if (strs != NULL)
				set(rdata, "txt_strings", K_LIST)->l = strs;
			break;
		case GETDNS_RRTYPE_MX:
			set(rdata, "preference", (shape & 0x10) ? K_BIN : K_INT)->i =
				(uint32_t) hi << 8 | lo;
			add_bin(set(rdata, "exchange", K_BIN),
				names[(target + c) % FUZZ_NAMES].data,
				names[(target + c) % FUZZ_NAMES].size);
			break;
		case GETDNS_RRTYPE_A:
			add_bin(set(rdata, "ipv4_address", K_BIN), addr, alen);
			break;
		case GETDNS_RRTYPE_AAAA:
			add_bin(set(rdata, "ipv6_address", K_BIN), addr, alen);
			break;
		default:
			add_bin(set(rdata, "nsdname", K_BIN), names[2].data, names[2].size);
			break;
		}
		if (push(answer, K_DICT) == NULL)
			return;
		answer->v[answer->n - 1].d = rr;
	}
}

/* build - the response dict the input describes, and how it is asked */

static struct getdns_dict *
build(uint16_t *rrtype, getdns_callback_type_t *cbtype, unsigned *ms)
{
	static const uint16_t asked[] = {
		GETDNS_RRTYPE_TXT, GETDNS_RRTYPE_MX, GETDNS_RRTYPE_A,
		GETDNS_RRTYPE_AAAA,
	};
	static uint8_t from4[4] = {127, 0, 0, 53}, from6[16] = {[15] = 1};
	struct getdns_dict *resp, *reply, *header, *question;
	struct getdns_list *replies, *answer;
	uint8_t	t = byte(), f = byte(), r = byte(), q = byte();

	*rrtype = asked[t & 3];
	*ms = (t & 0x10) ? 1500 : 5000;
	*cbtype = (t & 4) ? GETDNS_CALLBACK_TIMEOUT
		: (t & 8) ? GETDNS_CALLBACK_ERROR : GETDNS_CALLBACK_COMPLETE;
	fill_names();
	if ((resp = new_dict()) == NULL || (reply = new_dict()) == NULL
	    || (header = new_dict()) == NULL || (question = new_dict()) == NULL
	    || (replies = new_list(1)) == NULL
	    || (answer = new_list(FUZZ_RRS)) == NULL)
		abort();
	if (f & 0x08)
		set(resp, "status", K_INT)->i = GETDNS_RESPSTATUS_ALL_TIMEOUT;
	else
		set(resp, "status", K_INT)->i = GETDNS_RESPSTATUS_GOOD;
	if (f & 0x02)
		add_bin(set(resp, "replies_tree", K_BIN), from4, 4);
	else if (!(f & 0x01))
		set(resp, "replies_tree", K_LIST)->l = replies;
	if (!(f & 0x04))
		push(replies, K_DICT)->d = reply;
	if (!(f & 0x10)) {
		set(header, "rcode", K_INT)->i = (r & 0x80) ? r & 0x7f
			: GETDNS_RCODE_NOERROR;
		set(reply, "header", K_DICT)->d = header;
	}
	if (!(f & 0x20)) {
		add_bin(set(question, "qname", K_BIN), names[q % FUZZ_NAMES].data,
			names[q % FUZZ_NAMES].size);
		set(question, "qtype", K_INT)->i = *rrtype;
		set(question, "qclass", K_INT)->i = (q & 0x40)
			? GETDNS_RRCLASS_CH : GETDNS_RRCLASS_IN;
		set(reply, "question", K_DICT)->d = question;
		question_ours = !(q & 0x40)
			&& names[q % FUZZ_NAMES].size == names[0].size
			&& strncasecmp((const char *) names[q % FUZZ_NAMES].data,
				       (const char *) names[0].data,
				       names[0].size) == 0;
	}
	if (!(f & 0x40))
		set(reply, "answer", K_LIST)->l = answer;
	if (f & 0x80)
		add_bin(set(reply, "answer_ipv4_address", K_BIN), from4,
			(q & 0x80) ? 3 : 4);
	else
		add_bin(set(reply, "answer_ipv6_address", K_BIN), from6, 16);
	while (inoff < inlen && answer->n < FUZZ_RRS)
		add_rr(answer);
	return (resp);
}

/* check_text - NUL within max, printable ASCII */

static void
check_text(const char *s, size_t max)
{
	size_t	i, n = strnlen(s, max);

	if (n == max)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char) s[i] < 0x20 || (unsigned char) s[i] > 0x7e)
			abort();
}

/* check_host - host name (lower case unless anycase), no final dot */

static void
check_host(const char *s, size_t len, int anycase)
{
	size_t	i, label = 0;

	if (len == 0 || len > MTASTS_DOMAIN_MAX)
		abort();
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0)
				abort();
			label = 0;
		} else if (((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')
			     || (anycase && s[i] >= 'A' && s[i] <= 'Z')
			    || s[i] == '-' || s[i] == '_') && ++label <= MTASTS_LABEL_MAX)
			continue;
		else
			abort();
	}
	if (label == 0)
		abort();
}

/* check_txt - an OK TXT answer: an sts-id that a given record has */

static void
check_txt(const struct dns_answer *a)
{
	char	needle[MTASTS_ID_MAX + 4];
	size_t	i, n = strnlen(a->txt.id, sizeof(a->txt.id));

	if (n == 0 || n > MTASTS_ID_MAX)
		abort();
	for (i = 0; i < n; i++)
		if (!((a->txt.id[i] >= 'a' && a->txt.id[i] <= 'z')
		      || (a->txt.id[i] >= 'A' && a->txt.id[i] <= 'Z')
		      || (a->txt.id[i] >= '0' && a->txt.id[i] <= '9')))
			abort();
	if (seen_over)
		return;
	memcpy(needle, "id=", 3);
	memcpy(needle + 3, a->txt.id, n);
	for (i = 0; i < nseen; i++)
		if (seen[i].len >= 7 && memcmp(seen[i].text, "v=STSv1", 7) == 0
		    && memmem(seen[i].text, seen[i].len, needle, n + 3) != NULL)
			return;
	abort();
}

/* check - the promises of dns_int.h and the limits */

static void
check(const struct dns_answer *a, uint16_t rrtype)
{
	size_t	i, len;

	check_text(a->why, sizeof(a->why));
	if (a->status != MTASTS_OK && a->status != MTASTS_NONE
	    && a->status != MTASTS_TEMP)
		abort();
	if (a->links > MTASTS_DNS_CNAME_MAX + 1)
		abort();
	if (a->chase) {
		len = strnlen(a->target, sizeof(a->target));
		if (a->status != MTASTS_NONE || len < 2 || a->target[len - 1] != '.')
			abort();
		check_host(a->target, len - 1, 0);
	}
	if (a->status != MTASTS_OK) {
		if (a->mx != NULL || a->naddrs != 0)
			abort();
		return;
	}
	switch (rrtype) {
	case GETDNS_RRTYPE_TXT:
		check_txt(a);
		break;
	case GETDNS_RRTYPE_MX:
		if (a->mx == NULL || a->mx->n > MTASTS_DNS_MX_MAX)
			abort();
		for (i = 0; i < a->mx->n; i++) {
			check_host(a->mx->mx[i].host,
				   strnlen(a->mx->mx[i].host, sizeof(a->mx->mx[i].host)), 0);
			if (i > 0 && a->mx->mx[i].pref < a->mx->mx[i - 1].pref)
				abort();
		}
		break;
	default:
		if (a->naddrs > MTASTS_DNS_ADDRS_MAX)
			abort();
		for (i = 0; i < a->naddrs; i++)
			if (a->addrs[i].ss_family != (rrtype == GETDNS_RRTYPE_A
						      ? AF_INET : AF_INET6))
				abort();
		break;
	}
}

/* name_mode - mtasts_dns_name_check() on the rest of the input */

static void
name_mode(const uint8_t *data, size_t size)
{
	char	name[MTASTS_KEY_MAX + 2], out[DNS_QNAME_MAX + 16];
	char	why[MTASTS_REASON_MAX];
	const char *prefix = (size > 0 && (data[0] & 1)) ? "_mta-sts." : "";
	size_t	n = size > 1 ? size - 1 : 0, plen = strlen(prefix), len;

	if (n > sizeof(name) - 1)
		n = sizeof(name) - 1;
	if (n > 0)
		memcpy(name, data + 1, n);
	name[n] = 0;
	if (mtasts_dns_name_check(prefix, name, out, sizeof(out), why,
				  sizeof(why)) != MTASTS_OK) {
		check_text(why, sizeof(why));
		return;
	}
	len = strlen(out);
	if (len < plen + 2 || out[len - 1] != '.' || memcmp(out, prefix, plen) != 0)
		abort();
	/* Query names keep the caller's case: DNS ignores it. */
	check_host(out, len - 1, 1);
}

/* LLVMFuzzerTestOneInput - one input */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct getdns_dict *resp;
	struct dns_answer a;
	getdns_callback_type_t cbtype;
	uint16_t rrtype;
	unsigned ms;

	if (size > 0 && data[0] == 0xff) {
		name_mode(data + 1, size - 1);
		return (0);
	}
	memset(filler, 'a', sizeof(filler));
	ndicts = nlists = nlistvals = nseen = 0;
	seen_over = 0;
	in = data;
	inlen = size;
	inoff = 0;
	question_ours = 0;
	resp = build(&rrtype, &cbtype, &ms);
	mtasts_dns_answer_parse(cbtype, resp, rrtype,
				"_mta-sts.example.com.", ms, &a);
	if (a.status != MTASTS_TEMP && !question_ours)
		abort();
	check(&a, rrtype);
	mtasts_dns_answer_free(&a);
	return (0);
}
