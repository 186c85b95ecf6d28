#!/bin/bash
# mnd's D-Bus API (org.dmm.Mnd1) on a private bus, driven from outside with dbus-python:
#  - every Manager and Anchor property is served, with the values the node has;
#  - every method: Reload (and its error on a broken file), KeepAddress and ReleaseAddress
#    (and what they change at the next move, and at once for a kept address), ListFlows,
#    Notify; their named errors;
#  - every signal: HandoverStarted, HandoverCompleted, AnchorAdded, AnchorRemoved, and
#    PropertiesChanged of the Manager and the Anchors;
#  - mutating methods are refused to an unprivileged caller (mnd's own check, with a bus
#    whose policy allows everything) and allowed to a member of dbus_group; reading is open.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
. "$top_srcdir/tests/testbed/lib.sh"
. "$top_srcdir/tests/mnd/lib-mnd.sh"
. "$here/lib-bus.sh"
tb_require_root
command -v dbus-daemon >/dev/null || { echo "SKIP: no dbus-daemon"; exit 77; }
command -v setpriv >/dev/null || { echo "SKIP: no setpriv"; exit 77; }

MND=${MND:-$top_builddir/mnd/mnd}
MN_DAR=${MN_DAR:-$top_builddir/tests/dar/mn-dar}
PY=/usr/bin/python3
FLOW="$PY $top_srcdir/tests/mnd/flow.py"
BUSPY="$PY $here/mnd_bus.py"
XML=$top_srcdir/dbus/org.dmm.Mnd1.xml
M=/org/dmm/Mnd1
MI=org.dmm.Mnd1.Manager
AI=org.dmm.Mnd1.Anchor
export TB_WAIT_TIMEOUT=${TB_WAIT_TIMEOUT:-8}

. "$top_srcdir/tests/lib-check.sh"

cleanup() {
	mnd_teardown
	bus_stop
	if ((fail)) && [[ -n ${TB_RUN:-} ]]; then
		echo "---- mnd.log (tail)"
		tail -n 40 "$TB_RUN/mnd.log"
		echo "---- signals"
		cat "$TB_RUN/signals.log"
	fi
	tb_down
}
trap cleanup EXIT

tb_up --dars 2 || exit 1
for f in "$MND" "$MN_DAR"; do [[ -x $f ]] || { echo "not built: $f"; exit 1; }; done
bus_start || { notok "private bus starts"; exit 1; }

get() { $BUSPY get "$@"; }
# is PATH IFACE PROP VALUE: the property has VALUE now
is() { [[ $(get "$1" "$2" "$3" 2>/dev/null) == "$4" ]]; }
# becomes PATH IFACE PROP VALUE: ... within the wait timeout (properties follow events)
becomes() {
	tb_wait_for is "$@" || {
		echo "   $3 of $1 is '$(get "$1" "$2" "$3" 2>&1)', not '$4'"
		return 1
	}
}
call() { $BUSPY call "$@"; }
# call_ok METHOD ARGS...: the call succeeds (its reply is shown only if not)
call_ok() {
	local out
	out=$(call "$@") || {
		echo "   $out"
		return 1
	}
}
# fails_with ERROR METHOD ARGS...: the call fails with that D-Bus error
fails_with() {
	local e=$1 out
	shift
	out=$(call "$@")
	[[ $out == "error $e:"* ]] || {
		echo "   got: $out"
		return 1
	}
}
signals() { grep -c "$1" "$TB_RUN/signals.log"; }
has_signal() { grep -q "$1" "$TB_RUN/signals.log"; }
wait_signal() { tb_wait_for has_signal "$1"; }

: >"$TB_RUN/signals.log"
$BUSPY monitor "$TB_RUN/signals.log" &
BG+=($!)
tb_wait_log "$TB_RUN/signals.log" '^ready$' || exit 1

mnd_start_dars tun || exit 1
MND_DBUS=yes MND_CONF_EXTRA="dbus_group=nogroup" mnd_start -b tun --bus-address "$BUS_ADDR" ||
	{ notok "mnd starts"; exit 1; }
check "mnd takes the name org.dmm.Mnd1" tb_wait_log "$TB_RUN/mnd.log" 'dbus-name-acquired'
mnd_wait "$DAR1_ADDR" role current || exit 1
HOA1=$(mnd_field "$DAR1_ADDR" addr)
P1=$(mnd_field "$DAR1_ADDR" prefix)
P2=$(mnd_field "$DAR2_ADDR" prefix 2>/dev/null || true)

