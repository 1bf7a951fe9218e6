#!/bin/sh
#++
# NAME
#	exim.sh - end-to-end tests of the Exim module with a real Exim 4.96
# SYNOPSIS
#	srcdir=DIR builddir=DIR sh tests/exim.sh
# DESCRIPTION
#	Unpacks Debian's Exim (test-harness/exim/setup.sh: apt-get download
#	and dpkg -x, nothing installed), starts the test world with the
#	domains of test-harness/exim/*.scn, writes a private Exim config
#	that includes config/exim/*.conf unchanged, loads
#	$builddir/.libs/mtasts_exim.so, queues one message per case with
#	"exim -odq", runs the queue inside the world and reads Exim's
#	mainlog, its queue, the receivers' mailboxes and the audit log.
#	Then it fixes the world (world.sh set), runs the queue again and
#	checks that the deferred mail arrives. Everything is stopped by PID
#	(world.sh stop) at the end, also on failure or interrupt.
#
#	Prints "PASS exim/CASE" or "FAIL exim/CASE: why" per case and
#	"N passed, N failed"; exits 1 on any failure. Not root, no network
#	namespaces, or Exim cannot be unpacked (no apt): every case is
#	skipped, "0 passed, 0 failed, N skipped", exit 0. A module that was
#	not built, or a world that cannot start, is a failure.
#
#	MTASTS_EXIM_ROOT=DIR reuses (or keeps) an unpacked Exim there;
#	EXIM_TEST_KEEP=1 keeps the world's files and tells where.
#	Debian packages: exim4-base exim4-config exim4-daemon-heavy
#	exim4-dev (downloaded), and installed: libmariadb3 libidn12
#	libspf2-2 liblockfile1 libwrap0 libgnutls-dane0 libperl5.36 libpq5
#	libicu72 m4, plus what test-harness/README.md lists for the world.
#--

set -u
srcdir=${srcdir:-.}
builddir=${builddir:-.}
SRC=$(cd "$srcdir" && pwd) || exit 1
H=$SRC/test-harness
WORLD=$H/world.sh
SETUP=$H/exim/setup.sh
CASES="abi doc enforce notinpolicy wrongname expired untrusted nostarttls
twomx testing none nopolicy cached one-session refetch-down connect-hook module-defer
fixed-world no-bounce"

PART=exim
. "$SRC/tests/lib.sh"

need_world

