#!/bin/bash
# test-dar-scapy.sh - independent acceptance test of the reference DAR (mn-dar).
#
# The peer (dar_peer.py) shares no code with the C codec: scapy 2.5.0 builds the Binding
# Updates, python3-cryptography and hashlib/hmac do the CGA (RFC 3972), the RFC 4866 signature,
# the PHKT decryption, Kbm and the BAD, and it checks every MH checksum itself.
#
# First `dar_peer.py selftest` reproduces the notes' vectors (protocol.md 4.5, 3.9 (a)-(c), 1.6).
# Then, for every backend (tun, seg6, ip6tnl; MN_DAR_BACKENDS overrides the list) on a fresh
# testbed (tests/testbed/tb, 2 DARs): mn-dar runs on DAR1, the MN moves to DAR2 (CoA from
# 2001:db8:2::/64) and the peer, inside the MN's namespace, sends tunnelled BUs and checks the
# BAs (outer DAR -> CoA, inner DAR -> HoA, status, sequence number, checksum, options):
#   1  first BU (CGA method, 2040-bit key, Sec 1, CGA Parameters 255+63) -> 0 + PHKT that
#      decrypts with the MN key to 8 bytes; the state file shows the binding; DAR1 routes the HoA
#   2  flipped signature byte -> 148
#   3  valid CGA under 2001:db8:9::/64 -> 132
#   4  replayed BU -> 135 carrying the last accepted sequence number; a BU with neither
#      CGA Parameters + Signature nor Nonce Indices + BAD -> 129
#   5  token BU with a bad authenticator -> 148; good token BU -> 0, the BA's BAD verifies
#      (+ the state file's counters and the log's per-BU lines)
#      SIGTERM -> exit 0 and every route, rule and link mn-dar added is gone; restart
#   6  token BU after the restart -> 147
#   7  CGA BU again, then lifetime 0 (token, Kbm = SHA1(PHKT)) -> 0; no binding in the state
#      file and no route for the HoA on DAR1
#   data plane: CGA BU, the MN's kernel seg6 path by hand (notes/testbed.md 4.4), then CN ping
#      to the HoA, a TCP exchange both ways CN <-> HoA, and a capture on DAR2's access link
#      with next header 41 packets DAR1 <-> CoA in both directions.
# A backend the kernel lacks (ip6tnl here): mn-dar must exit 3; the backend is reported skipped.
#
# Output: one line per check (`ok - ...`, `not ok - ...`, `skip - ...`), then
# `N passed, N failed, N skipped`.  Exit: 0 pass, 1 fail, 77 not root.
# Env: top_srcdir, top_builddir (automake; default: the repository, and its build/ if any),
#      MN_DAR (path of mn-dar), MN_DAR_BACKENDS, DAR_TEST_KEEP=1 (keep the scratch directory).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
if [[ -z ${top_builddir:-} ]]; then
	top_builddir=$top_srcdir
	[[ -d $top_srcdir/build ]] && top_builddir=$top_srcdir/build
fi
PY=/usr/bin/python3 # not `python3`: scapy and cryptography live in the system interpreter
PEER=$here/dar_peer.py
MNDAR=${MN_DAR:-$top_builddir/tests/dar/mn-dar}
BACKENDS=${MN_DAR_BACKENDS:-tun seg6 ip6tnl}

if [[ $(id -u) != 0 ]]; then
	echo "SKIP: ${0##*/} needs root (network namespaces, radvd, tcpdump, mn-dar)"
	exit 77
fi

unset TB_RUN TB_PREFIX TB_NDARS TB_MTU TB_DELAY TB_LOSS TB_BIN
# shellcheck source=../testbed/lib.sh
. "$top_srcdir/tests/testbed/lib.sh"

pass=0 fail=0 skip=0
ok() {
	echo "ok - $*"
	pass=$((pass + 1))
}
notok() {
	echo "not ok - $*"
	fail=$((fail + 1))
}
skipped() {
	echo "skip - $*"
	skip=$((skip + 1))
}
finish() {
	echo "$pass passed, $fail failed, $skip skipped"
	((fail == 0)) && exit 0
	exit 1
}

