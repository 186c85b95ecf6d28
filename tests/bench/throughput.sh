#!/bin/bash
# throughput.sh - throughput baseline of mnd's tunnels on the namespace testbed (run on
# purpose, as root; not part of make check).
#
# One testbed of 3 DARs, every DAR running mn-dar with its tun backend. For each mnd backend
# in BACKENDS (default "tun seg6"; mnd restarted, the DARs restarted with empty binding
# caches, the MN back at DAR1): mnd starts at DAR1, an idle TCP flow CN -> the MN's DAR1
# address keeps that address in use, the MN moves to DAR2 and, once the DAR1 binding is
# bound, iperf3 runs TCP for DURATION s (default 10) from the CN to the MN's DAR1 address, so
# the traffic goes DAR1 -> tunnel -> mnd. After the first backend, the same from the CN to
# the MN's current DAR2 address: the plain path, native, no tunnel.
# ip6tnl is not measured: this kernel lacks ip6_tunnel, and the User-Mode Linux kernel of
# tests/kernel/ is single-CPU and too slow for a throughput figure.
#
# Per configuration: iperf3's receiver rate in Mbit/s, its ratio to the plain path, and CPU
# time per GB received (user+system from /proc/PID/stat before and after, over the receiver's
# byte count) of mnd and of the iperf3 server in the MN's namespace, and of mn-dar on DAR1
# (which relays the tunnel in user space). Softirq work (the stack's receive path, seg6
# decapsulation) is charged to whatever task it interrupts or to ksoftirqd and is NOT in
# these figures.
#
# Usage: tests/bench/throughput.sh      (from the source tree; binaries from top_builddir)
# Environment: top_builddir (default build), MND, MN_DAR, BACKENDS, DURATION, BENCH_OUT
# (directory for the raw logs and iperf3 JSON; default a fresh /tmp/mnd-bench-tput.XXXXXX, kept).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
. "$top_srcdir/tests/testbed/lib.sh"
. "$top_srcdir/tests/mnd/lib-mnd.sh"
tb_require_root

MND=${MND:-$top_builddir/mnd/mnd}
MN_DAR=${MN_DAR:-$top_builddir/tests/dar/mn-dar}
PY=/usr/bin/python3
FLOW=$top_srcdir/tests/mnd/flow.py
BACKENDS=${BACKENDS:-tun seg6}
DURATION=${DURATION:-10}
IPERF_PORT=5201
KEEP_PORT=5001
export TB_WAIT_TIMEOUT=${TB_WAIT_TIMEOUT:-10}

for f in "$MND" "$MN_DAR"; do
	[[ -x $f ]] || {
		echo "not built: $f (build first, or set top_builddir)" >&2
		exit 1
	}
done
if ! command -v iperf3 >/dev/null; then
	echo "throughput.sh: installing iperf3" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends iperf3 \
		>/dev/null || exit 1
fi
OUT=${BENCH_OUT:-$(mktemp -d /tmp/mnd-bench-tput.XXXXXX)}
mkdir -p "$OUT" || exit 1
HZ=$(getconf CLK_TCK)

BG=()
KEEPER=
IPERF_SRV=
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
trap 'exit 130' INT TERM

die() {
	echo "throughput.sh: $*" >&2
	exit 1
}

