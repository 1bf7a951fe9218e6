/*++
 * NAME
 *	cmd_config 3
 * SUMMARY
 *	mtasts config-check
 * DESCRIPTION
 *	config-check [FILE] loads FILE (default: the -c file, else the
 *	default path) exactly as the daemon and the modules would, and
 *	exits 0, or 78 (EX_CONFIG) with "FILE:LINE:COLUMN: message".
 *	Admins run it before a reload, so it must reject what the loaders
 *	reject and nothing else.
 *--*/
#include "config.h"

#include <stdio.h>
#include <sysexits.h>

#include <mtasts/config.h>
#include <mtasts/limits.h>

#include "cmd.h"

/* cmd_config_check - validate a configuration file */

int
cmd_config_check(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct mtasts_config *cfg;
	char	why[MTASTS_REASON_MAX * 2];
	const char *path;

	if (argc > 2) {
		fprintf(stderr, "usage: mtasts config-check [FILE]\n");
		return (EX_USAGE);
	}
	path = argc == 2 ? argv[1] :
	    ctx->config_path ? ctx->config_path : MTASTS_DEFAULT_CONFIG;
	if (mtasts_config_load(path, &cfg, why, sizeof(why)) != MTASTS_OK) {
		fprintf(stderr, "%s\n", why);
		return (EX_CONFIG);
	}
	printf("%s: ok (%zu domain override%s)\n", path, cfg->ndomains,
	       cfg->ndomains == 1 ? "" : "s");
	mtasts_config_free(cfg);
	return (0);
}
