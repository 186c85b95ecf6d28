#!/bin/bash
# The shim's overhead per TCP socket()+connect() over ::1 (bench-shim.c), as a ratio to the
# same program without LD_PRELOAD:
#   no shim | shim, MNSOCK_MODE unset | shim, bypass, mnd absent |
#   shim, bypass, C fake mnd (bench-shim --serve) | shim, bypass, Python fake mnd
# Each configuration runs ROUNDS times, interleaved; the lowest median and mean are kept.
# Usage: tests/bench/shim.sh [BUILDDIR] [ITERATIONS] [ROUNDS]    (make bench-shim)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
builddir=${1:-$top/build}
n=${2:-20000}
rounds=${3:-3}
B=$builddir/tests/bench/bench-shim
SHIM=$builddir/libmnsock/.libs/libmnsock-preload.so
PY=/usr/bin/python3
for f in "$B" "$SHIM"; do [[ -e $f ]] || { echo "not built: $f"; exit 1; }; done

tmp=$(mktemp -d /tmp/bench-shim.XXXXXX)
SERVER=
cleanup() {
	[[ -n $SERVER ]] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
unset MNSOCK_MODE MNSOCK_DEBUG LD_PRELOAD
export MNSOCK_PATH=$tmp/mnsock

server_start() { # server_start CMD...: a control socket at MNSOCK_PATH
	rm -f "$MNSOCK_PATH"
	"$@" >/dev/null 2>&1 &
	SERVER=$!
	for ((i = 0; i < 100; i++)); do
		[[ -S $MNSOCK_PATH ]] && return 0
		sleep 0.05
	done
	echo "server did not start: $*"
	exit 1
}
server_stop() {
	kill "$SERVER" 2>/dev/null
	wait "$SERVER" 2>/dev/null
	SERVER=
	rm -f "$MNSOCK_PATH"
}

declare -A med mean
configs=(none off absent cfake)
[[ -x $PY ]] && configs+=(pyfake)
label() {
	case $1 in
	none) echo "no shim" ;;
	off) echo "shim, MNSOCK_MODE unset" ;;
	absent) echo "shim, bypass, mnd absent" ;;
	cfake) echo "shim, bypass, C fake mnd" ;;
	pyfake) echo "shim, bypass, Python fake mnd" ;;
	esac
}
one() { # one CONFIG: run once, keep the best median and mean
	local c=$1 out m a
	case $c in
	none) out=$("$B" "$n") ;;
	off) out=$(LD_PRELOAD=$SHIM "$B" "$n") ;;
	absent) out=$(LD_PRELOAD=$SHIM MNSOCK_MODE=bypass "$B" "$n") ;;
	cfake)
		server_start "$B" --serve "$MNSOCK_PATH"
		out=$(LD_PRELOAD=$SHIM MNSOCK_MODE=bypass "$B" "$n")
		server_stop
		;;
	pyfake)
		server_start "$PY" "$top/tests/mnsock/fake_mnd.py" "$MNSOCK_PATH" /dev/null
		out=$(LD_PRELOAD=$SHIM MNSOCK_MODE=bypass "$B" "$n")
		server_stop
		;;
	esac
	m=$(sed -n 's/.*median \([0-9.]*\) us.*/\1/p' <<<"$out")
	a=$(sed -n 's/.*mean \([0-9.]*\) us.*/\1/p' <<<"$out")
	[[ -n $m && -n $a ]] || { echo "bench-shim failed ($c): $out"; exit 1; }
	if [[ -z ${med[$c]:-} ]] || awk -v x="$m" -v y="${med[$c]}" 'BEGIN {exit !(x < y)}'; then
		med[$c]=$m
	fi
	if [[ -z ${mean[$c]:-} ]] || awk -v x="$a" -v y="${mean[$c]}" 'BEGIN {exit !(x < y)}'; then
		mean[$c]=$a
	fi
}

for ((r = 0; r < rounds; r++)); do
	for c in "${configs[@]}"; do one "$c"; done
done

echo "socket()+connect() over ::1, $n iterations, best of $rounds rounds" \
	"($(nproc) CPUs, kernel $(uname -r))"
printf '%-32s %12s %12s %14s %12s\n' configuration "median us" "mean us" "median ratio" "mean ratio"
for c in "${configs[@]}"; do
	printf '%-32s %12s %12s %14s %12s\n' "$(label "$c")" "${med[$c]}" "${mean[$c]}" \
		"$(awk -v x="${med[$c]}" -v y="${med[none]}" 'BEGIN {printf "%.2f", x / y}')" \
		"$(awk -v x="${mean[$c]}" -v y="${mean[none]}" 'BEGIN {printf "%.2f", x / y}')"
done
