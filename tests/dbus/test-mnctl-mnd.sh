#!/bin/bash
# mnctl against the real mnd on the namespace testbed, through a private bus (the management
# acceptance list):
#  1. `mnctl -j anchors` follows each move: roles and binding states;
#  2. `mnctl monitor` prints HandoverStarted and HandoverCompleted with durations;
#  3. `mnctl keep` keeps an address no flow needs at the next move, `mnctl release` lets one go
#     at the next move although a flow uses it;
#  4. the exit codes of a missing address (10) and of mnd not running (8); status, bindings
#     and flows read the live daemon.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
. "$top_srcdir/tests/testbed/lib.sh"
. "$top_srcdir/tests/mnd/lib-mnd.sh"
. "$here/lib-bus.sh"
tb_require_root
command -v dbus-daemon >/dev/null || { echo "SKIP: no dbus-daemon"; exit 77; }

MND=${MND:-$top_builddir/mnd/mnd}
MN_DAR=${MN_DAR:-$top_builddir/tests/dar/mn-dar}
MNCTL_BIN=${MNCTL:-$top_builddir/cli/mnctl}
PY=/usr/bin/python3
FLOW="$PY $top_srcdir/tests/mnd/flow.py"
export TB_WAIT_TIMEOUT=${TB_WAIT_TIMEOUT:-8}

. "$top_srcdir/tests/lib-check.sh"

MON=
cleanup() {
	[[ -n $MON ]] && kill "$MON" 2>/dev/null
	mnd_teardown
	bus_stop
	if ((fail)) && [[ -n ${TB_RUN:-} ]]; then
		echo "---- mnd.log (tail)"
		tail -n 30 "$TB_RUN/mnd.log"
		echo "---- mnctl monitor"
		cat "$TB_RUN/monitor.log"
	fi
	tb_down
}
trap cleanup EXIT

tb_up --dars 3 || exit 1
for f in "$MND" "$MN_DAR" "$MNCTL_BIN"; do [[ -x $f ]] || { echo "not built: $f"; exit 1; }; done
bus_start || { notok "private bus starts"; exit 1; }
mnctl() { "$MNCTL_BIN" --bus-address "$BUS_ADDR" "$@"; }

check "mnctl status before mnd runs: exit 8" sh -c \
	"'$MNCTL_BIN' --bus-address '$BUS_ADDR' status >/dev/null 2>&1; [ \$? = 8 ]"

# The monitor runs across the whole test; it says DaemonStarted when mnd takes its name.
# Started directly (not through the function) so that $! is mnctl itself.
"$MNCTL_BIN" --bus-address "$BUS_ADDR" monitor >"$TB_RUN/monitor.log" 2>&1 &
MON=$!

mnd_start_dars tun || exit 1
MND_DBUS=yes mnd_start -b tun --bus-address "$BUS_ADDR" || { notok "mnd starts"; exit 1; }
check "mnctl monitor sees mnd start" tb_wait_log "$TB_RUN/monitor.log" 'DaemonStarted'
mnd_wait "$DAR1_ADDR" role current || exit 1
HOA1=$(mnd_field "$DAR1_ADDR" addr)

# anchor DAR FIELD: one field of that DAR's anchor in `mnctl -j anchors`
anchor() {
	mnctl -j anchors | $PY -c '
import json, sys
for a in json.load(sys.stdin):
    if a["dar"] == sys.argv[1]:
        v = a[sys.argv[2]]
        print("" if v is None else v)
        sys.exit(0)
sys.exit(1)' "$1" "$2"
}
anchor_is() { [[ $(anchor "$1" "$2" 2>/dev/null) == "$3" ]]; }
anchor_becomes() { # anchor_becomes DAR FIELD VALUE: mnctl shows it within the wait timeout
	tb_wait_for anchor_is "$@" || {
		echo "   $2 of DAR $1 is '$(anchor "$1" "$2" 2>&1)', not '$3'"
		return 1
	}
}

check "mnctl -j anchors: DAR1 current" anchor_becomes "$DAR1_ADDR" role current
check "mnctl -j anchors: DAR1 has no binding" anchor_is "$DAR1_ADDR" binding-state none
check "mnctl -j anchors: DAR1 address is mnd's" anchor_is "$DAR1_ADDR" address "$HOA1"
status=$(mnctl status)
echo "$status" | sed 's/^/   /'
check "mnctl status: attached, eth0, tun" sh -c "echo '$status' | grep -q '^State: *attached' &&
	echo '$status' | grep -q '^Interface: *eth0' && echo '$status' | grep -q '^Backend: *tun'"

# A continuity flow on HoA1: CN -> MN.
tb exec mn $FLOW tcp-server 5001 &
BG+=($!)
mkfifo "$TB_RUN/tcp.ctl"
tb_wait_for sh -c "[ -n \"\$(ip netns exec $NS_MN ss -Hltn 'sport = :5001')\" ]"
tb exec cn $FLOW tcp-client "$HOA1" 5001 "$TB_RUN/tcp.ctl" "$TB_RUN/tcp.log" &
BG+=($!)
tb_wait_log "$TB_RUN/tcp.log" "^connected" || notok "TCP flow to HoA1 connects"
check "mnctl -t flows lists it as continuity" sh -c \
	"'$MNCTL_BIN' --bus-address '$BUS_ADDR' -t flows | grep -q ':continuity:'"

