#!/bin/sh
# NAME
#	valgrind.sh - the unit-test programs under valgrind memcheck
# SYNOPSIS
#	srcdir=SRC builddir=BUILD sh tests/valgrind.sh [CASE...]
# DESCRIPTION
#	Runs tests/vectors-run, tests/mutate-run, tests/store-test,
#	tests/cache-test, tests/mxstate-test, tests/dns-test (through tests/dns-test.sh and
#	DNS_TEST_WRAPPER) and tests/fetch-test (through tests/fetch-test.sh
#	and FETCH_TEST_WRAP) under valgrind --leak-check=full
#	--errors-for-leak-kinds=definite. A case passes when the program
#	passes its own checks and valgrind reports no error in any process
#	it ran (forked children included): no invalid read or write, no use
#	of uninitialised memory, no definite leak. Possible and reachable
#	leaks are not errors: libraries keep their global state.
#
#	Valgrind cannot run ASan binaries, and CI builds the suite with
#	--enable-sanitizers. When BUILD was configured with sanitizers this
#	script configures its own copy of the tree without them in a
#	temporary directory (CFLAGS "-g -O1", about 20 s on two cores) and
#	builds the six programs there; otherwise it uses BUILD as it is.
#	VALGRIND_BUILDDIR=DIR keeps that copy in DIR and reuses it.
#
#	A first case, valgrind/detects-leak, runs a program that leaks on
#	purpose and passes only when valgrind fails it: a broken valgrind
#	set-up must not look like clean code. mutate-run, the longest case,
#	runs alongside the others (two cores).
#
#	Prints "PASS valgrind/CASE (...)" or "FAIL valgrind/CASE: ..." with
#	the first lines of valgrind's report, and ends with "N passed, N
#	failed" (exit 1 on a failure). Without valgrind, or without a C
#	compiler for the copy: "0 passed, 0 failed, N skipped", exit 0.
# ENVIRONMENT
#	srcdir, builddir (or srcdir_abs, builddir_abs from run-suite.sh),
#	VALGRIND_BUILDDIR, VALGRIND_KEEP (keep logs; prints where).
set -u
here=$(cd "$(dirname "$0")" && pwd)
srcdir=${srcdir_abs:-${srcdir:-$here/..}}
builddir=${builddir_abs:-${builddir:-.}}
srcdir=$(cd "$srcdir" && pwd)
builddir=$(cd "$builddir" && pwd)
CASES="detects-leak vectors mutate store cache mxstate dns fetch"
[ $# -gt 0 ] && CASES="$*"
ncases=$(echo "$CASES" | wc -w)

skip() {
	for c in $CASES; do echo "SKIP valgrind/$c ($1)"; done
	echo "0 passed, 0 failed, $ncases skipped"
	exit 0
}
command -v valgrind >/dev/null 2>&1 || skip "valgrind is not installed (Debian: valgrind)"
command -v cc >/dev/null 2>&1 || skip "no C compiler"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mtasts-valgrind.XXXXXX") || exit 1
if [ -n "${VALGRIND_KEEP:-}" ]; then
	echo "valgrind logs in $tmp"
else
	trap 'rm -rf "$tmp"' EXIT
fi
trap 'exit 1' INT TERM HUP

# --- the build to test: BUILD itself, or a copy without sanitizers
PROGS="tests/vectors-run tests/mutate-run tests/store-test tests/cache-test
tests/mxstate-test tests/dns-test tests/fetch-test"
vgdir=$builddir copy=0
if ! grep -q '^SAN_CFLAGS = *$' "$builddir/Makefile" 2>/dev/null; then
	vgdir=${VALGRIND_BUILDDIR:-$tmp/build}
	copy=1
	mkdir -p "$vgdir"
	if [ ! -f "$vgdir/Makefile" ]; then
		(cd "$vgdir" && "$srcdir/configure" -q CFLAGS="-g -O1") \
			>"$tmp/configure.log" 2>&1
	fi
fi
# build TARGET... - make in the copy; on failure every case fails
build() {
	[ $copy = 1 ] || return 0
	(cd "$vgdir" && make -j2 "$@") >>"$tmp/build.log" 2>&1 && return 0
	for c in $CASES; do
		echo "FAIL valgrind/$c: the build without sanitizers failed:"
	done
	grep -E 'error|Error' "$tmp/configure.log" "$tmp/build.log" 2>/dev/null \
		| head -n 5 | sed 's/^/	/'
	echo "0 passed, $ncases failed"
	[ -n "${lane:-}" ] && kill "$lane" 2>/dev/null
	exit 1
}
# mutate-run, the longest case, first: it runs while the rest builds.
build libmtasts.la tests/mutate-run
[ $copy = 1 ] && echo "INFO valgrind: built a copy without sanitizers in $vgdir"

V=$srcdir/tests/vectors
# vg CASE - the valgrind command line for one case (one log per process)
vg() {
	echo "$vgdir/libtool --mode=execute valgrind -q --leak-check=full" \
	     "--errors-for-leak-kinds=definite --error-exitcode=99" \
	     "--num-callers=20 --log-file=$tmp/vg-$1.%p.log"
}

# run_case CASE - run one case; writes result_CASE
run_case() {
	c=$1 out=$tmp/out-$1.log
	case $c in
	detects-leak)
		printf '#include <stdlib.h>\nint main(void) { void *p = malloc(77); p = 0; return p != 0; }\n' \
			>"$tmp/leak.c"
		cc -g -O0 -o "$tmp/leak" "$tmp/leak.c" 2>"$out"
		valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
			--error-exitcode=99 --log-file="$tmp/vg-$c.%p.log" \
			"$tmp/leak" >>"$out" 2>&1
		rc=$?
		if [ "$rc" -eq 99 ] && grep -q 'definitely lost' "$tmp"/vg-$c.*.log; then
			echo "PASS valgrind/$c (a 77-byte leak fails the run)" >"$tmp/result_$c"
		else
			echo "FAIL valgrind/$c: valgrind did not report a planted leak (exit $rc)" \
				>"$tmp/result_$c"
		fi
		return ;;
	vectors)
		# shellcheck disable=SC2046
		$(vg $c) "$vgdir/tests/vectors-run" $(for k in txt select policy match key config http netstring maillog; do
			[ -d "$V/$k" ] && echo "$V/$k"; done) >"$out" 2>&1 ;;
	mutate)
		$(vg $c) "$vgdir/tests/mutate-run" "$V" >"$out" 2>&1 ;;
	store)
		$(vg $c) "$vgdir/tests/store-test" >"$out" 2>&1 ;;
	cache)
		$(vg $c) "$vgdir/tests/cache-test" >"$out" 2>&1 ;;
	mxstate)
		$(vg $c) "$vgdir/tests/mxstate-test" >"$out" 2>&1 ;;
	dns)
		DNS_TEST_WRAPPER=$(vg $c) srcdir=$srcdir builddir=$vgdir \
			sh "$srcdir/tests/dns-test.sh" >"$out" 2>&1 ;;
	fetch)
		FETCH_TEST_WRAP=$(vg $c) srcdir_abs=$srcdir builddir_abs=$vgdir \
			sh "$srcdir/tests/fetch-test.sh" >"$out" 2>&1 ;;
	*)
		echo "FAIL valgrind/$c: no such case" >"$tmp/result_$c"
		return ;;
	esac
	rc=$?
	inner=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
	# Every process valgrind watched wrote a log; an error in any fails.
	bad=$(grep -l -E 'ERROR SUMMARY: [1-9]|Invalid (read|write|free)|definitely lost in|uninitialised' \
		"$tmp"/vg-$c.*.log 2>/dev/null | head -n 1)
	nlogs=$(ls "$tmp"/vg-$c.*.log 2>/dev/null | wc -l)
	if [ "$rc" -eq 0 ] && [ -z "$bad" ] && [ "$nlogs" -gt 0 ] \
	    && echo "$inner" | grep -q ' 0 failed'; then
		echo "PASS valgrind/$c ($inner; $nlogs process(es), 0 errors)" >"$tmp/result_$c"
		return
	fi
	{
		if [ "$nlogs" -eq 0 ]; then
			echo "FAIL valgrind/$c: the program did not run under valgrind (exit $rc)"
		elif [ -n "$bad" ]; then
			echo "FAIL valgrind/$c: valgrind found errors (exit $rc; ${inner:-no result line}):"
			grep -v '^==[0-9]*== *$' "$bad" | head -n 25 | sed 's/^/	/'
		else
			echo "FAIL valgrind/$c: the test itself failed under valgrind (exit $rc; ${inner:-no result line}):"
			grep -E '^FAIL' "$out" | head -n 5 | sed 's/^/	/'
		fi
	} >"$tmp/result_$c"
}

# Two lanes: mutate-run (the longest, about a minute) and the rest.
long= rest=
for c in $CASES; do
	case $c in mutate) long=$c ;; *) rest="$rest $c" ;; esac
done
lane=
if [ -n "$long" ]; then
	run_case "$long" &
	lane=$!
fi
# shellcheck disable=SC2086
build $PROGS
for c in $rest; do run_case "$c"; done
[ -n "$lane" ] && wait "$lane"

pass=0 fail=0
for c in $CASES; do
	cat "$tmp/result_$c"
	if grep -q '^PASS' "$tmp/result_$c"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
