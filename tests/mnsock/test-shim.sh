#!/bin/bash
# libmnsock-preload.so under LD_PRELOAD, against a fake mnd (fake_mnd.py) that logs every
# request with the cookie of the socket it was given. No root. Checks:
#  1. MNSOCK_MODE=bypass|continuity: a Python program's IPv6 TCP and UDP sockets, and the
#     sockets it accepts, reach mnd with that mode; its IPv4 and AF_UNIX sockets do not;
#  2. without MNSOCK_MODE nothing is sent; an unknown value is ignored, with one warning
#     under MNSOCK_DEBUG=1;
#  3. RFC 5014 (rfc5014.c, no MNSOCK_MODE): IPV6_PREFER_SRC_HOME -> continuity,
#     IPV6_PREFER_SRC_COA -> bypass, neither or both -> nothing; the program's own results
#     are those it gets without the shim; a listener's preference follows dup2() to the
#     sockets it accepts;
#  4. every hooked call (shim-calls.c) returns the same values and errno, and leaves the same
#     fds, without the shim and with it, whether mnd is running, absent, stale or hung;
#  5. curl (if installed) fetching over IPv6 works the same and its socket is reported.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
PY=/usr/bin/python3
SHIM=$top_builddir/libmnsock/.libs/libmnsock-preload.so
RFC=$top_builddir/tests/mnsock/rfc5014
CALLS=$top_builddir/tests/mnsock/shim-calls
FAKE=$here/fake_mnd.py

[[ -x $PY ]] || { echo "SKIP: $PY is needed for the fake mnd"; exit 77; }
for f in "$SHIM" "$RFC" "$CALLS"; do [[ -e $f ]] || { echo "not built: $f"; exit 1; }; done

# A sanitizer build: its runtime must come first in LD_PRELOAD (kmod's sanitizer-env.sh).
PRELOAD=$SHIM
asan=$(ldd "$SHIM" 2>/dev/null | awk '/libasan|libclang_rt\.asan/ {print $3; exit}')
if [[ -n $asan ]]; then
	PRELOAD=$asan:$SHIM
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
elif nm -u "$SHIM" 2>/dev/null | grep -q __asan_; then
	echo "SKIP: this shim needs an ASan runtime it does not load itself (clang sanitizer build)"
	exit 77
fi

. "$top_srcdir/tests/lib-check.sh"

tmp=$(mktemp -d /tmp/test-shim.XXXXXX)
FAKE_PID=
HTTP_PID=
cleanup() {
	[[ -n $FAKE_PID ]] && kill "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
	[[ -n $HTTP_PID ]] && kill "$HTTP_PID" 2>/dev/null && wait "$HTTP_PID" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
unset MNSOCK_MODE MNSOCK_DEBUG LD_PRELOAD
export MNSOCK_PATH=$tmp/mnsock
LOG=$tmp/log

fake_start() {
	rm -f "$MNSOCK_PATH"
	: >"$LOG"
	"$PY" "$FAKE" "$MNSOCK_PATH" "$LOG" "$@" &
	FAKE_PID=$!
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -S $MNSOCK_PATH ]] && return 0
		sleep 0.05
	done
	echo "fake mnd did not start"
	return 1
}
fake_stop() {
	[[ -n $FAKE_PID ]] || return 0
	kill "$FAKE_PID" 2>/dev/null
	wait "$FAKE_PID" 2>/dev/null
	FAKE_PID=
	rm -f "$MNSOCK_PATH"
}
# under [VAR=VALUE...] CMD...: run CMD with the shim
under() {
	env LD_PRELOAD="$PRELOAD" "$@"
}
# logged COOKIE: the modes requested for that cookie, in order ("" if none)
logged() {
	awk -v c="cookie=$1" '$0 ~ (c " ") {for (i = 1; i <= NF; i++) if ($i ~ /^mode=/) \
		printf "%s%s", (n++ ? " " : ""), substr($i, 6)} END {print ""}' "$LOG"
}
nreq() { grep -c '^req ' "$LOG"; }

# A program that only uses the socket module: prints name=cookie for each socket it makes.
cat >"$tmp/prog.py" <<'EOF'
import os, socket, struct
def ck(s): return struct.unpack("=Q", s.getsockopt(socket.SOL_SOCKET, 57, 8))[0]
t6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
t4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ux = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
lst = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
lst.bind(("::1", 0)); lst.listen(1)
t6.connect(lst.getsockname()); acc, _ = lst.accept()
u6.connect(("::1", 9)); u6.send(b"x")
for n, s in (("t6", t6), ("u6", u6), ("t4", t4), ("ux", ux), ("lst", lst), ("acc", acc)):
    print("%s=%d" % (n, ck(s)))