# run a command that prints ok/not ok lines; relay and count them; a non-zero exit without a
# `not ok` line counts as a failure of its own
counted() {
	local line rc=0 f0=$fail
	while IFS= read -r line; do
		case $line in
		__rc=*) rc=${line#__rc=}; continue ;;
		"ok - "*) pass=$((pass + 1)) ;;
		"not ok - "*) fail=$((fail + 1)) ;;
		esac
		printf '%s\n' "$line"
	done < <("$@" 2>&1; echo "__rc=$?")
	if ((rc != 0 && fail == f0)); then
		notok "command exited with status $rc: ${*:0:200}"
	fi
	return "$rc"
}

# --------------------------------------------------------------------------- prerequisites

if [[ ! -x $PY ]] || ! "$PY" -c 'import scapy.layers.inet6, cryptography.hazmat.primitives.asymmetric.rsa' 2>/dev/null; then
	notok "scapy 2.5.0 and python3-cryptography for $PY (Debian: python3-scapy python3-cryptography)"
	finish
fi
for t in ip radvd rdisc6 tcpdump ethtool ping timeout; do
	command -v "$t" >/dev/null || {
		notok "'$t' is installed (Debian: iproute2 radvd ndisc6 tcpdump ethtool iputils-ping coreutils)"
		finish
	}
done

work=$(mktemp -d /tmp/mn-dar-scapy.XXXXXX) || exit 1
dar_pid="" srv_pid="" start_err=""

kill_pid() { # PID: SIGTERM, wait up to 3 s, then SIGKILL
	local pid=$1 i
	[[ -n $pid ]] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 300; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		tb_sleep 0.01
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# shellcheck disable=SC2317  # runs from the EXIT trap
cleanup() {
	local rc=$?
	trap - EXIT
	kill_pid "$srv_pid"
	kill_pid "$dar_pid"
	tb_down >/dev/null 2>&1 || true
	if [[ ${DAR_TEST_KEEP:-0} == 1 ]]; then
		echo "# scratch directory kept: $work"
	else
		rm -rf "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# --------------------------------------------------------------------------- offline crypto

echo "# dar_peer.py selftest (notes/protocol.md 4.5, 3.9 (a)-(c), 1.6)"
if ! counted "$PY" "$PEER" selftest; then
	notok "selftest: the peer's own crypto is wrong; live checks not run"
	finish
fi
if [[ ! -x $MNDAR ]]; then
	notok "mn-dar is built ($MNDAR does not exist; make tests/dar/mn-dar, or set MN_DAR)"
	finish
fi
if ! "$PY" "$PEER" keygen --key "$work/key.json" | sed 's/^/# /'; then
	notok "keygen"
	finish
fi

# --------------------------------------------------------------------------- helpers

# why a backend cannot run on this kernel (empty: it can); needs the testbed (DAR1)
backend_missing() {
	local err
	case $1 in
	tun) [[ -c /dev/net/tun ]] || echo "no /dev/net/tun (CONFIG_TUN)" ;;
	seg6)
		if err=$(ip -n "$NS_DAR1" -6 route add 2001:db8:7e::/64 encap seg6 mode encap.red \
			segs "$DAR2_BB" dev bb0 2>&1); then
			ip -n "$NS_DAR1" -6 route del 2001:db8:7e::/64 2>/dev/null
		else
			echo "no seg6 lwtunnel (ip route ... encap seg6: $err)"
		fi
		;;
	ip6tnl)
		if err=$(ip -n "$NS_DAR1" link add dtprobe0 type ip6tnl mode ip6ip6 local "$DAR1_ADDR" \
			remote "$DAR2_BB" 2>&1); then
			ip -n "$NS_DAR1" link del dtprobe0 2>/dev/null
		else
			echo "kernel has no ip6_tunnel (ip link add type ip6tnl: $err)"
		fi
		;;
	*) echo "unknown backend" ;;
	esac
}

# DAR1's routes, rules and links (to compare before mn-dar and after its SIGTERM)
dar1_snapshot() {
	{
		ip -n "$NS_DAR1" -6 route show table all | grep -v -e ' proto kernel ' -e '^local ' \
			-e '^multicast ' -e '^anycast ' | sed 's/ expires [0-9]*sec//'
		ip -n "$NS_DAR1" -6 rule show
		ip -n "$NS_DAR1" -o link show | awk '{print $2}'
		ip netns exec "$NS_DAR1" ip sr tunsrc show
	} | sort
}

