/*++
 * NAME
 *	audit 3
 * SUMMARY
 *	the audit log: syslog and JSON lines
 * DESCRIPTION
 *	See audit.h. The JSON line carries the UTC time with seconds, from
 *	mtasts_now(), so tests and reports agree with the rest of the core.
 * SECURITY
 *	Values go through mtasts_sanitize() for syslog and through JSON
 *	escaping for the file; the file is opened O_APPEND|O_CLOEXEC|
 *	O_NOFOLLOW so a link planted in a log directory is not followed.
 *--*/
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <mtasts/audit.h>
#include <mtasts/buf.h>
#include <mtasts/clock.h>
#include <mtasts/limits.h>

struct mtasts_audit {
	int	fd;			/* JSON lines file, or -1 */
	int	facility;
};

/* mtasts_audit_open - prepare the audit log */

struct mtasts_audit *
mtasts_audit_open(const struct mtasts_config *cfg, char *why, size_t whylen)
{
	struct mtasts_audit *a;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		mtasts_why(why, whylen, "audit: out of memory");
		return (NULL);
	}
	a->fd = -1;
	a->facility = cfg->syslog_facility;
	if (why && whylen)
		why[0] = 0;
	if (cfg->json_file != NULL) {
		a->fd = open(cfg->json_file,
			     O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
		if (a->fd < 0)
			mtasts_why(why, whylen, "audit: %s: %s (logging to syslog only)",
				   cfg->json_file, strerror(errno));
	}
	return (a);
}

/* kv - append " key=value" for syslog, quoting values with blanks */

static void
kv(struct mtasts_buf *b, const char *key, const char *val)
{
	char	clean[MTASTS_REASON_MAX];
	size_t	i;

	if (val == NULL)
		return;
	mtasts_sanitize(val, strlen(val), clean, sizeof(clean));
	/* A quote inside a quoted value would end it early: make it harmless. */
	for (i = 0; clean[i]; i++)
		if (clean[i] == '"')
			clean[i] = '\'';
	if (strpbrk(clean, " =") != NULL || clean[0] == 0)
		mtasts_buf_printf(b, " %s=\"%s\"", key, clean);
	else
		mtasts_buf_printf(b, " %s=%s", key, clean);
}

/* jkv - append ,"key":value for JSON */

static void
jkv(struct mtasts_buf *b, const char *key, const char *val)
{
	mtasts_buf_printf(b, ",\"%s\":", key);
	if (val == NULL)
		mtasts_buf_puts(b, "null");
	else
		mtasts_buf_json_str(b, val);
}

/* mtasts_audit_write - write one record */

void
mtasts_audit_write(struct mtasts_audit *a, const struct mtasts_audit_rec *r)
{
	struct mtasts_buf b = {0};
	char	stamp[32];
	time_t	now = mtasts_now();
	struct tm tm;

	if (a == NULL)
		return;
	kv(&b, "event", r->event);
	kv(&b, "domain", r->domain);
	kv(&b, "mx", r->mx);
	kv(&b, "addr", r->addr);
	kv(&b, "policy_id", r->policy_id);
	kv(&b, "mode", r->mode);
	kv(&b, "action", r->action);
	kv(&b, "result_type", r->result_type);
	kv(&b, "reason", r->reason);
	if (!b.oom && b.data)
		syslog(a->facility | LOG_INFO, "mtasts:%s", b.data);
	else
		syslog(a->facility | LOG_ERR, "mtasts: audit record lost: out of memory");

	if (a->fd < 0) {
		mtasts_buf_free(&b);
		return;
	}
	mtasts_buf_reset(&b);
	if (gmtime_r(&now, &tm) == NULL
	    || strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		stamp[0] = 0;
	mtasts_buf_puts(&b, "{\"time\":");
	mtasts_buf_json_str(&b, stamp);
	mtasts_buf_printf(&b, ",\"unix\":%lld", (long long) now);
	jkv(&b, "event", r->event);
	jkv(&b, "domain", r->domain);
	jkv(&b, "mx", r->mx);
	jkv(&b, "addr", r->addr);
	jkv(&b, "policy_id", r->policy_id);
	jkv(&b, "mode", r->mode);
	jkv(&b, "mx_patterns", r->mx_patterns);
	if (r->max_age > 0)
		mtasts_buf_printf(&b, ",\"max_age\":%ld", r->max_age);
	else
		mtasts_buf_puts(&b, ",\"max_age\":null");
	jkv(&b, "action", r->action);
	jkv(&b, "result_type", r->result_type);
	jkv(&b, "reason", r->reason);
	mtasts_buf_puts(&b, "}\n");
	if (!b.oom) {
		ssize_t n = write(a->fd, b.data, b.len);

		if (n < 0 || (size_t) n != b.len)
			syslog(a->facility | LOG_ERR, "mtasts: audit file write failed: %s",
			       n < 0 ? strerror(errno) : "short write");
	}
	mtasts_buf_free(&b);
}

/* mtasts_audit_close - close and free */

void
mtasts_audit_close(struct mtasts_audit *a)
{
	if (a == NULL)
		return;
	if (a->fd >= 0)
		(void) close(a->fd);
	free(a);
}
