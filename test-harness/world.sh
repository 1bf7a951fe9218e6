#!/bin/sh
#++
# NAME
#	world.sh - start, use and stop the mtasts test world
# SYNOPSIS
#	world.sh start DIR [SCENARIO.scn...]
#	world.sh exec DIR -- COMMAND [ARG...]
#	world.sh set DIR DOMAIN KEY=VALUE...
#	world.sh reset DIR
#	world.sh status DIR
#	world.sh stop DIR
#	world.sh check
# DESCRIPTION
#	The world is a network namespace (mtasts-hPID) with nsd, nginx,
#	lib/hostile.py and lib/smtpd.py on 127.x addresses inside it, built
#	from scenario files (default: every test-harness/scenarios/*.scn).
#	All its files live in DIR (see lib/worldgen.py for the layout; the
#	mtasts config for ad-hoc use is DIR/mtasts.yaml).
#
#	start	writes the files, creates the namespace, starts the servers
#		(PIDs in DIR/pids/) and returns once each one answers, or
#		fails after stopping whatever it started.
#	exec	runs COMMAND inside the namespace with DIR/etc/resolv.conf
#		and DIR/etc/hosts mounted over /etc/resolv.conf and
#		/etc/hosts in a private mount namespace; MTASTS_WORLD=DIR.
#	set	changes one domain as a scenario step would (e.g.
#		http=refused, "txt=v=STSv1; id=2;"); reset undoes all sets.
#	stop	stops the servers by PID (TERM, then KILL after a bounded
#		wait), then any other process still in the namespace (only
#		processes run through exec can be there), then deletes the
#		namespace. Safe to call twice, or after a failed start.
#	check	exits 0 when this machine can run a world (root, ip netns,
#		the servers and tools); otherwise says what is missing.
# SECURITY
#	Needs root (namespaces, port 25/53/443). No traffic ever leaves
#	the namespace: every address is on its own lo, and clients run
#	inside it. Nothing is written outside DIR.
#--

set -u
# Keep the source tree clean: no __pycache__ next to lib/*.py.
PYTHONDONTWRITEBYTECODE=1
export PYTHONDONTWRITEBYTECODE

HERE=$(cd "$(dirname "$0")" && pwd)
LIB=$HERE/lib
PY=/usr/bin/python3
ECHO_MODULE=/usr/lib/nginx/modules/ngx_http_echo_module.so
STOP_WAIT=50	# tenths of a second a server gets to exit after TERM

die() { echo "world.sh: $*" >&2; exit 1; }

# need_dir - DIR as an absolute path
need_dir() {
	[ -n "${1:-}" ] || die "missing DIR"
	mkdir -p "$1" || die "cannot create $1"
	(cd "$1" && pwd)
}

# check - what a world needs on this machine
check() {
	missing=
	[ "$(id -u)" = 0 ] || missing="$missing root"
	for t in ip unshare setsid nsd nsd-control nginx openssl dig; do
		command -v $t >/dev/null 2>&1 || missing="$missing $t"
	done
	[ -f $ECHO_MODULE ] || missing="$missing libnginx-mod-http-echo"
	[ -x $PY ] && $PY -c 'import aiosmtpd' 2>/dev/null ||
		missing="$missing python3-aiosmtpd"
	if [ -z "$missing" ]; then
		# ip netns needs /run/netns and the right to unshare.
		probe=mtasts-probe$$
		if ip netns add $probe 2>/dev/null; then
			ip netns del $probe
		else
			missing="$missing ip-netns"
		fi
	fi
	[ -z "$missing" ] && return 0
	echo "world.sh: cannot run a world here, missing:$missing" >&2
	return 1
}

# ns_of - the namespace of a world, or nothing
ns_of() {
	[ -f "$1/netns" ] && cat "$1/netns"
}

# in_ns - run a command in the world's namespace with its resolver
in_ns() {
	d=$1; shift
	ns=$(ns_of "$d")
	[ -n "$ns" ] || die "no world running in $d"
	MTASTS_WORLD=$d exec ip netns exec "$ns" unshare -m sh -c '
		d=$1; shift
		mount --bind "$d/etc/resolv.conf" /etc/resolv.conf &&
		mount --bind "$d/etc/hosts" /etc/hosts &&
		exec "$@"' sh "$d" "$@"
}

# launch - start one server in the namespace; remember its PID
launch() {
	d=$1 name=$2; shift 2
	# setsid without job control does not fork: $! is the server.
	setsid ip netns exec "$(ns_of "$d")" "$@" \
		>"$d/logs/$name.out" 2>&1 </dev/null &
	echo $! >"$d/pids/$name"
}

