#!/bin/sh
# tlsrpt.sh - TLS reporting (RFC 8460): mtasts stats and mtasts report.
#
# Parts, each printing "PASS tlsrpt/CASE" or "FAIL tlsrpt/CASE: why":
#  unit-*     tests/tlsrpt/unit: records, gzip, base64, names, message
#  stats-*    counts from the hand-written log tests/tlsrpt/day1.jsonl
#  report-*   reports built from it, checked against schema.json (RFC 8460
#             4.4, python3-jsonschema) and day1.expect.json field by field,
#             delivered to a sendmail stand-in and an HTTPS receiver on
#             127.0.0.1 (the _smtp._tls records come from txtdns.py), with
#             failures, retries, reruns, a bad record and an oversized report
#  world-*    end to end in the harness world (root and ip netns, else
#             skipped): mailto: through SMTP to the world's receiver,
#             https: to a receiver inside the namespace, DNS from nsd
# Ends with "N passed, N failed[, N skipped]"; exits 1 on a failure.
#
# Environment: srcdir, builddir (as run-suite.sh), MTASTS_BIN.
set -u
srcdir=${srcdir:-.}
builddir=${builddir:-.}
S=$(cd "$srcdir" && pwd)
B=$(cd "$builddir" && pwd)
T=$S/tests/tlsrpt
MTASTS=${MTASTS_BIN:-$B/mtasts}
PY=/usr/bin/python3
ORG="Example Sender Org"
CONTACT=tlsrpt-contact@sender.example
FROM=tlsrpt@sender.example
DAY=2026-11-29
# 2026-11-30T01:33:20Z: "yesterday" is $DAY.
NOW=1796000000

pass=0 fail=0 skip=0
tmp=$(mktemp -d)
pids=
world=
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -n "$world" ] && "$S/test-harness/world.sh" stop "$world" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ok() { echo "PASS tlsrpt/$1"; pass=$((pass + 1)); }
bad() { echo "FAIL tlsrpt/$1: $2"; fail=$((fail + 1)); }
check() { if [ -z "$2" ]; then ok "$1"; else bad "$1" "$2"; fi; }

# wait_file - until FILE exists (bounded: 10 s)
wait_file() {
	i=0
	while [ ! -s "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$1" ]
}

# count FILE PATTERN - lines of FILE matching
count() { grep -c -- "$2" "$1" 2>/dev/null || true; }

# ------------------------------------------------------------ unit
if [ -x "$B/tests/tlsrpt/unit" ]; then
	"$B/tests/tlsrpt/unit" "$T" >"$tmp/unit.out" 2>&1
	grep -E '^(PASS|FAIL) ' "$tmp/unit.out"
	pass=$((pass + $(count "$tmp/unit.out" '^PASS ')))
	fail=$((fail + $(count "$tmp/unit.out" '^FAIL ')))
	grep -q '^[0-9]* passed, 0 failed$' "$tmp/unit.out" ||
		bad unit "tests/tlsrpt/unit did not finish cleanly"
else
	bad unit "$B/tests/tlsrpt/unit not built"
fi
if ! "$PY" -c 'import jsonschema' 2>/dev/null; then
	bad prerequisites "python3-jsonschema is not installed (apt-get install python3-jsonschema)"
	echo "$pass passed, $fail failed"
	exit 1
fi

# ------------------------------------------------------------ stats
L=$T/day1.jsonl
# stats_expect JSON_FILE PYTHON_CONDITION - check stats --json output
stats_expect() {
	"$PY" - "$1" "$2" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
d = {x["domain"]: (x["successful"], x["failed"], x["result_types"]) for x in s["domains"]}
if not eval("(" + sys.argv[2] + ")"):
    print("stats %s" % json.dumps(s)[:600])
EOF
}
"$MTASTS" stats --json --log "$L" --since $DAY --until $DAY >"$tmp/s.json" 2>"$tmp/s.err"
check stats-day "$( [ $? -eq 0 ] || echo "exit $?"; stats_expect "$tmp/s.json" '
d == {"enforce.test": (5, 4, {"certificate-expired": 2, "starttls-not-supported": 1, "validation-failure": 1}),
      "testing.test": (4, 1, {"certificate-host-mismatch": 1}),
      "nopolicy.test": (4, 1, {"starttls-not-supported": 1}),
      "fetchfail.test": (0, 3, {"sts-policy-fetch-error": 2, "sts-webpki-invalid": 1})}