# lines of DAR1's routing tables whose destination is ADDR
dar1_routes_for() {
	ip -n "$NS_DAR1" -6 route show table all |
		awk -v a="$1" '{d = $1; if (d == "local" || d == "unicast") d = $2; if (d == a || d == a "/128") print}'
}

dar_seen_ready() {
	grep -sqE "mn-dar: ready address=[^ ]+ backend=$2" "$1" "$1.out"
}

# start mn-dar on DAR1: start_dar BACKEND LOG; sets dar_pid, or start_err on failure (not in
# a subshell: dar_pid must reach the caller)
start_dar() {
	local b=$1 log=$2 i
	"$TB_BIN" exec dar1 "$MNDAR" --address "$DAR1_ADDR" --prefix "$DAR1_PREFIX" --backend "$b" \
		--state "$dstate" --log "$log" </dev/null >"$log.out" 2>&1 &
	dar_pid=$!
	for ((i = 0; i < 1000; i++)); do
		dar_seen_ready "$log" "$b" && return 0
		if ! kill -0 "$dar_pid" 2>/dev/null; then
			wait "$dar_pid"
			start_err="mn-dar exited with status $? before it was ready:"
			start_err+=" $(tail -n 3 "$log.out" "$log" 2>/dev/null | tr '\n' ' ')"
			dar_pid=""
			return 1
		fi
		tb_sleep 0.01
	done
	start_err="no ready line within 10 s: $(tail -n 3 "$log.out" "$log" 2>/dev/null | tr '\n' ' ')"
	return 1
}

# SIGTERM mn-dar and check that it exits 0 within 5 s; returns its status
stop_dar() {
	local pid=$dar_pid i rc
	dar_pid=""
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 500; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		tb_sleep 0.01
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		return 124
	fi
	wait "$pid"
	rc=$?
	return "$rc"
}

peer() { # dar_peer.py in the MN's namespace
	counted "$TB_BIN" exec mn "$PY" "$PEER" "$@"
}

dump_logs() {
	local f
	for f in "$bdir"/dar1*.log "$bdir"/dar1*.log.out "$dstate"; do
		[[ -s $f ]] || continue
		echo "# --- ${f##*/} (last 15 lines)"
		tail -n 15 "$f" | sed 's/^/#   /'
	done
}

# --------------------------------------------------------------------------- one backend

# give up on the current backend: stop mn-dar (if any), show its logs, tear the testbed down
abort_backend() {
	if [[ -n $dar_pid ]]; then
		kill_pid "$dar_pid"
		dar_pid=""
	fi
	dump_logs
	tb_down >/dev/null 2>&1
}

