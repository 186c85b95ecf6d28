#!/bin/bash
# mnd --backend auto (DESIGN §4): it takes ip6tnl, then seg6, then tun, and says which and why.
#
# What it should take comes from this kernel, probed without mnd (iproute2, in the testbed's MN
# namespace, before mnd runs there): ip6tnl when `ip link add type ip6tnl` works; else seg6
# when an `encap seg6` route is accepted, with a reason that names the missing ip6_tunnel;
# else tun, with reasons for both. MND_AUTO_EXPECT=NAME also requires that answer (the UML run
# in tests/kernel/ sets ip6tnl; on the CI kernel the probes give seg6).
# Checked twice: `mnd --check`'s line "backend auto -> NAME: REASON", and a running mnd started
# with -b auto: its log line "backend name=NAME reason=..." and its status file's
# "interface eth0 ... backend=NAME".
# Exit: 0 pass, 1 fail, 77 not root.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
. "$top_srcdir/tests/testbed/lib.sh"
. "$here/lib-mnd.sh"
tb_require_root

MND=${MND:-$top_builddir/mnd/mnd}
export TB_WAIT_TIMEOUT=${TB_WAIT_TIMEOUT:-8}
[[ -x $MND ]] || { echo "not built: $MND"; exit 1; }
case ${MND_AUTO_EXPECT:-} in
'' | ip6tnl | seg6 | tun) ;;
*) echo "MND_AUTO_EXPECT: ip6tnl, seg6 or tun, not '$MND_AUTO_EXPECT'"; exit 2 ;;
esac

. "$top_srcdir/tests/lib-check.sh"

cleanup() {
	mnd_stop >/dev/null 2>&1
	if ((fail)) && [[ -n ${TB_RUN:-} ]]; then
		echo "---- mnd.log (tail)"
		tail -n 30 "$TB_RUN/mnd.log"
	fi
	tb_down
}
trap cleanup EXIT

# One DAR: mnd needs a router to be ready; no binding is made, so no mn-dar either.
tb_up --dars 1 || exit 1

# ---------------------------------------------------------------- the kernel, without mnd
why_ip6tnl=$(tb exec mn ip link add atprobe0 type ip6tnl mode ip6ip6 local :: remote 100::1 2>&1) &&
	{ tb exec mn ip link del atprobe0; why_ip6tnl=; }
why_seg6=$(tb exec mn ip -6 route add 100::/64 encap seg6 mode encap.red segs 100::2 dev lo 2>&1) &&
	{ tb exec mn ip -6 route del 100::/64; why_seg6=; }
if [[ -z $why_ip6tnl ]]; then
	expect=ip6tnl
elif [[ -z $why_seg6 ]]; then
	expect=seg6
else
	expect=tun
fi
echo "# kernel $(uname -r): ip6tnl ${why_ip6tnl:-yes}; seg6 ${why_seg6:-yes} -> expect $expect"
if [[ -n ${MND_AUTO_EXPECT:-} ]]; then
	check "this kernel is one where auto must give $MND_AUTO_EXPECT (probes: $expect)" \
		[ "$expect" = "$MND_AUTO_EXPECT" ]
	expect=$MND_AUTO_EXPECT
fi

# The reason must say why each better backend was passed over.
reason_ok() { # reason_ok REASON
	case $expect in
	ip6tnl) [[ $1 == "auto: first choice" ]] ;;
	seg6) [[ $1 == auto:*"ip6tnl: "*ip6_tunnel* && $1 != *"seg6: "* ]] ;;
	tun) [[ $1 == auto:*"ip6tnl: "*ip6_tunnel*"; seg6: "* ]] ;;
	esac
}

# ---------------------------------------------------------------- mnd --check
chk=$(tb exec mn "$MND" --check)
echo "$chk" | sed 's/^/   /'
line=$(grep -E '^ *backend auto +-> ' <<<"$chk")
got=$(sed -E 's/^ *backend auto +-> ([a-z0-9]+).*/\1/' <<<"$line")
why=$(sed -E 's/^ *backend auto +-> [a-z0-9]+: //' <<<"$line")
check "mnd --check: auto -> $expect (got '$got')" [ "$got" = "$expect" ]
check "mnd --check: the reason says why ('$why')" reason_ok "$why"
check "mnd --check: backend $expect itself reported available" \
	grep -qE "^ *backend $expect +available" <<<"$chk"
if [[ $expect != ip6tnl ]]; then
	check "mnd --check: ip6tnl unavailable, naming ip6_tunnel" \
		grep -qE '^ *backend ip6tnl +unavailable: .*ip6_tunnel' <<<"$chk"
fi

# ---------------------------------------------------------------- a running mnd
if mnd_start -b auto; then
	ok "mnd starts with -b auto"
	l=$(grep -m1 -E ' backend name=' "$TB_RUN/mnd.log")
	echo "   $l"
	got=$(sed -E 's/.* backend name=([a-z0-9]+) .*/\1/' <<<"$l")
	why=$(sed -E 's/.* backend name=[a-z0-9]+ reason=//' <<<"$l")
	check "mnd log: backend $expect (got '$got')" [ "$got" = "$expect" ]
	check "mnd log: the reason says why ('$why')" reason_ok "$why"
	check "mnd status file: backend=$expect" tb_wait_for \
		grep -qE "^interface eth0 .*backend=$expect( |$)" "$MND_RUN/status"
	mnd_stop
	check "mnd exits 0 on SIGTERM" [ $? = 0 ]
else
	notok "mnd starts with -b auto"
fi

check_done
