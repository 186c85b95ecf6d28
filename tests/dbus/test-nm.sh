#!/bin/bash
# mnd's NetworkManager hints (mnd/nm.c) against python-dbusmock's networkmanager template on a
# private system-type bus, on the namespace testbed with the reference DAR:
#  1. NM on the bus before mnd: a device state change of the MN's eth0 (disconnected,
#     activated, disconnected again) makes mnd send a Router Solicitation that reaches DAR1
#     within 100 ms of the mock call (each figure printed); the same for another interface
#     sends none; with no NM event, no RS either (the RSs seen are the hints');
#  2. no NM on the bus: mnd starts, says so once, attaches and gets no hint;
#  3. NM appearing after mnd started is picked up: a state change then still gives an RS
#     within 100 ms; NM leaving is one log line and mnd keeps running.
# The RS listener in DAR1's namespace stamps each RS with CLOCK_MONOTONIC (time.monotonic(),
# the same clock in every namespace), the mock calls are stamped just before they are sent.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
. "$top_srcdir/tests/testbed/lib.sh"
. "$top_srcdir/tests/mnd/lib-mnd.sh"
. "$here/lib-bus.sh"
tb_require_root
PY=/usr/bin/python3
command -v dbus-daemon >/dev/null || { echo "SKIP: no dbus-daemon"; exit 77; }
$PY -c 'import dbusmock, dbus' 2>/dev/null || { echo "SKIP: no python3-dbusmock"; exit 77; }
unshare -n true 2>/dev/null || { echo "SKIP: no network namespaces here"; exit 77; }

MND=${MND:-$top_builddir/mnd/mnd}
MN_DAR=${MN_DAR:-$top_builddir/tests/dar/mn-dar}
NM=org.freedesktop.NetworkManager
NMP=/org/freedesktop/NetworkManager
DEV=$NMP/Devices/mock_eth0
BUDGET_MS=${NM_HINT_BUDGET_MS:-100}
export TB_WAIT_TIMEOUT=${TB_WAIT_TIMEOUT:-8}

. "$top_srcdir/tests/lib-check.sh"

MOCK_PID=
cleanup() {
	mock_stop
	mnd_teardown
	bus_stop
	if ((fail)) && [[ -n ${TB_RUN:-} ]]; then
		echo "---- mnd.log (tail)"
		tail -n 40 "$TB_RUN/mnd.log"
		echo "---- rs.log"
		cat "$TB_RUN/rs.log"
		echo "---- mock.log (tail)"
		tail -n 10 "$TB_RUN/mock.log"
	fi
	tb_down
}
trap cleanup EXIT

# The mock NM in the root namespace (the bus socket is a file: every namespace reaches it).
mock_start() {
	$PY -m dbusmock --template networkmanager >>"$TB_RUN/mock.log" 2>&1 &
	MOCK_PID=$!
	gdbus wait --system --timeout 5 $NM || return 1
}
mock_stop() {
	[[ -n $MOCK_PID ]] || return 0
	kill "$MOCK_PID" 2>/dev/null
	wait "$MOCK_PID" 2>/dev/null
	MOCK_PID=
}
# mock METHOD ARGS...: one org.freedesktop.DBus.Mock call; prints CLOCK_MONOTONIC just before
# it went out (dbus-python is loaded and connected by then: only the call is timed)
mock() {
	$PY - "$@" <<-'EOF'
		import os, sys, time, dbus
		bus = dbus.bus.BusConnection(os.environ["DBUS_SYSTEM_BUS_ADDRESS"])
		mock = dbus.Interface(bus.get_object("org.freedesktop.NetworkManager",
		                                     "/org/freedesktop/NetworkManager"),
		                      "org.freedesktop.DBus.Mock")
		call = getattr(mock, sys.argv[1])
		args = [int(a) if a.isdigit() else a for a in sys.argv[2:]]
		t0 = time.monotonic()
		call(*args)
		print("%.6f" % t0)
	EOF
}

