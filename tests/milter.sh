#!/bin/sh
#++
# NAME
#	milter.sh - mtasts-milter with a real Sendmail and a real Postfix
# SYNOPSIS
#	srcdir=DIR builddir=DIR sh tests/milter.sh
# DESCRIPTION
#	Starts the test world with the domains of test-harness/milter/*.scn
#	(enforce, testing, no policy, enforce that no MX can meet, a null
#	MX, a wildcard, enforce whose only MX fails TLS) and, inside it, as
#	user nobody:
#	- milter T (milter.action tempfail, header X-MTA-STS) behind a
#	  private Sendmail 8.17 on 127.0.3.1:25 (INPUT_MAIL_FILTER from
#	  config/sendmail/mtasts-milter.mc, FEATURE(sts) asking mtastsd);
#	- milter A (milter.action accept, header X-Policy-State) behind a
#	  private Postfix 3.7 on 127.0.3.2:25 (smtpd_milters);
#	- mtastsd, sharing the milters' policy cache.
#	Mail is submitted with SMTP (test-harness/milter/submit.py): the
#	RCPT answers, the headers of the delivered mail, the milters' logs
#	and audit records and the shared cache are checked. Then milter V
#	runs under valgrind (memcheck) and speaks with
#	test-harness/milter/miltc.py (the MTA's side of the protocol):
#	whole sessions, sessions the client aborts or drops mid-message, bad
#	packets (a 2 GB length, an unknown command, 64 KiB of noise),
#	several at once; the run fails on a definite leak or a memory
#	error. Milter I, whose trust store is missing, shows that its own
#	failure answers 451 4.3.0. Every process is stopped by PID.
#
#	Prints "PASS milter/CASE" or "FAIL milter/CASE: why" and "N passed,
#	N failed"; exits 1 on any failure. Not root, no network namespaces,
#	no valgrind, or Sendmail/Postfix cannot be unpacked: every case is
#	skipped ("0 passed, 0 failed, N skipped"), exit 0. Missing programs
#	of ours, or a world that cannot start, are failures.
#
#	MILTER_TEST_KEEP=1 keeps the files and tells where. Debian
#	packages: valgrind, m4, and downloaded sendmail-bin sendmail-base
#	sendmail-cf postfix, plus what test-harness/README.md lists.
#--

set -u
CA= CACHE=
srcdir=${srcdir:-.}
builddir=${builddir:-.}
SRC=$(cd "$srcdir" && pwd) || exit 1
BUILD=$(cd "$builddir" && pwd) || exit 1
H=$SRC/test-harness
WORLD=$H/world.sh
SM=$H/sendmail-sts/setup.sh
PF=$H/milter/postfix-relay.sh
PY=/usr/bin/python3
CASES="config sendmail-rcpt sendmail-header sendmail-delivery postfix-rcpt
postfix-header postfix-log tls-failing audit cache-warm shared-cache internal strip
drop hostile concurrent valgrind"
SM_ADDR=127.0.3.1
PF_ADDR=127.0.3.2

PART=milter
. "$SRC/tests/lib.sh"

need_world
command -v valgrind >/dev/null 2>&1 || skip_all "no valgrind (apt-get install valgrind)"
id nobody >/dev/null 2>&1 && getent group daemon >/dev/null ||
	skip_all "no user nobody or group daemon"
for p in mtasts-milter mtastsd mtasts libtool; do
	[ -x "$BUILD/$p" ] || broken "no $BUILD/$p: build it first"
done
sh "$SM" prepare || skip_all "cannot unpack Sendmail 8.17 (apt-get download)"
sh "$PF" prepare || skip_all "cannot unpack Postfix 3.7 (apt-get download)"
"$WORLD" check || broken "cannot build the world (see above)"

