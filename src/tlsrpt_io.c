/*++
 * NAME
 *	tlsrpt_io 3
 * SUMMARY
 *	TLS reporting files: the audit log, the state file, the spool
 * SYNOPSIS
 *	#include <mtasts/tlsrpt.h>
 * DESCRIPTION
 *	mtasts_tlsrpt_agg_file() feeds a log file line by line to the
 *	aggregation; a line longer than MTASTS_TLSRPT_LINE_MAX is counted
 *	malformed and skipped, never held in memory whole.
 *	mtasts_tlsrpt_agg_log() reads the last rotation (PATH.1) first.
 *
 *	The state file says, per day, policy domain and rua endpoint, what
 *	happened: one line "DAY STATUS ATTEMPTS FIRST LAST DOMAIN ENDPOINT"
 *	(times in Unix seconds; ENDPOINT "-" for what concerns the domain
 *	as a whole: no record, bad record, too big). Entries older than
 *	MTASTS_TLSRPT_STATE_KEEP_DAYS are dropped when it is saved.
 *
 *	Every file is replaced atomically: written to a temporary name in
 *	the same directory, fsync()ed, renamed over the old one, and the
 *	directory fsync()ed, so a crash leaves the old or the new file,
 *	never a torn one. The caller saves the state after each delivery,
 *	so a report that went out is never sent again by a later run.
 * SECURITY
 *	Files are opened with O_NOFOLLOW and created mode 0600 (reports
 *	describe where our mail goes); the state file is bounded in size
 *	and a malformed line makes the whole file an error, since silently
 *	forgetting what was sent would send it twice.
 *--*/
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mtasts/limits.h>
#include <mtasts/tlsrpt.h>

#define STATE_HEADER	"# mtasts tlsrpt state 1: DAY STATUS ATTEMPTS FIRST LAST DOMAIN ENDPOINT\n"

static const char *const st_names[] = {"sent", "failed", "gaveup",
"norecord", "badrecord", "toobig", NULL};

/* mtasts_tlsrpt_st_str - state name */

const char *
mtasts_tlsrpt_st_str(enum mtasts_tlsrpt_st st)
{
	return ((unsigned) st < 6 ? st_names[st] : "?");
}

/* mtasts_tlsrpt_agg_file - count every line of a log file */

enum mtasts_status
mtasts_tlsrpt_agg_file(struct mtasts_tlsrpt_agg *a, const char *path,
		       char *why, size_t whylen)
{
	FILE   *fp;
	char   *buf;
	size_t	len;
	int	c, err;

	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "re")) == NULL) {
		mtasts_why(why, whylen, "%s: %s", path, strerror(errno));
		return (errno == ENOENT ? MTASTS_NONE : MTASTS_TEMP);
	}
	if ((buf = malloc(MTASTS_TLSRPT_LINE_MAX + 2)) == NULL) {
		if (fp != stdin)
			fclose(fp);
		mtasts_why(why, whylen, "out of memory");
		return (MTASTS_TEMP);
	}
	while (fgets(buf, MTASTS_TLSRPT_LINE_MAX + 2, fp) != NULL) {
		len = strlen(buf);
		if (len > MTASTS_TLSRPT_LINE_MAX && buf[len - 1] != '\n') {
			/* Too long: skip the rest, count it, go on. */
			while ((c = getc(fp)) != EOF && c != '\n')
				 /* void */ ;
			len = MTASTS_TLSRPT_LINE_MAX + 1;
		}
		if (mtasts_tlsrpt_agg_line(a, buf, len) == MTASTS_TEMP) {
			mtasts_why(why, whylen, "%s: out of memory", path);
			free(buf);
			if (fp != stdin)
				fclose(fp);
			return (MTASTS_TEMP);
		}
	}
	err = ferror(fp);
	free(buf);
	if (fp != stdin)
		fclose(fp);
	if (err) {
		mtasts_why(why, whylen, "%s: read error", path);
		return (MTASTS_TEMP);
	}
	return (MTASTS_OK);
}

/* mtasts_tlsrpt_agg_log - PATH.1, when logrotate left one, then PATH */

