#!/bin/sh
#++
# NAME
#	sendmail-sts.sh - Sendmail's FEATURE(sts) with mtastsd, end to end
# SYNOPSIS
#	srcdir=DIR builddir=DIR sh tests/sendmail-sts.sh
# DESCRIPTION
#	Unpacks Debian's Sendmail 8.17 (test-harness/sendmail-sts/setup.sh,
#	which calls test-harness/mta/sendmail.sh: apt-get download and
#	dpkg -x, nothing installed), starts the test world with the domains
#	of test-harness/sendmail-sts/*.scn and $builddir/mtastsd inside it
#	on a unix socket, and builds a sendmail.cf that includes the shipped
#	config/sendmail/mtasts-sts.mc unchanged, with the world's CA as
#	CACertFile. One message per case is queued ("sendmail -odq"); a
#	queue run ("sendmail -q") delivers to the world's MX receivers on
#	port 25. Checked: the mailboxes, the queue, mtastsd's audit log;
#	also a domain whose first MX fails TLS and whose second is valid
#	(delivered there) or presents a certificate for another name
#	(queued, delivered nowhere).
#	Then the world is fixed (world.sh set) and a second queue run must
#	deliver what was deferred. Everything is stopped by PID at the end,
#	also on failure or interrupt.
#
#	Prints "PASS sendmail-sts/CASE" or "FAIL sendmail-sts/CASE: why"
#	and "N passed, N failed"; exits 1 on any failure. Not root, no
#	network namespaces, or Sendmail cannot be unpacked: every case is
#	skipped ("0 passed, 0 failed, N skipped"), exit 0. A missing
#	mtastsd, or a world that cannot start, is a failure.
#
#	STS_TEST_KEEP=1 keeps the world's files and tells where. Debian
#	packages: sendmail-bin sendmail-base sendmail-cf (downloaded), m4,
#	and what test-harness/README.md lists for the world.
#--

set -u
srcdir=${srcdir:-.}
builddir=${builddir:-.}
SRC=$(cd "$srcdir" && pwd) || exit 1
BUILD=$(cd "$builddir" && pwd) || exit 1
H=$SRC/test-harness
WORLD=$H/world.sh
SETUP=$H/sendmail-sts/setup.sh
CASES="doc cf map enforce wrongname untrusted expired nostarttls notinpolicy
testing nopolicy fallback fallback-bad audit daemon-down fixed-world no-bounce"

PART=sendmail-sts
. "$SRC/tests/lib.sh"

need_world
[ -x "$BUILD/mtastsd" ] || broken "no $BUILD/mtastsd: build it first"
sh "$SETUP" prepare || skip_all "cannot unpack Sendmail 8.17 (apt-get download)"
"$WORLD" check || broken "cannot build the world (see above)"

