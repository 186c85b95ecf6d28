#!/bin/bash
# test-sys-net.sh - the kernel adapters (mnd/sys/knl.c, ndisc.c, sockdiag.c) on the tb
# testbed, driven by tests/sys/sysnet-probe inside the MN's namespace.
#
# Checks: carrier down/up of a move reported within 100 ms, and of quick flaps even when the
# kernel merges them into one message; the RS sent on carrier-up brings
# back DAR 2's RA, parsed with the H flag and the R-flag prefix holding 2001:db8:2::1; an
# address added with lifetimes and flags shows them in 'ip -6 addr', is replaced by a second
# add (preferred 0 -> deprecated), raises address events, and is deleted; on-link prefix
# routes (proto kernel and ra) are deleted, gatewayed or other-table ones kept; default
# routes are deleted except the one kept; a rule and a table route carry protocol 215 and
# flush-own removes exactly mnd's; sysctls read, write and refuse path tricks; sd_dump finds a
# TCP listener, both ends of an established connection and UDP sockets on one address and
# nothing on another; an event-socket overrun is repaired by a resync, which also reports a
# carrier flap whose events were lost.
#
# Exit: 0 all passed, 1 a check failed, 77 not root.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
# a testbed of the caller's shell must not leak in
unset TB_RUN TB_PREFIX TB_NDARS TB_MTU TB_DELAY TB_LOSS TB_BIN
# shellcheck source-path=SCRIPTDIR source=../testbed/lib.sh
. "$top_srcdir/tests/testbed/lib.sh"
tb_require_root

PROBE=${SYSNET_PROBE:-$top_builddir/tests/sys/sysnet-probe}
PY=/usr/bin/python3 # Debian's: the first python3 on PATH may be another build

n_pass=0 n_fail=0 n_test=0
ok() {
	n_test=$((n_test + 1)) n_pass=$((n_pass + 1))
	echo "ok $n_test - $*"
}
not_ok() {
	n_test=$((n_test + 1)) n_fail=$((n_fail + 1))
	echo "not ok $n_test - $*"
}
# check DESCRIPTION CMD...: ok if CMD succeeds
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
bail() {
	echo "Bail out! $*"
	exit 1
}

[[ -x $PROBE ]] || bail "$PROBE not built (make tests/sys/sysnet-probe)"
for t in ip radvd ethtool "$PY"; do
	command -v "$t" >/dev/null || bail "'$t' is not installed (Debian: iproute2 radvd ethtool python3)"
done

scratch=$(mktemp -d /tmp/mnd-sysnet.XXXXXX)
bg_pids=()
cleanup() {
	local rc=$? p
	trap - EXIT
	for p in "${bg_pids[@]}"; do
		kill -CONT "$p" 2>/dev/null
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	tb_down || true
	rm -rf "$scratch"
	echo "$n_pass passed, $n_fail failed"
	((n_fail == 0)) || rc=1
	exit "$rc"
}
trap cleanup EXIT

mnp() { tb exec mn "$PROBE" "$@"; }
mnip() { ip -n "$NS_MN" "$@"; }

