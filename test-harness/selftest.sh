#!/bin/sh
#++
# NAME
#	selftest.sh - check the test world itself, without mtasts
# SYNOPSIS
#	test-harness/selftest.sh
# DESCRIPTION
#	Starts a world from the scenarios in test-harness/scenarios, then
#	checks from inside its namespace, with independent clients (dig,
#	getdns_query, curl, openssl s_client, swaks), that each behaviour
#	the scenarios rely on is really there: the DNS answers, every
#	policy host behaviour, every certificate problem, the SMTP
#	receivers and their mailboxes, world changes through worldctl.py,
#	and that the namespace has no route off the machine. Then stops
#	the world (also on failure or interrupt).
#
#	Prints "ok - WHAT" or "not ok - WHAT: detail" per check and ends
#	with "N passed, N failed"; exits 1 if a check failed. Needs root.
#--

H=$(cd "$(dirname "$0")" && pwd)

if [ "${1:-}" != --inside ]; then
	dir=$(mktemp -d "${TMPDIR:-/tmp}/mtasts-selftest.XXXXXX") || exit 1
	trap '"$H/world.sh" stop "$dir"; rm -rf "$dir"' EXIT
	trap 'exit 130' INT TERM HUP
	"$H/world.sh" start "$dir" || exit 1
	"$H/world.sh" exec "$dir" -- sh "$H/selftest.sh" --inside "$dir" &
	checks=$!
	wait $checks
	exit $?
fi

# ------------------------------------------------------ inside the world
D=$2
CA=$D/ca.pem
CA2=$D/ca/ca2.pem
OUT=$D/selftest.out
PY=/usr/bin/python3
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok - $1"; }
bad() { fail=$((fail + 1)); echo "not ok - $1: $2"; }

# check WHAT CODE REGEX CMD... - CMD exits CODE ("-" any) and its
# output (stdout and stderr) matches the extended REGEX ("" anything)
check() {
	what=$1 code=$2 re=$3; shift 3
	"$@" >"$OUT" 2>&1 </dev/null
	rc=$?
	if [ "$code" != - ] && [ "$rc" != "$code" ]; then
		bad "$what" "exit $rc, want $code: $(tail -c 200 "$OUT" | tr '\n' ' ')"
	elif [ -n "$re" ] && ! grep -Eq -- "$re" "$OUT"; then
		bad "$what" "no /$re/ in: $(tail -c 200 "$OUT" | tr '\n' ' ')"
	else
		ok "$what"
	fi
}

url() { echo "https://mta-sts.$1/.well-known/mta-sts.txt"; }
get() { curl -sS --cacert "$CA" -D - "$@"; }
# tls NAME PORT [ARGS] - verify a server's certificate for NAME
tls() {
	n=$1 p=$2; shift 2
	openssl s_client -connect "$n:$p" -servername "$n" \
		-verify_hostname "$n" -CAfile "$CA" "$@"
}

# --- DNS
check "TXT record" 0 '^"v=STSv1; id=20240101T000000;"$' \
	dig +short TXT _mta-sts.enforce.test
check "TXT split into three character-strings" 0 \
	'^"v=STSv1; " "id=split" "20240101;"$' \
	dig +short TXT _mta-sts.txt-split.test
check "two STSv1 TXT records" 0 'id=second2' \
	dig +short TXT _mta-sts.txt-two-sts.test
check "CNAME'd _mta-sts answers CNAME and target TXT" 0 \
	'CNAME.*_mta-sts\.cname-target\.test\.' \
	dig TXT _mta-sts.txt-cname.test
check "... with the target's record" 0 'id=viacname1' \
	dig +short TXT _mta-sts.txt-cname.test
check "MX of a scenario domain" 0 '^10 mx-good\.enforce\.test\.$' \
	dig +short MX enforce.test
check "no TXT at all: NXDOMAIN" 0 'status: NXDOMAIN' \
	dig TXT _mta-sts.no-txt.test
check "dns: nxdomain domain" 0 'status: NXDOMAIN' dig MX nxdomain.test
check "dns: servfail domain" 0 'status: SERVFAIL' \
	dig TXT _mta-sts.servfail.test
check "refused policy host address" 0 '^127\.0\.1\.9$' \
	dig +short A mta-sts.refused.test
check "getdns stub query sees the split strings" 0 \
	'"v=STSv1; ">' getdns_query -s @127.0.0.53 _mta-sts.txt-split.test TXT
check "getdns sees SERVFAIL" - 'GETDNS_RCODE_SERVFAIL' \
	getdns_query -s @127.0.0.53 _mta-sts.servfail.test TXT

# --- policy hosts
check "valid policy over HTTPS" 0 'mode: enforce' get "$(url enforce.test)"
check "... as text/plain" 0 '^Content-Type: text/plain' \
	get "$(url enforce.test)"
check "charset parameter" 0 'Content-Type: Text/Plain; charset=utf-8' \
	get "$(url charset.test)"
check "404" 0 '^HTTP/1.1 404' get "$(url http-404.test)"
check "500" 0 '^HTTP/1.1 500' get "$(url http-500.test)"
check "301 with a Location" 0 \
	'^Location: https://mta-sts.http-301.test/.well-known/mta-sts-moved' \
	get "$(url http-301.test)"
check "... to a valid policy" 0 'mode: enforce' \
	get -L "$(url http-301.test)"
check "text/html" 0 '^Content-Type: text/html' get "$(url text-html.test)"
check "oversized body with Content-Length" 0 \
	'^Content-Length: (6[6-9]|[7-9][0-9])[0-9]{3}' \
	get -o /dev/null "$(url big-length.test)"
