#!/bin/bash
# handover.sh - handover benchmark of mnd on the namespace testbed (run on purpose, as root;
# not part of make check).
#
# For each RTT to the anchoring DARs (RTTS, default "0 20" ms; emulated by mn-dar --delay RTT
# on every DAR, since the test kernels have no netem) and each number of kept anchors (KEPTS,
# default "1 3"; 1 to 14), with mnd's backend BACKEND (default tun) and mn-dar's DAR_BACKEND
# (default tun; --delay needs tun, so another DAR backend allows RTT 0 only):
#   kept K: K + 2 DARs. The MN starts at DAR1 with a TCP tick flow CN -> MN's DAR1 address (16
#           bytes every 5 ms) and opens one more to its DARk address at each of DAR2..DARK
#           (moving there); warm-up move to DAR(K+1) (the first BU to DARK, CGA-signed), then
#           DAR(K+2) <-> DAR(K+1) for MOVES measured moves, each with K bindings to refresh.
#           (kept 1: DAR3 <-> DAR2; kept 3: DAR5 <-> DAR4; kept 10: DAR12 <-> DAR11.)
# Per measured move, from mnd's log (link carrier=down/up, handover-complete) and the tick
# server's log of the DAR1-address flow ("rx PORT MONOTONIC_S" per received segment; the
# monotonic clock is shared by all namespaces):
#   (a) addr_ms: carrier up -> the new address assigned (added as optimistic);
#   (b) bound_ms: carrier up -> the last BA of the handover;
#   (c) the first rx of the DAR1-address flow after carrier up, minus carrier up; rx earlier
#       than one RTT after the move's first BU to DAR1 left are not counted (they cannot have
#       come through the new binding: segments of the old path delivered late);
#   gap: the largest interval between consecutive rx of that flow from the last rx before
#        this move's carrier down to the end of the move (handover complete, flow back, and
#        SETTLE seconds);
#   BU err: the moves in which mnd could not send a BU at once (log "bu-sent ... error=";
#        the BU then goes out with the retransmission, 1 s later).
# Each move waits for mnd's handover-complete line and for the flow's first rx after the move
# (never a fixed sleep), then SETTLE seconds (default 0.3) so that TCP is back in its steady
# state before the next move. Prints a table of median, 90th percentile [min..max] per
# combination. mnd's timestamps have 1 ms resolution (truncated), so (c) may read up to 1 ms
# long. tests/bench/handover-backends.sh runs this per backend, on the host and in UML.
#
# Usage: tests/bench/handover.sh          (from the source tree; binaries from top_builddir)
# Environment: top_builddir (default build), MND, MN_DAR, MOVES (default 20, at least 10),
# RTTS, KEPTS, BACKEND, DAR_BACKEND, SETTLE, BENCH_OUT (directory for the raw logs and the per-move data; default a
# fresh /tmp/mnd-bench-handover.XXXXXX, kept), VERBOSE=1 (one line per move).
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
MOVES=${MOVES:-20}
RTTS=${RTTS:-0 20}
KEPTS=${KEPTS:-1 3}
BACKEND=${BACKEND:-tun}
DAR_BACKEND=${DAR_BACKEND:-tun}
SETTLE=${SETTLE:-0.3}
TICK_MS=5
PORT0=6000 # tick flow k (to the MN's DARk address) uses port PORT0 + k
export TB_WAIT_TIMEOUT=${TB_WAIT_TIMEOUT:-10}

for f in "$MND" "$MN_DAR"; do
	[[ -x $f ]] || {
		echo "not built: $f (build first, or set top_builddir)" >&2
		exit 1
	}
done
[[ $MOVES =~ ^[0-9]+$ ]] && ((MOVES >= 10)) || {
	echo "MOVES must be a number, at least 10" >&2
	exit 2
}
for k in $KEPTS; do
	# tb has at most 16 DARs, and kept K needs K + 2
	[[ $k =~ ^[0-9]+$ ]] && ((k >= 1 && k <= 14)) || {
		echo "KEPTS: numbers 1 to 14, not '$k'" >&2
		exit 2
	}
done
for r in $RTTS; do
	[[ $r =~ ^[0-9]+$ ]] && ((r <= 10000)) || {
		echo "RTTS: milliseconds 0 to 10000, not '$r'" >&2
		exit 2
	}
	[[ $r == 0 || $DAR_BACKEND == tun ]] || {
		echo "RTTS: RTT $r needs mn-dar --delay, which needs DAR_BACKEND=tun" >&2
		exit 2
	}
