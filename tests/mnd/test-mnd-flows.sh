#!/bin/bash
# Per-flow continuity in mnd, end to end on the namespace testbed against the reference DAR
# (the mnd part of the per-flow issue). Modes are set through mnd's control socket by
# tests/mnd/mnsock_client.py (the protocol of libmnsock/mnsock-proto.h, without libmnsock):
#  0. the control socket answers malformed requests with their errno, refuses clients beyond
#     64 and survives a flood (mnsock_client.py selftest);
#  1. two TCP flows on the DAR1 address, one marked bypass and one continuity: after
#     DAR1 -> DAR2 both survive (the address is kept because one needs it). Closing the
#     continuity flow makes mnd de-register at DAR1 within 1 s (the lifetime-0 BU in a capture;
#     the time from the close to it from the logs), DAR1's cache empties and the address goes;
#  2. only bypass flows on the DAR2 address: no BU on DAR2 -> DAR3, the address is removed;
#  5. each kind of mnd.conf rule (dport, sport, protocol, program, cgroup, unit, uid, the
#     `default` action, first match wins) decides unmarked flows on the DAR3 address at
#     DAR3 -> DAR1 as documented, and the application's request beats the rules; killing the
#     processes of two of its three continuity flows keeps it, and the last one switching to
#     bypass through the control socket releases it.
# Usage: test-mnd-flows.sh [BACKEND]   (mnd's backend; default tun)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
. "$top_srcdir/tests/testbed/lib.sh"
. "$here/lib-mnd.sh"
tb_require_root

BACKEND=${1:-${MND_BACKEND:-tun}}
MND=${MND:-$top_builddir/mnd/mnd}
MN_DAR=${MN_DAR:-$top_builddir/tests/dar/mn-dar}
PY=/usr/bin/python3
FLOW="$PY $here/flow.py"
MC="$PY $here/mnsock_client.py"
export TB_WAIT_TIMEOUT=${TB_WAIT_TIMEOUT:-8}
DEADLINE=${DEADLINE:-1.0} # seconds from the close of the last continuity flow to its BU

. "$top_srcdir/tests/lib-check.sh"