and s["total"] == {"successful": 13, "failed": 9} and s["lines"] == 31
and s["sessions"] == 22 and s["superseded"] == 1 and s["ignored"] == 3
and s["outside"] == 2 and s["malformed"] == 3
and s["since"] == "2026-11-29T00:00:00Z" and s["until"] == "2026-11-30T00:00:00Z"')"
check stats-malformed-warning "$(grep -q '3 malformed lines skipped (first at line 14)' "$tmp/s.err" || cat "$tmp/s.err")"
"$MTASTS" stats --json --log "$L" --since 2026-11-29T11:00:00Z --until 2026-11-29T12:00Z >"$tmp/s.json" 2>/dev/null
check stats-datetime-range "$(stats_expect "$tmp/s.json" 'd == {"testing.test": (3, 0, {})}')"
"$MTASTS" stats --json --log "$L" --since $DAY --until $DAY --domain ENFORCE.test. >"$tmp/s.json" 2>/dev/null
check stats-domain "$(stats_expect "$tmp/s.json" 'list(d) == ["enforce.test"] and d["enforce.test"][:2] == (5, 4)')"
"$MTASTS" stats --log "$L" --since $DAY --until $DAY >"$tmp/s.txt" 2>/dev/null
check stats-table "$(grep -Eq '^TOTAL +22 +13 +9 +40\.9%' "$tmp/s.txt" &&
	grep -Eq '^fetchfail\.test +3 +0 +3 +100\.0%  sts-policy-fetch-error 2, sts-webpki-invalid 1$' "$tmp/s.txt" ||
	cat "$tmp/s.txt")"
"$MTASTS" stats --log "$L" --since yesterday >/dev/null 2>"$tmp/s.err"
check stats-bad-time "$( [ $? -eq 64 ] && grep -q 'ISO 8601' "$tmp/s.err" || echo "not refused: $(cat "$tmp/s.err")")"
# logrotate moved the first 15 lines to audit.jsonl.1: the day is whole.
mkdir -p "$tmp/rot"
head -n 15 "$L" >"$tmp/rot/audit.jsonl.1"
tail -n +16 "$L" >"$tmp/rot/audit.jsonl"
"$MTASTS" stats --json --log "$tmp/rot/audit.jsonl" --since $DAY --until $DAY >"$tmp/s.json" 2>/dev/null
check stats-rotated-log "$(stats_expect "$tmp/s.json" 's["total"] == {"successful": 13, "failed": 9} and s["lines"] == 31')"
# Just rotated, nothing written since: only audit.jsonl.1 is there.
mkdir -p "$tmp/rot2"
cp "$L" "$tmp/rot2/audit.jsonl.1"
"$MTASTS" stats --json --log "$tmp/rot2/audit.jsonl" --since $DAY --until $DAY >"$tmp/s.json" 2>"$tmp/s.err"
check stats-just-rotated "$( [ $? -eq 0 ] || echo "exit not 0: $(cat "$tmp/s.err")"
	stats_expect "$tmp/s.json" 's["total"] == {"successful": 13, "failed": 9}')"
"$MTASTS" stats --log "$tmp/nonexistent.jsonl" >/dev/null 2>"$tmp/s.err"
check stats-no-log "$( [ $? -eq 66 ] || echo "exit not 66: $(cat "$tmp/s.err")")"

# ------------------------------------------------------------ report (loopback)
# A CA and a certificate for the HTTPS receiver's name.
mkdir -p "$tmp/ca"
( cd "$tmp/ca" &&
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout ca.key -out ca.pem -subj "/CN=tlsrpt test CA" -days 3 \
	-addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign &&
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout leaf.key -out leaf.csr -subj "/CN=tlsrpt receiver" &&
  printf 'subjectAltName=DNS:reports.enforce.test\nextendedKeyUsage=serverAuth\n' >ext &&
  openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
	-out leaf.pem -days 3 -extfile ext ) >"$tmp/ca.log" 2>&1 ||
	{ bad report-setup "openssl: $(tail -3 "$tmp/ca.log")"; }
mkdir -p "$tmp/posts" "$tmp/mail"
"$PY" "$T/httpsd.py" 127.0.0.1 0 "$tmp/ca/leaf.pem" "$tmp/ca/leaf.key" \
	"$tmp/posts" "$tmp/https.port" 2>"$tmp/httpsd.err" &
