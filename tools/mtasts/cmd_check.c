/*++
 * NAME
 *	cmd_check 3
 * SUMMARY
 *	mtasts check: the admin's MTA-STS report for one domain
 * SYNOPSIS
 *	mtasts [-c CONFIG] check [--json] DOMAIN
 * DESCRIPTION
 *	Looks everything up afresh (the cache is neither read nor written):
 *	the TXT record, the policy over HTTPS, the MX hosts, and for each MX
 *	address whether the host matches the policy, offers STARTTLS, which
 *	TLS version it speaks and whether its certificate is valid for its
 *	name. Ends with a verdict line. Exit status: 0 everything a sender
 *	needs works, 1 problems found (the verdict says which), 2 no MTA-STS
 *	policy, 3 a record but no valid policy, 75 DNS failing.
 *--*/
#include "config.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <mtasts/buf.h>
#include <mtasts/dns.h>
#include <mtasts/domain.h>
#include <mtasts/fetch.h>
#include <mtasts/match.h>
#include <mtasts/policy.h>
#include <mtasts/smtptls.h>

#include "cmd.h"

/* Addresses checked per MX host: enough to see a bad one among good ones. */
#define CHECK_ADDRS_PER_MX	4

struct check {
	int	json;
	struct mtasts_buf out;		/* JSON being built */
	int	good;			/* MX addresses that pass everything */
	int	bad;			/* MX addresses that would be refused */
};

/* addr_str - printable address */

static void
addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void *a = ss->ss_family == AF_INET6 ?
	    (const void *) &((const struct sockaddr_in6 *) ss)->sin6_addr :
	    (const void *) &((const struct sockaddr_in *) ss)->sin_addr;

	if (inet_ntop(ss->ss_family, a, buf, (socklen_t) len) == NULL)
		(void) snprintf(buf, len, "?");
}

/* check_mx - report on one MX host */

static void
check_mx(struct check *c, struct mtasts_dns *dns, const struct mtasts_fetch_ctx *fx,
	 const struct mtasts_policy *pol, const struct mtasts_mx *mx,
	 const char *helo, int first)
{
	struct mtasts_addr_list *addrs = NULL;
	char	why[MTASTS_REASON_MAX], abuf[64];
	int	matches = pol && mtasts_policy_match(pol, mx->host);
	size_t	i;

	if (c->json) {
		mtasts_buf_printf(&c->out, "%s{\"pref\":%u,\"host\":", first ? "" : ",", mx->pref);
		mtasts_buf_json_str(&c->out, mx->host);
		mtasts_buf_printf(&c->out, ",\"matches\":%s,\"addresses\":[", matches ? "true" : "false");
	} else {
		printf("  MX %u %s: %s the policy\n", mx->pref, mx->host,
		       matches ? "matches" : "does NOT match");
	}
	if (!matches)
		c->bad++;
	if (mtasts_dns_addrs(dns, mx->host, AF_UNSPEC, MTASTS_DNS_TIMEOUT_DEFAULT, &addrs,
			     why, sizeof(why)) != MTASTS_OK) {
		if (!c->json)
			printf("    no address: %s\n", why);
		else
			mtasts_buf_puts(&c->out, "]");
		if (c->json) {
			mtasts_buf_puts(&c->out, ",\"error\":");
			mtasts_buf_json_str(&c->out, why);
			mtasts_buf_puts(&c->out, "}");
		}
		if (matches)
			c->bad++;
		return;
	}
	for (i = 0; i < addrs->n && i < CHECK_ADDRS_PER_MX; i++) {
		struct mtasts_smtptls_report rep;
		enum mtasts_status st;

		memset(&rep, 0, sizeof(rep));
		addr_str(&addrs->addr[i], abuf, sizeof(abuf));
		st = mtasts_smtptls_check(fx, mx->host, helo, &addrs->addr[i], 0, &rep, why, sizeof(why));
		if (st == MTASTS_OK && rep.result_type == NULL && matches)
			c->good++;
		else if (matches)
			c->bad++;
		if (c->json) {
			mtasts_buf_printf(&c->out, "%s{\"addr\":", i ? "," : "");
			mtasts_buf_json_str(&c->out, abuf);
			mtasts_buf_printf(&c->out, ",\"reachable\":%s,\"starttls\":%s,\"tls_version\":",
					  st == MTASTS_OK ? "true" : "false", rep.starttls ? "true" : "false");
			if (rep.tls_version[0])
				mtasts_buf_json_str(&c->out, rep.tls_version);
			else
				mtasts_buf_puts(&c->out, "null");
			mtasts_buf_printf(&c->out, ",\"cert_valid\":%s,\"result_type\":",
					  rep.cert_valid ? "true" : "false");
			if (rep.result_type)
				mtasts_buf_json_str(&c->out, rep.result_type);
			else
				mtasts_buf_puts(&c->out, "null");
			mtasts_buf_puts(&c->out, ",\"reason\":");
			mtasts_buf_json_str(&c->out, st == MTASTS_OK ? rep.reason : why);
			mtasts_buf_puts(&c->out, "}");
		} else if (st != MTASTS_OK) {
			printf("    %s: no SMTP session: %s\n", abuf, why);
		} else {
			printf("    %s: STARTTLS %s", abuf, rep.starttls ? "offered" : "NOT offered");
			if (rep.tls)
				printf(", %s %s", rep.tls_version, rep.cipher);
			if (rep.starttls)
				printf(", certificate %s", rep.cert_valid ? "valid for the name" : "INVALID");
			if (rep.result_type)
				printf(" (%s: %s)", rep.result_type, rep.reason);
			printf("\n");
		}
	}
	mtasts_addr_list_free(addrs);
	if (c->json)
		mtasts_buf_puts(&c->out, "]}");
}

