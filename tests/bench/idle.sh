#!/bin/bash
# idle.sh - idle cost of mnd with three bindings up, on the namespace testbed (run on purpose,
# as root; not part of make check).
#
# One testbed of 4 DARs (mn-dar with its tun backend), mnd with binding_lifetime=600. The MN
# starts at DAR1 and moves DAR1 -> DAR2 -> DAR3 -> DAR4; at each of DAR1..3 a TCP flow from
# the CN to the MN's address there is opened and then left idle (flow.py tcp-client, blocked
# on a FIFO nobody writes to), so at DAR4 mnd keeps three bindings (DAR1..3) up and has only
# its timers (BU refresh well before 600 s) to run. After SETTLE s (default 3) it measures,
# for each mnd backend in BACKENDS (default "tun"; the whole setup again for each):
#   RSS: VmRSS from /proc/PID/status at the start and the end of the window;
#   wakeups/min: voluntary+nonvoluntary context switches summed over mnd's threads
#     (/proc/PID/task/*/status), before/after a window of IDLE_SECONDS (default 60), per
#     minute: each time mnd leaves the CPU after running counts once (a wakeup);
#   syscalls/min (STRACE=1, the default; a second window of the same length, since ptrace
#     stops would inflate the context switch count): strace -c -f -p PID, the number of
#     poll/ppoll/epoll_wait calls (each return is one wakeup of the main loop) and of all
#     syscalls, per minute.
# Usage: tests/bench/idle.sh      (from the source tree; binaries from top_builddir)
# Environment: top_builddir (default build), MND, MN_DAR, BACKENDS, IDLE_SECONDS, SETTLE,
# STRACE (0 = no strace window), BENCH_OUT (default a fresh /tmp/mnd-bench-idle.XXXXXX, kept).
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
BACKENDS=${BACKENDS:-tun}
IDLE_SECONDS=${IDLE_SECONDS:-60}
SETTLE=${SETTLE:-3}
STRACE=${STRACE:-1}
PORT=5001
export TB_WAIT_TIMEOUT=${TB_WAIT_TIMEOUT:-10}
export MND_LIFETIME=600

for f in "$MND" "$MN_DAR"; do
	[[ -x $f ]] || {
		echo "not built: $f (build first, or set top_builddir)" >&2
		exit 1
	}
done
if ((STRACE)) && ! command -v strace >/dev/null; then
	echo "idle.sh: strace not found (install it, or STRACE=0)" >&2
	exit 1
fi
OUT=${BENCH_OUT:-$(mktemp -d /tmp/mnd-bench-idle.XXXXXX)}
mkdir -p "$OUT" || exit 1

cleanup() {
	mnd_teardown
	tb_down
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
	echo "idle.sh: $*" >&2
	exit 1
}

# VmRSS of PID in kB
rss_kb() {
	awk '$1 == "VmRSS:" {print $2}' "/proc/$1/status"
}