pids="$pids $!"
echo "" >"$tmp/zone"
"$PY" "$T/txtdns.py" "$tmp/zone" "$tmp/dns.port" 2>"$tmp/txtdns.err" &
pids="$pids $!"
if ! wait_file "$tmp/https.port" || ! wait_file "$tmp/dns.port"; then
	bad report-setup "servers did not start: $(cat "$tmp/httpsd.err" "$tmp/txtdns.err")"
	echo "$pass passed, $fail failed"
	exit 1
fi
HP=$(cat "$tmp/https.port")
DP=$(cat "$tmp/dns.port")
# zone_good - the records of the first runs
zone_good() {
	cat >"$tmp/zone" <<EOF
_smtp._tls.enforce.test TXT v=TLSRPTv1; rua=mailto:tls-reports@enforce.test,https://reports.enforce.test:$HP/v1/tlsrpt
_smtp._tls.testing.test TXT v=TLSRPTv1;rua=mailto:tlsrpt@testing.test
_smtp._tls.fetchfail.test TXT v=spf1 -all
_smtp._tls.fetchfail.test TXT v=TLSRPTv1; rua=mailto:ops@fetchfail.test; x-ext=1
reports.enforce.test A 127.0.0.1
EOF
}
zone_good
# config NAME [EXTRA YAML LINES] - a config with its own state and spool
config() {
	mkdir -p "$tmp/$1"
	cat >"$tmp/$1/mtasts.yaml" <<EOF
resolver:
  servers: ["127.0.0.1@$DP"]
tls:
  ca_file: $tmp/ca/ca.pem
log:
  json_file: $L
tlsrpt:
  organization: "$ORG"
  contact: $CONTACT
  from: $FROM
  sending_ip: 192.0.2.25
  sendmail: $T/sendmail.sh
  sendmail_args: ["$tmp/mail"]
  state_file: $tmp/$1/state
  spool_dir: $tmp/$1/spool
  timeout: 5
${2:-}
EOF
}
# report NAME ARGS... - run mtasts report with NAME's config at $NOW
report() {
	n=$1; shift
	MTASTS_NOW=${RNOW:-$NOW} "$MTASTS" -c "$tmp/$n/mtasts.yaml" report "$@" \
		>"$tmp/$n/out" 2>"$tmp/$n/err"
}
# check_files KIND FILES... - check.py on each; prints the first problem
check_files() {
	kind=$1; shift
	for f in "$@"; do
		[ -f "$f" ] || { echo "$f missing"; return; }
		case $kind in
		mail)	"$PY" "$T/check.py" mail "$f" "$T/day1.expect.json" "$ORG" \
			"$CONTACT" $DAY "$FROM" "$(tr -d '\r' <"$f" | sed -n 's/^To: //p' | head -1)" ;;
		*)	"$PY" "$T/check.py" "$kind" "$f" "$T/day1.expect.json" "$ORG" \
			"$CONTACT" $DAY ;;
		esac | sed "s|^|$(basename "$f"): |" | head -3
	done
}
nmail() { ls "$tmp/mail" | grep -c '\.eml$'; }
nposts() { ls "$tmp/posts" | grep -c '\.body$'; }

