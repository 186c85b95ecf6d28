#!/bin/bash
# test-sig-tun.sh - mnd/sys/sig.c and the `tun` data-plane backend against the reference DAR.
#
# On the tb testbed (3 DARs): mn-dar --backend tun runs on DAR1; sigtun-probe (in the MN's
# namespace) plays the mobile node with sig.c and tnl_tun.c, one command at a time over a FIFO.
#   - tnl_select: tun -> tun; auto -> the best this kernel has, saying why; unknown names refused
#   - at DAR1: a CGA HoA on eth0; a TCP connection CN -> HoA opened (64 KiB each way)
#   - move to DAR2: old routes gone, HoA deprecated; first BU (CGA) tunnelled CoA -> DAR1
#     through sig.c; BA tunnelled back, status 0, PHKT decrypts; bind the tun backend:
#     the rule, table and mnt0 (MTU = link - 40, no IPv6 address, accept_ra 0)
#   - CN <-> HoA ping; the pre-move connection carries 1 MB each way; a new one too;
#     PMTU: CN pings of 1450 bytes get a Packet Too Big, 1400 bytes pass; the MN cannot
#     send more than the TUN MTU from the HoA; DAR2's access link carries NH 41 both ways
#     (the BU and BA included)
#   - malformed protocol-41 and MH packets sent at the CoA: each is counted once in sig.c's
#     statistics, a tunnelled MH reaches the callback with its outer addresses, a native one
#     without, data from a foreign outer source is not consumed; the probe lives on
#   - move to DAR3: token BU, rebind to the new CoA, ping and 1 MB each way again
#   - unbind, return home to DAR1: native lifetime-0 BU (sig_send_native), native BA;
#     fini: no rule, route, table or link of ours left in the MN
#
# Output: `ok - ...` / `not ok - ...` lines, then `N passed, N failed`.
# Exit: 0 pass, 1 fail, 77 not root.
# Env: top_srcdir, top_builddir (automake); SIGTUN_PROBE, MN_DAR (binaries);
#      SIGTUN_KEEP=1 keeps the scratch directory; SIGTUN_BULK_MB=N adds an N MB exchange each
#      way through the relay and one natively at home (throughput figures).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
if [[ -z ${top_builddir:-} ]]; then
	top_builddir=$top_srcdir
	[[ -d $top_srcdir/build ]] && top_builddir=$top_srcdir/build
fi
PROBE=${SIGTUN_PROBE:-$top_builddir/tests/sys/sigtun-probe}
MNDAR=${MN_DAR:-$top_builddir/tests/dar/mn-dar}

if [[ $(id -u) != 0 ]]; then
	echo "SKIP: ${0##*/} needs root (network namespaces, TUN, raw sockets, radvd, tcpdump)"
	exit 77
fi

unset TB_RUN TB_PREFIX TB_NDARS TB_MTU TB_DELAY TB_LOSS TB_BIN
# shellcheck source=../testbed/lib.sh
. "$top_srcdir/tests/testbed/lib.sh"

pass=0 fail=0
ok() {
	echo "ok - $*"
	pass=$((pass + 1))
}
notok() {
	echo "not ok - $*"
	fail=$((fail + 1))
}
check() { # check DESCRIPTION CMD...: ok if CMD succeeds
	local what=$1
	shift
	if "$@"; then ok "$what"; else notok "$what"; fi
}
finish() {
	echo "$pass passed, $fail failed"
	((fail == 0)) && exit 0
	exit 1
}

for t in ip radvd rdisc6 tcpdump ethtool ping; do
	command -v "$t" >/dev/null || {
		notok "'$t' is installed (Debian: iproute2 radvd ndisc6 tcpdump ethtool iputils-ping)"
		finish
	}
done
for b in "$PROBE" "$MNDAR"; do
	[[ -x $b ]] || {
		notok "$b is built"
		finish
	}
done

work=$(mktemp -d /tmp/mnd-sigtun.XXXXXX) || exit 1
export TB_RUN=$work/tb
dar_pid="" probe_pid="" ctl="" bg_pids=()

