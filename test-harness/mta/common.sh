#!/bin/sh
#++
# NAME
#	common.sh - shared shell functions of the MTA and reference helpers
# SYNOPSIS
#	. test-harness/mta/common.sh
# DESCRIPTION
#	Sourced by postfix.sh, sendmail.sh, reference.sh, the socketmap
#	client test and the socketmap benchmark.
#
#	mta_unpack NAME PKG...
#		makes sure $MTA_CACHE/NAME/root holds the named Debian
#		packages, unpacked (dpkg -x) but not installed: downloaded
#		once with apt-get download, reused on later runs. When apt
#		cannot download, runs "apt-get update" once and tries again.
#		Returns 77 with "skip: reason" on stderr when that fails.
#	mta_runtime NAME BINARY PKG...
#		when BINARY (inside the unpacked root) misses shared
#		libraries, unpacks those of PKG... that are not installed
#		into the same root; 77 with a reason if libraries are still
#		missing. MTA_LIBPATH is the LD_LIBRARY_PATH to use.
#	bg_start PIDFILE LOG COMMAND...
#		starts COMMAND in the background (its own session) and
#		writes its PID. Through "world.sh exec" the PID is the
#		daemon itself: world.sh and unshare exec, they do not fork.
#	pid_stop PIDFILE
#		TERM, a bounded wait, then KILL; only that PID.
#	world_wait_listen WORLD ADDRESS [SECONDS]
#		polls from inside the world until ADDRESS (unix:PATH or
#		inet:HOST:PORT) accepts a connection. The caller sets
#		MTA_WORLD_SH to test-harness/world.sh.
# ENVIRONMENT
#	MTASTS_MTA_CACHE
#		where packages are kept (default /var/cache/mtasts-test).
# SECURITY
#	Needs root (apt-get, the world). The packages come from the
#	configured Debian archive through apt only; nothing is installed
#	system-wide by these functions.
#--

MTA_CACHE=${MTASTS_MTA_CACHE:-/var/cache/mtasts-test}
MTA_PY=/usr/bin/python3
MTA_STOP_WAIT=30	# tenths of a second a process gets after TERM

# mta_download DIR PKG... - apt-get download into DIR, quietly
mta_download() {
	(cd "$1" && shift && apt-get download -q "$@") >"$1/apt.log" 2>&1
}

# mta_unpack - download once and unpack NAME's packages into the cache
mta_unpack() {
	name=$1; shift
	top=$MTA_CACHE/$name
	[ -f "$top/.unpacked" ] && return 0
	command -v apt-get >/dev/null 2>&1 ||
		{ echo "skip: no apt-get to download $*" >&2; return 77; }
	command -v dpkg >/dev/null 2>&1 ||
		{ echo "skip: no dpkg to unpack $*" >&2; return 77; }
	mkdir -p "$top/debs" || { echo "skip: cannot create $top" >&2; return 77; }
	# One download at a time per package set (a test and a benchmark
	# may prepare the same cache at once).
	exec 9>"$top/.lock"
	flock -w 300 9 || { echo "skip: $top is locked" >&2; return 77; }
	if [ ! -f "$top/.unpacked" ]; then
		rm -rf "$top/root" "$top"/debs/*.deb
		if ! mta_download "$top/debs" "$@"; then
			apt-get update -qq >/dev/null 2>&1
			if ! mta_download "$top/debs" "$@"; then
				echo "skip: apt-get download $* failed:" \
				    "$(grep -E '^(E|W):' "$top/debs/apt.log" |
				    head -n 1)" >&2
				exec 9>&-
				return 77
			fi
		fi
		for deb in "$top"/debs/*.deb; do
			dpkg -x "$deb" "$top/root" ||
				{ echo "skip: dpkg -x $deb failed" >&2;
				  exec 9>&-; return 77; }
		done
		(cd "$top/debs" && ls -- *.deb) >"$top/.unpacked"
	fi
	exec 9>&-
	return 0
}

# mta_libpath ROOT - LD_LIBRARY_PATH for binaries unpacked into ROOT
mta_libpath() {
	echo "$1/usr/lib/postfix:$1/usr/lib/x86_64-linux-gnu:$1/lib/x86_64-linux-gnu"
}

# mta_missing BINARY - the shared libraries BINARY cannot find
mta_missing() {
	LD_LIBRARY_PATH=$MTA_LIBPATH ldd "$1" 2>/dev/null |
		awk '/not found/ { print $1 }' | tr '\n' ' '
}

# mta_runtime - unpack the runtime libraries an unpacked binary misses
mta_runtime() {
	name=$1 bin=$2; shift 2
	root=$MTA_CACHE/$name/root
	MTA_LIBPATH=$(mta_libpath "$root")
	[ -x "$root/$bin" ] ||
		{ echo "skip: $root/$bin is missing" >&2; return 77; }
	missing=$(mta_missing "$root/$bin")
	[ -z "$missing" ] && return 0
	need=
	for p in "$@"; do
		dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null |
			grep -q ' installed$' || need="$need $p"
	done
	if [ -n "$need" ]; then
		# shellcheck disable=SC2086
		mta_unpack "$name-libs" $need || return 77
		for d in "$MTA_CACHE/$name-libs/root"/*; do
			cp -a "$d" "$root/" 2>/dev/null
		done
	fi
	missing=$(mta_missing "$root/$bin")
	[ -z "$missing" ] && return 0
	echo "skip: $bin needs libraries that are not installed: $missing" >&2
	return 77
}

# bg_start - run a command in the background, remember its PID
bg_start() {
	pidfile=$1 log=$2; shift 2
	setsid "$@" >"$log" 2>&1 </dev/null &
	echo $! >"$pidfile"
}

# pid_alive - PID runs (a zombie has exited)
pid_alive() {
	case $(ps -o stat= -p "$1" 2>/dev/null) in
	""|Z*)	return 1 ;;
	esac
	return 0
}

# pid_stop - stop the process in PIDFILE: TERM, bounded wait, KILL
pid_stop() {
	[ -f "$1" ] || return 0
	pid=$(cat "$1")
	rm -f "$1"
	[ -n "$pid" ] || return 0
	pid_alive "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null
	i=0
	while pid_alive "$pid" && [ $i -lt $MTA_STOP_WAIT ]; do
		sleep 0.1
		i=$((i + 1))
	done
	pid_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	return 0
}

# world_wait_listen - poll (inside the world) until ADDRESS accepts
world_wait_listen() {
	"$MTA_WORLD_SH" exec "$1" -- "$MTA_PY" -c '
import socket, sys, time
addr, limit = sys.argv[1], time.monotonic() + float(sys.argv[2])
while True:
	try:
		if addr.startswith("unix:"):
			s = socket.socket(socket.AF_UNIX)
			s.connect(addr[5:])
		else:
			host, port = addr[5:].rsplit(":", 1)
			s = socket.create_connection((host.strip("[]"), int(port)), 1)
		s.close()
		sys.exit(0)
	except OSError:
		if time.monotonic() > limit:
			sys.exit(1)
		time.sleep(0.05)
' "$2" "${3:-10}"
}
