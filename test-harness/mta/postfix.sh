#!/bin/sh
#++
# NAME
#	postfix.sh - a private Postfix 3.7 as a real socketmap client
# SYNOPSIS
#	postfix.sh prepare
#	postfix.sh conf DIR
#	postfix.sh query DIR TABLE KEY...
#	postfix.sh postmap DIR ARG...
# DESCRIPTION
#	Runs Debian's Postfix without installing it: the package is
#	downloaded once with apt-get download and unpacked with dpkg -x
#	into $MTASTS_MTA_CACHE/postfix (default /var/cache/mtasts-test),
#	then reused. Its binaries find their shared objects through
#	LD_LIBRARY_PATH and their directories through main.cf.
#
#	prepare	downloads and unpacks (once); exit 77 and "skip: reason"
#		on stderr when the package or its libraries cannot be had.
#	conf	writes DIR/main.cf: shlib, daemon, meta and command
#		directories inside the unpacked tree; mail_owner "daemon"
#		and setgid_group "mail" (Postfix wants real, distinct
#		accounts; postmap -q never runs as them).
#	query	asks TABLE (e.g. socketmap:unix:/run/x.sock:postfix) for
#		each KEY with "postmap -q" and prints one line per key,
#		"KEY<TAB>ANSWER", ANSWER in socketmap terms as Postfix saw
#		it: "OK value", "NOTFOUND", "TEMP reason", "PERM reason",
#		or "ERROR text" when postmap failed otherwise.
#	postmap	runs postmap with DIR as its configuration.
# SECURITY
#	Root only for apt-get; queries run as the caller. Nothing is
#	installed system-wide and no Postfix daemon is started.
#--

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"

PKGS="postfix"
# Shared libraries of postfix 3.7.11 (Depends), unpacked too when absent.
RUNTIME="libdb5.3 libicu72 libnsl2 libsasl2-2 libssl3 libtirpc3"
ROOT=$MTA_CACHE/postfix/root

prepare() {
	mta_unpack postfix $PKGS || exit 77
	# shellcheck disable=SC2086
	mta_runtime postfix usr/sbin/postmap $RUNTIME || exit 77
}

conf() {
	[ -f "$MTA_CACHE/postfix/.unpacked" ] ||
		{ echo "postfix.sh: run prepare first" >&2; exit 1; }
	mkdir -p "$1" || exit 1
	cat >"$1/main.cf" <<EOF
# written by test-harness/mta/postfix.sh
compatibility_level = 3.6
shlib_directory = $ROOT/usr/lib/postfix
daemon_directory = $ROOT/usr/lib/postfix/sbin
meta_directory = $ROOT/etc/postfix
command_directory = $ROOT/usr/sbin
queue_directory = $1/queue
data_directory = $1/data
mail_owner = daemon
setgid_group = mail
default_privs = nobody
EOF
}

# run - one postfix command with DIR as its configuration
run() {
	d=$(cd "$1" && pwd); shift
	prog=$1; shift
	LD_LIBRARY_PATH=$(mta_libpath "$ROOT") MAIL_CONFIG=$d \
		"$ROOT/usr/sbin/$prog" "$@"
}

# answer - classify one "postmap -q" run (rc, stdout, stderr)
answer() {
	rc=$1 out=$2 err=$3
	if [ "$rc" = 0 ] && [ -n "$out" ]; then
		echo "OK $out"
	elif t=$(printf '%s\n' "$err" |
	    sed -n 's/.* socketmap server temporary error: //p' | head -n 1) &&
	    [ -n "$t" ]; then
		echo "TEMP $t"
	elif t=$(printf '%s\n' "$err" |
	    sed -n 's/.* socketmap server permanent error: //p' | head -n 1) &&
	    [ -n "$t" ]; then
		echo "PERM $t"
	elif [ "$rc" = 1 ] && [ -z "$err" ]; then
		echo "NOTFOUND"
	else
		echo "ERROR rc=$rc $(printf '%s\n' "$err" | head -n 1)"
	fi
}

query() {
	d=$1 table=$2; shift 2
	tmp=$(mktemp -d) || exit 1
	for key in "$@"; do
		run "$d" postmap -q "$key" "$table" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		printf '%s\t%s\n' "$key" \
		    "$(answer $rc "$(cat "$tmp/out")" "$(cat "$tmp/err")")"
	done
	rm -rf "$tmp"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
prepare) prepare ;;
conf)	[ $# = 1 ] || { echo "usage: postfix.sh conf DIR" >&2; exit 2; }
	conf "$1" ;;
query)	[ $# -ge 3 ] ||
		{ echo "usage: postfix.sh query DIR TABLE KEY..." >&2; exit 2; }
	query "$@" ;;
postmap) [ $# -ge 1 ] || { echo "usage: postfix.sh postmap DIR ARG..." >&2; exit 2; }
	d=$1; shift
	run "$d" postmap "$@" ;;
*)	echo "usage: postfix.sh prepare|conf|query|postmap ..." >&2
	exit 2 ;;
esac
