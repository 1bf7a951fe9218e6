#!/bin/sh
#++
# NAME
#	sendmail.sh - a private Sendmail 8.17 as a real socketmap client
# SYNOPSIS
#	sendmail.sh prepare
#	sendmail.sh conf DIR MAPSPEC
#	sendmail.sh query DIR KEY...
# DESCRIPTION
#	Runs Debian's Sendmail without installing it: sendmail-bin,
#	sendmail-base and sendmail-cf are downloaded once with apt-get
#	download and unpacked with dpkg -x into $MTASTS_MTA_CACHE/sendmail
#	(default /var/cache/mtasts-test), then reused.
#
#	prepare	downloads and unpacks (once); exit 77 and "skip: reason"
#		on stderr when the packages or libraries cannot be had.
#	conf	writes DIR/sendmail.mc with FEATURE(`sts') pointed at
#		MAPSPEC (Sendmail's socket map address, e.g.
#		inet:5461@127.0.0.1 or local:/run/x.sock), builds
#		DIR/sendmail.cf from it with m4 and sendmail-cf's files,
#		and writes DIR/hosts, in which this machine's name is
#		fully qualified: Sendmail sleeps a minute at start when
#		it cannot qualify its own name.
#	query	runs "sendmail -bt" once with "/map sts KEY" for each
#		KEY, as FEATURE(`sts') does for a delivery, and prints one
#		line per key, "KEY<TAB>ANSWER": "OK value", "NOTFOUND",
#		"TEMP" (exit 75), "PERM" (69) or "ERROR text". Sendmail
#		does not show a TEMP or PERM reason. It runs in a mount
#		namespace of its own with DIR/hosts over /etc/hosts.
# SECURITY
#	Needs root (unshare -m); the mount is private to that namespace
#	and ends with it. Nothing is installed system-wide.
#--

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"

PKGS="sendmail-bin sendmail-base sendmail-cf"
# Shared libraries of sendmail-bin 8.17.1.9 (Depends), unpacked when absent.
RUNTIME="libdb5.3 libldap-2.5-0 liblockfile1 libnsl2 libsasl2-2 libssl3 libwrap0 libtirpc3"
ROOT=$MTA_CACHE/sendmail/root
BIN=usr/libexec/sendmail/sendmail

prepare() {
	mta_unpack sendmail $PKGS || exit 77
	# shellcheck disable=SC2086
	mta_runtime sendmail $BIN $RUNTIME || exit 77
	if ! command -v m4 >/dev/null 2>&1 && [ ! -x "$ROOT/usr/bin/m4" ]; then
		mta_unpack sendmail-m4 m4 || exit 77
		cp -a "$MTA_CACHE/sendmail-m4/root/usr" "$ROOT/" || exit 77
	fi
}

m4_bin() {
	command -v m4 2>/dev/null || echo "$ROOT/usr/bin/m4"
}

conf() {
	d=$1 spec=$2
	[ -f "$MTA_CACHE/sendmail/.unpacked" ] ||
		{ echo "sendmail.sh: run prepare first" >&2; exit 1; }
	case $spec in
	*"'"*|*'`'*|*' '*) echo "sendmail.sh: bad map spec $spec" >&2; exit 2 ;;
	esac
	mkdir -p "$d/mqueue" || exit 1
	d=$(cd "$d" && pwd)
	cf=$ROOT/usr/share/sendmail/cf
	# The name must be fully qualified; .invalid never resolves elsewhere.
	host=$(hostname)
	printf '127.0.0.1\t%s.mta.invalid %s localhost\n::1\tlocalhost\n' \
		"$host" "$host" >"$d/hosts"
	cat >"$d/sendmail.mc" <<EOF
divert(-1)
# written by test-harness/mta/sendmail.sh
divert(0)dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`$host.mta.invalid')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confHOST_STATUS_DIRECTORY', \`')dnl
define(\`confCW_FILE', \`-o /nonexistent')dnl
define(\`QUEUE_DIR', \`$d/mqueue')dnl
FEATURE(\`sts', \`socket -d5 -T<TMPF> $spec')dnl
MAILER(\`smtp')dnl
EOF
	"$(m4_bin)" -D_CF_DIR_="$cf/" "$cf/m4/cf.m4" "$d/sendmail.mc" \
		>"$d/sendmail.cf" || { echo "sendmail.sh: m4 failed" >&2; exit 1; }
	grep -q '^Ksts socket' "$d/sendmail.cf" ||
		{ echo "sendmail.sh: no sts map in sendmail.cf" >&2; exit 1; }
}

query() {
	d=$(cd "$1" && pwd); shift
	in=$(mktemp) || exit 1
	for key in "$@"; do
		printf '/map sts %s\n' "$key"
	done >"$in"
	# Keys and answers pair up in order: one map_lookup line per /map.
	unshare -m sh -c '
		mount --bind "$1/hosts" /etc/hosts || exit 1
		LD_LIBRARY_PATH=$2 "$3" -bt -C "$1/sendmail.cf" <"$4"' \
		sh "$d" "$(mta_libpath "$ROOT")" "$ROOT/$BIN" "$in" 2>&1 |
	    awk -v keys="$(printf '%s\n' "$@")" '
		BEGIN { n = split(keys, k, "\n"); i = 0 }
		/map_lookup: / {
			i++
			if (match($0, / returns .* \(0\)$/))
				a = "OK " substr($0, RSTART + 9, RLENGTH - 13)
			else if ($0 ~ /no match \(68\)$/)
				a = "NOTFOUND"
			else if ($0 ~ /\(75\)$/)
				a = "TEMP"
			else if ($0 ~ /\(69\)$/)
				a = "PERM"
			else {
				a = $0
				sub(/^> */, "", a)
				a = "ERROR " a
			}
			printf "%s\t%s\n", k[i], a
		}
		END {
			for (i++; i <= n; i++)
				printf "%s\tERROR no answer from sendmail -bt\n", k[i]
		}'
	rm -f "$in"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
prepare) prepare ;;
conf)	[ $# = 2 ] ||
		{ echo "usage: sendmail.sh conf DIR MAPSPEC" >&2; exit 2; }
	conf "$1" "$2" ;;
query)	[ $# -ge 2 ] ||
		{ echo "usage: sendmail.sh query DIR KEY..." >&2; exit 2; }
	query "$@" ;;
*)	echo "usage: sendmail.sh prepare|conf|query ..." >&2
	exit 2 ;;
esac
