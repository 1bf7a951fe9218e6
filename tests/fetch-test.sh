#!/bin/sh
# fetch-test.sh - run tests/fetch-test against local HTTPS and SMTP servers.
#
# Makes a throw-away PKI with the openssl CLI (a test CA; certificates that
# are valid, for the wrong name, expired, self-signed, and with a partial
# wildcard "mta*." that OpenSSL accepts unless told
# X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS), starts tests/httpsd.py and
# tests/smtpd.py on 127.0.0.1 (kernel-chosen ports, written to files),
# runs tests/fetch-test and
# passes its exit status through. The servers are stopped by PID on any
# exit. Nothing leaves the loopback interface.
#
# Environment: srcdir/builddir (or srcdir_abs/builddir_abs from
# run-suite.sh); FETCH_TEST_WRAP, a command to run the test under, e.g.
# "libtool --mode=execute valgrind --error-exitcode=99".
set -u
srcdir=${srcdir_abs:-${srcdir:-.}}
builddir=${builddir_abs:-${builddir:-.}}
PY=/usr/bin/python3

for tool in "$PY" openssl; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP fetch: $tool not found"
		echo "0 passed, 0 failed, 1 skipped"
		exit 0
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mtasts-fetch.XXXXXX") || exit 1
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
	echo "FAIL fetch/setup: $*"
	[ -f "$tmp/log" ] && sed 's/^/	/' "$tmp/log"
	echo "0 passed, 1 failed"
	exit 1
}

# key NAME - a P-256 key
key() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		-out "$tmp/$1.key" 2>>"$tmp/log"
}

# leaf NAME SANS [STARTDATE ENDDATE] - a certificate signed by the test CA
leaf() {
	key "$1" || return 1
	openssl req -new -key "$tmp/$1.key" -subj "/CN=$1" \
		-out "$tmp/$1.csr" 2>>"$tmp/log" || return 1
	printf 'subjectAltName=%s\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n' \
		"$2" >"$tmp/$1.ext"
	if [ $# -ge 4 ]; then
		# openssl x509 -req in OpenSSL 3.0 cannot back-date; openssl ca can.
		openssl ca -batch -config "$tmp/ca.cnf" -notext -in "$tmp/$1.csr" \
			-startdate "$3" -enddate "$4" -extfile "$tmp/$1.ext" \
			-out "$tmp/$1.crt" >>"$tmp/log" 2>&1
	else
		openssl x509 -req -in "$tmp/$1.csr" -CA "$tmp/ca.crt" \
			-CAkey "$tmp/ca.key" -CAcreateserial -days 30 \
			-extfile "$tmp/$1.ext" -out "$tmp/$1.crt" 2>>"$tmp/log"
	fi
}

cases="chunked closeclean closeunclean notfound redirect html noctype bigcl bignocl trickle"
good="DNS:mta-sts.example.test,DNS:mx.example.test"
for c in $cases; do good="$good,DNS:mta-sts.$c.example.test"; done

key ca || fail "CA key"
openssl req -x509 -key "$tmp/ca.key" -subj "/CN=mtasts test CA" -days 30 \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign" \
	-out "$tmp/ca.crt" 2>>"$tmp/log" || fail "CA certificate"
mkdir -p "$tmp/newcerts" "$tmp/capath"
: >"$tmp/index.txt"
echo 01 >"$tmp/serial"
cat >"$tmp/ca.cnf" <<EOF
[ca]
default_ca = test_ca
[test_ca]
database = $tmp/index.txt
new_certs_dir = $tmp/newcerts
serial = $tmp/serial
certificate = $tmp/ca.crt
private_key = $tmp/ca.key
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
EOF
leaf good "$good" || fail "good certificate"
leaf wrongname "DNS:other.example.test" || fail "wrong-name certificate"
leaf partialwild "DNS:mta*.partialwild.example.test" || fail "wildcard certificate"
leaf expired "DNS:mta-sts.expired.example.test,DNS:mx-expired.example.test" \
	20200101000000Z 20200201000000Z || fail "expired certificate"
key untrusted || fail "untrusted key"
openssl req -x509 -key "$tmp/untrusted.key" -subj "/CN=untrusted" -days 30 \
	-addext "subjectAltName=DNS:mta-sts.untrusted.example.test,DNS:mx-untrusted.example.test" \
	-out "$tmp/untrusted.crt" 2>>"$tmp/log" || fail "untrusted certificate"
cp "$tmp/ca.crt" "$tmp/capath/" && openssl rehash "$tmp/capath" 2>>"$tmp/log" \
	|| fail "CA directory"

"$PY" "$srcdir/tests/httpsd.py" "$tmp" "$tmp/https.port" 2>>"$tmp/log" &
pids="$pids $!"
"$PY" "$srcdir/tests/smtpd.py" "$tmp" "$tmp/smtp.port" 2>>"$tmp/log" &
pids="$pids $!"
n=0
while [ ! -s "$tmp/https.port" ] || [ ! -s "$tmp/smtp.port" ]; do
	n=$((n + 1))
	[ $n -le 100 ] || fail "servers did not start"
	sleep 0.1
done
read -r hport <"$tmp/https.port"
read -r sport pport <"$tmp/smtp.port"

# shellcheck disable=SC2086
${FETCH_TEST_WRAP:-} "$builddir/tests/fetch-test" "$tmp" "$hport" "$sport" "$pport"
exit $?