run_backend() {
	local B=$1 f0=$fail why rc out coa hoa ll1 a base after routes
	bdir=$work/$B
	dstate=$bdir/dar1.state
	mkdir -p "$bdir"
	echo "# backend $B"
	export TB_RUN=$bdir/tb
	if ! tb_up --dars 2 >"$bdir/tb-up.log" 2>&1; then
		notok "$B: tb up --dars 2: $(tail -n 3 "$bdir/tb-up.log" | tr '\n' ' ')"
		return
	fi

	why=$(backend_missing "$B")
	if [[ -n $why ]]; then
		timeout 10 "$TB_BIN" exec dar1 "$MNDAR" --address "$DAR1_ADDR" --prefix "$DAR1_PREFIX" \
			--backend "$B" --state "$dstate" --log "$bdir/dar1.log" </dev/null >"$bdir/dar1.log.out" 2>&1
		rc=$?
		if ((rc == 3)); then
			ok "$B: mn-dar --backend $B exits 3 (backend unavailable) on this kernel"
		else
			notok "$B: mn-dar --backend $B exits 3 on a kernel without it (status $rc$( ((rc == 124)) && echo ': still running after 10 s')): $(tail -n 2 "$bdir/dar1.log.out" | tr '\n' ' ')"
		fi
		skipped "$B: backend not available on this kernel: $why"
		tb_down >/dev/null 2>&1
		return
	fi

	base=$(dar1_snapshot)
	if ! start_dar "$B" "$bdir/dar1.log"; then
		notok "$B: mn-dar starts on DAR1 (--backend $B): $start_err"
		abort_backend
		return
	fi
	ok "$B: mn-dar ready on DAR1 (pid $dar_pid, $(cat "/proc/$dar_pid/comm" 2>/dev/null))"

	# --- move the MN to DAR2; the CoA comes from DAR2's prefix
	"$TB_BIN" move 2 2>/dev/null
	"$TB_BIN" exec mn rdisc6 -1 -q eth0 >/dev/null 2>&1
	if ! coa=$(tb_wait_addr mn eth0 "$DAR2_PREFIX" 2>&1); then
		notok "$B: the MN gets a CoA in $DAR2_PREFIX after the move: $coa"
		abort_backend
		return
	fi
	# what a mobile node does after the move (notes/testbed.md 1): forget DAR1's on-link
	# prefix, its default route and the SLAAC address from it (it would win source selection
	# for DAR1's address by longest match)
	ll1=$(ip -n "$NS_DAR1" -6 -o addr show dev acc0 scope link | awk '{print $4}')
	ip -n "$NS_MN" -6 route del default via "${ll1%/*}" dev eth0 2>/dev/null
	ip -n "$NS_MN" -6 route del "$DAR1_PREFIX" dev eth0 2>/dev/null
	for a in $(ip -n "$NS_MN" -6 -o addr show dev eth0 to "$DAR1_PREFIX" | awk '{print $4}'); do
		ip -n "$NS_MN" -6 addr del "$a" dev eth0
	done
	ok "$B: MN moved to DAR2, CoA $coa"

	out=$("$PY" "$PEER" init --key "$work/key.json" --ctx "$bdir/ctx.json" --label "$B" \
		--dar "$DAR1_ADDR" --prefix "$DAR1_PREFIX" --coa "$coa" --seq 100 \
		--dar-state "$dstate" --dar-log "$bdir/dar1.log") || {
		notok "$B: dar_peer.py init: $out"
		abort_backend
		return
	}
	hoa=${out#HOA=}
	echo "# $B: HoA $hoa (CGA, Sec 1, under $DAR1_PREFIX), DAR $DAR1_ADDR, CoA $coa"

	# --- 1
	peer run --ctx "$bdir/ctx.json" cga1
	routes=$(dar1_routes_for "$hoa")
	if [[ -n $routes ]]; then
		ok "$B: 1 DAR1 has a route for the HoA: $(head -n1 <<<"$routes")"
	else
		notok "$B: 1 DAR1 has a route for the HoA after the accepted BU (ip -6 route show table all has none)"
	fi
	# --- 2-5, the counters and the log
	peer run --ctx "$bdir/ctx.json" badsig foreign replay noauth token-bad token counters log

	# --- restart
	stop_dar
	rc=$?
	if ((rc == 0)); then
		ok "$B: SIGTERM: mn-dar exits 0"
	else
		notok "$B: SIGTERM: mn-dar exits 0 (status $rc)"
	fi
	after=$(dar1_snapshot)
	if [[ $after == "$base" ]]; then
		ok "$B: after SIGTERM DAR1's routes, rules and links are as before mn-dar started"
	else
		notok "$B: after SIGTERM DAR1's routes, rules and links are as before mn-dar started: $(diff <(echo "$base") <(echo "$after") | grep '^[<>]' | tr '\n' ' ')"
	fi
	if ! start_dar "$B" "$bdir/dar1-2.log"; then
		notok "$B: mn-dar restarts on DAR1: $start_err"
		abort_backend
		return
	fi
	ok "$B: mn-dar restarted and ready"
	"$PY" - "$bdir/ctx.json" "$bdir/dar1-2.log" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1])); d["dar_log"] = sys.argv[2]
json.dump(d, open(sys.argv[1], "w"))
EOF

	# --- 6, 7
	peer run --ctx "$bdir/ctx.json" restarted token-nokey cga7 dereg counters log
	routes=$(dar1_routes_for "$hoa")
	if [[ -z $routes ]]; then
		ok "$B: 7 DAR1 has no route for the HoA after the de-registration"
	else
		notok "$B: 7 DAR1 has no route for the HoA after the de-registration: $(tr '\n' ' ' <<<"$routes")"
	fi

	# --- data plane
	dataplane "$B" "$hoa" "$coa"

	stop_dar
	rc=$?
	if ((rc == 0)); then
		ok "$B: SIGTERM with a binding up: mn-dar exits 0"
	else
		notok "$B: SIGTERM with a binding up: mn-dar exits 0 (status $rc)"
	fi
	after=$(dar1_snapshot)
	if [[ $after == "$base" ]]; then
		ok "$B: after SIGTERM DAR1's routes, rules and links are as before mn-dar started"
	else
		notok "$B: after SIGTERM DAR1's routes, rules and links are as before mn-dar started: $(diff <(echo "$base") <(echo "$after") | grep '^[<>]' | tr '\n' ' ')"
	fi

	if ((fail != f0)); then
		abort_backend
	else
		tb_down >/dev/null 2>&1
	fi
}