# Router Solicitations reaching DAR1: "rs MONOTONIC SOURCE" per line in rs.log.
rs_listen() {
	ip netns exec "$NS_DAR1" $PY -u - >"$TB_RUN/rs.log" 2>&1 <<-'EOF' &
		import socket, struct, time
		s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
		# ICMP6_FILTER (1): pass Router Solicitations (133) only
		f = [0xFFFFFFFF] * 8
		f[133 >> 5] &= ~(1 << (133 & 31))
		s.setsockopt(socket.IPPROTO_ICMPV6, 1, struct.pack("8I", *f))
		s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"acc0")
		print("ready", flush=True)
		while True:
		    data, src = s.recvfrom(1500)
		    t = time.monotonic()
		    if data and data[0] == 133:
		        print("rs %.6f %s" % (t, src[0]), flush=True)
	EOF
	BG+=($!)
	tb_wait_log "$TB_RUN/rs.log" '^ready$'
}
# first RS after T0 (seconds, monotonic), or nothing
rs_after() {
	awk -v t="$1" '$1 == "rs" && $2 > t { print $2; exit }' "$TB_RUN/rs.log"
}
rs_count_after() {
	awk -v t="$1" '$1 == "rs" && $2 > t { n++ } END { print n + 0 }' "$TB_RUN/rs.log"
}
_has_rs_after() { [[ -n $(rs_after "$1") ]]; }
now() { $PY -c 'import time; print("%.6f" % time.monotonic())'; }

# hint_rs DESCRIPTION METHOD ARGS...: the mock call gives an RS at DAR1 within the budget
hint_rs() {
	local d=$1 t0 t1 ms
	shift
	t0=$(mock "$@") || {
		notok "$d: mock call $1 failed"
		return
	}
	tb_wait_for -t 2 _has_rs_after "$t0" 2>/dev/null
	t1=$(rs_after "$t0")
	if [[ -z $t1 ]]; then
		notok "$d: no Router Solicitation at DAR1 after $1"
		return
	fi
	ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
	echo "   $1 -> RS at DAR1: $ms ms"
	LAT+=("$ms")
	check "$d: RS $ms ms after the NM event (< $BUDGET_MS ms)" \
		awk -v m="$ms" -v b="$BUDGET_MS" 'BEGIN { exit !(m < b) }'
}
LAT=()

tb_up --dars 1 || exit 1
for f in "$MND" "$MN_DAR"; do [[ -x $f ]] || { echo "not built: $f"; exit 1; }; done
# Only mnd solicits from here on: the kernel's own RSs after link-up would be taken for
# hints (mnd answers carrier changes with RSs of its own, not the kernel's).
tb exec mn sysctl -qw net.ipv6.conf.eth0.router_solicitations=0
bus_start || { notok "private bus starts"; exit 1; }
: >"$TB_RUN/mock.log"
rs_listen || { notok "RS listener in DAR1's namespace"; exit 1; }
mnd_start_dars tun || exit 1
start_mnd() {
	MND_DBUS=yes MND_CONF_EXTRA="dbus_group=nogroup" mnd_start -b tun --bus-address "$BUS_ADDR"
}

# ---------------------------------------------------------------- 1. NM there from the start
mock_start || { notok "mock NetworkManager on the private bus"; exit 1; }
mock AddEthernetDevice mock_eth0 eth0 100 >/dev/null
mock AddEthernetDevice mock_wlan9 wlan9 100 >/dev/null
# A modem-like device: its addresses live on IpInterface, not on Interface.
mock AddEthernetDevice mock_modem ttyUSB9 100 >/dev/null
mock SetProperty "$NMP/Devices/mock_modem" "$NM.Device" IpInterface eth0 >/dev/null
start_mnd || { notok "mnd starts (NM present)"; exit 1; }
check "mnd sees NetworkManager on the bus" tb_wait_log "$TB_RUN/mnd.log" ' nm-present '
mnd_wait "$DAR1_ADDR" role current || { notok "mnd attaches at DAR1"; exit 1; }
ok "mnd attached at DAR1 ($(mnd_field "$DAR1_ADDR" addr))"
# mnd's own start-up RSs are over once it is attached; from here every RS is a hint's.
t=$(now)
tb_sleep 0.3
check "no RS without an NM event ($(rs_count_after "$t") in 300 ms)" [ "$(rs_count_after "$t")" = 0 ]

