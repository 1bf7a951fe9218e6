#!/bin/sh
#++
# NAME
#	setup.sh - a private Sendmail 8.17 delivering into the test world
# SYNOPSIS
#	setup.sh prepare
#	setup.sh conf DIR SRCDIR STSMAP [MILTERSOCKET LISTEN]
#	setup.sh run DIR [SENDMAIL-ARG...]
#	setup.sh mailq DIR
# DESCRIPTION
#	prepare	unpacks Debian's sendmail-bin, sendmail-base and
#		sendmail-cf once (test-harness/mta/sendmail.sh prepare);
#		exit 77 with "skip: reason" when that cannot be done.
#	conf	writes DIR/sendmail/: sendmail.mc, built into sendmail.cf
#		with sendmail-cf's m4 files, that includes the shipped
#		config/sendmail/mtasts-sts.mc unchanged with
#		MTASTS_STS_MAP=STSMAP (mtastsd's socket, e.g.
#		local:DIR/mtastsd/mtastsd.sock) and, given MILTERSOCKET,
#		config/sendmail/mtasts-milter.mc with that socket and an
#		SMTP daemon on LISTEN:25. Certificates are verified against
#		the world's CA (DIR/ca.pem). Delivery mode is "queue": a
#		message waits until "run DIR -qf" delivers it (-qf: in
#		the foreground; plain -q would return at once). Also hosts
#		(this machine's name fully qualified, which Sendmail needs
#		at start), an empty alias file, the queue directory and a
#		service switch that asks the world's DNS for host names.
#	run	runs the unpacked sendmail with -C DIR/sendmail/sendmail.cf
#		in a private mount namespace with DIR/sendmail/hosts over
#		/etc/hosts. Use it inside the world:
#		world.sh exec DIR -- setup.sh run DIR ...
#	mailq	prints the queue ("sendmail -bp"), one line per queued
#		recipient: "QUEUEID RECIPIENT REASON".
# SECURITY
#	Needs root (unshare -m; Sendmail's queue is root's). The
#	configuration relays for anyone who can reach LISTEN: it is for
#	a world's private namespace only. Nothing is installed.
#--

set -u
HERE=$(cd "$(dirname "$0")" && pwd)
MTA_SH=$HERE/../mta/sendmail.sh
ROOT=${MTASTS_MTA_CACHE:-/var/cache/mtasts-test}/sendmail/root
BIN=$ROOT/usr/libexec/sendmail/sendmail
LIBPATH=$ROOT/usr/lib/x86_64-linux-gnu:$ROOT/lib/x86_64-linux-gnu

die() { echo "setup.sh: $*" >&2; exit 1; }

m4_bin() {
	command -v m4 2>/dev/null || echo "$ROOT/usr/bin/m4"
}