CG_ROOT=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
CG_NAME=mnd-flows-$$
CG_DIRS=()
PUB=
cleanup() {
	local d
	mnd_teardown
	if ((fail)) && [[ -n ${TB_RUN:-} ]]; then
		echo "---- mnd.log (tail)"
		tail -n 80 "$TB_RUN/mnd.log"
	fi
	tb_down
	# The flows are gone with their namespaces: the cgroups are empty now.
	for ((d = ${#CG_DIRS[@]} - 1; d >= 0; d--)); do rmdir "${CG_DIRS[d]}" 2>/dev/null; done
	[[ -z $PUB ]] || rm -rf "$PUB"
}
trap cleanup EXIT

tb_up --dars 3 || exit 1
for f in "$MND" "$MN_DAR"; do [[ -x $f ]] || { echo "not built: $f"; exit 1; }; done
mnd_start_dars tun || exit 1
mnd_start -b "$BACKEND" || { notok "mnd starts"; exit 1; }
ok "mnd starts with backend $BACKEND"
CTL=$MND_RUN/mnsock
MC="$MC --path $CTL"

# The rules of item 5, loaded by SIGHUP before anything moves. The ports of items 1 and 2
# (5001, 5002) match none of them.
have_cg=0
if [[ -n $CG_ROOT && -w $CG_ROOT ]] && mkdir "$CG_ROOT/$CG_NAME" 2>/dev/null; then
	CG_DIRS+=("$CG_ROOT/$CG_NAME")
	mkdir -p "$CG_ROOT/$CG_NAME.slice/$CG_NAME.service" &&
		CG_DIRS+=("$CG_ROOT/$CG_NAME.slice" "$CG_ROOT/$CG_NAME.slice/$CG_NAME.service") &&
		have_cg=1
fi
cat >>"$TB_RUN/mnd.conf" <<EOF

[rules]
r-default=default tcp dport 5005
r-dport=bypass tcp dport 5005-5009
r-sport=bypass tcp sport 7001
r-udp=continuity udp sport 7002
r-prog=bypass program mnd-test-prog
r-uid=bypass uid 65534
r-cgroup=bypass cgroup /$CG_NAME
r-unit=bypass unit $CG_NAME.service
EOF
# `ip netns exec` mounts a fresh /sys, which hides the cgroup v2 mount: give mnd's mount
# namespace one (a real mnd runs in the host's mount namespace and sees it).
if ((have_cg)) && ! nsenter -t "$MND_PID" -m mount -t cgroup2 none /sys/fs/cgroup; then
	have_cg=0
fi
kill -HUP "$MND_PID"
check "SIGHUP loads 8 rules" tb_wait_log "$TB_RUN/mnd.log" "reloaded .* rules=8"
check "mnd logs each rule in canonical form" grep -q "rule name=r-default default tcp dport 5005" \
	"$TB_RUN/mnd.log"

# ---------------------------------------------------------------- 0. the control socket
check "control socket at <run_dir>/mnsock, a socket, mode 0666" \
	test "$(stat -c '%F %a' "$CTL" 2>/dev/null)" = "socket 666"
st=$(tb exec mn $MC selftest 2>&1)
echo "$st" | sed 's/^/   /'
n_ok=$(grep -c '^ok - ' <<<"$st")
n_bad=$(grep -c '^not ok - ' <<<"$st")
check "control protocol selftest: $n_ok checks passed, $n_bad failed" [ "$n_bad" = 0 -a "$n_ok" -ge 16 ]
check "mnd still running after the selftest" kill -0 "$MND_PID"
check "malformed requests logged with the client's credentials" \
	grep -qE "ctl-request pid=[0-9]+ uid=0 .*status=74 error=" "$TB_RUN/mnd.log"
check "clients beyond 64 refused and logged" grep -q "ctl-client-refused .*reason=too-many-clients" \
	"$TB_RUN/mnd.log"

# ---------------------------------------------------------------- 1. DAR1 -> DAR2, then close
mnd_wait "$DAR1_ADDR" role current || exit 1
HOA1=$(mnd_field "$DAR1_ADDR" addr)
tb_wait_addr mn eth0 "$HOA1/128" >/dev/null || notok "HoA1 on eth0"
tb exec cn $FLOW tcp-server 5001 &
BG+=($!)
tb exec cn $FLOW udp-echo 5002 &
BG+=($!)
tb_wait_for sh -c "ip netns exec $NS_CN ss -Hltn 'sport = :5001' | grep -q ."

flow() { # flow NAME ARGS...: a tcp-flow with its FIFO NAME.ctl and log NAME.log
	local name=$1
	shift
	mkfifo "$TB_RUN/$name.ctl"
	tb exec mn $MC "$@" "$TB_RUN/$name.ctl" "$TB_RUN/$name.log" &
	BG+=($!)
}
ask() { # ask NAME CMD: one FIFO command, wait for the next line of its log
	local n
	n=$(grep -c '' "$TB_RUN/$1.log")
	echo "$2" >"$TB_RUN/$1.ctl"
	tb_wait_for -t 20 sh -c "[ \$(grep -c '' '$TB_RUN/$1.log') -gt $n ]" || return 1
	tail -n 1 "$TB_RUN/$1.log"
}
xfer() { # xfer NAME: 200 kB echoed on that flow
	local l
	l=$(ask "$1" "xfer 200000") || return 1
	[[ $l == *" ok xfer "* ]]
}

flow a1 tcp-flow bypass "$HOA1" "$CN_ADDR" 5001
flow b1 tcp-flow continuity "$HOA1" "$CN_ADDR" 5001
check "flow A (bypass) marked through the control socket" \
	tb_wait_log "$TB_RUN/a1.log" "mode-set bypass status=0 "
check "flow B (continuity) marked through the control socket" \
	tb_wait_log "$TB_RUN/b1.log" "mode-set continuity status=0 "
# The reply can reach the client before mnd's log line is written: wait for it.
check "mnd logs the request with pid, uid, op, mode, cookie and local address" \
	tb_wait_log "$TB_RUN/mnd.log" \
	"ctl-request pid=[0-9]+ uid=0 op=set-mode mode=continuity cookie=[0-9]+ local=\[$HOA1\]:[0-9]+ proto=tcp status=0"
l=$(ask b1 info)
check "get-mode/get-info on B: continuity by application, anchored at DAR1, current ($l)" \
	grep -q "mode=continuity why=application local=$HOA1 anchor=$DAR1_ADDR role=current" <<<"$l"
check "flow A moves data at DAR1" xfer a1
check "flow B moves data at DAR1" xfer b1

tb move 2
mnd_wait "$DAR2_ADDR" role current
HOA2=$(mnd_field "$DAR2_ADDR" addr)
check "DAR1 address kept: one continuity flow, one bypass" \
	tb_wait_log "$TB_RUN/mnd.log" "keep addr=$HOA1 dar=$DAR1_ADDR flows=1 bypass=1"
check "DAR1 binding bound" mnd_wait "$DAR1_ADDR" binding bound
check "status shows one continuity flow on the DAR1 address" mnd_wait "$DAR1_ADDR" flows 1
check "flow A (bypass) survives DAR1 -> DAR2" xfer a1
check "flow B (continuity) survives DAR1 -> DAR2" xfer b1
l=$(ask a1 info)
check "get-info on A after the move: role kept ($l)" grep -q "anchor=$DAR1_ADDR role=kept" <<<"$l"

tb capture mn-eth0 "$TB_RUN/close.pcap" ip6 proto 41 >/dev/null
ask b1 close >/dev/null
check "mnd sees B end (destroy event)" \
	tb_wait_log "$TB_RUN/mnd.log" "flow-ended addr=$HOA1 dar=$DAR1_ADDR proto=tcp .*remaining=0"
check "mnd releases the DAR1 address: reason=last-flow-ended" \
	tb_wait_log "$TB_RUN/mnd.log" "release addr=$HOA1 dar=$DAR1_ADDR flows=0 bypass=1 .*reason=last-flow-ended"
check "lifetime-0 BU to DAR1 sent" \
	tb_wait_log "$TB_RUN/mnd.log" "bu-sent dar=$DAR1_ADDR hoa=$HOA1 .*lifetime=0"
t_close=$(awk '$2 == "closing" {print $1; exit}' "$TB_RUN/b1.log")
t_bu=$(awk -v d="bu-sent dar=$DAR1_ADDR hoa=$HOA1 " 'index($0, d) && / lifetime=0/ {print $2; exit}' \
	"$TB_RUN/mnd.log")
if [[ -n $t_close && -n $t_bu ]]; then
	dt=$(awk -v a="$t_close" -v b="$t_bu" 'BEGIN {printf "%.3f", b - a}')
	check "close -> lifetime-0 BU in ${dt} s (< $DEADLINE s, same monotonic clock)" \
		awk -v d="$dt" -v m="$DEADLINE" 'BEGIN {exit !(d >= 0 && d < m)}'
else
	notok "close and BU times found (close: ${t_close:-none}, BU: ${t_bu:-none})"
fi
check "DAR1's cache is empty for HoA1" tb_wait_for sh -c \
	"! grep -q '^binding hoa=$HOA1 ' '$TB_RUN/dar1.state'"
check "the DAR1 address is gone from the MN" tb_wait_for sh -c \
	"! ip -n $NS_MN -6 addr show dev eth0 | grep -q '$HOA1/'"
check "the de-registration is acknowledged: anchor released, no binding" \
	mnd_wait "$DAR1_ADDR" binding none
check "DAR1 anchor role released" mnd_wait "$DAR1_ADDR" role released
tb capture-stop "$TB_RUN/close.pcap"
n0=$(tshark -r "$TB_RUN/close.pcap" -Y "mip6.mhtype == 5 && mip6.bu.lifetime == 0 && ipv6.dst == $DAR1_ADDR" 2>/dev/null | wc -l)
check "capture: the lifetime-0 BU to DAR1 is on the wire ($n0)" [ "$n0" -ge 1 ]
check "no mnt rule left for HoA1" sh -c "! ip -n $NS_MN -6 rule show | grep -q '$HOA1'"

# ---------------------------------------------------------------- 2. only bypass flows
flow c2 tcp-flow bypass "$HOA2" "$CN_ADDR" 5001
tb exec mn $MC udp-flow bypass "$HOA2" "$CN_ADDR" 5002 "$TB_RUN/d2.log" &
BG+=($!)
check "TCP flow on the DAR2 address marked bypass" tb_wait_log "$TB_RUN/c2.log" "mode-set bypass status=0 "
check "connected UDP flow on the DAR2 address marked bypass" \
	tb_wait_log "$TB_RUN/d2.log" "mode-set bypass status=0 "
check "both move data at DAR2" xfer c2
tb_wait_log "$TB_RUN/d2.log" "udp sent=[0-9]+ recv=[1-9]" >/dev/null
tb capture mn-eth0 "$TB_RUN/move3.pcap" >/dev/null
tb move 3
mnd_wait "$DAR3_ADDR" role current
HOA3=$(mnd_field "$DAR3_ADDR" addr)
check "DAR2 address released: no continuity flow, two bypass" \
	tb_wait_log "$TB_RUN/mnd.log" "release addr=$HOA2 dar=$DAR2_ADDR flows=0 bypass=2"
check "DAR2 anchor role released" mnd_wait "$DAR2_ADDR" role released
check "the DAR2 address is gone from the MN" tb_wait_for sh -c \
	"! ip -n $NS_MN -6 addr show dev eth0 | grep -q '$HOA2/'"
tb_sleep 0.5
tb capture-stop "$TB_RUN/move3.pcap"
n2=$(tshark -r "$TB_RUN/move3.pcap" -Y "mip6.mhtype == 5 && ipv6.dst == $DAR2_ADDR" 2>/dev/null | wc -l)
check "no BU went to DAR2 ($n2)" [ "$n2" = 0 ]
check "DAR2 has no binding" sh -c "! grep -q '^binding ' '$TB_RUN/dar2.state'"

# ---------------------------------------------------------------- 5. rules
for p in 5005 5006 5010 5011 5012 5013 5014; do
	tb exec cn $FLOW tcp-server $p &
	BG+=($!)
done
tb_wait_for sh -c "ip netns exec $NS_CN ss -Hltn 'sport = :5014' | grep -q ."
PUB=$(mktemp -d /tmp/mnd-flows-pub.XXXXXX)
chmod 0777 "$PUB"
uflow() { # uflow NAME ARGS...: a flow that lives until killed, logging to NAME.log
	local name=$1
	shift
	tb exec mn $MC "$@" "$TB_RUN/$name.log" &
	BG+=($!)
}
# Each flow's expected decision: NAME DPORT|SPORT MODE WHY
uflow f5 tcp-flow - "$HOA3" "$CN_ADDR" 5005 -
uflow f6 tcp-flow - "$HOA3" "$CN_ADDR" 5006 -
uflow l1 listen - tcp "$HOA3" 7001
uflow l2 listen - udp "$HOA3" 7002
uflow fp --comm mnd-test-prog tcp-flow - "$HOA3" "$CN_ADDR" 5010 -
mkfifo "$TB_RUN/fa.ctl"
uflow fa --comm mnd-test-prog tcp-flow continuity "$HOA3" "$CN_ADDR" 5014 "$TB_RUN/fa.ctl"
tb exec mn $MC --uid 65534 tcp-flow - "$HOA3" "$CN_ADDR" 5013 - "$PUB/fu.log" &
BG+=($!)
cgflow() { # cgflow NAME CGROUP-DIR ARGS...: join the cgroup first (visible only out here)
	local name=$1 dir=$2
	shift 2
	sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec ip netns exec "$@"' sh "$dir" \
		"$NS_MN" $MC "$@" "$TB_RUN/$name.log" &
	BG+=($!)
}
if ((have_cg)); then
	cgflow fc "$CG_ROOT/$CG_NAME" tcp-flow - "$HOA3" "$CN_ADDR" 5011 -
	cgflow fn "$CG_ROOT/$CG_NAME.slice/$CG_NAME.service" tcp-flow - "$HOA3" "$CN_ADDR" 5012 -
fi
for f in f5 f6 fp; do tb_wait_log "$TB_RUN/$f.log" "mode not-asked" >/dev/null || notok "$f started"; done
tb_wait_log "$TB_RUN/fa.log" "mode-set continuity status=0" >/dev/null || notok "fa marked"
tb_wait_log "$TB_RUN/l1.log" "mode not-asked" >/dev/null
tb_wait_log "$TB_RUN/l2.log" "mode not-asked" >/dev/null
tb_wait_log "$PUB/fu.log" "mode not-asked" >/dev/null || notok "the uid 65534 flow started"
((have_cg)) && for f in fc fn; do tb_wait_log "$TB_RUN/$f.log" "mode not-asked" >/dev/null; done

tb move 1
mnd_wait "$DAR1_ADDR" role current
tb_wait_log "$TB_RUN/mnd.log" "(keep|release) addr=$HOA3 " >/dev/null
decided() { # decided WHAT PORTKEY PORT MODE WHY: the debug line of that flow at DAR3 -> DAR1
	local what=$1 key=$2 port=$3 mode=$4 why=$5
	check "$what: $mode by $why" grep -qE \
		"flow addr=$HOA3 proto=[a-z]+ .*$key=$port .*mode=$mode why=$why\$" "$TB_RUN/mnd.log"
}
decided "tcp dport 5005 (a \`default\` rule first: built-in defaults)" dport 5005 continuity \
	default:tcp-open
decided "tcp dport 5006 (port range rule, first match after it)" dport 5006 bypass rule:r-dport
decided "tcp listener on local port 7001 (sport rule)" sport 7001 bypass rule:r-sport
decided "unconnected udp on local port 7002 (protocol + sport rule, default would be bypass)" \
	sport 7002 continuity rule:r-udp
decided "program mnd-test-prog (program rule)" dport 5010 bypass rule:r-prog
decided "uid 65534 (uid rule)" dport 5013 bypass rule:r-uid
decided "program mnd-test-prog asking continuity (application beats rules)" dport 5014 \
	continuity app
if ((have_cg)); then
	decided "process in cgroup /$CG_NAME (cgroup rule)" dport 5011 bypass rule:r-cgroup
	decided "process in unit $CG_NAME.service (unit rule)" dport 5012 bypass rule:r-unit
	nbypass=6
else
	skipped "cgroup and unit rules: no writable cgroup v2 mount"
	nbypass=4
fi
check "DAR3 address kept for its 3 continuity flows ($nbypass bypass)" \
	grep -q "keep addr=$HOA3 dar=$DAR3_ADDR flows=3 bypass=$nbypass" "$TB_RUN/mnd.log"
check "DAR3 binding bound" mnd_wait "$DAR3_ADDR" binding bound
# Two of the three continuity flows end with their processes: the address stays.
for f in f5 l2; do
	pid=$(awk '$2 == "start" {sub("pid=", "", $3); print $3; exit}' "$TB_RUN/$f.log")
	[[ -n $pid ]] && kill "$pid"
done
check "two continuity flows end with their processes, one remains" \
	tb_wait_log "$TB_RUN/mnd.log" "flow-ended addr=$HOA3 dar=$DAR3_ADDR .*remaining=1"
check "status: one continuity flow on the DAR3 address" mnd_wait "$DAR3_ADDR" flows 1
check "the DAR3 address is still kept" mnd_wait "$DAR3_ADDR" role previous-kept
# The last one asks for bypass: nothing needs the address any more.
echo "mode bypass" >"$TB_RUN/fa.ctl"
check "the last continuity flow switches to bypass through the control socket" \
	tb_wait_log "$TB_RUN/fa.log" "mode-set bypass status=0 "
check "the DAR3 address goes: reason=mode-changed" \
	tb_wait_log "$TB_RUN/mnd.log" "release addr=$HOA3 dar=$DAR3_ADDR flows=0 .*reason=mode-changed"
check "DAR3's cache is empty" tb_wait_for sh -c "! grep -q '^binding hoa=$HOA3 ' '$TB_RUN/dar3.state'"

# ---------------------------------------------------------------- stop
mnd_stop
rc=$?
check "mnd exits 0 on SIGTERM" [ "$rc" = 0 ]
check "the control socket is removed on exit" test ! -e "$CTL"

check_done
