# socketmap.sh - the socketmap-* cases of tests/hostile.sh (sourced)
# shellcheck shell=sh disable=SC2154
#
# Needs from tests/hostile.sh: inw, bg, ok, nok, PY, HOS, W, hd, MTASTSD,
# SLACK, DAEMON_SLACK_KB. Starts mtastsd -f -v inside the world with the
# world's resolver, CA and cache (enforce.test is served by nsd and
# nginx), idle_timeout 2 s, then runs test-harness/hostile/socketmap.py
# against it. The daemon is stopped with the world (world.sh stop).

IDLE=4
SOCK=$hd/run/mtastsd.sock
TCP=127.0.0.1:8461
Q="postfix enforce.test"

# A sanitizer build keeps up to 256 MB of freed memory in quarantine,
# which would hide what the daemon itself keeps: cap it.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16
export ASAN_OPTIONS

cat "$W/mtasts.yaml" >"$hd/mtastsd.yaml"
cat >>"$hd/mtastsd.yaml" <<EOF
daemon:
  listen: ["unix:$SOCK", "inet:$TCP"]
  pid_file: "$hd/run/mtastsd.pid"
  idle_timeout: $IDLE
  workers: 4
EOF

sm() { inw $PY "$HOS/socketmap.py" "$@" 2>&1 | sed -n 's/^RESULT //p'; }
# val TEXT KEY - a key=value of a RESULT line
val() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
logged() { grep -Eq "$1" "$hd/mtastsd.log"; }
sm_fail_all() {
	for _c in $SM_CASES; do nok "socketmap-$_c" "$1"; done
}

bg "$hd/mtastsd.log" "$MTASTSD" -f -v -c "$hd/mtastsd.yaml"
enf= i=0
while [ $i -lt 50 ]; do
	r=$(sm query "$SOCK" "$Q")
	case $(val "$r" reply) in OK_secure*) enf=$(val "$r" reply); break ;; esac
	sleep 0.2
	i=$((i + 1))
done
dpid=$(cat "$hd/run/mtastsd.pid" 2>/dev/null)
if [ -z "$enf" ] || ! alive "$dpid"; then
	sm_fail_all "mtastsd did not answer enforce.test ($r): $(tail -n 5 "$hd/mtastsd.log")"
else
	rss0=$(rss "$dpid")

	r=$(sm giant "$SOCK")
	case $(val "$r" how):$(val "$r" reply):$(val "$r" end) in
	reply:PERM*:closed|reply:PERM*:error*|closed::*)
		if ! alive "$dpid"; then
			nok socketmap-giant-length "the daemon died"
		elif ! logged 'malformed request'; then
			nok socketmap-giant-length "no 'malformed request' log line"
		else
			ok socketmap-giant-length "$r"
		fi ;;
	*)	nok socketmap-giant-length "want PERM and close: $r" ;;
	esac

	r=$(sm garbage "$SOCK")
	case $(val "$r" how):$(val "$r" reply):$(val "$r" end) in
	reply:PERM*:closed|reply:PERM*:error*|closed::*)
		if alive "$dpid"; then ok socketmap-garbage "$r"
		else nok socketmap-garbage "the daemon died"; fi ;;
	*)	nok socketmap-garbage "want PERM and close: $r" ;;
	esac

	r=$(sm half "$SOCK" 1000)
	r2=$(sm query "$SOCK" "$Q")
	if [ "$(val "$r" sent)" != 1000 ]; then
		nok socketmap-half-netstring "the clients could not connect: $r"
	elif [ "$(val "$r2" reply)" != "$enf" ] || ! alive "$dpid"; then
		nok socketmap-half-netstring "afterwards: $r2"
	else
		ok socketmap-half-netstring "$r; then $(val "$r2" how)"
	fi

	# Bytes that keep coming must not keep a connection: each of these
	# clients is cut off within the idle timeout of its first byte.
	r=$(sm drip "$SOCK" 50 $((IDLE * 4)) "$Q")
	if [ "$(val "$r" closed)" != 50 ]; then
		nok socketmap-slow-drip "not every dripping client was cut off: $r"
	elif ! awk -v s="$(val "$r" slowest)" -v m=$((IDLE + SLACK)) \
	    'BEGIN { exit !(s <= m) }'; then
		nok socketmap-slow-drip "the last one held on for $(val "$r" slowest) s"
	elif ! val "$r" replies | grep -q '^PERM_request_not_complete_after'; then
		nok socketmap-slow-drip "want a PERM reply naming the deadline: $r"
	elif ! logged 'request not complete after'; then
		nok socketmap-slow-drip "no 'request not complete' log line"
	elif ! alive "$dpid"; then
		nok socketmap-slow-drip "the daemon died"
	else
		ok socketmap-slow-drip "$r"
	fi

	r=$(sm flood "$SOCK" 10000 "$Q")
	if [ "$(val "$r" answered)" != 10000 ]; then
		nok socketmap-flood-10000 "not every connection was answered: $r"
	elif [ "$(val "$r" replies)" != "$enf*10000" ]; then
		nok socketmap-flood-10000 "an answer other than '$enf': $(val "$r" replies | head -c 300)"
	elif ! alive "$dpid"; then
		nok socketmap-flood-10000 "the daemon died"
	else
		ok socketmap-flood-10000 "$(val "$r" answered) answered in $(val "$r" seconds) s"
	fi

	# 1500 idle connections: 1024 accepted, the rest in the backlog;
	# idle_timeout frees slots so that the probe gets its answer.
	r=$(sm hold "$SOCK" 1500 $((IDLE * 3)) "$Q")
	if [ "$(val "$r" reply)" != "$enf" ]; then
		nok socketmap-hold-past-limit "the probe got no answer: $r"
	elif ! awk -v s="$(val "$r" probe_seconds)" -v m=$((IDLE * 2 + SLACK)) \
	    'BEGIN { exit !(s <= m) }'; then
		nok socketmap-hold-past-limit "the probe waited $(val "$r" probe_seconds) s"
	elif [ "$(val "$r" held)" -gt 1024 ] && ! logged 'limit reached, paused'; then
		nok socketmap-hold-past-limit "no 'limit reached, paused' log line"
	else
		ok socketmap-hold-past-limit "$r"
	fi

	sleep $((IDLE + 1))		# let the idle connections go
	r=$(sm query "$SOCK" "$Q")
	npid=$(cat "$hd/run/mtastsd.pid" 2>/dev/null)
	if [ "$(val "$r" reply)" = "$enf" ] && [ "$npid" = "$dpid" ] && alive "$dpid"; then
		ok socketmap-enforce-intact "same process $dpid, $enf"
	else
		nok socketmap-enforce-intact "reply '$(val "$r" reply)', pid $dpid -> $npid"
	fi

	rss1=$(rss "$dpid")
	if [ -z "$rss0" ] || [ -z "$rss1" ]; then
		nok socketmap-daemon-memory "no VmRSS (before '$rss0', after '$rss1')"
	elif [ $((rss1 - rss0)) -gt "$DAEMON_SLACK_KB" ]; then
		nok socketmap-daemon-memory "VmRSS $rss0 -> $rss1 KB, more than $DAEMON_SLACK_KB KB kept"
	else
		ok socketmap-daemon-memory "VmRSS $rss0 KB before, $rss1 KB after"
	fi
fi