# the wall-clock stamp (us) of the first line of FILE matching the extended REGEX
stamp_of() {
	local line
	line=$(grep -m1 -E -- "$2" "$1") || return 1
	line=${line#t=}
	echo "${line%% *}"
}

# an ICMPv6 counter of NODE's namespace from /proc/net/snmp6
snmp6() {
	# shellcheck disable=SC2016 # awk's own $1, $2
	tb exec "$1" awk -v k="$2" '$1 == k { print $2 }' /proc/net/snmp6
}

# the output of CMD... equals WANT (printed on a mismatch)
out_is() {
	local want=$1 got
	shift
	got=$("$@" 2>&1)
	[[ $got == "$want" ]] && return 0
	echo "# '$*' printed '$got', expected '$want'"
	return 1
}

# 'ip -6 -o addr' line of ADDR/PLEN on the MN's eth0
addr_line() {
	mnip -6 -o addr show dev eth0 | grep -F " $1 "
}

# the routes 'ip -6 route show ARGS...' lists on the MN, one per line
routes() {
	mnip -6 route show "$@"
}

tb_up --dars 2 >/dev/null || bail "tb up failed"
LL1=$(tb exec dar1 ip -6 -o addr show dev acc0 scope link | awk '{ sub("/.*", "", $4); print $4 }')
LL2=$(tb exec dar2 ip -6 -o addr show dev acc0 scope link | awk '{ sub("/.*", "", $4); print $4 }')
[[ -n $LL1 && -n $LL2 ]] || bail "no link-local address on the DARs' acc0"

# ---------------------------------------------------------------- carrier, RS, RA
wlog=$scratch/watch.log
# Background processes are started with 'ip netns exec' itself rather than through tb (a
# shell function, which would make $! a subshell): ip execs the program, so $! is its PID.
ip netns exec "$NS_MN" "$PROBE" watch eth0 >"$wlog" 2>&1 &
watch_pid=$!
bg_pids+=("$watch_pid")
tb_wait_log "$wlog" '^t=[0-9]+ ready [0-9]+ carrier=1$' ||
	bail "sysnet-probe watch did not start: $(cat "$wlog")"
ok "watch: rtnl and ndisc up, eth0 carrier known from the cache"

rs_before=$(snmp6 dar2 Icmp6InRouterSolicits)
t0=$(tb_now_us)
tb move 2 2>/dev/null || bail "tb move 2 failed"
t1=$(tb_now_us)
if tb_wait_log "$wlog" ' link [0-9]+ eth0 carrier down$'; then
	t_down=$(stamp_of "$wlog" ' link [0-9]+ eth0 carrier down$')
	d=$(((t_down - t0) / 1000)) dur=$(((t1 - t0) / 1000))
	if ((t_down >= t0 && t_down <= t1 + 100000)); then
		ok "carrier down reported ${d} ms after the move began (tb move took ${dur} ms)"
	else
		not_ok "carrier down reported ${d} ms after the move began (tb move took ${dur} ms)"
	fi
else
	not_ok "carrier down reported"
fi
t_up=""
if tb_wait_log "$wlog" ' link [0-9]+ eth0 carrier up$'; then
	t_up=$(stamp_of "$wlog" ' link [0-9]+ eth0 carrier up$')
	d=$(((t_up - t0) / 1000))
	if ((t_up >= t_down && t_up <= t1 + 100000)); then
		ok "carrier up reported ${d} ms after the move began, within 100 ms of its end"
	else
		not_ok "carrier up reported late or out of order: ${d} ms after the move began"
	fi
else
	not_ok "carrier up reported"
fi
check "RS sent on carrier-up" tb_wait_log "$wlog" ' rs [0-9]+ rc=0$'
ra_re=" ra [0-9]+ src=$LL2 hop=64 flags=0x20 home_agent=1 lifetime=30 prefixes=1"
ra_re+=" prefix=2001:db8:2::/64,LAR,addr=2001:db8:2::1,valid=300,pref=120$"
if tb_wait_log "$wlog" "$ra_re" && [[ -n $t_up ]]; then
	t_ra=$(stamp_of "$wlog" "$ra_re")
	d=$(((t_ra - t_up) / 1000))
	if ((t_ra >= t_up && t_ra - t_up <= 100000)); then
		ok "RA from DAR 2 parsed ${d} ms after carrier-up: H set, R prefix holds 2001:db8:2::1"
	else
		not_ok "RA from DAR 2 came ${d} ms after carrier-up (not the answer to our RS)"
	fi
else
	not_ok "RA from DAR 2 with H and the R prefix 2001:db8:2::1 parsed"
	grep ' ra ' "$wlog" | sed 's/^/# /'
fi
rs_seen() { (($(snmp6 dar2 Icmp6InRouterSolicits) > rs_before)); }
check "DAR 2 received the MN's RS" tb_wait_for rs_seen
check "carrier query from the cache" out_is "carrier 1" mnp carrier eth0

# Quick flaps, down and up from one 'ip -batch' as 'tb move' does: linkwatch may merge the
# two into one RTM_NEWLINK whose carrier is unchanged (seen on a loaded machine), which
# must still be reported as down then up.
from=$(($(wc -l <"$wlog") + 1))
for ((i = 0; i < 5; i++)); do
	printf '%s\n' "link set sw-mn down" "link set sw-mn up" | ip -n "$NS_SW" -batch -
done
flaps() { tail -n +"$from" "$wlog" | awk '$2 == "link" && $4 == "eth0" { printf "%s ", $6 }'; }
five_ups() { [[ $(flaps) =~ (up.*){5} ]]; }
tb_wait_for five_ups 2>/dev/null
check "5 quick flaps reported as 5 x (down, up)" out_is "$(printf 'down up %.0s' 1 2 3 4 5)" flaps
check "a one-shot RS is answered by DAR 2" \
	eval "mnp rs eth0 2000 | grep -E '^t=[0-9]+ ra [0-9]+ src=$LL2 .*home_agent=1 ' >/dev/null"

# ---------------------------------------------------------------- addresses
A1=2001:db8:2::a1
check "addr-add $A1/64 valid 300 preferred 200 nodad noprefixroute" \
	out_is ok mnp addr-add eth0 $A1/64 300 200 nodad noprefixroute
l=$(addr_line $A1/64)
if [[ $l =~ nodad && $l =~ noprefixroute && ! $l =~ deprecated &&
	$l =~ valid_lft\ (300|299)sec\ preferred_lft\ (200|199)sec ]]; then
	ok "ip -6 addr shows the lifetimes and flags"
else
	not_ok "ip -6 addr shows the lifetimes and flags: '$l'"
fi
# 0x202 = IFA_F_NODAD | IFA_F_NOPREFIXROUTE; 0x20 = IFA_F_DEPRECATED
addr_event() { # REGEX-ADDR MASK WANT: an addr event whose flags & MASK == WANT
	local f
	while read -r f; do
		((f & $2)) && (((f & $2) == $3)) && return 0
	done < <(grep -E " addr [0-9]+ $1/64 flags " "$wlog" | awk '{ print $NF }')
	return 1
}
check "address event with nodad|noprefixroute" tb_wait_for addr_event $A1 0x222 0x202
check "addr-add again with valid 100 preferred 0 (replace)" \
	out_is ok mnp addr-add eth0 $A1/64 100 0 nodad noprefixroute
l=$(addr_line $A1/64)
if [[ $l =~ deprecated && $l =~ valid_lft\ (100|99)sec\ preferred_lft\ 0sec ]]; then
	ok "the address was replaced: deprecated, new lifetimes"
else
	not_ok "the address was replaced: deprecated, new lifetimes: '$l'"
fi
check "address change event with deprecated" tb_wait_for addr_event $A1 0x222 0x222
f=$(mnp addr-flags eth0 $A1)
if [[ $f =~ ^flags\ ([0-9]+)$ ]] && (((BASH_REMATCH[1] & 0x222) == 0x222)); then
	ok "rtnl_addr_flags reads the flags from the cache"
else
	not_ok "rtnl_addr_flags reads the flags from the cache: '$f'"
fi
check "addr-del" out_is ok mnp addr-del eth0 $A1/64
check "the address is gone" tb_wait_for eval "! addr_line $A1/64 >/dev/null"
check "address delete event" tb_wait_log "$wlog" " addr-del [0-9]+ $A1/64$"
check "addr-del of a missing address fails" eval "! mnp addr-del eth0 $A1/64 2>/dev/null"

# ---------------------------------------------------------------- prefix and default routes
# the old prefix's on-link route (proto kernel, from SLAAC), a second on-link one (proto ra),
# a gatewayed one and one in another table, which must all but the first two survive
mnip -6 route add 2001:db8:1::/64 dev eth0 proto ra metric 512
mnip -6 route add 2001:db8:1::/64 via fe80::1:2 dev eth0 metric 2000
mnip -6 route add 2001:db8:1::/64 dev eth0 table 100
n_kernel=$(routes exact 2001:db8:1::/64 dev eth0 proto kernel | wc -l)
((n_kernel == 1)) || not_ok "the SLAAC prefix route 2001:db8:1::/64 proto kernel exists"
check "route-del-prefix 2001:db8:1::/64 deletes both on-link routes" \
	out_is "deleted 2" mnp route-del-prefix eth0 2001:db8:1::/64
check "no on-link route for 2001:db8:1::/64 left" \
	out_is "2001:db8:1::/64 via fe80::1:2 metric 2000 pref medium" \
	routes exact 2001:db8:1::/64 dev eth0
check "the other table's prefix route is kept" \
	out_is "2001:db8:1::/64 dev eth0 metric 1024 pref medium" \
	routes exact 2001:db8:1::/64 table 100
check "the current prefix route is kept" \
	eval "routes exact 2001:db8:2::/64 dev eth0 | grep . >/dev/null"
mnip -6 route del 2001:db8:1::/64 dev eth0 table 100

check "default routes via both DARs after the move" \
	eval "routes default via $LL1 | grep . >/dev/null && routes default via $LL2 | grep . >/dev/null"
mnip -6 route add default via fe80::99 dev eth0 metric 2048
check "route-del-defaults keeping DAR 2 deletes two" \
	out_is "deleted 2" mnp route-del-defaults eth0 "$LL2"
if [[ $(routes default) =~ ^default\ via\ $LL2\ dev\ eth0\ proto\ ra\  &&
	$(routes default | wc -l) == 1 ]]; then
	ok "only the default via DAR 2 is left"
else
	not_ok "only the default via DAR 2 is left: $(routes default | tr '\n' ';')"
fi
check "route-del-defaults without keep deletes the last" \
	out_is "deleted 1" mnp route-del-defaults eth0

# ---------------------------------------------------------------- rules, tables, flush
A2=2001:db8:2::a2
check "rule-add from $A2 table 100 prio 1100" out_is ok mnp rule-add $A2 100 1100
check "rule-add again is a no-op" out_is ok mnp rule-add $A2 100 1100
check "rule-add from $A2 table 70000 prio 1101" out_is ok mnp rule-add $A2 70000 1101
check "route-default table 100 dev eth0 mtu 1400" out_is ok mnp route-default 100 eth0 1400
check "route-default table 70000 dev eth0" out_is ok mnp route-default 70000 eth0 0
check "route-default again replaces (mtu 1300)" out_is ok mnp route-default 70000 eth0 1300
check "route-default refuses the main table" eval "! mnp route-default 254 eth0 0 2>/dev/null"
rules=$(mnip -6 rule show)
if [[ $(grep -c "^1100:	from $A2 lookup 100 proto 215 *$" <<<"$rules") == 1 &&
	$(grep -c "^1101:	from $A2 lookup 70000 proto 215 *$" <<<"$rules") == 1 ]]; then
	ok "ip -6 rule: two rules, proto 215, no duplicate"
else
	not_ok "ip -6 rule: two rules, proto 215, no duplicate: $(tr '\n' ';' <<<"$rules")"
fi
check "table 100: default dev eth0 proto 215 mtu 1400" \
	out_is "default dev eth0 proto 215 metric 1024 mtu 1400 pref medium" routes table 100
check "table 70000: default dev eth0 proto 215 mtu 1300" \
	out_is "default dev eth0 proto 215 metric 1024 mtu 1300 pref medium" routes table 70000
# what is not mnd's survives a flush
mnip -6 rule add from 2001:db8:55::1 lookup 100 pref 1200
mnip -6 route add 2001:db8:55::/64 dev eth0 table 100
check "flush-own deletes 2 rules and 2 routes" out_is "deleted 4" mnp flush-own
check "no rule or route with proto 215 left" \
	eval "! mnip -6 rule show | grep 'proto 215' >/dev/null &&
	! routes table all | grep 'proto 215' >/dev/null"
check "foreign rule and route kept" \
	eval "mnip -6 rule show | grep '^1200:' >/dev/null &&
	routes table 100 | grep '^2001:db8:55::/64 ' >/dev/null"
check "route-del-table 100 empties the table" out_is "deleted 1" mnp route-del-table 100
check "table 100 is empty" out_is "" routes table 100
mnip -6 rule del pref 1200
check "rule-del removes one rule" \
	eval "mnp rule-add $A2 100 1100 >/dev/null && out_is ok mnp rule-del $A2 100 1100 &&
	! mnip -6 rule show | grep '^1100:' >/dev/null"
check "rule-del of a missing rule fails" eval "! mnp rule-del $A2 100 1100 2>/dev/null"

# ---------------------------------------------------------------- sysctl
check "sysctl-get eth0 accept_ra" out_is 1 mnp sysctl-get eth0 accept_ra
check "sysctl-set eth0 accept_ra 2" eval "out_is ok mnp sysctl-set eth0 accept_ra 2 &&
	[[ \$(tb exec mn cat /proc/sys/net/ipv6/conf/eth0/accept_ra) == 2 ]] &&
	mnp sysctl-set eth0 accept_ra 1 >/dev/null"
check "sysctl names with '/' or '..' are refused" \
	eval "! mnp sysctl-get .. forwarding 2>/dev/null &&
	! mnp sysctl-get eth0/../all forwarding 2>/dev/null &&
	! mnp sysctl-get eth0 ../all/forwarding 2>/dev/null"

# ---------------------------------------------------------------- sock_diag
A3=2001:db8:2::c3 A4=2001:db8:2::c4
mnp addr-add eth0 $A3/64 forever forever nodad >/dev/null
mnp addr-add eth0 $A4/64 forever forever nodad >/dev/null
plog=$scratch/py.log
# On A3: a listener, a connection to it (both ends are local), a connected and an
# unconnected UDP socket. On A4: a listener and a connected UDP socket. The UDP peer is DAR
# 2, on-link whatever the default routes are.
ip netns exec "$NS_MN" "$PY" -c '
import signal, socket, sys
a3, a4, cn = sys.argv[1:4]
def listener(a, p):
    s = socket.socket(socket.AF_INET6)
    s.bind((a, p)); s.listen(); return s
def udp(a, p, peer=None):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind((a, p))
    if peer: s.connect((peer, 9))
    return s
l3 = listener(a3, 7000)
c3 = socket.create_connection((a3, 7000), source_address=(a3, 0))
s3, _ = l3.accept()
u3, v3 = udp(a3, 7002, cn), udp(a3, 7004)
l4, u4 = listener(a4, 7001), udp(a4, 7003, cn)
print("ready", c3.getsockname()[1], flush=True)
signal.pause()' $A3 $A4 "$DAR2_ADDR" </dev/null >"$plog" 2>&1 &
py_pid=$!
bg_pids+=("$py_pid")
if tb_wait_log "$plog" '^ready [0-9]+$'; then
	cport=$(awk '{ print $2 }' "$plog")
	socks=$(mnp sockets $A3)
	want="tcp LISTEN [$A3]:7000 [::]:0
tcp ESTABLISHED [$A3]:7000 [$A3]:$cport
tcp ESTABLISHED [$A3]:$cport [$A3]:7000
udp CLOSE [$A3]:7004 [::]:0
udp ESTABLISHED [$A3]:7002 [$DAR2_ADDR]:9
end"
	got=$(sed -E 's/ uid=.*//' <<<"$socks" | LC_ALL=C sort)
	if [[ $got == "$(LC_ALL=C sort <<<"$want")" ]]; then
		ok "sd_dump on $A3: listener, both connection ends, connected and unconnected UDP"
	else
		not_ok "sd_dump on $A3"
		diff <(LC_ALL=C sort <<<"$want") <(echo "$got") | sed 's/^/# /'
	fi
	check "sd_dump on $A3 lists nothing of $A4" eval "! grep -F '$A4' <<<\"\$socks\" >/dev/null"
	check "inode and cookie filled" \
		eval "[[ \$(grep -c ' inode=[1-9][0-9]* cookie=[1-9]' <<<\"\$socks\") == 5 ]]"
	socks=$(mnp sockets $A4 2001:db8:2::dead)
	if [[ $(grep -c "^tcp LISTEN \[$A4\]:7001 \|^udp ESTABLISHED \[$A4\]:7003 " <<<"$socks") == 2 &&
		$(wc -l <<<"$socks") == 3 ]]; then
		ok "sd_dump on $A4 and an unused address: $A4's two sockets"
	else
		not_ok "sd_dump on $A4 and an unused address: $socks"
	fi
else
	not_ok "python socket helper started: $(cat "$plog")"
fi
kill "$py_pid" 2>/dev/null
wait "$py_pid" 2>/dev/null

# ---------------------------------------------------------------- event overrun
# A second watcher with a 64 KiB event socket, stopped while 600 addresses come and 599 go:
# the kernel drops most events (ENOBUFS), and the resync must leave the watcher agreeing
# with the kernel: every address it saw appear and that is gone was reported deleted, and
# the survivor, whose own event was dropped, was reported.
olog=$scratch/overrun.log
ip netns exec "$NS_MN" "$PROBE" watch eth0 65536 >"$olog" 2>&1 &
over_pid=$!
bg_pids+=("$over_pid")
if tb_wait_log "$olog" '^t=[0-9]+ ready '; then
	batch=$scratch/batch
	for ((i = 1; i <= 600; i++)); do
		printf 'addr add 2001:db8:99::%x/128 dev eth0 nodad\n' $i
	done >"$batch"
	for ((i = 1; i < 600; i++)); do
		printf 'addr del 2001:db8:99::%x/128 dev eth0\n' $i
	done >>"$batch"
	kill -STOP "$over_pid"
	mnip -batch "$batch"
	# a flap whose two events are lost in the overrun: only IFLA_CARRIER_CHANGES tells
	printf '%s\n' "link set sw-mn down" "link set sw-mn up" | ip -n "$NS_SW" -batch -
	kill -CONT "$over_pid"
	check "overrun detected and resynchronised" tb_wait_log "$olog" 'overrun.*resynchronising'
	resync_flap() {
		sed -n '/resynchronising/,$p' "$olog" |
			awk '$2 == "link" && $4 == "eth0" { printf "%s ", $6 }'
	}
	resync_flap_done() { [[ $(resync_flap) =~ up ]]; }
	tb_wait_for resync_flap_done 2>/dev/null
	check "a flap lost in the overrun is reported after the resync" out_is "down up " resync_flap
	mnip -6 addr add 2001:db8:99::ffff/128 dev eth0 nodad
	if tb_wait_log "$olog" ' addr [0-9]+ 2001:db8:99::ffff/128 '; then
		live=$(awk '$2 == "addr" && $4 ~ /^2001:db8:99::/ { s[$4] = 1 }
			$2 == "addr-del" && $4 ~ /^2001:db8:99::/ { s[$4] = 0 }
			END { for (a in s) if (s[a]) print a }' "$olog" | LC_ALL=C sort | tr '\n' ' ')
		n_del=$(sed -n '/resynchronising/,$p' "$olog" | grep -c ' addr-del [0-9]* 2001:db8:99::')
		echo "# the resync reported $n_del deletions"
		if [[ $live == "2001:db8:99::258/128 2001:db8:99::ffff/128 " ]]; then
			ok "after the resync the watcher agrees with the kernel"
		else
			not_ok "after the resync the watcher agrees with the kernel: it believes in $live"
		fi
	else
		not_ok "events flow after the resync"
	fi
	kill "$over_pid"
	wait "$over_pid" 2>/dev/null
else
	not_ok "second watcher started: $(cat "$olog")"
fi

# ---------------------------------------------------------------- shutdown
kill "$watch_pid"
wait "$watch_pid"
rc=$?
check "watch stops cleanly on SIGTERM" \
	eval "((rc == 0)) && tail -n1 '$wlog' | grep ' bye$' >/dev/null"
# (a sanitizer build of the probe reports into the watchers' logs)
check "no sanitizer report from the watchers" \
	eval "! grep -E 'Sanitizer|runtime error' '$wlog' '$olog' >/dev/null"
