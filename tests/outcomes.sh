#!/bin/sh
#++
# NAME
#	outcomes.sh - TLS session outcomes of real MTAs, counted end to end
# SYNOPSIS
#	srcdir=DIR builddir=DIR sh tests/outcomes.sh
# DESCRIPTION
#	Starts the test world with the domains of test-harness/outcomes/*.scn
#	(enforce with a good MX, enforce with an MX whose certificate is
#	untrusted, expired or for another name, enforce without STARTTLS,
#	testing with an untrusted certificate, testing without STARTTLS)
#	and sends one message per domain through three real MTAs:
#
#	exim	Debian's Exim 4.96 with the mtasts module, set up as
#		tests/exim.sh does (test-harness/exim/setup.sh); its module
#		writes the "delivery" records itself.
#	postfix	Debian's Postfix 3.7 with smtp_tls_policy_maps pointing at
#		mtastsd (test-harness/outcomes/postfix.sh); mtasts ingest
#		reads its maillog_file.
#	sendmail Debian's Sendmail 8.17 with FEATURE(sts) asking mtastsd
#		(test-harness/sendmail-sts/setup.sh), logging through a
#		private syslog (test-harness/outcomes/sendmail.sh,
#		syslogd.py); mtasts ingest reads that log.
#
#	The good domain goes first (so that TLS lines have been logged
#	before the clear-text delivery of the testing domain), then the
#	rest; then every deferred message is tried once more. So each
#	enforce domain whose MX fails has exactly two failed sessions,
#	and "mtasts stats --json" and "mtasts report --dry-run --out DIR"
#	must count, per MTA's audit log:
#
#	out-good.test		1 successful
#	out-untrusted.test	2 certificate-not-trusted
#	out-expired.test	2 certificate-expired
#	out-wrongname.test	2 certificate-host-mismatch
#	out-nostarttls.test	2 starttls-not-supported
#	out-testing.test	1 certificate-not-trusted (delivered)
#	out-testnotls.test	1 starttls-not-supported (delivered in clear)
#
#	Cases per MTA: MTA/delivered (the MTA did what the policies say),
#	MTA/stats, MTA/report, MTA/mxstate (the MX state file the milter
#	reads holds each MX host's last TLS outcome: Exim's module writes
#	it, mtasts ingest for the others); and for Postfix and Sendmail
#	MTA/state (a second "ingest --state" run adds nothing). Prints "PASS
#	outcomes/CASE" or "FAIL outcomes/CASE: why" and "N passed, N
#	failed[, N skipped]"; exits 1 on any failure. Not root or no
#	network namespaces: every case skipped. An MTA whose packages
#	cannot be unpacked: its cases skipped. Our own programs missing,
#	or a world that cannot start: failures. Everything started is
#	stopped by PID at the end, also on failure or interrupt.
#
#	MTASTS_EXIM_ROOT=DIR reuses an unpacked Exim there;
#	OUTCOMES_TEST_KEEP=1 keeps the files and tells where. Debian
#	packages: those of tests/exim.sh, tests/sendmail-sts.sh and
#	tests/milter.sh (postfix), and what test-harness/README.md lists.
#--

set -u
srcdir=${srcdir:-.}
builddir=${builddir:-.}
SRC=$(cd "$srcdir" && pwd) || exit 1
BUILD=$(cd "$builddir" && pwd) || exit 1
H=$SRC/test-harness
O=$H/outcomes
WORLD=$H/world.sh
EXIM_SETUP=$H/exim/setup.sh
SM_SETUP=$H/sendmail-sts/setup.sh
PY=/usr/bin/python3
MTASTS=$BUILD/mtasts
PF_ADDR=127.0.3.2
DOMAINS="good untrusted expired wrongname nostarttls testing testnotls"
CASES="exim/delivered exim/stats exim/report exim/mxstate postfix/delivered
postfix/stats postfix/report postfix/state postfix/mxstate sendmail/delivered
sendmail/stats sendmail/report sendmail/state sendmail/mxstate"
skip=0

# What every MTA's audit log must count (test-harness/outcomes/expect.py).
EXPECT="out-good.test=1/0
out-untrusted.test=0/2/certificate-not-trusted:2
out-expired.test=0/2/certificate-expired:2
out-wrongname.test=0/2/certificate-host-mismatch:2
out-nostarttls.test=0/2/starttls-not-supported:2
out-testing.test=0/1/certificate-not-trusted:1
out-testnotls.test=0/1/starttls-not-supported:1"

PART=outcomes
. "$SRC/tests/lib.sh"
skipped() { echo "SKIP outcomes/$1: $2"; skip=$((skip + 1)); }

need_world
for p in mtasts mtastsd; do
	[ -x "$BUILD/$p" ] || broken "no $BUILD/$p: build it first"
