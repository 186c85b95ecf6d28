#!/bin/sh
# Wire-format check with an independent decoder: scapy 2.5.0 dissects every frame mn-wire writes
# and check_scapy.py compares each field with what mn-wire says its encoder put there, recomputes
# the MH checksums (its own sum and scapy's), and verifies CGA Parameters and Signatures with
# python3-cryptography.
# Automake test: exit 0 pass, 1 fail, 77 skip (only when scapy is not installed).
# Env: top_builddir (default: the repository root) locates tests/wire/mn-wire;
#      MN_WIRE overrides the tool's path.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top_builddir=${top_builddir:-$(cd "$here/../.." && pwd)}
mn_wire=${MN_WIRE:-$top_builddir/tests/wire/mn-wire}
python=/usr/bin/python3   # not `python3`: scapy/cryptography live in the system interpreter

if [ ! -x "$python" ] || ! "$python" -c 'import scapy.layers.inet6' >/dev/null 2>&1; then
	echo "SKIP: scapy is not installed for $python"
	exit 77
fi
if ! "$python" -c 'import cryptography.hazmat.primitives.asymmetric.rsa' >/dev/null 2>&1; then
	echo "FAIL: python3-cryptography is missing for $python"
	exit 1
fi
if [ ! -x "$mn_wire" ]; then
	echo "FAIL: $mn_wire not built (make tests/wire/mn-wire)"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mn-wire-scapy.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

"$mn_wire" pcap "$tmp/wire.pcap" "$tmp/expect.jsonl"
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "FAIL: $mn_wire pcap exited with status $rc"
	exit 1
fi
"$python" "$here/check_scapy.py" "$tmp/wire.pcap" "$tmp/expect.jsonl"
rc=$?
[ "$rc" -eq 0 ] || exit 1
exit 0
