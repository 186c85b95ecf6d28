#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# mnctl against a python-dbusmock mnd (mnd_mock.py) on a private bus. No root. Checks every
# command in its default, -t and -j output, the exit statuses (8 with no owner of
# org.dmm.Mnd1, 10 NotFound, 4 AccessDenied/PermissionDenied, 3 timeout, 2 usage), monitor
# (waiting for each line, across a restart of the mock), notify, run (the child's
# environment) and keygen (file modes, --force, an interrupted Sec 2 search on a tty).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
PY=/usr/bin/python3
MNCTL=$top_builddir/cli/mnctl
MOCK=$here/mnd_mock.py

[[ -x $MNCTL ]] || { echo "not built: $MNCTL"; exit 1; }
[[ -x $PY ]] && "$PY" -c 'import dbusmock' 2>/dev/null ||
	{ echo "SKIP: $PY with python3-dbusmock is needed"; exit 77; }
command -v dbus-daemon >/dev/null || { echo "SKIP: dbus-daemon is needed"; exit 77; }
command -v gdbus >/dev/null || { echo "SKIP: gdbus is needed"; exit 77; }

. "$top_srcdir/tests/lib-check.sh"

tmp=$(mktemp -d /tmp/test-mnctl.XXXXXX)
BUS_PID= MOCK_PID= MON_PID= HUNG_PID=
stop() { # stop PID: TERM, then wait for it
	[[ -n $1 ]] || return 0
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}
cleanup() {
	stop "$MON_PID"
	stop "$HUNG_PID"
	stop "$MOCK_PID"
	stop "$BUS_PID"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
unset MNSOCK_MODE MNCTL_PRELOAD DBUS_SESSION_BUS_ADDRESS

# wait_for FILE REGEX [SECONDS]: poll until a line of FILE matches (no sleep-and-hope).
wait_for() {
	local f=$1 re=$2 n=$((${3:-10} * 20))
	while ((n-- > 0)); do
		grep -Eq -- "$re" "$f" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "# timed out waiting for /$re/ in $f:" >&2
	sed 's/^/#   /' "$f" >&2
	return 1
}

# mn ARGS...: run mnctl; output in $out/$err, status in $rc.
out=$tmp/out err=$tmp/err rc=0
mn() {
	"$MNCTL" "$@" >"$out" 2>"$err"
	rc=$?
}
# expect RC DESCRIPTION ARGS...: mnctl ARGS exits RC.
expect() {
	local want=$1 d=$2
	shift 2
	mn "$@"
	if [[ $rc == "$want" ]]; then
		ok "$d (exit $rc)"
	else
		notok "$d: exit $rc, want $want; stderr: $(head -c 300 "$err")"
	fi
}
has() { grep -Eq -- "$1" "$out"; }
err_has() { grep -Eq -- "$1" "$err"; }
line() { sed -n "${1}p" "$out"; }
json_valid() { "$PY" -m json.tool <"$out" >/dev/null; }
# jtrue EXPR: a Python expression over d (the JSON document in $out) is true.
jtrue() { "$PY" -c "import json,sys; d=json.load(open('$out')); sys.exit(0 if ($1) else 1)"; }

# --- a private system bus -------------------------------------------------------------------
cat >"$tmp/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:dir=$tmp</listen>
  <policy context="default">
    <!-- dbusmock's own test bus policy; without the receive rule a system bus
         delivers nothing, not even the reply to Hello -->
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
dbus-daemon --config-file="$tmp/bus.conf" --nofork --print-address=1 >"$tmp/addr" 2>"$tmp/bus.err" &
BUS_PID=$!
wait_for "$tmp/addr" '^unix:' 5 || { echo "dbus-daemon did not start: $(cat "$tmp/bus.err")"; exit 1; }
ADDR=$(head -n1 "$tmp/addr")
export DBUS_SYSTEM_BUS_ADDRESS=$ADDR

start_mock() {
	"$PY" -m dbusmock --system --template "$MOCK" -l "$tmp/mock.log" >>"$tmp/mock.out" 2>&1 &
	MOCK_PID=$!
	gdbus wait --system --timeout 10 org.dmm.Mnd1 || { echo "the mock did not start:"; cat "$tmp/mock.out"; exit 1; }
}
G() { # G PATH METHOD ARGS...: call the mock
	local p=$1 m=$2
	shift 2
	gdbus call --system -d org.dmm.Mnd1 -o "$p" -m "$m" "$@" >/dev/null
}

# --- usage --------------------------------------------------------------------------------------
mn --version
check "--version" test "$(cat "$out")" = "mnctl $(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"/\1/p' "$top_builddir/config.h")"
expect 0 "help" help
check "help lists every command" bash -c "for c in status anchors bindings flows keep release notify monitor keygen run; do grep -q \"^  \$c\" '$out' || exit 1; done"
expect 2 "unknown command" frobnicate
check "unknown command: message" err_has "^mnctl: unknown command 'frobnicate'"
expect 2 "unknown option" --frob status
expect 2 "unknown option after the command" status --frob
expect 2 "-j and -t together" -j -t status
expect 2 "--timeout abc" --timeout abc status
expect 2 "--timeout 0" --timeout 0 status
expect 2 "--bus-address not an address" --bus-address nonsense status
expect 2 "status with an extra argument" status extra
expect 2 "keep without an address" keep
expect 2 "keep with a non-IPv6 address" keep 192.0.2.1
check "keep: message" err_has "is not an IPv6 address"
expect 2 "notify with one argument" notify wlan0
expect 2 "notify with a too long interface name" notify abcdefghijklmnopq up
expect 2 "notify with an empty event" notify wlan0 ""

# A bus that accepts the connection and never answers: --timeout bounds the connection too.
"$PY" -c "
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind('$tmp/hung')
s.listen()
print('listening', flush=True)
c = s.accept()
time.sleep(60)" >"$tmp/hung.out" &
HUNG_PID=$!
wait_for "$tmp/hung.out" listening 5 >/dev/null
t0=$(date +%s%N)
expect 3 "a hung bus: timeout" --bus-address "unix:path=$tmp/hung" --timeout 300 status
t1=$(date +%s%N)
check "a hung bus: gave up in time ($(((t1 - t0) / 1000000)) ms)" test $(((t1 - t0) / 1000000)) -lt 1500
stop "$HUNG_PID"
HUNG_PID=

# --- mnd not running ----------------------------------------------------------------------------
for c in status anchors bindings flows reload "keep 2001:db8::1" "release 2001:db8::1" "notify wlan0 up"; do
	# shellcheck disable=SC2086
	expect 8 "$c without mnd" $c
done
mn status
check "not running: its own message" err_has "^mnctl: mnd is not running \(org.dmm.Mnd1 has no owner"
expect 0 "__complete addresses without mnd" __complete addresses
check "__complete addresses without mnd prints nothing" test ! -s "$out" -a ! -s "$err"

# A monitor started before mnd waits for it.
"$MNCTL" monitor >"$tmp/mon0" 2>&1 &
MON_PID=$!
check "monitor before mnd: says so" wait_for "$tmp/mon0" 'Monitoring mnd=not-running'

start_mock
check "monitor: DaemonStarted with the state" \
	wait_for "$tmp/mon0" '^[0-9-]{10} [0-9:.]{12} DaemonStarted owner=:[0-9.]+ version=0.1.0 state=attached interface=wlan0 current=2 current-dar=2001:db8:2::1$'
stop "$MON_PID"
MON_PID=

# --- status ---------------------------------------------------------------------------------
expect 0 "status" status
check "status: state" has '^State: +attached$'
check "status: interface" has '^Interface: +wlan0$'
check "status: backend and why" has '^Backend: +tun \(auto: "seg6" unavailable \\ fallback\)$'
check "status: current DAR" has '^DAR: +2001:db8:2::1$'
check "status: handovers" has '^Handovers: +3 \(last 142 ms\)$'
check "status: anchor table header" has '^ROLE +DAR +ADDRESS +BINDING +LEFT +FLOWS$'
check "status: kept anchor, lifetime left from Expires" \
	has '^kept +2001:db8:1::1 +2001:db8:1:0:1c2d:3e4f:5a6b:7c8d +bound +(9m[0-9]{2}s|10m00s) +2$'
check "status: current anchor" has '^current +2001:db8:2::1 +2001:db8:2:0:aaaa:bbbb:cccc:dddd +none +- +0$'
check "status: released plain router" has '^released +- +- +none +- +0$'
cp "$out" "$tmp/status"
mn
check "no command is status" cmp -s "$out" "$tmp/status"
expect 0 "status -t" -t status
check "status -t: one escaped line" test "$(cat "$out")" = 'attached:wlan0:tun:2001\:db8\:2\:\:1:3:142:0.1.0'
expect 0 "status -j" status -j
check "status -j: valid JSON" json_valid
check "status -j: fields" jtrue "d['state'] == 'attached' and d['interface'] == 'wlan0' and d['current-dar'] == '2001:db8:2::1' and d['handovers'] == 3 and d['last-handover-duration'] == 142"
check "status -j: string escaping" jtrue "d['backend-reason'] == 'auto: \"seg6\" unavailable \\\\ fallback'"
check "status -j: anchors" jtrue "[a['role'] for a in d['anchors']] == ['kept', 'current', 'released']"
check "status -j: lifetime left" jtrue "590 <= d['anchors'][0]['lifetime-left'] <= 600 and d['anchors'][1]['lifetime-left'] is None"
check "status -j: none is null" jtrue "d['anchors'][2]['address'] is None and d['anchors'][2]['is-dar'] is False"

# --- anchors, bindings ----------------------------------------------------------------------
expect 0 "anchors" anchors
check "anchors: header" has '^ID +ROLE +PIN +DAR +PREFIX +ADDRESS +BINDING +LEFT +FLOWS$'
check "anchors: 3 rows" test "$(wc -l <"$out")" -eq 4
check "anchors: kept row" has '^1 +kept +none +2001:db8:1::1 +2001:db8:1::/64 +2001:db8:1:0:1c2d:3e4f:5a6b:7c8d +bound +(9m[0-9]{2}s|10m00s) +2$'
expect 0 "anchors -t" anchors -t
check "anchors -t: no header, escaped" test "$(line 3)" = '3:released:none::2001\:db8\:3\:\:/64::none::0'
check "anchors -t: lifetime in seconds" bash -c "[[ '$(line 1)' =~ ^1:kept:none:.*:bound:(59[0-9]|600):2$ ]]"
expect 0 "anchors -j" -j anchors
check "anchors -j: valid JSON" json_valid
check "anchors -j: ids and paths" jtrue "[a['id'] for a in d] == [1, 2, 3] and d[0]['path'] == '/org/dmm/Mnd1/Anchor/1'"
expect 0 "bindings" bindings
check "bindings: header" has '^ID +DAR +ADDRESS +CARE-OF +STATE +SEQ +GRANTED +LEFT +LAST-BA +STATUS +BACKEND +DEVICE$'
check "bindings: only the bound anchor" test "$(wc -l <"$out")" -eq 2
check "bindings: row" has '^1 +2001:db8:1::1 +2001:db8:1:0:1c2d:3e4f:5a6b:7c8d +2001:db8:2:0:aaaa:bbbb:cccc:dddd +bound +7 +600 +(9m[0-9]{2}s|10m00s) +[5-9]s ago +0 +tun +mnt1$'
expect 0 "bindings -t" bindings -t
check "bindings -t" bash -c "[[ \"\$(cat '$out')\" =~ ^1:2001\\\\:db8\\\\:1\\\\:\\\\:1:.*:bound:7:600:(59[0-9]|600):[5-9]:0:tun:mnt1$ ]]"
expect 0 "bindings -j" bindings -j
check "bindings -j" jtrue "len(d) == 1 and d[0]['binding-state'] == 'bound' and d[0]['tunnel-device'] == 'mnt1'"

# --- flows ----------------------------------------------------------------------------------
expect 0 "flows" flows
check "flows: header" has '^PROTO +LOCAL +REMOTE +STATE +MODE +WHY +UID +DAR$'
check "flows: tcp row" has '^tcp +\[2001:db8:1:0:1c2d:3e4f:5a6b:7c8d\]:40000 +\[2001:db8:ff::10\]:443 +established +continuity +default:tcp-open +1000 +2001:db8:1::1$'
check "flows: unconnected udp row" has '^udp +\[2001:db8:2:0:aaaa:bbbb:cccc:dddd\]:5353 +\* +unconnected +bypass +rule:no "dns" +0 +2001:db8:2::1$'
expect 0 "flows -t" flows -t
check "flows -t: escaped, ports apart" test "$(line 2)" = 'udp:2001\:db8\:2\:0\:aaaa\:bbbb\:cccc\:dddd:5353::0:unconnected:bypass:rule\:no "dns":0:2001\:db8\:2\:\:1:4098'
expect 0 "flows -j" flows -j
check "flows -j: valid JSON" json_valid
check "flows -j: fields" jtrue "d[0]['cookie'] == 4097 and d[0]['remote-port'] == 443 and d[0]['dar'] == '2001:db8:1::1' and d[1]['why'] == 'rule:no \"dns\"' and 'a-newer-key' not in d[1]"

# --- keep, release, reload, errors ------------------------------------------------------------
expect 0 "keep (non-canonical input sent in RFC 5952 form)" keep 2001:DB8:1:0:1C2D:3E4F:5A6B:7C8D
check "keep: nothing on stdout" test ! -s "$out"
mn -t anchors
check "keep: Pin is keep" bash -c "[[ '$(line 1)' =~ ^1:kept:keep: ]]"
expect 0 "release" release 2001:db8:1:0:1c2d:3e4f:5a6b:7c8d
mn -t anchors
check "release: Pin is release" bash -c "[[ '$(line 1)' =~ ^1:kept:release: ]]"
expect 10 "keep: NotFound" keep 2001:db8:9::9
check "NotFound: message" err_has '^mnctl: keep 2001:db8:9::9: not found: 2001:db8:9::9 is not one of our addresses$'
expect 10 "release: NotFound" release 2001:db8:9::9
expect 4 "keep: AccessDenied (bus policy)" keep 2001:db8:4::1
check "AccessDenied: message" err_has 'permission denied by the bus policy'
expect 4 "keep: PermissionDenied" keep 2001:db8:4::2
expect 1 "keep: NotSupported" keep 2001:db8:3::5
check "NotSupported: message" err_has 'not supported: its router is not a DAR'
expect 0 "reload" reload
check "reload reached mnd" grep -q 'Reload$' "$tmp/mock.log"

# --- notify -------------------------------------------------------------------------------------
expect 0 "notify" notify wlan0 up
check "notify reached mnd" grep -q 'Notify "wlan0" "up"' "$tmp/mock.log"
expect 0 "notify with an empty interface" notify "" connectivity-change
check "notify '' reached mnd" grep -q 'Notify "" "connectivity-change"' "$tmp/mock.log"
t0=$(date +%s%N)
expect 3 "notify: default 1 s timeout" notify slow0 up
t1=$(date +%s%N)
check "notify: gave up after about 1 s ($(((t1 - t0) / 1000000)) ms)" test $(((t1 - t0) / 1000000)) -lt 1800
check "timeout: message" err_has '^mnctl: notify: no reply from mnd in time'
t0=$(date +%s%N)
expect 3 "notify --timeout 200" --timeout 200 notify slow0 up
t1=$(date +%s%N)
check "notify --timeout 200 gave up in time ($(((t1 - t0) / 1000000)) ms)" test $(((t1 - t0) / 1000000)) -lt 1000
# Let the mock finish its sleeps before the next calls.
gdbus wait --system --timeout 10 org.dmm.Mnd1 >/dev/null
G /org/dmm/Mnd1 org.freedesktop.DBus.Peer.Ping

# --- --bus-address, __complete --------------------------------------------------------------
mn() { "$MNCTL" "$@" >"$out" 2>"$err"; rc=$?; }
(unset DBUS_SYSTEM_BUS_ADDRESS; "$MNCTL" --bus-address "$ADDR" -t status >"$out" 2>"$err")
check "--bus-address" test "$(cut -d: -f1 "$out")" = attached
expect 0 "__complete addresses" __complete addresses
check "__complete addresses: ours, one a line" test "$(cat "$out")" = $'2001:db8:1:0:1c2d:3e4f:5a6b:7c8d\n2001:db8:2:0:aaaa:bbbb:cccc:dddd'

# Bash completion, if bash-completion is installed: commands, options, our addresses.
BC=/usr/share/bash-completion/bash_completion
comp() { # comp WORDS...: what completing the last word offers, one a line
	PATH=$top_builddir/cli:$PATH bash -c '
		source "$1" && source "$2" || exit 1
		shift 2
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_mnctl mnctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$BC" "$top_srcdir/completion/mnctl" "$@"
}
if [[ -r $BC ]]; then
	check "completion: commands" test "$(comp mnctl st)" = status
	check "completion: options" bash -c "[[ '$(comp mnctl -j --ti)' == --timeout ]]"
	check "completion: keep offers our addresses" \
		test "$(comp mnctl keep '' | sort | tr '\n' ' ')" = '2001:db8:1:0:1c2d:3e4f:5a6b:7c8d 2001:db8:2:0:aaaa:bbbb:cccc:dddd '
	check "completion: keep-gen options" bash -c "[[ '$(comp mnctl keygen --st)' == --state-dir ]]"
	check "completion: run completes commands" bash -c "[[ '$(comp mnctl run -- mnct)' == *mnctl* ]]"
else
	echo "# SKIP part: bash-completion is not installed"
fi

# --- monitor --------------------------------------------------------------------------------
TS='^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} '
mon=$tmp/mon
"$MNCTL" monitor >"$mon" 2>&1 &
MON_PID=$!
check "monitor: first line" wait_for "$mon" "${TS}Monitoring mnd=running version=0.1.0 state=attached interface=wlan0 current=2 current-dar=2001:db8:2::1$"
G /org/dmm/Mnd1 org.dmm.Mnd1.Mock.AddAnchor 4 2001:db8:4::1
check "monitor: AnchorAdded" wait_for "$mon" "${TS}AnchorAdded anchor=4 anchor-dar=2001:db8:4::1$"
G /org/dmm/Mnd1 org.freedesktop.DBus.Mock.EmitSignal org.dmm.Mnd1.Manager HandoverStarted uoouu \
	"[<uint32 4>, <objectpath '/org/dmm/Mnd1/Anchor/2'>, <objectpath '/org/dmm/Mnd1/Anchor/4'>, <uint32 1>, <uint32 0>]"
check "monitor: HandoverStarted" wait_for "$mon" "${TS}HandoverStarted sequence=4 from=2 from-dar=2001:db8:2::1 to=4 to-dar=2001:db8:4::1 kept=1 released=0$"
G /org/dmm/Mnd1 org.dmm.Mnd1.Mock.SetCurrent 4 4
check "monitor: Manager properties" wait_for "$mon" "${TS}ManagerChanged State=handover CurrentAnchor=/org/dmm/Mnd1/Anchor/4 current-dar=2001:db8:4::1$"
G /org/dmm/Mnd1/Anchor/2 org.freedesktop.DBus.Mock.UpdateProperties org.dmm.Mnd1.Anchor \
	"{'Role': <uint32 2>, 'BindingState': <uint32 2>, 'Sequence': <uint16 1>}"
check "monitor: Anchor properties, enums named" wait_for "$mon" "${TS}AnchorChanged anchor=2 anchor-dar=2001:db8:2::1 .*Role=kept.* BindingState=registering"
G /org/dmm/Mnd1 org.freedesktop.DBus.Mock.EmitSignal org.dmm.Mnd1.Manager HandoverCompleted uuuuu \
	"[<uint32 4>, <uint32 151>, <uint32 1>, <uint32 0>, <uint32 35>]"
check "monitor: HandoverCompleted with durations" wait_for "$mon" "${TS}HandoverCompleted sequence=4 duration=151ms address=35ms kept=1 released=0$"
G /org/dmm/Mnd1 org.dmm.Mnd1.Mock.RemoveAnchor 3
check "monitor: AnchorRemoved" wait_for "$mon" "${TS}AnchorRemoved anchor=3 anchor-dar=-$"
check "monitor: every line has a timestamp" bash -c "! grep -Ev '$TS' '$mon'"
kill -INT "$MON_PID"
wait "$MON_PID"
check "monitor: SIGINT exits 0" test $? -eq 0
MON_PID=

"$MNCTL" -j monitor >"$mon.j" 2>&1 &
MON_PID=$!
"$MNCTL" -t monitor >"$mon.t" 2>&1 &
MON2_PID=$!
check "monitor -j: first line" wait_for "$mon.j" '"event":"Monitoring"'
check "monitor -t: first line" wait_for "$mon.t" '^[0-9]+\.[0-9]{3}:Monitoring:mnd=running:'
G /org/dmm/Mnd1 org.freedesktop.DBus.Mock.EmitSignal org.dmm.Mnd1.Manager HandoverCompleted uuuuu \
	"[<uint32 5>, <uint32 99>, <uint32 0>, <uint32 2>, <uint32 20>]"
check "monitor -j: HandoverCompleted" wait_for "$mon.j" '"event":"HandoverCompleted","sequence":5,"duration":99,"address":20,"kept":0,"released":2\}$'
check "monitor -t: HandoverCompleted" wait_for "$mon.t" '^[0-9]+\.[0-9]{3}:HandoverCompleted:sequence=5:duration=99ms:address=20ms:kept=0:released=2$'
G /org/dmm/Mnd1/Anchor/1 org.freedesktop.DBus.Mock.UpdateProperties org.dmm.Mnd1.Anchor "{'Expires': <uint64 0>}"
check "monitor -j: AnchorChanged" wait_for "$mon.j" '"event":"AnchorChanged","anchor":"/org/dmm/Mnd1/Anchor/1","anchor-dar":"2001:db8:1::1","Expires":0\}$'
kill -TERM "$MON_PID" "$MON2_PID"
wait "$MON_PID"
check "monitor -j: SIGTERM exits 0" test $? -eq 0
wait "$MON2_PID"
MON_PID=
check "monitor -j: one valid JSON document a line" "$PY" -c "
import json, sys
for l in open('$mon.j'):
    json.loads(l)"

# mnd going away and coming back.
"$MNCTL" monitor >"$mon.r" 2>&1 &
MON_PID=$!
wait_for "$mon.r" 'Monitoring mnd=running' >/dev/null
stop "$MOCK_PID"
MOCK_PID=
check "monitor: DaemonStopped" wait_for "$mon.r" "${TS}DaemonStopped$"
expect 8 "status once mnd stopped" status
start_mock
check "monitor: DaemonStarted again" wait_for "$mon.r" "${TS}DaemonStarted owner=.* state=attached"
check "monitor: the restart printed no property dump" bash -c "! grep -q ManagerChanged '$mon.r'"
stop "$MON_PID"
MON_PID=

# --- run --------------------------------------------------------------------------------------
# Any shared object does for the child's environment; libc is harmless to preload again.
LIBC=$(ldd /usr/bin/env | awk '/libc\.so/ {print $3; exit}')
export MNCTL_PRELOAD=$LIBC
mn run --bypass -- /usr/bin/env
check "run --bypass: LD_PRELOAD" grep -qx "LD_PRELOAD=$LIBC" "$out"
check "run --bypass: MNSOCK_MODE" grep -qx "MNSOCK_MODE=bypass" "$out"
mn run --continuity /usr/bin/env
check "run --continuity (no --)" grep -qx "MNSOCK_MODE=continuity" "$out"
mn run -- /usr/bin/env
check "run without a mode sets none" bash -c "! grep -q '^MNSOCK_MODE=' '$out' && grep -qx 'LD_PRELOAD=$LIBC' '$out'"
if ! ldd "$MNCTL" | grep -q 'libasan\|libclang_rt'; then
	LIBDL=$(ldd /usr/bin/env | awk '/ld-linux/ {print $1; exit}')
	LD_PRELOAD=$LIBDL "$MNCTL" run --bypass -- /usr/bin/env >"$out" 2>"$err"
	check "run: our shim goes after an LD_PRELOAD already set" grep -qx "LD_PRELOAD=$LIBDL:$LIBC" "$out"
fi
mn run -- /usr/bin/env -0 --help
expect 7 "run: the child's exit status" run -- sh -c 'exit 7'
expect 127 "run: command not found" run -- /nonexistent/cmd
expect 2 "run: --bypass and --continuity" run --bypass --continuity -- true
expect 2 "run: no command" run --bypass
MNCTL_PRELOAD=/nonexistent/libmnsock-preload.so mn run -- true
check "run: a missing shim is an error (exit $rc)" test $rc -eq 1
unset MNCTL_PRELOAD
mn run -- true
if [[ $rc == 1 ]]; then
	check "run: the installed shim path is named" err_has '/libmnsock-preload\.so: No such file'
else
	ok "run: the shim is installed at its path (exit $rc)"
fi

# --- keygen -----------------------------------------------------------------------------------
st=$tmp/state
expect 0 "keygen --sec 0 --bits 1024" keygen --sec 0 --bits 1024 --state-dir "$st"
check "keygen: says what it wrote" has "^key: $st/key.pem \(1024-bit RSA\)$"
check "keygen: state dir 0700" test "$(stat -c %a "$st")" = 700
check "keygen: key.pem 0600" test "$(stat -c %a "$st/key.pem")" = 600
check "keygen: cga-modifier 0600" test "$(stat -c %a "$st/cga-modifier")" = 600
check "keygen: modifier for Sec 0" grep -qx 'sec 0' "$st/cga-modifier"
check "keygen: a PKCS#8 key" grep -q 'BEGIN PRIVATE KEY' "$st/key.pem"
cp "$st/key.pem" "$tmp/key1"
expect 1 "keygen refuses to overwrite" keygen --sec 0 --bits 1024 --state-dir "$st"
check "keygen: refusal names the file and --force" err_has "$st/key.pem exists; --force"
check "keygen: the refusal left the key" cmp -s "$st/key.pem" "$tmp/key1"
expect 0 "keygen --force --sec 1" keygen --force --sec 1 --bits 1024 --state-dir "$st"
check "keygen --force: a new key" bash -c "! cmp -s '$st/key.pem' '$tmp/key1'"
check "keygen --force: Sec 1 modifier" grep -qx 'sec 1' "$st/cga-modifier"
expect 2 "keygen --sec 3" keygen --sec 3 --state-dir "$tmp/x"
expect 2 "keygen --bits 512" keygen --bits 512 --state-dir "$tmp/x"
expect 2 "keygen: unknown option" keygen --frob
mkdir -m 0755 "$tmp/open"
expect 1 "keygen into a group/other-readable directory" keygen --sec 0 --bits 1024 --state-dir "$tmp/open"
printf '[mnd]\nstate_dir=%s\nkey_bits=1024\ncga_sec=0\n' "$tmp/conf-state" >"$tmp/mnd.conf"
expect 0 "keygen: defaults from --config" keygen --config "$tmp/mnd.conf"
check "keygen --config: state_dir, key_bits and cga_sec used" \
	bash -c "grep -qx 'sec 0' '$tmp/conf-state/cga-modifier' && grep -q '1024-bit' '$out'"
expect 1 "keygen: a missing --config" keygen --config "$tmp/none.conf"

# Sec 2 on a terminal: a progress bar with an estimate after the first second; SIGINT stops
# it and nothing is written.
"$PY" - "$MNCTL" "$tmp/sec2" "$tmp/pty.out" <<'PYEOF'
import os, pty, signal, sys, time
mnctl, d, log = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.execv(mnctl, [mnctl, 'keygen', '--sec', '2', '--bits', '1024', '--state-dir', d])
buf = b''
deadline = time.time() + 20
while time.time() < deadline and b'left' not in buf:
    try:
        buf += os.read(fd, 4096)
    except OSError:
        break
os.kill(pid, signal.SIGINT)
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    buf += chunk
_, status = os.waitpid(pid, 0)
open(log, 'wb').write(buf + b'\nexit=%d\n' % os.waitstatus_to_exitcode(status))
PYEOF
check "keygen Sec 2 on a tty: progress bar" grep -aq '\[[#.]\{24\}\] *[0-9]\+% .* hashes' "$tmp/pty.out"
check "keygen Sec 2 on a tty: time left estimated" grep -aEq '/s, about [0-9dhms]+ left' "$tmp/pty.out"
check "keygen Sec 2: SIGINT exits 1" grep -aq '^exit=1$' "$tmp/pty.out"
check "keygen Sec 2: interrupted, nothing written" \
	bash -c "grep -aq 'nothing was written' '$tmp/pty.out' && ! ls '$tmp/sec2'/key.pem 2>/dev/null"

check_done