done
module=$BUILD/.libs/mtasts_exim.so
[ -f "$module" ] || broken "no $module: build mtasts_exim.la first"
"$WORLD" check || broken "cannot build the world (see above)"

. "$H/mta/common.sh"
MTA_WORLD_SH=$WORLD
dir=$(mktemp -d "${TMPDIR:-/tmp}/mtasts-outcomes.XXXXXX") || broken "mktemp failed"
# Sendmail refuses a socket map in a world-writable directory (/tmp).
run=/run/mtasts-outcomes.$$
cleanup() {
	for f in postfix mtastsd syslogd; do
		pid_stop "$dir/$f.pid"
	done
	"$WORLD" stop "$dir"
	rm -rf "$run"
	if [ "${OUTCOMES_TEST_KEEP:-0}" = 1 ]; then
		echo "outcomes: files kept in $dir"
	else
		rm -rf "$dir"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
mkdir -m 0755 "$run" || broken "cannot create $run"

# Which MTAs can run here: a missing package skips that MTA's cases.
exim_root=${MTASTS_EXIM_ROOT:-$dir/exim-root}
have_exim=1 have_postfix=1 have_sendmail=1
"$EXIM_SETUP" fetch "$exim_root" >/dev/null 2>&1 &&
	[ -z "$(ldd "$exim_root/usr/sbin/exim4" 2>/dev/null | grep 'not found')" ] || have_exim=0
sh "$H/mta/postfix.sh" prepare >/dev/null 2>&1 || have_postfix=0
sh "$SM_SETUP" prepare >/dev/null 2>&1 || have_sendmail=0
[ $have_exim$have_postfix$have_sendmail = 000 ] &&
	skip_all "none of Exim, Postfix, Sendmail can be unpacked (apt-get download)"

"$WORLD" start "$dir" "$O"/*.scn || broken "the world did not start"
"$WORLD" exec "$dir" -- ip addr add "$PF_ADDR/32" dev lo || broken "cannot add $PF_ADDR"

# mtastsd: the policies for Postfix (map "postfix") and Sendmail ("sts").
cat >"$dir/mtastsd.yaml" <<EOF
# written by tests/outcomes.sh
resolver:
  servers: ["127.0.0.53"]
tls:
  ca_file: "$dir/ca.pem"
cache:
  path: "$dir/cache.lmdb"
fetch:
  timeout: 2
log:
  json_file: "$dir/mtastsd-audit.jsonl"
daemon:
  listen: ["unix:$run/mtastsd.sock"]
  pid_file: "$run/mtastsd.pid"
  socket_mode: "0666"
maps:
  sts: {expand_wildcards: no}
EOF
# ingest_conf MTA - mtasts ingest's config: mtastsd's cache, its own log
ingest_conf() {
	sed -e "s|mtastsd-audit.jsonl|$1-audit.jsonl|" -e '/^daemon:/,$d' \
		"$dir/mtastsd.yaml" >"$dir/$1-ingest.yaml"
	cat >>"$dir/$1-ingest.yaml" <<EOF
tlsrpt:
  organization: "mtasts outcomes test"
  contact: tlsrpt@local.test
  from: tlsrpt@local.test
  state_file: "$dir/$1-tlsrpt.state"
  spool_dir: "$dir/$1-tlsrpt"
EOF
}
bg_start "$dir/mtastsd.pid" "$dir/mtastsd.log" \
	"$WORLD" exec "$dir" -- "$BUILD/mtastsd" -f -c "$dir/mtastsd.yaml"
world_wait_listen "$dir" "unix:$run/mtastsd.sock" 10 ||
	broken "mtastsd did not start: $(tail -n 3 "$dir/mtastsd.log")"

# mailbox RECEIVER RCPT - the stored message for RCPT at that receiver
mailbox() {
	grep -l -F "X-Harness-Rcpt-To: <$2>" "$dir"/mail/"$1"/*.eml 2>/dev/null | head -n 1
}

# arrived PREFIX - the good and testing domains' mail is there, the rest not
arrived() {
	_bad=
	[ -n "$(mailbox good "$1@out-good.test")" ] || _bad="$_bad out-good"
	[ -n "$(mailbox untrusted "$1@out-testing.test")" ] || _bad="$_bad out-testing"
	[ -n "$(mailbox nostarttls "$1@out-testnotls.test")" ] || _bad="$_bad out-testnotls"
	for _k in untrusted expired wrongname nostarttls; do
		for _box in good wrongname expired untrusted nostarttls; do
			[ -z "$(mailbox $_box "$1@out-$_k.test")" ] || _bad="$_bad out-$_k(delivered)"
		done
	done
	[ -z "$_bad" ] && return 0
	echo "not as the policies say:$_bad"
	return 1
}

# wait_for FILE PATTERN N - until FILE has N lines matching PATTERN (30 s)
wait_for() {
	_i=0
	while [ "$(grep -c -E "$2" "$1" 2>/dev/null)" -lt "$3" ] && [ $_i -lt 300 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ "$(grep -c -E "$2" "$1" 2>/dev/null)" -ge "$3" ]
}

# counted MTA LOG - the stats and report cases of one MTA's audit log
counted() {
	_m=$1 _log=$2
	# shellcheck disable=SC2086
	if ! "$MTASTS" stats --json --log "$_log" >"$dir/$_m-stats.json" 2>"$dir/$_m-stats.err"; then
		nok "$_m/stats" "mtasts stats failed: $(head -n 1 "$dir/$_m-stats.err")"
	elif _why=$("$PY" "$O/expect.py" stats "$dir/$_m-stats.json" $EXPECT); then
		ok "$_m/stats"
	else
		nok "$_m/stats" "$(echo "$_why" | tr '\n' ';')"
	fi
	# One report per UTC day with records (a run across midnight has two).
	mkdir -p "$dir/$_m-reports"
	_rc=0
	for _day in $(sed -n 's/^{"time":"\([0-9-]*\)T.*"event":"delivery".*/\1/p' "$_log" | sort -u); do
		MTASTS_NOW=$(( $(date -u -d "$_day" +%s) + 86400 + 3600 )) \
			"$WORLD" exec "$dir" -- "$MTASTS" -c "$dir/$_m-ingest.yaml" report \
			--dry-run --day "$_day" --log "$_log" --out "$dir/$_m-reports" \
			>>"$dir/$_m-report.out" 2>&1 || _rc=$?
	done
	if _why=$("$PY" "$O/expect.py" reports "$dir/$_m-reports" $EXPECT); then
		ok "$_m/report"
	else
		nok "$_m/report" "$(echo "$_why" | tr '\n' ';') (report exit $_rc)"
	fi
}

