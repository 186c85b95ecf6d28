#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The release tarball is complete and builds: "make distcheck-quick" (make distcheck with
# TESTS=$(distcheck_tests): the unit, man-page, shim and install tests, no namespace tests)
# from the build tree, i.e. the tarball configures in a fresh directory with a read-only
# source tree, builds, passes those tests, installs into and uninstalls from a temporary
# prefix without writing outside it, and cleans up. Then every file git tracks must be in
# the tarball (a file missing from EXTRA_DIST would otherwise only show up in the namespace
# tests, which distcheck does not run).
# Prints "PASS: distcheck (N s)" or "FAIL: distcheck ...".
set -u
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_srcdir=${top_srcdir:-$top_builddir}

# Not inside a distcheck (a plain "make distcheck" runs every test, this one included).
case $top_builddir in
*/_build/sub | */_build/sub/)
	echo "SKIP: already inside a distcheck"
	exit 77
	;;
esac
if [ -n "${MND_IN_DISTCHECK:-}" ]; then
	echo "SKIP: already inside a distcheck"
	exit 77
fi
command -v xz >/dev/null || {
	echo "SKIP: xz not installed (dist-xz)"
	exit 77
}
# Called from "make check": start a clean make with its own jobs and no inherited TESTS=.
unset MAKEFLAGS MFLAGS MAKELEVEL
export MND_IN_DISTCHECK=1
make=${MAKE:-make}

log=$top_builddir/tests/pkg/distcheck.out
mkdir -p "${log%/*}"
start=$(date +%s)
if ! $make -C "$top_builddir" -j"$(nproc)" distcheck-quick >"$log" 2>&1; then
	grep -E '^(FAIL|ERROR|XPASS):|\*\*\*|rror' "$log" | head -n 40
	echo "---- last 60 lines of $log"
	tail -n 60 "$log"
	echo "FAIL: distcheck ($(($(date +%s) - start)) s)"
	exit 1
fi
took=$(($(date +%s) - start))
grep -E '^(PASS|SKIP|FAIL|ERROR|XFAIL|XPASS):' "$log" | sed 's/^/  distcheck: /'
grep -E 'archives ready for distribution|^mnd-.*\.tar' "$log" | head -n 3

# Every tracked file is in the tarball.
tarball=$(ls -t "$top_builddir"/mnd-*.tar.xz 2>/dev/null | head -n 1)
if [ -z "$tarball" ]; then
	echo "FAIL: distcheck left no tarball in $top_builddir"
	exit 1
fi
missing=""
if command -v git >/dev/null && git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1; then
	name=$(basename "$tarball" .tar.xz)
	tar -tJf "$tarball" | sed "s|^$name/||" | sort >"$top_builddir/tests/pkg/dist.list"
	while IFS= read -r f; do
		[ -f "$top_srcdir/$f" ] || continue # deleted in the working tree
		case $f in
		.gitignore | */.gitignore | */.gitkeep) continue ;; # repository only
		esac
		grep -qxF -- "$f" "$top_builddir/tests/pkg/dist.list" || missing="$missing $f"
	done < <(git -C "$top_srcdir" ls-files)
	if [ -n "$missing" ]; then
		echo "tracked but not in $(basename "$tarball") (add them to EXTRA_DIST or a dist_ list):"
		for f in $missing; do echo "  $f"; done
		echo "FAIL: distcheck ($took s): the tarball misses tracked files"
		exit 1
	fi
	echo "every tracked file is in $(basename "$tarball")"
else
	echo "# not a git checkout: the tracked-files comparison is skipped"
fi
echo "PASS: distcheck ($took s)"
exit 0