EOF
# The same through RFC 5014 only: a listener marked COA, moved to fd 100 with dup2, accepts.
cat >"$tmp/dup.py" <<'EOF'
import os, socket, struct
def ck(s): return struct.unpack("=Q", s.getsockopt(socket.SOL_SOCKET, 57, 8))[0]
lst = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
lst.setsockopt(socket.IPPROTO_IPV6, 72, 0x0004)
lst.bind(("::1", 0)); lst.listen(1)
os.dup2(lst.fileno(), 100)
moved = socket.socket(fileno=100)
lst.close()
c = socket.create_connection(moved.getsockname()[:2])
acc, _ = moved.accept()
print("lst=%d acc=%d c=%d" % (ck(moved), ck(acc), ck(c)))
EOF
cookie() { sed -n "s/.*\\b$1=\\([0-9]*\\).*/\\1/p" "$2"; }

fake_start || exit 1

# 1. MNSOCK_MODE on a Python program
for mode in bypass continuity; do
	want=$([[ $mode == bypass ]] && echo 2 || echo 1)
	: >"$LOG"
	if ! under MNSOCK_MODE=$mode "$PY" "$tmp/prog.py" >"$tmp/out" 2>"$tmp/err"; then
		notok "python under the shim ($mode) runs"
		cat "$tmp/err"
		continue
	fi
	for s in t6 u6 lst acc; do
		c=$(cookie "$s" "$tmp/out")
		check "$mode: python's $s socket reported with mode $want" \
			[ "$(logged "$c")" = "$want" ]
	done
	for s in t4 ux; do
		c=$(cookie "$s" "$tmp/out")
		check "$mode: python's $s socket not reported" [ -z "$(logged "$c")" ]
	done
	check "$mode: every request was SET_MODE on an IPv6 TCP/UDP socket" \
		[ -z "$(grep '^req ' "$LOG" | grep -v ' op=1 ' ; grep '^req ' "$LOG" |
			grep -vE 'family=10 type=(1 proto=6|2 proto=17)$')" ]
done

# 2. No MNSOCK_MODE: nothing sent. An unknown value: ignored, one warning under MNSOCK_DEBUG.
: >"$LOG"
under "$PY" "$tmp/prog.py" >/dev/null 2>"$tmp/err"
check "without MNSOCK_MODE nothing reaches mnd" [ "$(nreq)" = 0 ]
check "without MNSOCK_DEBUG the shim prints nothing" [ ! -s "$tmp/err" ]
under MNSOCK_MODE=sideways MNSOCK_DEBUG=1 "$PY" "$tmp/prog.py" >/dev/null 2>"$tmp/err"
check "MNSOCK_MODE=sideways: nothing reaches mnd" [ "$(nreq)" = 0 ]
check "MNSOCK_MODE=sideways: one warning under MNSOCK_DEBUG=1" \
	[ "$(grep -c 'MNSOCK_MODE=sideways is neither' "$tmp/err")" = 1 ]
under MNSOCK_MODE=sideways "$PY" "$tmp/prog.py" >/dev/null 2>"$tmp/err"
check "MNSOCK_MODE=sideways: silent without MNSOCK_DEBUG" [ ! -s "$tmp/err" ]
under MNSOCK_MODE=bypass MNSOCK_DEBUG=1 "$PY" "$tmp/prog.py" >/dev/null 2>"$tmp/err"
check "MNSOCK_DEBUG=1 logs what mnd recorded" grep -q 'bypass (MNSOCK_MODE): recorded by mnd' \
	"$tmp/err"

# 3. RFC 5014, no MNSOCK_MODE
# The program's own view, without the shim (mnd's state does not matter to it).
for p in home coa none both; do
	"$RFC" "$p" ::1 9 | grep -v '^cookie' >"$tmp/rfc-$p.ref"
done
for p in home coa none both; do
	case $p in home) want=1 ;; coa) want=2 ;; *) want= ;; esac
	: >"$LOG"
	under "$RFC" "$p" ::1 9 >"$tmp/rfc.out" 2>"$tmp/err"
	c=$(sed -n 's/^cookie //p' "$tmp/rfc.out")
	check "RFC 5014 $p: mnd got '${want:-nothing}'" [ "$(logged "$c")" = "$want" ]
	check "RFC 5014 $p: the program's results are unchanged" \
		diff <(grep -v '^cookie' "$tmp/rfc.out") "$tmp/rfc-$p.ref"
done
: >"$LOG"
under MNSOCK_MODE=bypass "$RFC" home ::1 9 >"$tmp/rfc.out" 2>&1
c=$(sed -n 's/^cookie //p' "$tmp/rfc.out")
check "RFC 5014 HOME after MNSOCK_MODE=bypass: the program's choice comes last" \
	[ "$(logged "$c")" = "2 1" ]
: >"$LOG"
if under "$PY" "$tmp/dup.py" >"$tmp/out" 2>"$tmp/err"; then
	check "COA on a listener: mnd got bypass" [ "$(logged "$(cookie lst "$tmp/out")")" = 2 ]
	check "the listener's mode follows dup2() to the socket it accepts" \
		[ "$(logged "$(cookie acc "$tmp/out")")" = 2 ]
	check "the client socket (no preference) is not reported" \
		[ -z "$(logged "$(cookie c "$tmp/out")")" ]
