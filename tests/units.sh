#!/bin/sh
#++
# NAME
#	units.sh - the shipped systemd units, sysusers.d and tmpfiles.d files
# SYNOPSIS
#	srcdir=DIR builddir=DIR sh tests/units.sh
# DESCRIPTION
#	Checks config/*.service, *.timer, mtasts.sysusers and mtasts.tmpfiles
#	with systemd's own tools, offline (nothing is installed or started):
#	  verify        systemd-analyze verify --man=no on copies of the
#	                units whose ExecStart programs point at BUILD's; any
#	                warning (a setting it cannot parse) fails
#	  no-chown      no unit that runs as root declares the shared
#	                directories as StateDirectory=/LogsDirectory=
#	                (systemd would chown them to root at every start,
#	                locking the dropped daemon and the MTA out)
#	  layout        systemd-sysusers and systemd-tmpfiles --root=TMP
#	                make user mtasts and /var/lib/mtasts, /var/log/mtasts
#	                owned by it, mode 2770 (setgid: the group shares)
#	  paths         every ExecStart program is one `make install` puts
#	                in bin or sbin, and every unit names a man page we ship
#	  logrotate     config/mtasts.logrotate (its paths moved to TMP, its
#	                su line dropped) rotates an audit log that a writer
#	                holds open with O_APPEND: the writer's next line lands
#	                in the emptied file, the old lines in .1, and
#	                "mtasts stats" counts both
#	Prints "PASS units/CASE" or "FAIL units/CASE: why" and the counts;
#	no systemd tools: the cases needing them are skipped.
#--
set -u
srcdir=${srcdir:-.}
builddir=${builddir:-.}
SRC=$(cd "$srcdir" && pwd) || exit 1
BLD=$(cd "$builddir" && pwd) || exit 1
PART=units
CASES="verify no-chown layout paths logrotate"
. "$SRC/tests/lib.sh"
skip=0
skipped() { echo "SKIP $PART/$1: $2"; skip=$((skip + 1)); }

C=$SRC/config
tmp=$(mktemp -d) || broken "mktemp failed"
trap 'rm -rf "$tmp"' EXIT INT TERM

# ---- verify
if ! command -v systemd-analyze >/dev/null 2>&1; then
	skipped verify "no systemd-analyze (apt-get install systemd)"
