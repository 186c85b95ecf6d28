#!/bin/bash
# Install dependencies, build, and run every test of mnd:
#   1. gcc build with -Werror: unit tests, wire-format checks against tshark
#      and scapy, and (as root) the network-namespace tests; the packaging
#      tests: tests/pkg/test-install.sh (make install DESTDIR=..., bus policy,
#      unit, dispatcher) and tests/pkg/test-distcheck.sh (make distcheck of the
#      release tarball with the tests that need no namespaces), each counted
#      like any other test;
#   2. clang build with ASan+UBSan: the unit tests again, and each libFuzzer
#      target for FUZZ_SECONDS (default 20) seconds.
# Ends with one line "N passed, N failed, N skipped"; exits non-zero on any
# failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

./scripts/install-deps || exit 1

status=0
export FUZZ_SECONDS=${FUZZ_SECONDS:-20}

run_suite() {
	local dir=$1 target=$2
	shift 2
	echo "== build $dir ($*)"
	if ! ./scripts/build.sh "$dir" "$@"; then
		echo "build of $dir failed"
		status=1
		return
	fi
	echo "== test $dir"
	find "$dir" -name '*.trs' -delete
	if ! make -C "$dir" "$target" >"$dir/check.out" 2>&1; then
		status=1
		grep -E '^(FAIL|ERROR|XPASS)' "$dir/check.out" || true
		for l in $(find "$dir" -name '*.log' ! -name 'test-suite.log' ! -name 'config.log'); do
			t=${l%.log}
			if grep -qE '^:test-result: (FAIL|ERROR|XPASS)' "$t.trs" 2>/dev/null; then
				echo "---- $l (last 60 lines)"
				tail -n 60 "$l"
			fi
		done
	fi
	grep -E '^(PASS|SKIP|FAIL|ERROR|XFAIL|XPASS):' "$dir/check.out" || true
}

run_suite build check --enable-werror
run_suite build-san check-san --enable-werror --enable-asan --enable-ubsan --enable-fuzz \
	CC=clang

# Tally every test result of both builds.
pass=0 fail=0 skip=0
while read -r res; do
	case $res in
	PASS | XFAIL) pass=$((pass + 1)) ;;
	SKIP) skip=$((skip + 1)) ;;
	*) fail=$((fail + 1)) ;;
	esac
done < <(find build build-san -name '*.trs' -exec sed -n 's/^:test-result: //p' {} + 2>/dev/null)

if [ "$skip" -gt 0 ]; then
	echo "skipped tests and why:"
	for t in $(grep -l '^:test-result: SKIP' $(find build build-san -name '*.trs')); do
		echo "  ${t%.trs}: $(grep -m1 -iE 'skip' "${t%.trs}.log" || echo 'no reason printed')"
	done
fi
[ "$pass" -eq 0 ] && status=1
[ "$fail" -gt 0 ] && status=1
echo "$pass passed, $fail failed, $skip skipped"
exit $status