# ---------------------------------------------------------------- properties at DAR1
xml_props() { # xml_props IFACE: the property names the XML declares
	$PY - "$XML" "$1" <<-'EOF'
		import sys, xml.etree.ElementTree as ET
		for i in ET.parse(sys.argv[1]).getroot().iter("interface"):
		    if i.get("name") == sys.argv[2]:
		        print(" ".join(sorted(p.get("name") for p in i.iter("property"))))
	EOF
}
served_props() { # served_props PATH IFACE: the property names GetAll returns
	$BUSPY objects >/dev/null # the object exists
	$PY - "$1" "$2" <<-'EOF'
		import os, sys, dbus
		b = dbus.bus.BusConnection(os.environ["DBUS_SYSTEM_BUS_ADDRESS"])
		o = b.get_object("org.dmm.Mnd1", sys.argv[1])
		print(" ".join(sorted(str(k) for k in o.GetAll(sys.argv[2], dbus_interface=dbus.PROPERTIES_IFACE))))
	EOF
}
check "Manager serves exactly the XML's properties" \
	[ "$(served_props $M $MI)" = "$(xml_props $MI)" ]
check "Version is mnd's version" is $M $MI Version "$("$MND" --version | awk '{print $2}')"
check "State is attached (3)" becomes $M $MI State 3
check "Interface is eth0" is $M $MI Interface eth0
check "Backend is tun" is $M $MI Backend tun
check "BackendReason says why" [ -n "$(get $M $MI BackendReason)" ]
check "Handovers is 0" is $M $MI Handovers 0
A1=$($BUSPY anchor-of "$P1")
check "an Anchor object for DAR1 ($A1)" [ -n "$A1" ]
check "AnchorAdded($A1) was emitted" wait_signal "\"AnchorAdded\".*\"$A1\""
check "CurrentAnchor is DAR1's" is $M $MI CurrentAnchor "$A1"
check "Anchor serves exactly the XML's properties" \
	[ "$(served_props "$A1" $AI)" = "$(xml_props $AI)" ]
check "Anchor Dar" is "$A1" $AI Dar "$DAR1_ADDR"
check "Anchor Address is mnd's CGA" is "$A1" $AI Address "$HOA1"
check "Anchor IsDar" is "$A1" $AI IsDar true
check "Anchor Role current (1)" is "$A1" $AI Role 1
check "Anchor BindingState none (1)" is "$A1" $AI BindingState 1
check "Anchor Pin none (0)" is "$A1" $AI Pin 0
check "Anchor TunnelDevice empty" is "$A1" $AI TunnelDevice ""

# ---------------------------------------------------------------- ListFlows
check "ListFlows: no flow yet" [ "$(call ListFlows)" = "[]" ]
tb exec mn $FLOW tcp-server 5001 &
BG+=($!)
mkfifo "$TB_RUN/tcp.ctl"
tb_wait_for sh -c "[ -n \"\$(ip netns exec $NS_MN ss -Hltn 'sport = :5001')\" ]"
tb exec cn $FLOW tcp-client "$HOA1" 5001 "$TB_RUN/tcp.ctl" "$TB_RUN/tcp.log" &
BG+=($!)
tb_wait_log "$TB_RUN/tcp.log" "^connected" || notok "TCP flow to HoA1 connects"
flows=$(call ListFlows)
echo "   $flows"
check "ListFlows names the TCP flow on HoA1: continuity, default:tcp-open, anchor DAR1" \
	$PY -c '
import json, sys
fl = json.loads(sys.argv[1])
want = {"protocol": "tcp", "local": sys.argv[2], "local-port": 5001, "state": "established",
        "mode": "continuity", "why": "default:tcp-open", "anchor": sys.argv[3],
        "remote": sys.argv[4]}
keys = {"cookie", "protocol", "local", "local-port", "remote", "remote-port", "state", "uid",
        "anchor", "mode", "why"}
sys.exit(0 if any(set(f) == keys and all(f[k] == v for k, v in want.items()) for f in fl)
         else 1)' "$flows" "$HOA1" "$A1" "$CN_ADDR"

