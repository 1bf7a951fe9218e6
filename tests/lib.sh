# lib.sh - what the end-to-end test parts share: results, skips, the
# checks that a network-namespace world can be built here.
#
# Source it after setting PART (the name in "PASS PART/case") and CASES
# (the case names, for the counts of a part that cannot run):
#	PART=exim CASES="abi doc enforce ..."
#	. "$srcdir/tests/lib.sh"
#	need_world		# skips the whole part unless root with ip netns
# ok NAME / nok NAME WHY record a case; skip_all WHY and broken WHY end the
# part with every case skipped or failed; the part ends with
#	echo "$pass passed, $fail failed"
# shellcheck shell=sh

ncases=$(echo $CASES | wc -w)
pass=0 fail=0

skip_all() {
	echo "$PART: skipped: $*"
	echo "0 passed, 0 failed, $ncases skipped"
	exit 0
}

broken() {
	echo "$PART: $*"
	echo "0 passed, $ncases failed"
	exit 1
}

ok() { echo "PASS $PART/$1"; pass=$((pass + 1)); }
nok() { echo "FAIL $PART/$1: $2"; fail=$((fail + 1)); }

# need_world - root and a working "ip netns", or skip the part
need_world() {
	[ "$(id -u)" = 0 ] || skip_all "needs root"
	command -v ip >/dev/null 2>&1 || skip_all "no ip(8)"
	_probe=mtasts-probe$$
	ip netns add $_probe 2>/dev/null || skip_all "ip netns is not available"
	ip netns del $_probe
}