# ---------------------------------------------------------------- DAR1 -> DAR2
tb move 2
mnd_wait "$DAR2_ADDR" role current || notok "moved to DAR2"
HOA2=$(mnd_field "$DAR2_ADDR" addr)
check "mnctl -j anchors: DAR2 current" anchor_becomes "$DAR2_ADDR" role current
check "mnctl -j anchors: DAR1 kept (its flow)" anchor_becomes "$DAR1_ADDR" role kept
check "mnctl -j anchors: DAR1 bound" anchor_becomes "$DAR1_ADDR" binding-state bound
check "mnctl -j anchors: DAR1's care-of address is HoA2" \
	anchor_becomes "$DAR1_ADDR" care-of-address "$HOA2"
check "mnctl -j anchors: DAR1 has 1 flow" anchor_becomes "$DAR1_ADDR" flows 1
check "mnctl bindings shows DAR1's binding" sh -c \
	"'$MNCTL_BIN' --bus-address '$BUS_ADDR' bindings | grep -F '$DAR1_ADDR' | grep -q bound"
check "monitor: HandoverStarted (kept=1)" tb_wait_log "$TB_RUN/monitor.log" \
	'HandoverStarted .*kept=1'
check "monitor: HandoverCompleted with a duration" tb_wait_log "$TB_RUN/monitor.log" \
	'HandoverCompleted .*duration=[0-9]+ms'
grep -E 'Handover(Started|Completed)' "$TB_RUN/monitor.log" | sed 's/^/   /'

# ---------------------------------------------------------------- keep HoA2, then DAR2 -> DAR3
check "mnctl keep HoA2 (no flow on it)" mnctl keep "$HOA2"
check "mnctl -j anchors: DAR2 pinned keep" anchor_becomes "$DAR2_ADDR" pin keep
tb move 3
mnd_wait "$DAR3_ADDR" role current || notok "moved to DAR3"
HOA3=$(mnd_field "$DAR3_ADDR" addr)
check "mnctl -j anchors: DAR3 current" anchor_becomes "$DAR3_ADDR" role current
check "mnctl -j anchors: DAR2 kept although no flow needs it (keep)" \
	anchor_becomes "$DAR2_ADDR" role kept
check "mnctl -j anchors: DAR2 bound" anchor_becomes "$DAR2_ADDR" binding-state bound
check "mnctl -j anchors: DAR1 still kept and bound from HoA3" \
	anchor_becomes "$DAR1_ADDR" care-of-address "$HOA3"
check "monitor: a second HandoverCompleted (kept=2)" tb_wait_log "$TB_RUN/monitor.log" \
	'HandoverCompleted .*kept=2'

# ---------------------------------------------------------------- release HoA3, then DAR3 -> DAR1
tb exec mn $FLOW tcp-server 5011 &
BG+=($!)
mkfifo "$TB_RUN/tcp3.ctl"
tb_wait_for sh -c "[ -n \"\$(ip netns exec $NS_MN ss -Hltn 'sport = :5011')\" ]"
tb exec cn $FLOW tcp-client "$HOA3" 5011 "$TB_RUN/tcp3.ctl" "$TB_RUN/tcp3.log" &
BG+=($!)
tb_wait_log "$TB_RUN/tcp3.log" "^connected" || notok "TCP flow to HoA3 connects"
check "mnctl release HoA3 (a flow uses it)" mnctl release "$HOA3"
check "mnctl -j anchors: DAR3 pinned release" anchor_becomes "$DAR3_ADDR" pin release
tb move 1
mnd_wait "$DAR1_ADDR" role current || notok "moved back to DAR1"
check "mnctl -j anchors: DAR1 current again" anchor_becomes "$DAR1_ADDR" role current
check "mnctl -j anchors: DAR1's binding deleted" anchor_becomes "$DAR1_ADDR" binding-state none
check "mnctl -j anchors: DAR3 released despite its flow (release)" \
	anchor_becomes "$DAR3_ADDR" role released
check "mnctl -j anchors: DAR2 still kept (keep holds)" anchor_becomes "$DAR2_ADDR" role kept
check "mnctl -j anchors: DAR2 bound from HoA1" anchor_becomes "$DAR2_ADDR" care-of-address "$HOA1"

# ---------------------------------------------------------------- exit codes
check "mnctl keep of an address not ours: exit 10" sh -c \
	"'$MNCTL_BIN' --bus-address '$BUS_ADDR' keep 2001:db8:ffff::1 2>/dev/null; [ \$? = 10 ]"
check "mnctl release HoA2 (kept): let go at once" mnctl release "$HOA2"
check "mnctl -j anchors: DAR2 released" anchor_becomes "$DAR2_ADDR" role released
check "mnd stops cleanly" mnd_stop
check "mnctl monitor sees mnd stop" tb_wait_log "$TB_RUN/monitor.log" 'DaemonStopped'
check "mnctl anchors after mnd stopped: exit 8" sh -c \
	"'$MNCTL_BIN' --bus-address '$BUS_ADDR' anchors >/dev/null 2>&1; [ \$? = 8 ]"
kill -INT "$MON"
check "mnctl monitor exits 0 on SIGINT" wait "$MON"
MON=

check_done