module=$builddir/.libs/mtasts_exim.so
[ -f "$module" ] || broken "no $module: build mtasts_exim.la first"
module=$(cd "$(dirname "$module")" && pwd)/$(basename "$module")
# A sanitizer build (CI) links the module to the ASan runtime, which must
# be loaded before anything else in Exim's process: preload it, and let
# Exim keep the variables (exim.conf.in's keep_environment). Leak checks
# stay off: Exim itself does not free at exit.
# Only Exim gets it (test-harness/exim/setup.sh reads EXIM_PRELOAD): the
# world's servers and tools must not run under ASan.
if ldd "$module" 2>/dev/null | grep -q 'libasan'; then
	EXIM_PRELOAD=$(${CC:-cc} -print-file-name=libasan.so)
	export EXIM_PRELOAD
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/mtasts-exim.XXXXXX") || broken "mktemp failed"
root=${MTASTS_EXIM_ROOT:-$dir/exim-root}
cleanup() {
	"$WORLD" stop "$dir"
	if [ "${EXIM_TEST_KEEP:-0}" = 1 ]; then
		echo "exim: files kept in $dir"
	else
		rm -rf "$dir"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

"$SETUP" fetch "$root" || skip_all "cannot unpack Exim 4.96 (apt-get download)"
missing=$(ldd "$root/usr/sbin/exim4" 2>/dev/null | awk '/not found/ { printf " %s", $1 }')
[ -z "$missing" ] || broken "Exim's libraries are missing:$missing (apt-get install" \
	"libmariadb3 libidn12 libspf2-2 liblockfile1 libwrap0 libgnutls-dane0" \
	"libperl5.36 libpq5 libicu72)"
"$WORLD" check || broken "cannot build the world (see above)"
"$WORLD" start "$dir" "$H"/exim/*.scn || broken "the world did not start"
"$SETUP" conf "$dir" "$root" "$module" "$SRC" || broken "setup.sh conf failed"

log=$dir/exim/log/mainlog
audit=$dir/exim/lib/audit.jsonl

# exim ARG... - the private Exim, inside the world
exim() {
	"$WORLD" exec "$dir" -- "$SETUP" run "$dir" "$root" "$@"
}

# send RCPT [EXIM-ARG...] - queue one message for RCPT
send() {
	_r=$1; shift
	printf 'Subject: mtasts exim test for %s\n\nhello %s\n' "$_r" "$_r" |
		exim "$@" -odq -f sender@local.test "$_r" >/dev/null 2>&1
}

# queued RCPT - the id of a queued message for RCPT, or nothing
queued() {
	exim -bpr 2>/dev/null | awk -v r="$1" '
		/^ *[0-9]+[smhdw] / { id = $3; next }
		$1 == r { print id; exit }'
}

# mailbox RECEIVER RCPT - the stored message for RCPT there, or nothing
mailbox() {
	grep -l -F "X-Harness-Rcpt-To: <$2>" "$dir"/mail/"$1"/*.eml 2>/dev/null | head -n 1
}

# tls_of FILE - the receiver's X-Harness-TLS value
tls_of() {
	sed -n 's/^X-Harness-TLS: \(.*\)\r*$/\1/p' "$1" | tr -d '\r' | head -n 1
}

# audited DOMAIN EVENT KEY=VALUE... - an audit record with these fields
audited() {
	_lines=$(grep -F "\"domain\":\"$1\"" "$audit" | grep -F "\"event\":\"$2\"")
	shift 2
	for _kv in "$@"; do
		_lines=$(echo "$_lines" | grep -F "\"${_kv%%=*}\":\"${_kv#*=}\"")
	done
	[ -n "$_lines" ]
}

# delivered CASE RCPT RECEIVER ROUTER TLS - checks of one delivery
delivered() {
	_f=$(mailbox "$3" "$2")
	if [ -z "$_f" ]; then
		nok "$1" "no mail for $2 at mx-$3; mainlog: $(grep -F "$2" "$log" | tail -n 1)"
		return 1
	fi
	if ! grep -q -F "=> $2 R=$4 " "$log"; then
		nok "$1" "not delivered by router $4: $(grep -F "$2" "$log" | tail -n 1)"
		return 1
	fi
	_t=$(tls_of "$_f")
	case $5:$_t in
	tls:TLSv1.2*|tls:TLSv1.3*|clear:none) ;;
	*)	nok "$1" "X-Harness-TLS is '$_t', want $5"; return 1 ;;
	esac
	return 0
}

# deferred CASE RCPT - deferred by Exim, still queued, nowhere delivered
deferred() {
	if ! grep -q -F "== $2 R=mtasts_enforce" "$log"; then
		nok "$1" "no deferral by mtasts_enforce: $(grep -F "$2" "$log" | tail -n 1)"
		return 1
	fi
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

# ---- abi: our copy of Exim's dlfunc return codes
hdr=$root/usr/include/exim4/local_scan.h
int=$SRC/plugin/exim/exim_int.h
abi_ok=1
for pair in OK:EXIM_OK DEFER:EXIM_DEFER FAIL:EXIM_FAIL FAIL_FORCED:EXIM_FAIL_FORCED; do
	a=$(sed -n "s/^#define[ 	]*${pair%%:*}[ 	]*\([0-9]*\).*/\1/p" "$hdr")
	b=$(sed -n "s/^#define[ 	]*${pair#*:}[ 	]*\([0-9]*\).*/\1/p" "$int")
	[ -n "$a" ] && [ "$a" = "$b" ] || abi_ok=0
done
if [ $abi_ok = 1 ]; then ok abi; else nok abi "exim_int.h disagrees with $hdr"; fi

# ---- doc: the guide shows the snippets exactly as shipped and tested,
# and the man page the same include lines as the guide.
doc_bad=
for f in mtasts-main.conf mtasts-routers.conf mtasts-transports.conf; do
	awk -v f="config/exim/$f" '
		$0 == "<!-- begin " f " -->" { on = 1; next }
		$0 == "<!-- end " f " -->" { on = 0 }
		on' "$SRC/doc/exim.md" | sed '1d;$d' >"$dir/doc-$f"
	cmp -s "$dir/doc-$f" "$SRC/config/exim/$f" || doc_bad="$doc_bad $f"
done
grep -E '^ *[.]include ' "$SRC/doc/exim.md" | sed 's/^ *//' >"$dir/doc-inc"
sed -n 's/^\\&\([.]include .*\)/\1/p' "$SRC/man/mtasts_exim.8" >"$dir/man-inc"
[ -s "$dir/doc-inc" ] && cmp -s "$dir/doc-inc" "$dir/man-inc" || doc_bad="$doc_bad man/mtasts_exim.8"
if [ -z "$doc_bad" ]; then ok doc; else nok doc "doc/exim.md differs from:$doc_bad"; fi

# ---- first queue run: one message per case
for c in enforce notinpolicy wrongname expired untrusted nostarttls twomx \
	 testing none nopolicy cached; do
	# A message that could not be queued shows up as missing below.
	send "u@exim-$c.test" || echo "exim: exim -odq for $c failed"
done
exim -qff >/dev/null 2>&1

if delivered enforce u@exim-enforce.test good mtasts_enforce tls; then
	if [ -n "$(mailbox nostarttls u@exim-enforce.test)" ]; then
		nok enforce "also delivered to the MX outside the policy"
	elif ! audited exim-enforce.test delivery mx=mx-good.exim-enforce.test action=deliver \
		mx_patterns=mx-good.exim-enforce.test; then
		nok enforce "no delivery audit record with the policy's mx patterns"
	elif ! grep -F '"event":"delivery"' "$audit" | grep -F '"domain":"exim-enforce.test"' |
		grep -q -F '"max_age":86400,'; then
		nok enforce "the delivery record lacks the policy's max_age"
	elif ! audited exim-enforce.test exim-route action=deliver; then
		nok enforce "no exim-route audit record"
	else
		ok enforce
	fi
fi

if deferred notinpolicy u@exim-notinpolicy.test; then
	if audited exim-notinpolicy.test exim-route action=defer; then
		ok notinpolicy
	else
		nok notinpolicy "no exim-route defer record"
	fi
fi

for c in wrongname:certificate-host-mismatch expired:certificate-expired \
	 untrusted:certificate-not-trusted nostarttls:starttls-not-supported; do
	k=${c%%:*} t=${c#*:}
	if deferred "$k" "u@exim-$k.test"; then
		if audited "exim-$k.test" exim-host-defer action=defer result_type="$t"; then
			ok "$k"
		else
			nok "$k" "no exim-host-defer record with result_type $t"
		fi
	fi
done

if delivered twomx u@exim-twomx.test good mtasts_enforce tls; then
	if audited exim-twomx.test exim-host-defer mx=mx-expired.exim-twomx.test \
		result_type=certificate-expired; then
		ok twomx
	else
		nok twomx "no record of the failed preferred MX"
	fi
fi

if delivered testing u@exim-testing.test untrusted mtasts_testing tls; then
	if audited exim-testing.test delivery action=report \
		result_type=certificate-not-trusted; then
		ok testing
	else
		nok testing "no delivery record reporting the failure"
	fi
fi

delivered none u@exim-none.test nostarttls dnslookup clear && ok none
delivered nopolicy u@exim-nopolicy.test nostarttls dnslookup clear && ok nopolicy
delivered cached u@exim-cached.test good mtasts_enforce tls && ok cached

# ---- one-session: an enforce domain whose only MX fails TLS gives one
# session record ("delivery", the event TLSRPT counts) per attempt, not
# one per event: the exim-host-defer record of the same attempt is not
# a session. And mtasts stats counts exactly those.
bad=
for c in wrongname:certificate-host-mismatch expired:certificate-expired \
	 untrusted:certificate-not-trusted nostarttls:starttls-not-supported; do
	k=${c%%:*} t=${c#*:}
	n=$(grep -F "\"domain\":\"exim-$k.test\"" "$audit" | grep -c -F '"event":"delivery"')
	d=$(grep -F "\"domain\":\"exim-$k.test\"" "$audit" | grep -c -F '"event":"exim-host-defer"')
	s=$("$builddir/mtasts" stats --json --log "$audit" --domain "exim-$k.test" 2>/dev/null |
		tr -d ' ' | sed -n "s/.*\"failed\":\([0-9]*\),\"result_types\":{\"$t\":\([0-9]*\)}.*/\1 \2/p")
	[ "$n" = 1 ] && [ "$d" = 1 ] && [ "$s" = "1 1" ] || bad="$bad $k(delivery=$n host-defer=$d stats='$s')"
done
if [ -z "$bad" ]; then ok one-session; else nok one-session "want 1 session each:$bad"; fi

# ---- refetch-down: the policy host is down, a new id is published and
# the MX moved to a host with an expired certificate; two hours later
# the TXT id is checked again, the fetch fails, the cached policy holds.
"$WORLD" set "$dir" exim-cached.test http=refused \
	"txt=v=STSv1; id=eximcache2;" "mx=10 mx-expired" >/dev/null ||
	nok refetch-down "world.sh set failed"
send u2@exim-cached.test
later=$(( $(date +%s) + 7200 ))
MTASTS_NOW=$later exim -qff >/dev/null 2>&1
if deferred refetch-down u2@exim-cached.test; then
	if ! audited exim-cached.test exim-host-defer mx=mx-expired.exim-cached.test \
		policy_id=eximcache1 result_type=certificate-expired; then
		nok refetch-down "no exim-host-defer record under the cached policy id"
	elif ! grep -F '"event":"exim-route"' "$audit" | grep -F '"domain":"exim-cached.test"' |
		grep -F '"policy_id":"eximcache1"' | grep -F eximcache2 | grep -q -i refused; then
		nok refetch-down "no exim-route record telling of the failed refetch"
	else
		ok refetch-down
	fi
fi

# ---- connect-hook: tcp:connect refuses an MX outside an enforced
# policy (the router never offers one; this is the second line).
conf=$dir/exim/mtasts.yaml
hook() {
	exim -be "\${dlfunc{$module}{mtasts_exim_event}{$1}{tcp:connect}{$2}{$3}{$4}{}{}}" 2>&1
}
a=$(hook "$conf" exim-enforce.test mx-nostarttls.exim-enforce.test 127.0.2.5)
b=$(hook "$conf" exim-enforce.test mx-good.exim-enforce.test 127.0.2.1)
c=$(hook "$conf" exim-testing.test mx-elsewhere.invalid 127.0.2.9)
e=$(hook "$dir/exim/missing.yaml" exim-enforce.test mx-good.exim-enforce.test 127.0.2.1)
case $a in
*"does not match"*)
	if [ -n "$b" ] || [ -n "$c" ]; then
		nok connect-hook "refused a good MX ('$b') or a testing one ('$c')"
	elif [ -z "$e" ]; then
		nok connect-hook "connected although the module could not start"
	elif ! audited exim-testing.test exim-connect action=report; then
		nok connect-hook "no report record for the testing domain"
	elif ! audited exim-enforce.test delivery mx=mx-nostarttls.exim-enforce.test \
		action=defer result_type=validation-failure; then
		nok connect-hook "the refused MX is no failed session (delivery record)"
	else
		ok connect-hook
	fi ;;
*)	nok connect-hook "an MX outside the policy was not refused: '$a'" ;;
esac

# ---- module-defer: the module cannot load its config: a domain that
# would be delivered at once is deferred, not bounced, not sent.
send defer@exim-nopolicy.test
id=$(queued defer@exim-nopolicy.test)
if [ -z "$id" ]; then
	nok module-defer "message not queued"
else
	exim -DMTASTS_CONFIG="$dir/exim/missing.yaml" -M "$id" >/dev/null 2>&1
	if deferred module-defer defer@exim-nopolicy.test; then
		ok module-defer
	fi
fi

# ---- fixed-world: every MX points at mx-good again; the queue run
# delivers everything deferred above, over TLS, nothing lost.
for k in wrongname expired untrusted nostarttls; do
	"$WORLD" set "$dir" "exim-$k.test" "mx=10 mx-good" >/dev/null
done
"$WORLD" set "$dir" exim-cached.test "mx=10 mx-good" >/dev/null
exim -qff >/dev/null 2>&1
bad=
for r in u@exim-wrongname.test u@exim-expired.test u@exim-untrusted.test \
	 u@exim-nostarttls.test u2@exim-cached.test; do
	f=$(mailbox good "$r")
	if [ -z "$f" ]; then
		bad="$bad $r(not delivered)"
	else
		case $(tls_of "$f") in TLSv1.[23]*) ;; *) bad="$bad $r(no TLS)" ;; esac
	fi
done
[ -n "$(mailbox nostarttls defer@exim-nopolicy.test)" ] || bad="$bad defer@exim-nopolicy.test"
left=$(queued u@exim-notinpolicy.test)
if [ -n "$bad" ]; then
	nok fixed-world "missing:$bad"
elif [ -z "$left" ]; then
	nok fixed-world "the message for exim-notinpolicy.test left the queue"
else
	ok fixed-world
fi

# ---- no-bounce: Exim generated no bounce and failed no address.
if grep -q -E ' <= <> | \*\* ' "$log"; then
	nok no-bounce "$(grep -E ' <= <> | \*\* ' "$log" | head -n 1)"
elif [ -s "$dir/exim/log/paniclog" ] && grep -v -E 'mtasts|dlfunc' "$dir/exim/log/paniclog" | grep -q .; then
	nok no-bounce "panic log: $(grep -v -E 'mtasts|dlfunc' "$dir/exim/log/paniclog" | head -n 1)"
else
	ok no-bounce
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
