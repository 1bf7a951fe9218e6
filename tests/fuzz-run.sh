#!/bin/sh
# NAME
#	fuzz-run.sh - build and run every libFuzzer target for a bounded time
# SYNOPSIS
#	srcdir=SRC builddir=BUILD [FUZZ_SECONDS=5] sh tests/fuzz-run.sh
# DESCRIPTION
#	Every fuzz/fuzz_*.c is a target. The core sources (src/*.c) and
#	tests/mutate_config.c are compiled once, with coverage and
#	ASan/UBSan, into a static archive; each target links against it, so
#	it pulls in only what it uses (fuzz_config needs mut_config and
#	config*.c, fuzz_http needs http.c) and no list of sources has to be
#	kept here. A source that does not compile on its own is left out of
#	the archive; a target that needs it then fails to link and says so.
#	libyaml is linked for all.
#
#	Seeds come from tests/vectors: raw blocks ("key<<TAG") and the
#	input/record/pattern/host/response values (escapes decoded), plus
#	"pattern LF host" per match vector. A target fuzz_X reads
#	tests/vectors/X (fuzz_txt also select); with no such directory,
#	all vectors.
#
#	Each target runs FUZZ_SECONDS (default 5) seconds and prints
#	"PASS fuzz/X (N execs)" or "FAIL fuzz/X: ..."; the script ends with
#	"N passed, N failed" and exits 1 on failure. Without clang it
#	prints "0 passed, 0 failed, N skipped" and exits 0: the in-suite
#	mutation run (tests/mutate-run) covers the same parsers then.
# ENVIRONMENT
#	srcdir, builddir (config.h lives there), FUZZ_SECONDS, CLANG,
#	FUZZ_KEEP (keep the work directory and print its path).
set -u
srcdir=${srcdir:-.}
builddir=${builddir:-.}
secs=${FUZZ_SECONDS:-5}
case $secs in ''|*[!0-9]*) echo "FAIL fuzz: FUZZ_SECONDS must be a number"; echo "0 passed, 1 failed"; exit 1 ;; esac

targets=
for f in "$srcdir"/fuzz/fuzz_*.c; do
	[ -f "$f" ] && targets="$targets $(basename "$f" .c | sed 's/^fuzz_//')"
done
# shellcheck disable=SC2086
ntargets=$(echo $targets | wc -w)

cc=${CLANG:-}
if [ -z "$cc" ]; then
	for c in clang clang-14; do
		command -v "$c" >/dev/null 2>&1 && { cc=$c; break; }
	done
fi
if [ -z "$cc" ] || ! command -v "$cc" >/dev/null 2>&1; then
	for t in $targets; do echo "SKIP fuzz/$t (no clang)"; done
	echo "0 passed, 0 failed, $ntargets skipped"
	exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mtasts-fuzz.XXXXXX") || exit 1
if [ -n "${FUZZ_KEEP:-}" ]; then
	echo "fuzz work directory: $work"
else
	trap 'rm -rf "$work"' EXIT INT TERM
fi

yaml=$(pkg-config --cflags --libs yaml-0.1 2>/dev/null || echo -lyaml)
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
# shellcheck disable=SC2086
cflags="-g -O1 $san -I$builddir -I$srcdir/include -I$srcdir/tests $(pkg-config --cflags yaml-0.1 2>/dev/null)"