done
# A backend this kernel lacks: say so and skip (77), as the tests do.
line=$("$MND" --check | grep -E "^ *backend $BACKEND ")
[[ $line == *" available"* ]] || {
	echo "SKIP: mnd ${line# *}" >&2
	exit 77
}
OUT=${BENCH_OUT:-$(mktemp -d /tmp/mnd-bench-handover.XXXXXX)}
mkdir -p "$OUT" || exit 1

cleanup() {
	mnd_teardown
	tb_down
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
	echo "handover.sh: $*" >&2
	exit 1
}

# ---------------------------------------------------------------- logs

# number of lines of FILE
nlines() {
	local n
	n=$(grep -c '' "$1" 2>/dev/null) || n=0
	echo "$n"
}

# seconds with up to 6 decimals (mnd: 12.345, flow.py: 12.345678) -> microseconds
us() {
	local int=${1%%.*} frac=000000
	[[ $1 != *.* ]] || frac=${1#*.}000000
	echo $((10#$int * 1000000 + 10#${frac:0:6}))
}

# true when the last line of the tick log FILE is an rx later than T (seconds)
rx_after() {
	local l
	l=$(tail -n 1 "$1" 2>/dev/null)
	[[ $l == rx* ]] && (($(us "${l##* }") > $(us "$2")))
}

# true once mnd's log has more than N handover-complete lines
ho_done_after() {
	(($(grep -c 'info handover-complete ' "$TB_RUN/mnd.log") > $1))
}

# mnd log from line N+1 on, the first move found there: "T_DOWN T_UP ADDR_MS BOUND_MS KEPT
# T_BU1 BU_ERRORS": carrier down and up, the handover-complete figures, when the first BU to
# DAR1 left (successfully) and how many BUs could not be sent (bu-sent ... error=)
move_fields() {
	tail -n "+$(($1 + 1))" "$TB_RUN/mnd.log" | awk -v dar1="dar=$DAR1_ADDR" '
		$4 == "link" && $6 == "carrier=down" && down == "" {down = $2}
		$4 == "link" && $6 == "carrier=up" && up == "" {up = $2}
		$4 == "bu-sent" && up != "" && / error=/ {errors++}
		$4 == "bu-sent" && up != "" && !/ error=/ && $5 == dar1 && bu1 == "" {bu1 = $2}
		$4 == "handover-complete" && up != "" {
			for (i = 5; i <= NF; i++) {
				split($i, kv, "=")
				f[kv[1]] = kv[2]
			}
			print (down == "" ? up : down), up, f["addr_ms"], f["bound_ms"], f["kept"],
			      (bu1 == "" ? up : bu1), errors + 0
			exit
		}'
}

# tick log FILE, T_DOWN, T_UP, T_BU1, RTT_MS: "FIRST_MS GAP_MS". FIRST_MS: the first rx after
# T_BU1 + RTT, minus T_UP: no segment can come through the new binding before the first BU to
# DAR1 has reached DAR1 and the data has come back; rx before that are segments of the old
# path (they reached the MN, or mnd's tunnel relay, before the link went down and were
# delivered late). GAP_MS: the largest interval between consecutive rx, from the last one
# before T_DOWN to the end of the log.
flow_fields() {
	awk -v down="$2" -v up="$3" -v from="$4" -v rtt="$5" '
		BEGIN {from += rtt / 1000}
		$1 != "rx" {next}
		{t = $3 + 0}
		t < down {prev = t; next}
		{
			if (prev != "" && t - prev > gap) gap = t - prev
			prev = t
			if (first == "" && t > from) first = t
		}
		END {
			if (first == "") printf "- "; else printf "%.1f ", (first - up) * 1000
			printf "%.1f\n", gap * 1000
		}' "$1"
}

# ---------------------------------------------------------------- flows and moves

# open tick flow K: server on the MN (port PORT0+K), client on the CN to the MN's DARk address
open_flow() {
	local k=$1 port=$((PORT0 + $1)) hoa log
	hoa=$(mnd_field "$(dar_addr "$k")" addr) || die "no address at DAR$k"
	log=$TB_RUN/tick-$port.log
	: >"$log"
	# ip netns exec execs the command: $! is the Python process itself
	ip netns exec "$NS_MN" "$PY" "$FLOW" tick-server "$port" "$log" </dev/null &
	BG+=($!)
	tb_wait_for sh -c "[ -n \"\$(ip netns exec $NS_MN ss -Hltn 'sport = :$port')\" ]" ||
		die "tick server on port $port does not listen"
	ip netns exec "$NS_CN" "$PY" "$FLOW" tick-client "$hoa" "$port" "$TICK_MS" </dev/null &
	BG+=($!)
	tb_wait_for rx_after "$log" 0 || die "tick flow to $hoa ($port) delivers nothing"
}

dar_addr() {
	local v=DAR${1}_ADDR
	echo "${!v}"
}

# move N: move the MN to DAR N, wait for mnd's handover-complete line and for the DAR1-address
# flow's first rx after the first BU to DAR1 (as a sign that the flow is back), then SETTLE
# seconds. Sets MOVE (the line of move_fields).
move() {
	local n=$1 off nho bu1 _
	off=$(nlines "$TB_RUN/mnd.log")
	nho=$(grep -c 'info handover-complete ' "$TB_RUN/mnd.log")
	tb move "$n" 2>>"$OUT/tb.err" || die "tb move $n failed (see $OUT/tb.err)"
	tb_wait_for ho_done_after "$nho" || die "no handover-complete after the move to DAR$n"
	MOVE=$(move_fields "$off")
	[[ -n $MOVE ]] || die "no carrier up / handover-complete lines for the move to DAR$n"
	read -r _ _ _ _ _ bu1 _ <<<"$MOVE"
	tb_wait_for rx_after "$TB_RUN/tick-$((PORT0 + 1)).log" "$bu1" ||
		echo "   warning: the DAR1-address flow delivered nothing within $TB_WAIT_TIMEOUT s" >&2
	tb_sleep "$SETTLE" # the one fixed wait: TCP back in its steady state before the next move
}

# measured move: move N, then append "RTT KEPT N A B C GAP KEPT_SEEN BU_ERRORS" to
# $OUT/moves.tsv
measure() {
	local rtt=$1 kept=$2 n=$3 t_down t_up a b seen bu1 err c gap note=""
	move "$n"
	read -r t_down t_up a b seen bu1 err <<<"$MOVE"
	read -r c gap < <(flow_fields "$TB_RUN/tick-$((PORT0 + 1)).log" "$t_down" "$t_up" "$bu1" \
		"$rtt")
	[[ $seen == "$kept" ]] || echo "   warning: move to DAR$n kept $seen anchors, not $kept" >&2
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rtt" "$kept" "$n" "$a" "$b" "$c" "$gap" \
		"$seen" "$err" >>"$OUT/moves.tsv"
	((err == 0)) || note=", $err BU(s) not sent"
	[[ -z ${VERBOSE:-} ]] ||
		printf '   RTT %s kept %s -> DAR%s: addr %s ms, BAs %s ms, first pkt %s ms, gap %s ms%s\n' \
			"$rtt" "$kept" "$n" "$a" "$b" "$c" "$gap" "$note"
}

# ---------------------------------------------------------------- one combination

run_combo() {
	local rtt=$1 kept=$2 ndars i m t_down t_up a b bu1 c gap t0
	t0=$(tb_now_us)
	ndars=$((kept + 2))
	tb_up --dars "$ndars" 2>>"$OUT/tb.err" || die "tb up --dars $ndars failed (see $OUT/tb.err)"
	mnd_start_dars "$DAR_BACKEND" "$rtt"
	case $? in
	0) ;;
	77) exit 77 ;; # mnd_start_dars said why
	*) die "mn-dar did not start" ;;
	esac
	# reuse the key and CGA modifier of the first combination (no RSA key generation each time)
	[[ ! -d $OUT/mnd-state ]] || cp -a "$OUT/mnd-state" "$TB_RUN/"
	mnd_start -b "$BACKEND" || die "mnd did not start"
	[[ -d $OUT/mnd-state ]] || cp -a "$TB_RUN/mnd-state" "$OUT/"
	mnd_wait "$DAR1_ADDR" role current || die "mnd has no address at DAR1"

	# flows on the DAR1..DARkept addresses, each opened at its DAR, then the warm-up move
	open_flow 1
	for ((i = 2; i <= kept; i++)); do
		move "$i"
		mnd_wait "$(dar_addr "$i")" role current || die "not at DAR$i"
		open_flow "$i"
	done
	move $((kept + 1))
	read -r t_down t_up a b _ bu1 _ <<<"$MOVE"
	read -r c gap < <(flow_fields "$TB_RUN/tick-$((PORT0 + 1)).log" "$t_down" "$t_up" "$bu1" \
		"$rtt")
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$rtt" "$kept" "$a" "$b" "$c" "$gap" >>"$OUT/warmup.tsv"

	# measured moves: DAR(kept+2) <-> DAR(kept+1)
	for ((m = 0; m < MOVES; m++)); do
		measure "$rtt" "$kept" $((m % 2 ? kept + 1 : kept + 2))
	done

	mkdir -p "$OUT/rtt$rtt-kept$kept"
	cp "$TB_RUN"/mnd.log "$TB_RUN"/dar*.log "$TB_RUN"/tick-*.log "$OUT/rtt$rtt-kept$kept/"
	cleanup
	echo "   RTT $rtt ms, kept $kept: $MOVES moves in $(tb_elapsed "$t0") s" >&2
}

