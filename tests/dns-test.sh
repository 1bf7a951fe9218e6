#!/bin/sh
# dns-test.sh - run tests/dns-test against the scripted server fakedns.py.
#
# Starts tests/fakedns.py on 127.0.0.1 (a port the kernel picks, UDP and
# TCP), waits until it answers, runs dns-test with that port and passes
# its output and exit status through. The server is killed by its PID on
# any exit. Without python3-dnslib the test is skipped, and says so in
# the closing line run-suite.sh reads.
#
# Environment: srcdir, builddir (as in run-suite.sh; default: this
# script's source tree and the current directory), DNS_TEST_WRAPPER to
# run dns-test under a tool; dns-test is a libtool wrapper script, so e.g.
#   DNS_TEST_WRAPPER="./libtool --mode=execute valgrind --leak-check=full
#   --errors-for-leak-kinds=definite --error-exitcode=9"
set -u
here=$(cd "$(dirname "$0")" && pwd)
srcdir=${srcdir:-$here/..}
builddir=${builddir:-.}
PY=/usr/bin/python3		# Debian's python3-* modules live here

if ! "$PY" -c 'import dnslib' 2>/dev/null; then
	echo "SKIP dns: python3-dnslib is not installed"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
prog=$builddir/tests/dns-test
[ -x "$prog" ] || {
	echo "FAIL dns/build: $prog not built"
	echo "0 passed, 1 failed"
	exit 1
}

tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

"$PY" "$srcdir/tests/fakedns.py" --port-file "$tmp/port" 2>"$tmp/fakedns.log" &
pid=$!

# Up to 10 s: the port file appears once both sockets listen, then one
# query must come back.
port=
i=0
while [ $i -lt 100 ]; do
	if [ -s "$tmp/port" ]; then
		port=$(cat "$tmp/port")
		"$PY" "$srcdir/tests/fakedns.py" --probe "$port" && break
	fi
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
if [ -z "$port" ] || [ $i -ge 100 ] || ! kill -0 "$pid" 2>/dev/null; then
	echo "FAIL dns/server: fakedns.py did not start"
	sed 's/^/  fakedns: /' "$tmp/fakedns.log"
	echo "0 passed, 1 failed"
	exit 1
fi

# shellcheck disable=SC2086
${DNS_TEST_WRAPPER:-} "$prog" "$port"
rc=$?
exit $rc