conf() {
	d=$1 src=$2 map=$3 msock=${4:-} listen=${5:-}
	s=$d/sendmail
	cf=$ROOT/usr/share/sendmail/cf
	[ -d "$cf/m4" ] || die "sendmail-cf is not unpacked: run prepare first"
	mkdir -p "$s/mqueue" || die "cannot create $s"
	chmod 0700 "$s/mqueue"
	host=$(hostname)
	# The world's hosts, with this machine's name made fully qualified.
	{ printf '127.0.0.1\t%s.mta.invalid %s localhost\n' "$host" "$host"
	  grep -v -w -e localhost -e "$host" "$d/etc/hosts"
	  printf '::1\tlocalhost\n'; } >"$s/hosts"
	: >"$s/aliases"
	: >"$s/statistics"
	printf 'hosts\tfiles dns\naliases\tfiles\n' >"$s/service.switch"
	{
	cat <<EOF
divert(-1)
# written by test-harness/sendmail-sts/setup.sh
divert(0)dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`$host.mta.invalid')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confHOST_STATUS_DIRECTORY', \`')dnl
define(\`confCW_FILE', \`-o /nonexistent')dnl
define(\`QUEUE_DIR', \`$s/mqueue')dnl
define(\`ALIAS_FILE', \`$s/aliases')dnl
define(\`STATUS_FILE', \`$s/statistics')dnl
define(\`confPID_FILE', \`$s/sendmail.pid')dnl
define(\`confSERVICE_SWITCH_FILE', \`$s/service.switch')dnl
define(\`confBIND_OPTS', \`-DNSRCH -DEFNAMES')dnl
define(\`confDELIVERY_MODE', \`queue')dnl
define(\`confCACERT_PATH', \`$d')dnl
define(\`confCACERT', \`$d/ca.pem')dnl
define(\`confTO_CONNECT', \`10s')dnl
define(\`confTO_ICONNECT', \`10s')dnl
define(\`confTO_INITIAL', \`10s')dnl
define(\`confTO_QUEUEWARN', \`1d')dnl
define(\`confLOG_LEVEL', \`14')dnl
dnl # The receivers offer AUTH after STARTTLS and refuse MAIL ... AUTH=.
define(\`confAUTH_OPTIONS', \`A')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`accept_unqualified_senders')dnl
define(\`MTASTS_STS_MAP', \`$map')dnl
include(\`$src/config/sendmail/mtasts-sts.mc')dnl
EOF
	if [ -n "$msock" ]; then
		cat <<EOF
FEATURE(\`promiscuous_relay')dnl
DAEMON_OPTIONS(\`Port=25, Addr=$listen, Name=MTA')dnl
define(\`MTASTS_MILTER_SOCKET', \`$msock')dnl
include(\`$src/config/sendmail/mtasts-milter.mc')dnl
EOF
	fi
	cat <<EOF
MAILER(\`local')dnl
MAILER(\`smtp')dnl
EOF
	} >"$s/sendmail.mc"
	"$(m4_bin)" -D_CF_DIR_="$cf/" "$cf/m4/cf.m4" "$s/sendmail.mc" \
		>"$s/sendmail.cf" 2>"$s/m4.err" || die "m4 failed: $(head -n 3 "$s/m4.err")"
	# promiscuous_relay warns on stderr; cf.m4 reports mistakes as ERROR.
	grep -q 'ERROR' "$s/m4.err" && die "m4: $(grep -m 1 ERROR "$s/m4.err")"
	grep -q '^Ksts socket' "$s/sendmail.cf" || die "no sts map in sendmail.cf"
	return 0
}

run() {
	d=$(cd "$1" && pwd); shift
	exec unshare -m sh -c '
		s=$1 lib=$2 bin=$3; shift 3
		mount --bind "$s/hosts" /etc/hosts || exit 1
		LD_LIBRARY_PATH=$lib exec "$bin" -C "$s/sendmail.cf" "$@"' \
		sh "$d/sendmail" "$LIBPATH" "$BIN" "$@"
}

# mailq - "QUEUEID RECIPIENT REASON" per queued recipient
mailq() {
	run "$1" -bp 2>&1 | awk '
		/^[A-Za-z0-9]+[*]? +[0-9]+ / { id = $1; sub(/[*]$/, "", id); reason = ""; next }
		/^[ \t]+\(/ { reason = $0; sub(/^[ \t]+/, "", reason); next }
		/^[ \t]+[^ \t(]+$/ {
			r = $1; gsub(/[<>]/, "", r)
			if (id != "") print id, r, reason
		}'
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
prepare) sh "$MTA_SH" prepare ;;
conf)	[ $# = 3 ] || [ $# = 5 ] ||
		die "usage: setup.sh conf DIR SRCDIR STSMAP [MILTERSOCKET LISTEN]"
	conf "$@" ;;
run)	[ $# -ge 1 ] || die "usage: setup.sh run DIR [SENDMAIL-ARG...]"
	run "$@" ;;
mailq)	[ $# = 1 ] || die "usage: setup.sh mailq DIR"
	mailq "$1" ;;
*)	echo "usage: setup.sh prepare|conf|run|mailq ..." >&2
	exit 2 ;;
esac
