/*++
 * NAME
 *	unit - tests of the pure parts of TLS reporting
 * SYNOPSIS
 *	tests/tlsrpt/unit DIR
 * DESCRIPTION
 *	DIR is tests/tlsrpt. Runs the record vectors (rua.vec: one record
 *	per line; select.vec: an RRset per line, tab-separated) through
 *	mtasts_tlsrpt_record_parse() and _select(), and checks gzip (by
 *	inflating again), base64 (RFC 4648 10 vectors), times, file
 *	names, report ids, the policy-string and the report message.
 *	Prints "PASS tlsrpt/unit-NAME" or "FAIL tlsrpt/unit-NAME: why" per
 *	case and "N passed, N failed"; exits 1 on a failure.
 *--*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include <mtasts/buf.h>
#include <mtasts/tlsrpt.h>

#define LINE_MAX_VEC	4096
#define RRS_MAX		8

static int pass, fail;

/* result - one case */

static void
result(int ok, const char *name, const char *why)
{
	if (ok) {
		printf("PASS tlsrpt/unit-%s\n", name);
		pass++;
	} else {
		printf("FAIL tlsrpt/unit-%s: %s\n", name, why);
		fail++;
	}
}

/* expect_of - "ok N [skip M]", "none", "perm" */

static int
expect_of(const char *e, enum mtasts_status *st, size_t *n, size_t *skip)
{
	unsigned a = 0, b = 0;

	*n = *skip = 0;
	if (strcmp(e, "none") == 0)
		*st = MTASTS_NONE;
	else if (strcmp(e, "perm") == 0)
		*st = MTASTS_PERM;
	else if (sscanf(e, "ok %u skip %u", &a, &b) >= 1) {
		*st = MTASTS_OK;
		*n = a;
		*skip = b;
	} else
		return (-1);
	return (0);
}

/* vectors - run a .vec file; select: several RRs per line */

static void
vectors(const char *dir, const char *file, int select)
{
	char	path[1024], line[LINE_MAX_VEC], name[64], why[512];
	char	msg[LINE_MAX_VEC + 1024];
	char   *tab, *rrs[RRS_MAX], *p;
	size_t	lens[RRS_MAX], nrr, n, skip, lineno = 0;
	struct mtasts_tlsrpt_rua ru;
	enum mtasts_status want, got;
	FILE   *fp;

	(void) snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((fp = fopen(path, "r")) == NULL) {
		result(0, file, "cannot open");
		return;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		line[strcspn(line, "\n")] = 0;
		if (line[0] == '#' || line[0] == 0)
			continue;
		(void) snprintf(name, sizeof(name), "%.*s-%zu",
				(int) (strlen(file) - 4), file, lineno);
		if ((tab = strchr(line, '\t')) == NULL) {
			result(0, name, "no tab");
			continue;
		}
		*tab++ = 0;
		if (expect_of(line, &want, &n, &skip) < 0) {
			result(0, name, "bad EXPECT");
			continue;
		}
		why[0] = 0;
		if (select) {
			for (nrr = 0, p = tab; p && nrr < RRS_MAX; nrr++) {
				rrs[nrr] = p;
				if ((p = strchr(p, '\t')) != NULL)
					*p++ = 0;
				lens[nrr] = strlen(rrs[nrr]);
			}
			got = mtasts_tlsrpt_record_select((const char *const *) rrs,
							  lens, nrr, &ru, why, sizeof(why));
		} else {
			got = mtasts_tlsrpt_record_parse(tab, strlen(tab), &ru, why,
							 sizeof(why));
		}
		(void) snprintf(msg, sizeof(msg), "\"%s\": got %s n=%zu skip=%zu"
				" (%s), want %s", tab, mtasts_status_str(got),
				got == MTASTS_OK ? ru.n : 0, ru.nskipped, why, line);
		result(got == want && (got != MTASTS_OK || (ru.n == n
				&& ru.nskipped == skip)) && (got == MTASTS_OK || why[0]),
		       name, msg);
	}
	fclose(fp);
}

/* uri_fields - what a parsed URI holds */

