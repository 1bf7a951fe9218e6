/*++
 * NAME
 *	mxstate-test 1
 * SUMMARY
 *	unit tests of the MX TLS state file (mxstate.h)
 * DESCRIPTION
 *	A real LMDB file in a temporary directory, next to a cache.path
 *	that is never created: the state lives in its own file. Prints
 *	"PASS mxstate/<case>" or "FAIL mxstate/<case>: why" and ends with
 *	"N passed, N failed".
 *--*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mtasts/cache.h>
#include <mtasts/config.h>
#include <mtasts/mxstate.h>

static int pass, fail;

static void
check(const char *name, int cond, const char *why)
{
	if (cond) {
		printf("PASS mxstate/%s\n", name);
		pass++;
	} else {
		printf("FAIL mxstate/%s: %s\n", name, why);
		fail++;
	}
}

int
main(void)
{
	char	dir[] = "/tmp/mxstate-test.XXXXXX", yaml[256], path[512];
	char	why[MTASTS_REASON_MAX], msg[2048];
	struct mtasts_config *cfg;
	struct mtasts_mxstate *m;
	struct mtasts_mxstate_rec r;
	enum mtasts_status st;
	struct stat sb;

	if (mkdtemp(dir) == NULL) {
		printf("FAIL mxstate/setup: mkdtemp\n0 passed, 1 failed\n");
		return (1);
	}
	(void) snprintf(yaml, sizeof(yaml), "cache:\n  path: %s/cache.lmdb\n", dir);
	if (mtasts_config_parse(yaml, strlen(yaml), "mxstate-test.yaml", &cfg,
				why, sizeof(why)) != MTASTS_OK) {
		printf("FAIL mxstate/setup: %s\n0 passed, 1 failed\n", why);
		return (1);
	}

	st = mtasts_mxstate_path(cfg, path, sizeof(path));
	(void) snprintf(msg, sizeof(msg), "status %d, path %s", st, path);
	check("path-next-to-cache", st == MTASTS_OK
	      && strcmp(path + strlen(dir), "/" MTASTS_MXSTATE_FILE) == 0, msg);

	st = mtasts_mxstate_open(cfg, MTASTS_CACHE_RDONLY, &m, why, sizeof(why));
	if (st == MTASTS_OK || st == MTASTS_NONE)
		st = mtasts_mxstate_get(m, "mx1.example.com", &r, why, sizeof(why));
	check("missing-file-knows-nothing", st == MTASTS_NONE, why);
	mtasts_mxstate_close(m);

	st = mtasts_mxstate_open(cfg, MTASTS_CACHE_RDWR, &m, why, sizeof(why));
	check("open-read-write", st == MTASTS_OK || st == MTASTS_NONE, why);
	if (st != MTASTS_OK && st != MTASTS_NONE) {
		printf("%d passed, %d failed\n", pass, fail + 1);
		return (1);
	}

	st = mtasts_mxstate_put(m, "MX1.Example.COM.", 0, 1000,
				"certificate-host-mismatch: name\x01 mx9", why, sizeof(why));
	if (st == MTASTS_OK)
		st = mtasts_mxstate_get(m, "mx1.example.com", &r, why, sizeof(why));
	(void) snprintf(msg, sizeof(msg), "status %d ok %d at %ld reason '%s' (%s)",
			st, r.ok, (long) r.at, r.reason, why);
	check("failure-recorded-normalised", st == MTASTS_OK && r.ok == 0
	      && r.at == 1000 && strcmp(r.host, "mx1.example.com") == 0
	      && strstr(r.reason, "certificate-host-mismatch") != NULL
	      && strchr(r.reason, '\x01') == NULL, msg);

	st = mtasts_mxstate_put(m, "mx1.example.com", 1, 900, "older", why, sizeof(why));
	if (st == MTASTS_OK)
		st = mtasts_mxstate_get(m, "mx1.example.com", &r, why, sizeof(why));
	(void) snprintf(msg, sizeof(msg), "status %d ok %d at %ld", st, r.ok, (long) r.at);
	check("older-outcome-ignored", st == MTASTS_OK && r.ok == 0 && r.at == 1000, msg);

	st = mtasts_mxstate_put(m, "mx1.example.com", 1, 1100, "TLS1.3", why, sizeof(why));
	if (st == MTASTS_OK)
		st = mtasts_mxstate_get(m, "mx1.example.com", &r, why, sizeof(why));
	(void) snprintf(msg, sizeof(msg), "status %d ok %d at %ld", st, r.ok, (long) r.at);
	check("newer-outcome-replaces", st == MTASTS_OK && r.ok == 1 && r.at == 1100, msg);

	st = mtasts_mxstate_put(m, "192.0.2.1", 0, 1200, "x", why, sizeof(why));
	check("ip-literal-refused", st == MTASTS_PERM, why);
	st = mtasts_mxstate_put(m, "bad host!", 0, 1200, "x", why, sizeof(why));
	check("non-host-refused", st == MTASTS_PERM, why);
	st = mtasts_mxstate_get(m, "mx2.example.com", &r, why, sizeof(why));
	check("unknown-host-none", st == MTASTS_NONE, why);

	/* The same outcome again soon is not rewritten; later it is. */
	st = mtasts_mxstate_put(m, "mx1.example.com", 1, 1100 + MTASTS_MXSTATE_RESTAMP - 1,
				"again", why, sizeof(why));
	if (st == MTASTS_OK)
		st = mtasts_mxstate_get(m, "mx1.example.com", &r, why, sizeof(why));
	(void) snprintf(msg, sizeof(msg), "status %d at %ld", st, (long) r.at);
	check("same-outcome-soon-not-rewritten", st == MTASTS_OK && r.at == 1100, msg);
	st = mtasts_mxstate_put(m, "mx1.example.com", 1, 1100 + MTASTS_MXSTATE_RESTAMP,
				"again", why, sizeof(why));
	if (st == MTASTS_OK)
		st = mtasts_mxstate_get(m, "mx1.example.com", &r, why, sizeof(why));
	(void) snprintf(msg, sizeof(msg), "status %d at %ld", st, (long) r.at);
	check("same-outcome-later-restamped", st == MTASTS_OK
	      && r.at == 1100 + MTASTS_MXSTATE_RESTAMP, msg);

	/* mx1 succeeded at 1400; mx3 failed at 2000. */
	st = mtasts_mxstate_put(m, "mx3.example.com", 0, 2000, "certificate-expired",
				why, sizeof(why));
	check("failing-fresh", st == MTASTS_OK
	      && mtasts_mxstate_failing(m, "mx3.example.com", 2000 + MTASTS_MXSTATE_FRESH,
					why, sizeof(why)) == 1
	      && strcmp(why, "mx3.example.com, 3600s ago: certificate-expired") == 0, why);
	check("failing-too-old", mtasts_mxstate_failing(m, "mx3.example.com",
	      2001 + MTASTS_MXSTATE_FRESH, why, sizeof(why)) == 0, "an old failure counted");
	check("failing-future", mtasts_mxstate_failing(m, "mx3.example.com", 1999,
	      why, sizeof(why)) == 0, "a failure after now counted");
	check("failing-not-after-success", mtasts_mxstate_failing(m, "mx1.example.com",
	      1401, why, sizeof(why)) == 0, "a success counted as failure");
	check("failing-unknown-or-no-file", mtasts_mxstate_failing(m, "mx9.example.com",
	      2001, why, sizeof(why)) == 0 && mtasts_mxstate_failing(NULL,
	      "mx3.example.com", 2001, why, sizeof(why)) == 0, "nothing known counted");

	(void) snprintf(path, sizeof(path), "%s/cache.lmdb", dir);
	check("policy-cache-untouched", stat(path, &sb) != 0, "cache.lmdb was created");
	mtasts_mxstate_close(m);
	mtasts_config_free(cfg);

	(void) snprintf(msg, sizeof(msg), "rm -rf '%s'", dir);
	if (system(msg) != 0)
		fprintf(stderr, "mxstate-test: could not remove %s\n", dir);
	printf("%d passed, %d failed\n", pass, fail);
	return (fail != 0);
}
