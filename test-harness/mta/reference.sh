#!/bin/sh
#++
# NAME
#	reference.sh - postfix-mta-sts-resolver inside the test world
# SYNOPSIS
#	reference.sh check
#	reference.sh start WORLD STATEDIR NAME LISTEN
#	reference.sh stop STATEDIR NAME
# DESCRIPTION
#	Runs mta-sts-daemon of Debian's postfix-mta-sts-resolver (the
#	Python socketmap daemon most Postfix sites use) as the reference
#	that mtastsd is compared with, inside a world started by
#	test-harness/world.sh: its DNS (aiodns, /etc/resolv.conf) is the
#	world's nsd, and it trusts the world's CA through SSL_CERT_FILE
#	(aiohttp builds its TLS context with Python's ssl defaults).
#
#	check	exit 0 when mta-sts-daemon can run, else 77 and
#		"skip: reason" on stderr.
#	start	writes STATEDIR/NAME.yml, starts the daemon listening on
#		LISTEN (inet:HOST:PORT or unix:PATH; the daemon has one
#		listener per process) with an in-memory cache and a cache
#		grace of an hour (so that a benchmark's warm cache stays
#		warm), STATEDIR/NAME.pid and NAME.log, and returns once it
#		accepts connections (at most 10 s). Map name "strict"
#		answers testing policies as enforce (its strict_testing
#		zone); every other name gets the default zone.
#	stop	stops it by PID: TERM, a bounded wait, then KILL.
#
#	It listens with SO_REUSEPORT: its own code has no listening path
#	without it (reuse_port: false leaves the options unset).
# SECURITY
#	Runs as root inside the world's namespace; it reaches nothing but
#	the world's servers.
#--

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
MTA_WORLD_SH=$HERE/../world.sh
DAEMON=/usr/bin/mta-sts-daemon

check() {
	[ -x $DAEMON ] || {
		echo "skip: no $DAEMON (Debian package postfix-mta-sts-resolver)" >&2
		return 77
	}
	$MTA_PY -c 'import postfix_mta_sts_resolver, aiohttp, aiodns, yaml' \
		2>/dev/null || {
		echo "skip: postfix-mta-sts-resolver's Python modules do not load" >&2
		return 77
	}
}

start() {
	w=$(cd "$1" && pwd) s=$2 name=$3 listen=$4
	mkdir -p "$s" || exit 1
	s=$(cd "$s" && pwd)
	case $listen in
	unix:/*) where="path: \"${listen#unix:}\"
mode: 0666" ;;
	inet:*:*) hp=${listen#inet:}
		where="host: \"${hp%:*}\"
port: ${hp##*:}" ;;
	*)	echo "reference.sh: bad listen address $listen" >&2; exit 2 ;;
	esac
	cat >"$s/$name.yml" <<EOF
# written by test-harness/mta/reference.sh
$where
reuse_port: true
shutdown_timeout: 1
cache_grace: 3600
cache:
  type: internal
  options:
    cache_size: 100000
default_zone:
  strict_testing: false
  timeout: 4
zones:
  strict:
    strict_testing: true
    timeout: 4
EOF
	SSL_CERT_FILE=$w/ca.pem
	export SSL_CERT_FILE
	bg_start "$s/$name.pid" "$s/$name.log" \
		"$MTA_WORLD_SH" exec "$w" -- $DAEMON -c "$s/$name.yml" -v warn
	if ! world_wait_listen "$w" "$listen" 10; then
		echo "reference.sh: $name does not accept on $listen:" >&2
		tail -n 5 "$s/$name.log" >&2
		pid_stop "$s/$name.pid"
		exit 1
	fi
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
check)	check ;;
start)	[ $# = 4 ] || {
		echo "usage: reference.sh start WORLD STATEDIR NAME LISTEN" >&2
		exit 2; }
	check || exit 77
	start "$@" ;;
stop)	[ $# = 2 ] || { echo "usage: reference.sh stop STATEDIR NAME" >&2; exit 2; }
	pid_stop "$1/$2.pid" ;;
*)	echo "usage: reference.sh check|start|stop ..." >&2
	exit 2 ;;
esac
