/*++
 * NAME
 *	fuzz_http 1
 * SUMMARY
 *	libFuzzer target for the HTTP response parser
 * SYNOPSIS
 *	clang -fsanitize=fuzzer,address,undefined -Iinclude -I. \
 *		fuzz/fuzz_http.c src/http.c src/http_policy.c src/status.c \
 *		-o fuzz_http
 *	./fuzz_http [-max_total_time=60] [corpus/]
 * DESCRIPTION
 *	The first two input bytes seed the piece sizes; the rest is the
 *	response, fed to mtasts_http_feed() in pieces of 1 to 64 bytes (or
 *	all at once when the seed says so), then mtasts_http_eof() and the
 *	policy check. Alongside memory errors it checks the promises of
 *	http.h: *used never exceeds the piece, the parser only stops short
 *	of a piece when it is done or failed, an error is sticky, the body
 *	never exceeds the limit, and feeding the same input whole gives the
 *	same outcome as feeding it in pieces.
 *	A small body limit (1 KiB) makes the limit checks reachable.
 *--*/
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mtasts/http.h>

#define FUZZ_BODY_MAX	1024

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* parse - feed input in pieces chosen by seed; return final status */

static enum mtasts_status
parse(const char *in, size_t len, unsigned seed, int whole, int *status,
      size_t *bodylen)
{
	struct mtasts_http *h;
	enum mtasts_status st = MTASTS_NONE, again;
	size_t	off = 0, piece, used;
	char	why[256];

	if ((h = mtasts_http_new(FUZZ_BODY_MAX)) == NULL)
		abort();
	while (off < len) {
		seed = seed * 1103515245u + 12345u;
		piece = whole ? len - off : 1 + (seed >> 16) % 64;
		if (piece > len - off)
			piece = len - off;
		st = mtasts_http_feed(h, in + off, piece, &used, why, sizeof(why));
		if (used > piece)
			abort();
		off += used;
		if (st == MTASTS_NONE && used != piece)
			abort();
		if (st != MTASTS_NONE)
			break;
	}
	if (st == MTASTS_PERM) {
		/* Errors are sticky. */
		again = mtasts_http_feed(h, "x", 1, &used, why, sizeof(why));
		if (again != MTASTS_PERM)
			abort();
	}
	if (st == MTASTS_NONE)
		st = mtasts_http_eof(h, why, sizeof(why));
	(void) mtasts_http_check_policy(h, why, sizeof(why));
	(void) mtasts_http_header(h, "Content-Type", 0);
	(void) mtasts_http_body(h, bodylen);
	if (*bodylen > FUZZ_BODY_MAX)
		abort();
	*status = mtasts_http_status(h);
	mtasts_http_free(h);
	return (st);
}

/* LLVMFuzzerTestOneInput - one fuzz case */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum mtasts_status a, b;
	int	sa, sb;
	size_t	la, lb;
	unsigned seed;

	if (size < 2)
		return (0);
	seed = (unsigned) data[0] << 8 | data[1];
	a = parse((const char *) data + 2, size - 2, seed, 0, &sa, &la);
	b = parse((const char *) data + 2, size - 2, seed, 1, &sb, &lb);
	/* Where the input is cut must never change the outcome. */
	if (a != b || sa != sb || (a == MTASTS_OK && la != lb))
		abort();
	return (0);
}
