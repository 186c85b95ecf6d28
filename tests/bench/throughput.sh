#!/bin/bash
# throughput.sh - throughput baseline of mnd's tunnels on the namespace testbed (run on
# purpose, as root; not part of make check).
#
#   tests/bench/throughput.sh          host kernel; CONFIGS default "tun:tun seg6:seg6 seg6:tun"
#   tests/bench/throughput.sh --uml    the same inside User-Mode Linux (tests/kernel/
#                                      kernel-vm.sh); CONFIGS default "ip6tnl:ip6tnl tun:tun"
#
# A configuration is MND_BACKEND:DAR_BACKEND: mnd's data plane on the MN and mn-dar's on every
# DAR. tun:tun is user space on both ends (mnd's TUN device, mn-dar's relay); seg6:seg6 and
# ip6tnl:ip6tnl put the measured direction (CN -> DAR1 -> tunnel -> MN) in the kernel on both
# ends (with seg6 DARs the uplink, i.e. the ACKs, still goes through mn-dar's user-space relay;
# with ip6tnl both directions are the kernel's); seg6:tun (the only configuration measured
# before) keeps the DAR's user-space relay in the path.
#
# One testbed of 3 DARs for the whole run. Per configuration (the DARs restarted on their
# backend with empty binding caches, mnd restarted, the MN back at DAR1): mnd starts at DAR1,
# an idle TCP flow CN -> the MN's DAR1 address keeps that address in use, the MN moves to
# DAR2 and, once the DAR1 binding is bound, iperf3 runs TCP for DURATION s (default 10) from
# the CN to the MN's DAR1 address, so the traffic goes DAR1 -> tunnel -> mnd. After the first
# configuration, the same from the CN to the MN's current DAR2 address: the plain path,
# native, no tunnel, in the same run and kernel, which every row's ratio is taken against;
# then (unless TRIANGLE=0) plain-dar1: the same address, but the CN routes it via DAR1, which
# forwards it over the backbone to DAR2: the routers, bridges and links a tunnelled packet
# crosses (CN -> DAR1 -> DAR2 -> MN, where plain is CN -> DAR2 -> MN), without the tunnel, so
# that the tunnel's own cost can be told from the longer path's.
#
# Per row: iperf3's receiver rate in Mbit/s, its ratio to the plain path, the sender's TCP
# retransmissions, and CPU time per GB received (user+system from /proc/PID/stat before and
# after, over the receiver's byte count) of mnd, of the iperf3 server in the MN's namespace and
# of mn-dar on DAR1; then the whole machine's softirq and busy (everything but idle and
# iowait) time per GB from /proc/stat, which covers the CN, the switch and the DARs as well.
# The per-process figures miss most softirq work (the stack's receive and forwarding path,
# seg6/ip6tnl en- and decapsulation): with tick-based accounting a tick that lands in softirq
# is charged to whichever task was running (often another one, or the idle task), or it runs
# in ksoftirqd; only the machine-wide columns hold it. The run waits for nothing else on the
# machine: keep it otherwise idle, or the machine-wide columns are meaningless.
#
# --uml: the host kernel has no ip6_tunnel; the UML guest kernel (6.1) has. The whole
# measurement, plain path included, runs in one guest boot, so the ratios are within one
# kernel. The guest has one slow vCPU (HZ=100, page faults through ptrace): its absolute
# Mbit/s and s/GB are NOT comparable with the host's; compare its rows with each other and its
# ratios with the host's ratios. UML has no seg6 (the MN's seg6 backend is then skipped).
#
# Environment: top_builddir (default build), MND, MN_DAR, CONFIGS, DURATION (default 10),
# TRIANGLE (default 1: measure plain-dar1), BENCH_OUT (directory for the raw logs, iperf3 JSON,
# counters and routes per row; default a fresh /tmp/mnd-bench-tput.XXXXXX, kept), UML_TIMEOUT
# (--uml: seconds before the guest is killed, default 600), TB_WAIT_TIMEOUT (default 10; 30
# with --uml).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
export top_srcdir top_builddir
. "$top_srcdir/tests/testbed/lib.sh"
. "$top_srcdir/tests/mnd/lib-mnd.sh"
tb_require_root

