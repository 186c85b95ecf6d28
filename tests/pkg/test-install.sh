#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# "make install DESTDIR=..." from the build tree, then:
#   1. every file lands where Debian expects it (relative to the configured prefix, so that
#      --prefix=/usr gives Debian's paths), with the right modes and filled-in templates;
#   2. the bus policy loads in a private dbus-daemon (which refuses a malformed file) and
#      enforces who may call what, against a python-dbusmock stand-in owning org.dmm.Mnd1;
#   3. the unit passes "systemd-analyze verify" (skipped with a note without systemd-analyze);
#   4. the NetworkManager dispatcher script forwards only the events mnd cares about, is
#      bounded in time and always exits 0;
#   5. "make uninstall" removes everything again.
# Root is needed for the ownership and policy checks (uid switches); exits 77 otherwise.
# shellcheck disable=SC2154 # the directories come from an eval of make's variables
set -u
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_srcdir=${top_srcdir:-$top_builddir}
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (file ownership, dbus policy checks as other users)"
	exit 77
fi
# Called from "make check": start a clean make, not a part of the caller's jobserver.
unset MAKEFLAGS MFLAGS MAKELEVEL
make=${MAKE:-make}

tmp=$(mktemp -d /tmp/mnd-install.XXXXXX)
chmod 0755 "$tmp"
root=$tmp/root
pids=""
cleanup() {
	local p
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

failed=0
ok() { echo "ok - $*"; }
bad() {
	echo "not ok - $*"
	failed=$((failed + 1))
}
note() { echo "# $*"; }

# ---------------------------------------------------------------- configured directories
cat >"$tmp/dirs.mk" <<'EOF'
mnd-print-dirs:
	@echo "prefix='$(prefix)'"
	@echo "exec_prefix='$(exec_prefix)'"
	@echo "bindir='$(bindir)'"
	@echo "sbindir='$(sbindir)'"
	@echo "libdir='$(libdir)'"
	@echo "pkglibdir='$(pkglibdir)'"
	@echo "includedir='$(includedir)'"
	@echo "datadir='$(datadir)'"
	@echo "mandir='$(mandir)'"
	@echo "pkgconfigdir='$(pkgconfigdir)'"
	@echo "systemdsystemunitdir='$(systemdsystemunitdir)'"
	@echo "dbuspolicydir='$(dbuspolicydir)'"
	@echo "dbusservicesdir='$(dbusservicesdir)'"
	@echo "dbusinterfacesdir='$(dbusinterfacesdir)'"
	@echo "nmdir='$(nmdir)'"
	@echo "modulesloaddir='$(modulesloaddir)'"
	@echo "bashcompletiondir='$(bashcompletiondir)'"
	@echo "DBUS_GROUP='$(DBUS_GROUP)'"
	@echo "man_MANS_all='$(dist_man_MANS) $(man_MANS) $(dist_man1_MANS) $(man1_MANS)'"
EOF
if ! dirs=$($make -s -C "$top_builddir" -f Makefile -f "$tmp/dirs.mk" mnd-print-dirs 2>"$tmp/dirs.err"); then
	cat "$tmp/dirs.err"
	echo "FAIL: cannot read the configured directories from $top_builddir/Makefile"
	exit 1
fi
eval "$dirs"
note "prefix=$prefix libdir=$libdir group=$DBUS_GROUP"

# --------------------------------------------------------------------------- install
if ! $make -C "$top_builddir" install DESTDIR="$root" >"$tmp/install.log" 2>&1; then
	tail -n 40 "$tmp/install.log"
	echo "FAIL: make install DESTDIR=$root"
	exit 1
fi
ok "make install DESTDIR=..."

# Where Debian puts each file, relative to the prefix (--prefix=/usr gives Debian's paths).
# libdir stays the configured one (Debian uses the multiarch /usr/lib/<triplet>).
same_dir() { # configured-dir expected-dir [alternative]
	local got=$1 want=$2 alt=${3:-}
	[ "$got" = "$want" ] && return 0
	[ -n "$alt" ] && [ "$got" = "$alt" ] && return 0
	return 1
}
check_dir() { # name configured expected [alternative]
	if same_dir "$2" "$3" "${4:-}"; then
		ok "$1 is $2"
	else
		bad "$1 is $2, Debian layout: $3${4:+ (or $4)}"
	fi
}
check_dir sbindir "$sbindir" "$prefix/sbin"
check_dir bindir "$bindir" "$prefix/bin"
case $libdir in
"$prefix"/lib | "$prefix"/lib/*) ok "libdir $libdir under $prefix/lib" ;;
*) bad "libdir $libdir not under $prefix/lib" ;;
esac
check_dir pkglibdir "$pkglibdir" "$libdir/mnd"
check_dir includedir "$includedir" "$prefix/include"
check_dir pkgconfigdir "$pkgconfigdir" "$libdir/pkgconfig"
# Debian 12: /lib/systemd/system (systemd.pc); merged /usr makes it /usr/lib/systemd/system too.
[ "$prefix" = /usr ] && unitalt=/lib/systemd/system || unitalt=""
if [ -n "$systemdsystemunitdir" ]; then
	check_dir systemdsystemunitdir "$systemdsystemunitdir" "$prefix/lib/systemd/system" "$unitalt"
else
	note "configured without a systemd unit directory: the built unit is checked instead"
fi
check_dir dbuspolicydir "$dbuspolicydir" "$prefix/share/dbus-1/system.d"
check_dir dbusservicesdir "$dbusservicesdir" "$prefix/share/dbus-1/system-services"
check_dir dbusinterfacesdir "$dbusinterfacesdir" "$prefix/share/dbus-1/interfaces"
if [ -n "$nmdir" ]; then
	check_dir nmdir "$nmdir" "$prefix/lib/NetworkManager"
else
	note "configured without NetworkManager files: the built ones are checked instead"
fi
check_dir modulesloaddir "$modulesloaddir" "$prefix/lib/modules-load.d"
check_dir bashcompletiondir "$bashcompletiondir" "$prefix/share/bash-completion/completions"
check_dir mandir "$mandir" "$prefix/share/man"

# ------------------------------------------------------------------------------ files
check_file() { # path [mode]
	local f=$root$1 mode=${2:-}
	if [ ! -f "$f" ]; then
		bad "missing $1"
		return 1
	fi
	if [ -n "$mode" ]; then
		local m
		m=$(stat -c %a "$f")
		if [ "$m" != "$mode" ]; then
			bad "$1 has mode $m, want $mode"
			return 1
		fi
	fi
	ok "$1${mode:+ (mode $mode)}"
}
check_file "$sbindir/mnd" 755
if [ -x "$root$sbindir/mnd" ] && "$root$sbindir/mnd" --version >/dev/null 2>&1; then
	ok "installed mnd --version runs"
else
	bad "installed mnd --version fails"
fi
check_file "$bindir/mnctl" 755
check_file "$libdir/libmnsock.so.0.0.0"
for l in libmnsock.so libmnsock.so.0; do
	if [ -L "$root$libdir/$l" ] && [ -e "$root$libdir/$l" ]; then
		ok "$libdir/$l -> $(readlink "$root$libdir/$l")"
	else
		bad "$libdir/$l is not a working symlink"
	fi
done
check_file "$pkglibdir/libmnsock-preload.so"
check_file "$includedir/mnsock.h" 644
check_file "$pkgconfigdir/libmnsock.pc" 644
policy=$dbuspolicydir/org.dmm.Mnd1.conf
activation=$dbusservicesdir/org.dmm.Mnd1.service
check_file "$policy" 644
check_file "$activation" 644
check_file "$dbusinterfacesdir/org.dmm.Mnd1.xml" 644
# unitf, nmconff, dispf: the files whose content is checked (installed, else built)
if [ -n "$systemdsystemunitdir" ]; then
	check_file "$systemdsystemunitdir/mnd.service" 644
	unitf=$root$systemdsystemunitdir/mnd.service
else
	unitf=$top_builddir/dbus/mnd.service
fi
if [ -n "$nmdir" ]; then
	check_file "$nmdir/conf.d/90-mnd.conf" 644
	check_file "$nmdir/dispatcher.d/90-mnd" 755
	nmconff=$root$nmdir/conf.d/90-mnd.conf
	dispf=$root$nmdir/dispatcher.d/90-mnd
else
	nmconff=$top_builddir/dbus/nm/90-mnd.conf
	dispf=$top_builddir/dbus/nm/90-mnd
fi
check_file "$modulesloaddir/mnd.conf" 644
check_file "$bashcompletiondir/mnctl" 644
for m in $man_MANS_all; do
	b=${m##*/}
	check_file "$mandir/man${b##*.}/$b" 644
