#!/bin/bash
# test-tb.sh - self-test of the network-namespace testbed (tests/testbed/tb).
#
# Checks: 'tb up' gives the MN a 2001:db8:1::/64 address and a default route; the RA carries
# the Home Agent flag and a prefix option with the Router Address flag holding 2001:db8:1::1
# (rdisc6 and the captured RA); the MN reaches the CN; 1600-byte frames pass on the tunnel
# links; captures record packets; 'tb move 2' + an RS give a 2001:db8:2::/64 address; 'tb
# down' leaves no namespace, radvd or capture of the run; '--delay 10' gives an MN<->DAR
# round trip >= 20 ms, or (kernel without sch_netem) fails cleanly with a clear message.
#
# Exit: 0 pass, 1 fail, 77 not root.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
# a testbed of the caller's shell must not leak in
unset TB_RUN TB_PREFIX TB_NDARS TB_MTU TB_DELAY TB_LOSS TB_BIN
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$top_srcdir/tests/testbed/lib.sh"
tb_require_root

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
ok() { echo "ok - $*"; }

for t in ip radvd rdisc6 tcpdump ethtool ping; do
	command -v "$t" >/dev/null || fail "'$t' is not installed (Debian: iproute2 radvd ndisc6 tcpdump ethtool iputils-ping)"
done

scratch=$(mktemp -d /tmp/mnd-tb-test.XXXXXX)
cleanup() {
	local rc=$?
	trap - EXIT
	tb_down || true
	rm -rf "$scratch"
	exit "$rc"
}
trap cleanup EXIT

# the namespaces and radvd of a finished run are gone
check_gone() {
	local prefix=$1 run=$2 f args
	! compgen -G "/run/netns/$prefix*" >/dev/null || fail "namespaces left: $(ip netns list | grep "^$prefix")"
	[[ ! -e $run ]] || fail "TB_RUN $run left behind"
	for f in /proc/[0-9]*; do
		mapfile -d '' -t args 2>/dev/null <"$f/cmdline" || continue
		[[ "${args[*]}" != *"$run"* ]] || fail "process ${f#/proc/} of the run still runs: ${args[*]}"
	done
}

# --- usage errors need no testbed
! "$TB_BIN" move 1 2>/dev/null || fail "'tb move' without TB_RUN succeeded"
! "$TB_BIN" up --dars 0 2>/dev/null || fail "'tb up --dars 0' succeeded"
ok "usage errors are refused"

# --- up
t0=$(tb_now_us)
tb_up
t_up=$(tb_elapsed "$t0")
run=$TB_RUN prefix=$TB_PREFIX
[[ $TB_NDARS == 3 ]] || fail "default is not 3 DARs"
for n in mn sw cn dar1 dar2 dar3; do
	[[ -e /run/netns/$prefix$n ]] || fail "namespace $prefix$n missing"
done
hoa=$(tb_addr mn eth0 2001:db8:1::/64) || fail "MN has no address in 2001:db8:1::/64 after up"
tb_wait_route mn default || fail "MN has no default route after up"
ok "up in $t_up s: MN $hoa, default route"

# --- configuration details the tests rely on
[[ $(tb exec mn sysctl -n net.ipv6.conf.eth0.accept_dad net.ipv6.conf.eth0.router_solicitation_delay \
	net.ipv6.conf.eth0.accept_redirects net.ipv6.conf.eth0.accept_ra net.ipv6.conf.eth0.autoconf |
	tr '\n' ' ') == "0 0 0 1 1 " ]] || fail "MN eth0 sysctls"