# ingest MTA MAILLOG - mtasts ingest with a state file, twice
ingest() {
	_m=$1
	"$MTASTS" -c "$dir/$_m-ingest.yaml" ingest --state "$dir/$_m-ingest.state" "$2" \
		>"$dir/$_m-ingest.out" 2>&1 || echo "outcomes: $_m: ingest: $(cat "$dir/$_m-ingest.out")"
	counted "$_m" "$dir/$_m-audit.jsonl"
	_before=$(wc -l <"$dir/$_m-audit.jsonl")
	"$MTASTS" -c "$dir/$_m-ingest.yaml" ingest --state "$dir/$_m-ingest.state" "$2" \
		>"$dir/$_m-ingest2.out" 2>&1
	if [ "$(wc -l <"$dir/$_m-audit.jsonl")" = "$_before" ] &&
	   grep -q ' 0 recorded ' "$dir/$_m-ingest2.out"; then
		ok "$_m/state"
	else
		nok "$_m/state" "a second run wrote records: $(cat "$dir/$_m-ingest2.out")"
	fi
}

# mxstate MTA CONFIG - the MX state file has each MX host's last TLS
# outcome: ok for the good MX, the failure's result type for the rest
mxstate() {
	"$MTASTS" -c "$2" cache mx-list >"$dir/$1-mxlist.out" 2>&1
	_bad=
	for _w in "mx-good.out-good.test ok" \
	    "mx-untrusted.out-untrusted.test failed certificate-not-trusted" \
	    "mx-expired.out-expired.test failed certificate-expired" \
	    "mx-wrongname.out-wrongname.test failed certificate-host-mismatch" \
	    "mx-nostarttls.out-nostarttls.test failed starttls-not-supported"; do
		_h=${_w%% *} _rest=${_w#* }
		_st=${_rest%% *}
		grep -q "^$_h $_st .*${_rest#"$_st"}\$" "$dir/$1-mxlist.out" || _bad="$_bad $_h"
	done
	if [ -z "$_bad" ]; then
		ok "$1/mxstate"
	else
		nok "$1/mxstate" "wrong or missing:$_bad ($(tr '\n' '|' <"$dir/$1-mxlist.out"))"
	fi
}

# ---- exim: the module writes the records while Exim delivers
exim_case() {
	if ldd "$module" 2>/dev/null | grep -q 'libasan'; then
		EXIM_PRELOAD=$(${CC:-cc} -print-file-name=libasan.so)
		export EXIM_PRELOAD
	fi
	"$EXIM_SETUP" conf "$dir" "$exim_root" "$module" "$SRC" >/dev/null ||
		{ nok exim/delivered "setup.sh conf failed"; return; }
	ex() { "$WORLD" exec "$dir" -- "$EXIM_SETUP" run "$dir" "$exim_root" "$@"; }
	for c in $DOMAINS; do
		printf 'Subject: outcomes %s\n\nhello\n' "$c" |
			ex -odq -f sender@local.test "exim@out-$c.test" >/dev/null 2>&1
	done
	ex -qff >/dev/null 2>&1
	ex -qff >/dev/null 2>&1
	if _why=$(arrived exim); then ok exim/delivered; else nok exim/delivered "$_why"; fi
	ingest_conf exim
	counted exim "$dir/exim/lib/audit.jsonl"
	mxstate exim "$dir/exim/mtasts.yaml"
}

# ---- postfix: smtp(8) logs to maillog_file, mtasts ingest reads it
postfix_case() {
	_pl=$dir/postfix/maillog
	sh "$O/postfix.sh" conf "$dir" "$PF_ADDR" "socketmap:unix:$run/mtastsd.sock:postfix" 1 ||
		{ nok postfix/delivered "postfix.sh conf failed"; return; }
	bg_start "$dir/postfix.pid" "$dir/postfix.log" "$WORLD" exec "$dir" -- \
		"$O/postfix.sh" run "$dir"
	if ! world_wait_listen "$dir" "inet:$PF_ADDR:25" 10; then
		nok postfix/delivered "Postfix did not start: $(tail -n 2 "$_pl")"
		return
	fi
	pf_send() {
		"$WORLD" exec "$dir" -- "$PY" "$H/milter/submit.py" "$PF_ADDR" 25 \
			sender@client.test "postfix@out-$1.test" >/dev/null
	}
	pf_send good
	wait_for "$_pl" 'to=<postfix@out-good.test>.*status=' 1
	for c in $DOMAINS; do
		[ "$c" = good ] || pf_send "$c"
	done
	wait_for "$_pl" 'to=<postfix@out-.*status=' 7
	# The flush must find all four deferred, none still active.
	_i=0
	while [ $_i -lt 100 ] && { [ -n "$(ls -A "$dir/postfix/queue/active")" ] ||
	      [ "$(find "$dir/postfix/queue/deferred" -type f | wc -l)" -lt 4 ]; }; do
		sleep 0.1
		_i=$((_i + 1))
	done
	"$WORLD" exec "$dir" -- sh "$O/postfix.sh" flush "$dir"
	wait_for "$_pl" 'to=<postfix@out-.*status=deferred' 8
	if _why=$(arrived postfix); then ok postfix/delivered; else nok postfix/delivered "$_why"; fi
	ingest_conf postfix
	ingest postfix "$_pl"
	mxstate postfix "$dir/postfix-ingest.yaml"
}

# ---- sendmail: syslog lines through syslogd.py, mtasts ingest reads them
sendmail_case() {
	_sl=$dir/maillog
	sh "$SM_SETUP" conf "$dir" "$SRC" "local:$run/mtastsd.sock" >/dev/null ||
		{ nok sendmail/delivered "setup.sh conf failed"; return; }
	bg_start "$dir/syslogd.pid" "$dir/syslogd.log" \
		"$PY" "$O/syslogd.py" "$dir/syslog.sock" "$_sl" sender
	_i=0
	while [ ! -S "$dir/syslog.sock" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	sm() { "$WORLD" exec "$dir" -- "$O/sendmail.sh" run "$dir" "$@"; }
	for c in $DOMAINS; do
		printf 'Subject: outcomes %s\n\nhello\n' "$c" |
			sm -odq -f sender@local.test "sendmail@out-$c.test" >/dev/null 2>&1
	done
	sm -qf -qRout-good.test >/dev/null 2>&1
	sm -qf >/dev/null 2>&1
	sm -qf >/dev/null 2>&1
	if _why=$(arrived sendmail); then ok sendmail/delivered; else nok sendmail/delivered "$_why"; fi
	ingest_conf sendmail
	# Postfix's ingest wrote the same MX state file (mtastsd's cache dir).
	"$MTASTS" -c "$dir/sendmail-ingest.yaml" cache mx-purge >/dev/null 2>&1
	ingest sendmail "$_sl"
	mxstate sendmail "$dir/sendmail-ingest.yaml"
}

if [ $have_exim = 1 ]; then exim_case; else
	for c in delivered stats report mxstate; do skipped "exim/$c" "Exim cannot be unpacked"; done
fi
if [ $have_postfix = 1 ]; then postfix_case; else
	for c in delivered stats report state mxstate; do skipped "postfix/$c" "Postfix cannot be unpacked"; done
fi
if [ $have_sendmail = 1 ]; then sendmail_case; else
	for c in delivered stats report state mxstate; do skipped "sendmail/$c" "Sendmail cannot be unpacked"; done
fi

if [ $skip -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ $fail -eq 0 ]