done
for m in mnd.8 mnd.conf.5 mnd.dbus.5 libmnsock.3; do
	case " $man_MANS_all " in
	*/"$m "*) ;;
	*) bad "man page $m is not installed (not in dist_man_MANS)" ;;
	esac
done
case " $man_MANS_all " in
*/"mnctl.1 "*) ;;
*) bad "man/mnctl.1 is not among the installed man pages" ;;
esac

# The dispatcher: root-owned, not group/other-writable, not setuid (NetworkManager's rules).
if [ -n "$nmdir" ] && [ -f "$dispf" ]; then
	st=$(stat -c '%u:%g %a' "$dispf")
	case $st in
	"0:0 755") ok "dispatcher script root:root 0755" ;;
	*) bad "dispatcher script is $st, want 0:0 755" ;;
	esac
fi

# Templates are filled in and agree with the installed layout.
if left=$(grep -l '@[A-Za-z_]*@' "$unitf" "$root$policy" "$root$activation" \
	"$dispf" 2>/dev/null); then
	bad "unfilled @VARIABLE@ in: $left"
else
	ok "no @VARIABLE@ left in the templates"
fi
grep -qx "ExecStart=$sbindir/mnd .*" "$unitf" && ok "unit runs $sbindir/mnd" ||
	bad "unit ExecStart is not $sbindir/mnd: $(grep ^ExecStart= "$unitf")"