# The report reads the last rotation too (logrotate ran before the timer).
config rot
report rot --dry-run --out "$tmp/rot/reports" --day $DAY --log "$tmp/rot/audit.jsonl"
rc=$?
check report-rotated-log "$( [ $rc -eq 0 ] || echo "exit $rc: $(cat "$tmp/rot/err")"
	[ "$(ls "$tmp/rot/reports" | wc -l)" -eq 4 ] || echo "files: $(ls "$tmp/rot/reports")"
	check_files report "$tmp/rot/reports"/*)"

config dry
report dry --dry-run --out "$tmp/dry/reports" --day $DAY
rc=$?
check report-dry-run "$( [ $rc -eq 0 ] || echo "exit $rc: $(cat "$tmp/dry/err")"
	[ "$(ls "$tmp/dry/reports" | wc -l)" -eq 4 ] || echo "files: $(ls "$tmp/dry/reports")"
	check_files report "$tmp/dry/reports"/*
	[ ! -e "$tmp/dry/state" ] && [ ! -e "$tmp/dry/spool" ] || echo "dry run wrote state or spool"
	[ "$(nmail)$(nposts)" = 00 ] || echo "dry run sent something"
	[ "$(count "$tmp/dry/out" 'would send to')" -eq 4 ] || cat "$tmp/dry/out")"

config send
report send
rc=$?
check report-send "$( [ $rc -eq 0 ] || echo "exit $rc: $(cat "$tmp/send/err")"
	[ "$(nmail)" -eq 3 ] || echo "$(nmail) mails, want 3"
	[ "$(nposts)" -eq 1 ] || echo "$(nposts) posts, want 1"
	grep -q "nopolicy.test: no TLSRPT record" "$tmp/send/out" || cat "$tmp/send/out")"
check report-mailto "$(check_files mail "$tmp/mail"/*.eml
	for a in "$tmp/mail"/*.args; do
		grep -qx -- "-f" "$a" && grep -qx -- "--" "$a" && grep -qx -- "-i" "$a" ||
			echo "sendmail arguments: $(tr '\n' ' ' <"$a")"
	done)"
check report-https "$(check_files post "$tmp/posts"/1.body
	grep -q '^POST /v1/tlsrpt HTTP/1.1$' "$tmp/posts/1.head" &&
	grep -qi '^Content-Type: application/tlsrpt+gzip$' "$tmp/posts/1.head" ||
	cat "$tmp/posts/1.head")"
check report-spool-cleared "$(ls "$tmp/send/spool" | head -3)"
report send
rc=$?
check report-rerun-no-double-send "$( [ $rc -eq 0 ] || echo "exit $rc: $(cat "$tmp/send/err")"
	[ "$(nmail)$(nposts)" = 31 ] || echo "$(nmail) mails, $(nposts) posts after the rerun"
	[ "$(count "$tmp/send/out" 'before')" -eq 5 ] || cat "$tmp/send/out")"

# Endpoints down: both fail, the state says so, the report stays spooled.
config retry
touch "$tmp/mail/fail" "$tmp/posts/fail"
report retry --domain enforce.test
rc=$?
check report-endpoints-down "$( [ $rc -eq 75 ] || echo "exit $rc, want 75"
	grep -q 'HTTP status 503' "$tmp/retry/err" && grep -q 'exited with status 75' "$tmp/retry/err" ||
		cat "$tmp/retry/err"
	[ "$(count "$tmp/retry/state" ' failed 1 ')" -eq 2 ] || cat "$tmp/retry/state"
	[ "$(ls "$tmp/retry/spool" | wc -l)" -eq 1 ] || echo "spool: $(ls "$tmp/retry/spool")")"
# The next run, an hour later, retries from the spool even without the log.
rm -f "$tmp/mail/fail" "$tmp/posts/fail"
: >"$tmp/empty.jsonl"
RNOW=$((NOW + 3600)) report retry --log "$tmp/empty.jsonl"
rc=$?
check report-retry-from-spool "$( [ $rc -eq 0 ] || echo "exit $rc: $(cat "$tmp/retry/err")"
	[ "$(nmail)$(nposts)" = 42 ] || echo "$(nmail) mails, $(nposts) posts"
	check_files mail "$tmp/mail/4.eml"; check_files post "$tmp/posts/2.body"
	[ "$(count "$tmp/retry/state" ' sent 2 ')" -eq 2 ] || cat "$tmp/retry/state"
	[ -z "$(ls "$tmp/retry/spool")" ] || echo "spool not cleared")"
RNOW=$((NOW + 7200)) report retry --day $DAY --domain enforce.test
check report-retry-rerun "$( [ "$(nmail)$(nposts)" = 42 ] || echo "sent again")"

# Unreachable endpoint: nothing listens on the port; an error, not a crash.
config down
sed -i "s|reports.enforce.test:$HP|reports.enforce.test:1|" "$tmp/zone"
report down --domain enforce.test
rc=$?
check report-unreachable "$( [ $rc -eq 75 ] || echo "exit $rc, want 75"
	grep -q 'reports.enforce.test:1/v1/tlsrpt: .*refused' "$tmp/down/err" || cat "$tmp/down/err")"
# A day later the endpoint has failed for 24 hours: given up, not retried.
RNOW=$((NOW + 90000)) report down --log "$tmp/empty.jsonl"
rc=$?
check report-retry-window "$( [ $rc -eq 0 ] || echo "exit $rc: $(cat "$tmp/down/err")"
	grep -q 'giving up on https://reports.enforce.test:1/v1/tlsrpt after 1 attempts' "$tmp/down/err" ||
		cat "$tmp/down/err")"
zone_good

# Bad records: no report goes anywhere, the error names the record.
config badrua
sed -i 's|^_smtp._tls.fetchfail.test TXT v=TLSRPTv1.*|_smtp._tls.fetchfail.test TXT v=TLSRPTv1; rua=ftp://reports.fetchfail.test/x|' "$tmp/zone"
report badrua --domain fetchfail.test
rc=$?
check report-bad-rua "$( [ $rc -eq 65 ] || echo "exit $rc, want 65"
	grep -q 'bad TLSRPT record at _smtp._tls.fetchfail.test.*scheme not supported' "$tmp/badrua/err" ||
		cat "$tmp/badrua/err")"
sed -i 's|^_smtp._tls.fetchfail.test TXT v=TLSRPTv1.*|_smtp._tls.fetchfail.test TXT v=TLSRPTv1; rua=mailto:-oQ/tmp/x@fetchfail.test|' "$tmp/zone"
config badrua2
report badrua2 --domain fetchfail.test
rc=$?
check report-bad-rua-option "$( [ $rc -eq 65 ] || echo "exit $rc, want 65"
	grep -q 'not plain dot-atom\|not an address' "$tmp/badrua2/err" || cat "$tmp/badrua2/err")"
echo "_smtp._tls.fetchfail.test SERVFAIL" >>"$tmp/zone"
config servfail
report servfail --domain fetchfail.test
rc=$?
check report-dns-failure "$( [ $rc -eq 75 ] || echo "exit $rc, want 75"
	grep -q 'lookup failed (retried next run).*SERVFAIL' "$tmp/servfail/err" ||
		cat "$tmp/servfail/err")"
zone_good
# A reply to another question (one with an attacker's rua) is no answer.
echo "_smtp._tls.fetchfail.test WRONGQ _smtp._tls.evil.test" >>"$tmp/zone"
echo "_smtp._tls.evil.test TXT v=TLSRPTv1; rua=mailto:reports@evil.test" >>"$tmp/zone"
config wrongq
report wrongq --domain fetchfail.test
rc=$?
check report-dns-other-question "$( [ $rc -eq 75 ] || echo "exit $rc, want 75"
	grep -q 'does not answer the question asked' "$tmp/wrongq/err" ||
		cat "$tmp/wrongq/err" "$tmp/wrongq/out")"
zone_good

# Oversized: many distinct failures against a small tlsrpt.max_size.
"$PY" - "$tmp/big.jsonl" <<'EOF'
import json, sys
with open(sys.argv[1], "w") as f:
    for i in range(400):
        f.write(json.dumps({"time": "", "unix": 1795910400 + i, "event": "delivery",
            "domain": "enforce.test", "mx": "mx%d.mx.enforce.test" % i,
            "addr": "192.0.2.%d" % (i % 250), "policy_id": "e1", "mode": "enforce",
            "mx_patterns": "*.mx.enforce.test", "max_age": 86400, "action": "defer",
            "result_type": "certificate-not-trusted",
            "reason": "unable to get local issuer certificate %08x" % (i * 2654435761 % 2**32)}) + "\n")
EOF
config big "  max_size: 1024"
sent=$(nmail)$(nposts)
report big --log "$tmp/big.jsonl"
rc=$?
check report-oversized "$( [ $rc -eq 65 ] || echo "exit $rc, want 65"
	grep -q 'over tlsrpt.max_size (1024 bytes' "$tmp/big/err" || cat "$tmp/big/err"
	[ "$(nmail)$(nposts)" = "$sent" ] || echo "something was sent")"
report big --log "$tmp/big.jsonl"
check report-oversized-rerun "$(grep -q 'done before (toobig)' "$tmp/big/out" || cat "$tmp/big/out" "$tmp/big/err")"

config early
RNOW=$((NOW + 600)) report early --day 2026-11-30
check report-day-not-over "$( [ $? -eq 64 ] && grep -q 'not over yet' "$tmp/early/err" || cat "$tmp/early/err")"
config noorg
sed -i '/organization:/d' "$tmp/noorg/mtasts.yaml"
report noorg --dry-run
check report-no-organization "$( [ $? -eq 78 ] && grep -q 'tlsrpt.organization is not set' "$tmp/noorg/err" ||
	cat "$tmp/noorg/err")"
config lock
: >"$tmp/lock/state.lock"
flock "$tmp/lock/state.lock" sh -c "MTASTS_NOW=$NOW '$MTASTS' -c '$tmp/lock/mtasts.yaml' report >/dev/null 2>'$tmp/lock/err'; echo \$? >'$tmp/lock/rc'"
check report-locked "$( [ "$(cat "$tmp/lock/rc")" = 75 ] && grep -q 'another mtasts report holds the lock' "$tmp/lock/err" ||
	cat "$tmp/lock/err")"

# ------------------------------------------------------------ world
W=$S/test-harness/world.sh
if [ "$(id -u)" != 0 ] || ! "$W" check >/dev/null 2>&1; then
	echo "SKIP tlsrpt/world: needs root, ip netns and the harness packages"
	skip=$((skip + 1))
else
	world=$tmp/world
	if ! "$W" start "$world" "$T"/world-*.scn >"$tmp/world.log" 2>&1; then
		bad world-start "$(tail -5 "$tmp/world.log")"
	else
		# The HTTPS receiver: its own address, a certificate from the world's CA.
		( cd "$world/ca" &&
		  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout tlsrpt.key -out tlsrpt.csr -subj "/CN=tlsrpt receiver" &&
		  printf 'subjectAltName=DNS:reports.enforce.test\nextendedKeyUsage=serverAuth\n' >tlsrpt.ext &&
		  openssl x509 -req -in tlsrpt.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-out tlsrpt.pem -days 3 -extfile tlsrpt.ext ) >>"$tmp/world.log" 2>&1
		mkdir -p "$world/tlsrpt-posts"
		"$W" exec "$world" -- ip addr add 127.0.3.1/32 dev lo
		"$W" exec "$world" -- "$PY" "$T/httpsd.py" 127.0.3.1 443 \
			"$world/ca/tlsrpt.pem" "$world/ca/tlsrpt.key" "$world/tlsrpt-posts" \
			"$world/tlsrpt-https.port" >>"$tmp/world.log" 2>&1 &
		wait_file "$world/tlsrpt-https.port" || bad world-https-start "$(tail -3 "$tmp/world.log")"
		cat >"$world/tlsrpt.yaml" <<EOF
resolver:
  servers: ["127.0.0.53"]
tls:
  ca_file: $world/ca.pem
tlsrpt:
  organization: "$ORG"
  contact: $CONTACT
  from: $FROM
  sending_ip: 192.0.2.25
  sendmail: $T/smtp-sendmail.py
  sendmail_args: ["--server", "127.0.2.1"]
  state_file: $world/tlsrpt.state
  spool_dir: $world/tlsrpt-spool
  audit_log: $L
EOF
		wreport() {
			MTASTS_NOW=$NOW "$W" exec "$world" -- "$MTASTS" -c "$world/tlsrpt.yaml" \
				report --day $DAY >"$tmp/w.out" 2>"$tmp/w.err"
		}
		wmail() { ls "$world/mail/good" 2>/dev/null | grep -c '\.eml$'; }
		wreport
		rc=$?
		check world-report "$( [ $rc -eq 0 ] || echo "exit $rc: $(cat "$tmp/w.err")"
			[ "$(wmail)" -eq 2 ] || echo "$(wmail) mails at the receiver, want 2"
			[ "$(ls "$world/tlsrpt-posts" | grep -c body)" -eq 1 ] || echo "no POST")"
		for f in "$world"/mail/good/*.eml; do
			[ -f "$f" ] || continue
			to=$(sed -n 's/^X-Harness-Rcpt-To: <\(.*\)>$/\1/p' "$f" | head -1)
			check "world-mailto-$(basename "$f" .eml)" "$(check_files mail "$f"
				grep -q "^X-Harness-Mail-From: <$FROM>" "$f" || echo "envelope sender")"
		done
		check world-https "$(check_files post "$world/tlsrpt-posts/1.body")"
		wreport
		check world-rerun-no-double-send "$( [ "$(wmail)" -eq 2 ] &&
			[ "$(ls "$world/tlsrpt-posts" | grep -c body)" -eq 1 ] || echo "sent again")"
	fi
fi

if [ $skip -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ $fail -eq 0 ]