/* finish - print the verdict (and the JSON) and return the exit status */

static int
finish(struct check *c, const char *verdict, const char *summary, int ret)
{
	if (c->json) {
		mtasts_buf_puts(&c->out, ",\"verdict\":");
		mtasts_buf_json_str(&c->out, verdict);
		mtasts_buf_puts(&c->out, ",\"summary\":");
		mtasts_buf_json_str(&c->out, summary);
		mtasts_buf_puts(&c->out, "}\n");
		if (c->out.oom) {
			fprintf(stderr, "mtasts: out of memory\n");
			ret = EX_OSERR;
		} else {
			fputs(c->out.data, stdout);
		}
	} else {
		printf("verdict: %s: %s\n", verdict, summary);
	}
	mtasts_buf_free(&c->out);
	return (ret);
}

/* json_kv - ,"key":"value" or null */

static void
json_kv(struct check *c, const char *key, const char *val)
{
	mtasts_buf_printf(&c->out, ",\"%s\":", key);
	if (val)
		mtasts_buf_json_str(&c->out, val);
	else
		mtasts_buf_puts(&c->out, "null");
}

/* cmd_check - the report */

int
cmd_check(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0}
	};
	const struct mtasts_config *cfg;
	struct check c;
	struct mtasts_dns *dns = NULL;
	struct mtasts_fetch_ctx *fx = NULL;
	struct mtasts_txt txt;
	struct mtasts_mx_list *mxl = NULL;
	struct mtasts_addr_list *addrs = NULL;
	struct mtasts_policy *pol = NULL;
	char	domain[MTASTS_DOMAIN_MAX + 1], host[MTASTS_DOMAIN_MAX + 16];
	char	why[MTASTS_REASON_MAX * 2], summary[MTASTS_REASON_MAX * 4], helo[256];
	char   *body = NULL;
	size_t	len = 0, i;
	const char *rt = NULL;
	enum mtasts_status st;
	int	ch, ret;

	memset(&c, 0, sizeof(c));
	while ((ch = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (ch != 'j') {
			fprintf(stderr, "usage: mtasts check [--json] DOMAIN\n");
			return (EX_USAGE);
		}
		c.json = 1;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: mtasts check [--json] DOMAIN\n");
		return (EX_USAGE);
	}
	if (mtasts_key_normalize(argv[optind], domain, sizeof(domain), why, sizeof(why)) != MTASTS_OK) {
		fprintf(stderr, "mtasts: %s: %s\n", argv[optind], why);
		return (EX_DATAERR);
	}
	if ((cfg = cmd_config(ctx)) == NULL)
		return (EX_CONFIG);
	if ((dns = mtasts_dns_new(cfg, NULL, why, sizeof(why))) == NULL
	    || (fx = mtasts_fetch_ctx_new_config(cfg, why, sizeof(why))) == NULL) {
		fprintf(stderr, "mtasts: %s\n", why);
		mtasts_dns_free(dns);
		return (EX_TEMPFAIL);
	}
	if (gethostname(helo, sizeof(helo)) != 0 || !mtasts_domain_valid(helo))
		(void) snprintf(helo, sizeof(helo), "localhost");
	if (c.json) {
		mtasts_buf_puts(&c.out, "{\"domain\":");
		mtasts_buf_json_str(&c.out, domain);
	} else {
		printf("MTA-STS check of %s\n", domain);
	}

	/* 1. The TXT record. */
	st = mtasts_dns_sts_txt(dns, domain, MTASTS_DNS_TIMEOUT_DEFAULT, &txt, why, sizeof(why));
	if (c.json) {
		mtasts_buf_puts(&c.out, ",\"txt\":{\"status\":");
		mtasts_buf_json_str(&c.out, mtasts_status_str(st));
		json_kv(&c, "id", st == MTASTS_OK ? txt.id : NULL);
		json_kv(&c, "reason", st == MTASTS_OK ? "" : why);
		mtasts_buf_puts(&c.out, "}");
	} else if (st == MTASTS_OK) {
		printf("TXT _mta-sts.%s: v=STSv1, id %s\n", domain, txt.id);
	} else {
		printf("TXT _mta-sts.%s: %s\n", domain, why);
	}
	if (st == MTASTS_TEMP) {
		ret = finish(&c, "temp", "DNS is failing: senders deliver as without MTA-STS unless a policy is cached", EX_TEMPFAIL);
		goto out;
	}
	if (st != MTASTS_OK) {
		ret = finish(&c, "none", "no MTA-STS policy: senders deliver as usual", 2);
		goto out;
	}

	/* 2. The policy. */
	(void) snprintf(host, sizeof(host), "mta-sts.%s", domain);
	if (mtasts_dns_addrs(dns, host, AF_UNSPEC, MTASTS_DNS_TIMEOUT_DEFAULT, &addrs, why, sizeof(why)) != MTASTS_OK) {
		rt = MTASTS_RESULT_FETCH_ERROR;
		st = MTASTS_TEMP;
	} else {
		st = mtasts_fetch_policy(fx, domain, addrs->addr, addrs->n, &body, &len, &rt, why, sizeof(why));
	}
	if (st == MTASTS_OK && mtasts_policy_parse(body, len, &pol, why, sizeof(why)) != MTASTS_OK) {
		rt = MTASTS_RESULT_POLICY_INVALID;
		st = MTASTS_PERM;
	}
	if (c.json) {
		mtasts_buf_puts(&c.out, ",\"policy\":");
		if (pol)
			mtasts_policy_json(&c.out, pol);
		else
			mtasts_buf_puts(&c.out, "null");
		json_kv(&c, "result_type", pol ? NULL : rt);
		json_kv(&c, "policy_reason", pol ? "" : why);
	} else if (pol) {
		printf("policy https://%s/.well-known/mta-sts.txt: mode %s, max_age %lu, mx",
		       host, mtasts_mode_str(pol->mode), (unsigned long) pol->max_age);
		for (i = 0; i < pol->nmx; i++)
			printf(" %s", pol->mx[i]);
		printf("\n");
	} else {
		printf("policy https://%s/.well-known/mta-sts.txt: %s: %s\n", host, rt, why);
	}
	if (pol == NULL) {
		(void) snprintf(summary, sizeof(summary), "a TXT record but no valid policy (%s): "
				"senders deliver as without MTA-STS", rt);
		ret = finish(&c, "fail", summary, 3);
		goto out;
	}

	/* 3. The MX hosts. */
	st = mtasts_dns_mx(dns, domain, MTASTS_DNS_TIMEOUT_DEFAULT, &mxl, why, sizeof(why));
	if (c.json)
		mtasts_buf_puts(&c.out, ",\"mx\":[");
	else
		printf("MX hosts:\n");
	if (st == MTASTS_OK) {
		for (i = 0; i < mxl->n; i++)
			check_mx(&c, dns, fx, pol, &mxl->mx[i], helo, i == 0);
	} else if (!c.json) {
		printf("  %s\n", why);
	}
	if (c.json)
		mtasts_buf_puts(&c.out, "]");
	if (st != MTASTS_OK || mxl->n == 0) {
		(void) snprintf(summary, sizeof(summary), "no usable MX host (%s)",
				st == MTASTS_OK ? (mxl->null_mx ? "null MX" : "none") : why);
		ret = finish(&c, "fail", summary, 1);
	} else if (c.bad == 0) {
		(void) snprintf(summary, sizeof(summary), "policy %s valid; all %d MX address%s match and pass TLS checks",
				mtasts_mode_str(pol->mode), c.good, c.good == 1 ? "" : "es");
		ret = finish(&c, "ok", summary, 0);
	} else if (c.good > 0) {
		(void) snprintf(summary, sizeof(summary), "%d MX check%s failed; %s mail still goes to the %d good address%s",
				c.bad, c.bad == 1 ? "" : "s",
				pol->mode == MTASTS_MODE_ENFORCE ? "enforced" : "reported",
				c.good, c.good == 1 ? "" : "es");
		ret = finish(&c, "warn", summary, 1);
	} else {
		(void) snprintf(summary, sizeof(summary), "no MX passes: %s",
				pol->mode == MTASTS_MODE_ENFORCE ? "enforcing senders defer all mail" :
				pol->mode == MTASTS_MODE_TESTING ? "testing senders deliver and report failures" :
				"mode none: senders deliver as usual");
		ret = finish(&c, "fail", summary, 1);
	}
out:
	mtasts_policy_free(pol);
	free(body);
	mtasts_addr_list_free(addrs);
	mtasts_mx_list_free(mxl);
	mtasts_fetch_ctx_free(fx);
	mtasts_dns_free(dns);
	return (ret);
}