. "$H/mta/common.sh"
MTA_WORLD_SH=$WORLD
dir=$(mktemp -d "${TMPDIR:-/tmp}/mtasts-milter.XXXXXX") || broken "mktemp failed"
# Sendmail refuses sockets in world-writable directories (/tmp).
run=/run/mtasts-milter.$$
cleanup() {
	for f in milter-t milter-a milter-i milter-v mtastsd sendmail postfix; do
		pid_stop "$dir/$f.pid"
	done
	"$WORLD" stop "$dir"
	rm -rf "$run"
	if [ "${MILTER_TEST_KEEP:-0}" = 1 ]; then
		echo "milter: files kept in $dir"
	else
		rm -rf "$dir"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
mkdir -m 0755 "$run" || broken "cannot create $run"
# The milters and mtastsd run as nobody; Postfix's services as daemon.
chmod 0711 "$dir"
"$WORLD" start "$dir" "$H"/milter/*.scn || broken "the world did not start"
"$WORLD" exec "$dir" -- sh -c "ip addr add $SM_ADDR/32 dev lo &&
	ip addr add $PF_ADDR/32 dev lo" || broken "cannot add the MTAs' addresses"
lib=$dir/lib
mkdir -p "$lib" && chown nobody "$lib" || broken "cannot create $lib"

# conf NAME ACTION HEADER [EXTRA-YAML] - a milter config, socket $run/NAME.sock
conf() {
	cat >"$dir/$1.yaml" <<EOF
# written by tests/milter.sh
resolver:
  servers: ["127.0.0.53"]
tls:
  ca_file: "${CA:-$dir/ca.pem}"
cache:
  path: "${CACHE:-$lib/cache.lmdb}"
fetch:
  timeout: 2
log:
  json_file: "$lib/audit-$1.jsonl"
milter:
  socket: "unix:$run/$1.sock"
  action: $2
  header: "$3"
  user: nobody
  socket_group: daemon
${4:-}
EOF
}

# milter_start NAME SECONDS [WRAPPER...] - a milter in the foreground,
# inside the world; waits up to SECONDS for its socket
milter_start() {
	_n=$1 _w=$2; shift 2
	bg_start "$dir/$_n.pid" "$dir/$_n.log" "$WORLD" exec "$dir" -- \
		"$@" "$BUILD/mtasts-milter" -f -v -c "$dir/$_n.yaml"
	world_wait_listen "$dir" "unix:$run/$_n.sock" "$_w"
}

# ---- config: the milter section is checked, and a bad header name stops the milter
conf milter-t tempfail yes
conf bad accept "Bad Header"
conf typo accept yes "  acton: tempfail"
"$BUILD/mtasts" config-check "$dir/milter-t.yaml" >/dev/null 2>&1; a=$?
"$BUILD/mtasts" config-check "$dir/typo.yaml" >"$dir/typo.out" 2>&1; b=$?
"$BUILD/mtasts-milter" -f -c "$dir/bad.yaml" >"$dir/bad.out" 2>&1; c=$?
if [ $a = 0 ] && [ $b != 0 ] && grep -q acton "$dir/typo.out" &&
   [ $c = 78 ] && grep -q 'milter.header' "$dir/bad.out"; then
	ok config
else
	nok config "config-check $a/$b, bad header exit $c: $(head -n 1 "$dir/bad.out")"
fi

# ---- the MTAs' milters, mtastsd, Sendmail and Postfix
conf milter-a accept X-Policy-State
cat >"$dir/mtastsd.yaml" <<EOF
# written by tests/milter.sh: the milters' cache, the socket Sendmail asks
resolver:
  servers: ["127.0.0.53"]
tls:
  ca_file: "$dir/ca.pem"
cache:
  path: "$lib/cache.lmdb"
fetch:
  timeout: 2
log:
  json_file: "$lib/audit-mtastsd.jsonl"
daemon:
  listen: ["unix:$run/mtastsd.sock"]
  pid_file: "$run/mtastsd.pid"
  user: nobody
maps:
  sts: {expand_wildcards: no}
EOF
milter_start milter-t 10 || broken "milter T did not start: $(tail -n 2 "$dir/milter-t.log")"
milter_start milter-a 10 || broken "milter A did not start: $(tail -n 2 "$dir/milter-a.log")"
bg_start "$dir/mtastsd.pid" "$dir/mtastsd.log" \
	"$WORLD" exec "$dir" -- "$BUILD/mtastsd" -f -c "$dir/mtastsd.yaml"
world_wait_listen "$dir" "unix:$run/mtastsd.sock" 10 ||
	broken "mtastsd did not start: $(tail -n 2 "$dir/mtastsd.log")"
"$SM" conf "$dir" "$SRC" "local:$run/mtastsd.sock" "local:$run/milter-t.sock" \
	"$SM_ADDR" || broken "setup.sh conf failed"
bg_start "$dir/sendmail.pid" "$dir/sendmail.log" \
	"$WORLD" exec "$dir" -- "$SM" run "$dir" -bD
world_wait_listen "$dir" "inet:$SM_ADDR:25" 15 ||
	broken "Sendmail did not start: $(tail -n 2 "$dir/sendmail.log")"
"$PF" conf "$dir" "$PF_ADDR" "unix:$run/milter-a.sock" || broken "postfix-relay.sh conf failed"
bg_start "$dir/postfix.pid" "$dir/postfix.log" "$WORLD" exec "$dir" -- "$PF" run "$dir"
world_wait_listen "$dir" "inet:$PF_ADDR:25" 15 ||
	broken "Postfix did not start: $(tail -n 2 "$dir/postfix/maillog")"

# submit ADDR OUT RCPT... - one SMTP transaction; forged copies of both
# milters' headers go along, in two spellings each
submit() {
	_a=$1 _o=$2; shift 2
	"$WORLD" exec "$dir" -- "$PY" "$H/milter/submit.py" "$_a" 25 \
		sender@client.test "$@" -- "X-MTA-STS: forged.test enforce" \
		"x-mta-sts: forged2.test enforce" "X-Policy-State: forged.test enforce" \
		"X-POLICY-STATE: forged2.test enforce" >"$_o" 2>&1
}

# answer OUT RCPT - the server's answer to RCPT ("CODE TEXT")
answer() {
	awk -v r="$2" '$1 == "RCPT" && $2 == r { $1 = ""; $2 = ""; sub(/^ +/, ""); print }' "$1"
}

# mailbox RECEIVER RCPT - the stored message for RCPT there, or nothing
mailbox() {
	grep -l -F "X-Harness-Rcpt-To: <$2>" "$dir"/mail/"$1"/*.eml 2>/dev/null | head -n 1
}

# headers FILE NAME - the values of header NAME in FILE, one per line
headers() {
	sed -n "s/^$2: \\(.*\\)\\r*\$/\\1/p" "$1" | tr -d '\r'
}

# ---- Sendmail: milter T answers at RCPT
R="u@milter-enforce.test u@milter-testing.test u@milter-nopolicy.test
u@milter-unsat.test u@milter-nullmx.test u@milter-wild.test"
# shellcheck disable=SC2086
submit $SM_ADDR "$dir/sm.out" $R
bad=
for r in u@milter-enforce.test u@milter-testing.test u@milter-nopolicy.test u@milter-wild.test; do
	case $(answer "$dir/sm.out" $r) in 250*) ;; *) bad="$bad $r:'$(answer "$dir/sm.out" $r)'" ;; esac
done
for d in milter-unsat.test milter-nullmx.test; do
	case $(answer "$dir/sm.out" u@$d) in
	"451 4.7.5 "*"$d"*) ;;
	*)	bad="$bad u@$d:'$(answer "$dir/sm.out" u@$d)'" ;;
	esac
done
grep -q '^DATA 250' "$dir/sm.out" || bad="$bad DATA:'$(grep '^DATA\|^ERROR' "$dir/sm.out")'"
if [ -z "$bad" ]; then ok sendmail-rcpt; else nok sendmail-rcpt "$bad"; fi

# Sendmail delivers (FEATURE(sts) asks mtastsd, which reads the warm cache).
"$WORLD" exec "$dir" -- "$SM" run "$dir" -qf -v >"$dir/sm-q.log" 2>&1

# ---- sendmail-header: one X-MTA-STS per accepted domain; the forged one gone
f=$(mailbox good u@milter-enforce.test)
if [ -z "$f" ]; then
	nok sendmail-header "no mail for u@milter-enforce.test at mx-good"
else
	headers "$f" X-MTA-STS | sort >"$dir/sm-hdr"
	printf '%s\n' "milter-enforce.test enforce id=milterenf1" \
		"milter-nopolicy.test no-policy" "milter-testing.test testing id=miltertest1" \
		"milter-wild.test enforce id=milterwild1" >"$dir/sm-hdr.want"
	if cmp -s "$dir/sm-hdr" "$dir/sm-hdr.want"; then
		ok sendmail-header
	else
		nok sendmail-header "X-MTA-STS: $(tr '\n' '|' <"$dir/sm-hdr")"
	fi
fi

# ---- sendmail-delivery: enforce over verified TLS, no-policy as before
f=$(mailbox good u@milter-enforce.test)
g=$(mailbox nostarttls u@milter-nopolicy.test)
if [ -z "$f" ] || [ -z "$g" ]; then
	nok sendmail-delivery "not delivered (enforce: '$f', nopolicy: '$g')"
elif ! grep -q '^X-Harness-TLS: TLSv1\.[23]' "$f"; then
	nok sendmail-delivery "enforce mail went without TLS"
elif [ -n "$(mailbox good u@milter-unsat.test)" ]; then
	nok sendmail-delivery "a tempfailed recipient was delivered"
else
	ok sendmail-delivery
fi

# ---- Postfix: milter A (action accept) accepts everything and logs
R="u@milter-enforce.test u@milter-unsat.test u@milter-testing.test u@milter-nopolicy.test"
# shellcheck disable=SC2086
submit $PF_ADDR "$dir/pf.out" $R
bad=
for r in $R; do
	case $(answer "$dir/pf.out" $r) in 250*) ;; *) bad="$bad $r:'$(answer "$dir/pf.out" $r)'" ;; esac
done
grep -q '^DATA 250' "$dir/pf.out" || bad="$bad DATA:'$(grep '^DATA\|^ERROR' "$dir/pf.out")'"
if [ -z "$bad" ]; then ok postfix-rcpt; else nok postfix-rcpt "$bad"; fi

# Postfix delivers at once; wait (bounded) for the unsatisfiable one.
i=0
while [ -z "$(mailbox good u@milter-unsat.test)" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done

# ---- postfix-header: the configured name; unsatisfiable is recorded
f=$(mailbox good u@milter-unsat.test)
if [ -z "$f" ]; then
	nok postfix-header "no mail for u@milter-unsat.test: $(grep milter-unsat "$dir/postfix/maillog" | tail -n 1)"
else
	headers "$f" X-Policy-State | sort >"$dir/pf-hdr"
	printf '%s\n' "milter-enforce.test enforce id=milterenf1" \
		"milter-nopolicy.test no-policy" "milter-testing.test testing id=miltertest1" \
		"milter-unsat.test enforce id=milterunsat1 mx=unsatisfiable" >"$dir/pf-hdr.want"
	if ! cmp -s "$dir/pf-hdr" "$dir/pf-hdr.want"; then
		nok postfix-header "X-Policy-State: $(tr '\n' '|' <"$dir/pf-hdr")"
	elif [ "$(headers "$f" X-MTA-STS)" != "forged.test enforce" ] ||
	     [ "$(headers "$f" x-mta-sts)" != "forged2.test enforce" ]; then
		nok postfix-header "a header that is not ours was changed"
	else
		ok postfix-header
	fi
fi

# ---- postfix-log: the accepted unsatisfiable recipient is logged, with Postfix's queue id
qid=$(sed -n 's/.*Ok: queued as \([0-9A-F]*\).*/\1/p' "$dir/pf.out")
if grep -q "rcpt conn=[0-9]* qid=$qid domain=milter-unsat.test mode=enforce id=milterunsat1 verdict=unsatisfiable-accepted" "$dir/milter-a.log"; then
	ok postfix-log
else
	nok postfix-log "no unsatisfiable-accepted line for qid $qid: $(grep milter-unsat "$dir/milter-a.log" | tail -n 1)"
fi

# ---- tls-failing: the only MX the policy allows failed its last TLS
# check. Postfix (level may) delivers the first message over untrusted
# TLS and logs it; mtasts ingest puts that in the MX state file the
# milters share; then milter T refuses the domain at RCPT with 451 4.7.5
# and milter A accepts and logs it; after "mtasts cache mx-purge HOST"
# milter T accepts again.
submit $PF_ADDR "$dir/tf1.out" u@milter-tlsfail.test
i=0
# The session is over (what ingest needs) once its status line is logged.
while ! grep -q 'to=<u@milter-tlsfail.test>.*status=' "$dir/postfix/maillog" &&
    [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
"$BUILD/mtasts" -c "$dir/milter-a.yaml" ingest "$dir/postfix/maillog" >"$dir/tf-ingest.out" 2>&1
submit $SM_ADDR "$dir/tf2.out" u@milter-tlsfail.test
submit $PF_ADDR "$dir/tf3.out" u@milter-tlsfail.test
# The admin fixed the certificate: forgetting the failure ends the refusal.
"$BUILD/mtasts" -c "$dir/milter-a.yaml" cache mx-list >"$dir/tf-mxlist.out" 2>&1
"$BUILD/mtasts" -c "$dir/milter-a.yaml" cache mx-purge \
	mx-untrusted.milter-tlsfail.test >"$dir/tf-purge.out" 2>&1
submit $SM_ADDR "$dir/tf4.out" u@milter-tlsfail.test
a1=$(answer "$dir/tf1.out" u@milter-tlsfail.test)
a2=$(answer "$dir/tf2.out" u@milter-tlsfail.test)
a3=$(answer "$dir/tf3.out" u@milter-tlsfail.test)
a4=$(answer "$dir/tf4.out" u@milter-tlsfail.test)
case $a1 in 250*) ;; *) a1bad=1 ;; esac
if [ "${a1bad:-0}" = 1 ]; then
	nok tls-failing "first message refused before any TLS check: '$a1'"
