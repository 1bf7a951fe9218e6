#!/bin/sh
#++
# NAME
#	setup.sh - a private Exim 4.96 for the test world
# SYNOPSIS
#	setup.sh fetch EXIMROOT
#	setup.sh conf DIR EXIMROOT MODULE SRCDIR
#	setup.sh run DIR EXIMROOT [EXIM-ARG...]
# DESCRIPTION
#	fetch	unpacks Debian's exim4-base, exim4-config and
#		exim4-daemon-heavy (and exim4-dev, for local_scan.h) into
#		EXIMROOT with apt-get download and dpkg -x, unless
#		EXIMROOT/usr/sbin/exim4 is there already. Nothing is
#		installed. Exits 1 when the packages cannot be had.
#	conf	writes DIR/exim/: exim.conf (from exim.conf.in, which
#		includes config/exim/*.conf unchanged), passwd and group
#		with the Debian-exim user Exim is built for, spool/, log/,
#		lib/ (cache and audit log, owned by Debian-exim, group-
#		writable and setgid as doc/exim.md asks of /var/lib/mtasts)
#		and mtasts.yaml for the world's resolver and CA.
#	run	runs EXIMROOT's exim with -C DIR/exim/exim.conf and the
#		arguments, in a private mount namespace where the unpacked
#		usr/sbin is /usr/sbin (Exim re-executes its built-in path)
#		and DIR/exim/passwd, group are /etc/passwd, /etc/group.
#		Use it inside the world: world.sh exec DIR -- setup.sh run ...
# SECURITY
#	Needs root (mounts, Exim's setuid). Writes only below DIR and
#	EXIMROOT; the system's passwd and /usr/sbin are never changed.
#--

set -u
EXIM_UID=990	# the private Debian-exim; nothing else of ours uses it
PKGS="exim4-base exim4-config exim4-daemon-heavy exim4-dev"
HERE=$(cd "$(dirname "$0")" && pwd)

die() { echo "setup.sh: $*" >&2; exit 1; }

fetch() {
	root=$1
	[ -x "$root/usr/sbin/exim4" ] && return 0
	command -v apt-get >/dev/null 2>&1 || die "no apt-get"
	mkdir -p "$root/debs" || die "cannot create $root"
	(cd "$root/debs" && apt-get download $PKGS) >"$root/debs/log" 2>&1 ||
		die "apt-get download failed (see $root/debs/log)"
	for f in "$root"/debs/*.deb; do
		dpkg -x "$f" "$root" || die "dpkg -x $f failed"
	done
	[ -x "$root/usr/sbin/exim4" ] || die "no usr/sbin/exim4 in the packages"
}

conf() {
	d=$1 root=$2 module=$3 src=$4
	e=$d/exim
	mkdir -p "$e/spool" "$e/log" "$e/lib" || die "cannot create $e"
	# Exim's transports run as Debian-exim and read DIR/ca.pem; a
	# mktemp directory is 0700.
	chmod 0711 "$d"
	grep -v '^Debian-exim:' /etc/passwd >"$e/passwd"
	echo "Debian-exim:x:$EXIM_UID:$EXIM_UID::/nonexistent:/usr/sbin/nologin" >>"$e/passwd"
	grep -v '^Debian-exim:' /etc/group >"$e/group"
	echo "Debian-exim:x:$EXIM_UID:" >>"$e/group"
	chown -R $EXIM_UID:$EXIM_UID "$e/spool" "$e/log" "$e/lib"
	chmod 2770 "$e/lib"
	: >"$e/lib/audit.jsonl"
	chown $EXIM_UID:$EXIM_UID "$e/lib/audit.jsonl"
	chmod 0660 "$e/lib/audit.jsonl"
	cat >"$e/mtasts.yaml" <<EOC
# written by test-harness/exim/setup.sh
resolver:
  servers: ["127.0.0.53"]
tls:
  ca_file: "$d/ca.pem"
cache:
  path: "$e/lib/cache.lmdb"
  refresh_interval: 3600
fetch:
  timeout: 2
log:
  json_file: "$e/lib/audit.jsonl"
EOC
	sed -e "s|@DIR@|$d|g" -e "s|@MODULE@|$module|g" -e "s|@SRCDIR@|$src|g" \
		"$HERE/exim.conf.in" >"$e/exim.conf" || die "cannot write exim.conf"
}

run() {
	d=$1 root=$2; shift 2
	exec unshare -m sh -c '
		d=$1 root=$2; shift 2
		mount --bind "$d/exim/passwd" /etc/passwd &&
		mount --bind "$d/exim/group" /etc/group &&
		mount --bind "$root/usr/sbin" /usr/sbin &&
		if [ -n "${EXIM_PRELOAD:-}" ]; then
			LD_PRELOAD=$EXIM_PRELOAD
			ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0
			export LD_PRELOAD ASAN_OPTIONS
		fi
		exec /usr/sbin/exim4 -C "$d/exim/exim.conf" "$@"' sh "$d" "$root" "$@"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
fetch)	[ $# -eq 1 ] || die "usage: setup.sh fetch EXIMROOT"; fetch "$1" ;;
conf)	[ $# -eq 4 ] || die "usage: setup.sh conf DIR EXIMROOT MODULE SRCDIR"
	conf "$@" ;;
run)	[ $# -ge 2 ] || die "usage: setup.sh run DIR EXIMROOT ARG..."; run "$@" ;;
*)	echo "usage: setup.sh fetch|conf|run ..." >&2; exit 2 ;;
esac
