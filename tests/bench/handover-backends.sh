#!/bin/bash
# handover-backends.sh - the handover benchmark (tests/bench/handover.sh) per data-plane backend,
# side by side (run on purpose, as root; not part of make check).
#
#   host tun     mnd tun,    mn-dar tun     RTTS_HOST x KEPTS_HOST   (host kernel)
#   host seg6    mnd seg6,   mn-dar tun     RTTS_HOST x KEPTS_HOST   (host kernel)
#   uml  tun     mnd tun,    mn-dar tun     RTT 0 x KEPTS_UML        (User-Mode Linux 6.1)
#   uml  ip6tnl  mnd ip6tnl, mn-dar ip6tnl  RTT 0 x KEPTS_UML        (User-Mode Linux 6.1)
#
# The host kernel has no ip6_tunnel, so ip6tnl runs only in the UML guest (tests/kernel/
# kernel-vm.sh): one slow vCPU at HZ=100, every page fault through ptrace. Its times are not
# comparable with the host's; compare ip6tnl with tun measured in the same guest (the ratio
# column does exactly that). In UML the DARs run ip6tnl too (both ends in the kernel); RTT
# stays 0 there, since mn-dar's --delay needs its tun backend. The host rows keep mn-dar on
# tun, so that only the MN's backend differs (and --delay can emulate the RTT).
# KEPTS_HOST includes 10 by default: the MN has visited 10 DARs with a live tick flow on each
# old address, then moves: (b) is then the time until all 10 bindings are acknowledged.
#
# Prints, per row, median and 90th percentile (nearest rank) over the measured moves of
# (a) carrier up -> new address, (b) -> last BA, (c) -> first packet of the DAR1-address flow
# through the tunnel, and the largest gap of that flow (handover.sh explains each), then the
# ratio of the medians of (b) and (c) to the reference: for host rows host tun at the same RTT
# and kept; for UML rows UML tun. And, for kept > 1, (b) against kept 1 of the same backend.
#
# Environment: top_builddir (default build), MOVES (host, default 20), UML_MOVES (default 10),
# RTTS_HOST (default "0 20"), KEPTS_HOST (default "1 10"), KEPTS_UML (default "1"),
# SCENARIOS (default "host-tun host-seg6 uml-tun uml-ip6tnl"), BENCH_OUT (default a fresh
# /tmp/mnd-bench-backends.XXXXXX, kept: one directory per scenario with handover.sh's logs).
# A scenario whose backend the kernel lacks is reported as skipped with the reason.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
export top_srcdir top_builddir

if [[ $(id -u) != 0 ]]; then
	echo "SKIP: ${0##*/} needs root (network namespaces, User-Mode Linux)" >&2
	exit 77
fi
MOVES=${MOVES:-20}
UML_MOVES=${UML_MOVES:-10}
RTTS_HOST=${RTTS_HOST:-0 20}
KEPTS_HOST=${KEPTS_HOST:-1 10}
KEPTS_UML=${KEPTS_UML:-1}
SCENARIOS=${SCENARIOS:-host-tun host-seg6 uml-tun uml-ip6tnl}
OUT=${BENCH_OUT:-$(mktemp -d /tmp/mnd-bench-backends.XXXXXX)}
mkdir -p "$OUT" || exit 1
for s in $SCENARIOS; do
	[[ $s =~ ^(host-tun|host-seg6|uml-tun|uml-ip6tnl)$ ]] || {
		echo "SCENARIOS: host-tun host-seg6 uml-tun uml-ip6tnl, not '$s'" >&2
		exit 2
	}
done

# run_scenario NAME: handover.sh into $OUT/NAME; its table goes to $OUT/NAME.txt
run_scenario() {
	local name=$1 where=${1%%-*} be=${1#*-} dbe rc t0
	dbe=tun
	[[ $be != ip6tnl ]] || dbe=ip6tnl
	mkdir -p "$OUT/$name"
	t0=${EPOCHREALTIME/./}
	echo "== $name: mnd $be, mn-dar $dbe ($where)" >&2
	if [[ $where == host ]]; then
		BACKEND=$be DAR_BACKEND=$dbe MOVES=$MOVES RTTS=$RTTS_HOST KEPTS=$KEPTS_HOST \
			BENCH_OUT=$OUT/$name "$here/handover.sh" >"$OUT/$name.txt" 2>"$OUT/$name.err"
		rc=$?
	else
		# What the testbed and both backends need in the guest (see tests/kernel/
		# test-mnd-ip6tnl.sh); generous waits: each exec there costs 36-90 ms.
		BACKEND=$be DAR_BACKEND=$dbe MOVES=$UML_MOVES RTTS=0 KEPTS=$KEPTS_UML \
			BENCH_OUT=$OUT/$name TB_WAIT_TIMEOUT=30 \
			UML_MODULES="ip6_tunnel tunnel6 veth tun bridge udp_diag" UML_TIMEOUT=1800 \
			UML_PASSENV="top_srcdir top_builddir BACKEND DAR_BACKEND MOVES RTTS KEPTS BENCH_OUT TB_WAIT_TIMEOUT" \
			"$top_srcdir/tests/kernel/kernel-vm.sh" "$here/handover.sh" \
			>"$OUT/$name.txt" 2>"$OUT/$name.err"
		rc=$?
	fi
	echo "$rc" >"$OUT/$name.rc"
	printf '   %s: exit %d after %d s\n' "$name" "$rc" $(((${EPOCHREALTIME/./} - t0) / 1000000)) >&2
	case $rc in
	0) ;;
	77) echo "   $name skipped: $(grep -m1 -h SKIP "$OUT/$name.err" "$OUT/$name.txt")" >&2 ;;
	*) echo "   $name failed: $(tail -n 3 "$OUT/$name.err" "$OUT/$name.txt" | tr '\n' ' ')" >&2 ;;
	esac
}

