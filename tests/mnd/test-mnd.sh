#!/bin/bash
# mnd end to end on the namespace testbed, against the reference DAR (the acceptance list of
# the mnd core work):
#  1. a TCP connection from the CN to the MN's DAR1 address survives DAR1 -> DAR2 -> DAR3 and
#     moves 1 MB both ways after each move; a UDP flow started on the DAR2 address keeps
#     flowing after DAR2 -> DAR3;
#  2. at DAR3, BUs go to DAR1 and DAR2 within 5 ms of each other; the first BU to each DAR is
#     CGA-signed, later ones token-authenticated;
#  3. connections opened after a move use the current DAR's address (seen at the CN);
#  4. an old address no socket uses gets no BU and disappears;
#  5. back at DAR1 the binding there is de-registered, the address is native again and the
#     TCP flow is still alive;
#  6. after SIGTERM no mnd route, rule, link or address remains;
#  7. forged BAs (wrong sequence, wrong source, bad authenticator) are dropped and logged,
#     mnd keeps running and the real BA is still accepted.
# With DAR_BACKEND ip6tnl also the DAR's side: HoA1's route at DAR1 goes into an ip6tnl link
# whose remote is the CoA and which carries the flow, the move changes that link's remote in
# place, the home de-registration and mn-dar's exit remove the links.
# Usage: test-mnd.sh [BACKEND [DAR_BACKEND]]   (mnd's backend, default tun; mn-dar's, default tun)
# Skips (77), saying why, when this kernel lacks either backend.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
. "$top_srcdir/tests/testbed/lib.sh"
. "$here/lib-mnd.sh"
tb_require_root

BACKEND=${1:-${MND_BACKEND:-tun}}
DAR_BACKEND=${2:-${MND_DAR_BACKEND:-tun}}
MND=${MND:-$top_builddir/mnd/mnd}
MN_DAR=${MN_DAR:-$top_builddir/tests/dar/mn-dar}
PY=/usr/bin/python3
FLOW="$PY $here/flow.py"
export TB_WAIT_TIMEOUT=${TB_WAIT_TIMEOUT:-8}

. "$top_srcdir/tests/lib-check.sh"

cleanup() {
	mnd_teardown
	if ((fail)) && [[ -n ${TB_RUN:-} ]]; then
		echo "---- mnd.log (tail)"
		tail -n 60 "$TB_RUN/mnd.log"
		for f in "$TB_RUN"/dar*.log; do
			echo "---- $f (tail)"
			tail -n 15 "$f"
		done
	fi
	tb_down
}
trap cleanup EXIT

tb_up --dars 3 || exit 1
for f in "$MND" "$MN_DAR"; do [[ -x $f ]] || { echo "not built: $f"; exit 1; }; done

# What the MN has before mnd: compared after SIGTERM (item 6).
snapshot() {
	{
		tb exec mn ip -6 rule show
		tb exec mn ip -6 route show table all proto 215
		tb exec mn ip -o link show | awk '{print $2}' | grep -E '^mnt' || true
	} 2>&1
}
before=$(snapshot)

mnd_start_dars "$DAR_BACKEND"
rc=$?
((rc == 0)) || exit $((rc == 77 ? 77 : 1))
ok "mn-dar runs on every DAR with backend $DAR_BACKEND"
# A backend this kernel lacks is a skip with mnd's reason, not a failure to start.
line=$(tb exec mn "$MND" --check | grep -E "^ *backend $BACKEND ")
if [[ $line != *" available"* ]]; then
	echo "SKIP: mnd ${line# *}" >&2
	exit 77
fi
mnd_start -b "$BACKEND" || { notok "mnd starts"; exit 1; }
ok "mnd starts with backend $BACKEND"