elif ! grep -Eq ' [1-9][0-9]* recorded ' "$dir/tf-ingest.out"; then
	nok tls-failing "ingest recorded no session: $(tr '\n' '|' <"$dir/tf-ingest.out")"
elif ! grep -q '^mx-untrusted.milter-tlsfail.test failed .* certificate-not-trusted$' "$dir/tf-mxlist.out"; then
	nok tls-failing "cache mx-list: $(tr '\n' '|' <"$dir/tf-mxlist.out")"
elif ! case $a4 in 250*) true ;; *) false ;; esac; then
	nok tls-failing "after mx-purge milter T still answered '$a4'"
else
	case $a2 in
	"451 4.7.5 "*milter-tlsfail.test*"failed its last TLS check"*)
		case $a3 in
		250*)	if grep -q "domain=milter-tlsfail.test mode=enforce id=miltertls1 verdict=unsatisfiable-accepted reason=\"every MX host the policy allows failed its last TLS check (first mx-untrusted.milter-tlsfail.test, [0-9]*s ago: certificate-not-trusted)\"" \
			    "$dir/milter-a.log"; then
				ok tls-failing "$a2"
			else
				nok tls-failing "milter A did not log it: $(grep milter-tlsfail "$dir/milter-a.log" | tail -n 1)"
			fi ;;
		*)	nok tls-failing "milter A (accept) answered '$a3'" ;;
		esac ;;
	*)	nok tls-failing "milter T answered '$a2', want 451 4.7.5 naming the TLS failures" ;;
	esac
