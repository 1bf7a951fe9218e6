#!/bin/sh
#++
# NAME
#	socketmap-clients.sh - mtastsd against real Postfix and Sendmail
# SYNOPSIS
#	srcdir=DIR builddir=DIR sh tests/socketmap-clients.sh [CASE...]
# DESCRIPTION
#	Starts the test world (test-harness/world.sh) with the scenarios
#	the cases need, runs mtastsd ($MTASTSD_BIN, default
#	$builddir/mtastsd) and the reference, postfix-mta-sts-resolver,
#	inside it, and asks both through real clients from privately
#	unpacked Debian packages (test-harness/mta/):
#
#	  Postfix 3.7  postmap -q KEY socketmap:unix:SOCK:MAP -> mtastsd
#	  Sendmail     sendmail -bt, /map sts KEY (FEATURE(`sts'), TCP)
#	                                                      -> mtastsd
#	  Postfix 3.7  postmap -q KEY socketmap:inet:...:MAP  -> reference
#
#	Each test-harness/socketmap/NAME.case (or the ones named) gives
#	scenario, key, map (default postfix) and the answer mtastsd must
#	give (a shell pattern, e.g. "TEMP *"). Sendmail is asked the cases
#	of map postfix (its map is always "sts") and must give the same
#	answer; it shows no reason for TEMP and PERM, so only the word is
#	compared there. The reference must give mtastsd's answer (the
#	match= list compared as a set: the reference emits a Python set),
#	unless the case lists "reference:" with "rfc:", the RFC 8461
#	section that makes mtastsd's answer right; then the reference
#	must give that answer, so a difference that went away is noticed.
#
#	Prints "PASS clients/NAME" or "FAIL clients/NAME: what differed"
#	per case, then "N passed, N failed"; exits 1 on a failure. Not
#	root, no network namespaces, no world servers, mtastsd not built,
#	or a package that cannot be had: "0 passed, 0 failed, N skipped"
#	with the reason, exit 0.
#
#	SOCKETMAP_VERBOSE=1 shows every answer; SOCKETMAP_KEEP=1 keeps
#	the world's files and the daemons' logs.
# SECURITY
#	Everything runs inside the world's network namespace, on its
#	loopback addresses; every process started is stopped by PID.
#--

set -u
srcdir=${srcdir:-.}
builddir=${builddir:-.}
H=$(cd "$srcdir/test-harness" && pwd) || exit 1
M=$H/mta
CASES=$H/socketmap
MTA_WORLD_SH=$H/world.sh
. "$M/common.sh"

MTASTSD_UNIX=mtastsd.sock
MTASTSD_TCP=127.0.0.1:5461	# Sendmail's FEATURE(`sts') default port
REF_TCP=127.0.0.1:8461		# postfix-mta-sts-resolver's default

if [ $# -gt 0 ]; then
	list=
	for c in "$@"; do
		list="$list $CASES/${c%.case}.case"
	done
else
	list=$(ls "$CASES"/*.case)
fi
n=$(echo $list | wc -w)

skip() {
	echo "socketmap-clients: skipped: $*"
	echo "0 passed, 0 failed, $n skipped"
	exit 0
}

broken() {
	echo "socketmap-clients: $*"
	echo "0 passed, $n failed"
	exit 1
}

# field FILE NAME - the value of the first "NAME:" line
field() {
	sed -n "s/^$2:[ 	]*//p" "$1" | head -n 1 | sed 's/[ 	]*$//'
}

# norm ANSWER - the answer with its match= list sorted
norm() {
	case $1 in
	*" match="*)
		pre=${1%%match=*}
		rest=${1#*match=}
		m=${rest%% *}
		post=${rest#"$m"}
		s=$(printf '%s\n' "$m" | tr ':' '\n' | sort | paste -sd: -)
		printf '%smatch=%s%s\n' "$pre" "$s" "$post" ;;
	*)	printf '%s\n' "$1" ;;
	esac
}

# matches TEXT PATTERN - shell pattern match
matches() {
	# shellcheck disable=SC2254
	case $1 in
	$2)	return 0 ;;
	esac
	return 1
}