. "$H/mta/common.sh"
MTA_WORLD_SH=$WORLD
dir=$(mktemp -d "${TMPDIR:-/tmp}/mtasts-sts.XXXXXX") || broken "mktemp failed"
# Sendmail refuses a socket map in a world-writable directory (/tmp).
run=/run/mtasts-sts.$$
cleanup() {
	pid_stop "$dir/mtastsd.pid"
	"$WORLD" stop "$dir"
	rm -rf "$run"
	if [ "${STS_TEST_KEEP:-0}" = 1 ]; then
		echo "sendmail-sts: files kept in $dir"
	else
		rm -rf "$dir"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
mkdir -m 0755 "$run" || broken "cannot create $run"

"$WORLD" start "$dir" "$H"/sendmail-sts/*.scn || broken "the world did not start"
audit=$dir/mtastsd-audit.jsonl
cat >"$dir/mtastsd.yaml" <<EOF
# written by tests/sendmail-sts.sh
resolver:
  servers: ["127.0.0.53"]
tls:
  ca_file: "$dir/ca.pem"
cache:
  path: "$dir/mtastsd-cache.lmdb"
fetch:
  timeout: 2
log:
  json_file: "$audit"
daemon:
  listen: ["unix:$run/mtastsd.sock"]
  pid_file: "$run/mtastsd.pid"
maps:
  sts: {expand_wildcards: no}
EOF
"$SETUP" conf "$dir" "$SRC" "local:$run/mtastsd.sock" || broken "setup.sh conf failed"

# mtastsd_start - the daemon inside the world, in the foreground
mtastsd_start() {
	bg_start "$dir/mtastsd.pid" "$dir/mtastsd.log" \
		"$WORLD" exec "$dir" -- "$BUILD/mtastsd" -f -c "$dir/mtastsd.yaml"
	world_wait_listen "$dir" "unix:$run/mtastsd.sock" 10
}
mtastsd_start || broken "mtastsd did not start: $(tail -n 3 "$dir/mtastsd.log")"

# sm ARG... - the private Sendmail, inside the world
sm() {
	"$WORLD" exec "$dir" -- "$SETUP" run "$dir" "$@"
}

# send RCPT - queue one message for RCPT
send() {
	printf 'Subject: sendmail-sts test for %s\n\nhello %s\n' "$1" "$1" |
		sm -odq -f sender@local.test "$1" >/dev/null 2>&1
}

# queued RCPT - "QUEUEID REASON" if RCPT is still queued
queued() {
	"$SETUP" mailq "$dir" | awk -v r="$1" '$2 == r { print }'
}

# mailbox RECEIVER RCPT - the stored message for RCPT there, or nothing
mailbox() {
	grep -l -F "X-Harness-Rcpt-To: <$2>" "$dir"/mail/"$1"/*.eml 2>/dev/null | head -n 1
}

# tls_of FILE - the receiver's X-Harness-TLS value
tls_of() {
	sed -n 's/^X-Harness-TLS: \(.*\)\r*$/\1/p' "$1" | tr -d '\r' | head -n 1
}

# delivered CASE RCPT RECEIVER tls|clear - one delivery, and only one
delivered() {
	_f=$(mailbox "$3" "$2")
	if [ -z "$_f" ]; then
		nok "$1" "no mail for $2 at mx-$3; queue: $(queued "$2")"
		return 1
	fi
	_t=$(tls_of "$_f")
	case $4:$_t in
	tls:TLSv1.2*|tls:TLSv1.3*|clear:none) ;;
	*)	nok "$1" "X-Harness-TLS is '$_t', want $4"; return 1 ;;
	esac
	for _box in good wrongname expired untrusted nostarttls; do
		[ "$_box" = "$3" ] && continue
		if [ -n "$(mailbox $_box "$2")" ]; then
			nok "$1" "also delivered to mx-$_box"
			return 1
		fi
	done
	return 0
}

# deferred CASE RCPT - still queued and delivered nowhere
deferred() {
	if [ -z "$(queued "$2")" ]; then
		nok "$1" "not in the queue any more"
		return 1
	fi
	for _box in good wrongname expired untrusted nostarttls; do
		if [ -n "$(mailbox $_box "$2")" ]; then
			nok "$1" "delivered to mx-$_box all the same"
			return 1
		fi
	done
	return 0
}

# ---- doc: the guide shows the shipped snippets exactly as they are
doc_bad=
for f in mtasts-sts.mc mtasts-milter.mc; do
	awk -v f="config/sendmail/$f" '
		$0 == "<!-- begin " f " -->" { on = 1; next }
		$0 == "<!-- end " f " -->" { on = 0 }
		on' "$SRC/doc/sendmail.md" | sed '1d;$d' >"$dir/doc-$f"
	cmp -s "$dir/doc-$f" "$SRC/config/sendmail/$f" || doc_bad="$doc_bad $f"
done
if [ -z "$doc_bad" ]; then ok doc; else nok doc "doc/sendmail.md differs from:$doc_bad"; fi

# ---- cf: what the shipped snippet turns into
cf=$dir/sendmail/sendmail.cf
if grep -q -x 'O StrictTransportSecurity=true' "$cf" &&
   grep -q -x 'O SetCertAltnames=true' "$cf" &&
   grep -q -x -F "Ksts socket -d5 -T<TMPF> local:$run/mtastsd.sock" "$cf" &&
   grep -q -x -F "O CACertFile=$dir/ca.pem" "$cf"; then
	ok cf
else
	nok cf "sendmail.cf lacks the sts options, map or CA file"
fi

# ---- map: Sendmail's own lookup through the socket map
printf '/map sts sts-enforce.test\n/map sts sts-nopolicy.test\n' |
	sm -bt >"$dir/map.out" 2>&1
if grep -q -F 'returns secure match=mx-good.sts-enforce.test servername=hostname' "$dir/map.out" &&
   grep -q -F '(sts-nopolicy.test) no match' "$dir/map.out"; then
	ok map
else
	nok map "sendmail -bt: $(grep map_lookup "$dir/map.out" | tr '\n' ' ')"
fi

# ---- first queue run: one message per case
for c in enforce wrongname untrusted expired nostarttls notinpolicy testing nopolicy \
    fallback fallbad; do
	send "u@sts-$c.test" || echo "sendmail-sts: queueing for $c failed"
done
# A second message for the fallback domain: the same queue run may send
# it over the connection the first one opened.
send "v@sts-fallback.test" || echo "sendmail-sts: queueing v@ for fallback failed"
sm -qf -v >"$dir/q1.log" 2>&1

delivered enforce u@sts-enforce.test good tls && ok enforce
for c in wrongname untrusted expired nostarttls notinpolicy; do
	deferred "$c" "u@sts-$c.test" && ok "$c"
done
delivered testing u@sts-testing.test untrusted tls && ok testing
delivered nopolicy u@sts-nopolicy.test nostarttls clear && ok nopolicy
# The first MX fails TLS, the second meets the policy: it takes the mail
# (both messages, or one and the other still queued: never elsewhere).
if delivered fallback u@sts-fallback.test good tls; then
	if [ -n "$(mailbox good v@sts-fallback.test)" ]; then
		ok fallback "both messages at mx-good over TLS"
	elif deferred fallback v@sts-fallback.test; then
		ok fallback "u@ at mx-good over TLS; v@ deferred: $(queued v@sts-fallback.test | cut -c1-120)"
	fi
fi
deferred fallback-bad u@sts-fallbad.test && ok fallback-bad

# ---- audit: mtastsd decided for each domain Sendmail asked about
missing=
for c in enforce wrongname notinpolicy testing nopolicy; do
	grep -F '"event":"decision"' "$audit" 2>/dev/null |
		grep -q -F "\"domain\":\"sts-$c.test\"" || missing="$missing sts-$c.test"
done
if [ -n "$missing" ]; then
	nok audit "no decision record for:$missing"
elif ! grep -F '"domain":"sts-enforce.test"' "$audit" | grep -q -F '"mode":"enforce"'; then
	nok audit "the enforce decision is not recorded as enforce"
else
	ok audit
fi

# ---- daemon-down: mtastsd is not there: even a domain without policy
# is deferred (the map answers TEMP), never sent without asking.
pid_stop "$dir/mtastsd.pid"
send down@sts-nopolicy.test
sm -qf -v >"$dir/q2.log" 2>&1
deferred daemon-down down@sts-nopolicy.test && ok daemon-down
mtastsd_start || echo "sendmail-sts: mtastsd did not start again"

# ---- fixed-world: every MX points at mx-good; the queue run delivers
# what was deferred, over TLS; the domain whose policy names no MX of
# its own stays queued.
for c in wrongname untrusted expired nostarttls; do
	"$WORLD" set "$dir" "sts-$c.test" "mx=10 mx-good" >/dev/null ||
		echo "sendmail-sts: world.sh set for $c failed"
done
sm -qf -v >"$dir/q3.log" 2>&1
bad=
for c in wrongname untrusted expired nostarttls; do
	f=$(mailbox good "u@sts-$c.test")
	if [ -z "$f" ]; then
		bad="$bad u@sts-$c.test(not delivered)"
	else
		case $(tls_of "$f") in TLSv1.[23]*) ;; *) bad="$bad u@sts-$c.test(no TLS)" ;; esac
	fi
done
[ -n "$(mailbox nostarttls down@sts-nopolicy.test)" ] || bad="$bad down@sts-nopolicy.test"
if [ -n "$bad" ]; then
	nok fixed-world "missing:$bad"
elif [ -z "$(queued u@sts-notinpolicy.test)" ]; then
	nok fixed-world "the message for sts-notinpolicy.test left the queue"
else
	ok fixed-world
fi

# ---- no-bounce: nothing bounced, nothing but the test mail queued
if grep -l -q -F 'MAILER-DAEMON' "$dir"/mail/*/*.eml 2>/dev/null; then
	nok no-bounce "a bounce was delivered"
elif sm -bp 2>/dev/null | grep -q -F 'MAILER-DAEMON'; then
	nok no-bounce "a bounce is queued"
else
	ok no-bounce
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
