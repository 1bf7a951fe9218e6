#!/bin/sh
#++
# NAME
#	install.sh - make install, the pkg-config data, a program built on it
# SYNOPSIS
#	srcdir=DIR builddir=DIR sh tests/install.sh
# DESCRIPTION
#	Runs "make install DESTDIR=TMP" in BUILD and checks what a packager
#	and a developer rely on:
#	  files       the library, the public headers (mxstate.h too), the
#	              tools, the Exim module, man pages, mtasts.pc
#	  pkg-config  pkg-config finds mtasts and names the installed
#	              include and library directories and -lmtasts
#	  consumer    a C program using only <mtasts/policy.h> and the
#	              pkg-config flags compiles, links and parses a policy
#	              with the installed library
#	  uninstall   "make uninstall" leaves no file behind
#	  dist-lists  every fuzz target and test script is named in
#	              Makefile.am (they are listed one by one, so a new one
#	              would otherwise be left out of the tarball)
#	Prints "PASS install/CASE" or "FAIL install/CASE: why" and the counts.
#--
set -u
srcdir=${srcdir:-.}
builddir=${builddir:-.}
SRC=$(cd "$srcdir" && pwd) || exit 1
BLD=$(cd "$builddir" && pwd) || exit 1
PART=install
CASES="files pkg-config consumer uninstall dist-lists"
. "$SRC/tests/lib.sh"

tmp=$(mktemp -d) || broken "mktemp failed"
trap 'rm -rf "$tmp"' EXIT INT TERM
D=$tmp/dest
mkvar() { sed -n "s/^$1 = //p" "$BLD/Makefile" | head -n 1; }
prefix=$(mkvar prefix)
san=$(mkvar SAN_CFLAGS)
[ -n "$prefix" ] || broken "no prefix in $BLD/Makefile"
command -v pkg-config >/dev/null 2>&1 || broken "no pkg-config (apt-get install pkg-config)"

if ! make -C "$BLD" -s install DESTDIR="$D" >"$tmp/install.log" 2>&1; then
	broken "make install failed: $(tail -n 3 "$tmp/install.log" | tr '\n' '|')"
fi
P=$D$prefix

# ---- files
missing=
for f in lib/libmtasts.so lib/pkgconfig/mtasts.pc include/mtasts/policy.h \
    include/mtasts/decision.h include/mtasts/mxstate.h bin/mtasts sbin/mtastsd \
    sbin/mtasts-milter lib/mtasts/mtasts_exim.so share/man/man8/mtasts-milter.8 \
    share/man/man1/mtasts.1 share/man/man5/mtasts.yaml.5 share/man/man8/mtastsd.8; do
	[ -e "$P/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then
	ok files
else
	nok files "not installed under $prefix:$missing ($(cd "$P" && find . -type f | head -n 20 | tr '\n' ' '))"
fi

# ---- pkg-config (the sysroot prefixes the installed paths with DESTDIR)
export PKG_CONFIG_PATH="$P/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$D"
cflags=$(pkg-config --cflags mtasts 2>"$tmp/pc.err")
libs=$(pkg-config --libs mtasts 2>>"$tmp/pc.err")
case " $cflags $libs " in
*" -I$P/include "*" -L$P/lib "*"-lmtasts "*) ok pkg-config "$cflags $libs" ;;
*)	nok pkg-config "cflags '$cflags' libs '$libs' $(cat "$tmp/pc.err")" ;;
esac

# ---- consumer
cat >"$tmp/consumer.c" <<'EOC'
#include <stdio.h>
#include <string.h>

#include <mtasts/policy.h>

int
main(void)
{
	static const char body[] = "version: STSv1\nmode: enforce\n"
	    "mx: mx.example.com\nmax_age: 86400\n";
	struct mtasts_policy *pol;
	char	why[256];

	if (mtasts_policy_parse(body, strlen(body), &pol, why, sizeof(why))
	    != MTASTS_OK) {
		printf("error: %s\n", why);
		return (1);
	}
	printf("%s\n", mtasts_mode_str(pol->mode));
	mtasts_policy_free(pol);
	return (0);
}
EOC
# shellcheck disable=SC2086 # flag lists
if ! ${CC:-cc} $san $cflags -o "$tmp/consumer" "$tmp/consumer.c" $libs >"$tmp/cc.log" 2>&1; then
	nok consumer "does not build: $(head -n 3 "$tmp/cc.log" | tr '\n' '|')"
else
	out=$(LD_LIBRARY_PATH="$P/lib" "$tmp/consumer" 2>&1)
	if [ "$out" = enforce ]; then
		ok consumer "parsed a policy with the installed library"
	else
		nok consumer "printed '$out', want enforce"
	fi
fi

# ---- uninstall
make -C "$BLD" -s uninstall DESTDIR="$D" >"$tmp/uninstall.log" 2>&1
left=$(cd "$D" && find . -type f | head -n 10 | tr '\n' ' ')
if [ -z "$left" ]; then ok uninstall; else nok uninstall "left behind: $left"; fi

# ---- dist-lists
missing=
for f in "$SRC"/fuzz/fuzz_*.c "$SRC"/tests/*.sh "$SRC"/tests/*.py; do
	[ -f "$f" ] || continue
	r=${f#"$SRC"/}
	grep -q -F "$r" "$SRC/Makefile.am" || missing="$missing $r"
done
if [ -z "$missing" ]; then ok dist-lists; else nok dist-lists "not in Makefile.am:$missing"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