dataplane() {
	local B=$1 hoa=$2 coa=$3 mn err rc i
	mn=(ip -n "$NS_MN")
	peer run --ctx "$bdir/ctx.json" cga8 || return

	# the MN's kernel seg6 data path (notes/testbed.md 4.4, "Data plane" item 1)
	if ! err=$({
		"${mn[@]}" -6 addr add "$hoa/128" dev eth0 nodad preferred_lft 0 &&
			"${mn[@]}" -6 rule add pref 1000 lookup local &&
			"${mn[@]}" -6 rule del pref 0 lookup local &&
			"${mn[@]}" -6 rule add pref 1100 from "$hoa/128" lookup 100 &&
			"${mn[@]}" -6 route add default encap seg6 mode encap.red segs "$DAR1_ADDR" dev eth0 mtu 1400 table 100 &&
			"${mn[@]}" -6 rule add pref 50 from "$DAR1_ADDR" to "$coa/128" ipproto 41 lookup 200 &&
			"${mn[@]}" -6 route add "$coa/128" encap seg6local action End.DT6 table 255 dev eth0 table 200 &&
			ip netns exec "$NS_MN" ip sr tunsrc set "$coa"
	} 2>&1); then
		notok "$B: data plane: MN seg6 configuration: $err"
		return
	fi

	"$TB_BIN" capture dar2-acc "$bdir/dp.pcap" ip6 proto 41 2>/dev/null ||
		notok "$B: data plane: capture on DAR2's access link starts"

	if out=$("$TB_BIN" exec cn ping -6 -n -c 3 -i 0.2 -w 5 "$hoa" 2>&1); then
		ok "$B: data plane: CN pings the HoA ($(grep -o '[0-9]* received' <<<"$out"))"
	else
		notok "$B: data plane: CN pings the HoA: $(tail -n 2 <<<"$out" | tr '\n' ' ')"
	fi

	rm -f "$bdir/srv.ready"
	"$TB_BIN" exec mn "$PY" "$PEER" tcp-server --bind "$hoa" --port 7777 --ready "$bdir/srv.ready" \
		--bytes 200000 >"$bdir/srv.out" 2>&1 &
	srv_pid=$!
	if tb_wait_for -t 10 test -e "$bdir/srv.ready" 2>/dev/null; then
		counted "$TB_BIN" exec cn "$PY" "$PEER" tcp-client --connect "$hoa" --port 7777 \
			--bytes 200000 --label "$B: data plane" || kill_pid "$srv_pid"
		for ((i = 0; i < 500; i++)); do
			kill -0 "$srv_pid" 2>/dev/null || break
			tb_sleep 0.01
		done
		if kill -0 "$srv_pid" 2>/dev/null; then
			kill_pid "$srv_pid"
			notok "$B: data plane: the listener on the HoA finished: $(cat "$bdir/srv.out")"
		else
			wait "$srv_pid"
			rc=$?
			if ((rc == 0)); then
				ok "$B: data plane: the listener on the HoA got the CN's data intact ($(tr -d '\n' <"$bdir/srv.out"))"
			else
				notok "$B: data plane: the listener on the HoA got the CN's data intact: $(tr '\n' ' ' <"$bdir/srv.out")"
			fi
		fi
		srv_pid=""
	else
		kill_pid "$srv_pid"
		srv_pid=""
		notok "$B: data plane: TCP listener on the HoA starts: $(cat "$bdir/srv.out")"
	fi

	"$TB_BIN" capture-stop "$bdir/dp.pcap" 2>/dev/null
	counted "$PY" "$PEER" pcap "$bdir/dp.pcap" --dar "$DAR1_ADDR" --coa "$coa" --hoa "$hoa" \
		--cn "$CN_ADDR" --label "$B: data plane"
}

# --------------------------------------------------------------------------- main

for B in $BACKENDS; do
	t0=$(tb_now_us)
	run_backend "$B"
	tb_down >/dev/null 2>&1
	echo "# backend $B: $(tb_elapsed "$t0") s"
done
finish
