#!/bin/sh
# run-suite.sh - run every part of the mtasts test suite and add up results.
#
# Each part prints its own PASS/FAIL lines and ends with "N passed, N
# failed" (optionally ", N skipped"). This script runs them in order, sums
# the counts and ends with one line of the same form: the line CI reads.
# A part that exits non-zero without counting a failure, or prints no
# closing line, counts as one failure: a broken runner must not look green.
#
# Environment: srcdir (source tree, default .), builddir (build tree,
# default .), MTASTS_SUITE (space-separated part names to run; default all).
set -u
srcdir=${srcdir:-.}
builddir=${builddir:-.}
export srcdir builddir
srcdir_abs=$(cd "$srcdir" && pwd)
builddir_abs=$(cd "$builddir" && pwd)
export srcdir_abs builddir_abs

V=$srcdir/tests/vectors
# name|command
PARTS="
vectors|$builddir/tests/vectors-run $V/txt $V/select $V/policy $V/match $V/key $V/config $V/http $V/netstring $V/maillog
mutate|$builddir/tests/mutate-run $V
cli|sh $srcdir/tests/cli.sh
abi|sh $srcdir/tests/abi.sh
units|sh $srcdir/tests/units.sh
install|sh $srcdir/tests/install.sh
fuzz|sh $srcdir/tests/fuzz-run.sh
"
for extra in dns-test.sh fetch-test.sh tlsrpt.sh daemon.sh; do
	[ -f "$srcdir/tests/$extra" ] && PARTS="$PARTS
${extra%.sh}|sh $srcdir/tests/$extra"
done
PARTS="$PARTS
store|$builddir/tests/store-test"
[ -f "$srcdir/tests/cache-test.c" ] && PARTS="$PARTS
cache|$builddir/tests/cache-test"
[ -f "$srcdir/tests/mxstate-test.c" ] && PARTS="$PARTS
mxstate|$builddir/tests/mxstate-test"
[ -f "$srcdir/tests/harness.sh" ] && PARTS="$PARTS
harness|sh $srcdir/tests/harness.sh
check|sh $srcdir/tests/check.sh"
[ -f "$srcdir/tests/socketmap-clients.sh" ] && PARTS="$PARTS
socketmap-clients|sh $srcdir/tests/socketmap-clients.sh"
[ -f "$srcdir/tests/sendmail-sts.sh" ] && PARTS="$PARTS
sendmail-sts|sh $srcdir/tests/sendmail-sts.sh"
[ -f "$srcdir/tests/milter.sh" ] && PARTS="$PARTS
milter|sh $srcdir/tests/milter.sh"
[ -f "$srcdir/tests/outcomes.sh" ] && PARTS="$PARTS
outcomes|sh $srcdir/tests/outcomes.sh"
[ -f "$srcdir/tests/faults.sh" ] && PARTS="$PARTS
faults|sh $srcdir/tests/faults.sh"
[ -f "$srcdir/tests/hostile.sh" ] && PARTS="$PARTS
hostile|sh $srcdir/tests/hostile.sh"
[ -f "$srcdir/tests/valgrind.sh" ] && PARTS="$PARTS
valgrind|sh $srcdir/tests/valgrind.sh"
[ -f "$srcdir/tests/exim.sh" ] && PARTS="$PARTS
exim|sh $srcdir/tests/exim.sh"

total_p=0 total_f=0 total_s=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT INT TERM
echo "$PARTS" | while IFS='|' read -r name cmd; do
	[ -n "$name" ] || continue
	case " ${MTASTS_SUITE:-$name} " in *" $name "*) ;; *) continue ;; esac
	echo "== $name"
	start=$(date +%s)
	# shellcheck disable=SC2086
	$cmd >"$log" 2>&1
	rc=$?
	cat "$log"
	line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -n 1)
	p=$(echo "$line" | sed -n 's/.*\b\([0-9][0-9]*\) passed.*/\1/p')
	f=$(echo "$line" | sed -n 's/.* \([0-9][0-9]*\) failed.*/\1/p')
	s=$(echo "$line" | sed -n 's/.* \([0-9][0-9]*\) skipped.*/\1/p')
	p=${p:-0} f=${f:-0} s=${s:-0}
	if [ -z "$line" ]; then
		echo "FAIL $name: runner printed no 'N passed, N failed' line (exit $rc)"
		f=$((f + 1))
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "FAIL $name: runner exited $rc"
		f=1
	fi
	echo "== $name: $p passed, $f failed, $s skipped ($(( $(date +%s) - start )) s)"
	echo "$p $f $s" >>"$log.sum"
done
if [ -f "$log.sum" ]; then
	total_p=$(awk '{s+=$1} END {print s+0}' "$log.sum")
	total_f=$(awk '{s+=$2} END {print s+0}' "$log.sum")
	total_s=$(awk '{s+=$3} END {print s+0}' "$log.sum")
	rm -f "$log.sum"
fi
if [ "$total_p" -eq 0 ]; then
	echo "FAIL suite: no test ran"
	total_f=$((total_f + 1))
fi
if [ "$total_s" -gt 0 ]; then
	echo "$total_p passed, $total_f failed, $total_s skipped"
else
	echo "$total_p passed, $total_f failed"
fi
[ "$total_f" -eq 0 ]