[ "$(id -u)" = 0 ] || skip "needs root"
command -v ip >/dev/null 2>&1 || skip "no ip(8)"
probe=mtasts-probe$$
ip netns add $probe 2>/dev/null || skip "ip netns is not available"
ip netns del $probe
why=$("$MTA_WORLD_SH" check 2>&1) || skip "$why"

bin=${MTASTSD_BIN:-$builddir/mtastsd}
[ -x "$bin" ] || skip "mtastsd is not built ($bin)"
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

for c in $list; do
	[ -f "$c" ] || broken "no case file $c"
done

why=$(sh "$M/reference.sh" check 2>&1) || skip "${why#skip: }"
why=$(sh "$M/postfix.sh" prepare 2>&1)
case $? in 0) ;; 77) skip "${why#skip: }" ;; *) broken "postfix.sh: $why" ;; esac
why=$(sh "$M/sendmail.sh" prepare 2>&1)
case $? in 0) ;; 77) skip "${why#skip: }" ;; *) broken "sendmail.sh: $why" ;; esac

dir=$(mktemp -d "${TMPDIR:-/tmp}/mtasts-clients.XXXXXX") ||
	broken "mktemp failed"
st=$dir/clients

cleanup() {
	pid_stop "$st/mtastsd.run"
	sh "$M/reference.sh" stop "$st" ref
	"$MTA_WORLD_SH" stop "$dir"
	if [ "${SOCKETMAP_KEEP:-0}" = 1 ]; then
		echo "socketmap-clients: files kept in $dir"
	else
		rm -rf "$dir"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
mkdir -p "$st" || broken "cannot create $st"

# The scenarios the cases need, each once: socketmap/ first, then the
# harness's own scenarios.
scns=
for c in $list; do
	s=$(field "$c" scenario)
	[ -n "$s" ] || broken "$c: no scenario:"
	if [ -f "$CASES/$s.scn" ]; then
		p=$CASES/$s.scn
	elif [ -f "$H/scenarios/$s.scn" ]; then
		p=$H/scenarios/$s.scn
	else
		broken "$c: no scenario $s"
	fi
	case " $scns " in *" $p "*) ;; *) scns="$scns $p" ;; esac
done

# shellcheck disable=SC2086
"$MTA_WORLD_SH" start "$dir" $scns || broken "the world did not start"

# mtastsd: the world's mtasts config plus its daemon and maps sections.
{
	cat "$dir/mtasts.yaml"
	cat <<EOF
daemon:
  listen:
    - "unix:$st/$MTASTSD_UNIX"
    - "inet:$MTASTSD_TCP"
  pid_file: "$st/mtastsd.pid"
maps:
  strict:
    strict_testing: yes
  defer:
    on_temp_failure: defer
EOF
} >"$st/mtastsd.yaml"
bg_start "$st/mtastsd.run" "$st/mtastsd.log" \
	"$MTA_WORLD_SH" exec "$dir" -- "$bin" -f -c "$st/mtastsd.yaml"
if ! world_wait_listen "$dir" "unix:$st/$MTASTSD_UNIX" 10 ||
   ! world_wait_listen "$dir" "inet:$MTASTSD_TCP" 5; then
	tail -n 5 "$st/mtastsd.log"
	broken "mtastsd does not accept connections"
fi
sh "$M/reference.sh" start "$dir" "$st" ref "inet:$REF_TCP" ||
	broken "the reference did not start"
sh "$M/postfix.sh" conf "$st/postfix" || broken "postfix.sh conf failed"
sh "$M/sendmail.sh" conf "$st/sendmail" "inet:${MTASTSD_TCP##*:}@${MTASTSD_TCP%:*}" ||
	broken "sendmail.sh conf failed"

# postmap_q TABLE KEY - Postfix's answer, from inside the world
postmap_q() {
	"$MTA_WORLD_SH" exec "$dir" -- sh "$M/postfix.sh" query \
		"$st/postfix" "$1" "$2" | cut -f 2-
}

