#!/bin/sh
# sendmail.sh - a sendmail-compatible stand-in for the TLS reporting tests.
# Called as: sendmail.sh SPOOLDIR [-i] -f FROM -- RCPT. Saves the message
# from standard input as SPOOLDIR/N.eml with the arguments in N.args;
# exits 75 (EX_TEMPFAIL) while SPOOLDIR/fail exists, as a queue that is
# down would.
dir=$1; shift
if [ -e "$dir/fail" ]; then
	echo "sendmail.sh: queue unavailable (test)" >&2
	exit 75
fi
n=$(ls "$dir" | grep -c '\.eml$')
n=$((n + 1))
printf '%s\n' "$@" >"$dir/$n.args"
cat >"$dir/$n.eml"
