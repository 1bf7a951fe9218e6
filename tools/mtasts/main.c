/*++
 * NAME
 *	mtasts 1
 * SUMMARY
 *	MTA-STS command-line tool: parse, match, check configuration, cache
 * SYNOPSIS
 *	mtasts [-c CONFIG] COMMAND [ARGS...]
 *	mtasts --help | --version
 * DESCRIPTION
 *	Global options come before the command. The commands and their exit
 *	codes are a contract other tools rely on; see mtasts(1).
 * DIAGNOSTICS
 *	"mtasts: ..." on stderr. Exit codes from sysexits.h: 64 usage,
 *	65 invalid data, 75 temporary failure, 78 configuration error.
 *--*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <mtasts/clock.h>
#include <mtasts/config.h>
#include <mtasts/limits.h>

#include "cmd.h"

static const struct {
	const char *name;
	int	(*fn)(struct cmd_ctx *, int, char **);
	const char *usage;
} commands[] = {
	{"parse-txt", cmd_parse_txt, "parse-txt STRING"},
	{"parse-policy", cmd_parse_policy, "parse-policy FILE|-"},
	{"match-mx", cmd_match_mx, "match-mx --policy FILE HOST"},
	{"config-check", cmd_config_check, "config-check [FILE]"},
	{"lookup", cmd_lookup, "lookup [--cache-only] DOMAIN"},
	{"check", cmd_check, "check [--json] DOMAIN"},
	{"cache", cmd_cache, "cache list [--json] | show DOMAIN | purge [DOMAIN] | rebuild"},
	{"stats", cmd_stats, "stats [--since T] [--until T] [--domain D] [--json] [--log FILE]"},
	{"report", cmd_report, "report [--day YYYY-MM-DD] [--domain D] [--dry-run] [--out DIR] [--log FILE]"},
	{"ingest", cmd_ingest, "ingest [--state FILE] [--follow] [--utc] [LOG|-]"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* usage - print the synopsis */

static void
usage(FILE *fp)
{
	size_t	i;

	fprintf(fp, "usage: mtasts [-c CONFIG] COMMAND [ARGS...]\n"
		"       mtasts --help | --version\n\ncommands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  %s\n", commands[i].usage);
	fprintf(fp, "\nThe default CONFIG is %s (built-in defaults when it "
		"does not exist).\nSee mtasts(1).\n", MTASTS_DEFAULT_CONFIG);
}

/* cmd_config - load the configuration once */

const struct mtasts_config *
cmd_config(struct cmd_ctx *ctx)
{
	char	why[MTASTS_REASON_MAX * 2];

	if (ctx->cfg)
		return (ctx->cfg);
	if (mtasts_config_open(ctx->config_path, &ctx->cfg, why, sizeof(why))
	    != MTASTS_OK) {
		fprintf(stderr, "mtasts: %s\n", why);
		ctx->cfg = NULL;
	}
	return (ctx->cfg);
}

int
main(int argc, char **argv)
{
	struct cmd_ctx ctx;
	size_t	i;
	int	ch, ret;
	static const char *version = PACKAGE_NAME " " PACKAGE_VERSION;

	memset(&ctx, 0, sizeof(ctx));
	if (mtasts_clock_from_env() < 0) {
		fprintf(stderr, "mtasts: MTASTS_NOW must be a positive number of seconds\n");
		return (EX_USAGE);
	}
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return (0);
	}
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("%s\n", version);
		return (0);
	}
	/* "+" stops at the first non-option: options after COMMAND are its own. */
	while ((ch = getopt(argc, argv, "+c:hV")) != -1) {
		switch (ch) {
		case 'c':
			ctx.config_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return (0);
		case 'V':
			printf("%s\n", version);
			return (0);
		default:
			usage(stderr);
			return (EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return (EX_USAGE);
	}
	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[0], commands[i].name) == 0) {
			optind = 1;	/* sub-commands may use getopt again */
			ret = commands[i].fn(&ctx, argc, argv);
			mtasts_config_free(ctx.cfg);
			if (fflush(stdout) != 0 && ret == 0) {
				perror("mtasts: stdout");
				ret = EX_IOERR;
			}
			return (ret);
		}
	}
	fprintf(stderr, "mtasts: unknown command '%s' (try mtasts --help)\n", argv[0]);
	return (EX_USAGE);
}