# Postfix, per case, in case order (a daemon's first answer for a
# domain may fetch; later ones come from its cache).
i=0
for c in $list; do
	i=$((i + 1))
	key=$(field "$c" key)
	map=$(field "$c" map)
	map=${map:-postfix}
	postmap_q "socketmap:unix:$st/$MTASTSD_UNIX:$map" "$key" >"$st/pf.$i"
	postmap_q "socketmap:inet:$REF_TCP:$map" "$key" >"$st/ref.$i"
done

# Sendmail, one -bt run for every case of map postfix.
i=0
: >"$st/sm.keys"
for c in $list; do
	i=$((i + 1))
	map=$(field "$c" map)
	case ${map:-postfix} in
	postfix|sts) echo "$i	$(field "$c" key)" >>"$st/sm.keys" ;;
	esac
done
set --
while IFS='	' read -r idx key; do
	set -- "$@" "$key"
done <"$st/sm.keys"
if [ $# -gt 0 ]; then
	"$MTA_WORLD_SH" exec "$dir" -- sh "$M/sendmail.sh" query \
		"$st/sendmail" "$@" | cut -f 2- >"$st/sm.answers"
	paste "$st/sm.keys" "$st/sm.answers" |
	while IFS='	' read -r idx key ans; do
		printf '%s\n' "$ans" >"$st/sm.$idx"
	done
fi

pass=0 fail=0 i=0
for c in $list; do
	i=$((i + 1))
	name=$(basename "$c" .case)
	key=$(field "$c" key)
	want=$(field "$c" expect)
	refwant=$(field "$c" reference)
	rfc=$(field "$c" rfc)
	pf=$(cat "$st/pf.$i")
	ref=$(cat "$st/ref.$i")
	sm=
	[ -f "$st/sm.$i" ] && sm=$(cat "$st/sm.$i")
	if [ "${SOCKETMAP_VERBOSE:-0}" = 1 ]; then
		echo "  $name key=$key"
		echo "    postfix->mtastsd:   $pf"
		[ -f "$st/sm.$i" ] && echo "    sendmail->mtastsd:  $sm"
		echo "    postfix->reference: $ref"
	fi
	err=
	if [ -z "$want" ]; then
		err="no expect: in the case file"
	elif [ -n "$refwant" ] && [ -z "$rfc" ]; then
		err="reference: needs rfc: (the RFC 8461 section)"
	elif ! matches "$pf" "$want"; then
		err="postfix->mtastsd: got '$pf', want '$want'"
	elif [ -f "$st/sm.$i" ]; then
		case $want in
		OK*)	matches "$sm" "$want" ||
			err="sendmail->mtastsd: got '$sm', want '$want'" ;;
		*)	[ "${sm%% *}" = "${want%% *}" ] ||
			err="sendmail->mtastsd: got '$sm', want '${want%% *}'" ;;
		esac
	fi
	if [ -z "$err" ]; then
		if [ -n "$refwant" ]; then
			if ! matches "$(norm "$ref")" "$(norm "$refwant")"; then
				err="reference: got '$ref', the case says '$refwant'"
			elif [ "$(norm "$ref")" = "$(norm "$pf")" ]; then
				err="reference now agrees ('$ref'): drop reference:/rfc:"
			fi
		elif [ "$(norm "$ref")" != "$(norm "$pf")" ]; then
			err="reference differs: '$ref' vs mtastsd '$pf' (not listed)"
		fi
	fi
	if [ -z "$err" ]; then
		echo "PASS clients/$name"
		pass=$((pass + 1))
	else
		echo "FAIL clients/$name: $err"
		fail=$((fail + 1))
	fi
done
if [ $fail -gt 0 ]; then
	echo "socketmap-clients: mtastsd log (last lines):"
	tail -n 10 "$st/mtastsd.log" | sed 's/^/  /'
fi
echo "$pass passed, $fail failed"
[ $fail = 0 ]
