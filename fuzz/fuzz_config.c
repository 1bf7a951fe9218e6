/*++
 * NAME
 *	fuzz_config 1
 * SUMMARY
 *	libFuzzer target: mtasts_config_parse() on arbitrary bytes
 * SYNOPSIS
 *	clang -fsanitize=fuzzer,address,undefined -Iinclude -I. \
 *		fuzz/fuzz_config.c tests/mutate_config.c src/config.c \
 *		src/config_schema.c src/domain.c src/status.c src/buf.c \
 *		-lyaml -o fuzz_config
 *	./fuzz_config [-max_total_time=60] [corpus/]
 * DESCRIPTION
 *	Each input is parsed as a config file and freed; the checks of
 *	mut_config() (tests/mutate_config.c) abort on a broken contract, so
 *	the fuzzer and the in-suite mutation loop test the same thing.
 *--*/
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "../tests/mutate.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* LLVMFuzzerTestOneInput - one input */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mut_config((const char *) data, size);
	return (0);
}
