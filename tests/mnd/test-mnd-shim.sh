#!/bin/bash
# libmnsock-preload.so against the real mnd on the namespace testbed (acceptance 3 and 4 of the
# libmnsock part of the per-flow issue). A rule of mnd.conf makes TCP to ports 5003-5004
# bypass, so that each mode the shim brings shows against what mnd would do without it:
#  3. programs under the shim: a Python TCP flow (flow.py) and a real binary, curl, downloading
#     paced by the server over HTTP (the curl checks are skipped if curl is not installed).
#     - MNSOCK_MODE=bypass at DAR1 (port 5001, 5004): the DAR1 address has only bypass flows
#       and is released on DAR1 -> DAR2, no BU goes to DAR1, curl's download breaks;
#     - MNSOCK_MODE=continuity at DAR2 (ports 5003, 5004, which the rule makes bypass): the
#       DAR2 address is kept on DAR2 -> DAR3, the flow moves data and curl's download
#       completes intact through the tunnel; an unshimmed flow to 5003 counts as bypass;
#  4. tests/mnsock/rfc5014 (setsockopt IPV6_ADDR_PREFERENCES, no MNSOCK_MODE) under the shim:
#     - IPV6_PREFER_SRC_HOME at DAR3 to port 5003 (rule: bypass): continuity, the address is
#       kept on DAR3 -> DAR1 and the flow moves data after it;
#     - IPV6_PREFER_SRC_COA at DAR1 to port 5001 (default: continuity): bypass, the address
#       is released on DAR1 -> DAR2.
# Usage: test-mnd-shim.sh [BACKEND]   (mnd's backend; default tun)
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
SHIM=$top_builddir/libmnsock/.libs/libmnsock-preload.so
RFC=$top_builddir/tests/mnsock/rfc5014
PY=/usr/bin/python3
FLOW="$PY $here/flow.py"
export TB_WAIT_TIMEOUT=${TB_WAIT_TIMEOUT:-8}

. "$top_srcdir/tests/lib-check.sh"

# curl is the real binary of item 3; without it the Python flows still run.
have_curl=0
command -v curl >/dev/null && have_curl=1
if nm -u "$SHIM" 2>/dev/null | grep -q __asan_; then
	echo "SKIP: sanitizer build: the shim cannot be preloaded into uninstrumented programs"
	exit 77
fi

cleanup() {
	mnd_teardown
	if ((fail)) && [[ -n ${TB_RUN:-} ]]; then
		echo "---- mnd.log (keep, release, ctl)"
		grep -E ' (keep|release|ctl-request|handover-started|flow) ' "$TB_RUN/mnd.log" | tail -n 80
		echo "---- shim.log (tail)"
		tail -n 20 "$TB_RUN/shim.log"
	fi
	tb_down
}
trap cleanup EXIT

tb_up --dars 3 || exit 1
for f in "$MND" "$MN_DAR" "$SHIM" "$RFC"; do [[ -e $f ]] || { echo "not built: $f"; exit 1; }; done
mnd_start_dars tun || exit 1
mnd_start -b "$BACKEND" || { notok "mnd starts"; exit 1; }
ok "mnd starts with backend $BACKEND"
CTL=$MND_RUN/mnsock
cat >>"$TB_RUN/mnd.conf" <<EOF

[rules]
r-shim=bypass tcp dport 5003-5004
EOF
kill -HUP "$MND_PID"
check "SIGHUP loads the rule (tcp dport 5003-5004: bypass)" \
	tb_wait_log "$TB_RUN/mnd.log" "reloaded .* rules=1"

# The correspondent: echo servers, and an HTTP server that paces a 2 MB file at 400 kB/s, so
# that the download is in flight (not sitting in the MN's receive buffer) during the move.
mkdir -p "$TB_RUN/www"
head -c 2000000 /dev/urandom >"$TB_RUN/www/blob"
for p in 5001 5003; do
	tb exec cn $FLOW tcp-server $p &
	BG+=($!)
done
cat >"$TB_RUN/paced_http.py" <<'EOF'
import socket, sys, threading, time
port, data = int(sys.argv[1]), open(sys.argv[2], "rb").read()
def serve(c):
    try:
        req = b""
        while b"\r\n\r\n" not in req:
            d = c.recv(4096)
            if not d:
                return
            req += d
        c.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(data))
        for i in range(0, len(data), 20000):
            c.sendall(data[i:i + 20000])
            time.sleep(0.05)
    except OSError:
        pass
    finally:
        c.close()
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", port))
s.listen(8)
while True:
    threading.Thread(target=serve, args=(s.accept()[0],), daemon=True).start()
EOF
ip netns exec "$NS_CN" "$PY" "$TB_RUN/paced_http.py" 5004 "$TB_RUN/www/blob" >/dev/null 2>&1 &
BG+=($!)
tb_wait_for sh -c "ip netns exec $NS_CN ss -Hltn 'sport = :5004' | grep -q ."

