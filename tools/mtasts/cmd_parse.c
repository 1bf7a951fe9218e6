/*++
 * NAME
 *	cmd_parse 3
 * SUMMARY
 *	mtasts parse-txt, parse-policy, match-mx
 * DESCRIPTION
 *	Thin wrappers around the pure parsers, for admins and for tools that
 *	check records and policies before publishing them. Output and exit
 *	codes are a contract (mtasts(1)):
 *	parse-txt STRING	0 + {"v":"STSv1","id":"..."}, or 65
 *	parse-policy FILE|-	0 + policy JSON, or 65 with reason and line
 *	match-mx --policy FILE HOST  0 match, 1 no match, 65 invalid policy
 *--*/
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <mtasts/buf.h>
#include <mtasts/domain.h>
#include <mtasts/limits.h>
#include <mtasts/match.h>
#include <mtasts/policy.h>
#include <mtasts/txt.h>

#include "cmd.h"

/* cmd_parse_txt - parse one TXT record given as one string */

int
cmd_parse_txt(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct mtasts_txt txt;
	struct mtasts_buf out = {0};
	char	why[MTASTS_REASON_MAX];

	if (argc != 2) {
		fprintf(stderr, "usage: mtasts parse-txt STRING\n");
		return (EX_USAGE);
	}
	if (mtasts_txt_parse(argv[1], strlen(argv[1]), &txt, why, sizeof(why)) != MTASTS_OK) {
		fprintf(stderr, "mtasts: invalid MTA-STS record: %s\n", why);
		return (EX_DATAERR);
	}
	mtasts_buf_puts(&out, "{\"v\":\"STSv1\",\"id\":");
	mtasts_buf_json_str(&out, txt.id);
	mtasts_buf_puts(&out, "}\n");
	if (out.oom) {
		mtasts_buf_free(&out);
		fprintf(stderr, "mtasts: out of memory\n");
		return (EX_OSERR);
	}
	fputs(out.data, stdout);
	mtasts_buf_free(&out);
	return (0);
}

/*
 * read_policy - read FILE (or stdin for "-") and parse it. Reads at most
 * one byte more than a policy may have, so an oversized file is rejected
 * by the parser's size check without reading all of it. Returns 0, or an
 * exit code after printing why.
 */
static int
read_policy(const char *path, struct mtasts_policy **pol)
{
	FILE   *fp;
	char   *body;
	size_t	len;
	char	why[MTASTS_REASON_MAX];
	const char *name = strcmp(path, "-") == 0 ? "(stdin)" : path;
	int	err;

	*pol = NULL;
	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "mtasts: %s: %s\n", path, strerror(errno));
		return (EX_NOINPUT);
	}
	if ((body = malloc(MTASTS_POLICY_MAX + 1)) == NULL) {
		if (fp != stdin)
			fclose(fp);
		fprintf(stderr, "mtasts: out of memory\n");
		return (EX_OSERR);
	}
	len = fread(body, 1, MTASTS_POLICY_MAX + 1, fp);
	err = ferror(fp);
	if (fp != stdin)
		fclose(fp);
	if (err) {
		fprintf(stderr, "mtasts: %s: read error\n", name);
		free(body);
		return (EX_IOERR);
	}
	switch (mtasts_policy_parse(body, len, pol, why, sizeof(why))) {
	case MTASTS_OK:
		free(body);
		return (0);
	case MTASTS_TEMP:
		fprintf(stderr, "mtasts: %s: %s\n", name, why);
		free(body);
		return (EX_OSERR);
	default:
		fprintf(stderr, "mtasts: %s: invalid MTA-STS policy: %s\n", name, why);
		free(body);
		return (EX_DATAERR);
	}
}

/* cmd_parse_policy - parse a policy file and print it as JSON */

int
cmd_parse_policy(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct mtasts_policy *pol;
	struct mtasts_buf out = {0};
	int	ret;

	if (argc != 2) {
		fprintf(stderr, "usage: mtasts parse-policy FILE|-\n");
		return (EX_USAGE);
	}
	if ((ret = read_policy(argv[1], &pol)) != 0)
		return (ret);
	mtasts_policy_json(&out, pol);
	mtasts_buf_puts(&out, "\n");
	mtasts_policy_free(pol);
	if (out.oom) {
		mtasts_buf_free(&out);
		fprintf(stderr, "mtasts: out of memory\n");
		return (EX_OSERR);
	}
	fputs(out.data, stdout);
	mtasts_buf_free(&out);
	return (0);
}

/* cmd_match_mx - does HOST match the policy's mx patterns? */

int
cmd_match_mx(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"policy", required_argument, NULL, 'p'},
		{NULL, 0, NULL, 0}
	};
	struct mtasts_policy *pol;
	const char *policy = NULL;
	int	ch, ret;

	while ((ch = getopt_long(argc, argv, "+p:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			policy = optarg;
			break;
		default:
			fprintf(stderr, "usage: mtasts match-mx --policy FILE HOST\n");
			return (EX_USAGE);
		}
	}
	if (policy == NULL || optind != argc - 1) {
		fprintf(stderr, "usage: mtasts match-mx --policy FILE HOST\n");
		return (EX_USAGE);
	}
	if ((ret = read_policy(policy, &pol)) != 0)
		return (ret);
	if (!mtasts_domain_valid(argv[optind]))
		fprintf(stderr, "mtasts: %s: not a valid host name\n", argv[optind]);
	ret = mtasts_policy_match(pol, argv[optind]) ? 0 : 1;
	mtasts_policy_free(pol);
	return (ret);
}