for want in 'Type=dbus' 'BusName=org.dmm.Mnd1' 'Alias=dbus-org.dmm.Mnd1.service' \
	'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW' 'StateDirectory=mnd' \
	'RuntimeDirectory=mnd' 'ExecReload=/bin/kill -HUP $MAINPID' 'Restart=on-failure'; do
	grep -qxF "$want" "$unitf" || bad "unit lacks $want"
done
grep -q '^ProtectKernelTunables' "$unitf" && bad "unit sets ProtectKernelTunables (mnd writes sysctls)"
grep -qxF 'SystemdService=dbus-org.dmm.Mnd1.service' "$root$activation" &&
	grep -qxF 'Name=org.dmm.Mnd1' "$root$activation" && grep -qxF 'Exec=/bin/false' "$root$activation" &&
	ok "activation file names org.dmm.Mnd1 and dbus-org.dmm.Mnd1.service" ||
	bad "activation file content"
grep -qxF "mnctl=$bindir/mnctl" "$dispf" && ok "dispatcher calls $bindir/mnctl" ||
	bad "dispatcher does not call $bindir/mnctl"
grep -qF "<policy group=\"$DBUS_GROUP\">" "$root$policy" && ok "policy names group $DBUS_GROUP" ||
	bad "policy does not name group $DBUS_GROUP"
grep -qx 'ip6_tunnel' "$root$modulesloaddir/mnd.conf" && ok "modules-load.d loads ip6_tunnel" ||
	bad "modules-load.d/mnd.conf does not name ip6_tunnel"
