/*++
 * NAME
 *	buf 3
 * SUMMARY
 *	growable text buffer with JSON string output
 * DESCRIPTION
 *	Used wherever mtasts writes JSON (CLI output, audit log) so escaping
 *	lives in one place. Bytes outside printable ASCII are written as
 *	\u00XX, which keeps the output valid JSON whatever a peer sent.
 *--*/
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mtasts/buf.h>

/* grow - ensure room for need more bytes plus the terminator */

static int
grow(struct mtasts_buf *b, size_t need)
{
	size_t	cap;
	char   *p;

	if (b->oom)
		return (-1);
	if (b->len + need + 1 <= b->cap)
		return (0);
	cap = b->cap ? b->cap : 64;
	while (cap < b->len + need + 1) {
		if (cap > ((size_t) -1) / 2) {
			b->oom = 1;
			return (-1);
		}
		cap *= 2;
	}
	if ((p = realloc(b->data, cap)) == NULL) {
		b->oom = 1;
		return (-1);
	}
	b->data = p;
	b->cap = cap;
	return (0);
}

/* mtasts_buf_append - append len bytes */

void
mtasts_buf_append(struct mtasts_buf *b, const char *s, size_t len)
{
	if (grow(b, len) < 0)
		return;
	memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = 0;
}

/* mtasts_buf_puts - append a string */

void
mtasts_buf_puts(struct mtasts_buf *b, const char *s)
{
	mtasts_buf_append(b, s, strlen(s));
}

/* mtasts_buf_printf - append formatted text */

void
mtasts_buf_printf(struct mtasts_buf *b, const char *fmt, ...)
{
	va_list ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	if (grow(b, (size_t) n) < 0)
		return;
	va_start(ap, fmt);
	(void) vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
}

/* mtasts_buf_json_strn - append a quoted, escaped JSON string */

void
mtasts_buf_json_strn(struct mtasts_buf *b, const char *s, size_t len)
{
	size_t	i;

	mtasts_buf_append(b, "\"", 1);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char) s[i];

		if (c == '"' || c == '\\') {
			char	esc[2] = {'\\', (char) c};

			mtasts_buf_append(b, esc, 2);
		} else if (c == '\n') {
			mtasts_buf_append(b, "\\n", 2);
		} else if (c == '\r') {
			mtasts_buf_append(b, "\\r", 2);
		} else if (c == '\t') {
			mtasts_buf_append(b, "\\t", 2);
		} else if (c < 0x20 || c >= 0x7f) {
			mtasts_buf_printf(b, "\\u%04x", c);
		} else {
			char	ch = (char) c;

			mtasts_buf_append(b, &ch, 1);
		}
	}
	mtasts_buf_append(b, "\"", 1);
}

/* mtasts_buf_json_str - append a quoted JSON string */

void
mtasts_buf_json_str(struct mtasts_buf *b, const char *s)
{
	mtasts_buf_json_strn(b, s, strlen(s));
}

/* mtasts_buf_reset - empty, keep memory */

void
mtasts_buf_reset(struct mtasts_buf *b)
{
	b->len = 0;
	b->oom = 0;
	if (b->data)
		b->data[0] = 0;
}

/* mtasts_buf_free - release memory */

void
mtasts_buf_free(struct mtasts_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}