# voluntary+nonvoluntary context switches of all threads of PID
ctxt() {
	cat /proc/"$1"/task/*/status 2>/dev/null |
		awk '$1 ~ /^(non)?voluntary_ctxt_switches:$/ {n += $2} END {print n + 0}'
}

dar_addr() {
	local v=DAR${1}_ADDR
	echo "${!v}"
}

run_backend() {
	local b=$1 k hoa r0 r1 c0 c1 nthr polls calls
	tb_up --dars 4 2>>"$OUT/tb.err" || die "tb up --dars 4 failed (see $OUT/tb.err)"
	mnd_start_dars tun || die "mn-dar did not start"
	[[ ! -d $OUT/mnd-state ]] || cp -a "$OUT/mnd-state" "$TB_RUN/"
	mnd_start -b "$b" || die "mnd -b $b did not start"
	[[ -d $OUT/mnd-state ]] || cp -a "$TB_RUN/mnd-state" "$OUT/"
	ip netns exec "$NS_MN" "$PY" "$FLOW" tcp-server "$PORT" </dev/null &
	BG+=($!)
	tb_wait_for sh -c "[ -n \"\$(ip netns exec $NS_MN ss -Hltn 'sport = :$PORT')\" ]" ||
		die "tcp-server does not listen"
	for k in 1 2 3 4; do
		((k == 1)) || tb move "$k" 2>>"$OUT/tb.err" || die "tb move $k failed"
		mnd_wait "$(dar_addr "$k")" role current || die "mnd ($b) not current at DAR$k"
		((k < 4)) || break
		hoa=$(mnd_field "$(dar_addr "$k")" addr) || die "no address at DAR$k"
		tb_wait_addr mn eth0 "$hoa/128" >/dev/null || die "$hoa not on eth0"
		mkfifo "$TB_RUN/idle$k.ctl"
		ip netns exec "$NS_CN" "$PY" "$FLOW" tcp-client "$hoa" "$PORT" "$TB_RUN/idle$k.ctl" \
			"$TB_RUN/idle$k.log" </dev/null &
		BG+=($!)
		tb_wait_log "$TB_RUN/idle$k.log" '^connected' || die "flow to $hoa does not connect"
	done
	for k in 1 2 3; do
		mnd_wait "$(dar_addr "$k")" binding bound || die "mnd ($b): DAR$k binding not bound"
	done
	tb_sleep "$SETTLE"

	nthr=$(find "/proc/$MND_PID/task" -mindepth 1 -maxdepth 1 | wc -l)
	r0=$(rss_kb "$MND_PID")
	c0=$(ctxt "$MND_PID")
	tb_sleep "$IDLE_SECONDS"
	c1=$(ctxt "$MND_PID")
	r1=$(rss_kb "$MND_PID")
	polls=- calls=-
	if ((STRACE)); then
		timeout -s INT "$IDLE_SECONDS" strace -c -f -p "$MND_PID" -o "$OUT/strace-$b.txt" \
			2>>"$OUT/strace.err"
		read -r polls calls < <(awk '
			$NF ~ /^(poll|ppoll|epoll_wait|epoll_pwait)$/ {p += $4}
			$NF == "total" {t = $4}
			END {print p + 0, t + 0}' "$OUT/strace-$b.txt")
	fi
	kill -0 "$MND_PID" 2>/dev/null || die "mnd ($b) died"
	for k in 1 2 3; do
		mnd_anchor "$(dar_addr "$k")" >>"$OUT/anchors-$b.txt"
	done
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$b" "$nthr" "$r0" "$r1" $((c1 - c0)) "$polls" \
		"$calls" >>"$OUT/results.tsv"
	cp "$TB_RUN/mnd.log" "$OUT/mnd-$b.log"
	cleanup
}

: >"$OUT/results.tsv"
echo "idle benchmark: mnd with 3 bindings, binding_lifetime=600, ${IDLE_SECONDS} s windows," \
	"backends: $BACKENDS; raw data in $OUT" >&2
t_all=$(tb_now_us)
for b in $BACKENDS; do
	run_backend "$b"
done

echo
echo "mnd idle at DAR4 with 3 bindings (DAR1..3, an idle TCP flow on each), lifetime 600 s."
echo "RSS: VmRSS at the start/end of the window. ctxsw/min: voluntary+nonvoluntary context"
echo "switches of all mnd threads (/proc/PID/task/*/status) over ${IDLE_SECONDS} s, per minute."
echo "polls/min, syscalls/min: strace -c -f -p over a second ${IDLE_SECONDS} s window" \
	"(poll/ppoll/epoll_wait calls; all syscalls)."
printf '%-8s %8s %14s %14s %11s %10s %13s\n' backend threads "RSS start kB" "RSS end kB" \
	ctxsw/min polls/min syscalls/min
awk -F'\t' -v s="$IDLE_SECONDS" '
	function pm(v) {return v == "-" ? "-" : sprintf("%.1f", v * 60 / s)}
	{printf "%-8s %8s %14s %14s %11s %10s %13s\n", $1, $2, $3, $4, pm($5), pm($6), pm($7)}
' "$OUT/results.tsv"
echo "total $(tb_elapsed "$t_all") s; strace summaries in $OUT/strace-*.txt"