# ---------------------------------------------------------------- authorization
as() { # as UID GID CMD...: run unprivileged, with only that group
	local u=$1 g=$2
	shift 2
	setpriv --reuid="$u" --regid="$g" --clear-groups env DBUS_SYSTEM_BUS_ADDRESS="$BUS_ADDR" "$@"
}
denied() { # denied METHOD ARGS...: refused to uid 65534 outside dbus_group (gid 1 only)
	local out
	out=$(as 65534 1 $BUSPY call "$@")
	[[ $out == "error org.dmm.Mnd1.Error.PermissionDenied:"* ]] || {
		echo "   got: $out"
		return 1
	}
}
check "unprivileged: KeepAddress refused" denied KeepAddress "$HOA1"
check "unprivileged: ReleaseAddress refused" denied ReleaseAddress "$HOA1"
check "unprivileged: Reload refused" denied Reload
check "unprivileged: Notify refused" denied Notify eth0 test
check "the refusal is logged" tb_wait_log "$TB_RUN/mnd.log" 'dbus-denied method=KeepAddress'
check "unprivileged: properties readable" [ "$(as 65534 1 $BUSPY get $M $MI State)" = 3 ]
check "unprivileged: ListFlows allowed" as 65534 1 $BUSPY call ListFlows
check "Pin unchanged by the refused calls" is "$A1" $AI Pin 0
check "dbus_group member (nogroup): Notify allowed" as 65534 65534 $BUSPY call Notify eth0 grp
check "... and mnd solicited" tb_wait_log "$TB_RUN/mnd.log" 'hint if=eth0 event=grp rs-sent'

# ---------------------------------------------------------------- errors and simple methods
check "KeepAddress(not an address): InvalidArgs" \
	fails_with org.dmm.Mnd1.Error.InvalidArgs KeepAddress nonsense
check "KeepAddress(not ours): NotFound" \
	fails_with org.dmm.Mnd1.Error.NotFound KeepAddress 2001:db8:ffff::1
check "ReleaseAddress(not ours): NotFound" \
	fails_with org.dmm.Mnd1.Error.NotFound ReleaseAddress 2001:db8:ffff::1
check "Notify(other interface) is accepted and ignored" call_ok Notify other0 up
check "... and logged as not managed" tb_wait_log "$TB_RUN/mnd.log" 'hint-ignored if=other0'
check "Reload succeeds" call_ok Reload
check "... and mnd reloaded" tb_wait_log "$TB_RUN/mnd.log" 'reloaded '
cp "$TB_RUN/mnd.conf" "$TB_RUN/mnd.conf.good"
echo "no_such_key=1" >>"$TB_RUN/mnd.conf"
check "Reload of a broken file: Failed, naming the key" \
	fails_with org.dmm.Mnd1.Error.Failed Reload
cp "$TB_RUN/mnd.conf.good" "$TB_RUN/mnd.conf"

# ---------------------------------------------------------------- ReleaseAddress before a move
check "ReleaseAddress(HoA1) while at DAR1" call_ok ReleaseAddress "$HOA1"
check "Pin release (2)" becomes "$A1" $AI Pin 2
tb move 2
mnd_wait "$DAR2_ADDR" role current || notok "moved to DAR2"
P2=$(mnd_field "$DAR2_ADDR" prefix)
HOA2=$(mnd_field "$DAR2_ADDR" addr)
A2=$($BUSPY anchor-of "$P2")
check "AnchorAdded($A2) for DAR2" wait_signal "\"AnchorAdded\".*\"$A2\""
check "HandoverStarted(seq, DAR1, DAR2, kept 0, released 1)" \
	wait_signal "\"HandoverStarted\".*\"args\": \[[0-9]*, \"$A1\", \"$A2\", 0, 1\]"
check "HandoverCompleted(kept 0, released 1)" \
	wait_signal "\"HandoverCompleted\".*\"args\": \[[0-9]*, [0-9]*, 0, 1, [0-9]*\]"
check "HoA1 released despite its flow (Role 3)" becomes "$A1" $AI Role 3
check "... its Address is gone" is "$A1" $AI Address ""
check "... and its pin with it" is "$A1" $AI Pin 0
check "CurrentAnchor is DAR2's" becomes $M $MI CurrentAnchor "$A2"
check "Handovers is 1" becomes $M $MI Handovers 1

# ---------------------------------------------------------------- KeepAddress, then a move
check "KeepAddress(HoA2) with no flow on it" call_ok KeepAddress "$HOA2"
check "Pin keep (1)" becomes "$A2" $AI Pin 1
tb move 1
mnd_wait "$DAR1_ADDR" role current || notok "moved to DAR1"
check "HandoverStarted(seq, DAR2, DAR1, kept 1, released 0)" \
	wait_signal "\"HandoverStarted\".*\"args\": \[[0-9]*, \"$A2\", \"$A1\", 1, 0\]"
check "HandoverCompleted(duration > 0, kept 1, released 0)" \
	wait_signal "\"HandoverCompleted\".*\"args\": \[[0-9]*, [1-9][0-9]*, 1, 0, [0-9]*\]"