for s in $SCENARIOS; do
	run_scenario "$s"
done

# ---------------------------------------------------------------- the table
# One row per scenario, RTT and kept from each moves.tsv (RTT KEPT TO A B C GAP SEEN ERR).
summary() {
	local s
	for s in $SCENARIOS; do
		[[ $(cat "$OUT/$s.rc") == 0 && -s $OUT/$s/moves.tsv ]] || continue
		awk -F'\t' -v s="$s" '{print s "\t" $0}' "$OUT/$s/moves.tsv"
	done | awk -F'\t' '
	function stat(key, col,    n, i, j, t, v, med, p) {
		n = 0
		for (i = 1; i <= cnt[key]; i++) {
			t = val[key, i, col]
			if (t != "-") v[++n] = t + 0
		}
		if (!n) return "-"
		for (i = 2; i <= n; i++) {
			t = v[i]
			for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]
			v[j + 1] = t
		}
		med = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		p = int(0.9 * n + 0.999999)
		MED = med
		return sprintf("%g/%g", med, v[p < 1 ? 1 : p])
	}
	function ratio(a, b) {
		return (a == "" || b == "" || b == 0) ? "-" : sprintf("%.2f", a / b)
	}
	{
		key = $1 SUBSEP $2 SUBSEP $3
		if (!(key in cnt)) order[++nk] = key
		cnt[key]++
		for (c = 5; c <= 8; c++) val[key, cnt[key], c] = $c
	}
	END {
		for (k = 1; k <= nk; k++) {
			key = order[k]
			split(key, f, SUBSEP)
			row_a[key] = stat(key, 5)
			row_b[key] = stat(key, 6); med_b[key] = MED
			row_c[key] = stat(key, 7); med_c[key] = MED
			row_g[key] = stat(key, 8)
		}
		printf "%-11s %-4s %-5s %-6s %-11s %-13s %-13s %-13s %-14s %s\n", "scenario", "RTT",
		       "kept", "moves", "(a) addr", "(b) all BAs", "(c) 1st pkt", "gap", "(b),(c) vs ref",
		       "(b) vs kept 1"
		for (k = 1; k <= nk; k++) {
			key = order[k]
			split(key, f, SUBSEP)
			ref = (f[1] ~ /^uml-/ ? "uml-tun" : "host-tun") SUBSEP f[2] SUBSEP f[3]
			k1 = f[1] SUBSEP f[2] SUBSEP 1
			rb = (key == ref || !(ref in med_b)) ? "-" : ratio(med_b[key], med_b[ref]) "," \
			     ratio(med_c[key], med_c[ref])
			rk = (f[3] == 1 || !(k1 in med_b)) ? "-" : ratio(med_b[key], med_b[k1])
			printf "%-11s %-4s %-5s %-6s %-11s %-13s %-13s %-13s %-14s %s\n", f[1], f[2],
			       f[3], cnt[key], row_a[key], row_b[key], row_c[key], row_g[key], rb, rk
		}
	}'
}

{
	echo
	echo "handover time per backend, ms from carrier up, median/p90 over the measured moves:"
	echo "(a) new address, (b) last BA (all kept bindings acknowledged), (c) first packet of the"
	echo "DAR1-address flow through the tunnel, gap: its largest delivery gap. Ratios of medians."
	echo "host: kernel $(uname -r); uml: User-Mode Linux 6.1 (tests/kernel/kernel-vm.sh)."
	echo "NOTE: uml-* rows are NOT comparable with host-* rows (one slow vCPU, HZ=100, page"
	echo "faults through ptrace); compare uml-ip6tnl only with uml-tun (its ratio column)."
	summary
	for s in $SCENARIOS; do
		case $(cat "$OUT/$s.rc") in
		0) ;;
		77) echo "$s: skipped: $(grep -m1 -h SKIP "$OUT/$s.err" "$OUT/$s.txt")" ;;
		*) echo "$s: FAILED (exit $(cat "$OUT/$s.rc"); see $OUT/$s.err)" ;;
		esac
	done
	echo "BU err (moves with a BU not sent at once):$(for s in $SCENARIOS; do
		[[ -s $OUT/$s/moves.tsv ]] &&
			printf ' %s %d;' "$s" "$(awk -F'\t' '$9 > 0' "$OUT/$s/moves.tsv" | wc -l)"
	done)"
	echo "per-scenario tables and raw logs: $OUT/<scenario>.txt, $OUT/<scenario>/"
} | tee "$OUT/summary.txt"
