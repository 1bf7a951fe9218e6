#!/bin/sh
# cli.sh - the mtasts(1) command-line contract, one case per file.
#
# Each tests/cli/*.t file is a few shell assignments:
#   args='...'        arguments to mtasts ($D = tests/cli, $S = source tree)
#   stdin=FILE        optional, a file in tests/cli fed to stdin
#   setup='...'       optional, shell run before the case (and cleanup= after)
#   exit=N            expected exit status (required)
#   stdout='...'      optional, exact expected stdout (without final newline)
#   stdout_has='...'  optional, substring expected in stdout
#   stderr_has='...'  optional, substring expected in stderr
# Prints PASS/FAIL per case and "N passed, N failed".
set -u
srcdir=${srcdir:-.}
builddir=${builddir:-.}
S=$(cd "$srcdir" && pwd)
D=$S/tests/cli
MTASTS=${MTASTS_BIN:-$(cd "$builddir" && pwd)/mtasts}
export S D
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT INT TERM
pass=0 fail=0
for t in "$D"/*.t; do
	name=$(basename "$t" .t)
	args='' stdin='' exit='' stdout='__unset__' stdout_has='' stderr_has='' setup='' cleanup=''
	. "$t"
	[ -n "$setup" ] && eval "$setup"
	if [ -z "$exit" ]; then
		echo "FAIL cli/$name: no exit= in case file"; fail=$((fail + 1)); continue
	fi
	if [ -n "$stdin" ]; then
		eval "\"\$MTASTS\" $args" <"$D/$stdin" >"$out" 2>"$err"
	else
		eval "\"\$MTASTS\" $args" </dev/null >"$out" 2>"$err"
	fi
	rc=$?
	[ -n "$cleanup" ] && eval "$cleanup"
	why=''
	[ "$rc" -eq "$exit" ] || why="exit $rc, expected $exit"
	if [ -z "$why" ] && [ "$stdout" != '__unset__' ] && [ "$(cat "$out")" != "$stdout" ]; then
		why="stdout '$(head -c 300 "$out")', expected '$stdout'"
	fi
	if [ -z "$why" ] && [ -n "$stdout_has" ] && ! grep -qF -- "$stdout_has" "$out"; then
		why="stdout lacks '$stdout_has'"
	fi
	if [ -z "$why" ] && [ -n "$stderr_has" ] && ! grep -qF -- "$stderr_has" "$err"; then
		why="stderr '$(head -c 300 "$err")' lacks '$stderr_has'"
	fi
	if [ -z "$why" ]; then
		echo "PASS cli/$name"; pass=$((pass + 1))
	else
		echo "FAIL cli/$name: $why"; fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
