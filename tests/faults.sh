#!/bin/sh
#++
# NAME
#	faults.sh - fault injection with mail in flight through a real Exim
# SYNOPSIS
#	srcdir=DIR builddir=DIR sh tests/faults.sh
# DESCRIPTION
#	Starts the test world with two domains of its own: fault-enforce.test
#	(an enforce policy naming only mx-good, while the preferred MX,
#	mx-nostarttls, offers no TLS: a fail-open would deliver there in
#	clear) and fault-plain.test (no policy; MX mx-nostarttls). The
#	private Exim 4.96 of tests/exim.sh (test-harness/exim/setup.sh) with
#	$builddir/.libs/mtasts_exim.so queues mail for both and runs its
#	queue after each fault:
#
#	warm		no fault: both delivered, enforce over TLS to mx-good
#	corrupt-cache	the LMDB cache file overwritten with garbage: mail
#			for the enforce domain is deferred (the cache may
#			have held an enforce policy); mtastsd started on the
#			same cache moves it aside and says so in its log;
#			the next queue run delivers over TLS
#	truncated-cache	the cache file cut to 100 bytes: the same
#	full-disk	the cache and audit log on a 1 MiB tmpfs (a private
#			mount in the world's namespace) filled to the last
#			byte, and a new policy id to fetch and store
#	dns-down	nsd stopped: everything is deferred; nsd restarted:
#			everything is delivered
#	https-down	nginx stopped and a new policy id published two
#			hours later: the cached enforce policy still decides
#	daemon-kill9	mtastsd (sharing Exim's cache) killed with SIGKILL
#			ten times while SIGUSR1 refreshes run (five in a slow
#			fetch, five as the policy is written): the cache
#			still reads, Exim still delivers over TLS, a new
#			mtastsd starts over the stale socket and pid file
#			and answers OK secure to Postfix's postmap -q
#			(test-harness/mta/postfix.sh; our own client when
#			Postfix cannot be unpacked)
#
#	After every queue run and at the end: every message submitted is
#	in a receiver's mailbox or still in Exim's queue (lost: 0), nothing
#	bounced or failed, and no message for fault-enforce.test reached a
#	receiver other than mx-good or arrived without TLS (X-Harness-TLS).
#	The last queue run, with the world repaired, must deliver all.
#
#	Least privilege (test-harness/hostile/privilege.sh): mtastsd with
#	daemon.user nobody runs with nobody's Uid/Gid, no supplementary
#	groups and no capabilities; its unix socket is mode 0660 with the
#	configured socket_group; the sources have no system()/popen() and
#	exec only where listed; comparisons against sizes and timeouts use
#	named limits.
#
#	Prints "PASS faults/CASE" or "FAIL faults/CASE: why", then "N
#	passed, N failed"; exits 1 on a failure. Not root, no ip netns, or
#	Exim cannot be unpacked: "0 passed, 0 failed, N skipped". No mtastsd
#	built: the daemon cases are skipped with that reason.
#	MTASTS_EXIM_ROOT=DIR: where Exim is unpacked (default
#	/var/cache/mtasts-test/exim, kept between runs). FAULTS_KEEP=1
#	keeps the files. About 60 s.
#--

set -u
srcdir=${srcdir:-.}
builddir=${builddir:-.}
SRC=$(cd "$srcdir" && pwd) || exit 1
BLD=$(cd "$builddir" && pwd) || exit 1
H=$SRC/test-harness
WORLD=$H/world.sh
SETUP=$H/exim/setup.sh
PY=/usr/bin/python3
EXIM_UID=990		# test-harness/exim/setup.sh's Debian-exim
CASES="warm corrupt-cache-defers corrupt-cache-rebuilt corrupt-cache-delivers
truncated-cache-defers truncated-cache-rebuilt truncated-cache-delivers
full-disk dns-down-defers dns-back-delivers https-down-cached-enforce
daemon-kill9-cache daemon-kill9-restart privilege-ids privilege-socket
no-shell-outs limits-named all-delivered no-loss no-insecure no-bounce"
PART=faults
. "$SRC/tests/lib.sh"
skipped=0
# ok NAME [DETAIL] - as lib.sh's, with what was seen on the PASS line
ok() { echo "PASS faults/$1${2:+ ($2)}"; pass=$((pass + 1)); }
skip() { echo "SKIP faults/$1 ($2)"; skipped=$((skipped + 1)); }

