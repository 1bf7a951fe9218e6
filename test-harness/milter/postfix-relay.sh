#!/bin/sh
#++
# NAME
#	postfix-relay.sh - a private Postfix 3.7 with smtpd_milters in the test world
# SYNOPSIS
#	postfix-relay.sh prepare
#	postfix-relay.sh conf DIR LISTEN MILTER
#	postfix-relay.sh run DIR
#	postfix-relay.sh log DIR
# DESCRIPTION
#	prepare	unpacks Debian's Postfix once (test-harness/mta/postfix.sh
#		prepare); exit 77 with "skip: reason" when it cannot.
#	conf	writes DIR/postfix/: main.cf (test-harness/mta/postfix.sh
#		conf, plus an SMTP server on LISTEN:25 that relays for
#		127.0.0.0/8 and asks the milter at MILTER, e.g.
#		unix:/run/x/milter.sock, with milter_default_action
#		tempfail), a master.cf with the services a relay needs (no
#		chroot), the queue directories and maillog_file
#		DIR/postfix/maillog (postlogd: no syslog needed).
#		Mail is delivered by MX lookup, i.e. to the world's
#		receivers.
#	run	runs "master -d" in the foreground (use it inside the
#		world, in the background; TERM stops it and its children).
#	log	prints the mail log.
# SECURITY
#	Needs root: master starts the services as mail_owner ("daemon").
#	The SMTP server relays for anyone on 127.0.0.0/8: it is for a
#	world's private namespace only. Nothing is installed.
#--

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
MTA_SH=$HERE/../mta/postfix.sh
ROOT=${MTASTS_MTA_CACHE:-/var/cache/mtasts-test}/postfix/root
LIBPATH=$ROOT/usr/lib/postfix:$ROOT/usr/lib/x86_64-linux-gnu:$ROOT/lib/x86_64-linux-gnu

die() { echo "postfix-relay.sh: $*" >&2; exit 1; }

# Queue directories: name, owner, group, mode (as postfix-files makes them).
QDIRS="active:daemon:root:700 bounce:daemon:root:700 corrupt:daemon:root:700
defer:daemon:root:700 deferred:daemon:root:700 flush:daemon:root:700
hold:daemon:root:700 incoming:daemon:root:700 maildrop:daemon:mail:730
pid:root:root:755 private:daemon:root:700 public:daemon:mail:710
saved:daemon:root:700 trace:daemon:root:700"

conf() {
	d=$1 listen=$2 milter=$3
	p=$d/postfix
	sh "$MTA_SH" conf "$p" || die "test-harness/mta/postfix.sh conf failed"
	p=$(cd "$p" && pwd)
	mkdir -p "$p/queue" "$p/data" || die "cannot create $p"
	chown root:root "$p/queue"
	chown daemon:daemon "$p/data"
	for q in $QDIRS; do
		IFS=: read -r name owner group mode <<EOF
$q
EOF
		mkdir -p "$p/queue/$name" && chown "$owner:$group" "$p/queue/$name" &&
			chmod "$mode" "$p/queue/$name" || die "cannot make queue/$name"
	done
	: >"$p/maillog"
	chown daemon "$p/maillog"
	cat >>"$p/main.cf" <<EOF
# added by test-harness/milter/postfix-relay.sh
myhostname = postfix.mta.invalid
mydomain = mta.invalid
myorigin = \$myhostname
mydestination =
inet_interfaces = $listen
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
local_recipient_maps =
smtpd_milters = $milter
milter_default_action = tempfail
milter_command_timeout = 60s
maillog_file = $p/maillog
maillog_file_prefixes = $p
smtp_tls_security_level = may
smtp_tls_CAfile = $d/ca.pem
# One line per TLS session: what mtasts ingest reads (tests/milter.sh).
smtp_tls_loglevel = 1
smtputf8_enable = no
biff = no
# master clears the environment of its children: the unpacked shared
# objects must be named again.
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C
    POSTLOG_SERVICE POSTLOG_HOSTNAME LD_LIBRARY_PATH=$LIBPATH
EOF
	cat >"$p/master.cf" <<EOF
# written by test-harness/milter/postfix-relay.sh: a relay, no chroot
$listen:smtp inet n - n - - smtpd
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
tlsmgr    unix  - - n 1000? 1 tlsmgr
EOF
}

run() {
	p=$(cd "$1/postfix" && pwd)
	LD_LIBRARY_PATH=$LIBPATH exec "$ROOT/usr/lib/postfix/sbin/master" -c "$p" -d
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
prepare) sh "$MTA_SH" prepare ;;
conf)	[ $# = 3 ] || die "usage: postfix-relay.sh conf DIR LISTEN MILTER"
	conf "$@" ;;
run)	[ $# = 1 ] || die "usage: postfix-relay.sh run DIR"
	run "$1" ;;
log)	[ $# = 1 ] || die "usage: postfix-relay.sh log DIR"
	cat "$1/postfix/maillog" ;;
*)	echo "usage: postfix-relay.sh prepare|conf|run|log ..." >&2
	exit 2 ;;
esac