grep -qx '\[keyfile\]' "$nmconff" &&
	grep -qx 'unmanaged-devices+\{0,1\}=interface-name:mnt\*' "$nmconff" &&
	ok "NetworkManager leaves mnt* unmanaged" || bad "90-mnd.conf does not unmanage mnt*"
# The links mnd creates are the ones NetworkManager is told to leave alone.
if grep -qE '^#define TNL_NAME_PREFIX "mnt"' "$top_srcdir/mnd/sys/tunnel.h"; then
	ok "mnd names its tunnel links mnt*"
else
	bad "mnd/sys/tunnel.h: TNL_NAME_PREFIX is no longer \"mnt\": update 90-mnd-networkmanager.conf"
fi

# ---------------------------------------------------------------- bus policy in dbus-daemon
if ! command -v dbus-daemon >/dev/null; then
	note "SKIP part: no dbus-daemon"
else
	mkdir -p "$tmp/bus" && chmod 0755 "$tmp/bus"
	busconf() { # included-policy-file
		cat <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$tmp/bus/socket</listen>
  <auth>EXTERNAL</auth>
  <!-- The default policy of Debian 12's /usr/share/dbus-1/system.conf -->
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <include>$1</include>
</busconfig>
EOF
	}
	# A broken policy must be refused, or the next check proves nothing.
	head -c 400 "$root$policy" >"$tmp/broken.conf"
	busconf "$tmp/broken.conf" >"$tmp/bus-broken.conf"
	if out=$(dbus-daemon --config-file="$tmp/bus-broken.conf" --fork --print-pid=1 2>&1); then
		pids="$pids $(echo "$out" | tail -n 1)"
		bad "dbus-daemon accepted a truncated policy file"
	else
		ok "dbus-daemon refuses a truncated policy file"
	fi
	# The policy as installed, or with an existing group if $DBUS_GROUP is not on this system.
	testpolicy=$root$policy
	group=$DBUS_GROUP
	if ! getent group "$group" >/dev/null; then
		group=users
		getent group "$group" >/dev/null || group=nogroup
		sed "s|<policy group=\"$DBUS_GROUP\">|<policy group=\"$group\">|" "$root$policy" >"$tmp/policy.conf"
		testpolicy=$tmp/policy.conf
		note "group $DBUS_GROUP does not exist here: the calls as a member use group $group"
	fi
	gid=$(getent group "$group" | cut -d: -f3)
	busconf "$testpolicy" >"$tmp/bus.conf"
	if ! out=$(dbus-daemon --config-file="$tmp/bus.conf" --fork --print-pid=1 2>&1); then
		bad "dbus-daemon refuses the installed policy: $out"
	else
		pids="$pids $(echo "$out" | tail -n 1)"
		ok "dbus-daemon loads the installed policy"
		export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$tmp/bus/socket
		if ! /usr/bin/python3 -c 'import dbusmock' 2>/dev/null; then
			note "SKIP part: no python3-dbusmock for the per-user policy checks"
		else
			/usr/bin/python3 -m dbusmock --system org.dmm.Mnd1 /org/dmm/Mnd1 \
				org.dmm.Mnd1.Manager >"$tmp/mock.log" 2>&1 &
			pids="$pids $!"
			if ! gdbus wait --system --timeout 10 org.dmm.Mnd1; then
				bad "the stand-in for mnd (root) could not own org.dmm.Mnd1"
				cat "$tmp/mock.log"
			else
				ok "root owns org.dmm.Mnd1"
				M="gdbus call --system -d org.dmm.Mnd1 -o /org/dmm/Mnd1"
				$M -m org.freedesktop.DBus.Mock.AddMethods org.dmm.Mnd1.Manager \
					"[('Reload', '', '', ''), ('KeepAddress', 's', '', ''),
					  ('ReleaseAddress', 's', '', ''), ('Notify', 'ss', '', ''),
					  ('ListFlows', '', 'aa{sv}', 'ret = []')]" >/dev/null &&
					$M -m org.freedesktop.DBus.Mock.AddProperty org.dmm.Mnd1.Manager \
						Version "<'0.1.0'>" >/dev/null ||
					bad "cannot set up the stand-in"
				# call root|nobody|member allowed|denied|notdenied METHOD ARGS...
				call() {
					local who=$1 want=$2 method=$3 out got
					shift 3
					case $who in
					root) out=$($M -m "$method" "$@" 2>&1) ;;
					nobody) out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
						$M -m "$method" "$@" 2>&1) ;;
					member) out=$(setpriv --reuid=65534 --regid=65534 --groups="$gid" \
						$M -m "$method" "$@" 2>&1) ;;
					esac
					case $out in
					*AccessDenied*) got=denied ;;
					*Error*) got="error: $out" ;;
					*) got=allowed ;;
					esac
					# notdenied: the policy lets it through (the stand-in may not answer it)
					[ "$want" = notdenied ] && [ "$got" != denied ] && got=notdenied
					if [ "$got" = "$want" ]; then
						ok "$who: $method $want"
					else
						bad "$who: $method: want $want, got $got"
					fi
				}
				call nobody allowed org.dmm.Mnd1.Manager.ListFlows
				call nobody allowed org.freedesktop.DBus.Properties.Get org.dmm.Mnd1.Manager Version
				call nobody allowed org.freedesktop.DBus.Properties.GetAll org.dmm.Mnd1.Manager
				call nobody denied org.freedesktop.DBus.Properties.Set org.dmm.Mnd1.Manager Version "<'x'>"
				call nobody allowed org.freedesktop.DBus.Introspectable.Introspect
				call nobody allowed org.freedesktop.DBus.Peer.Ping
				call nobody notdenied org.freedesktop.DBus.ObjectManager.GetManagedObjects
				for m in Reload "KeepAddress 2001:db8::1" "ReleaseAddress 2001:db8::1" "Notify eth0 up"; do
					# shellcheck disable=SC2086
					call nobody denied org.dmm.Mnd1.Manager.$m
					# shellcheck disable=SC2086
					call member allowed org.dmm.Mnd1.Manager.$m
					# shellcheck disable=SC2086
					call root allowed org.dmm.Mnd1.Manager.$m
				done
				call member denied org.freedesktop.DBus.Mock.AddProperty org.dmm.Mnd1.Manager X "<1>"
				call nobody denied org.freedesktop.DBus.Mock.Reset
				# Only root may own the name.
				if setpriv --reuid=65534 --regid=65534 --clear-groups gdbus call --system \
					-d org.freedesktop.DBus -o /org/freedesktop/DBus \
					-m org.freedesktop.DBus.RequestName org.dmm.Mnd1 4 2>&1 | grep -q AccessDenied; then
					ok "nobody may not own org.dmm.Mnd1"
				else
					bad "nobody may own org.dmm.Mnd1"
				fi
			fi
		fi
		unset DBUS_SYSTEM_BUS_ADDRESS
	fi
