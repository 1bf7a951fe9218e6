#!/bin/sh
# bench/lookup.sh - `mtasts lookup` from a warm cache, as a whole process.
#
# Usage: bench/lookup.sh [BUILDDIR]   (default: build)
# Fills a cache with one policy through bench/decision's format (via the
# CLI's own lookup would need the network), then times N runs of
# `mtasts lookup --cache-only` with hyperfine when it is installed, else
# with a plain loop. A benchmark, not a test.
set -eu
b=$(cd "${1:-build}" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM
cat >"$dir/mtasts.yaml" <<EOT
cache:
  path: $dir/cache.lmdb
EOT
"$b/bench/fill-cache" "$dir/cache.lmdb" warm.bench.test >/dev/null
bin="$b/mtasts"
[ -x "$b/.libs/mtasts" ] && bin="$b/.libs/mtasts" && export LD_LIBRARY_PATH="$b/.libs"
"$bin" -c "$dir/mtasts.yaml" lookup warm.bench.test
if command -v hyperfine >/dev/null 2>&1; then
	hyperfine -N --warmup 20 --runs 500 "$bin -c $dir/mtasts.yaml lookup warm.bench.test"
else
	n=500
	start=$(date +%s%N)
	i=0
	while [ $i -lt $n ]; do
		"$bin" -c "$dir/mtasts.yaml" lookup warm.bench.test >/dev/null
		i=$((i + 1))
	done
	end=$(date +%s%N)
	echo "mtasts lookup (warm cache, whole process): $(( (end - start) / n / 1000 )) us per run over $n runs"
fi