# ---------------------------------------------------------------- table

# "MED P90 [MIN..MAX]" of column C of the rows of moves.tsv for RTT and KEPT (P90: nearest
# rank)
stat() {
	awk -F'\t' -v r="$1" -v k="$2" -v c="$3" '$1 == r && $2 == k && $c != "-" {print $c}' \
		"$OUT/moves.tsv" | sort -g | awk '
		{v[NR] = $1}
		END {
			if (!NR) {print "-"; exit}
			med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			p = int(0.9 * NR + 0.999999)
			printf "%g %g [%g..%g]\n", med, v[p < 1 ? 1 : p], v[1], v[NR]
		}'
}

: >"$OUT/moves.tsv"
: >"$OUT/warmup.tsv"
echo "handover benchmark: mnd backend $BACKEND, mn-dar backend $DAR_BACKEND, kernel" \
	"$(uname -r); $MOVES moves per combination, tick flow every $TICK_MS ms, settle $SETTLE s;" \
	"raw logs in $OUT" >&2
t_all=$(tb_now_us)
for rtt in $RTTS; do
	for kept in $KEPTS; do
		run_combo "$rtt" "$kept"
	done
done

echo
echo "backend $BACKEND (DARs: $DAR_BACKEND), kernel $(uname -r)"
echo "median p90 [min..max] over the measured moves; (a)-(c) from carrier up; gap: DAR1-address flow;"
echo "BU err: moves in which mnd could not send a BU at once (bu-sent ... error=; resent after 1 s)"
printf '%-4s %-5s %-6s %-18s %-20s %-28s %-22s %s\n' RTT kept moves "(a) addr ms" \
	"(b) all BAs ms" "(c) first tunnelled pkt ms" "largest gap ms" "BU err"