fi

# -------------------------------------------------------------------------- the unit
if ! command -v systemd-analyze >/dev/null; then
	note "SKIP part: no systemd-analyze, the unit is not verified"
else
	# Verify a copy whose ExecStart points into DESTDIR, so the binary check sees the real one.
	mkdir -p "$tmp/units"
	sed "s|$sbindir/mnd|$root$sbindir/mnd|" "$unitf" >"$tmp/units/mnd.service"
	if systemd-analyze verify --man=no "$tmp/units/mnd.service" >"$tmp/verify.log" 2>&1 &&
		! grep -v -e '^$' "$tmp/verify.log" | grep -q .; then
		ok "systemd-analyze verify mnd.service: clean"
	else
		sed 's/^/#   /' "$tmp/verify.log"
		bad "systemd-analyze verify mnd.service"
	fi
fi

# ---------------------------------------------------------------- the dispatcher script
d=$tmp/90-mnd
cat >"$tmp/fake-mnctl" <<EOF
#!/bin/sh
printf '%s|' "\$@" >>"$tmp/calls"; echo >>"$tmp/calls"
[ -n "\${FAKE_SLEEP:-}" ] && sleep "\$FAKE_SLEEP"
echo "fake mnctl error" >&2
exit \${FAKE_RC:-0}
EOF
chmod 0755 "$tmp/fake-mnctl"
sed "s|^mnctl=.*|mnctl=$tmp/fake-mnctl|" "$dispf" >"$d"
chmod 0755 "$d"
dispatch() { # want-call(yes|no) iface action [rc]
	local want=$1 iface=$2 action=$3 err rc
	: >"$tmp/calls"
	err=$(FAKE_RC=${4:-0} "$d" "$iface" "$action" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne 0 ]; then
		bad "dispatcher '$iface' '$action' exits $rc"
	elif [ "$want" = yes ] && ! grep -qxF -- "--timeout|1000|notify|$iface|$action|" "$tmp/calls"; then
		bad "dispatcher '$iface' '$action' did not call mnctl notify: $(cat "$tmp/calls")"
	elif [ "$want" = no ] && [ -s "$tmp/calls" ]; then
		bad "dispatcher '$iface' '$action' called mnctl"
	elif [ "$want" = yes ]; then
		ok "dispatcher '$iface' '$action': forwarded"
	else
		ok "dispatcher '$iface' '$action': ignored"
	fi
}
dispatch yes eth0 up
dispatch yes wlan0 down
dispatch yes wlan0 dhcp6-change
dispatch yes "" connectivity-change
dispatch yes eth0 reapply
dispatch no none hostname
dispatch no "" dns-change
dispatch no eth0 dhcp4-change
dispatch no eth0 vpn-up
dispatch no mnt0 up
# mnd not running (mnctl exit 8): silent; another failure: one line on stderr; still exit 0.
err=$(FAKE_RC=8 "$d" eth0 up 2>&1 >/dev/null) && [ -z "$err" ] &&
	ok "dispatcher: mnd not running (exit 8) is silent and exits 0" ||
	bad "dispatcher with mnctl exit 8: rc=$? stderr=$err"