mnd_wait "$DAR1_ADDR" role current || exit 1
HOA1=$(mnd_field "$DAR1_ADDR" addr)
check "mnd formed a CGA at DAR1 ($HOA1)" tb_wait_addr mn eth0 "$HOA1/128"
nglobal=$(tb exec mn ip -6 -o addr show dev eth0 scope global | wc -l)
check "the kernel's SLAAC address is gone: one global address, mnd's ($nglobal)" [ "$nglobal" = 1 ]
check "kernel SLAAC is off on eth0" [ "$(tb exec mn sysctl -n net.ipv6.conf.eth0.autoconf)" = 0 ]

# Long TCP flow CN -> HoA1, driven through a FIFO.
tb exec mn $FLOW tcp-server 5001 &
BG+=($!)
tb exec cn $FLOW udp-echo 5002 &
BG+=($!)
tb exec cn $FLOW tcp-accept-log 5003 "$TB_RUN/accepted.log" &
BG+=($!)
mkfifo "$TB_RUN/tcp.ctl"
tb_wait_for sh -c "tb_out=\$(ip netns exec $NS_MN ss -Hltn 'sport = :5001'); [ -n \"\$tb_out\" ]"
tb exec cn $FLOW tcp-client "$HOA1" 5001 "$TB_RUN/tcp.ctl" "$TB_RUN/tcp.log" &
BG+=($!)
tb_wait_log "$TB_RUN/tcp.log" "^connected" || notok "TCP flow to HoA1 connects"

xfer() { # xfer N: one exchange on the long TCP flow, waits for its result line
	local n before
	before=$(grep -c '' "$TB_RUN/tcp.log")
	echo "xfer $1" >"$TB_RUN/tcp.ctl"
	tb_wait_for -t 20 sh -c "[ \$(grep -c '' '$TB_RUN/tcp.log') -gt $before ]" || return 1
	n=$(tail -n 1 "$TB_RUN/tcp.log")
	echo "   $n"
	[[ $n == ok* ]]
}
check "1 MB both ways at DAR1" xfer 1000000

move() { # move N: the switch moves the MN; mnd must see it itself
	tb move "$1"
}