static void
uri_fields(void)
{
	struct mtasts_tlsrpt_rua ru;
	char	why[256];
	const char *rec = "v=TLSRPTv1; rua=MAILTO:A%2Bx@Example.COM?subject=x,"
	"https://Reports.Example.com:8443/v1/tlsrpt?k=v#frag,https://r.example.com";

	if (mtasts_tlsrpt_record_parse(rec, strlen(rec), &ru, why, sizeof(why))
	    != MTASTS_OK || ru.n != 3) {
		result(0, "uri-fields", why);
		return;
	}
	result(ru.uri[0].scheme == MTASTS_TLSRPT_MAILTO
	       && strcmp(ru.uri[0].addr, "A+x@example.com") == 0, "uri-mailto",
	       ru.uri[0].addr);
	result(ru.uri[1].scheme == MTASTS_TLSRPT_HTTPS
	       && strcmp(ru.uri[1].host, "reports.example.com") == 0
	       && ru.uri[1].port == 8443
	       && strcmp(ru.uri[1].path, "/v1/tlsrpt?k=v") == 0, "uri-https",
	       ru.uri[1].path);
	result(ru.uri[2].port == 443 && strcmp(ru.uri[2].path, "/") == 0,
	       "uri-https-defaults", ru.uri[2].path);
}

/* gzip_base64 - gzip round trip and RFC 4648 base64 vectors */

static void
gzip_base64(void)
{
	static const char *const b64[][2] = {
		{"", ""}, {"f", "Zg==\n"}, {"fo", "Zm8=\n"}, {"foo", "Zm9v\n"},
		{"foob", "Zm9vYg==\n"}, {"fooba", "Zm9vYmE=\n"},
		{"foobar", "Zm9vYmFy\n"},
	};
	struct mtasts_buf in = {0}, gz = {0}, out = {0};
	unsigned char back[200000];
	char	why[256];
	z_stream zs;
	size_t	i;
	int	ok = 1;

	for (i = 0; i < 3000; i++)
		mtasts_buf_printf(&in, "{\"line\":%zu,\"text\":\"tls report\"}\n", i);
	if (mtasts_tlsrpt_gzip(in.data, in.len, &gz, why, sizeof(why)) != MTASTS_OK)
		ok = 0;
	memset(&zs, 0, sizeof(zs));
	if (ok && (inflateInit2(&zs, 15 + 16) != Z_OK))
		ok = 0;
	if (ok) {
		zs.next_in = (unsigned char *) gz.data;
		zs.avail_in = (uInt) gz.len;
		zs.next_out = back;
		zs.avail_out = sizeof(back);
		ok = inflate(&zs, Z_FINISH) == Z_STREAM_END && zs.total_out == in.len
		    && memcmp(back, in.data, in.len) == 0 && gz.len < in.len / 4
		    && (unsigned char) gz.data[0] == 0x1f
		    && (unsigned char) gz.data[1] == 0x8b;
		inflateEnd(&zs);
	}
	result(ok, "gzip-roundtrip", "inflated data differs or is no gzip");
	for (i = 0; i < sizeof(b64) / sizeof(b64[0]); i++) {
		mtasts_buf_reset(&out);
		mtasts_tlsrpt_base64((const unsigned char *) b64[i][0],
				     strlen(b64[i][0]), &out);
		if (strcmp(out.len ? out.data : "", b64[i][1]) != 0)
			ok = 0;
	}
	mtasts_buf_reset(&out);
	mtasts_tlsrpt_base64((const unsigned char *) in.data, 300, &out);
	/* 300 bytes: 400 characters in lines of 76: five full lines and 20. */
	result(ok && out.len == 400 + 6 && out.data[76] == '\n', "base64",
	       "RFC 4648 vectors or line length");
	mtasts_buf_free(&in);
	mtasts_buf_free(&gz);
	mtasts_buf_free(&out);
}

/* times_names - date parsing, file name, report id, submitter */