# --- the archive: compile sources two at a time (two cores on CI)
mkdir -p "$work/obj"
# shellcheck disable=SC2016
for f in "$srcdir"/src/*.c "$srcdir"/tests/mutate_config.c; do
	[ -f "$f" ] && echo "$f"
done | xargs -P 2 -I{} sh -c '
	# basename: a relative srcdir ("..") would make hidden files the
	# archive glob below cannot see.
	o="$1/obj/$(basename "$2" .c).o"
	# shellcheck disable=SC2086
	$3 $4 -fsanitize=fuzzer-no-link -c "$2" -o "$o" 2>"$o.err" || rm -f "$o"
' sh "$work" {} "$cc" "$cflags"
ar rcs "$work/libcore.a" "$work"/obj/*.o 2>/dev/null

# --- seeds: one corpus directory per target
seeds() {	# seeds DIR VECDIR...
	out=$1; shift
	mkdir -p "$out"
	for d in "$@"; do
		for v in "$d"/*.vec; do
			[ -f "$v" ] || continue
			# Blocks go to files directly; values come out as
			# "escaped-text" lines, \xHH turned into \0ooo for printf %b.
			awk -v out="$out" -v base="$(basename "$d")_$(basename "$v" .vec)" '
			function hv(c) { return index("0123456789abcdef", tolower(c)) - 1 }
			function conv(s,   r, i, c, n) {
				r = ""; n = length(s)
				for (i = 1; i <= n; i++) {
					c = substr(s, i, 1)
					if (c == "\\" && i < n) {
						c = substr(s, i + 1, 1)
						if (c == "x" && i + 3 <= n) {
							r = r sprintf("\\0%03o", hv(substr(s, i + 2, 1)) * 16 + hv(substr(s, i + 3, 1)))
							i += 3
						} else if (c == "0") {
							r = r "\\0000"; i++
						} else {
							r = r "\\" c; i++
						}
					} else
						r = r c
				}
				return r
			}
			inb && $0 == tag { inb = 0; close(bf); next }
			inb { print > bf; next }
			/^#/ { next }
			{
				c = index($0, ":"); h = index($0, "<<")
				if (h > 0 && (c == 0 || h < c)) {
					tag = substr($0, h + 2); nb++
					bf = out "/" base "_b" nb; inb = 1; printf "" > bf; next
				}
				if (c == 0) next
				k = substr($0, 1, c - 1); val = substr($0, c + 1); sub(/^[ \t]+/, "", val)
				if (k == "input" || k == "record" || k == "pattern" || k == "host" || k == "response")
					print conv(val)
				if (k == "pattern" && pat == "") pat = conv(val)
				if (k == "host" && pat != "") print pat "\\n" conv(val)
			}' "$v" | {
				i=0
				while IFS= read -r line; do
					i=$((i + 1))
					printf '%b' "$line" >"$out/$(basename "$d")_$(basename "$v" .vec)_v$i"
				done
			}
		done
	done
}

# run_one T - fuzz one built target; writes its PASS/FAIL text to result_T
run_one() {
	t=$1
	# Size limits sit at 4 KiB (TXT) and 64 KiB (policy): let inputs reach them.
	case $t in
	policy) maxlen=66000 ;;
	txt|config|http) maxlen=16384 ;;
	dns_answer) maxlen=4096 ;;	# a reply as big as an EDNS buffer
	*) maxlen=1024 ;;
	esac
	mkdir -p "$work/art_$t"
	(cd "$work" && "$work/fuzz_$t" -max_total_time="$secs" -max_len=$maxlen -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/art_$t/" \
		"$work/corpus_$t" >"$work/run_$t.log" 2>&1)
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$work/run_$t.log" | tail -n 1)
	if [ "$rc" -eq 0 ] && [ -n "$execs" ]; then
		echo "PASS fuzz/$t ($execs execs)" >"$work/result_$t"
		return
	fi
	# shellcheck disable=SC2012
	art=$(ls "$work/art_$t" 2>/dev/null | head -n 1)
	{
		echo "FAIL fuzz/$t (exit $rc${art:+, artifact $art}):"
		grep -E 'ERROR|SUMMARY|runtime error|deadly signal' "$work/run_$t.log" | head -n 3 | sed 's/^/	/'
		if [ -n "$art" ] && mkdir -p "$builddir/fuzz-artifacts" &&
		    cp "$work/art_$t/$art" "$builddir/fuzz-artifacts/$t-$art"; then
			echo "	input kept in $builddir/fuzz-artifacts/$t-$art"
		fi
	} >"$work/result_$t"
}

# --- build every target and its corpus, then fuzz two at a time
built=
for t in $targets; do
	case $t in
	txt) kinds="txt select" ;;
	*) kinds=$t ;;
	esac
	dirs=
	for k in $kinds; do
		[ -d "$srcdir/tests/vectors/$k" ] && dirs="$dirs $srcdir/tests/vectors/$k"
	done
	[ -n "$dirs" ] || dirs=$(ls -d "$srcdir"/tests/vectors/*/ 2>/dev/null)
	# shellcheck disable=SC2086
	seeds "$work/corpus_$t" $dirs
	# shellcheck disable=SC2086
	if $cc $cflags -fsanitize=fuzzer -o "$work/fuzz_$t" "$srcdir/fuzz/fuzz_$t.c" \
	    "$work/libcore.a" $yaml >"$work/build_$t.log" 2>&1; then
		built="$built $t"
		continue
	fi
	{
		echo "FAIL fuzz/$t: does not build:"
		grep -E 'error|undefined' "$work/build_$t.log" | head -n 5 | sed 's/^/	/'
		for e in "$work"/obj/*.err; do
			[ -s "$e" ] && echo "	(not in the archive: $(basename "$e" .o.err))"
		done
	} >"$work/result_$t"
done
# shellcheck disable=SC2086
set -- $built
while [ $# -gt 0 ]; do
	run_one "$1" &
	if [ $# -gt 1 ]; then
		run_one "$2" &
		shift
	fi
	shift
	wait
done

pass=0 fail=0
for t in $targets; do
	cat "$work/result_$t"
	if grep -q '^PASS' "$work/result_$t"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
