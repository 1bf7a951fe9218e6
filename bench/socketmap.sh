#!/bin/sh
#++
# NAME
#	socketmap.sh - socketmap benchmark: mtastsd against the reference
# SYNOPSIS
#	srcdir=DIR builddir=DIR sh bench/socketmap.sh
# DESCRIPTION
#	A command, not a test. Builds bench/socketmap and mtastsd in
#	$builddir, starts the test world (test-harness/world.sh) with
#	BENCH_DOMAINS generated enforce domains, mtastsd (unix socket and
#	TCP) and postfix-mta-sts-resolver (one process on TCP, one on a
#	unix socket: it has one listener per process) inside it, warms
#	every cache with the same domains and checks that each answers
#	"OK secure ..." for all of them. Then, all in the same run:
#
#	(a) BENCH_CLIENTS (8) connections, each pipelining BENCH_DEPTH (32)
#	    cached lookups, over TCP and over unix sockets;
#	(b) 8 connections that send one request and wait for its reply
#	    (as Postfix's smtp(8) does), TCP: latency p50/p99;
#	(c) mtastsd's memory with BENCH_FILL (100000) policies in its
#	    cache: a second mtastsd on a cache filled directly with
#	    mtasts_cache_put() (bench/socketmap fill), queried for a sample
#	    and then under load over all of them; VmRSS from /proc/PID/status.
#
#	For scale, (a) and (b) also run against "bench/socketmap serve",
#	a responder that answers without doing any work: the floor of the
#	client, the loopback and two cores.
#
#	Each run lasts BENCH_SECONDS (3). Prints the raw lines, then a
#	markdown table (the one in doc/benchmark.md) and whether the
#	targets hold: at least 20 times the reference's throughput over
#	TCP, p99 at most 100 us for (b), at most 50 MiB RSS for (c).
#	Everything lives in one directory on /dev/shm when it exists (the
#	cache commits each put with fsync; tmpfs makes filling it quick),
#	removed at the end unless BENCH_KEEP=1.
# SECURITY
#	Root, and only the world's namespace: every client and server runs
#	inside it on loopback addresses; every process is stopped by PID.
#--

set -u
srcdir=${srcdir:-.}
builddir=${builddir:-.}
H=$(cd "$srcdir/test-harness" && pwd) || exit 1
M=$H/mta
MTA_WORLD_SH=$H/world.sh
. "$M/common.sh"

SECONDS_RUN=${BENCH_SECONDS:-3}
NDOMAINS=${BENCH_DOMAINS:-100}
NFILL=${BENCH_FILL:-100000}
CLIENTS=${BENCH_CLIENTS:-8}
DEPTH=${BENCH_DEPTH:-32}
SAMPLE_EVERY=10			# (c): every 10th filled domain is warmed
MTASTSD_TCP=127.0.0.1:5461
REF_TCP=127.0.0.1:8461
FLOOR_TCP=127.0.0.1:5999

