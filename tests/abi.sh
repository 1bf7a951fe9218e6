#!/bin/sh
#++
# NAME
#	abi.sh - libmtasts.so exports its public API and nothing else
# SYNOPSIS
#	srcdir=DIR builddir=DIR sh tests/abi.sh
# DESCRIPTION
#	src/libmtasts.sym lists what libmtasts.so exports (libtool
#	-export-symbols): the functions declared in include/mtasts/*.h.
#	Everything else (config walkers, cache record codecs, the DNS
#	answer reader, store helpers) stays inside the library, so an MTA
#	that loads us (Exim's dlfunc module) gets no symbol of ours that it
#	could collide with, and a packager's symbols file sees only the
#	API. Cases:
#	  headers-listed   every function a public header declares is in
#	                   the list, and the list names nothing else
#	  exported         the built library exports exactly the list
#	  no-stray-names   no exported symbol lacks the mtasts_ prefix
#	Prints "PASS abi/CASE" or "FAIL abi/CASE: why" and the counts.
#--
set -u
srcdir=${srcdir:-.}
builddir=${builddir:-.}
PART=abi
CASES="headers-listed exported no-stray-names"
. "$srcdir/tests/lib.sh"

SYM=$srcdir/src/libmtasts.sym
LIB=$builddir/.libs/libmtasts.so
tmp=$(mktemp -d) || broken "mktemp failed"
trap 'rm -rf "$tmp"' EXIT INT TERM

[ -f "$SYM" ] || broken "no $SYM"
command -v nm >/dev/null 2>&1 || broken "no nm(1) (binutils)"
sort -u "$SYM" >"$tmp/list"

# Declarations, not comments: drop comment lines, then take names
# followed by "(" (prototypes); macros are not symbols.
cat "$srcdir"/include/mtasts/*.h | grep -v '^[[:space:]]*/\{0,1\}\*' |
	grep -v '^#[[:space:]]*define' |
	grep -oE '\bmtasts_[a-z0-9_]+[[:space:]]*\(' |
	sed 's/[[:space:]]*($//' | sort -u >"$tmp/declared"
d=$(comm -3 "$tmp/list" "$tmp/declared" | tr -d '\t' | tr '\n' ' ')
if [ -z "$d" ]; then
	ok headers-listed "$(wc -l <"$tmp/list") functions"
else
	nok headers-listed "in one of src/libmtasts.sym and include/mtasts/*.h only: $d"
fi

if [ ! -f "$LIB" ]; then
	nok exported "no $LIB (a static-only build?)"
	nok no-stray-names "no $LIB"
else
	nm -D --defined-only "$LIB" | awk '$2 ~ /^[TDBRVWi]$/ { print $3 }' |
		sed 's/@.*//' | sort -u >"$tmp/exported"
	d=$(comm -3 "$tmp/list" "$tmp/exported" | tr -d '\t' | tr '\n' ' ')
	if [ -z "$d" ]; then
		ok exported "$(wc -l <"$tmp/exported") symbols"
	else
		nok exported "exported or listed, not both: $d"
	fi
	stray=$(grep -v '^mtasts_' "$tmp/exported" | tr '\n' ' ')
	if [ -z "$stray" ]; then
		ok no-stray-names
	else
		nok no-stray-names "$stray"
	fi
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