check "oversized chunked body: chunked" 0 '^Transfer-Encoding: chunked' \
	get -o /dev/null "$(url big-chunked.test)"
check "... and over 64 KiB" 0 '^(6[6-9]|[7-9][0-9])[0-9]{3}$' \
	curl -sS --cacert "$CA" -o /dev/null -w '%{size_download}\n' \
	"$(url big-chunked.test)"
check "chunked valid policy" 0 'mx: \*\.chunked\.test' \
	get "$(url chunked.test)"
check "slow host: nothing within 3 s" 28 '' \
	curl -sS --cacert "$CA" -m 3 "$(url slow.test)"
check "trickle: headers come, the body does not within 2 s" 28 \
	'^HTTP/1.1 200' get -m 2 "$(url trickle.test)"
check "garbage: not HTTP" - 'nsupported HTTP|eird server reply|HTTP/0.9' \
	get "$(url garbage.test)"
check "hang: TCP accepted, no TLS within 2 s" 28 '' \
	curl -sS --cacert "$CA" -m 2 "$(url tls-hang.test)"
check "refused" 7 '' get "$(url refused.test)"
check "policy host without address" 6 '' get "$(url no-policy-host.test)"
check "CNAME'd policy host" 0 'mode: enforce' \
	get "$(url policy-host-cname.test)"
check "no SNI: default certificate only" 0 'default\.invalid' \
	sh -c "openssl s_client -connect 127.0.1.1:443 -noservername \
		</dev/null 2>/dev/null | openssl x509 -noout -ext subjectAltName"

# --- policy host certificates
check "wrong-name certificate (curl)" 60 '' get "$(url cert-wrongname.test)"
check "wrong-name certificate (s_client)" - \
	'Verify return code: 62 ' tls mta-sts.cert-wrongname.test 443
check "expired certificate" - 'Verify return code: 10 ' \
	tls mta-sts.cert-expired.test 443
check "untrusted certificate" - 'Verify return code: 2[01] ' \
	tls mta-sts.cert-untrusted.test 443
check "... which the second CA does sign" - 'Verify return code: 0 ' \
	openssl s_client -connect mta-sts.cert-untrusted.test:443 \
	-servername mta-sts.cert-untrusted.test -CAfile "$CA2"
check "the good certificate names the host" - 'Verify return code: 0 ' \
	tls mta-sts.enforce.test 443

# --- SMTP receivers
check "STARTTLS, good certificate" - 'Verify return code: 0 ' \
	tls mx-good.enforce.test 25 -starttls smtp
check "STARTTLS, wrong name" - 'Verify return code: 62 ' \
	tls mx-wrongname.enforce.test 25 -starttls smtp
check "STARTTLS, expired" - 'Verify return code: 10 ' \
	tls mx-expired.enforce.test 25 -starttls smtp
check "STARTTLS, untrusted" - 'Verify return code: 2[01] ' \
	tls mx-untrusted.enforce.test 25 -starttls smtp
check "no STARTTLS offered" 29 'did not advertise STARTTLS' \
	swaks --server mx-nostarttls.enforce.test --to a@enforce.test \
	--tls --quit-after EHLO
check "swaks delivers over verified TLS" 0 'stored as' \
	swaks --server mx-good.enforce.test --to a@enforce.test \
	--from b@harness.test --tls --tls-verify --tls-ca-path "$CA"
check "... into the good mailbox, with TLS noted" 0 \
	'X-Harness-TLS: TLSv1\.[23]' sh -c "cat '$D'/mail/good/*.eml"
check "swaks refuses the untrusted receiver" 29 'verify failed' \
	swaks --server mx-untrusted.enforce.test --to a@enforce.test \
	--tls --tls-verify --tls-ca-path "$CA"
check "plain delivery without STARTTLS" 0 'stored as' \
	swaks --server mx-nostarttls.enforce.test --to a@enforce.test
check "... noted as no TLS" 0 'X-Harness-TLS: none' \
	sh -c "cat '$D'/mail/nostarttls/*.eml"

# --- the world itself
check "fetches are logged per host" 0 '^mta-sts\.enforce\.test ' \
	cat "$D/http/access.log"
check "hostile fetches are logged" 0 '^mta-sts\.chunked\.test ' \
	cat "$D/hostile/hostile.log"
check "worldctl set: new TXT id" 0 '' \
	$PY "$(dirname "$0")/lib/worldctl.py" set "$D" enforce.test \
	"txt=v=STSv1; id=changed1;" http=refused
check "... is in DNS" 0 'id=changed1' dig +short TXT _mta-sts.enforce.test
check "... and the host refuses" 7 '' get "$(url enforce.test)"
check "worldctl reset" 0 '' $PY "$(dirname "$0")/lib/worldctl.py" reset "$D"
check "... restores DNS" 0 'id=20240101T000000' \
	dig +short TXT _mta-sts.enforce.test
check "... and the host" 0 'mode: enforce' get "$(url enforce.test)"
check "worldctl set dns=servfail" 0 '' $PY \
	"$(dirname "$0")/lib/worldctl.py" set "$D" testing.test dns=servfail
check "... answers SERVFAIL" 0 'status: SERVFAIL' \
	dig TXT _mta-sts.testing.test
check "... until reset" 0 '' $PY "$(dirname "$0")/lib/worldctl.py" reset "$D"
check "... after which it answers" 0 'id=testing1' \
	dig +short TXT _mta-sts.testing.test
check "resolv.conf points into the world" 0 '^nameserver 127\.0\.0\.53$' \
	cat /etc/resolv.conf
check "no route leaves the namespace" 0 '' \
	sh -c '[ -z "$(ip -4 route show table main; ip -6 route show table main)" ]'

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