err=$(FAKE_RC=1 "$d" eth0 up 2>&1 >/dev/null) && [ -n "$err" ] &&
	ok "dispatcher: mnctl failure is logged ($err) and exits 0" ||
	bad "dispatcher with mnctl exit 1: rc=$? stderr=$err"
start=$(date +%s)
FAKE_SLEEP=30 "$d" eth0 up >/dev/null 2>&1
rc=$? took=$(($(date +%s) - start))
[ $rc -eq 0 ] && [ $took -le 5 ] && ok "dispatcher: a hung mnctl is cut off (${took}s) and exits 0" ||
	bad "dispatcher with a hung mnctl: rc=$rc after ${took}s"
sed "s|^mnctl=.*|mnctl=$tmp/no-such-mnctl|" "$dispf" >"$d"
"$d" eth0 up >/dev/null 2>&1 && ok "dispatcher: no mnctl installed, exits 0" ||
	bad "dispatcher without mnctl exits $?"
sh -n "$dispf" && ok "dispatcher parses with sh -n" || bad "dispatcher: sh -n"

# ------------------------------------------------------------------------- uninstall
if $make -C "$top_builddir" uninstall DESTDIR="$root" >"$tmp/uninstall.log" 2>&1; then
	left=$(find "$root" -type f -o -type l)
	if [ -z "$left" ]; then
		ok "make uninstall removes every file"
	else
		bad "make uninstall leaves: $left"
	fi
else
	tail -n 20 "$tmp/uninstall.log"
	bad "make uninstall DESTDIR=..."
fi

if [ $failed -ne 0 ]; then
	echo "FAIL: $failed install checks failed"
	exit 1
fi
echo "PASS: install layout, bus policy, unit and dispatcher"
exit 0
