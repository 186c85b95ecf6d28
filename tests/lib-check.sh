# lib-check.sh - the result lines every test script prints, one per check:
#   ok - DESCRIPTION | not ok - DESCRIPTION | ok - # SKIP DESCRIPTION
# and a closing "N passed, N failed, N skipped". Source it, then:
#   check "what is checked" CMD...      # ok if CMD succeeds
#   ok MSG / notok MSG / skipped MSG    # by hand
#   check_done                          # the closing line; returns 0 when nothing failed
# shellcheck shell=bash

pass=0 fail=0 skip=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
notok() { echo "not ok - $*"; fail=$((fail + 1)); }
skipped() { echo "ok - # SKIP $*"; skip=$((skip + 1)); }
check() { # check DESCRIPTION CMD...
	local d=$1
	shift
	if "$@"; then ok "$d"; else notok "$d"; fi
}
check_done() {
	echo "$pass passed, $fail failed, $skip skipped"
	((fail == 0))
}