enum mtasts_status
mtasts_tlsrpt_agg_log(struct mtasts_tlsrpt_agg *a, const char *path,
		      char *why, size_t whylen)
{
	char	rotated[PATH_MAX];
	enum mtasts_status st, st1 = MTASTS_NONE;
	int	n;

	if (strcmp(path, "-") != 0) {
		n = snprintf(rotated, sizeof(rotated), "%s.1", path);
		if (n > 0 && (size_t) n < sizeof(rotated)
		    && (st1 = mtasts_tlsrpt_agg_file(a, rotated, why, whylen))
		    == MTASTS_TEMP)
			return (st1);
	}
	st = mtasts_tlsrpt_agg_file(a, path, why, whylen);
	/* Just rotated, nothing written since: the day is in PATH.1. */
	return (st == MTASTS_NONE && st1 == MTASTS_OK ? MTASTS_OK : st);
}

/* write_atomic - replace path with data: temp file, fsync, rename */

static enum mtasts_status
write_atomic(const char *path, const void *data, size_t len, char *why,
	     size_t whylen)
{
	char	tmp[PATH_MAX], dir[PATH_MAX], *slash;
	const char *p = data;
	ssize_t	n;
	int	fd, dfd, len2, ok;

	len2 = snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long) getpid());
	if (len2 < 0 || (size_t) len2 >= sizeof(tmp)) {
		mtasts_why(why, whylen, "%s: path too long", path);
		return (MTASTS_PERM);
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		       0600)) < 0) {
		mtasts_why(why, whylen, "%s: %s", tmp, strerror(errno));
		return (MTASTS_TEMP);
	}
	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		p += n;
		len -= (size_t) n;
	}
	ok = len == 0 && fsync(fd) == 0;
	if (!ok)
		mtasts_why(why, whylen, "%s: %s", tmp, strerror(errno));
	if (close(fd) < 0 && ok) {
		mtasts_why(why, whylen, "%s: %s", tmp, strerror(errno));
		ok = 0;
	}
	if (!ok) {
		(void) unlink(tmp);
		return (MTASTS_TEMP);
	}
	if (rename(tmp, path) < 0) {
		mtasts_why(why, whylen, "rename %s: %s", path, strerror(errno));
		(void) unlink(tmp);
		return (MTASTS_TEMP);
	}
	/* The rename itself must reach the disk before we act on it. */
	(void) snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*(slash == dir ? slash + 1 : slash) = 0;
		if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
			(void) fsync(dfd);
			(void) close(dfd);
		}
	}
	return (MTASTS_OK);
}

/* join - DIR/NAME into out */

static int
join(const char *dir, const char *name, char *out, size_t outlen)
{
	int	n = snprintf(out, outlen, "%s/%s", dir, name);

	return (n < 0 || (size_t) n >= outlen ? -1 : 0);
}

/* mtasts_tlsrpt_write_file - write DIR/NAME atomically */

enum mtasts_status
mtasts_tlsrpt_write_file(const char *dir, const char *name, const void *data,
			 size_t len, char *why, size_t whylen)
{
	char	path[PATH_MAX];

	if (join(dir, name, path, sizeof(path)) < 0) {
		mtasts_why(why, whylen, "%s: path too long", dir);
		return (MTASTS_PERM);
	}
	return (write_atomic(path, data, len, why, whylen));
}

/* read_path - a whole file of at most max bytes; NONE if absent */

static enum mtasts_status
read_path(const char *path, size_t max, struct mtasts_buf *out, char *why,
	  size_t whylen)
{
	struct stat sb;
	char	buf[8192];
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		mtasts_why(why, whylen, "%s: %s", path, strerror(errno));
		return (errno == ENOENT ? MTASTS_NONE : MTASTS_TEMP);
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || (size_t) sb.st_size > max) {
		mtasts_why(why, whylen, "%s: not a regular file of at most %zu"
			   " bytes", path, max);
		(void) close(fd);
		return (MTASTS_PERM);
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || out->len + (size_t) n > max) {
			mtasts_why(why, whylen, "%s: %s", path, n < 0 ?
				   strerror(errno) : "grew while being read");
			(void) close(fd);
			return (MTASTS_TEMP);
		}
		mtasts_buf_append(out, buf, (size_t) n);
	}
	(void) close(fd);
	if (out->oom) {
		mtasts_why(why, whylen, "%s: out of memory", path);
		return (MTASTS_TEMP);
	}
	return (MTASTS_OK);
}

