#!/bin/bash
# RFC 3972 step 8 in mnd: when the CGA formed at a DAR collides with an address already on
# that link (DAD fails), mnd forms it again with collision count + 1 and uses that one.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
. "$top_srcdir/tests/testbed/lib.sh"
. "$here/lib-mnd.sh"
tb_require_root
MND=${MND:-$top_builddir/mnd/mnd}
MN_DAR=${MN_DAR:-$top_builddir/tests/dar/mn-dar}
MN_WIRE=$top_builddir/tests/wire/mn-wire
export TB_WAIT_TIMEOUT=${TB_WAIT_TIMEOUT:-8}
. "$top_srcdir/tests/lib-check.sh"
cleanup() {
	mnd_stop >/dev/null 2>&1
	mnd_stop_dars
	((fail)) && [[ -n ${TB_RUN:-} ]] && tail -n 30 "$TB_RUN/mnd.log"
	tb_down
}
trap cleanup EXIT

tb_up --dars 2 >/dev/null || exit 1
# The testbed turns DAD off on the MN for speed; this test needs it.
tb exec mn sysctl -qw net.ipv6.conf.eth0.accept_dad=1 net.ipv6.conf.eth0.dad_transmits=1 \
	net.ipv6.conf.eth0.optimistic_dad=1
mnd_start_dars tun || exit 1
mnd_start -b tun || exit 1
mnd_wait "$DAR1_ADDR" role current || exit 1

# The address mnd will form at DAR2 (same key store): put it on DAR2's link first.
taken=$("$MN_WIRE" keygen "$TB_RUN/mnd-state" | sed -n 's/^CGA at DAR2 ([^)]*): \([^ ]*\) .*/\1/p')
check "the CGA for DAR2 is known in advance ($taken)" [ -n "$taken" ]
tb exec dar2 ip -6 addr add "$taken/128" dev acc0 nodad
tb move 2
check "DAD failure seen by mnd" tb_wait_log "$TB_RUN/mnd.log" "dad-failed addr=$taken collisions=0"
check "address formed again with collision count 1" \
	tb_wait_log "$TB_RUN/mnd.log" "addr-added addr=.* dar=$DAR2_ADDR .*collisions=1"
new=$(mnd_field "$DAR2_ADDR" addr)
check "the new address ($new) differs and is on eth0" \
	sh -c "[ '$new' != '$taken' ] && ip -n $NS_MN -6 addr show dev eth0 | grep -q '$new/'"
check "the colliding address is not on eth0" \
	sh -c "! ip -n $NS_MN -6 addr show dev eth0 | grep -q '$taken/'"
check_done