# shim_env MODE: the environment of a program under the shim ("-": no MNSOCK_MODE), in SHIM_ENV.
# Programs are started as `ip netns exec NS env "${SHIM_ENV[@]}" PROG... &`, which execs PROG:
# $! is the program itself, the pid mnd logs.
shim_env() {
	SHIM_ENV=(LD_PRELOAD="$SHIM" MNSOCK_PATH="$CTL" MNSOCK_DEBUG=1)
	[[ $1 == - ]] || SHIM_ENV+=(MNSOCK_MODE="$1")
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
	[[ $l == "ok xfer"* ]]
}
# A flow.py TCP client under the shim: flow MODE NAME PORT
flow() {
	mkfifo "$TB_RUN/$2.ctl"
	: >"$TB_RUN/$2.log"
	shim_env "$1"
	ip netns exec "$NS_MN" env "${SHIM_ENV[@]}" $FLOW tcp-client "$CN_ADDR" "$3" \
		"$TB_RUN/$2.ctl" "$TB_RUN/$2.log" 2>>"$TB_RUN/shim.log" &
	BG+=($!)
	FLOW_PID=$!
}
# The RFC 5014 program under the shim, no MNSOCK_MODE: rfc5014_flow home|coa NAME PORT
rfc5014_flow() {
	mkfifo "$TB_RUN/$2.ctl"
	: >"$TB_RUN/$2.log"
	shim_env -
	ip netns exec "$NS_MN" env "${SHIM_ENV[@]}" "$RFC" "$1" "$CN_ADDR" "$3" "$TB_RUN/$2.ctl" \
		"$TB_RUN/$2.log" >"$TB_RUN/$2.out" 2>>"$TB_RUN/shim.log" &
	BG+=($!)
	FLOW_PID=$!
}
# curl under the shim: curl_get MODE NAME [curl options]
curl_get() {
	local mode=$1 name=$2
	shift 2
	rm -f "$TB_RUN/$name.blob"
	shim_env "$mode"
	ip netns exec "$NS_MN" env "${SHIM_ENV[@]}" curl -g -s "$@" -o "$TB_RUN/$name.blob" \
		"http://[$CN_ADDR]:5004/blob" 2>>"$TB_RUN/shim.log" &
	CURL_PID=$!
	tb_wait_for -t 10 test -s "$TB_RUN/$name.blob"
}
# Lines of mnd.log after line $MARK match ERE $1
since() {
	tail -n "+$((MARK + 1))" "$TB_RUN/mnd.log" | grep -qE -- "$1"
}
mark() { MARK=$(grep -c '' "$TB_RUN/mnd.log"); }
requested() { # requested PID MODE: mnd recorded MODE for a TCP socket of that process
	tb_wait_log "$TB_RUN/mnd.log" \
		"ctl-request pid=$1 uid=0 .*op=set-mode mode=$2 cookie=[0-9]+ .*proto=tcp status=0"
}
move() { # move N: attach to DARn and wait until mnd is current there
	local d=DAR${1}_ADDR
	tb move "$1"
	mnd_wait "${!d}" role current
}
no_bu_to() { # no_bu_to DAR HOA: no BU for HOA in mnd's log since the mark
	! since "bu-sent dar=$1 hoa=$2 "
}
addr_gone() {
	tb_wait_for sh -c "! ip -n $NS_MN -6 addr show dev eth0 | grep -q '$1/'"
}

# ------------------------------------------------- 3a. MNSOCK_MODE=bypass at DAR1
mnd_wait "$DAR1_ADDR" role current || exit 1
HOA1=$(mnd_field "$DAR1_ADDR" addr)
tb_wait_addr mn eth0 "$HOA1/128" >/dev/null || notok "HoA1 on eth0"
flow bypass a 5001
pid_a=$FLOW_PID
check "bypass: the Python flow connects from the DAR1 address" \
	tb_wait_log "$TB_RUN/a.log" "connected local=$HOA1 "
check "bypass: mnd recorded bypass for the Python flow's socket (pid $pid_a)" \
	requested "$pid_a" bypass
check "bypass: the Python flow moves data at DAR1" xfer a
if ((have_curl)); then
	check "bypass: curl starts downloading" curl_get bypass ca --speed-limit 1000 \
		--speed-time 4 --max-time 60
	curl_a=$CURL_PID
	check "bypass: mnd recorded bypass for curl's socket (pid $curl_a)" requested "$curl_a" bypass
else
	skipped "curl is not installed: no real binary in item 3"
fi
mark
move 2
HOA2=$(mnd_field "$DAR2_ADDR" addr)
check "bypass: the DAR1 address is released on DAR1 -> DAR2 (only bypass flows)" \
	tb_wait_for since "release addr=$HOA1 dar=$DAR1_ADDR flows=0 bypass=$((1 + have_curl)) "
check "bypass: DAR1 anchor role released" mnd_wait "$DAR1_ADDR" role released
check "bypass: the DAR1 address is gone from the MN" addr_gone "$HOA1"
check "bypass: no BU went to DAR1" no_bu_to "$DAR1_ADDR" "$HOA1"
check "bypass: DAR1 has no binding" sh -c "! grep -q '^binding ' '$TB_RUN/dar1.state'"
if ((have_curl)); then
	wait "$curl_a"
	rc=$?
	check "bypass: curl's download did not survive the move (curl exit $rc)" [ "$rc" != 0 ]