[[ $(tb exec dar2 sysctl -n net.ipv6.conf.all.forwarding) == 1 ]] || fail "dar2 does not forward"
[[ $(tb exec sw sysctl -n net.ipv6.conf.br1.disable_ipv6) == 1 ]] || fail "IPv6 is on in the switch"
grep -q 'mtu 1600 ' <(tb exec mn ip link show eth0) || fail "MN eth0 MTU is not 1600"
grep -q 'mtu 1600 ' <(tb exec dar3 ip link show bb0) || fail "dar3 bb0 MTU is not 1600"
grep -q 'mtu 1500 ' <(tb exec cn ip link show bb0) || fail "CN bb0 MTU is not 1500"
for l in "mn eth0" "sw sw-mn" "dar1 acc0" "sw sw-d3b" "cn bb0"; do
	# shellcheck disable=SC2086
	tb exec ${l% *} ethtool -k ${l#* } | grep -q '^tx-checksumming: off' || fail "tx offload on $l"
done
tb exec sw ip -d link show br2 | grep -q 'stp_state 0 .*mcast_snooping 0' || fail "br2 settings"
ok "sysctls, MTUs (1600 tunnel links, CN 1500), tx offload off, bridges"

# --- DAR discovery: H flag, prefix option with R flag holding the DAR address
pcap=$scratch/ra.pcap
tb capture mn-eth0 "$pcap" icmp6
ra=$(tb exec mn rdisc6 -1 eth0) || fail "rdisc6 got no RA"
tb capture-stop "$pcap"
grep -Eq '^Mobile home agent +: +Yes' <<<"$ra" || fail "RA without the H flag: $ra"
grep -Eq '^ Prefix +: 2001:db8:1::1/64$' <<<"$ra" || fail "RA prefix field is not 2001:db8:1::1: $ra"
dump=$(tcpdump -r "$pcap" -n -vv 2>/dev/null)
grep -q 'router advertisement.*' <<<"$dump" || fail "no RA captured on mn-eth0: $dump"
grep -q 'Flags \[home agent' <<<"$dump" || fail "captured RA without H flag: $dump"
grep -Eq 'prefix info option .*: 2001:db8:1::1/64, Flags \[[^]]*router' <<<"$dump" ||
	fail "captured RA without a prefix option with R flag and 2001:db8:1::1: $dump"
ok "RA: H flag; prefix 2001:db8:1::1/64 with R flag (rdisc6 and capture)"

# --- MN -> CN, recorded on dar1's backbone link
pcap=$scratch/bb.pcap
tb capture dar1-bb "$pcap" icmp6
tb exec mn ping -6 -n -q -c 3 -i 0.2 -W 2 "$CN_ADDR" >/dev/null || fail "MN cannot ping the CN"
tb capture-stop "$pcap"
req=$(tcpdump -r "$pcap" -n 'icmp6 and ip6[40] == 128' 2>/dev/null | wc -l)
rep=$(tcpdump -r "$pcap" -n 'icmp6 and ip6[40] == 129' 2>/dev/null | wc -l)
[[ $req == 3 && $rep == 3 ]] || fail "capture on dar1-bb: $req echo requests, $rep replies (want 3, 3)"
ok "MN pings CN; capture on dar1-bb recorded 3 requests and 3 replies"

# --- 1600-byte packets on the tunnel links (1552 + 8 ICMP + 40 IPv6)
tb exec mn ping -6 -n -q -c 1 -W 2 -M "do" -s 1552 "$DAR1_ADDR" >/dev/null ||
	fail "1600-byte packet MN -> DAR1 did not pass"
tb exec dar1 ping -6 -n -q -c 1 -W 2 -M "do" -s 1552 "$DAR3_BB" >/dev/null ||
	fail "1600-byte packet dar1 -> dar3 on the backbone did not pass"
ok "1600-byte packets pass MN<->DAR and DAR<->DAR"

# --- move to DAR 2, RS, CoA
t0=$(tb_now_us)
tb move 2
tb exec mn rdisc6 -1 -q eth0 >/dev/null || fail "no RA after the move"
coa=$(tb_wait_addr mn eth0 2001:db8:2::/64) || fail "no 2001:db8:2::/64 address after move + RS"
t_move=$(tb_elapsed "$t0")
tb exec mn ping -6 -n -q -c 1 -W 2 -I "$coa" "$DAR2_ADDR" >/dev/null || fail "CoA $coa cannot reach dar2"
ok "move 2 + RS + CoA $coa in $t_move s"
tb move 3
tb exec mn rdisc6 -1 -q eth0 >/dev/null || fail "no RA after the move to dar3"
tb_wait_addr mn eth0 "$DAR3_PREFIX" >/dev/null || fail "no address in $DAR3_PREFIX"
ok "move 3: address in $DAR3_PREFIX"

# --- down with a capture still running and a leftover process in the MN
radvd_pids=$(cat "$run"/proc-radvd-dar*)
tb capture sw-mn "$scratch/left.pcap"
"$TB_BIN" exec mn sleep 60 &
in_mn() { [[ /proc/$1/ns/net -ef /run/netns/$NS_MN ]]; }
tb_wait_for in_mn $! || fail "'tb exec mn sleep' did not enter the MN namespace"
t0=$(tb_now_us)
tb down
t_down=$(tb_elapsed "$t0")
check_gone "$prefix" "$run"
while read -r pid start; do
	[[ ! -e /proc/$pid/stat ]] || [[ $(cut -d' ' -f3 "/proc/$pid/stat") == Z ]] ||
		[[ $(cut -d' ' -f22 "/proc/$pid/stat") != "$start" ]] || fail "radvd $pid still runs"
done <<<"$radvd_pids"
wait || true
[[ -s $scratch/left.pcap ]] || fail "the capture stopped by 'down' left no file"
ok "down in $t_down s: no namespace $prefix*, no radvd, no capture, TB_RUN removed"
tb_down # forgets the run's variables

# --- --delay 10: MN<->DAR round trip >= 20 ms, or a clean failure without netem
run=$scratch/delay-run prefix=mt$$d
if out=$(TB_RUN=$run TB_PREFIX=$prefix "$TB_BIN" up --delay 10 2>"$scratch/err"); then
	eval "$out"
	rtt=$(tb exec mn ping -6 -n -c 5 -i 0.2 -W 2 "$DAR1_ADDR" | sed -n 's|^rtt min/avg/max/mdev = \([0-9.]*\)/.*|\1|p')
	[[ -n $rtt ]] || fail "no ping reply with --delay 10"
	((${rtt%.*} >= 20)) || fail "--delay 10: min RTT MN<->DAR1 $rtt ms (want >= 20)"
	tb_down
	check_gone "$prefix" "$run"
	ok "--delay 10: min RTT MN<->DAR1 $rtt ms"
else
	grep -q 'netem' "$scratch/err" || fail "up --delay 10 failed without naming netem: $(cat "$scratch/err")"
	check_gone "$prefix" "$run"
	ok "--delay 10 refused on this kernel, cleanly (no namespace or TB_RUN left): $(grep netem "$scratch/err")"
fi

echo "PASS: timings: up $t_up s, move+RS+CoA $t_move s, down $t_down s"