else
	notok "dup.py under the shim runs"
	cat "$tmp/err"
fi

# 4. Every hooked call, in every situation of mnd, against the run without the shim
"$CALLS" >"$tmp/calls.ref" 2>&1
calls_same() { # calls_same DESCRIPTION [VAR=VALUE...]
	local d=$1
	shift
	under "$@" "$CALLS" >"$tmp/calls.out" 2>"$tmp/calls.err"
	if diff -u "$tmp/calls.ref" "$tmp/calls.out" >"$tmp/calls.diff"; then
		ok "hooked calls unchanged: $d"
	else
		notok "hooked calls unchanged: $d"
		cat "$tmp/calls.diff"
	fi
}
: >"$LOG"
calls_same "mnd running, MNSOCK_MODE=bypass" MNSOCK_MODE=bypass
check "mnd running: requests were made (the test exercised the shim)" [ "$(nreq)" -ge 8 ]
check "mnd running: only IPv6 TCP/UDP sockets reported" \
	[ -z "$(grep '^req ' "$LOG" | grep -vE 'family=10 type=(1 proto=6|2 proto=17)$')" ]
calls_same "mnd running, no MNSOCK_MODE"
calls_same "mnd running, MNSOCK_MODE=continuity, MNSOCK_DEBUG=1 (stdout)" \
	MNSOCK_MODE=continuity MNSOCK_DEBUG=1
fake_stop
calls_same "mnd absent, MNSOCK_MODE=bypass" MNSOCK_MODE=bypass
calls_same "mnd absent, MNSOCK_MODE=bypass, MNSOCK_DEBUG=1 (stdout)" MNSOCK_MODE=bypass \
	MNSOCK_DEBUG=1
check "mnd absent: MNSOCK_DEBUG=1 says mnd is not running" \
	grep -q 'bypass (MNSOCK_MODE): mnd is not running' "$tmp/calls.err"
# A stale socket file: bound, nobody listening (mnd killed with SIGKILL)
"$PY" -c 'import socket, sys
socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET).bind(sys.argv[1])' "$MNSOCK_PATH"
calls_same "stale control socket, MNSOCK_MODE=continuity" MNSOCK_MODE=continuity
rm -f "$MNSOCK_PATH"
fake_start --hang || exit 1
t0=$(date +%s%N)
calls_same "mnd hung, MNSOCK_MODE=bypass" MNSOCK_MODE=bypass
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
check "mnd hung: one 0.5 s timeout, then the shim stops asking ($ms ms)" [ "$ms" -lt 3000 ]
fake_stop

# 5. curl, if installed, against a local HTTP server over IPv6
if [[ -n $asan ]]; then
	# curl itself hangs in setlocale() with the ASan runtime preloaded, shim or not.
	echo "# sanitizer build: the curl checks are left out"
elif command -v curl >/dev/null; then
	fake_start || exit 1
	mkdir -p "$tmp/www"
	head -c 100000 /dev/urandom >"$tmp/www/blob"
	port=$("$PY" -c 'import socket
s = socket.socket(socket.AF_INET6)
s.bind(("::1", 0))
print(s.getsockname()[1])')
	"$PY" -m http.server --bind ::1 --directory "$tmp/www" "$port" >/dev/null 2>&1 &
	HTTP_PID=$!
	for ((i = 0; i < 100; i++)); do
		timeout 5 curl -s -o /dev/null "http://[::1]:$port/" && break
		sleep 0.05
	done
	: >"$LOG"
	under MNSOCK_MODE=bypass timeout 20 curl -6 -s -o "$tmp/got" "http://[::1]:$port/blob"
	rc=$?
	check "curl under the shim (bypass) fetches the file (rc $rc)" cmp -s "$tmp/got" "$tmp/www/blob"
	check "curl's IPv6 TCP socket was reported as bypass" \
		grep -qE '^req .* op=1 mode=2 .* family=10 type=1 proto=6$' "$LOG"
	check "curl: nothing but IPv6 TCP/UDP reported" \
		[ -z "$(grep '^req ' "$LOG" | grep -vE 'family=10 type=(1 proto=6|2 proto=17)$')" ]
	fake_stop
	rm -f "$tmp/got"
	under MNSOCK_MODE=continuity timeout 20 curl -6 -s -o "$tmp/got" "http://[::1]:$port/blob"
	check "curl under the shim with mnd absent: same result (rc $?)" \
		cmp -s "$tmp/got" "$tmp/www/blob"
	timeout 20 curl -6 -s -o /dev/null "http://[::1]:1/"
	ref=$?
	under MNSOCK_MODE=continuity timeout 20 curl -6 -s -o /dev/null "http://[::1]:1/"
	check "curl to a closed port: same exit status with and without the shim ($ref)" [ $? = "$ref" ]
else
	echo "# curl not installed: the curl checks are left out"
fi

check_done
