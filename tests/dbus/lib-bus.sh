# lib-bus.sh - a private system-type dbus-daemon for the tests.
# bus_start: start it with a permissive policy (any user may connect, own and call: what is
# checked then is mnd's own authorization), listening on BUSDIR/bus in a fresh directory that
# everyone may enter (the unprivileged callers of the denial checks), a filesystem socket so
# that every network namespace reaches it. Sets BUSDIR, BUS_ADDR and BUS_PID and exports
# DBUS_SYSTEM_BUS_ADDRESS. bus_stop: stop it and remove BUSDIR.
# shellcheck shell=bash

BUS_PID=
BUS_ADDR=
BUSDIR=

bus_start() {
	local dir extra=${1:-}
	BUSDIR=$(mktemp -d /tmp/mnd-bus.XXXXXX) || return 1
	dir=$BUSDIR
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
	if [[ -n $BUS_PID ]]; then
		kill "$BUS_PID" 2>/dev/null
		wait "$BUS_PID" 2>/dev/null
		BUS_PID=
	fi
	[[ -n $BUSDIR ]] && rm -rf "$BUSDIR"
	BUSDIR=
}
