#!/bin/sh
#++
# NAME
#	daemon.sh - mtastsd end to end: a socketmap client against the world
# SYNOPSIS
#	srcdir=DIR builddir=DIR sh tests/daemon.sh
# DESCRIPTION
#	Starts the test world of test-harness/ with the scenarios mtastsd's
#	answers need (enforce, testing, mode none, no policy, SERVFAIL, the
#	slow policy host, and four of its own written here: a "*.x" policy
#	with a one-label and a two-label MX, a "*.x" policy with only a
#	two-label MX, a policy with a 4-second max_age, one that changes
#	under SIGUSR1), then runs tests/daemon-test.py inside it, which
#	starts $MTASTSD_BIN (default $builddir/mtastsd) and checks its
#	replies, limits, signals and privilege drop. The world and every
#	daemon are stopped by PID at the end, also on failure or interrupt.
#
#	Prints "PASS daemon/CASE" or "FAIL daemon/CASE: ..." per case, then
#	"N passed, N failed"; exits 1 on any failure. Not root, or no
#	network namespaces: "0 passed, 0 failed, N skipped", exit 0.
#	Missing servers or tools, or no mtastsd binary, are failures.
#	DAEMON_KEEP=1 keeps the directory (world, daemon log, audit log).
#	Takes about 30 s.
#--

srcdir=${srcdir:-.}
builddir=${builddir:-.}
H=$(cd "$srcdir/test-harness" && pwd) || exit 1
T=$(cd "$srcdir/tests" && pwd) || exit 1
PY=/usr/bin/python3
n=$($PY "$T/daemon-test.py" --cases) || n=1

skip() {
	echo "daemon: skipped: $*"
	echo "0 passed, 0 failed, $n skipped"
	exit 0
}

broken() {
	echo "FAIL daemon/setup: $*"
	echo "0 passed, $n failed"
	exit 1
}

[ "$(id -u)" = 0 ] || skip "needs root"
command -v ip >/dev/null 2>&1 || skip "no ip(8)"
probe=mtasts-dprobe$$
ip netns add $probe 2>/dev/null || skip "ip netns is not available"
ip netns del $probe

"$H/world.sh" check || broken "cannot build the world (see above)"

bin=${MTASTSD_BIN:-$builddir/mtastsd}
[ -x "$bin" ] || broken "no executable $bin"
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

dir=$(mktemp -d "${TMPDIR:-/tmp}/mtasts-daemon.XXXXXX") || broken "mktemp failed"
# The privilege-drop case runs a daemon as nobody, which must reach the CA.
chmod 755 "$dir"

cleanup() {
	"$H/world.sh" stop "$dir/world"
	if [ -n "${DAEMON_KEEP:-}" ]; then
		echo "daemon: kept $dir"
	else
		rm -rf "$dir"
	fi
}
trap 'cleanup; exit 1' INT TERM HUP
trap cleanup EXIT

mkdir "$dir/scn"
cat >"$dir/scn/90-wild.scn" <<'EOF'
# "*.wild.test" with MX hosts one label below (RFC 8461 4.1 match) and
# two labels below (only Postfix's ".wild.test" reading takes it).
txt: v=STSv1; id=wild1;
mx: 10 mx1
mx: 20 a.mx2
policy<<END
version: STSv1
mode: enforce
mx: *.wild.test
max_age: 86400
END

step: fetched
exit: 0
EOF
cat >"$dir/scn/91-wildnone.scn" <<'EOF'
# "*.wildnone.test" whose only MX is two labels below: no MX matches.
txt: v=STSv1; id=wildnone1;
mx: 10 a.b
policy<<END
version: STSv1
mode: enforce
mx: *.wildnone.test
max_age: 86400
END

step: fetched
exit: 0
EOF
cat >"$dir/scn/92-refresh.scn" <<'EOF'
# A 4-second lifetime: mtastsd must renew the policy before it expires.
txt: v=STSv1; id=refresh1;
policy<<END
version: STSv1
mode: enforce
mx: mx-good.refresh.test
max_age: 4
END

step: fetched
exit: 0
EOF
cat >"$dir/scn/93-sigusr.scn" <<'EOF'
# Changed by the test while cached; SIGUSR1 must pick the change up.
txt: v=STSv1; id=sigusr1;

step: fetched
exit: 0
EOF

S=$H/scenarios
"$H/world.sh" start "$dir/world" "$S/01-enforce.scn" "$S/02-testing.scn" \
	"$S/03-mode-none.scn" "$S/10-no-txt.scn" "$S/27-slow.scn" \
	"$S/41-servfail.scn" "$dir"/scn/*.scn >"$dir/world.out" 2>&1 ||
	{ cat "$dir/world.out"; broken "the world did not start"; }

"$H/world.sh" exec "$dir/world" -- $PY "$T/daemon-test.py" "$dir/world" \
	"$bin" "$H/lib/worldctl.py" >"$dir/out" 2>&1
rc=$?
cat "$dir/out"
if ! grep -Eq '^[0-9]+ passed, [0-9]+ failed$' "$dir/out"; then
	echo "FAIL daemon/runner: daemon-test.py ended without a result (exit $rc)"
	echo "0 passed, $n failed"
	exit 1
fi
exit $rc