hint_rs "eth0 disconnected" SetDeviceDisconnected "$DEV"
check "mnd logs the hint" tb_wait_log "$TB_RUN/mnd.log" 'hint if=eth0 event=device-disconnected'
hint_rs "eth0 activated" SetDeviceActive "$DEV" /
check "mnd logs the hint" tb_wait_log "$TB_RUN/mnd.log" 'hint if=eth0 event=device-activated'
hint_rs "eth0 disconnected again" SetDeviceDisconnected "$DEV"
check "mnd still attached at DAR1 (a hint decides nothing)" mnd_wait "$DAR1_ADDR" role current

t=$(mock SetDeviceDisconnected $NMP/Devices/mock_wlan9)
check "another interface's event reaches mnd" tb_wait_log "$TB_RUN/mnd.log" \
	'nm-hint if=wlan9 event=device-disconnected'
tb_sleep 0.2
check "... and sends no RS ($(rs_count_after "$t"))" [ "$(rs_count_after "$t")" = 0 ]

hint_rs "device with IpInterface eth0 (Interface ttyUSB9) disconnected" \
	SetDeviceDisconnected "$NMP/Devices/mock_modem"
check "... the hint names IpInterface" tb_wait_log "$TB_RUN/mnd.log" \
	'nm-hint if=eth0 event=device-disconnected from=/org/freedesktop/NetworkManager/Devices/mock_modem'
check "mnd exits 0 on SIGTERM" mnd_stop
mock_stop

# ---------------------------------------------------------------- 2. no NM on the bus
start_mnd || { notok "mnd starts (no NM)"; exit 1; }
check "mnd says NetworkManager is absent" tb_wait_log "$TB_RUN/mnd.log" ' nm-absent'
check "mnd attaches at DAR1 without NM" mnd_wait "$DAR1_ADDR" role current
t=$(now)
tb_sleep 0.3
check "no hint and no RS without NM" \
	sh -c "! grep -q ' hint ' '$TB_RUN/mnd.log' && [ $(rs_count_after "$t") = 0 ]"

# ---------------------------------------------------------------- 3. NM appears later
mock_start || { notok "mock NetworkManager starts after mnd"; exit 1; }
check "mnd picks up NetworkManager appearing" tb_wait_log "$TB_RUN/mnd.log" ' nm-present '
mock AddEthernetDevice mock_eth0 eth0 100 >/dev/null
hint_rs "eth0 disconnected (NM came after mnd)" SetDeviceDisconnected "$DEV"
check "mnd logs the hint" tb_wait_log "$TB_RUN/mnd.log" 'hint if=eth0 event=device-disconnected'
n0=$(grep -c ' nm-absent' "$TB_RUN/mnd.log")
mock_stop
check "NetworkManager leaving is one log line" tb_wait_for sh -c \
	"[ \$(grep -c ' nm-absent' '$TB_RUN/mnd.log') = $((n0 + 1)) ]"
check "mnd keeps running without NM" kill -0 "$MND_PID"
check "mnd still attached at DAR1" mnd_wait "$DAR1_ADDR" role current
check "no warning or error from mnd" sh -c "! grep -E '^mnd [0-9.]+ (warning|err) ' '$TB_RUN/mnd.log'"
check "mnd exits 0 on SIGTERM" mnd_stop

max=$(printf '%s\n' "${LAT[@]}" | sort -g | tail -n 1)
echo "   NM event -> RS latency: ${LAT[*]} ms (max ${max:-none})"
check_done
