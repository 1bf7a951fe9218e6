/*++
 * NAME
 *	fetch-test 1
 * SUMMARY
 *	drive the real OpenSSL policy fetch and MX check against local servers
 * SYNOPSIS
 *	fetch-test CERTDIR HTTPS_PORT SMTP_TLS_PORT SMTP_PLAIN_PORT
 * DESCRIPTION
 *	Run by tests/fetch-test.sh, which makes the certificates in CERTDIR
 *	(ca.crt, a hashed copy in CERTDIR/capath) and starts tests/httpsd.py
 *	and tests/smtpd.py on 127.0.0.1. Each case prints "PASS fetch/NAME"
 *	or "FAIL fetch/NAME: why"; the last line is "N passed, N failed".
 *	Exit status 1 on any failure.
 *--*/
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mtasts/fetch.h>
#include <mtasts/smtptls.h>

#define NTHREADS	4

static int npass, nfail;
static char note[512];			/* reason shown with PASS */
static uint16_t https_port, smtp_port, plain_port;
static const char *certdir;

/* result - print and count one case */

static void
result(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
result(const char *name, const char *fmt, ...)
{
	va_list ap;

	if (fmt == NULL) {
		printf("PASS fetch/%s%s%s%s\n", name, note[0] ? " (" : "", note,
		       note[0] ? ")" : "");
		note[0] = 0;
		npass++;
		return;
	}
	note[0] = 0;
	printf("FAIL fetch/%s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	nfail++;
}

/* addr - sockaddr_storage from an IPv4 or IPv6 literal */

static struct sockaddr_storage
addr(const char *lit)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, lit, &((struct sockaddr_in *) &ss)->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (inet_pton(AF_INET6, lit, &((struct sockaddr_in6 *) &ss)->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	return (ss);
}

/* ctx - a fetch context with the test CA */

static struct mtasts_fetch_ctx *
ctx(const char *ca_file, const char *ca_path, unsigned timeout_ms, uint16_t port)
{
	struct mtasts_fetch_opts o = {ca_file, ca_path, timeout_ms, 0, port};
	struct mtasts_fetch_ctx *fc;
	char	why[256] = "";

	if ((fc = mtasts_fetch_ctx_new(&o, why, sizeof(why))) == NULL) {
		fprintf(stderr, "fetch-test: %s\n", why);
		exit(1);
	}
	return (fc);
}

/* elapsed_ms - since start */

static long
elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ((now.tv_sec - start->tv_sec) * 1000
		+ (now.tv_nsec - start->tv_nsec) / 1000000);
}

/*
 * fetch_case - one fetch against 127.0.0.1 (or the addresses in lits,
 * comma-separated); check status, result type, a reason substring and the
 * body; with max_ms, also that it returned in time.
 */

static void
fetch_case(const char *name, const struct mtasts_fetch_ctx *fc,
	   const char *domain, const char *lits, enum mtasts_status want,
	   const char *want_type, const char *want_why, long max_ms)
{
	struct sockaddr_storage ss[4];
	char	why[512] = "", list[128], *tok, *next;
	const char *type = "unset";
	char   *body = NULL;
	size_t	n = 0, len = 0;
	struct timespec start;
	enum mtasts_status st;
	long	ms;

	(void) snprintf(list, sizeof(list), "%s", lits ? lits : "127.0.0.1");
	for (tok = list; *tok && n < 4; tok = next) {
		if ((next = strchr(tok, ',')) != NULL)
			*next++ = 0;
		else
			next = tok + strlen(tok);
		ss[n++] = addr(tok);
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	st = mtasts_fetch_policy(fc, domain, ss, n, &body, &len, &type, why, sizeof(why));
	ms = elapsed_ms(&start);
	(void) snprintf(note, sizeof(note), "%s%s%s", type ? type : "",
			type ? ": " : "", why);
	if (st != want)
		result(name, "status %s, want %s (%s)", mtasts_status_str(st),
		       mtasts_status_str(want), why);
	else if (st == MTASTS_OK && (type != NULL || body == NULL
		 || strncmp(body, "version: STSv1\r\nmode: enforce\r\n", 31) != 0
		 || strlen(body) != len))
		result(name, "body \"%s\" or type %s wrong", body ? body : "(null)",
		       type ? type : "NULL");
	else if (st != MTASTS_OK && (body != NULL || type == NULL
		 || strcmp(type, want_type) != 0))
		result(name, "result type %s, want %s (%s)", type ? type : "NULL",
		       want_type, why);
	else if (want_why && strstr(why, want_why) == NULL)
		result(name, "reason \"%s\" lacks \"%s\"", why, want_why);
	else if (max_ms && ms > max_ms)
		result(name, "took %ld ms, limit %ld (%s)", ms, max_ms, why);
	else
		result(name, NULL);
	free(body);
}

/* fetch_thread - one of several parallel fetches on a shared context */

static void *
fetch_thread(void *arg)
{
	const struct mtasts_fetch_ctx *fc = arg;
	struct sockaddr_storage ss = addr("127.0.0.1");
	const char *type;
	char	why[256], *body = NULL;
	size_t	len;
	long	ok = 1;
	int	i;

	for (i = 0; i < 5; i++) {
		if (mtasts_fetch_policy(fc, "example.test", &ss, 1, &body, &len,
					&type, why, sizeof(why)) != MTASTS_OK)
			ok = 0;
		free(body);
		body = NULL;
	}
	return ((void *) ok);
}

/* threads_case - NTHREADS threads fetch at once with one context */

static void
threads_case(const struct mtasts_fetch_ctx *fc)
{
	pthread_t t[NTHREADS];
	void   *ret;
	int	i, ok = 1;

	for (i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, fetch_thread, (void *) fc) != 0)
			ok = 0, t[i] = 0;
	for (i = 0; i < NTHREADS; i++)
		if (t[i] && (pthread_join(t[i], &ret) != 0 || ret != (void *) 1))
			ok = 0;
	result("threads", ok ? NULL : "a parallel fetch failed");
}

/* smtp_case - one MX check */

static void
smtp_case(const char *name, const struct mtasts_fetch_ctx *fc, const char *mx,
	  const char *helo, uint16_t port, enum mtasts_status want,
	  int want_starttls, int want_valid, const char *want_type,
	  const char *want_reason)
{
	struct sockaddr_storage ss = addr("127.0.0.1");
	struct mtasts_smtptls_report r;
	char	why[512] = "";
	enum mtasts_status st;

	st = mtasts_smtptls_check(fc, mx, helo, &ss, port, &r, why, sizeof(why));
	if (st == MTASTS_OK)
		(void) snprintf(note, sizeof(note), "starttls=%d %s %s valid=%d %s%s%s",
				r.starttls, r.tls_version, r.cipher, r.cert_valid,
				r.result_type ? r.result_type : "", r.result_type ?
				": " : "", r.reason);
	else
		(void) snprintf(note, sizeof(note), "%s", why);
	if (st != want)
		result(name, "status %s, want %s (%s)", mtasts_status_str(st),
		       mtasts_status_str(want), why);
	else if (st == MTASTS_OK && (r.starttls != want_starttls
		 || r.cert_valid != want_valid))
		result(name, "starttls %d valid %d, want %d %d (%s: %s)",
		       r.starttls, r.cert_valid, want_starttls, want_valid,
		       r.result_type ? r.result_type : "NULL", r.reason);
	else if (st == MTASTS_OK && (want_type ? r.result_type == NULL
		 || strcmp(r.result_type, want_type) != 0 : r.result_type != NULL))
		result(name, "result %s, want %s (%s)", r.result_type ?
		       r.result_type : "NULL", want_type ? want_type : "NULL", r.reason);
	else if (st == MTASTS_OK && want_valid && (!r.tls
		 || strncmp(r.tls_version, "TLSv1.", 6) != 0
		 || strcmp(r.tls_version, "TLSv1.1") == 0 || r.cipher[0] == 0
		 || strstr(r.banner, "220 mx.example.test") == NULL))
		result(name, "report tls %d version %s cipher %s banner %s",
		       r.tls, r.tls_version, r.cipher, r.banner);
	else if (want_reason && strstr(st == MTASTS_OK ? r.reason : why,
				       want_reason) == NULL)
		result(name, "reason \"%s\" lacks \"%s\"",
		       st == MTASTS_OK ? r.reason : why, want_reason);
	else
		result(name, NULL);
}

/* fetch_cases - the HTTPS policy fetch */

static void
fetch_cases(void)
{
	char	ca[1024], capath[1024], why[256] = "";
	struct mtasts_fetch_ctx *fc, *quick, *dir, *sys;
	struct mtasts_fetch_opts bad = {"/nonexistent/ca.pem", NULL, 0, 0, 0};

	(void) snprintf(ca, sizeof(ca), "%s/ca.crt", certdir);
	(void) snprintf(capath, sizeof(capath), "%s/capath", certdir);
	fc = ctx(ca, NULL, 5000, https_port);
	quick = ctx(ca, NULL, 1500, https_port);
	dir = ctx(NULL, capath, 5000, https_port);
	sys = ctx(NULL, NULL, 5000, https_port);

	fetch_case("ok", fc, "example.test", NULL, MTASTS_OK, NULL, NULL, 0);
	fetch_case("ok-trailing-dot", fc, "example.test.", NULL, MTASTS_OK, NULL, NULL, 0);
	fetch_case("chunked", fc, "chunked.example.test", NULL, MTASTS_OK, NULL, NULL, 0);
	fetch_case("close-notify", fc, "closeclean.example.test", NULL, MTASTS_OK,
		   NULL, NULL, 0);
	fetch_case("close-unclean", fc, "closeunclean.example.test", NULL,
		   MTASTS_TEMP, MTASTS_RESULT_FETCH_ERROR, "without TLS close_notify", 0);
	fetch_case("404", fc, "notfound.example.test", NULL, MTASTS_TEMP,
		   MTASTS_RESULT_FETCH_ERROR, "HTTP status 404", 0);
	fetch_case("301", fc, "redirect.example.test", NULL, MTASTS_TEMP,
		   MTASTS_RESULT_FETCH_ERROR, "HTTP 301 redirect to "
		   "https://mta-sts.elsewhere.example/??.txt not followed", 0);
	fetch_case("text-html", fc, "html.example.test", NULL, MTASTS_TEMP,
		   MTASTS_RESULT_FETCH_ERROR, "\"text/html\" is not text/plain", 0);
	fetch_case("no-content-type", fc, "noctype.example.test", NULL, MTASTS_TEMP,
		   MTASTS_RESULT_FETCH_ERROR, "no Content-Type", 0);
	fetch_case("oversized-cl", fc, "bigcl.example.test", NULL, MTASTS_TEMP,
		   MTASTS_RESULT_FETCH_ERROR, "Content-Length 70000 exceeds 65536", 0);
	fetch_case("oversized-no-cl", fc, "bignocl.example.test", NULL, MTASTS_TEMP,
		   MTASTS_RESULT_FETCH_ERROR, "body exceeds 65536 bytes", 0);
	fetch_case("trickle-timeout", quick, "trickle.example.test", NULL,
		   MTASTS_TEMP, MTASTS_RESULT_FETCH_ERROR, "timed out", 2500);
	fetch_case("refused-then-ok", fc, "example.test", "::1,127.0.0.2,127.0.0.1",
		   MTASTS_OK, NULL, NULL, 0);
	fetch_case("refused", fc, "example.test", "127.0.0.2", MTASTS_TEMP,
		   MTASTS_RESULT_FETCH_ERROR, "127.0.0.2 port", 0);
	fetch_case("wrong-name", fc, "wrongname.example.test", NULL, MTASTS_TEMP,
		   MTASTS_RESULT_WEBPKI_INVALID, "hostname mismatch", 0);
	fetch_case("partial-wildcard", fc, "partialwild.example.test", NULL, MTASTS_TEMP,
		   MTASTS_RESULT_WEBPKI_INVALID, "hostname mismatch", 0);
	fetch_case("expired", fc, "expired.example.test", NULL, MTASTS_TEMP,
		   MTASTS_RESULT_WEBPKI_INVALID, "certificate has expired", 0);
	fetch_case("untrusted", fc, "untrusted.example.test", NULL, MTASTS_TEMP,
		   MTASTS_RESULT_WEBPKI_INVALID, "certificate", 0);
	fetch_case("ca-path", dir, "example.test", NULL, MTASTS_OK, NULL, NULL, 0);
	fetch_case("system-store", sys, "example.test", NULL, MTASTS_TEMP,
		   MTASTS_RESULT_WEBPKI_INVALID, "local issuer", 0);
	fetch_case("bad-domain", fc, "exa mple.test", NULL, MTASTS_PERM,
		   MTASTS_RESULT_FETCH_ERROR, "invalid policy domain", 0);
	fetch_case("no-address", fc, "example.test", "", MTASTS_TEMP,
		   MTASTS_RESULT_FETCH_ERROR, "no address", 0);
	threads_case(fc);
	if (mtasts_fetch_ctx_new(&bad, why, sizeof(why)) != NULL
	    || strstr(why, "/nonexistent/ca.pem") == NULL)
		result("bad-ca-file", "context built or reason \"%s\"", why);
	else
		result("bad-ca-file", NULL);
	mtasts_fetch_ctx_free(fc);
	mtasts_fetch_ctx_free(quick);
	mtasts_fetch_ctx_free(dir);
	mtasts_fetch_ctx_free(sys);
}

/* smtp_cases - the MX STARTTLS check */

static void
smtp_cases(void)
{
	char	ca[1024];
	struct mtasts_fetch_ctx *fc;

	(void) snprintf(ca, sizeof(ca), "%s/ca.crt", certdir);
	fc = ctx(ca, NULL, 5000, https_port);
	smtp_case("smtp-valid", fc, "mx.example.test", NULL, smtp_port, MTASTS_OK,
		  1, 1, NULL, NULL);
	smtp_case("smtp-wrong-name", fc, "mx-wrongname.example.test", NULL,
		  smtp_port, MTASTS_OK, 1, 0, MTASTS_RESULT_HOST_MISMATCH,
		  "hostname mismatch");
	smtp_case("smtp-expired", fc, "mx-expired.example.test", NULL, smtp_port,
		  MTASTS_OK, 1, 0, MTASTS_RESULT_CERT_EXPIRED, "expired");
	smtp_case("smtp-untrusted", fc, "mx-untrusted.example.test", NULL,
		  smtp_port, MTASTS_OK, 1, 0, MTASTS_RESULT_CERT_NOT_TRUSTED, NULL);
	smtp_case("smtp-no-starttls", fc, "mx.example.test", NULL, plain_port,
		  MTASTS_OK, 0, 0, MTASTS_RESULT_STARTTLS_NOT_SUPPORTED, "not offered");
	smtp_case("smtp-injection", fc, "mx.example.test", "inject.test", smtp_port,
		  MTASTS_OK, 1, 0, MTASTS_RESULT_VALIDATION_FAILURE, "plain text after");
	smtp_case("smtp-refused", fc, "mx.example.test", NULL, 1, MTASTS_TEMP,
		  0, 0, NULL, "refused");
	smtp_case("smtp-bad-name", fc, "-bad-.example.test/", NULL, smtp_port,
		  MTASTS_PERM, 0, 0, NULL, "invalid MX host name");
	mtasts_fetch_ctx_free(fc);
}

int
main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: fetch-test CERTDIR HTTPS_PORT SMTP_TLS_PORT "
			"SMTP_PLAIN_PORT\n");
		return (2);
	}
	certdir = argv[1];
	https_port = (uint16_t) strtoul(argv[2], NULL, 10);
	smtp_port = (uint16_t) strtoul(argv[3], NULL, 10);
	plain_port = (uint16_t) strtoul(argv[4], NULL, 10);
	fetch_cases();
	smtp_cases();
	printf("%d passed, %d failed\n", npass, nfail);
	return (nfail || npass == 0 ? 1 : 0);
}
