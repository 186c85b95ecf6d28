#!/bin/bash
# Run every libFuzzer target for FUZZ_SECONDS (default 20) seconds on a
# scratch copy of its committed seed corpus. Fails on any finding.
set -uo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
secs=${FUZZ_SECONDS:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rc=0
for t in mh cga_params; do
	bin=$top_builddir/tests/fuzz/fuzz_$t
	[ -x "$bin" ] || { echo "fuzz_$t not built (configure --enable-fuzz)"; exit 1; }
	mkdir -p "$work/$t"
	cp "$top_srcdir/tests/fuzz/corpus/$t/"* "$work/$t/"
	echo "== fuzz_$t for ${secs}s ($(ls "$work/$t" | wc -l) seeds)"
	if ! (cd "$work" && "$bin" -max_total_time="$secs" -max_len=2048 -timeout=10 \
		-rss_limit_mb=1024 -print_final_stats=1 "$work/$t" >"$work/$t.log" 2>&1); then
		echo "fuzz_$t: FINDING"
		tail -n 80 "$work/$t.log"
		ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* 2>/dev/null
		rc=1
	else
		grep -E 'stat::number_of_executed_runs|cov:' "$work/$t.log" | tail -n 2
		echo "fuzz_$t: no finding"
	fi
done
exit $rc