# alive - PID runs (a zombie has exited: init reaps it in its own time)
alive() {
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	""|Z*)	return 1 ;;
	esac
	return 0
}

# ours - true if PID is alive and inside namespace NS
ours() {
	alive "$1" && [ "$(ip netns identify "$1" 2>/dev/null)" = "$2" ]
}

# stop_pids - TERM each PID, wait (bounded), KILL the ones left
stop_pids() {
	ns=$1; shift
	live=
	for p in "$@"; do
		ours "$p" "$ns" && kill -TERM "$p" 2>/dev/null &&
			live="$live $p"
	done
	i=0
	while [ -n "$live" ] && [ $i -lt $STOP_WAIT ]; do
		left=
		for p in $live; do
			alive "$p" && left="$left $p"
		done
		live=$left
		[ -n "$live" ] || break
		sleep 0.1
		i=$((i + 1))
	done
	for p in $live; do
		kill -KILL "$p" 2>/dev/null
	done
}

stop() {
	d=$1
	ns=$(ns_of "$d")
	[ -n "$ns" ] || return 0
	pids=
	for f in "$d"/pids/*; do
		[ -f "$f" ] && pids="$pids $(cat "$f")"
	done
	stop_pids "$ns" $pids
	# Whatever else is in the namespace was started through exec.
	if ip netns list | grep -q "^$ns\b"; then
		stop_pids "$ns" $(ip netns pids "$ns" 2>/dev/null)
		ip netns del "$ns" || echo "world.sh: cannot delete $ns" >&2
	fi
	rm -f "$d/netns" "$d"/pids/*
}

start() {
	d=$1; shift
	[ -z "$(ns_of "$d")" ] || die "a world already runs in $d"
	check || exit 1
	[ $# -gt 0 ] || set -- "$HERE"/scenarios/*.scn
	$PY "$LIB/worldctl.py" init "$d" "$@" || die "cannot build the world"
	nginx -t -q -p "$d/http" -c "$d/http/nginx.conf" \
		-e "$d/http/error.log" || die "bad nginx.conf"
	ns=mtasts-h$$
	ip netns add $ns || die "ip netns add $ns failed"
	echo $ns >"$d/netns"
	trap 'stop "$d"; exit 1' INT TERM HUP
	ip -n $ns link set lo up
	while read -r a; do
		ip -n $ns addr add "$a/32" dev lo
	done <"$d/addresses"

	launch "$d" nsd nsd -d -c "$d/dns/nsd.conf"
	launch "$d" nginx nginx -p "$d/http" -c "$d/http/nginx.conf" \
		-e "$d/http/error.log"
	launch "$d" hostile $PY "$LIB/hostile.py" "$d"
	launch "$d" smtpd $PY "$LIB/smtpd.py" "$d"

	# wait: every server answers; sync: SERVFAIL zones exist.
	if ! (in_ns "$d" $PY "$LIB/worldctl.py" wait "$d") ||
	   ! (in_ns "$d" $PY "$LIB/worldctl.py" sync "$d"); then
		for f in "$d"/logs/*.out "$d/http/error.log" "$d/dns/nsd.log"; do
			[ -s "$f" ] && { echo "== $f"; tail -5 "$f"; } >&2
		done
		stop "$d"
		die "the world did not come up"
	fi
	trap - INT TERM HUP
}

status() {
	d=$1
	ns=$(ns_of "$d")
	[ -n "$ns" ] || { echo "no world in $d"; return 1; }
	echo "namespace $ns"
	rc=0
	for f in "$d"/pids/*; do
		p=$(cat "$f")
		if ours "$p" "$ns"; then
			echo "$(basename "$f") $p running"
		else
			echo "$(basename "$f") $p gone"; rc=1
		fi
	done
	return $rc
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
check)	check ;;
start)	d=$(need_dir "${1:-}") || exit 1; shift; start "$d" "$@" ;;
stop)	[ -d "${1:-}" ] || die "no such DIR"; stop "$(cd "$1" && pwd)" ;;
status)	[ -d "${1:-}" ] || die "no such DIR"; status "$(cd "$1" && pwd)" ;;
exec)	[ -d "${1:-}" ] || die "no such DIR"; d=$(cd "$1" && pwd); shift
	[ "${1:-}" = "--" ] && shift
	[ $# -gt 0 ] || die "exec: no command"
	in_ns "$d" "$@" ;;
set|reset)
	[ -d "${1:-}" ] || die "no such DIR"; d=$(cd "$1" && pwd); shift
	in_ns "$d" $PY "$LIB/worldctl.py" "$cmd" "$d" "$@" ;;
*)	echo "usage: world.sh start|exec|set|reset|status|stop DIR ...;" \
		"world.sh check" >&2
	exit 2 ;;
esac
