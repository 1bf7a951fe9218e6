#!/bin/sh
# check.sh - `mtasts check` (the admin's report) against the harness world.
#
# Each case sets the world up (world.sh set), runs `mtasts check --json`
# inside it and compares the exit status, the verdict and the RFC 8460
# result types reported for the MX addresses. Prints PASS/FAIL per case
# and "N passed, N failed"; skips when the world cannot be built here.
set -u
srcdir=${srcdir:-.}
builddir=${builddir:-.}
S=$(cd "$srcdir" && pwd)
B=$(cd "$builddir" && pwd)
MTASTS=${MTASTS_BIN:-$B/mtasts}
W=$S/test-harness/world.sh
NCASES=10
if [ "$(id -u)" -ne 0 ] || ! ip netns list >/dev/null 2>&1; then
	echo "SKIP check: needs root and ip netns"
	echo "0 passed, 0 failed, $NCASES skipped"
	exit 0
fi
dir=$(mktemp -d /tmp/mtasts-check.XXXXXX)
trap 'sh "$W" stop "$dir" >/dev/null 2>&1; rm -rf "$dir"' EXIT INT TERM
if ! sh "$W" start "$dir" "$S/test-harness/check/checkme.scn" >"$dir.start.log" 2>&1; then
	echo "FAIL check/world: the world did not start:"; sed 's/^/  /' "$dir.start.log" | tail -20
	rm -f "$dir.start.log"
	echo "0 passed, 1 failed"
	exit 1
fi
rm -f "$dir.start.log"
pass=0 fail=0
D=checkme.test

# run NAME EXIT VERDICT RESULT_TYPES -- world.sh set arguments...
# RESULT_TYPES: the MX addresses' result types in MX order, comma-separated,
# "ok" for a clean address; "-" to skip that check.
run() {
	name=$1 want_rc=$2 want_verdict=$3 want_types=$4
	shift 5
	sh "$W" reset "$dir" >/dev/null 2>&1
	if [ $# -gt 0 ] && ! sh "$W" set "$dir" "$D" "$@" >/dev/null 2>&1; then
		echo "FAIL check/$name: world.sh set $*"; fail=$((fail + 1)); return
	fi
	out=$(sh "$W" exec "$dir" -- "$MTASTS" -c "$dir/mtasts.yaml" check --json "$D" 2>&1)
	rc=$?
	got=$(printf '%s' "$out" | /usr/bin/python3 -c '
import json, sys
try:
    j = json.load(sys.stdin)
except Exception as e:
    print("unparsable"); sys.exit(0)
types = []
for mx in j.get("mx") or []:
    for a in mx.get("addresses") or []:
        types.append(a.get("result_type") or "ok")
print(j.get("verdict"), ",".join(types) or "none")
')
	verdict=${got%% *} types=${got#* }
	why=""
	[ "$rc" -eq "$want_rc" ] || why="exit $rc, expected $want_rc"
	[ -z "$why" ] && [ "$verdict" != "$want_verdict" ] && why="verdict $verdict, expected $want_verdict"
	[ -z "$why" ] && [ "$want_types" != - ] && [ "$types" != "$want_types" ] && why="result types $types, expected $want_types"
	if [ -z "$why" ]; then
		echo "PASS check/$name"; pass=$((pass + 1))
	else
		echo "FAIL check/$name: $why; output: $(printf '%s' "$out" | head -c 600)"; fail=$((fail + 1))
	fi
}

run good 0 ok ok --
run expired-and-good 1 warn certificate-expired,ok -- "mx=10 mx-expired" "mx=20 mx-good"
run expired 1 fail certificate-expired -- "mx=10 mx-expired"
run wrongname 1 fail certificate-host-mismatch -- "mx=10 mx-wrongname"
run untrusted 1 fail certificate-not-trusted -- "mx=10 mx-untrusted"
run nostarttls 1 fail starttls-not-supported -- "mx=10 mx-nostarttls"
run mx-not-in-policy 1 warn ok -- "mx=10 mx-good" "mx=20 other.example.invalid."
run policy-404 3 fail - -- http=404
run no-txt 2 none - -- "txt=-"
run servfail 75 temp - -- dns=servfail
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
