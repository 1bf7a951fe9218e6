/*++
 * NAME
 *	mutate 3h
 * SUMMARY
 *	bounded mutation run over every parser, inside the test suite
 * DESCRIPTION
 *	Each target takes arbitrary bytes and must neither crash, hang, leak
 *	nor trip a sanitizer. mutate.c owns the loop and the parser targets;
 *	mutate_config.c provides the config target.
 *--*/
#ifndef MTASTS_TEST_MUTATE_H
#define MTASTS_TEST_MUTATE_H

#include <stddef.h>

void	mut_config(const char *buf, size_t len);

#endif