for rtt in $RTTS; do
	for kept in $KEPTS; do
		n=$(awk -F'\t' -v r="$rtt" -v k="$kept" '$1 == r && $2 == k' "$OUT/moves.tsv" | wc -l)
		e=$(awk -F'\t' -v r="$rtt" -v k="$kept" '$1 == r && $2 == k && $9 > 0' "$OUT/moves.tsv" |
			wc -l)
		printf '%-4s %-5s %-6s %-18s %-20s %-28s %-22s %s\n' "$rtt" "$kept" "$n" \
			"$(stat "$rtt" "$kept" 4)" "$(stat "$rtt" "$kept" 5)" \
			"$(stat "$rtt" "$kept" 6)" "$(stat "$rtt" "$kept" 7)" "$e"
	done
done
echo
echo "warm-up moves (first BU to a DAR, CGA-signed; not in the table):"
awk -F'\t' '{printf "  RTT %s kept %s: (a) %s ms, (b) %s ms, (c) %s ms, gap %s ms\n",
	$1, $2, $3, $4, $5, $6}' "$OUT/warmup.tsv"
echo "total $(tb_elapsed "$t_all") s; per-move data in $OUT/moves.tsv" \
	"(RTT kept to_dar addr_ms bound_ms first_ms gap_ms kept_seen bu_errors)"