/* mtasts_tlsrpt_read_file - read DIR/NAME */

enum mtasts_status
mtasts_tlsrpt_read_file(const char *dir, const char *name, size_t max,
			struct mtasts_buf *out, char *why, size_t whylen)
{
	char	path[PATH_MAX];

	if (join(dir, name, path, sizeof(path)) < 0) {
		mtasts_why(why, whylen, "%s: path too long", dir);
		return (MTASTS_PERM);
	}
	return (read_path(path, max, out, why, whylen));
}

/* state_add - append an entry; the strings are copied */

static struct mtasts_tlsrpt_entry *
state_add(struct mtasts_tlsrpt_state *s, const char *day, const char *domain,
	  const char *endpoint)
{
	struct mtasts_tlsrpt_entry *e;

	if (s->n == s->cap) {
		size_t	cap = s->cap ? s->cap * 2 : 32;

		if ((e = realloc(s->e, cap * sizeof(*e))) == NULL)
			return (NULL);
		s->e = e;
		s->cap = cap;
	}
	e = s->e + s->n;
	memset(e, 0, sizeof(*e));
	(void) snprintf(e->day, sizeof(e->day), "%s", day);
	if ((e->domain = strdup(domain)) == NULL
	    || (e->endpoint = strdup(endpoint)) == NULL) {
		free(e->domain);
		return (NULL);
	}
	s->n++;
	return (e);
}

/* parse_state_line - one line into an entry; -1 if malformed */

static int
parse_state_line(struct mtasts_tlsrpt_state *s, char *line)
{
	char   *f[7], *end;
	struct mtasts_tlsrpt_entry *e;
	unsigned long attempts;
	long long first, last;
	int	i, st;

	for (i = 0; i < 7; i++) {
		while (*line == ' ')
			line++;
		if (*line == 0)
			return (-1);
		f[i] = line;
		while (*line && *line != ' ')
			line++;
		if (*line)
			*line++ = 0;
	}
	if (*line || strlen(f[0]) != 10)
		return (-1);
	for (st = 0; st_names[st] && strcmp(st_names[st], f[1]) != 0; st++)
		 /* void */ ;
	if (st_names[st] == NULL)
		return (-1);
	errno = 0;
	attempts = strtoul(f[2], &end, 10);
	if (*end || errno || attempts > 1000000)
		return (-1);
	first = strtoll(f[3], &end, 10);
	if (*end || errno)
		return (-1);
	last = strtoll(f[4], &end, 10);
	if (*end || errno)
		return (-1);
	if ((e = state_add(s, f[0], f[5], f[6])) == NULL)
		return (-2);
	e->st = (enum mtasts_tlsrpt_st) st;
	e->attempts = (unsigned) attempts;
	e->first = (time_t) first;
	e->last = (time_t) last;
	return (0);
}

/* mtasts_tlsrpt_state_open - lock and read the state file */

enum mtasts_status
mtasts_tlsrpt_state_open(const char *path, int lock,
			 struct mtasts_tlsrpt_state *s, char *why,
			 size_t whylen)
{
	struct mtasts_buf b = {0};
	char	lpath[PATH_MAX], *line, *nl;
	enum mtasts_status st;
	unsigned long lineno = 0;
	int	n, rc;

	memset(s, 0, sizeof(*s));
	s->lockfd = -1;
	if ((s->path = strdup(path)) == NULL) {
		mtasts_why(why, whylen, "out of memory");
		return (MTASTS_TEMP);
	}
	if (lock) {
		n = snprintf(lpath, sizeof(lpath), "%s.lock", path);
		if (n < 0 || (size_t) n >= sizeof(lpath)) {
			mtasts_why(why, whylen, "%s: path too long", path);
			return (MTASTS_PERM);
		}
		if ((s->lockfd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
				      0600)) < 0) {
			mtasts_why(why, whylen, "%s: %s", lpath, strerror(errno));
			return (MTASTS_TEMP);
		}
		if (flock(s->lockfd, LOCK_EX | LOCK_NB) < 0) {
			mtasts_why(why, whylen, "%s: another mtasts report holds the"
				   " lock", lpath);
			return (MTASTS_TEMP);
		}
	}
	if ((st = read_path(path, MTASTS_TLSRPT_STATE_MAX, &b, why, whylen))
	    == MTASTS_NONE) {
		mtasts_buf_free(&b);
		return (MTASTS_OK);
	}
	if (st != MTASTS_OK) {
		mtasts_buf_free(&b);
		return (st);
	}
	for (line = b.data; line && *line; line = nl) {
		lineno++;
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = 0;
		if (*line == '#' || *line == 0)
			continue;
		if ((rc = parse_state_line(s, line)) < 0) {
			if (rc == -2)
				mtasts_why(why, whylen, "out of memory");
			else
				mtasts_why(why, whylen, "%s:%lu: malformed state line"
					   " (fix or remove it: what was sent would be"
					   " forgotten)", path, lineno);
			mtasts_buf_free(&b);
			return (rc == -2 ? MTASTS_TEMP : MTASTS_PERM);
		}
	}
	mtasts_buf_free(&b);
	return (MTASTS_OK);
}

