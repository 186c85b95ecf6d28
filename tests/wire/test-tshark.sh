#!/bin/sh
# Wire-format check with an independent decoder: tshark dissects every frame mn-wire writes and
# check_tshark.py compares each field with what mn-wire says its encoder put there.
# Automake test: exit 0 pass, 1 fail, 77 skip (only when tshark is not installed).
# Env: top_builddir (default: the repository root) locates tests/wire/mn-wire;
#      MN_WIRE overrides the tool's path.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top_builddir=${top_builddir:-$(cd "$here/../.." && pwd)}
mn_wire=${MN_WIRE:-$top_builddir/tests/wire/mn-wire}
python=/usr/bin/python3   # not `python3`: scapy/cryptography live in the system interpreter

if ! command -v tshark >/dev/null 2>&1; then
	echo "SKIP: tshark is not installed"
	exit 77
fi
if [ ! -x "$python" ]; then
	echo "FAIL: $python not found"
	exit 1
fi
if [ ! -x "$mn_wire" ]; then
	echo "FAIL: $mn_wire not built (make tests/wire/mn-wire)"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mn-wire-tshark.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

"$mn_wire" pcap "$tmp/wire.pcap" "$tmp/expect.jsonl"
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "FAIL: $mn_wire pcap exited with status $rc"
	exit 1
fi
# -x adds each field's raw bytes and offset (used for option offsets)
if ! tshark -n -r "$tmp/wire.pcap" -T json -x >"$tmp/tshark.json" 2>"$tmp/tshark.err"; then
	echo "FAIL: tshark could not read the pcap:"
	grep -v 'Running as user' "$tmp/tshark.err"
	exit 1
fi
"$python" "$here/check_tshark.py" "$tmp/tshark.json" "$tmp/expect.jsonl"
rc=$?
[ "$rc" -eq 0 ] || exit 1
exit 0