need_world

module=$BLD/.libs/mtasts_exim.so
[ -f "$module" ] || broken "no $module: build mtasts_exim.la first"
MTASTS=$BLD/mtasts
MTASTSD=${MTASTSD_BIN:-$BLD/mtastsd}
# A sanitizer build: the ASan runtime must come first in Exim. Only Exim
# gets it (test-harness/exim/setup.sh reads EXIM_PRELOAD): ps(1), which
# world.sh uses, hangs with it preloaded.
if ldd "$module" 2>/dev/null | grep -q libasan; then
	EXIM_PRELOAD=$(${CC:-cc} -print-file-name=libasan.so)
	export EXIM_PRELOAD
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/mtasts-faults.XXXXXX") || broken "mktemp failed"
# Exim drops to Debian-exim, which must reach its spool below DIR.
chmod 0711 "$dir"
root=${MTASTS_EXIM_ROOT:-/var/cache/mtasts-test/exim}
W=$dir/world
cleanup() {
	"$WORLD" stop "$W"
	if [ -n "${FAULTS_KEEP:-}" ]; then
		echo "faults: files kept in $dir"
	else
		rm -rf "$dir"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

mkdir -p "$root" "$dir/scn"
"$SETUP" fetch "$root" >"$dir/fetch.log" 2>&1 ||
	skip_all "cannot unpack Exim 4.96 (apt-get download): $(tail -n 1 "$dir/fetch.log")"
missing=$(ldd "$root/usr/sbin/exim4" 2>/dev/null | awk '/not found/ { printf " %s", $1 }')
[ -z "$missing" ] || broken "Exim's libraries are missing:$missing"
"$WORLD" check || broken "cannot build the world (see above)"

cat >"$dir/scn/80-fault-enforce.scn" <<'EOF'
# faults.sh: enforce; the preferred MX offers no STARTTLS and is not in
# the policy, so a fail-open would deliver there in clear.
txt: v=STSv1; id=fe1;
mx: 5 mx-nostarttls
mx: 10 mx-good
policy<<END
version: STSv1
mode: enforce
mx: mx-good.${domain}
max_age: 86400
END

step: fetched
exit: 0
EOF
cat >"$dir/scn/81-fault-plain.scn" <<'EOF'
# faults.sh: no MTA-STS at all; mail goes to its only MX in clear.
mx: 10 mx-nostarttls

step: no policy
exit: 2
EOF
"$WORLD" start "$W" "$dir"/scn/*.scn >"$dir/world.out" 2>&1 ||
	{ cat "$dir/world.out"; broken "the world did not start"; }
"$SETUP" conf "$W" "$root" "$module" "$SRC" || broken "setup.sh conf failed"
E=$W/exim
log=$E/log/mainlog
conf=$E/mtasts.yaml
cp "$conf" "$dir/mtasts.yaml.orig"

inw() { "$WORLD" exec "$W" -- "$@"; }
exim() { inw "$SETUP" run "$W" "$root" "$@"; }
# exim_in_tmpfs ARG... - exim with $E/full a 1 MiB tmpfs, filled up
exim_in_tmpfs() {
	inw sh -c '
		full=$1 uid=$2; shift 2
		mount -t tmpfs -o size=1m,mode=2770,uid=$uid,gid=$uid tmpfs "$full" || exit 1
		cp --sparse=always "$full.seed/cache.lmdb" "$full.seed/cache.lmdb-lock" "$full/" 2>/dev/null
		: >"$full/audit.jsonl"
		chown $uid:$uid "$full"/* && chmod 0660 "$full"/*
		dd if=/dev/zero of="$full/fill" bs=4k 2>/dev/null
		df -k "$full" | tail -n 1 >"$full.df"
		exec "$@"' sh "$E/full" $EXIM_UID "$SETUP" run "$W" "$root" "$@"
}

sent= nsent=0
# send RCPT - queue one message
send() {
	printf 'Subject: faults %s\n\nhello %s\n' "$1" "$1" |
		exim -odq -f sender@local.test "$1" >/dev/null 2>&1 ||
		echo "faults: exim -odq for $1 failed"
	sent="$sent $1"
	nsent=$((nsent + 1))
}
queue_run() { exim -qff >/dev/null 2>&1; }
# queued RCPT - is a message for RCPT in Exim's queue?
queued() {
	exim -bpr 2>/dev/null | awk -v r="$1" '$1 == r { f = 1 } END { exit !f }'
}
# box RCPT - the receivers holding mail for RCPT (names, space separated)
box() {
	grep -l -F "X-Harness-Rcpt-To: <$1>" "$W"/mail/*/*.eml 2>/dev/null |
		sed 's|.*/mail/\([^/]*\)/.*|\1|' | sort -u | tr '\n' ' '
}
tls_of() {
	grep -l -F "X-Harness-Rcpt-To: <$1>" "$W"/mail/*/*.eml 2>/dev/null | head -n 1 |
		xargs -r sed -n 's/^X-Harness-TLS: \(.*\)\r*$/\1/p' | tr -d '\r' | head -n 1
}
# where RCPT - "good", "nostarttls", ..., "queue" or "lost"
where() {
	_b=$(box "$1")
	if [ -n "$_b" ]; then echo "$_b" | sed 's/ $//'
	elif queued "$1"; then echo queue
	else echo lost; fi
}
# secure RCPT - delivered to mx-good over TLS, or still queued
secure() {
	case $(where "$1"):$(tls_of "$1") in
	good:TLSv1.[23]*|queue:) return 0 ;;
	esac
	return 1
}
# expect CASE RCPT WANT... - where RCPT is must be one of WANT (+ TLS rules)
expect() {
	_c=$1 _r=$2; shift 2
	_w=$(where "$_r")
	case " $* " in
	*" $_w "*) ;;
	*) nok "$_c" "$_r is at '$_w', want $*; mainlog: $(grep -F "$_r" "$log" | tail -n 1)"; return 1 ;;
	esac
	case $_r in
	*@fault-enforce.test)
		secure "$_r" || { nok "$_c" "$_r at '$_w' with TLS '$(tls_of "$_r")'"; return 1; } ;;
	esac
	return 0
}

# ---- warm: no fault
send warm@fault-enforce.test
send warm@fault-plain.test
queue_run
expect warm warm@fault-enforce.test good && expect warm warm@fault-plain.test nostarttls &&
	ok warm "enforce over $(tls_of warm@fault-enforce.test) to mx-good"

# ---- the daemon, sharing Exim's cache (root: new files get the group)
SOCK=$dir/run/mtastsd.sock
have_daemon=0
[ -x "$MTASTSD" ] && have_daemon=1
mkdir -p "$dir/run"
dconf() {
	cat "$conf" >"$dir/mtastsd.yaml"
	printf 'daemon:\n  listen: ["unix:%s"]\n  pid_file: "%s/run/mtastsd.pid"\n  refresh_period: 1\n' \
		"$SOCK" "$dir" >>"$dir/mtastsd.yaml"
}
dstart() {	# dstart LOG - start mtastsd, wait until it serves; 1 if it does not
	_old=$(dpid)
	setsid "$WORLD" exec "$W" -- "$MTASTSD" -f -v -c "$dir/mtastsd.yaml" \
		>>"$1" 2>&1 </dev/null &
	# A killed daemon leaves its pid file and socket: wait for a new
	# pid that says it started.
	_i=0
	while [ $_i -lt 100 ]; do
		_p=$(dpid)
		[ -n "$_p" ] && [ "$_p" != "$_old" ] && kill -0 "$_p" 2>/dev/null &&
			grep -q "started .*pid=$_p\$" "$1" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
dpid() { cat "$dir/run/mtastsd.pid" 2>/dev/null; }
dstop() {
	_p=$(dpid)
	[ -n "$_p" ] && kill -TERM "$_p" 2>/dev/null
	_i=0
	while [ -n "$_p" ] && kill -0 "$_p" 2>/dev/null && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
dquery() { inw $PY "$H/hostile/socketmap.py" query "$SOCK" "$1" 2>&1 | sed -n 's/^RESULT //p'; }

# damage KIND - corrupt or truncate the cache, then the three cases
damage() {
	k=$1
	cp "$E/lib/cache.lmdb" "$dir/cache-before-$k.lmdb"
	if [ "$k" = corrupt ]; then
		sz=$(stat -c %s "$E/lib/cache.lmdb")
		head -c "$sz" /dev/urandom >"$E/lib/cache.lmdb"
	else
		truncate -s 100 "$E/lib/cache.lmdb"
	fi
	send "$k@fault-enforce.test"
	queue_run
	if expect "$k-cache-defers" "$k@fault-enforce.test" queue; then
		if grep -F "$k@fault-enforce.test" "$log" | grep -Eqi 'cache|damaged'; then
			ok "$k-cache-defers" "$(grep -F "$k@fault-enforce.test" "$log" | grep -o 'cache[^;]*' | head -n 1 | head -c 160)"
		else
			ok "$k-cache-defers" "deferred: $(grep -F "$k@fault-enforce.test" "$log" | tail -n 1 | head -c 160)"
		fi
	fi
	if [ $have_daemon = 0 ]; then
		skip "$k-cache-rebuilt" "no $MTASTSD: the daemon is not built"
		# Without a daemon the admin's `mtasts cache` purge is the repair.
		rm -f "$E/lib/cache.lmdb" "$E/lib/cache.lmdb-lock"
	else
		dconf
		: >"$dir/mtastsd-$k.log"
		if ! dstart "$dir/mtastsd-$k.log"; then
			nok "$k-cache-rebuilt" "mtastsd did not start: $(tail -n 3 "$dir/mtastsd-$k.log")"
		elif ! grep -Eqi 'damaged|rebuil|moved' "$dir/mtastsd-$k.log"; then
			nok "$k-cache-rebuilt" "no log line about the damaged cache: $(head -n 5 "$dir/mtastsd-$k.log")"
		elif ! find "$E/lib" -name '*damaged*' | grep -q .; then
			nok "$k-cache-rebuilt" "the damaged file was not set aside: $(ls "$E/lib")"
		else
			ok "$k-cache-rebuilt" "$(grep -Ei 'damaged|rebuil|moved' "$dir/mtastsd-$k.log" | head -n 1 | head -c 200)"
		fi
		dstop
	fi
	queue_run
	expect "$k-cache-delivers" "$k@fault-enforce.test" good &&
		ok "$k-cache-delivers" "$(tls_of "$k@fault-enforce.test") to mx-good"
}
damage corrupt
damage truncated

# ---- full disk: cache and audit log on a full tmpfs, a new id to store
mkdir -p "$E/full" "$E/full.seed"
cp --sparse=always "$E/lib/cache.lmdb" "$E/lib/cache.lmdb-lock" "$E/full.seed/" 2>/dev/null
sed -e "s|$E/lib/cache.lmdb|$E/full/cache.lmdb|" \
    -e "s|$E/lib/audit.jsonl|$E/full/audit.jsonl|" "$dir/mtasts.yaml.orig" >"$conf"
"$WORLD" set "$W" fault-enforce.test "txt=v=STSv1; id=fe2;" >/dev/null ||
	nok full-disk "world.sh set failed"
send full@fault-enforce.test
send full@fault-plain.test
MTASTS_NOW=$(( $(date +%s) + 7200 )) exim_in_tmpfs -qff >/dev/null 2>&1
cp "$dir/mtasts.yaml.orig" "$conf"
if [ ! -s "$E/full.df" ]; then
	nok full-disk "the tmpfs was not mounted"
elif expect full-disk full@fault-enforce.test good queue &&
     expect full-disk full@fault-plain.test nostarttls queue; then
	ok full-disk "tmpfs $(awk '{ print $4 }' "$E/full.df") KB free; enforce mail $(where full@fault-enforce.test)"
fi

# ---- DNS down: nsd stopped
ns=$(cat "$W/netns")
nsd_pid=$(cat "$W/pids/nsd")
kill -TERM "$nsd_pid" 2>/dev/null
i=0
while kill -0 "$nsd_pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
send dns@fault-enforce.test
send dns@fault-plain.test
MTASTS_NOW=$(( $(date +%s) + 14400 )) queue_run
expect dns-down-defers dns@fault-enforce.test queue &&
	expect dns-down-defers dns@fault-plain.test queue &&
	ok dns-down-defers "both deferred: $(grep -F dns@fault-enforce.test "$log" | tail -n 1 | sed 's/.*== //' | head -c 120)"
# nsd back, as world.sh starts it (its PID where world.sh stop finds it)
setsid ip netns exec "$ns" nsd -d -c "$W/dns/nsd.conf" >>"$W/logs/nsd.out" 2>&1 </dev/null &
echo $! >"$W/pids/nsd"
inw $PY "$H/lib/worldctl.py" sync "$W" >/dev/null 2>&1 ||
	nok dns-back-delivers "nsd did not come back"
queue_run
expect dns-back-delivers dns@fault-enforce.test good &&
	expect dns-back-delivers dns@fault-plain.test nostarttls &&
	ok dns-back-delivers "enforce over $(tls_of dns@fault-enforce.test)"

# ---- HTTPS down: nginx stopped, a new id published, two hours later
"$WORLD" set "$W" fault-enforce.test "txt=v=STSv1; id=fe3;" >/dev/null
nginx_pid=$(cat "$W/pids/nginx")
kill -TERM "$nginx_pid" 2>/dev/null
i=0
while kill -0 "$nginx_pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
send https@fault-enforce.test
MTASTS_NOW=$(( $(date +%s) + 21600 )) queue_run
if expect https-down-cached-enforce https@fault-enforce.test good; then
	ok https-down-cached-enforce "cached policy enforced, $(tls_of https@fault-enforce.test) to mx-good"
fi
setsid ip netns exec "$ns" nginx -p "$W/http" -c "$W/http/nginx.conf" \
	-e "$W/http/error.log" >>"$W/logs/nginx.out" 2>&1 </dev/null &
echo $! >"$W/pids/nginx"
inw $PY "$H/lib/worldctl.py" wait "$W" >/dev/null 2>&1 || echo "faults: nginx did not come back"

# ---- kill -9 of mtastsd during refreshes
if [ $have_daemon = 0 ]; then
	skip daemon-kill9-cache "no $MTASTSD: the daemon is not built"
	skip daemon-kill9-restart "no $MTASTSD: the daemon is not built"
else
	dconf
	: >"$dir/mtastsd-kill.log"
	kills=0
	# First with a policy host that answers only after fetch.timeout, so
	# each SIGKILL lands in a fetch; then with a quick one, so that some
	# land while the refreshed policy is written.
	"$WORLD" set "$W" fault-enforce.test http=slow >/dev/null
	for delay in 0.01 0.05 0.1 0.2 0.3 slow-done 0.005 0.01 0.02 0.04 0.08; do
		if [ $delay = slow-done ]; then
			"$WORLD" set "$W" fault-enforce.test http=ok >/dev/null
			continue
		fi
		dstart "$dir/mtastsd-kill.log" || break
		p=$(dpid)
		kill -USR1 "$p" 2>/dev/null
		sleep $delay
		kill -KILL "$p" 2>/dev/null && kills=$((kills + 1))
		while kill -0 "$p" 2>/dev/null; do sleep 0.05; done
	done
	list=$(inw "$MTASTS" -c "$conf" cache list 2>&1)
	send kill@fault-enforce.test
	queue_run
	if [ $kills -lt 10 ]; then
		nok daemon-kill9-cache "only $kills of 10 daemons started: $(tail -n 3 "$dir/mtastsd-kill.log")"
	elif ! echo "$list" | grep -q fault-enforce.test; then
		nok daemon-kill9-cache "mtasts cache list after the kills: $list"
	elif expect daemon-kill9-cache kill@fault-enforce.test good; then
		ok daemon-kill9-cache "$kills SIGKILLs; cache lists $(echo "$list" | grep -c .) line(s); Exim delivered over TLS"
	fi
	# The last one left its socket and pid file: a new one must start.
	if [ ! -S "$SOCK" ]; then
		nok daemon-kill9-restart "no stale socket to test with"
	elif ! dstart "$dir/mtastsd-kill.log"; then
		nok daemon-kill9-restart "mtastsd did not start after SIGKILL: $(tail -n 3 "$dir/mtastsd-kill.log")"
	else
		# Postfix's own socketmap client when it can be had, else ours.
		PF=$H/mta/postfix.sh
		if [ -x "$PF" ] && sh "$PF" prepare >/dev/null 2>&1 &&
		   sh "$PF" conf "$dir/postfix" >/dev/null 2>&1; then
			r=$(inw sh "$PF" query "$dir/postfix" "socketmap:unix:$SOCK:postfix" \
				fault-enforce.test 2>&1 | tr '\t' ' ')
			client="postmap -q"
		else
			r=$(dquery "postfix fault-enforce.test" | tr _ ' ')
			client="socketmap.py"
		fi
		case $r in
		*"OK secure match=mx-good.fault-enforce.test"*)
			ok daemon-kill9-restart "$client: $r" ;;
		*)	nok daemon-kill9-restart "after the restart, $client: $r" ;;
		esac
	fi
	dstop
fi

# ---- least privilege
. "$H/hostile/privilege.sh"

# ---- the repaired world: a last queue run delivers everything
queue_run
lost= insecure= left= placed=
for r in $sent; do
	w=$(where "$r")
	case $w in
	lost) lost="$lost $r" ;;
	queue) left="$left $r" ;;
	esac
	case $r in
	*@fault-enforce.test) secure "$r" || insecure="$insecure $r($w,$(tls_of "$r"))" ;;
	esac
	placed="$placed $w"
done
if [ -z "$left" ] && [ -z "$lost" ]; then
	ok all-delivered "$nsent messages delivered"
else
	nok all-delivered "still queued:${left:- none}; lost:${lost:- none}"
fi
if [ -z "$lost" ]; then
	ok no-loss "$nsent submitted, 0 lost"
else
	nok no-loss "lost:$lost"
fi
if [ -z "$insecure" ]; then
	ok no-insecure "every fault-enforce.test message at mx-good over TLS"
else
	nok no-insecure "$insecure"
fi
if grep -q -E ' <= <> | \*\* ' "$log"; then
	nok no-bounce "$(grep -E ' <= <> | \*\* ' "$log" | head -n 1)"
else
	ok no-bounce
fi

echo "$pass passed, $fail failed${skipped:+, $skipped skipped}" | sed 's/, 0 skipped$//'
[ $fail -eq 0 ]