UML=0
case ${1:-} in
--uml) UML=1 ;;
'') ;;
*)
	echo "usage: ${0##*/} [--uml]" >&2
	exit 2
	;;
esac
MND=${MND:-$top_builddir/mnd/mnd}
MN_DAR=${MN_DAR:-$top_builddir/tests/dar/mn-dar}
PY=/usr/bin/python3
FLOW=$top_srcdir/tests/mnd/flow.py
DURATION=${DURATION:-10}
if ((UML)); then
	CONFIGS=${CONFIGS:-ip6tnl:ip6tnl tun:tun}
	export TB_WAIT_TIMEOUT=${TB_WAIT_TIMEOUT:-30}
else
	CONFIGS=${CONFIGS:-tun:tun seg6:seg6 seg6:tun}
	export TB_WAIT_TIMEOUT=${TB_WAIT_TIMEOUT:-10}
fi
TRIANGLE=${TRIANGLE:-1}
IPERF_PORT=5201
KEEP_PORT=5001

die() {
	echo "throughput.sh: $*" >&2
	exit 1
}

[[ $DURATION =~ ^[1-9][0-9]*$ ]] || die "DURATION must be a whole number of seconds"
for c in $CONFIGS; do
	[[ $c =~ ^(tun|seg6|ip6tnl):(tun|seg6|ip6tnl)$ ]] ||
		die "CONFIGS: MND_BACKEND:DAR_BACKEND with tun, seg6 or ip6tnl, not '$c'"
done
[[ -n ${CONFIGS// /} ]] || die "CONFIGS is empty"
for f in "$MND" "$MN_DAR"; do
	[[ -x $f ]] || die "not built: $f (build first, or set top_builddir)"
done
if ! command -v iperf3 >/dev/null; then
	((!${TPUT_IN_GUEST:-0})) || die "iperf3 missing in the guest (the host's / is its root)"
	echo "throughput.sh: installing iperf3" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends iperf3 \
		>/dev/null || exit 1
fi
OUT=${BENCH_OUT:-$(mktemp -d /tmp/mnd-bench-tput.XXXXXX)}
mkdir -p "$OUT" || exit 1

# ---------------------------------------------------------------- --uml: into the guest
# The guest runs this script again (TPUT_IN_GUEST=1, the host's / as its root, so OUT is
# shared); its table comes out on the guest console, i.e. our stdout.
if ((UML)) && ((!${TPUT_IN_GUEST:-0})); then
	export CONFIGS DURATION TRIANGLE BENCH_OUT=$OUT TPUT_IN_GUEST=1 MND MN_DAR
	# What the testbed and the backends need in the guest (see tests/kernel/
	# test-mnd-ip6tnl.sh): ip6_tunnel for both ends' ip6tnl, tun for mnd's and mn-dar's tun.
	export UML_MODULES=${UML_MODULES:-"ip6_tunnel tunnel6 veth tun bridge udp_diag"}
	export UML_PASSENV="top_srcdir top_builddir MND MN_DAR CONFIGS DURATION TRIANGLE \
		BENCH_OUT TB_WAIT_TIMEOUT TPUT_IN_GUEST"
	export UML_TIMEOUT=${UML_TIMEOUT:-600}
	echo "throughput.sh --uml: one User-Mode Linux guest (timeout ${UML_TIMEOUT} s);" \
		"raw data in $OUT" >&2
	"$top_srcdir/tests/kernel/kernel-vm.sh" "$here/${0##*/}" --uml
	rc=$?
	case $rc in
	0) ;;
	124) echo "throughput.sh --uml: the guest timed out after UML_TIMEOUT=$UML_TIMEOUT s" >&2 ;;
	125) echo "throughput.sh --uml: User-Mode Linux could not run (see kernel-vm above)" >&2 ;;
	*) echo "throughput.sh --uml: the run in the guest failed (exit $rc; logs in $OUT)" >&2 ;;
	esac
	exit "$rc"
fi

HZ=$(getconf CLK_TCK)
if ((UML)); then
	WHERE="User-Mode Linux $(uname -r) (tests/kernel/kernel-vm.sh), $(nproc) vCPU"
else
	WHERE="host kernel $(uname -r), $(nproc) CPUs"
fi