die() { echo "bench/socketmap: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (network namespace)"
"$MTA_WORLD_SH" check || die "cannot build the test world"
sh "$M/reference.sh" check || die "the reference cannot run"
if [ -f "$builddir/Makefile" ]; then
	make -s -C "$builddir" bench/socketmap mtastsd >/dev/null ||
		die "make bench/socketmap mtastsd failed"
fi
bd=$(cd "$builddir" && pwd)
client=$bd/bench/socketmap
daemon=${MTASTSD_BIN:-$bd/mtastsd}
[ -x "$client" ] || die "no $client"
[ -x "$daemon" ] || die "no $daemon"

base=/dev/shm
[ -d "$base" ] && [ -w "$base" ] || base=${TMPDIR:-/tmp}
dir=$(mktemp -d "$base/mtasts-bench.XXXXXX") || die "mktemp failed"
st=$dir/bench
cleanup() {
	pid_stop "$st/mtastsd.run"
	pid_stop "$st/fill.run"
	pid_stop "$st/floor.run"
	sh "$M/reference.sh" stop "$st" ref-tcp
	sh "$M/reference.sh" stop "$st" ref-unix
	"$MTA_WORLD_SH" stop "$dir"
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "bench/socketmap: files kept in $dir"
	else
		rm -rf "$dir"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
mkdir -p "$st/scn" || die "cannot create $st"

# The domains: enforce policies naming their one MX exactly (the
# scenario default), so a cached answer needs no MX lookup in either.
i=1
: >"$st/domains"
while [ $i -le "$NDOMAINS" ]; do
	name=$(printf 'bench%04d' $i)
	printf '# benchmark domain\ntxt: v=STSv1; id=bench%d;\n\nstep: fetch\nexit: 0\n' \
		$i >"$st/scn/$name.scn"
	echo "$name.test" >>"$st/domains"
	i=$((i + 1))
done
"$MTA_WORLD_SH" start "$dir" "$st"/scn/*.scn || die "the world did not start"

# daemon_conf CACHE LISTEN... - mtastsd's config: the world's resolver,
# CA and fetch settings, syslog only (no JSON audit file, the default)
daemon_conf() {
	cache=$1; shift
	cat <<EOF
resolver:
  servers: ["127.0.0.53"]
tls:
  ca_file: "$dir/ca.pem"
cache:
  path: "$cache"
  refresh_interval: 3600
fetch:
  timeout: 2
daemon:
  pid_file: "$st/$(basename "$cache" .lmdb).pid"
  listen:
EOF
	for l in "$@"; do
		echo "    - \"$l\""
	done
}

# start_daemon NAME CONF LISTEN - mtastsd in the world, once it accepts
start_daemon() {
	bg_start "$st/$1.run" "$st/$1.log" \
		"$MTA_WORLD_SH" exec "$dir" -- "$daemon" -f -c "$2"
	world_wait_listen "$dir" "$3" 15 ||
		{ tail -n 5 "$st/$1.log" >&2; die "mtastsd $1 did not start"; }
}

daemon_conf "$st/mtastsd.lmdb" "unix:$st/mtastsd.sock" "inet:$MTASTSD_TCP" \
	>"$st/mtastsd.yaml"
start_daemon mtastsd "$st/mtastsd.yaml" "unix:$st/mtastsd.sock"
world_wait_listen "$dir" "inet:$MTASTSD_TCP" 5 || die "mtastsd: no TCP"
sh "$M/reference.sh" start "$dir" "$st" ref-tcp "inet:$REF_TCP" ||
	die "reference (TCP) did not start"
sh "$M/reference.sh" start "$dir" "$st" ref-unix "unix:$st/ref.sock" ||
	die "reference (unix) did not start"

# client ARGS... - the C client inside the world
client() {
	"$MTA_WORLD_SH" exec "$dir" -- "$client" "$@"
}

# field LINE NAME - NAME=value out of a result line
field() {
	printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# Warm every cache; each must now say OK for every domain.
for ep in "unix:$st/mtastsd.sock" "inet:$REF_TCP" "unix:$st/ref.sock"; do
	out=$(client warm "$ep" "$st/domains") || die "warming $ep failed"
	line=$(printf '%s\n' "$out" | head -n 1)
	[ "$(field "$line" ok)" = "$NDOMAINS" ] ||
		die "warming $ep: not every answer is OK: $out"
	echo "warm $ep: $line"
	printf '%s\n' "$out" | sed -n 's/^example ok: /  answer: /p'
done

# measure NAME ARGS... - one run; the result line in $st/NAME
measure() {
	name=$1; shift
	out=$(client "$@") || die "run $name failed"
	echo "$name: $out"
	[ "$(field "$out" lookups)" = "$(field "$out" ok)" ] ||
		die "run $name: not every answer is OK"
	printf '%s\n' "$out" >"$st/$name"
}

t=$SECONDS_RUN
measure a-tcp-mtastsd -c "$CLIENTS" -d "$DEPTH" -t "$t" run "inet:$MTASTSD_TCP" "$st/domains"
measure a-tcp-ref -c "$CLIENTS" -d "$DEPTH" -t "$t" run "inet:$REF_TCP" "$st/domains"
measure a-unix-mtastsd -c "$CLIENTS" -d "$DEPTH" -t "$t" run "unix:$st/mtastsd.sock" "$st/domains"
measure a-unix-ref -c "$CLIENTS" -d "$DEPTH" -t "$t" run "unix:$st/ref.sock" "$st/domains"
measure b-tcp-mtastsd -c "$CLIENTS" -d 1 -t "$t" run "inet:$MTASTSD_TCP" "$st/domains"
measure b-tcp-ref -c "$CLIENTS" -d 1 -t "$t" run "inet:$REF_TCP" "$st/domains"

# The floor: the same client against a responder that does no work.
bg_start "$st/floor.run" "$st/floor.log" \
	"$MTA_WORLD_SH" exec "$dir" -- "$client" -t 60 serve "inet:$FLOOR_TCP"
world_wait_listen "$dir" "inet:$FLOOR_TCP" 5 || die "the floor responder did not start"
measure a-tcp-floor -c "$CLIENTS" -d "$DEPTH" -t "$t" run "inet:$FLOOR_TCP" "$st/domains"
measure b-tcp-floor -c "$CLIENTS" -d 1 -t "$t" run "inet:$FLOOR_TCP" "$st/domains"
pid_stop "$st/floor.run"

# rss PID - "VmRSS VmHWM RssAnon RssFile RssShmem" in KiB
rss() {
	awk '/^(VmRSS|VmHWM|RssAnon|RssFile|RssShmem):/ { v[$1] = $2 }
	     END { print v["VmRSS:"], v["VmHWM:"], v["RssAnon:"],
		   v["RssFile:"], v["RssShmem:"] }' "/proc/$1/status"
}
rss_ref=$(rss "$(cat "$st/ref-tcp.pid")")
rss_small=$(rss "$(cat "$st/mtastsd.run")")

# (c) a second mtastsd on a cache filled directly.
fill=$("$client" fill "$st/fill.lmdb" "$NFILL") || die "fill failed"
echo "fill: $fill"
awk -v n="$NFILL" -v k=$SAMPLE_EVERY 'BEGIN {
	for (i = 0; i < n; i++) {
		printf "f%06d.fill.test\n", i > "'"$st/fill.all"'"
		if (i % k == 0) printf "f%06d.fill.test\n", i > "'"$st/fill.sample"'"
	} }'
daemon_conf "$st/fill.lmdb" "unix:$st/fill.sock" >"$st/fill.yaml"
start_daemon fill "$st/fill.yaml" "unix:$st/fill.sock"
rss_fill_start=$(rss "$(cat "$st/fill.run")")
out=$(client -d 32 warm "unix:$st/fill.sock" "$st/fill.sample") ||
	die "sample lookups failed"
line=$(printf '%s\n' "$out" | head -n 1)
echo "c-sample: $line"
[ "$(field "$line" ok)" = "$(wc -l <"$st/fill.sample")" ] ||
	die "the filled cache does not answer OK: $out"
measure c-all -c "$CLIENTS" -d "$DEPTH" -t "$t" run "unix:$st/fill.sock" "$st/fill.all"
rss_fill=$(rss "$(cat "$st/fill.run")")
echo "rss (KiB: VmRSS VmHWM RssAnon RssFile RssShmem): reference $rss_ref;" \
	"mtastsd ($NDOMAINS cached) $rss_small; mtastsd ($NFILL cached)" \
	"at start $rss_fill_start, after the runs $rss_fill"

# ---- the table
loop=asyncio
$MTA_PY -c 'import uvloop' 2>/dev/null && loop=uvloop
echo
echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo |
	head -n 1); reference: postfix-mta-sts-resolver" \
	"$(dpkg-query -W -f '${Version}' postfix-mta-sts-resolver 2>/dev/null)" \
	"on $loop; $SECONDS_RUN s per run"
r() { field "$(cat "$st/$1")" "$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'; }
kib_mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
row() {
	printf '| %s | %s | %s | %s | %s | %s / %s | %s / %s |\n' "$1" "$2" \
		"$(r "$3" rate)" "$(r "$4" rate)" \
		"$(ratio "$(r "$3" rate)" "$(r "$4" rate)")" \
		"$(r "$3" p50_us)" "$(r "$3" p99_us)" \
		"$(r "$4" p50_us)" "$(r "$4" p99_us)"
}
echo
echo "| case | transport | mtastsd lookups/s | reference lookups/s | ratio | mtastsd p50 / p99 (us) | reference p50 / p99 (us) |"
echo "|---|---|---|---|---|---|---|"
row "(a) $CLIENTS clients, $DEPTH pipelined each" TCP a-tcp-mtastsd a-tcp-ref
row "(a) $CLIENTS clients, $DEPTH pipelined each" unix a-unix-mtastsd a-unix-ref
row "(b) $CLIENTS clients, one request at a time" TCP b-tcp-mtastsd b-tcp-ref
floor() {
	printf '| floor %s: no-op responder, same client | TCP | %s | | | %s / %s | |\n' \
		"$1" "$(r "$2" rate)" "$(r "$2" p50_us)" "$(r "$2" p99_us)"
}
floor "(a)" a-tcp-floor
floor "(b)" b-tcp-floor
set -- $rss_fill
rss_kib=$1 hwm_kib=$2
set -- $rss_ref
echo
echo "| memory | VmRSS | VmHWM |"
echo "|---|---|---|"
echo "| (c) mtastsd, $NFILL policies cached, after sample + load | $(kib_mib "$rss_kib") MiB | $(kib_mib "$hwm_kib") MiB |"
echo "| reference, $NDOMAINS policies cached (for scale) | $(kib_mib "$1") MiB | $(kib_mib "$2") MiB |"
echo

# ---- the targets
ok=1
tcp_ratio=$(ratio "$(r a-tcp-mtastsd rate)" "$(r a-tcp-ref rate)")
b_ratio=$(ratio "$(r b-tcp-mtastsd rate)" "$(r b-tcp-ref rate)")
p99=$(r b-tcp-mtastsd p99_us)
verdict() {
	if awk -v v="$2" -v l="$3" -v op="$4" 'BEGIN {
		exit !(op == ">=" ? v >= l : v <= l) }'; then
		echo "target $1: $2 $4 $3: met"
	else
		echo "target $1: $2 $4 $3: MISSED"
		ok=0
	fi
}
verdict "TCP throughput ratio (a)" "$tcp_ratio" 20 ">="
verdict "TCP throughput ratio (b)" "$b_ratio" 20 ">="
verdict "p99 us (b)" "$p99" 100 "<="
verdict "RSS MiB (c)" "$(kib_mib "$rss_kib")" 50 "<="
[ $ok = 1 ] && echo "all targets met" || echo "some targets missed"
exit 0