fi
kill "$pid_a" 2>/dev/null

# ------------------------------------------------- 3b. MNSOCK_MODE=continuity at DAR2
tb_wait_addr mn eth0 "$HOA2/128" >/dev/null || notok "HoA2 on eth0"
flow continuity b 5003
pid_b=$FLOW_PID
check "continuity: the Python flow connects from the DAR2 address" \
	tb_wait_log "$TB_RUN/b.log" "connected local=$HOA2 "
check "continuity: mnd recorded continuity for the Python flow (pid $pid_b)" \
	requested "$pid_b" continuity
# The same port without the shim: bypass by the rule.
mkfifo "$TB_RUN/r.ctl"
: >"$TB_RUN/r.log"
tb exec mn $FLOW tcp-client "$CN_ADDR" 5003 "$TB_RUN/r.ctl" "$TB_RUN/r.log" &
BG+=($!)
tb_wait_log "$TB_RUN/r.log" "connected local=$HOA2 " >/dev/null || notok "unshimmed flow connects"
check "continuity: the Python flow moves data at DAR2" xfer b
if ((have_curl)); then
	check "continuity: curl starts downloading" curl_get continuity cb --max-time 60
	curl_b=$CURL_PID
	check "continuity: mnd recorded continuity for curl's socket (pid $curl_b)" \
		requested "$curl_b" continuity
fi
mark
move 3
HOA3=$(mnd_field "$DAR3_ADDR" addr)
check "continuity: the DAR2 address is kept on DAR2 -> DAR3 (shimmed flows; the rule's bypass)" \
	tb_wait_for since "keep addr=$HOA2 dar=$DAR2_ADDR flows=$((1 + have_curl)) bypass=1 "
check "continuity: DAR2 binding bound" mnd_wait "$DAR2_ADDR" binding bound
check "continuity: the Python flow moves data after the move" xfer b
if ((have_curl)); then
	wait "$curl_b"
	rc=$?
	check "continuity: curl's download completes (exit $rc)" [ "$rc" = 0 ]
	check "continuity: the downloaded file is intact" cmp -s "$TB_RUN/cb.blob" "$TB_RUN/www/blob"
fi

# ------------------------------------------------- 4a. RFC 5014 HOME at DAR3
tb_wait_addr mn eth0 "$HOA3/128" >/dev/null || notok "HoA3 on eth0"
rfc5014_flow home h 5003
pid_h=$FLOW_PID
check "RFC 5014 HOME: the program connects from the DAR3 address" \
	tb_wait_log "$TB_RUN/h.log" "connected local=$HOA3$"
check "RFC 5014 HOME: its own calls succeed as without the shim" \
	grep -q '^setsockopt 0x0400: 0 - errno-after=0$' "$TB_RUN/h.out"
check "RFC 5014 HOME: mnd recorded continuity (pid $pid_h)" requested "$pid_h" continuity
mkfifo "$TB_RUN/r3.ctl"
: >"$TB_RUN/r3.log"
tb exec mn $FLOW tcp-client "$CN_ADDR" 5003 "$TB_RUN/r3.ctl" "$TB_RUN/r3.log" &
BG+=($!)
tb_wait_log "$TB_RUN/r3.log" "connected local=$HOA3 " >/dev/null || notok "unshimmed flow connects"
check "RFC 5014 HOME: the flow moves data at DAR3" xfer h
mark
move 1
check "RFC 5014 HOME: the DAR3 address is kept on DAR3 -> DAR1 (the rule's 1 bypass)" \
	tb_wait_for since "keep addr=$HOA3 dar=$DAR3_ADDR flows=1 bypass=1 "
check "RFC 5014 HOME: DAR3 binding bound" mnd_wait "$DAR3_ADDR" binding bound
check "RFC 5014 HOME: the flow moves data after the move" xfer h

# ------------------------------------------------- 4b. RFC 5014 COA at DAR1
HOA1=$(mnd_field "$DAR1_ADDR" addr)
tb_wait_addr mn eth0 "$HOA1/128" >/dev/null || notok "the DAR1 address on eth0"
rfc5014_flow coa c 5001
pid_c=$FLOW_PID
check "RFC 5014 COA: the program connects from the DAR1 address" \
	tb_wait_log "$TB_RUN/c.log" "connected local=$HOA1$"
check "RFC 5014 COA: mnd recorded bypass (pid $pid_c)" requested "$pid_c" bypass
check "RFC 5014 COA: the flow moves data at DAR1" xfer c
mark
move 2
check "RFC 5014 COA: the DAR1 address is released on DAR1 -> DAR2 (default would keep it)" \
	tb_wait_for since "release addr=$HOA1 dar=$DAR1_ADDR flows=0 bypass=1 "
check "RFC 5014 COA: the DAR1 address is gone from the MN" addr_gone "$HOA1"
check "RFC 5014 COA: no BU went to DAR1" no_bu_to "$DAR1_ADDR" "$HOA1"

# ------------------------------------------------- stop
mnd_stop
rc=$?
check "mnd exits 0 on SIGTERM" [ "$rc" = 0 ]

check_done
