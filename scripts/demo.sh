#!/bin/bash
# The main job, end to end, in network namespaces: three DARs (radvd + the reference DAR),
# a correspondent node, and mnd on the mobile node. A long TCP flow from the CN reaches the
# MN's DAR1 address; at DAR2 the MN starts a UDP stream from its DAR2 address; the MN moves
# DAR1 -> DAR2 -> DAR3 -> DAR1, and after each move a table shows where it is, its addresses
# and which are tunnelled to which DAR, which flows are alive and how long the handover took.
# Needs root (namespaces). Everything is torn down at the end.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if [ "$(id -u)" -ne 0 ]; then
	echo "demo.sh: run as root (it builds network namespaces)" >&2
	exit 1
fi
./scripts/install-deps || exit 1
echo "== building"
./scripts/build.sh "${MND_BUILD:-build}" --enable-werror || exit 1

export top_srcdir=$top top_builddir=$top/${MND_BUILD:-build}
. tests/testbed/lib.sh
. tests/mnd/lib-mnd.sh
MND=$top_builddir/mnd/mnd
MN_DAR=$top_builddir/tests/dar/mn-dar
FLOW="/usr/bin/python3 $top/tests/mnd/flow.py"
export TB_WAIT_TIMEOUT=10
BG=()
t_start=$(date +%s.%N)

cleanup() {
	local p
	mnd_stop >/dev/null 2>&1
	for p in "${BG[@]}"; do kill "$p" 2>/dev/null; done
	mnd_stop_dars
	tb_down >/dev/null 2>&1
}
trap cleanup EXIT

echo "== testbed: MN, 3 DARs (radvd + mn-dar), CN"
tb_up --dars 3 >/dev/null || exit 1
mnd_start_dars tun || exit 1
mnd_start -b tun || { tail "$TB_RUN/mnd.log"; exit 1; }
mnd_wait "$DAR1_ADDR" role current || exit 1
HOA1=$(mnd_field "$DAR1_ADDR" addr)

tb exec mn $FLOW tcp-server 5001 &
BG+=($!)
tb exec cn $FLOW udp-echo 5002 &
BG+=($!)
tb_wait_for sh -c "ss -N $NS_MN -Hltn 'sport = :5001' | grep -q ."
mkfifo "$TB_RUN/tcp.ctl"
tb exec cn $FLOW tcp-client "$HOA1" 5001 "$TB_RUN/tcp.ctl" "$TB_RUN/tcp.log" &
BG+=($!)
tb_wait_log "$TB_RUN/tcp.log" "^connected" || exit 1

tcp_state() { # one 256 kB exchange on the long flow
	local before
	before=$(grep -c '' "$TB_RUN/tcp.log")
	echo "xfer 262144" >"$TB_RUN/tcp.ctl"
	if tb_wait_for -t 15 sh -c "[ \$(grep -c '' '$TB_RUN/tcp.log') -gt $before ]" 2>/dev/null &&
		tail -n 1 "$TB_RUN/tcp.log" | grep -q '^ok'; then
		echo "alive (256 kB echoed in $(tail -n 1 "$TB_RUN/tcp.log" | sed 's/.*ms=//') ms)"
	else
		echo "BROKEN: $(tail -n 1 "$TB_RUN/tcp.log")"
	fi
}

udp_state() {
	local a b
	[[ -f $TB_RUN/udp.log ]] || { echo "not started"; return; }
	a=$(tail -n 1 "$TB_RUN/udp.log" | sed -n 's/.*recv=//p')
	tb_wait_for -t 3 sh -c "[ \"\$(tail -n 1 '$TB_RUN/udp.log' | sed -n 's/.*recv=//p')\" != '$a' ]" 2>/dev/null
	b=$(tail -n 1 "$TB_RUN/udp.log" | sed -n 's/.*recv=//p')
	if [[ -n $b && $b != "$a" ]]; then echo "flowing ($b echoes so far)"; else echo "STALLED"; fi
}

table() { # table DAR_INDEX
	local i dar line ho
	printf '\n-- MN at DAR%s ----------------------------------------------------------------\n' "$1"
	printf '%-5s %-36s %-14s %-10s %s\n' DAR "MN address" role binding "path"
	for ((i = 1; i <= 3; i++)); do
		dar=DAR${i}_ADDR
		line=$(mnd_anchor "${!dar}") || continue
		local addr role binding coa tunnel path
		addr=$(mnd_field "${!dar}" addr)
		role=$(mnd_field "${!dar}" role)
		binding=$(mnd_field "${!dar}" binding)
		coa=$(mnd_field "${!dar}" coa)
		tunnel=$(mnd_field "${!dar}" tunnel)
		case $role in
		current) path="native (on this link)" ;;
		previous-kept) path="tunnel $tunnel: $coa <-> ${!dar}" ;;
		released) path="gone (no flow needed it)" ;;
		*) path="$role" ;;
		esac
		printf 'DAR%-2s %-36s %-14s %-10s %s\n' "$i" "$addr" "$role" "$binding" "$path"
	done
	echo "flows: TCP CN -> $HOA1: $(tcp_state)"
	echo "       UDP ${HOA2:-?} -> CN: $(udp_state)"
	ho=$(grep 'handover-complete' "$TB_RUN/mnd.log" | tail -n 1)
	if [[ -n $ho ]]; then
		echo "handover: new address usable after $(echo "$ho" | sed 's/.*addr_ms=\([0-9]*\).*/\1/') ms," \
			"all BAs after $(echo "$ho" | sed 's/.*bound_ms=\([0-9]*\).*/\1/') ms" \
			"(from carrier up; kept $(echo "$ho" | sed 's/.*kept=\([0-9]*\).*/\1/')," \
			"released $(echo "$ho" | sed 's/.*released=\([0-9]*\).*/\1/'))"
	fi
}

wait_handover() { # wait_handover N: the Nth handover-complete line
	tb_wait_for -t 20 sh -c "[ \$(grep -c handover-complete '$TB_RUN/mnd.log') -ge $1 ]"
}

table 1
echo
echo "== move DAR1 -> DAR2"
tb move 2 >/dev/null
wait_handover 1
mnd_wait "$DAR2_ADDR" role current
HOA2=$(mnd_field "$DAR2_ADDR" addr)
tb exec mn $FLOW udp-client "$HOA2" "$CN_ADDR" 5002 "$TB_RUN/udp.log" &
BG+=($!)
tb_wait_log "$TB_RUN/udp.log" "recv=[1-9]" >/dev/null
table 2

echo
echo "== move DAR2 -> DAR3"
tb move 3 >/dev/null
wait_handover 2
table 3

echo
echo "== move DAR3 -> DAR1 (home again for the DAR1 address)"
tb move 1 >/dev/null
wait_handover 3
mnd_wait "$DAR1_ADDR" binding none >/dev/null 2>&1
table 1

echo
echo "== stopping (mnd de-registers and removes what it created)"
mnd_stop
printf 'demo done in %.1f s\n' "$(echo "$(date +%s.%N) - $t_start" | bc)"
