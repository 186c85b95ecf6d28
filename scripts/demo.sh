#!/bin/bash
# The main job, shown end to end. Until the daemon lands this shows what
# the protocol core does: a node key and its CGA modifier are created,
# CGAs are formed for three DAR prefixes, and a CGA-signed Binding Update
# plus the Binding Acknowledgement carrying the encrypted token are
# written to a capture and decoded by tshark, which no one here wrote.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

./scripts/install-deps
echo "== building"
./scripts/build.sh build --enable-werror

work=$(mktemp -d /tmp/mnd-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 700 "$work"

echo
echo "== node key and CGA modifier (created once, cached in the key store)"
./build/tests/wire/mn-wire keygen "$work/state"
ls -l "$work/state"

echo
echo "== signalling written to a capture, decoded by tshark"
./build/tests/wire/mn-wire pcap "$work/mh.pcap" "$work/expect.jsonl" --keydir "$work/state"
tshark -r "$work/mh.pcap" -o 'gui.column.format:"No.","%m","Source","%s","Destination","%d","Info","%i"' \
	2>/dev/null | head -n 20
echo
echo "-- the first (CGA-signed) Binding Update, as tshark decodes it:"
tshark -r "$work/mh.pcap" -Y 'frame.number == 2' -V 2>/dev/null |
	sed -n '/^ *Mobile IPv6$/,$p' | grep -v '^ *\[' | cut -c1-110
echo
echo "-- the same capture checked by scapy, with the CGA and the signature verified"
echo "   by python3-cryptography (no code shared with mnd):"
/usr/bin/python3 tests/wire/check_scapy.py "$work/mh.pcap" "$work/expect.jsonl" | tail -n 4
