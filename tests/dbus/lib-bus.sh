# lib-bus.sh - a private system-type dbus-daemon for the tests.
# bus_start DIR: start it with a permissive policy (any user may connect, own and call: what
# is checked then is mnd's own authorization), listening on DIR/bus, a filesystem socket so
# that every network namespace reaches it. Sets BUS_ADDR and BUS_PID and exports
# DBUS_SYSTEM_BUS_ADDRESS. bus_stop: stop it.
# shellcheck shell=bash

BUS_PID=
BUS_ADDR=

bus_start() {
	local dir=$1 extra=${2:-}
	mkdir -p "$dir"
	chmod 755 "$dir"
	cat >"$dir/bus.conf" <<-EOF
		<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
		 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
		<busconfig>
		  <type>system</type>
		  <listen>unix:path=$dir/bus</listen>
		  <auth>EXTERNAL</auth>
		  <policy context="default">
		    <allow user="*"/>
		    <allow own="*"/>
		    <allow send_destination="*" eavesdrop="true"/>
		    <allow receive_sender="*"/>
		  </policy>
		  $extra
		</busconfig>
	EOF
	dbus-daemon --config-file="$dir/bus.conf" --nofork --nopidfile \
		--print-address=3 3>"$dir/address" 2>"$dir/bus.log" &
	BUS_PID=$!
	tb_wait_for test -s "$dir/address" || return 1
	BUS_ADDR=$(head -n 1 "$dir/address")
	export DBUS_SYSTEM_BUS_ADDRESS=$BUS_ADDR
}

bus_stop() {
	[[ -n $BUS_PID ]] || return 0
	kill "$BUS_PID" 2>/dev/null
	wait "$BUS_PID" 2>/dev/null
	BUS_PID=
}