kill_pid() { # SIGTERM, wait up to 3 s, then SIGKILL
	local pid=$1 i
	[[ -n $pid ]] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 300; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		tb_sleep 0.01
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# shellcheck disable=SC2317  # runs from the EXIT trap
cleanup() {
	local rc=$? p
	trap - EXIT
	[[ -z $ctl ]] || exec {ctl}>&-
	for p in "${bg_pids[@]}"; do kill_pid "$p"; done
	kill_pid "$probe_pid"
	kill_pid "$dar_pid"
	if ((fail)) || [[ ${SIGTUN_KEEP:-0} == 1 ]]; then
		for p in "$work"/dar1.log "$work"/probe.out "$work"/probe.err; do
			[[ -s $p ]] || continue
			echo "# --- ${p##*/} (last 25 lines)"
			tail -n 25 "$p" | sed 's/^/#   /'
		done
	fi
	tb_down >/dev/null 2>&1 || true
	if [[ ${SIGTUN_KEEP:-0} == 1 ]]; then
		echo "# scratch directory kept: $work"
	else
		rm -rf "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# --------------------------------------------------------------------------- helpers

mn() { ip netns exec "$NS_MN" "$@"; }

# probe CMD ARGS...: send one command, wait (up to $PROBE_WAIT s) for its "ok/err CMD" line;
# the line goes to $REPLY_LINE; returns 0 for ok
PROBE_WAIT=10
REPLY_LINE=""
probe() {
	local name=$1 n deadline line
	n=$(wc -l <"$work/probe.out")
	echo "$*" >&"$ctl"
	deadline=$((${EPOCHREALTIME/./} + PROBE_WAIT * 1000000))
	while :; do
		line=$(tail -n +"$((n + 1))" "$work/probe.out" | grep -E -m1 "^(ok|err) $name( |$)")
		if [[ -n $line ]]; then
			REPLY_LINE=$line
			[[ $line == ok* ]]
			return
		fi
		if ((${EPOCHREALTIME/./} >= deadline)) || ! kill -0 "$probe_pid" 2>/dev/null; then
			REPLY_LINE="(no answer to '$*' within $PROBE_WAIT s)"
			return 1
		fi
		tb_sleep 0.01
	done
}

# value of key=VALUE in $REPLY_LINE (or in $2)
field() {
	local k=$1 l=${2:-$REPLY_LINE}
	[[ " $l " =~ \ $1=([^ ]*)\  ]] && echo "${BASH_REMATCH[1]}"
}

# stats -> associative array ST
declare -A ST
stats() {
	local kv
	probe stats || return 1
	for kv in $REPLY_LINE; do
		[[ $kv == *=* ]] && ST[${kv%%=*}]=${kv#*=}
	done
	return 0
}

# start a TCP endpoint in the background: tcp NODE ROLE OUTFILE ARGS...
tcp() {
	local node=$1 role=$2 out=$3
	shift 3
	"$TB_BIN" exec "$node" "$PROBE" "$role" "$@" </dev/null >"$out" 2>&1 &
	bg_pids+=($!)
	LAST_PID=$!
}

# wait for a background process (up to $2 s); its status is returned
wait_pid() {
	local pid=$1 i
	for ((i = 0; i < $2 * 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		tb_sleep 0.01
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill_pid "$pid"
		return 124
	fi
	wait "$pid"
}

# CPU time (user + system) of PID in ms
cpu_ms() {
	local s f
	read -r s <"/proc/$1/stat" || return 1
	read -r -a f <<<"${s##*) }"
	echo $(((f[11] + f[12]) * 1000 / $(getconf CLK_TCK)))
}

# fresh_tcp PORT TAG [BYTES]: BYTES (default 1 MB) each way on a new connection CN -> HoA:PORT
fresh_tcp() {
	local port=$1 tag=$2 bytes=${3:-1000000} srv cli rc1 rc2 what
	what="$tag: new TCP connection CN -> HoA, $((bytes / 1000000)) MB each way"
	rm -f "$work/ready-$tag"
	tcp mn tcp-server "$work/srv-$tag.out" --bind "$hoa" --port "$port" --bytes "$bytes" \
		--ready "$work/ready-$tag" --timeout 60
	srv=$LAST_PID
	tb_wait_for -t 5 test -e "$work/ready-$tag" 2>/dev/null
	tcp cn tcp-client "$work/cli-$tag.out" --connect "$hoa" --port "$port" --bytes "$bytes" \
		--timeout 60
	cli=$LAST_PID
	wait_pid "$cli" 70
	rc1=$?
	wait_pid "$srv" 10
	rc2=$?
	if ((rc1 == 0 && rc2 == 0)); then
		ok "$what: $(sed -n 's/^tcp-client: ok //p' "$work/cli-$tag.out")"
	else
		notok "$what (client $rc1: $(tr '\n' ' ' <"$work/cli-$tag.out"); server $rc2: $(tr '\n' ' ' <"$work/srv-$tag.out"))"
	fi
}

# the MN's state of ours: rules at our priorities or to our tables, our routes (the kernel's own
# routes on mnt0 go with the link), the link
mn_leftovers() {
	{
		ip -n "$NS_MN" -6 rule show | grep -E '^11[0-9][0-9]:|lookup 42[0-9][0-9]|proto (0xd7|215)'
		ip -n "$NS_MN" -6 route show table all | grep -E 'table 42[0-9][0-9]|dev mnt|proto (0xd7|215)' |
			grep -v 'proto kernel'
		ip -n "$NS_MN" -o link show | grep -E '^[0-9]+: mnt[0-9]'
	} 2>/dev/null
}

# --------------------------------------------------------------------------- testbed, DAR

if ! tb_up --dars 3 >"$work/tb-up.log" 2>&1; then
	notok "tb up --dars 3: $(tail -n 3 "$work/tb-up.log" | tr '\n' ' ')"
	finish
fi
ok "testbed up (namespaces $TB_PREFIX*, MTU $TB_MTU on the tunnel-carrying links)"

"$TB_BIN" exec dar1 "$MNDAR" --address "$DAR1_ADDR" --prefix "$DAR1_PREFIX" --backend tun \
	--state "$work/dar1.state" --log "$work/dar1.log" </dev/null >"$work/dar1.out" 2>&1 &
dar_pid=$!
if tb_wait_log "$work/dar1.log" 'mn-dar: ready' 2>/dev/null; then
	ok "mn-dar ready on DAR1 (backend tun)"
else
	notok "mn-dar starts on DAR1: $(tail -n 3 "$work/dar1.out" "$work/dar1.log" 2>/dev/null | tr '\n' ' ')"
	finish
fi

mkfifo "$work/ctl"
G_MESSAGES_DEBUG=all "$TB_BIN" exec mn "$PROBE" mn <"$work/ctl" >"$work/probe.out" \
	2>"$work/probe.err" &
probe_pid=$!
exec {ctl}>"$work/ctl"
tb_wait_log "$work/probe.out" '^note ready' >/dev/null 2>&1 || {
	notok "sigtun-probe starts in the MN: $(cat "$work/probe.err")"
	finish
}

# --------------------------------------------------------------------------- tnl_select

probe select tun && [[ $REPLY_LINE == *"-> tun"* ]]
check "tnl_select(tun) -> tun ($REPLY_LINE)" test $? = 0
# auto prefers ip6tnl, then seg6, then tun, and says why it passed the better ones over.
probe select auto && [[ $REPLY_LINE == *"-> ip6tnl"* || $REPLY_LINE == *"ip6tnl:"* ]]
check "tnl_select(auto) -> a backend, saying why the better ones were passed over ($REPLY_LINE)" \
	test $? = 0
# The kernel backends: available, or NULL with the kernel's reason (this CI kernel has seg6
# but no ip6_tunnel).
for b in seg6 ip6tnl; do
	if probe select $b; then
		[[ $REPLY_LINE == *"-> $b"* ]]
	else
		[[ $REPLY_LINE != *"not implemented"* && -n $REPLY_LINE ]]
	fi
	check "tnl_select($b) -> $b, or NULL with the kernel's reason ($REPLY_LINE)" test $? = 0
done
! probe select bogus && [[ $REPLY_LINE == *unknown* ]]
check "tnl_select(bogus) -> NULL ($REPLY_LINE)" test $? = 0

# --------------------------------------------------------------------------- at DAR1

PROBE_WAIT=60
probe key 1024 1
check "RSA-1024 key and Sec-1 CGA modifier ($REPLY_LINE)" test $? = 0
PROBE_WAIT=10
if ! probe hoa "$DAR1_PREFIX" eth0; then
	notok "HoA: $REPLY_LINE"
	finish
fi
hoa=${REPLY_LINE#ok hoa }
ok "HoA $hoa (CGA under $DAR1_PREFIX) on the MN's eth0"

if out=$("$TB_BIN" exec cn ping -6 -n -c 2 -i 0.2 -w 5 "$hoa" 2>&1); then
	ok "at DAR1: CN pings the HoA natively"
else
	notok "at DAR1: CN pings the HoA natively: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
fi

# a connection opened before the move; its bulk data waits for $work/go-pre
rm -f "$work/ready-pre" "$work/p1-srv" "$work/p1-cli" "$work/go-pre"
tcp mn tcp-server "$work/srv-pre.out" --bind "$hoa" --port 7001 --pre 65536 --bytes 1000000 \
	--ready "$work/ready-pre" --phase1 "$work/p1-srv" --go "$work/go-pre" --timeout 60
pre_srv=$LAST_PID
tb_wait_for -t 5 test -e "$work/ready-pre" 2>/dev/null
tcp cn tcp-client "$work/cli-pre.out" --connect "$hoa" --port 7001 --pre 65536 --bytes 1000000 \
	--phase1 "$work/p1-cli" --go "$work/go-pre" --timeout 60
pre_cli=$LAST_PID
if tb_wait_for -t 10 test -e "$work/p1-srv" -a -e "$work/p1-cli" 2>/dev/null; then
	ok "at DAR1: TCP connection CN -> HoA:7001 open, 64 KiB each way"
else
	notok "at DAR1: TCP connection CN -> HoA:7001 open: $(cat "$work/cli-pre.out" "$work/srv-pre.out" | tr '\n' ' ')"
fi

# --------------------------------------------------------------------------- move to DAR2

"$TB_BIN" move 2 2>/dev/null
"$TB_BIN" exec mn rdisc6 -1 -q eth0 >/dev/null 2>&1
if ! coa=$(tb_wait_addr mn eth0 "$DAR2_PREFIX" 2>&1); then
	notok "after the move the MN gets a CoA in $DAR2_PREFIX: $coa"
	finish
fi
ll1=$(ip -n "$NS_DAR1" -6 -o addr show dev acc0 scope link | awk '{print $4}')
probe away eth0 "$DAR1_PREFIX" "${ll1%/*}"
check "moved to DAR2, CoA $coa; old prefix route, old default route and SLAAC address removed ($REPLY_LINE)" test $? = 0
check "HoA deprecated on eth0" grep -q deprecated <<<"$(ip -n "$NS_MN" -6 addr show dev eth0 to "$hoa/128")"
check "no on-link route for $DAR1_PREFIX left" test -z "$(ip -n "$NS_MN" -6 route show "$DAR1_PREFIX")"

"$TB_BIN" capture dar2-acc "$work/dar2.pcap" ip6 2>/dev/null ||
	notok "capture on DAR2's access link starts"

if probe register "$DAR1_ADDR" "$coa" 300 && [[ $(field status) == 0 && -n $(field phkt) ]]; then
	ok "first BU (CGA) tunnelled CoA -> DAR1 via sig_send_tunnelled; BA via the callback: $REPLY_LINE"
else
	notok "first BU (CGA) and its BA: $REPLY_LINE"
	finish
fi
if grep -q "binding hoa=$hoa coa=$coa " "$work/dar1.state"; then
	ok "DAR1's binding cache: $hoa -> $coa"
else
	notok "DAR1's binding cache has $hoa -> $coa: $(cat "$work/dar1.state")"
fi
grep -q "^note mh src=$DAR1_ADDR dst=$hoa tunnelled=1 osrc=$DAR1_ADDR odst=$coa " "$work/probe.out"
check "the BA reached the callback as tunnelled, inner $DAR1_ADDR -> HoA, outer $DAR1_ADDR -> CoA" test $? = 0

if ! probe bind eth0 0; then
	notok "tun backend: init + bind: $REPLY_LINE"
	finish
fi
link_mtu=$(field link_mtu)
tun_mtu=$(field tun_mtu)
ok "tun backend bound: $REPLY_LINE"
check "mnt0 MTU = link MTU - 40 ($tun_mtu = $link_mtu - 40)" test "$tun_mtu" = $((link_mtu - 40))
rule=$(ip -n "$NS_MN" -6 rule show | grep "from $hoa ")
check "rule: $rule" grep -Eq "^1100:.*from $hoa lookup 4200" <<<"$rule"
route=$(ip -n "$NS_MN" -6 route show table 4200)
check "table 4200: $route" grep -Eq "^default dev mnt0 .*mtu $tun_mtu" <<<"$route"
check "mnt0 is up and has no IPv6 address (addrgenmode none: it sends no RS)" \
	test -z "$(ip -n "$NS_MN" -6 addr show dev mnt0)" -a \
	-n "$(ip -n "$NS_MN" link show dev mnt0 up)"
check "accept_ra is 0 on mnt0" test "$(mn cat /proc/sys/net/ipv6/conf/mnt0/accept_ra)" = 0

# --------------------------------------------------------------------------- data through the relay

if out=$("$TB_BIN" exec cn ping -6 -n -c 3 -i 0.2 -w 5 "$hoa" 2>&1); then
	ok "CN pings the HoA through DAR1 and the tunnel ($(grep -o '[0-9]* received' <<<"$out"))"
else
	notok "CN pings the HoA through the tunnel: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
fi
if out=$(mn ping -6 -n -c 3 -i 0.2 -w 5 -I "$hoa" "$CN_ADDR" 2>&1); then
	ok "the MN pings the CN from the HoA (uplink through mnt0)"
else
	notok "the MN pings the CN from the HoA: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
fi

touch "$work/go-pre"
wait_pid "$pre_cli" 60
rc1=$?
wait_pid "$pre_srv" 10
rc2=$?
if ((rc1 == 0 && rc2 == 0)); then
	ok "the connection opened at DAR1 survived the move: 1 MB each way: $(sed -n 's/^tcp-client: ok //p' "$work/cli-pre.out")"
else
	notok "the pre-move connection carries 1 MB each way after the move (client $rc1: $(tr '\n' ' ' <"$work/cli-pre.out"); server $rc2: $(tr '\n' ' ' <"$work/srv-pre.out"))"
fi
fresh_tcp 7002 dar2
# SIGTUN_BULK_MB=N: also measure N MB each way through the relay (and natively at the end)
bulk=$((${SIGTUN_BULK_MB:-0} * 1000000))
if ((bulk)); then
	c0=$(cpu_ms "$probe_pid") d0=$(cpu_ms "$dar_pid")
	fresh_tcp 7102 "dar2 (bulk, relay)" "$bulk"
	echo "# CPU during the bulk exchange: MN relay (sigtun-probe) $(($(cpu_ms "$probe_pid") - c0)) ms, DAR relay (mn-dar) $(($(cpu_ms "$dar_pid") - d0)) ms"
fi

# PMTU: IPv6 routers never fragment; a too-big packet must come back as Packet Too Big (the
# CN forgets what the TCP tests taught it first)
ip -n "$NS_CN" -6 route flush cache >/dev/null 2>&1
out=$("$TB_BIN" exec cn ping -6 -n -M "do" -s 1450 -c 3 -i 0.3 -w 4 "$hoa" 2>&1)
if grep -qi 'packet too big' <<<"$out"; then
	ok "CN ping -s 1450 (DF): Packet Too Big reaches the CN ($(grep -i -m1 'packet too big' <<<"$out"))"
else
	notok "CN ping -s 1450 (DF) gets a Packet Too Big: $(tr '\n' ' ' <<<"$out")"
fi
if out=$("$TB_BIN" exec cn ping -6 -n -M "do" -s 1400 -c 3 -i 0.2 -w 5 "$hoa" 2>&1); then
	ok "CN ping -s 1400 (DF) to the HoA passes"
else
	notok "CN ping -s 1400 (DF) to the HoA passes: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
fi
big=$((tun_mtu - 48 + 1))
out=$(mn ping -6 -n -M "do" -s "$big" -c 1 -w 2 -I "$hoa" "$CN_ADDR" 2>&1)
if grep -Eqi "too long.*$tun_mtu|mtu[=: ]*$tun_mtu" <<<"$out"; then
	ok "the MN cannot send $((big + 48)) bytes from the HoA: local error at mtu $tun_mtu"
else
	notok "the MN's ping -s $big (DF) from the HoA fails locally with mtu $tun_mtu: $(tr '\n' ' ' <<<"$out")"
fi
if out=$(mn ping -6 -n -M "do" -s 1400 -c 2 -i 0.2 -w 4 -I "$hoa" "$CN_ADDR" 2>&1); then
	ok "the MN's ping -s 1400 (DF) from the HoA passes"
else
	notok "the MN's ping -s 1400 (DF) from the HoA passes: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
fi

"$TB_BIN" capture-stop "$work/dar2.pcap" 2>/dev/null
dump=$(tcpdump -n -r "$work/dar2.pcap" 2>/dev/null)
down=$(grep -c "IP6 $DAR1_ADDR > $coa: IP6 " <<<"$dump")
up=$(grep -c "IP6 $coa > $DAR1_ADDR: IP6 " <<<"$dump")
check "DAR2's access link: next header 41 both ways ($down DAR1 -> CoA, $up CoA -> DAR1)" \
	test "$down" -gt 100 -a "$up" -gt 100
check "DAR2's access link: the BU went tunnelled CoA -> DAR1 (inner HoA -> DAR1, MH)" \
	grep -Eq "IP6 $coa > $DAR1_ADDR: IP6 $hoa > $DAR1_ADDR: mobility: BU" <<<"$dump"
check "DAR2's access link: the BA came tunnelled DAR1 -> CoA (inner DAR1 -> HoA, MH)" \
	grep -Eq "IP6 $DAR1_ADDR > $coa: IP6 $DAR1_ADDR > $hoa: mobility: BA" <<<"$dump"
check "nothing from the HoA left the MN unencapsulated" \
	test -z "$(grep -E "^[0-9:.]+ IP6 $hoa > " <<<"$dump")"

# --------------------------------------------------------------------------- bad input

stats
declare -A S0
for k in "${!ST[@]}"; do S0[$k]=${ST[$k]}; done
kinds=(empty short badver badplen jumbo mhshort mhbadcsum mhgood data random:300)
out=$("$TB_BIN" exec dar2 "$PROBE" send41 --from "$DAR2_ADDR" --to "$coa" \
	--inner-src "$DAR1_ADDR" --inner-dst "$hoa" "${kinds[@]}" 2>&1)
nsent=$(sed -n 's/^sent \([0-9]*\) .*/\1/p' <<<"$out")
out135=$("$TB_BIN" exec dar2 "$PROBE" send135 --from "$DAR2_ADDR" --to "$coa" mhbadcsum mhgood 2>&1)
tb_sleep 0.3
if stats; then
	d() { echo $((ST[$1] - S0[$1])); }
	total=$(($(d rx_mh) + $(d rx_data) + $(d drop_short) + $(d drop_checksum) + $(d drop_not_ours)))
	ok "the probe is alive after $nsent bad protocol-41 packets and 2 native MHs"
	# 309 protocol-41 packets + the good native MH (the kernel drops the bad one)
	check "every packet counted exactly once (${nsent:-?} + 1 native = $total: rx_mh +$(d rx_mh), drop_short +$(d drop_short), drop_checksum +$(d drop_checksum), drop_not_ours +$(d drop_not_ours), rx_data +$(d rx_data))" \
		test "$total" = $((${nsent:-0} + 1))
	check "malformed inner packets -> drop_short (+$(d drop_short) >= 6)" test "$(d drop_short)" -ge 6
	check "MH with a bad checksum -> drop_checksum (+$(d drop_checksum) >= 1)" test "$(d drop_checksum)" -ge 1
	check "data from a foreign outer source not consumed -> drop_not_ours (+$(d drop_not_ours) >= 1)" \
		test "$(d drop_not_ours)" -ge 1
else
	notok "the probe answers after the bad packets: $REPLY_LINE ($out $out135)"
fi
grep -q "^note mh src=$DAR1_ADDR dst=$hoa tunnelled=1 osrc=$DAR2_ADDR odst=$coa .* len=8$" "$work/probe.out"
check "a tunnelled MH with a good checksum reaches the callback with its outer addresses" test $? = 0
grep -q "^note mh src=$DAR2_ADDR dst=$coa tunnelled=0 osrc=:: odst=:: ifindex=[1-9][0-9]* len=8$" "$work/probe.out"
check "a native MH reaches the callback (tunnelled=0, ifindex set) and the bad one does not" \
	test "$(grep -c "^note mh src=$DAR2_ADDR dst=$coa tunnelled=0" "$work/probe.out")" = 1
if out=$("$TB_BIN" exec cn ping -6 -n -c 2 -i 0.2 -w 5 "$hoa" 2>&1); then
	ok "the relay still works after the bad input"
else
	notok "the relay still works after the bad input: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
fi
# shellcheck disable=SC2016  # awk's own $1, $2
rs=$(mn awk '$1 == "Icmp6OutRouterSolicits" {print $2}' /proc/net/dev_snmp6/mnt0)
check "mnt0 sent no Router Solicitation (Icmp6OutRouterSolicits $rs)" test "$rs" = 0

# --------------------------------------------------------------------------- move to DAR3: rebind

"$TB_BIN" move 3 2>/dev/null
"$TB_BIN" exec mn rdisc6 -1 -q eth0 >/dev/null 2>&1
if coa3=$(tb_wait_addr mn eth0 "$DAR3_PREFIX" 2>&1); then
	ll2=$(ip -n "$NS_DAR2" -6 -o addr show dev acc0 scope link | awk '{print $4}')
	probe away eth0 "$DAR2_PREFIX" "${ll2%/*}"
	if probe token "$DAR1_ADDR" "$coa3" 300 && [[ $(field status) == 0 ]]; then
		ok "moved to DAR3 (CoA $coa3): token BU, BA's BAD verifies: $REPLY_LINE"
		probe rebind "$coa3"
		check "rebind to $coa3 ($REPLY_LINE)" test $? = 0
		if out=$("$TB_BIN" exec cn ping -6 -n -c 3 -i 0.2 -w 5 "$hoa" 2>&1); then
			ok "after rebind: CN pings the HoA via DAR1 -> CoA $coa3"
		else
			notok "after rebind: CN pings the HoA: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
		fi
		fresh_tcp 7003 dar3
	else
		notok "token BU from DAR3: $REPLY_LINE"
	fi
else
	notok "after the move the MN gets a CoA in $DAR3_PREFIX: $coa3"
fi

# --------------------------------------------------------------------------- unbind, home, fini

probe unbind
check "unbind ($REPLY_LINE)" test $? = 0
left=$(mn_leftovers | grep -Ev '^[0-9]+: mnt0')
check "after unbind: no rule or table route of ours (mnt0 stays until fini)${left:+: $left}" \
	test -z "$left"

"$TB_BIN" move 1 2>/dev/null
"$TB_BIN" exec mn rdisc6 -1 -q eth0 >/dev/null 2>&1
tb_wait_route mn "$DAR1_PREFIX" dev eth0 >/dev/null 2>&1
if probe home-dereg "$DAR1_ADDR" eth0 && [[ $(field status) == 0 ]]; then
	ok "back home: lifetime-0 BU sent natively (sig_send_native), BA received natively: $REPLY_LINE"
else
	notok "back home: native de-registration: $REPLY_LINE"
fi
grep -q "^note mh src=$DAR1_ADDR dst=$hoa tunnelled=0 " "$work/probe.out"
check "the native BA came through the MH socket (tunnelled=0)" test $? = 0
check "DAR1 dropped the binding" test -z "$(grep "^binding hoa=$hoa " "$work/dar1.state")"

((bulk == 0)) || fresh_tcp 7103 "home (bulk, native, for comparison)" "$bulk"
stats && ok "sig.c statistics: ${REPLY_LINE#ok stats }"
probe fini
check "fini ($REPLY_LINE)" test $? = 0
grep -ho 'tun relay: .*' "$work/probe.out" "$work/probe.err" | sed 's/^/# /'
left=$(mn_leftovers)
check "after fini: ip -6 rule, routes and ip link show nothing of ours${left:+: $left}" test -z "$left"
probe quit
exec {ctl}>&-
ctl=""
wait_pid "$probe_pid" 5
check "sigtun-probe exits 0" test $? = 0
probe_pid=""
finish