# utime+stime of PID in clock ticks (the whole thread group)
cpu_ticks() {
	local f
	f=$(cat "/proc/$1/stat" 2>/dev/null) || {
		echo 0
		return
	}
	f=${f##*) } # after the command name: field 3 (state) on
	read -r -a a <<<"$f"
	echo $((a[11] + a[12])) # fields 14 and 15
}

restart_dars() {
	local i
	mnd_stop_dars
	for ((i = 1; i <= TB_NDARS; i++)); do
		rm -f "$TB_RUN/dar$i.state"
	done
	mnd_start_dars tun || die "mn-dar did not start"
}

# run_iperf NAME ADDR: iperf3 CN -> ADDR for DURATION s; appends
# "NAME MBPS BYTES MND_TICKS SRV_TICKS DAR1_TICKS" to $OUT/results.tsv
run_iperf() {
	local name=$1 addr=$2 m0 s0 d0 m1 s1 d1 mbps bytes
	m0=$(cpu_ticks "${MND_PID:-0}")
	s0=$(cpu_ticks "$IPERF_SRV")
	d0=$(cpu_ticks "${DAR_PIDS[1]}")
	ip netns exec "$NS_CN" iperf3 -6 -c "$addr" -p "$IPERF_PORT" -t "$DURATION" -J \
		>"$OUT/iperf-$name.json" 2>>"$OUT/iperf.err" </dev/null ||
		die "iperf3 to $addr failed (see $OUT/iperf-$name.json)"
	m1=$(cpu_ticks "${MND_PID:-0}")
	s1=$(cpu_ticks "$IPERF_SRV")
	d1=$(cpu_ticks "${DAR_PIDS[1]}")
	read -r mbps bytes < <("$PY" -c '
import json, sys
r = json.load(open(sys.argv[1]))["end"]["sum_received"]
print("%.1f %d" % (r["bits_per_second"] / 1e6, r["bytes"]))' "$OUT/iperf-$name.json") ||
		die "cannot read $OUT/iperf-$name.json"
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$mbps" "$bytes" $((m1 - m0)) $((s1 - s0)) \
		$((d1 - d0)) >>"$OUT/results.tsv"
	echo "   $name: $mbps Mbit/s" >&2
}

# one mnd backend: MN at DAR1, mnd, idle flow to the DAR1 address, move to DAR2, iperf3
run_backend() {
	local b=$1 hoa1
	[[ $(cat "$TB_RUN/at" 2>/dev/null) == 1 ]] || tb move 1 2>>"$OUT/tb.err" ||
		die "tb move 1 failed"
	restart_dars
	mnd_start -b "$b" || die "mnd -b $b did not start"
	mnd_wait "$DAR1_ADDR" role current || die "mnd ($b) has no address at DAR1"
	hoa1=$(mnd_field "$DAR1_ADDR" addr) || die "no address at DAR1"
	tb_wait_addr mn eth0 "$hoa1/128" >/dev/null || die "$hoa1 not on eth0"
	# idle flow: connected, then blocked opening its FIFO (nobody writes)
	rm -f "$TB_RUN/keep.ctl"
	mkfifo "$TB_RUN/keep.ctl"
	: >"$TB_RUN/keep.log"
	ip netns exec "$NS_CN" "$PY" "$FLOW" tcp-client "$hoa1" "$KEEP_PORT" "$TB_RUN/keep.ctl" \
		"$TB_RUN/keep.log" </dev/null &
	KEEPER=$!
	tb_wait_log "$TB_RUN/keep.log" '^connected' || die "idle flow to $hoa1 does not connect"
	tb move 2 2>>"$OUT/tb.err" || die "tb move 2 failed"
	mnd_wait "$DAR2_ADDR" role current || die "mnd ($b) not current at DAR2"
	mnd_wait "$DAR1_ADDR" binding bound || die "mnd ($b): DAR1 binding not bound"
	HOA2=$(mnd_field "$DAR2_ADDR" addr) || die "no address at DAR2"
	tb_wait_addr mn eth0 "$HOA2/128" >/dev/null || die "$HOA2 not on eth0"
	run_iperf "$b" "$hoa1"
	if ((!PLAIN_DONE)); then
		run_iperf plain "$HOA2"
		PLAIN_DONE=1
	fi
	cp "$TB_RUN/mnd.log" "$OUT/mnd-$b.log"
	cp "$TB_RUN/dar1.log" "$OUT/dar1-$b.log"
	kill "$KEEPER" 2>/dev/null
	wait "$KEEPER" 2>/dev/null
	KEEPER=
	mnd_stop >/dev/null 2>&1 || echo "   warning: mnd ($b) exited with an error" >&2
}

: >"$OUT/results.tsv"
PLAIN_DONE=0
echo "throughput benchmark: iperf3 TCP ${DURATION} s CN -> MN, backends: $BACKENDS;" \
	"raw data in $OUT" >&2
t_all=$(tb_now_us)
tb_up --dars 3 2>>"$OUT/tb.err" || die "tb up failed (see $OUT/tb.err)"
ip netns exec "$NS_MN" "$PY" "$FLOW" tcp-server "$KEEP_PORT" </dev/null &
BG+=($!)
ip netns exec "$NS_MN" iperf3 -s -p "$IPERF_PORT" >"$OUT/iperf-server.log" 2>&1 </dev/null &
IPERF_SRV=$!
tb_wait_for sh -c "[ -n \"\$(ip netns exec $NS_MN ss -Hltn 'sport = :$IPERF_PORT')\" ]" ||
	die "iperf3 server does not listen"
for b in $BACKENDS; do
	case $b in
	ip6tnl)
		echo "   ip6tnl skipped: needs tests/kernel/kernel-vm.sh (UML, one slow CPU)" >&2
		continue
		;;
	seg6)
		line=$(ip netns exec "$NS_MN" "$MND" --check 2>&1 | grep -E '^ *backend seg6 ')
		if [[ $line != *" available"* ]]; then
			echo "   seg6 skipped: ${line# *}" >&2
			continue
		fi
		;;
	esac
	run_backend "$b"
done

plain=$(awk -F'\t' '$1 == "plain" {print $2}' "$OUT/results.tsv")
echo
echo "iperf3 TCP ${DURATION} s, CN -> MN; DARs: mn-dar --backend tun; 'tun'/'seg6': mnd's backend,"
echo "to the MN's DAR1 address with the MN at DAR2 (DAR1 -> tunnel -> MN); 'plain': to the MN's"
echo "DAR2 address, native. CPU: user+system s per GB received (/proc/PID/stat, ${HZ} Hz ticks);"
echo "softirq (receive path, seg6 decapsulation) is not attributable to a process and not included."
printf '%-6s %10s %8s %9s %14s %18s %18s\n' config Mbit/s ratio GB "mnd s/GB" \
	"iperf3 srv s/GB" "DAR1 mn-dar s/GB"
awk -F'\t' -v plain="$plain" -v hz="$HZ" '{
	gb = $3 / 1e9
	printf "%-6s %10.1f %8s %9.2f %14.3f %18.3f %18.3f\n", $1, $2,
	       (plain > 0 ? sprintf("%.3f", $2 / plain) : "-"), gb,
	       $4 / hz / gb, $5 / hz / gb, $6 / hz / gb
}' "$OUT/results.tsv"
echo "ip6tnl: not measured (kernel-vm.sh only: User-Mode Linux, one slow CPU)"
echo "total $(tb_elapsed "$t_all") s; $(nproc) CPUs; rows in $OUT/results.tsv" \
	"(config mbps bytes mnd_ticks iperf3_srv_ticks dar1_ticks)"