/* mtasts_tlsrpt_state_find - the entry for day, domain and endpoint */

struct mtasts_tlsrpt_entry *
mtasts_tlsrpt_state_find(struct mtasts_tlsrpt_state *s, const char *day,
			 const char *domain, const char *endpoint)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->e[i].day, day) == 0
		    && strcmp(s->e[i].domain, domain) == 0
		    && strcmp(s->e[i].endpoint, endpoint) == 0)
			return (s->e + i);
	return (NULL);
}

/* mtasts_tlsrpt_state_set - record an outcome */

enum mtasts_status
mtasts_tlsrpt_state_set(struct mtasts_tlsrpt_state *s, const char *day,
			const char *domain, const char *endpoint,
			enum mtasts_tlsrpt_st st, time_t now)
{
	struct mtasts_tlsrpt_entry *e;

	/* Names go into a space-separated file: refuse what would split. */
	if (strpbrk(domain, " \n") || strpbrk(endpoint, " \n") || !*endpoint)
		return (MTASTS_PERM);
	if ((e = mtasts_tlsrpt_state_find(s, day, domain, endpoint)) == NULL) {
		if ((e = state_add(s, day, domain, endpoint)) == NULL)
			return (MTASTS_TEMP);
		e->first = now;
	}
	e->st = st;
	e->attempts++;
	e->last = now;
	return (MTASTS_OK);
}

/* mtasts_tlsrpt_state_save - prune and write the state file */

enum mtasts_status
mtasts_tlsrpt_state_save(struct mtasts_tlsrpt_state *s, time_t now,
			 char *why, size_t whylen)
{
	struct mtasts_buf b = {0};
	char	cutoff[16];
	enum mtasts_status st;
	size_t	i;

	mtasts_tlsrpt_day(now - (time_t) MTASTS_TLSRPT_STATE_KEEP_DAYS * 86400,
			  cutoff, sizeof(cutoff));
	mtasts_buf_puts(&b, STATE_HEADER);
	for (i = 0; i < s->n; i++) {
		const struct mtasts_tlsrpt_entry *e = s->e + i;

		if (strcmp(e->day, cutoff) < 0)
			continue;
		mtasts_buf_printf(&b, "%s %s %u %lld %lld %s %s\n", e->day,
				  mtasts_tlsrpt_st_str(e->st), e->attempts,
				  (long long) e->first, (long long) e->last,
				  e->domain, e->endpoint);
	}
	if (b.oom) {
		mtasts_buf_free(&b);
		mtasts_why(why, whylen, "state: out of memory");
		return (MTASTS_TEMP);
	}
	st = write_atomic(s->path, b.data, b.len, why, whylen);
	mtasts_buf_free(&b);
	return (st);
}

/* mtasts_tlsrpt_state_close - release the state and its lock */

void
mtasts_tlsrpt_state_close(struct mtasts_tlsrpt_state *s)
{
	size_t	i;

	for (i = 0; i < s->n; i++) {
		free(s->e[i].domain);
		free(s->e[i].endpoint);
	}
	free(s->e);
	free(s->path);
	if (s->lockfd >= 0)
		(void) close(s->lockfd);
	memset(s, 0, sizeof(*s));
	s->lockfd = -1;
}
