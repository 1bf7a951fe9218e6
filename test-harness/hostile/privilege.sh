# privilege.sh - the least-privilege cases of tests/faults.sh (sourced)
# shellcheck shell=sh disable=SC2154
#
# Needs from tests/faults.sh: ok, nok, skip, have_daemon, MTASTSD, WORLD,
# W, dir, SRC, H, PY, inw. privilege-ids and privilege-socket start
# mtastsd with daemon.user nobody and a socket_group, then read
# /proc/PID/status and stat(1) the socket. no-shell-outs and
# limits-named read the sources of src/, tools/ and plugin/.

# Where a program is run on purpose: file, then the call. Nothing may
# run a shell (system, popen); exec only with an argv, listed here.
EXEC_ALLOWED="src/tlsrpt_send.c:execv"
# Comparisons with a bare number that were reviewed: the number is part
# of a format, not a limit (file, then a fixed piece of the line).
LITERALS_REVIEWED="
src/tlsrpt_io.c:strlen(f[0]) != 10
src/http.c:len < 12 || memcmp(s, \"HTTP/1.\", 7)
src/http.c:(len > 12 && s[12] != ' ')
src/dns_answer.c:a->size == 16
src/cache.c:strlen(why) + 32 < whylen
src/tlsrpt_report.c:len < 10 || digits(s, 4, &y)
src/tlsrpt_report.c:if (len > 10) {
src/tlsrpt_report.c:(s[10] != 'T' && s[10] != ' ') || len < 16
src/tlsconn.c:deadline - now > 60000 ? 60000
tools/mtasts/cmd_report.c:strlen(dayarg) != 10
src/maillog_line.c:digits(s, end, 4)) < 1970 || end - s < 11
"

# ---- the daemon as nobody
if [ "$have_daemon" = 0 ]; then
	skip privilege-ids "no $MTASTSD: the daemon is not built"
	skip privilege-socket "no $MTASTSD: the daemon is not built"
else
	pgroup=mail
	getent group $pgroup >/dev/null 2>&1 || pgroup=nogroup
	nuid=$(id -u nobody) ngid=$(id -g nobody)
	priv=$dir/priv
	mkdir -p "$priv"
	chmod 755 "$dir"
	chown nobody "$priv"
	sed -e "s|^\( *path:\).*|\1 \"$priv/cache.lmdb\"|" \
	    -e "s|^\( *json_file:\).*|\1 \"$priv/audit.jsonl\"|" "$W/mtasts.yaml" >"$priv/mtastsd.yaml"
	cat >>"$priv/mtastsd.yaml" <<EOF
daemon:
  user: nobody
  socket_group: $pgroup
  listen: ["unix:$priv/run/mtastsd.sock"]
  pid_file: "$priv/run/mtastsd.pid"
EOF
	# Daemon mode: mtastsd returns once it serves (or has failed).
	out=$(inw "$MTASTSD" -c "$priv/mtastsd.yaml" 2>&1)
	rc=$?
	ppid=$(cat "$priv/run/mtastsd.pid" 2>/dev/null)
	status=
	[ -n "$ppid" ] && status=$(cat "/proc/$ppid/status" 2>/dev/null)
	field() { echo "$status" | sed -n "s/^$1:[[:space:]]*//p" | tr -s ' \t' ' ' | sed 's/ $//'; }
	if [ $rc -ne 0 ] || [ -z "$status" ]; then
		nok privilege-ids "mtastsd as nobody did not start (exit $rc): $out"
		nok privilege-socket "mtastsd as nobody did not start"
	else
		u=$(field Uid) g=$(field Gid) gr=$(field Groups) ce=$(field CapEff) cp=$(field CapPrm)
		if [ "$u" != "$nuid $nuid $nuid $nuid" ] || [ "$g" != "$ngid $ngid $ngid $ngid" ]; then
			nok privilege-ids "Uid '$u' Gid '$g', want nobody ($nuid/$ngid) in all four"
		elif echo " $gr " | grep -q ' 0 '; then
			nok privilege-ids "still in group 0: Groups '$gr'"
		elif [ "$ce" != 0000000000000000 ] || [ "$cp" != 0000000000000000 ]; then
			nok privilege-ids "capabilities left: CapEff $ce CapPrm $cp"
		else
			ok privilege-ids "pid $ppid Uid $u Gid $g Groups '${gr}' CapEff $ce"
		fi
		s=$(stat -c '%a %G' "$priv/run/mtastsd.sock" 2>/dev/null)
		if [ "$s" = "660 $pgroup" ]; then
			ok privilege-socket "$priv/run/mtastsd.sock mode 0660 group $pgroup"
		else
			nok privilege-socket "socket is '$s', want '660 $pgroup'"
		fi
		kill -TERM "$ppid" 2>/dev/null
		i=0
		while kill -0 "$ppid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	fi
fi

# ---- no shell-outs
calls=$(cd "$SRC" && grep -rnE '\b(system|popen|execl|execlp|execle|execv|execvp|execvpe|fexecve|posix_spawnp?)[[:space:]]*\(' \
	src tools plugin --include='*.c' --include='*.h' 2>/dev/null |
	grep -vE '^[^:]*:[0-9]+:[[:space:]]*(\*|/\*|//)')
bad=
for c in $(echo "$calls" | sed -n 's/^\([^:]*\):[0-9]*:.*\b\(system\|popen\|exec[a-z]*\|fexecve\|posix_spawnp\{0,1\}\)[[:space:]]*(.*/\1:\2/p'); do
	case " $EXEC_ALLOWED " in
	*" $c "*) ;;
	*) bad="$bad $c" ;;
	esac
done
if [ -n "$bad" ]; then
	nok no-shell-outs "calls that run programs:$bad"
else
	ok no-shell-outs "no system/popen; exec only in: $EXEC_ALLOWED (argv, no shell)"
fi

# ---- bare numbers compared with sizes, lengths and timeouts
found=$(cd "$SRC" && grep -rnE '([A-Za-z_]*(len|size|max|timeout|count|bytes|secs|seconds|_ms|depth)[A-Za-z_0-9]*(\[[^]]*\])?|\))[[:space:]]*(<|>|<=|>=|==|!=)[[:space:]]*[0-9]{2,}[uUlL]*\b|\b[0-9]{2,}[uUlL]*[[:space:]]*(<|>|<=|>=)[[:space:]]*[A-Za-z_]*(len|size|max|timeout|count)' \
	src tools plugin --include='*.c' 2>/dev/null | grep -vE '^[^:]*:[0-9]+:[[:space:]]*(\*|/\*|//)')
new=
while IFS= read -r line; do
	[ -n "$line" ] || continue
	f=${line%%:*}
	reviewed=0
	while IFS= read -r rv; do
		[ -n "$rv" ] || continue
		[ "${rv%%:*}" = "$f" ] || continue
		case $line in *"${rv#*:}"*) reviewed=1; break ;; esac
	done <<EOF
$LITERALS_REVIEWED
EOF
	[ $reviewed = 1 ] || new="$new
	$line"
done <<EOF
$found
EOF
if [ -n "$new" ]; then
	nok limits-named "compare with a named limit from include/mtasts/limits.h (or add the line to LITERALS_REVIEWED in test-harness/hostile/privilege.sh when the number is part of a format):$new"
else
	ok limits-named "$(echo "$found" | grep -c .) comparison(s) with bare numbers, all reviewed format constants"
fi