else
	mkdir "$tmp/units"
	for f in "$C"/*.service "$C"/*.timer; do
		sed -e "s|/usr/s\\{0,1\\}bin/\\(mtasts[a-z-]*\\)|$BLD/\\1|g" "$f" \
			>"$tmp/units/$(basename "$f")"
	done
	# A setting it cannot parse is only a warning to it: any output fails.
	if (cd "$tmp/units" && systemd-analyze verify --man=no ./*.service ./*.timer) \
	    >"$tmp/verify.out" 2>&1 && [ ! -s "$tmp/verify.out" ]; then
		ok verify
	else
		nok verify "$(head -n 3 "$tmp/verify.out" | tr '\n' '|')"
	fi
fi

# ---- no-chown
bad=
for f in "$C"/*.service; do
	grep -q '^User=' "$f" && continue
	grep -Eq '^(StateDirectory|LogsDirectory|CacheDirectory)=.*mtasts' "$f" &&
		bad="$bad $(basename "$f")"
done
if [ -z "$bad" ]; then ok no-chown; else nok no-chown "root units with StateDirectory=:$bad"; fi

# ---- layout
if ! command -v systemd-sysusers >/dev/null 2>&1 ||
   ! command -v systemd-tmpfiles >/dev/null 2>&1; then
	skipped layout "no systemd-sysusers/systemd-tmpfiles"
else
	r=$tmp/root
	mkdir -p "$r/etc"
	if ! systemd-sysusers --root="$r" "$C/mtasts.sysusers" >"$tmp/sysusers.out" 2>&1; then
		nok layout "systemd-sysusers: $(head -n 2 "$tmp/sysusers.out" | tr '\n' '|')"
	elif ! systemd-tmpfiles --create --root="$r" "$C/mtasts.tmpfiles" >"$tmp/tmpfiles.out" 2>&1; then
		nok layout "systemd-tmpfiles: $(head -n 2 "$tmp/tmpfiles.out" | tr '\n' '|')"
	else
		uid=$(awk -F: '$1 == "mtasts" { print $3 }' "$r/etc/passwd")
		gid=$(awk -F: '$1 == "mtasts" { print $3 }' "$r/etc/group")
		bad=
		for d in var/lib/mtasts var/log/mtasts; do
			got=$(stat -c '%a %u %g' "$r/$d" 2>/dev/null)
			[ "$got" = "2770 $uid $gid" ] || bad="$bad /$d:'$got'"
		done
		if [ -z "$uid" ] || [ -z "$gid" ]; then
			nok layout "no user or group mtasts in $(cat "$r/etc/passwd")"
		elif [ -n "$bad" ]; then
			nok layout "want mode 2770 owner $uid:$gid:$bad"
		else
			ok layout "user mtasts $uid:$gid, both directories 2770"
		fi
	fi
fi

# ---- paths
bad=
for f in "$C"/*.service; do
	for p in $(sed -n 's|^ExecStart=\([^ ]*\).*|\1|p' "$f"); do
		n=$(basename "$p")
		[ -x "$BLD/$n" ] || bad="$bad $(basename "$f"):$n"
	done
	for m in $(sed -n 's/^Documentation=//p' "$f" | tr ' ' '\n' | sed -n 's/^man:\(.*\)(\([0-9]\))$/\1.\2/p'); do
		[ -f "$SRC/man/$m" ] || bad="$bad $(basename "$f"):man/$m"
	done
done
if [ -z "$bad" ]; then ok paths; else nok paths "not built or shipped:$bad"; fi

# ---- logrotate
if ! command -v logrotate >/dev/null 2>&1; then
	skipped logrotate "no logrotate (apt-get install logrotate)"
else
	lr=$tmp/lr
	mkdir -p "$lr"
	sed -e "s|/var/log/mtasts|$lr|" -e '/^[[:space:]]*su /d' "$C/mtasts.logrotate" >"$lr/conf"
	# An audit record as src/audit.c writes it (tests/tlsrpt/day1.jsonl).
	rec() { printf '{"time":"2026-11-29T10:00:0%sZ","unix":179594640%s,"event":"delivery","domain":"rot.test","mx":"mx.rot.test","addr":"192.0.2.1","policy_id":"r1","mode":"enforce","mx_patterns":"mx.rot.test","max_age":86400,"action":"deliver","result_type":null,"reason":"ok"}\n' "$1" "$1"; }
	# A writer like ours: O_APPEND, open across the rotation.
	mkfifo "$lr/go"
	( exec 3>>"$lr/audit.json"; rec 1 >&3; read -r _ <"$lr/go"; rec 2 >&3 ) &
	wpid=$!
	i=0
	while [ ! -s "$lr/audit.json" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	logrotate -s "$lr/state" -f "$lr/conf" >"$lr/out" 2>&1; lrc=$?
	echo go >"$lr/go"
	wait "$wpid"
	n1=$(grep -c . "$lr/audit.json.1" 2>/dev/null)
	n0=$(grep -c . "$lr/audit.json" 2>/dev/null)
	tot=$("$BLD/mtasts" stats --json --log "$lr/audit.json" --since 2026-11-29 --until 2026-11-29 2>&1 |
		sed -n 's/.*"total":{"successful":\([0-9]*\).*/\1/p')
	if [ $lrc -ne 0 ]; then
		nok logrotate "logrotate failed: $(head -n 2 "$lr/out" | tr '\n' '|')"
	elif [ "$n1:$n0" != "1:1" ] || head -c 1 "$lr/audit.json" | grep -q -v '{'; then
		nok logrotate "after rotation .1 has ${n1:-0} lines and the log ${n0:-0} (want 1 and 1, no hole)"
	elif [ "$tot" != 2 ]; then
		nok logrotate "mtasts stats counted '${tot}' sessions over the log and .1, want 2"
	else
		ok logrotate "copytruncate, writer kept appending, stats read both"
	fi
fi

if [ $skip -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ $fail -eq 0 ]