fi

# ---- audit: one decision record per recipient, from each milter
bad=
for c in t:milter-enforce.test:1 t:milter-unsat.test:1 t:milter-nullmx.test:1 \
	 t:milter-wild.test:1 a:milter-enforce.test:1 a:milter-unsat.test:1 \
	 a:milter-nopolicy.test:1; do
	m=${c%%:*} rest=${c#*:}
	d=${rest%%:*} want=${rest#*:}
	n=$(grep -F '"event":"decision"' "$lib/audit-milter-$m.jsonl" 2>/dev/null |
		grep -c -F "\"domain\":\"$d\"")
	[ "$n" = "$want" ] || bad="$bad $m/$d:$n"
done
if [ -n "$bad" ]; then
	nok audit "decision records (milter/domain:count):$bad"
elif ! grep -F '"domain":"milter-enforce.test"' "$lib/audit-milter-t.jsonl" |
	grep -q -F '"policy_id":"milterenf1"'; then
	nok audit "the enforce record lacks its policy id"
else
	ok audit
fi

# ---- cache-warm: the policies looked up at RCPT are in the shared cache
bad=
for c in milter-enforce.test:milterenf1 milter-unsat.test:milterunsat1 milter-wild.test:milterwild1; do
	"$BUILD/mtasts" -c "$dir/milter-t.yaml" cache show "${c%%:*}" >"$dir/show" 2>&1 &&
		grep -q -x "id: ${c#*:}" "$dir/show" || bad="$bad ${c%%:*}"
done
if [ -z "$bad" ]; then ok cache-warm; else nok cache-warm "not cached:$bad"; fi

# ---- shared-cache: mtastsd answered Sendmail's delivery from that cache
if grep -F '"domain":"milter-enforce.test"' "$lib/audit-mtastsd.jsonl" 2>/dev/null |
	grep -q -i 'cached policy'; then
	ok shared-cache
else
	nok shared-cache "mtastsd did not use the cached policy: $(grep -F milter-enforce "$lib/audit-mtastsd.jsonl" | head -n 1)"
fi

# milter_session NAME SCRIPT OUT [-n N] - miltc.py against milter NAME
milter_session() {
	_n=$1 _s=$2 _o=$3; shift 3
	"$WORLD" exec "$dir" -- "$PY" "$H/milter/miltc.py" "$@" \
		"unix:$run/$_n.sock" "$_s" >"$_o" 2>&1
}

# ---- internal: milter I cannot build its HTTPS client (trust store missing)
CA=$dir/missing.pem CACHE=$lib/cache-i.lmdb
conf milter-i tempfail no
CA= CACHE=
cat >"$dir/s-internal" <<EOF
connect client.test 127.0.0.9
mail <sender@client.test>
rcpt <u@milter-enforce.test>
rcpt <u@milter-nopolicy.test>
abort
quit
EOF
if milter_start milter-i 10; then
	milter_session milter-i "$dir/s-internal" "$dir/internal.out"
	if grep -q '^rcpt <u@milter-enforce.test> => reply 451 4.3.0 .*milter-enforce.test' "$dir/internal.out" &&
	   grep -q '^rcpt <u@milter-nopolicy.test> => continue' "$dir/internal.out"; then
		ok internal
	else
		nok internal "$(grep '^rcpt' "$dir/internal.out" | tr '\n' '|')"
	fi
	pid_stop "$dir/milter-i.pid"
else
	nok internal "milter I did not start: $(tail -n 2 "$dir/milter-i.log")"
fi

# ---- milter V under valgrind: the remaining cases
conf milter-v tempfail yes
cat >"$dir/s-full" <<EOF
connect client.test 127.0.0.9
helo client.test
macro M i=VQID1
mail <sender@client.test>
rcpt <u@milter-enforce.test>
rcpt <u@milter-unsat.test>
rcpt <v@milter-enforce.test>
rcpt <postmaster>
header Subject: valgrind
header X-MTA-STS: forged.test enforce
header x-mta-sts: forged2.test enforce
eoh
body hello
eom
mail <sender@client.test>
rcpt <u@milter-testing.test>
eom
quit
EOF
cat >"$dir/s-drop-rcpt" <<EOF
connect client.test 127.0.0.9
mail <sender@client.test>
rcpt <u@milter-enforce.test>
drop
EOF
cat >"$dir/s-drop-msg" <<EOF
connect client.test 127.0.0.9
mail <sender@client.test>
rcpt <u@milter-wild.test>
header Subject: dropped
header X-MTA-STS: forged.test enforce
drop
EOF
cat >"$dir/s-drop-slow" <<EOF
connect client.test 127.0.0.9
mail <sender@client.test>
rcpt-nowait <u@milter-slow.test>
pause 0.5
drop
EOF
cat >"$dir/s-abort" <<EOF
connect client.test 127.0.0.9
mail <sender@client.test>
rcpt <u@milter-nullmx.test>
abort
mail <sender@client.test>
rcpt <u@milter-nopolicy.test>
eom
quit
EOF
# Hostile clients: a length of 2 GB, a command libmilter does not know,
# 64 KiB of noise after the handshake. Each must end in a hang-up or an
# answer, never a hang or a crash.
printf 'raw 7ffffff0585858\n' >"$dir/s-biglen"
printf 'connect client.test 127.0.0.9\nraw 000000055a41424344\n' >"$dir/s-unknown"
printf 'garbage 65536\n' >"$dir/s-garbage"
vlog=$dir/valgrind.log
: >"$vlog"
# valgrind cannot run a sanitizer build (CI builds with ASan): there the
# sanitizers themselves check memory, LeakSanitizer the leaks at exit,
# and the exit status and the log carry their verdict instead.
if ldd "$BUILD/.libs/mtasts-milter" 2>/dev/null | grep -q libasan; then
	memcheck="env ASAN_OPTIONS=detect_leaks=1:exitcode=9 LSAN_OPTIONS=exitcode=9"
else
	# libtool runs valgrind on the real binary, not on its wrapper script.
	memcheck="$BUILD/libtool --mode=execute valgrind -q --leak-check=full
		--errors-for-leak-kinds=definite --error-exitcode=9 --log-file=$vlog"
fi
# shellcheck disable=SC2086
if milter_start milter-v 60 $memcheck; then
	vpid=$(cat "$dir/milter-v.pid")
	milter_session milter-v "$dir/s-full" "$dir/full.out"
	milter_session milter-v "$dir/s-drop-rcpt" "$dir/drop1.out"
	milter_session milter-v "$dir/s-drop-msg" "$dir/drop2.out"
	# The answer for the slow domain (fetch.timeout: 2 s) is written
	# after the client left: libmilter drops a command that arrives
	# with the hang-up, so the client waits until the look-up runs.
	milter_session milter-v "$dir/s-drop-slow" "$dir/drop3.out"
	i=0
	while ! grep -q 'domain=milter-slow.test' "$dir/milter-v.log" && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	milter_session milter-v "$dir/s-abort" "$dir/abort.out"
	milter_session milter-v "$dir/s-full" "$dir/conc.out" -n 6
	for h in biglen unknown garbage; do
		milter_session milter-v "$dir/s-$h" "$dir/hostile-$h.out"
	done
	milter_session milter-v "$dir/s-abort" "$dir/after.out"

	# ---- strip: copies of our header are removed before ours are added
	if grep -q -x 'eom => chgheader 2 X-MTA-STS: ; chgheader 1 X-MTA-STS: ; addheader X-MTA-STS: milter-enforce.test enforce id=milterenf1; continue' "$dir/full.out" &&
	   grep -q -x 'rcpt <u@milter-unsat.test> => reply 451 4.7.5 MTA-STS policy of milter-unsat.test cannot be met: no MX host of the domain matches it' "$dir/full.out" &&
	   grep -q -x 'eom => addheader X-MTA-STS: milter-testing.test testing id=miltertest1; continue' "$dir/full.out"; then
		ok strip
	else
		nok strip "$(grep '=> ' "$dir/full.out" | grep 'eom\|unsat' | tr '\n' '|')"
	fi

	# ---- drop: sessions dropped after RCPT, mid-message and while the
	# milter looks a slow domain up; it serves on
	if grep -q 'drop => closed' "$dir/drop1.out" && grep -q 'drop => closed' "$dir/drop2.out" &&
	   grep -q 'drop => closed' "$dir/drop3.out" &&
	   grep -q 'domain=milter-slow.test .*verdict=continue' "$dir/milter-v.log" &&
	   grep -q -x 'rcpt <u@milter-nullmx.test> => reply 451 4.7.5 MTA-STS policy of milter-nullmx.test cannot be met: no MX host of the domain matches it' "$dir/after.out" &&
	   grep -q -x 'eom => addheader X-MTA-STS: milter-nopolicy.test no-policy; continue' "$dir/after.out" &&
	   pid_alive "$vpid"; then
		ok drop
	else
		nok drop "after dropped sessions: $(tr '\n' '|' <"$dir/after.out")"
	fi

	# ---- hostile: bad packets end the session; the milter serves on
	bad=
	for h in biglen unknown garbage; do
		grep -q '=> \(closed\|reply\|tempfail\|reject\)' "$dir/hostile-$h.out" ||
			bad="$bad $h:'$(tail -n 1 "$dir/hostile-$h.out")'"
	done
	if [ -n "$bad" ]; then
		nok hostile "no hang-up or answer:$bad"
	elif ! grep -q -x 'eom => addheader X-MTA-STS: milter-nopolicy.test no-policy; continue' "$dir/after.out" ||
	     ! pid_alive "$vpid"; then
		nok hostile "not serving after the bad packets: $(tr '\n' '|' <"$dir/after.out")"
	else
		ok hostile "$(cat "$dir"/hostile-*.out | grep '=>' | tr '\n' '|')"
	fi

	# ---- concurrent: six sessions at once, each answered as alone
	n=$(grep -c 'eom => chgheader 2 X-MTA-STS: ; chgheader 1 X-MTA-STS: ; addheader X-MTA-STS: milter-enforce.test enforce id=milterenf1; continue' "$dir/conc.out")
	e=$(grep -c ' error ' "$dir/conc.out")
	if [ "$n" = 6 ] && [ "$e" = 0 ]; then
		ok concurrent
	else
		nok concurrent "$n of 6 sessions right, $e errors"
	fi

	# ---- valgrind: a clean stop, no definite leak, no memory error
	kill -TERM "$vpid" 2>/dev/null
	i=0
	while pid_alive "$vpid" && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	vrc=0
	pid_alive "$vpid" || { wait "$vpid"; vrc=$?; }
	if pid_alive "$vpid"; then
		nok valgrind "the milter did not stop within 30 s of SIGTERM"
	elif [ "$vrc" != 0 ]; then
		nok valgrind "exit status $vrc (9: valgrind found errors): $(grep -m 1 'definitely lost\|Invalid' "$vlog")"
	elif grep -q 'definitely lost\|Invalid \(read\|write\|free\)\|uninitialised' "$vlog"; then
		nok valgrind "$(grep -m 1 'definitely lost\|Invalid\|uninitialised' "$vlog")"
	elif grep -q 'ERROR: \(LeakSanitizer\|AddressSanitizer\)\|runtime error:' "$dir/milter-v.log"; then
		nok valgrind "$(grep -m 1 'ERROR: \|runtime error:' "$dir/milter-v.log")"
	elif ! grep -q 'stopping' "$dir/milter-v.log"; then
		nok valgrind "no clean stop: $(tail -n 1 "$dir/milter-v.log")"
	else
		ok valgrind
	fi
else
	for c in strip drop hostile concurrent valgrind; do
		nok $c "milter V did not start under its memory checker: $(tail -n 2 "$dir/milter-v.log")"
	done
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
