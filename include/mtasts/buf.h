/*++
 * NAME
 *	buf 3h
 * SUMMARY
 *	growable text buffer with JSON string output
 * SYNOPSIS
 *	#include <mtasts/buf.h>
 * DESCRIPTION
 *	A struct mtasts_buf starts zeroed ({0}) and grows on demand; the caller
 *	owns it and releases the memory with mtasts_buf_free(). After any
 *	append failed for lack of memory, the buffer is marked (oom != 0) and
 *	further appends do nothing, so a caller checks once at the end.
 *	data is always NUL-terminated once anything was appended.
 *--*/
#ifndef MTASTS_BUF_H
#define MTASTS_BUF_H

#include <stddef.h>

struct mtasts_buf {
	char   *data;
	size_t	len;
	size_t	cap;
	int	oom;
};

void	mtasts_buf_append(struct mtasts_buf *, const char *, size_t);
void	mtasts_buf_puts(struct mtasts_buf *, const char *);
void	mtasts_buf_printf(struct mtasts_buf *, const char *, ...)
	__attribute__((format(printf, 2, 3)));
/* mtasts_buf_json_str - append s as a quoted JSON string (escaped) */
void	mtasts_buf_json_str(struct mtasts_buf *, const char *s);
void	mtasts_buf_json_strn(struct mtasts_buf *, const char *s, size_t len);
void	mtasts_buf_reset(struct mtasts_buf *);
void	mtasts_buf_free(struct mtasts_buf *);

#endif
