#!/bin/sh
#++
# NAME
#	harness.sh - end-to-end scenarios of `mtasts lookup` in a real world
# SYNOPSIS
#	srcdir=DIR builddir=DIR sh tests/harness.sh [SCENARIO-NAME...]
# DESCRIPTION
#	Builds the test world of test-harness/ once (nsd, nginx, hostile
#	HTTPS and SMTP servers in a private network namespace), runs every
#	scenario of test-harness/scenarios (or the ones named) against
#	$MTASTS_BIN, default $builddir/mtasts, and stops the world again,
#	also on failure or interrupt. Everything goes into one temporary
#	directory, removed at the end unless HARNESS_KEEP=1.
#
#	Prints "PASS scenario/NAME" or "FAIL scenario/NAME: what differed"
#	per scenario, then "N passed, N failed"; exits 1 on any failure.
#	Not root, or no network namespaces: "0 passed, 0 failed, N skipped"
#	and exit 0. Missing servers or tools are a failure: a CI machine
#	without them would otherwise pass without testing anything.
#
#	HARNESS_VERBOSE=1 shows each lookup's command and output.
#--

srcdir=${srcdir:-.}
builddir=${builddir:-.}
H=$(cd "$srcdir/test-harness" && pwd) || exit 1
n=$(ls "$H"/scenarios/*.scn | wc -l)

skip() {
	echo "harness: skipped: $*"
	echo "0 passed, 0 failed, $n skipped"
	exit 0
}

broken() {
	echo "harness: $*"
	echo "0 passed, $n failed"
	exit 1
}

[ "$(id -u)" = 0 ] || skip "needs root"
command -v ip >/dev/null 2>&1 || skip "no ip(8)"
probe=mtasts-probe$$
ip netns add $probe 2>/dev/null || skip "ip netns is not available"
ip netns del $probe

"$H/world.sh" check || broken "cannot build the world (see above)"

bin=${MTASTS_BIN:-$builddir/mtasts}
[ -x "$bin" ] || broken "no executable $bin"
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

dir=$(mktemp -d "${TMPDIR:-/tmp}/mtasts-harness.XXXXXX") ||
	broken "mktemp failed"

runner=
cleanup() {
	# The runner may still be going after a signal; the rest of what
	# ran in the world is stopped by world.sh stop.
	[ -n "$runner" ] && kill -TERM "$runner" 2>/dev/null
	"$H/world.sh" stop "$dir"
	if [ "${HARNESS_KEEP:-0}" = 1 ]; then
		echo "harness: world files kept in $dir"
	else
		rm -rf "$dir"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

"$H/world.sh" start "$dir" || broken "the world did not start"
# In the background, so that a signal to this shell is handled at once
# (a shell runs its traps only after a foreground child ends).
"$H/world.sh" exec "$dir" -- /usr/bin/python3 "$H/lib/runner.py" \
	--bin "$bin" "$dir" "$@" &
runner=$!
wait $runner
rc=$?
runner=
exit $rc