BG=()
KEEPER=
IPERF_SRV=
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	local p
	mnd_stop >/dev/null 2>&1
	for p in "${BG[@]}" $KEEPER $IPERF_SRV; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	BG=()
	KEEPER=''
	IPERF_SRV=''
	mnd_stop_dars
	tb_down
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# utime+stime of PID in clock ticks (the whole thread group)
cpu_ticks() {
	local f a
	f=$(cat "/proc/$1/stat" 2>/dev/null) || {
		echo 0
		return
	}
	f=${f##*) } # after the command name: field 3 (state) on
	read -r -a a <<<"$f"
	echo $((a[11] + a[12])) # fields 14 and 15
}

# the machine's "softirq busy" in ticks, from /proc/stat's cpu line (busy: all but idle and
# iowait; guest time is already inside user)
host_ticks() {
	local us ni sy hi si st
	read -r _ us ni sy _ _ hi si st _ </proc/stat
	echo "$si $((us + ni + sy + hi + si + st))"
}

# (Re)start the iperf3 server in the MN's namespace and wait until it listens
start_iperf_server() {
	if [[ -n $IPERF_SRV ]]; then
		kill "$IPERF_SRV" 2>/dev/null
		wait "$IPERF_SRV" 2>/dev/null
	fi
	# ip netns exec execs the command: $! is iperf3 itself, whose CPU time we read
	ip netns exec "$NS_MN" iperf3 -s -p "$IPERF_PORT" >>"$OUT/iperf-server.log" 2>&1 \
		</dev/null &
	IPERF_SRV=$!
	tb_wait_for sh -c "[ -n \"\$(ip netns exec $NS_MN ss -Hltn 'sport = :$IPERF_PORT')\" ]" \
		2>/dev/null
}

raw_counters() {
	ip netns exec "$NS_MN" grep '^Tcp:' /proc/net/snmp 2>/dev/null
	[[ -z ${MND_PID:-} ]] || grep ctxt_switches "/proc/$MND_PID/status" 2>/dev/null
}

# run_iperf NAME ADDR: iperf3 CN -> ADDR for DURATION s; appends
# "NAME MBPS BYTES MND_TICKS SRV_TICKS DAR1_TICKS RETR SI_TICKS BUSY_TICKS" to results.tsv
run_iperf() {
	local name=$1 addr=$2 m0 s0 d0 h0 m1 s1 d1 h1 mbps bytes retr rc=0 h0si h0busy h1si h1busy
	m0=$(cpu_ticks "${MND_PID:-0}")
	s0=$(cpu_ticks "$IPERF_SRV")
	d0=$(cpu_ticks "${DAR_PIDS[1]}")
	h0=$(host_ticks)
	# (raw data: the MN's TCP segments in and out, i.e. the ACK rate, and mnd's context
	# switches, which tell whether it had per-packet work)
	raw_counters >"$OUT/counters-$name.before"
	# bounded: a stalled path must not hang the run (iperf3 stops itself after DURATION s)
	timeout -k 5 $((DURATION + 30)) ip netns exec "$NS_CN" iperf3 -6 -c "$addr" \
		-p "$IPERF_PORT" -t "$DURATION" --connect-timeout 10000 -J \
		>"$OUT/iperf-$name.json" 2>>"$OUT/iperf.err" </dev/null || rc=$?
	m1=$(cpu_ticks "${MND_PID:-0}")
	s1=$(cpu_ticks "$IPERF_SRV")
	d1=$(cpu_ticks "${DAR_PIDS[1]}")
	h1=$(host_ticks)
	raw_counters >"$OUT/counters-$name.after"
	if ((rc)); then
		echo "   $name: iperf3 to $addr failed (exit $rc; see $OUT/iperf-$name.json)" >&2
		start_iperf_server || die "iperf3 server does not listen again"
		return 1
	fi
	read -r mbps bytes retr < <("$PY" -c '
import json, sys
e = json.load(open(sys.argv[1]))["end"]
r = e["sum_received"]
print("%.1f %d %s" % (r["bits_per_second"] / 1e6, r["bytes"],
                      e["sum_sent"].get("retransmits", "-")))' "$OUT/iperf-$name.json") ||
		{
			echo "   $name: cannot read $OUT/iperf-$name.json" >&2
			return 1
		}
	read -r h0si h0busy <<<"$h0"
	read -r h1si h1busy <<<"$h1"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$mbps" "$bytes" $((m1 - m0)) \
		$((s1 - s0)) $((d1 - d0)) "$retr" $((h1si - h0si)) $((h1busy - h0busy)) \
		>>"$OUT/results.tsv"
	echo "   $name: $mbps Mbit/s" >&2
}

# snapshot NAME HOA: routes that decide the measured path (DAR1 toward the HoA, the MN's
# tunnel routes) and the links' offloads, for explaining a ratio afterwards
snapshot() {
	local name=$1 hoa=$2 f=$OUT/paths-$1.txt
	{
		echo "== DAR1: ip -6 route get $hoa"
		ip -n "$NS_DAR1" -6 route get "$hoa" 2>&1
		echo "== DAR1: ip -d -6 route show $hoa"
		ip -n "$NS_DAR1" -d -6 route show "$hoa" 2>&1
		echo "== DAR1: links"
		ip -n "$NS_DAR1" -d link show 2>&1
		echo "== MN: rules"
		ip -n "$NS_MN" -6 rule show 2>&1
		echo "== MN: routes, all tables"
		ip -n "$NS_MN" -d -6 route show table all 2>&1 | grep -v '^local\|^multicast\|^ff00'
		echo "== MN: links"
		ip -n "$NS_MN" -d link show 2>&1
		echo "== CN: ip -6 route get $hoa (PMTU cache after the run)"
		ip -n "$NS_CN" -6 route get "$hoa" 2>&1
		echo "== offloads: MN eth0, DAR1 acc0, DAR1 bb0, CN bb0"
		ip netns exec "$NS_MN" ethtool -k eth0 2>&1 | grep -E 'segmentation|receive-offload|checksumming|scatter'
		ip netns exec "$NS_DAR1" ethtool -k acc0 2>&1 | grep -E 'segmentation|receive-offload|checksumming|scatter'
		ip netns exec "$NS_DAR1" ethtool -k bb0 2>&1 | grep -E 'segmentation|receive-offload|checksumming|scatter'
		ip netns exec "$NS_CN" ethtool -k bb0 2>&1 | grep -E 'segmentation|receive-offload|checksumming|scatter'
	} >"$f"
}

# row_skip CONFIG REASON / row_fail CONFIG REASON: noted for the table's end
row_skip() {
	echo "   $1 skipped: $2" >&2
	printf '%s: skipped: %s\n' "$1" "$2" >>"$OUT/notes.txt"
}
row_fail() {
	echo "   $1 FAILED: $2" >&2
	printf '%s: FAILED: %s\n' "$1" "$2" >>"$OUT/notes.txt"
}

# mnd's --check line for backend B: "available" or the reason it is not
mnd_has() {
	local line
	line=$(ip netns exec "$NS_MN" "$MND" --check 2>&1 | grep -E "^ *backend $1 ")
	[[ $line == *" available"* ]] && return 0
	line=${line#*backend "$1"}
	echo "${line#"${line%%[! ]*}"}"
	return 1
}

# one configuration MNB:DARB: DARs on DARB, MN at DAR1, mnd -b MNB, idle flow to the DAR1
# address, move to DAR2, iperf3 through the tunnel (and, the first time, on the plain path)
run_config() {
	local cfg=$1 mb=${1%%:*} db=${1#*:} hoa1 why rc i
	why=$(mnd_has "$mb") || {
		row_skip "$cfg" "mnd --backend $mb: $why"
		return 0
	}
	[[ $(cat "$TB_RUN/at" 2>/dev/null) == 1 ]] || tb move 1 2>>"$OUT/tb.err" || {
		row_fail "$cfg" "tb move 1 failed"
		return 1
	}
	mnd_stop_dars
	for ((i = 1; i <= TB_NDARS; i++)); do
		rm -f "$TB_RUN/dar$i.state"
	done
	mnd_start_dars "$db" 2>"$OUT/dars-$mb-$db.err"
	rc=$?
	if ((rc == 77)); then
		row_skip "$cfg" "$(sed -n 's/^SKIP: //p' "$OUT/dars-$mb-$db.err" | head -n 1)"
		return 0
	elif ((rc)); then
		row_fail "$cfg" "mn-dar --backend $db did not start: $(tr '\n' ' ' <"$OUT/dars-$mb-$db.err")"
		return 1
	fi
	STARTED=1
	mnd_start -b "$mb" || {
		row_fail "$cfg" "mnd -b $mb did not start"
		return 1
	}
	if ! { mnd_wait "$DAR1_ADDR" role current && hoa1=$(mnd_field "$DAR1_ADDR" addr) &&
		tb_wait_addr mn eth0 "$hoa1/128" >/dev/null; }; then
		row_fail "$cfg" "mnd has no address at DAR1"
		return 1
	fi
	# idle flow: connected, then blocked opening its FIFO (nobody writes)
	rm -f "$TB_RUN/keep.ctl"
	mkfifo "$TB_RUN/keep.ctl"
	: >"$TB_RUN/keep.log"
	ip netns exec "$NS_CN" "$PY" "$FLOW" tcp-client "$hoa1" "$KEEP_PORT" "$TB_RUN/keep.ctl" \
		"$TB_RUN/keep.log" </dev/null &
	KEEPER=$!
	tb_wait_log "$TB_RUN/keep.log" '^connected' || {
		row_fail "$cfg" "idle flow to $hoa1 does not connect"
		return 1
	}
	tb move 2 2>>"$OUT/tb.err" || {
		row_fail "$cfg" "tb move 2 failed"
		return 1
	}
	if ! { mnd_wait "$DAR2_ADDR" role current && mnd_wait "$DAR1_ADDR" binding bound; }; then
		row_fail "$cfg" "mnd: not current at DAR2, or the DAR1 binding not bound"
		return 1
	fi
	if ! { HOA2=$(mnd_field "$DAR2_ADDR" addr) && tb_wait_addr mn eth0 "$HOA2/128" >/dev/null; }; then
		row_fail "$cfg" "no address at DAR2"
		return 1
	fi
	run_iperf "$cfg" "$hoa1" || {
		row_fail "$cfg" "iperf3 through the tunnel failed"
		return 1
	}
	snapshot "$mb-$db" "$hoa1"
	if ((!PLAIN_DONE)); then
		if run_iperf plain "$HOA2"; then
			PLAIN_DONE=1
			snapshot plain "$HOA2"
		else
			row_fail plain "iperf3 on the plain path failed"
		fi
		((!TRIANGLE)) || plain_via_dar1
	fi
	return 0
}

# DAR1's forwarded-datagram count
dar1_forwarded() {
	ip netns exec "$NS_DAR1" awk '$1 == "Ip6OutForwDatagrams" {print $2}' /proc/net/snmp6
}

# plain-dar1: the plain path, but through DAR1 as well (a host route on the CN to the MN's DAR2
# address via DAR1, which forwards it over the backbone to DAR2): the routers and links a
# tunnelled packet crosses, without the tunnel. The CN ignores redirects meanwhile (DAR1 sends
# it out the link it came in on and would redirect the CN to DAR2).
plain_via_dar1() {
	local f0 f1 ok=1
	ip netns exec "$NS_CN" sysctl -qw net.ipv6.conf.all.accept_redirects=0 \
		net.ipv6.conf.bb0.accept_redirects=0 &&
		ip -n "$NS_CN" -6 route add "$HOA2/128" via "$DAR1_BB" dev bb0 || {
		row_fail plain-dar1 "cannot route $HOA2 via DAR1 on the CN"
		return 1
	}
	f0=$(dar1_forwarded)
	run_iperf plain-dar1 "$HOA2" || {
		row_fail plain-dar1 "iperf3 via DAR1 failed"
		ok=0
	}
	f1=$(dar1_forwarded)
	snapshot plain-dar1 "$HOA2"
	ip -n "$NS_CN" -6 route del "$HOA2/128" via "$DAR1_BB" dev bb0
	ip netns exec "$NS_CN" sysctl -qw net.ipv6.conf.all.accept_redirects=1 \
		net.ipv6.conf.bb0.accept_redirects=1
	# it must really have gone through DAR1: at least one forwarded datagram per 3000 bytes
	if ((ok)) && ((f1 - f0 < $(awk -F'\t' '$1 == "plain-dar1" {print $3}' \
		"$OUT/results.tsv") / 3000)); then
		row_fail plain-dar1 "DAR1 forwarded only $((f1 - f0)) datagrams: not through DAR1"
		return 1
	fi
	echo "   plain-dar1: DAR1 forwarded $((f1 - f0)) datagrams" >&2
}

# after each configuration: logs kept, the flow and mnd stopped
end_config() {
	local mb=${1%%:*} db=${1#*:}
	if ((STARTED)); then
		cp "$TB_RUN/mnd.log" "$OUT/mnd-$mb-$db.log" 2>/dev/null
		cp "$TB_RUN/dar1.log" "$OUT/dar1-$mb-$db.log" 2>/dev/null
	fi
	STARTED=0
	if [[ -n $KEEPER ]]; then
		kill "$KEEPER" 2>/dev/null
		wait "$KEEPER" 2>/dev/null
		KEEPER=
	fi
	mnd_stop >/dev/null 2>&1 || echo "   warning: mnd ($1) exited with an error" >&2
}

: >"$OUT/results.tsv"
: >"$OUT/notes.txt"
PLAIN_DONE=0
echo "throughput benchmark: iperf3 TCP ${DURATION} s CN -> MN, configurations (mnd:mn-dar):" \
	"$CONFIGS; $WHERE; raw data in $OUT" >&2
t_all=$(tb_now_us)
tb_up --dars 3 2>>"$OUT/tb.err" || die "tb up failed (see $OUT/tb.err)"
ip netns exec "$NS_MN" "$PY" "$FLOW" tcp-server "$KEEP_PORT" </dev/null &
BG+=($!)
start_iperf_server || die "iperf3 server does not listen"
STARTED=0
for c in $CONFIGS; do
	run_config "$c"
	end_config "$c"
done
((PLAIN_DONE)) || echo "plain: not measured (no configuration got that far)" >>"$OUT/notes.txt"

plain=$(awk -F'\t' '$1 == "plain" {print $2}' "$OUT/results.tsv")
{
	echo
	echo "iperf3 TCP ${DURATION} s, CN -> MN; $WHERE."
	echo "config = mnd backend:mn-dar backend (all DARs), to the MN's DAR1 address with the MN at"
	echo "DAR2 (DAR1 -> tunnel -> MN); plain: to the MN's DAR2 address, native, same run;"
	echo "plain-dar1: the same, routed CN -> DAR1 -> DAR2 -> MN like the tunnelled packets, no tunnel."
	echo "retr: the CN's TCP retransmissions. CPU: user+system s per GB received (/proc/PID/stat,"
	echo "1/${HZ} s ticks) of mnd, the MN's iperf3 server and DAR1's mn-dar; softirq work (forwarding,"
	echo "en-/decapsulation, the receive path) is mostly NOT in those (charged to whatever task a"
	echo "tick interrupts, or ksoftirqd): the last two columns are the whole machine's softirq and"
	echo "busy time per GB (/proc/stat; CN, switch and DARs included)."
	if ((UML)); then
		echo "NOTE: User-Mode Linux, one slow vCPU: absolute Mbit/s and s/GB are NOT comparable"
		echo "with the host's; only the ratios (to plain in this same guest) are."
	fi
	printf '%-13s %9s %6s %6s %6s %9s %10s %11s %11s %10s\n' config Mbit/s ratio retr GB \
		"mnd s/GB" "iperf3 s/GB" "mn-dar s/GB" "softirq s/GB" "busy s/GB"
	awk -F'\t' -v plain="$plain" -v hz="$HZ" '{
		gb = $3 / 1e9
		printf "%-13s %9.1f %6s %6s %6.2f %9.3f %10.3f %11.3f %11.3f %10.3f\n", $1, $2,
		       (plain > 0 ? sprintf("%.3f", $2 / plain) : "-"), $7, gb,
		       $4 / hz / gb, $5 / hz / gb, $6 / hz / gb, $8 / hz / gb, $9 / hz / gb
	}' "$OUT/results.tsv"
	cat "$OUT/notes.txt"
	echo "total $(tb_elapsed "$t_all") s; rows in $OUT/results.tsv (config mbps bytes" \
		"mnd_ticks iperf3_srv_ticks dar1_ticks retr host_softirq_ticks host_busy_ticks);" \
		"routes and offloads per row in $OUT/paths-*.txt"
} | tee "$OUT/summary.txt"
grep -q FAILED "$OUT/notes.txt" && exit 1
exit 0