static void
times_names(void)
{
	char	buf[600], why[256];
	time_t	t = 0, e = 0;

	result(mtasts_tlsrpt_time("2026-11-29", 0, &t) == 0 && t == 1795910400
	       && mtasts_tlsrpt_time("2026-11-29", 1, &e) == 0 && e == 1795996800,
	       "time-date", "2026-11-29");
	result(mtasts_tlsrpt_time("2026-11-29T08:27:31Z", 1, &t) == 0
	       && t == 1795940851 && mtasts_tlsrpt_time("2026-11-29T08:27", 0, &t)
	       == 0 && t == 1795940820, "time-datetime", "2026-11-29T08:27:31Z");
	result(mtasts_tlsrpt_time("2026-02-30", 0, &t) < 0
	       && mtasts_tlsrpt_time("2026-11-29T08:27:31+01:00", 0, &t) < 0
	       && mtasts_tlsrpt_time("yesterday", 0, &t) < 0
	       && mtasts_tlsrpt_time("2026-11-29T25:00Z", 0, &t) < 0,
	       "time-bad", "accepted a bad time");
	mtasts_tlsrpt_iso(1795940851, buf, sizeof(buf));
	result(strcmp(buf, "2026-11-29T08:27:31Z") == 0, "time-iso", buf);
	result(mtasts_tlsrpt_filename("mail.sender.example", "example.com",
				      1795910400, buf, sizeof(buf), why, sizeof(why))
	       == MTASTS_OK && strcmp(buf, "mail.sender.example!example.com!"
				      "1795910400!1795996799.json.gz") == 0,
	       "filename", buf);
	result(mtasts_tlsrpt_report_id(1795910400, "example.com", "sender.example",
				       buf, sizeof(buf)) == MTASTS_OK
	       && strcmp(buf, "20261129.example.com@sender.example") == 0,
	       "report-id", buf);
	result(mtasts_tlsrpt_submitter("Reports@Sender.Example", buf, 100)
	       == MTASTS_OK && strcmp(buf, "sender.example") == 0
	       && mtasts_tlsrpt_submitter("no-at-sign", buf, 100) != MTASTS_OK
	       && mtasts_tlsrpt_submitter("x@bad host", buf, 100) != MTASTS_OK,
	       "submitter", buf);
}

/* policy_and_message - policy-string lines and the mail */

static void
policy_and_message(void)
{
	struct mtasts_tlsrpt_policy p;
	struct mtasts_tlsrpt_mail m;
	struct mtasts_buf b = {0};
	char	why[256];
	static const unsigned char gz[] = {0x1f, 0x8b, 8, 0, 1, 2, 3};

	memset(&p, 0, sizeof(p));
	p.mode = "testing";
	p.patterns = "mx1.example.com  *.example.net";
	p.max_age = 86400;
	mtasts_tlsrpt_policy_string(&p, &b);
	result(strcmp(b.data, "[\"version: STSv1\",\"mode: testing\","
		      "\"mx: mx1.example.com\",\"mx: *.example.net\","
		      "\"max_age: 86400\"]") == 0, "policy-string", b.data);
	mtasts_buf_reset(&b);
	p.patterns = "";
	p.max_age = -1;
	mtasts_tlsrpt_policy_string(&p, &b);
	result(strcmp(b.data, "[\"version: STSv1\",\"mode: testing\"]") == 0,
	       "policy-string-bare", b.data);
	mtasts_buf_reset(&b);

	memset(&m, 0, sizeof(m));
	m.from = "tlsrpt@sender.example";
	m.to = "reports@example.com";
	m.domain = "example.com";
	m.submitter = "sender.example";
	m.report_id = "20261129.example.com@sender.example";
	m.filename = "sender.example!example.com!1795910400!1795996799.json.gz";
	m.date = 1795940851;
	m.start = 1795910400;
	m.gz = gz;
	m.gzlen = sizeof(gz);
	result(mtasts_tlsrpt_message(&m, &b, why, sizeof(why)) == MTASTS_OK
	       && strstr(b.data, "\nSubject: Report Domain: example.com\n"
			 " Submitter: sender.example\n Report-ID: <20261129."
			 "example.com@sender.example>\n")
	       && strstr(b.data, "\nTLS-Report-Domain: example.com\n")
	       && strstr(b.data, "\nTLS-Report-Submitter: sender.example\n")
	       && strstr(b.data, "Content-Type: multipart/report; report-type="
			 "\"tlsrpt\";")
	       && strstr(b.data, "Content-Type: application/tlsrpt+gzip\n"
			 "Content-Transfer-Encoding: base64\n")
	       && strstr(b.data, "Date: Sun, 29 Nov 2026 08:27:31 +0000\n")
	       && strstr(b.data, "\nH4sIAAECAw==\n"), "message", b.data);
	mtasts_buf_reset(&b);
	m.to = "reports@example.com\nBcc: x@evil.test";
	result(mtasts_tlsrpt_message(&m, &b, why, sizeof(why)) == MTASTS_PERM,
	       "message-injection", "a header with a newline was accepted");
	mtasts_buf_free(&b);
}

int
main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/tlsrpt";

	vectors(dir, "rua.vec", 0);
	vectors(dir, "select.vec", 1);
	uri_fields();
	gzip_base64();
	times_names();
	policy_and_message();
	printf("%d passed, %d failed\n", pass, fail);
	return (fail ? 1 : 0);
}
