#!/bin/bash
# mnd's acceptance list (tests/mnd/test-mnd.sh) with the seg6 backend on the MN: kernel SRv6
# lightweight tunnels (encap.red uplink, End.DT6 downlink behind an ipproto 41 rule, the local
# rule moved to priority 1000 and back). The DARs keep running mn-dar with its tun backend.
# Skips (77) when not root or when this kernel cannot do seg6 (mnd --check says why).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
export top_srcdir top_builddir
MND=${MND:-$top_builddir/mnd/mnd}

if [[ $(id -u) != 0 ]]; then
	echo "SKIP: ${0##*/} needs root (network namespaces, radvd, tcpdump)" >&2
	exit 77
fi
[[ -x $MND ]] || { echo "not built: $MND"; exit 1; }
# The probe adds and removes two routes in a scratch table of this namespace.
line=$("$MND" --check | grep -E '^ *backend seg6 ')
if [[ $line != *" available"* ]]; then
	echo "SKIP: ${line# *}" >&2
	exit 77
fi
exec "$here/test-mnd.sh" seg6
