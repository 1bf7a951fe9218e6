#!/bin/sh
#++
# NAME
#	exim-be.sh - cost of one cached MTA-STS decision inside a real Exim
# SYNOPSIS
#	sh bench/exim-be.sh [BUILDDIR] [LEVELS]
# DESCRIPTION
#	Unpacks Debian's Exim 4.96 as tests/exim.sh does (MTASTS_EXIM_ROOT
#	reuses an unpacked one), writes its private config from the same
#	snippets, fills the module's cache with one enforce policy
#	(bench/fill-cache, no network), then runs "exim -be" twice with
#	LEVELS (default 5) nested ${reduce} loops of ten items, N = 10^LEVELS
#	iterations: once expanding
#	${dlfunc{...}{mtasts_exim_mode}{DOMAIN}{CONFIG}} per iteration, once
#	expanding a constant. The difference over N is what one
#	call costs in Exim's process, module and cache read included,
#	Exim's start and list handling excluded. The best of three rounds
#	is printed, with the target of 20 microseconds per call.
#
#	A benchmark, not a test: the suite does not run it. Needs root
#	(Exim's private mount namespace) and apt-get download.
#--

set -eu
b=$(cd "${1:-build}" && pwd)
levels=${2:-5}
src=$(cd "$(dirname "$0")/.." && pwd)
setup=$src/test-harness/exim/setup.sh
module=$b/.libs/mtasts_exim.so
domain=warm.bench.test

[ "$(id -u)" = 0 ] || { echo "exim-be.sh: needs root" >&2; exit 1; }
[ -f "$module" ] || { echo "exim-be.sh: build $module first" >&2; exit 1; }
(cd "$b" && make -s bench/fill-cache) >/dev/null

dir=$(mktemp -d "${TMPDIR:-/tmp}/mtasts-exim-be.XXXXXX")
trap 'rm -rf "$dir"' EXIT INT TERM HUP
root=${MTASTS_EXIM_ROOT:-$dir/exim-root}
"$setup" fetch "$root"
"$setup" conf "$dir" "$root" "$module" "$src"
conf=$dir/exim/mtasts.yaml
"$b/bench/fill-cache" "$dir/exim/lib/cache.lmdb" "$domain" >/dev/null

# The loop: LEVELS nested ${reduce} over ten items each. The call goes
# in as a -D macro, because Exim refuses long command-line strings.
ten=0:1:2:3:4:5:6:7:8:9
loop=EXIM_BE_BODY
n=1
i=0
while [ $i -lt "$levels" ]; do
	loop="\${reduce{$ten}{}{$loop}}"
	n=$((n * 10))
	i=$((i + 1))
done
call="\${dlfunc{$module}{mtasts_exim_mode}{$domain}{$conf}}"

# run BODY - nanoseconds of one exim -be running BODY n times
run() {
	t0=$(date +%s%N)
	out=$("$setup" run "$dir" "$root" -DEXIM_BE_BODY="$1" -be "$loop" 2>&1)
	t1=$(date +%s%N)
	[ "$out" = enforce ] || { echo "exim-be.sh: unexpected answer: $out" >&2; exit 1; }
	echo $((t1 - t0))
}

best=
for round in 1 2 3; do
	with=$(run "$call")
	without=$(run enforce)
	per=$(( (with - without) / n ))
	echo "round $round: $n calls: with the module $((with / 1000000)) ms," \
		"without $((without / 1000000)) ms, $per ns per call"
	if [ -z "$best" ] || [ "$per" -lt "$best" ]; then best=$per; fi
done
us=$(awk -v ns="$best" 'BEGIN { printf "%.2f", ns / 1000 }')
echo "mtasts_exim_mode, cached enforce policy, inside exim -be: $us us per call (target: at most 20 us)"