check "HoA2 kept (Role 2) although no flow needs it" becomes "$A2" $AI Role 2
check "... BindingState bound (3)" becomes "$A2" $AI BindingState 3
HOA1=$(mnd_field "$DAR1_ADDR" addr)
check "... CareOfAddress is the DAR1 address" is "$A2" $AI CareOfAddress "$HOA1"
check "... LifetimeGranted > 0" [ "$(get "$A2" $AI LifetimeGranted)" -gt 0 ]
rem_ok() { # LifetimeRemaining is read now: Expires minus the clock, to the second
	local rem exp now
	rem=$(get "$A2" $AI LifetimeRemaining)
	exp=$(get "$A2" $AI Expires)
	now=$($PY -c 'import time; print(int(time.monotonic() * 1e6))')
	echo "   LifetimeRemaining=$rem s, Expires-now=$(((exp - now) / 1000000)) s"
	((rem > 0 && rem - (exp - now) / 1000000 <= 1 && (exp - now) / 1000000 - rem <= 1))
}
check "... LifetimeRemaining > 0 and equal to Expires minus now" rem_ok
now_us=$($PY -c 'import time; print(int(time.monotonic() * 1e6))')
check "... Expires is ahead on CLOCK_MONOTONIC" [ "$(get "$A2" $AI Expires)" -gt "$now_us" ]
check "... LastAcknowledgement is behind" [ "$(get "$A2" $AI LastAcknowledgement)" -le "$now_us" ]
check "... LastAcknowledgement set" [ "$(get "$A2" $AI LastAcknowledgement)" -gt 0 ]
check "... LastStatus 0 (accepted)" is "$A2" $AI LastStatus 0
check "... Sequence set" [ "$(get "$A2" $AI Sequence)" -gt 0 ]
check "... TunnelBackend tun" is "$A2" $AI TunnelBackend tun
check "... TunnelDevice named" [ -n "$(get "$A2" $AI TunnelDevice)" ]
check "... Flows 0" is "$A2" $AI Flows 0
check "Handovers is 2" becomes $M $MI Handovers 2
check "LastHandoverDuration > 0" [ "$(get $M $MI LastHandoverDuration)" -gt 0 ]
check "DAR2 has the binding" tb_wait_for sh -c "grep -q '^binding hoa=$HOA2 ' '$TB_RUN/dar2.state'"

# ---------------------------------------------------------------- ReleaseAddress of a kept one
check "ReleaseAddress(HoA2) while kept" call_ok ReleaseAddress "$HOA2"
check "HoA2 released at once (Role 3)" becomes "$A2" $AI Role 3
check "... binding deleted (BindingState 1)" becomes "$A2" $AI BindingState 1
check "... DAR2 deleted the binding" tb_wait_for sh -c \
	"! grep -q '^binding hoa=$HOA2 ' '$TB_RUN/dar2.state'"
check "KeepAddress(released address): NotFound" \
	fails_with org.dmm.Mnd1.Error.NotFound KeepAddress "$HOA2"

# ---------------------------------------------------------------- PropertiesChanged
pc() { # pc PATH PROP [VALUE]: a PropertiesChanged of PATH carried PROP (with VALUE)
	$PY - "$TB_RUN/signals.log" "$@" <<-'EOF'
		import json, sys
		for l in open(sys.argv[1]):
		    if not l.startswith("{"):
		        continue
		    s = json.loads(l)
		    if s["signal"] == "PropertiesChanged" and s["path"] == sys.argv[2] \
		       and sys.argv[3] in s["args"][1] \
		       and (len(sys.argv) < 5 or str(s["args"][1][sys.argv[3]]) == sys.argv[4]):
		        sys.exit(0)
		sys.exit(1)
	EOF
}
for p in State CurrentAnchor Handovers LastHandoverDuration; do
	check "PropertiesChanged: Manager.$p" pc $M $p
done
for p in Role Pin BindingState CareOfAddress Sequence LifetimeGranted Expires \
	LastAcknowledgement TunnelBackend TunnelDevice Address; do
	check "PropertiesChanged: Anchor.$p" pc "$A2" $p
done

# ---------------------------------------------------------------- stop
check "mnd stops cleanly" mnd_stop
check "AnchorRemoved for DAR1's and DAR2's objects" tb_wait_for sh -c \
	"grep -q '\"AnchorRemoved\".*\"$A1\"' '$TB_RUN/signals.log' &&
	 grep -q '\"AnchorRemoved\".*\"$A2\"' '$TB_RUN/signals.log'"
check "State stopping (5) was announced" pc $M State 5
check "the name is released" sh -c "! $BUSPY get $M $MI State >/dev/null 2>&1"

check_done