# DAR I's ip6tnl link carrying HOA (mn-dar's backend ip6tnl): "NAME IFINDEX REMOTE"
dar_tnl() { # dar_tnl I HOA
	local ns=NS_DAR$1 dev
	dev=$(ip -n "${!ns}" -6 route show "$2/128" proto 212 | sed -n 's/.* dev \(mndt[0-9]*\) .*/\1/p')
	[[ -n $dev ]] || return 1
	ip -n "${!ns}" -d -o link show dev "$dev" | awk -v d="$dev" '
		/ ip6tnl ip6ip6 / {for (i = 1; i < NF; i++) if ($i == "remote") print d, $1 + 0, $(i + 1)}'
}
dar_tnl_remote_is() { # dar_tnl_remote_is I HOA REMOTE
	local l
	l=$(dar_tnl "$1" "$2") && [[ ${l##* } == "$3" ]]
}
# the link's RX and TX packet counters are both above zero
dar_tnl_carried() { # dar_tnl_carried I NAME
	local ns=NS_DAR$1
	ip -n "${!ns}" -s -o link show dev "$2" | awk '{
		for (i = 1; i < NF; i++) {
			if ($i == "RX:") rx = $(i + 9)
			if ($i == "TX:") tx = $(i + 9)
		}
		exit !(rx > 0 && tx > 0)}'
}
# no ip6tnl link of mn-dar's (mndt*) in DAR I's namespace
dar_no_tnl() { # dar_no_tnl I
	local ns=NS_DAR$1
	! ip -n "${!ns}" -o link show | grep -q ': mndt[0-9]*[@:]'
}

# ---------------------------------------------------------------- DAR1 -> DAR2
move 2
mnd_wait "$DAR2_ADDR" role current
HOA2=$(mnd_field "$DAR2_ADDR" addr)
check "DAR1 address kept and bound at DAR1 after the move" mnd_wait "$DAR1_ADDR" binding bound
check "DAR1 binding uses the DAR2 address as CoA" \
	[ "$(mnd_field "$DAR1_ADDR" coa)" = "$HOA2" ]
check "DAR1's cache has the binding HoA1 -> CoA2" tb_wait_for sh -c \
	"grep -q '^binding hoa=$HOA1 coa=$HOA2 ' '$TB_RUN/dar1.state'"
if [[ $DAR_BACKEND == ip6tnl ]]; then
	check "DAR1 routes HoA1 into an ip6tnl link with remote CoA2" \
		tb_wait_for dar_tnl_remote_is 1 "$HOA1" "$HOA2"
	tnl1=$(dar_tnl 1 "$HOA1")
	echo "   DAR1 link: $tnl1"
fi
check "HoA1 is deprecated on the MN" tb_wait_for sh -c \
	"ip -n $NS_MN -6 addr show dev eth0 | grep -A0 '$HOA1/' | grep -q deprecated"
check "the old on-link route to DAR1's prefix is gone" \
	sh -c "! ip -n $NS_MN -6 route show $DAR1_PREFIX dev eth0 | grep -q ."
check "TCP flow alive after DAR1 -> DAR2: 1 MB both ways" xfer 1000000
[[ $DAR_BACKEND != ip6tnl ]] ||
	check "DAR1's ip6tnl link carried the flow both ways" dar_tnl_carried 1 "${tnl1%% *}"

# Item 3: a new connection from the MN uses the current address.
conn_src() {
	local before
	before=$(grep -c '' "$TB_RUN/accepted.log" 2>/dev/null || echo 0)
	tb exec mn $FLOW tcp-connect "$CN_ADDR" 5003 >/dev/null || return 1
	tb_wait_for sh -c "[ \$(grep -c '' '$TB_RUN/accepted.log') -gt $before ]" || return 1
	tail -n 1 "$TB_RUN/accepted.log" | sed 's/.*peer=//'
}
src=$(conn_src)
check "a new connection after the move comes from the DAR2 address ($src)" [ "$src" = "$HOA2" ]

# UDP flow from the DAR2 address (connected socket on the MN).
tb exec mn $FLOW udp-client "$HOA2" "$CN_ADDR" 5002 "$TB_RUN/udp.log" &
BG+=($!)
tb_wait_log "$TB_RUN/udp.log" "udp sent=[0-9]+ recv=[1-9]" || notok "UDP flow on HoA2 runs"

# ---------------------------------------------------------------- DAR2 -> DAR3
tb capture mn-eth0 "$TB_RUN/move3.pcap" ip6 proto 41 >/dev/null
# Item 7: DAR1 is held (SIGSTOP) so that its BU stays outstanding while forged BAs arrive.
pkill -STOP -f "mn-dar --address $DAR1_ADDR "
move 3
mnd_wait "$DAR3_ADDR" role current
HOA3=$(mnd_field "$DAR3_ADDR" addr)
check "DAR1 binding moved to CoA3" mnd_wait "$DAR1_ADDR" coa "$HOA3"
mnd_wait "$DAR1_ADDR" binding registering
seq1=$(mnd_field "$DAR1_ADDR" seq)
$PY "$here/forge_ba.py" --ns-mn "$NS_MN" --dar "$DAR1_ADDR" --hoa "$HOA1" --coa "$HOA3" \
	--cn "$CN_ADDR" --seq "$seq1" --status "$MND_RUN/status" --out "$TB_RUN/forged.log" >"$TB_RUN/forge.out" 2>&1 ||
	cat "$TB_RUN/forge.out"
seq1=$(sed -n 's/^seq //p' "$TB_RUN/forged.log")
check "forged BA with a wrong sequence number ignored" tb_wait_log "$TB_RUN/mnd.log" \
	"ba-received dar=$DAR1_ADDR hoa=$HOA1 seq=$(((seq1 + 100) % 65536)) .*result=ignored"
check "forged BA from a wrong outer source dropped" tb_wait_log "$TB_RUN/mnd.log" \
	"ba-dropped reason=framing .*outer=$CN_ADDR"
check "forged BA with a bad authenticator dropped" tb_wait_log "$TB_RUN/mnd.log" \
	"ba-received dar=$DAR1_ADDR hoa=$HOA1 seq=[0-9]+ .*result=dropped"
check "mnd still running after forged BAs" kill -0 "$MND_PID"
pkill -CONT -f "mn-dar --address $DAR1_ADDR "
check "DAR1 binding bound (real BA accepted after the forged ones)" \
	mnd_wait "$DAR1_ADDR" binding bound
check "DAR2 address kept and bound at DAR2" mnd_wait "$DAR2_ADDR" binding bound
if [[ $DAR_BACKEND == ip6tnl ]]; then
	check "DAR1's link for HoA1 moved in place: ${tnl1% *} now has remote CoA3" \
		tb_wait_for dar_tnl_remote_is 1 "$HOA1" "$HOA3"
	l=$(dar_tnl 1 "$HOA1")
	check "DAR1's link kept its name and ifindex (${l% *})" [ "${l% *}" = "${tnl1% *}" ]
fi
tb capture-stop "$TB_RUN/move3.pcap"
# Item 2: both BUs of the move within 5 ms, DAR2's first one CGA-signed, DAR1's a token BU.
bus=$(tshark -r "$TB_RUN/move3.pcap" -Y 'mip6.mhtype == 5' -T fields -E separator='|' \
	-e frame.time_epoch -e ipv6.dst -e mip6.cgar.cga_par -e mip6.ni.hni 2>/dev/null)
echo "$bus" | sed 's/^/   BU /' | cut -c1-100
first_bu() { echo "$bus" | awk -F'|' -v d="$1" 'index($2, d) {print; exit}'; }
first1=$(first_bu "$DAR1_ADDR")
first2=$(first_bu "$DAR2_ADDR")
t1=${first1%%|*}
t2=${first2%%|*}
if [[ -n $t1 && -n $t2 ]]; then
	gap=$(awk -v a="$t1" -v b="$t2" 'BEGIN {d = a - b; if (d < 0) d = -d; printf "%.3f", d * 1000}')
	# MND_BU_GAP_MS: the bound, 5 ms unless a slow guest kernel (tests/kernel/) needs more
	check "BUs to DAR1 and DAR2 sent ${gap} ms apart (< ${MND_BU_GAP_MS:-5} ms)" \
		awk -v g="$gap" -v m="${MND_BU_GAP_MS:-5}" 'BEGIN {exit !(g < m)}'
else
	notok "BUs to both DARs captured (DAR1: ${t1:-none}, DAR2: ${t2:-none})"
fi
IFS='|' read -r _ _ cga2 _ <<<"$first2"
IFS='|' read -r _ _ cga1 hni1 <<<"$first1"
check "first BU to DAR2 is CGA-signed (CGA Parameters present)" [ -n "$cga2" ]
check "BU to DAR1 at DAR3 is token-authenticated (home nonce index 0, no CGA Parameters)" \
	[ -z "$cga1" -a "$hni1" = 0 ]
grep -E "bu-sent dar=$DAR1_ADDR .*auth=cga" "$TB_RUN/mnd.log" | head -n 1 | grep -q . &&
	ok "first BU to DAR1 was CGA-signed" || notok "first BU to DAR1 was CGA-signed"
check "TCP flow alive after DAR2 -> DAR3: 1 MB both ways" xfer 1000000
u0=$(tail -n 1 "$TB_RUN/udp.log" | sed 's/.*recv=//')
tb_wait_for sh -c "[ \$(tail -n 1 '$TB_RUN/udp.log' | sed 's/.*recv=//') -gt $((u0 + 20)) ]" &&
	ok "UDP flow on the DAR2 address keeps flowing after DAR2 -> DAR3" ||
	notok "UDP flow on the DAR2 address keeps flowing after DAR2 -> DAR3"
src=$(conn_src)
check "a new connection at DAR3 comes from the DAR3 address ($src)" [ "$src" = "$HOA3" ]

# ---------------------------------------------------------------- DAR3 -> DAR1 (home)
tb capture mn-eth0 "$TB_RUN/home.pcap" >/dev/null
move 1
check "back at DAR1: role current" mnd_wait "$DAR1_ADDR" role current
check "back at DAR1: binding at DAR1 de-registered (mnd)" mnd_wait "$DAR1_ADDR" binding none
check "back at DAR1: DAR1's cache has no binding for HoA1" tb_wait_for sh -c \
	"! grep -q '^binding hoa=$HOA1 ' '$TB_RUN/dar1.state'"
[[ $DAR_BACKEND != ip6tnl ]] ||
	check "back at DAR1: DAR1's ip6tnl link for HoA1 removed" tb_wait_for dar_no_tnl 1
check "HoA1 preferred again (not deprecated)" tb_wait_for sh -c \
	"ip -n $NS_MN -6 addr show dev eth0 | grep '$HOA1/' | grep -qv deprecated"
check "DAR2 address still kept (UDP), now bound with CoA HoA1" mnd_wait "$DAR2_ADDR" coa "$HOA1"
# Item 4: the DAR3 address had no flow: no BU to DAR3, address gone.
check "unused DAR3 address released" mnd_wait "$DAR3_ADDR" role released
check "DAR3 address removed from the MN" tb_wait_for sh -c \
	"! ip -n $NS_MN -6 addr show dev eth0 | grep -q '$HOA3/'"
tb capture-stop "$TB_RUN/home.pcap"
n3=$(tshark -r "$TB_RUN/home.pcap" -Y "mip6.mhtype == 5 && ipv6.dst == $DAR3_ADDR" 2>/dev/null | wc -l)
check "no BU went to DAR3 ($n3)" [ "$n3" = 0 ]
check "TCP flow alive back at DAR1: 1 MB both ways" xfer 1000000

# ---------------------------------------------------------------- SIGHUP, SIGUSR1, --check
sed -i 's/^binding_lifetime=.*/binding_lifetime=900/' "$TB_RUN/mnd.conf"
kill -HUP "$MND_PID"
check "SIGHUP reloads the configuration" tb_wait_log "$TB_RUN/mnd.log" "reloaded binding_lifetime=900"
kill -USR1 "$MND_PID"
check "SIGUSR1 dumps every anchor to the log" tb_wait_log "$TB_RUN/mnd.log" \
	"dump anchor dar=$DAR2_ADDR .*role=previous-kept binding=bound"
chk=$(tb exec mn "$MND" --check)
echo "$chk" | sed 's/^/   /'
check "mnd --check reports the tun backend available" grep -q "backend tun *available" <<<"$chk"
check "mnd --check reports sock_diag destroy events" grep -q "sock_diag destroy events yes" <<<"$chk"

# ---------------------------------------------------------------- SIGTERM (item 6)
echo close >"$TB_RUN/tcp.ctl"
mnd_stop
rc=$?
check "mnd exits 0 on SIGTERM" [ "$rc" = 0 ]
after=$(snapshot)
if [[ $before == "$after" ]]; then
	ok "no mnd rule, route (proto 215) or mnt link left"
else
	notok "no mnd rule, route or link left"
	diff <(echo "$before") <(echo "$after")
fi
left=$(tb exec mn ip -6 addr show dev eth0 | grep -cE "$HOA1/|$HOA2/|$HOA3/")
check "no mnd address left on eth0 ($left)" [ "$left" = 0 ]
check "autoconf restored" [ "$(tb exec mn sysctl -n net.ipv6.conf.eth0.autoconf)" = 1 ]
if [[ $DAR_BACKEND == ip6tnl ]]; then
	# DAR2 still had the binding of HoA2 (CoA HoA1), so its link goes with mn-dar's exit.
	mnd_stop_dars
	check "after mn-dar's exit no ip6tnl link (mndt*) is left on any DAR" \
		eval 'dar_no_tnl 1 && dar_no_tnl 2 && dar_no_tnl 3'
fi

check_done
