/*++
 * NAME
 *	cmd 3h
 * SUMMARY
 *	the mtasts command-line tool: one function per sub-command
 * DESCRIPTION
 *	main.c parses global options (-c CONFIG, --help, --version) and hands
 *	argc/argv (argv[0] is the sub-command name) to one cmd_* function,
 *	which returns the process exit status (sysexits.h values where the
 *	contract in mtasts(1) says so).
 *
 *	cmd_config() loads the configuration on first use: the file named by
 *	-c, else MTASTS_DEFAULT_CONFIG when it exists, else the built-in
 *	defaults. It prints "mtasts: FILE:LINE:COL: message" and returns NULL
 *	on error (the caller exits EX_CONFIG).
 *--*/
#ifndef MTASTS_CMD_H
#define MTASTS_CMD_H

#include <mtasts/config.h>

struct cmd_ctx {
	const char *config_path;	/* -c, or NULL */
	struct mtasts_config *cfg;	/* loaded on demand, owned */
};

const struct mtasts_config *cmd_config(struct cmd_ctx *);

int	cmd_parse_txt(struct cmd_ctx *, int argc, char **argv);
int	cmd_parse_policy(struct cmd_ctx *, int argc, char **argv);
int	cmd_match_mx(struct cmd_ctx *, int argc, char **argv);
int	cmd_config_check(struct cmd_ctx *, int argc, char **argv);
int	cmd_cache(struct cmd_ctx *, int argc, char **argv);
int	cmd_lookup(struct cmd_ctx *, int argc, char **argv);
int	cmd_check(struct cmd_ctx *, int argc, char **argv);
int	cmd_stats(struct cmd_ctx *, int argc, char **argv);
int	cmd_report(struct cmd_ctx *, int argc, char **argv);
int	cmd_ingest(struct cmd_ctx *, int argc, char **argv);

#endif
