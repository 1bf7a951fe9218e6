#!/bin/sh
#++
# NAME
#	postfix.sh - the private Postfix of tests/outcomes.sh, with MTA-STS
# SYNOPSIS
#	postfix.sh conf DIR LISTEN MAP [LOGLEVEL]
#	postfix.sh run DIR
#	postfix.sh flush DIR
#	postfix.sh queued DIR
# DESCRIPTION
#	conf	writes DIR/postfix/ with test-harness/milter/postfix-relay.sh
#		(an SMTP server on LISTEN:25 that relays for 127.0.0.0/8,
#		maillog_file DIR/postfix/maillog, CA DIR/ca.pem) without a
#		milter, and adds what a site using mtastsd has:
#		smtp_tls_policy_maps = MAP (e.g.
#		socketmap:unix:/run/x/mtastsd.sock:postfix) and
#		smtp_tls_loglevel = LOGLEVEL (default 1, which mtasts ingest
#		needs; 0 is Postfix's default). Deferred mail waits
#		(backoff and queue_run_delay of 1000 s) until "flush"
#		forces the next attempt, so a test knows how many there are.
#	run	runs "master -d" in the foreground (inside the world, in
#		the background).
#	flush	asks the queue manager to retry every deferred message now
#		(postkick public qmgr FAD: forget dead destinations, ignore
#		the time stamps, scan the deferred queue), as "postqueue -f"
#		does, which needs the pickup service this Postfix lacks.
#	queued	prints the ids of the messages still in the queue, one a line.
# SECURITY
#	Needs root (master starts the services as "daemon"). The relay is
#	for a world's private namespace only. Nothing is installed.
#--

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
RELAY=$HERE/../milter/postfix-relay.sh
ROOT=${MTASTS_MTA_CACHE:-/var/cache/mtasts-test}/postfix/root
LIBPATH=$ROOT/usr/lib/postfix:$ROOT/usr/lib/x86_64-linux-gnu:$ROOT/lib/x86_64-linux-gnu

die() { echo "postfix.sh: $*" >&2; exit 1; }

conf() {
	d=$1 listen=$2 map=$3 level=${4:-1}
	sh "$RELAY" conf "$d" "$listen" "" || die "postfix-relay.sh conf failed"
	cat >>"$d/postfix/main.cf" <<EOF
# added by test-harness/outcomes/postfix.sh
smtp_tls_policy_maps = $map
smtp_tls_loglevel = $level
minimal_backoff_time = 1000s
maximal_backoff_time = 1000s
queue_run_delay = 1000s
EOF
}

# pf PROGRAM ARG... - one Postfix command with DIR/postfix as its configuration
pf() {
	p=$(cd "$1/postfix" && pwd) || die "no $1/postfix"; shift
	prog=$1; shift
	LD_LIBRARY_PATH=$LIBPATH MAIL_CONFIG=$p "$ROOT/usr/sbin/$prog" "$@"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
conf)	[ $# = 3 ] || [ $# = 4 ] || die "usage: postfix.sh conf DIR LISTEN MAP [LOGLEVEL]"
	conf "$@" ;;
run)	[ $# = 1 ] || die "usage: postfix.sh run DIR"
	exec sh "$RELAY" run "$1" ;;
flush)	[ $# = 1 ] || die "usage: postfix.sh flush DIR"
	pf "$1" postkick public qmgr FAD ;;
queued)	[ $# = 1 ] || die "usage: postfix.sh queued DIR"
	pf "$1" postqueue -j 2>/dev/null | sed -n 's/.*"queue_id": *"\([0-9A-Za-z]*\)".*/\1/p' ;;
*)	echo "usage: postfix.sh conf|run|flush|queued ..." >&2
	exit 2 ;;
esac
