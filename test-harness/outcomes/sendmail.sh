#!/bin/sh
#++
# NAME
#	sendmail.sh - the private Sendmail of tests/outcomes.sh, with a syslog
# SYNOPSIS
#	sendmail.sh run DIR [SENDMAIL-ARG...]
# DESCRIPTION
#	Sendmail logs only through syslog(3), and the test machines have
#	no syslog daemon. This runs the Sendmail that
#	test-harness/sendmail-sts/setup.sh unpacked and configured
#	(DIR/sendmail/sendmail.cf) like "setup.sh run", and in its private
#	mount namespace also puts a fresh /dev in place (a tmpfs with the
#	device nodes a program needs: null, zero, full, random, urandom,
#	tty, bound from the real /dev) in which /dev/log is a link to
#	DIR/syslog.sock, where test-harness/outcomes/syslogd.py listens
#	and writes DIR/maillog as a syslog daemon would.
#	Use it inside the world: world.sh exec DIR -- sendmail.sh run DIR ...
# SECURITY
#	Needs root (unshare -m, mount). The tmpfs and bind mounts exist only
#	in that mount namespace and end with it: the real /dev is never
#	written to.
#--

set -u
ROOT=${MTASTS_MTA_CACHE:-/var/cache/mtasts-test}/sendmail/root
BIN=$ROOT/usr/libexec/sendmail/sendmail
LIBPATH=$ROOT/usr/lib/x86_64-linux-gnu:$ROOT/lib/x86_64-linux-gnu

die() { echo "sendmail.sh: $*" >&2; exit 1; }

run() {
	d=$(cd "$1" && pwd) || die "no $1"; shift
	[ -f "$d/sendmail/sendmail.cf" ] || die "no $d/sendmail/sendmail.cf (setup.sh conf)"
	exec unshare -m sh -c '
		d=$1 lib=$2 bin=$3; shift 3
		mount --bind "$d/sendmail/hosts" /etc/hosts || exit 1
		mkdir -p "$d/olddev" && mount --bind /dev "$d/olddev" &&
		mount -t tmpfs -o mode=0755 mtasts-dev /dev || exit 1
		for n in null zero full random urandom tty; do
			: >"/dev/$n" && mount --bind "$d/olddev/$n" "/dev/$n" || exit 1
		done
		umount "$d/olddev"
		ln -s /proc/self/fd /dev/fd
		ln -s "$d/syslog.sock" /dev/log
		LD_LIBRARY_PATH=$lib exec "$bin" -C "$d/sendmail/sendmail.cf" "$@"' \
		sh "$d" "$LIBPATH" "$BIN" "$@"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
run)	[ $# -ge 1 ] || die "usage: sendmail.sh run DIR [SENDMAIL-ARG...]"
	run "$@" ;;
*)	echo "usage: sendmail.sh run DIR [SENDMAIL-ARG...]" >&2
	exit 2 ;;
esac
