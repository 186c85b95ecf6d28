#!/bin/sh
# Every man page lints clean with mandoc at warning level.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v mandoc >/dev/null || { echo "SKIP: mandoc not installed"; exit 77; }
rc=0
for m in "$top_srcdir"/man/*.[1-8]; do
	if mandoc -Tlint -Wwarning "$m"; then
		echo "ok - $(basename "$m")"
	else
		echo "not ok - $(basename "$m")"
		rc=1
	fi
done
exit $rc
