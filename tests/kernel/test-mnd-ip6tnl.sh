#!/bin/bash
# mnd's acceptance list (tests/mnd/test-mnd.sh) with the ip6tnl backend on both ends, in
# User-Mode Linux: the CI kernel has no ip6_tunnel, the UML guest kernel has (notes:
# second-kernel.md). The DARs in the guest run mn-dar with its ip6tnl backend too
# (MND_DAR_BACKEND; tun also works, UML has no seg6). One guest boot runs two steps:
#   1. tests/mnd/test-mnd-auto.sh with MND_AUTO_EXPECT=ip6tnl: on this kernel mnd's
#      --backend auto must take ip6tnl ("first choice"), in `mnd --check` and in a running mnd;
#   2. tests/mnd/test-mnd.sh ip6tnl $MND_DAR_BACKEND.
#
# Never skips: CI is this machine kind, so a guest that cannot run is a failure, with the
# runner's reason (exit 124: timeout, 125: no guest or no status) in the log.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
export top_srcdir top_builddir

# What the testbed and the test use that this kernel has as modules (auto-loading covers
# most of them, but a failed auto-load shows up only as a confusing error later):
#   ip6_tunnel tunnel6  mnd's ip6tnl backend
#   veth bridge         the testbed's links and its L2 switch (stp and llc come with bridge)
#   tun                 mn-dar's tun backend on the DARs
#   udp_diag            mnd's sock_diag queries for UDP sockets (inet_diag and tcp_diag are
#                       built in; tcpdump's AF_PACKET too)
export UML_MODULES=${UML_MODULES:-"ip6_tunnel tunnel6 veth tun bridge udp_diag"}
export UML_PASSENV="top_srcdir top_builddir MND_LIFETIME TB_WAIT_TIMEOUT MND_BU_GAP_MS \
	MND_DAR_BACKEND MND_AUTO_EXPECT"
export MND_DAR_BACKEND=${MND_DAR_BACKEND:-ip6tnl}
export MND_AUTO_EXPECT=ip6tnl
# Each exec costs about 36-90 ms in the guest (one slow vCPU, every page fault through
# ptrace): waits that are generous on the host are not in the guest.
export TB_WAIT_TIMEOUT=${TB_WAIT_TIMEOUT:-20}
# The two BUs of a move leave 5 ms apart at most on the host (test-mnd.sh keeps that bound
# there); in the guest, signing the second one (CGA; page faults) took 9-20 ms, 30 ms with the
# host busy. The bound here only tells "sent together" from "one after the other's BA".
export MND_BU_GAP_MS=${MND_BU_GAP_MS:-100}
export UML_TIMEOUT=${UML_TIMEOUT:-900}

for f in "$top_builddir/mnd/mnd" "$top_builddir/tests/dar/mn-dar"; do
	[[ -x $f ]] || { echo "not built: $f"; exit 1; }
done

t0=${EPOCHREALTIME/./}
# Inside the guest: step 1's failure or skip ends the run with its status; "step N" lines
# say which step the status is from.
"$here/kernel-vm.sh" bash -c 'echo "== step 1: test-mnd-auto.sh (auto must take ip6tnl)"
	"$1/tests/mnd/test-mnd-auto.sh" || { rc=$?; echo "== step 1 exit $rc"; exit $rc; }
	echo "== step 2: test-mnd.sh ip6tnl $MND_DAR_BACKEND"
	exec "$1/tests/mnd/test-mnd.sh" ip6tnl "$MND_DAR_BACKEND"' step "$top_srcdir"
rc=$?
t=$((${EPOCHREALTIME/./} - t0))
printf 'test-mnd-ip6tnl: guest run took %d.%03d s, exit %d\n' \
	$((t / 1000000)) $((t % 1000000 / 1000)) "$rc"
case $rc in
0) ;;
124) echo "FAIL: the UML guest timed out (UML_TIMEOUT=$UML_TIMEOUT s)" ;;
125) echo "FAIL: User-Mode Linux could not run the test (see the kernel-vm message above)" ;;
77) echo "FAIL: a step skipped inside the guest, which must not happen there"; rc=1 ;;
*) echo "FAIL: a step failed in the guest (exit $rc; see the last '== step' line)" ;;
esac
exit "$rc"
