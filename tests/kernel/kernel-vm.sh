#!/bin/bash
# kernel-vm.sh - run a command as root inside User-Mode Linux, a second kernel for the tests
# the CI kernel cannot run (it has no ip6_tunnel and no MIP6; notes: second-kernel.md, A).
#
#   tests/kernel/kernel-vm.sh CMD [ARGS...]
#
# The guest is Debian's user-mode-linux (6.1) with the host's / as its root (hostfs), so it
# runs the host's binaries, scripts and build tree at the same paths, in the current
# directory, and what it writes there the host sees. The command's stdout and stderr stream
# to our stdout (the guest console).
#
# Exit status: the command's; 124 on timeout; 125 if the guest gave no status (panic, UML
# crash, setup failure); 2 on a usage error.
#
# Environment:
#   UML_MEM      guest memory (default 512M)
#   UML_TIMEOUT  seconds before the guest is killed (default 600)
#   UML_MODULES  modules to load before the command, e.g. "ip6_tunnel mip6" (ipv6 always is)
#   UML_PASSENV  names of variables to copy into the guest (nothing else is inherited)
#   UML_KEEP=1   keep the scratch directory (init, command file, shim) and say where it is
#
# Missing host packages (user-mode-linux, kmod, iproute2, iputils-ping, gcc, libc6-dev) are
# installed with apt-get first, which needs root; so does the guest's networking anyway.
set -uo pipefail

KV_ME=kernel-vm
KV_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KV_MODDIR=/usr/lib/uml/modules
UML_MEM=${UML_MEM:-512M}
UML_TIMEOUT=${UML_TIMEOUT:-600}
UML_MODULES=${UML_MODULES:-}
UML_PASSENV=${UML_PASSENV:-}
UML_KEEP=${UML_KEEP:-0}

say() {
	echo "$KV_ME: $*" >&2
}

# exit 125: the guest could not run the command
fail() {
	say "$*"
	exit 125
}

usage() {
	echo "usage: ${0##*/} CMD [ARGS...]" >&2
	echo "  environment: UML_MEM UML_TIMEOUT UML_MODULES UML_PASSENV UML_KEEP" >&2
	exit 2
}

(($# > 0)) || usage
[[ $UML_TIMEOUT =~ ^[1-9][0-9]*$ ]] || { say "UML_TIMEOUT must be a number of seconds"; usage; }
[[ $UML_MEM =~ ^[1-9][0-9]*[KMG]?$ ]] || { say "UML_MEM must look like 512M"; usage; }
for kv_v in $UML_PASSENV; do
	[[ $kv_v =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || { say "UML_PASSENV: bad name '$kv_v'"; usage; }
done
for kv_v in $UML_MODULES; do
	[[ $kv_v =~ ^[A-Za-z0-9_-]+$ ]] || { say "UML_MODULES: bad name '$kv_v'"; usage; }
done

# ---------------------------------------------------------------- 1. host packages

# One apt-get run for everything missing; nothing happens when all is there (idempotent).
kv_install() {
	local need=()
	[[ -x /usr/bin/linux.uml ]] || need+=(user-mode-linux)
	[[ -x /usr/sbin/modprobe ]] || need+=(kmod)
	command -v ip >/dev/null || need+=(iproute2)
	command -v ping >/dev/null || need+=(iputils-ping)
	command -v gcc >/dev/null || need+=(gcc)
	[[ -e /usr/include/stdio.h ]] || need+=(libc6-dev)
	((${#need[@]})) || return 0
	((EUID == 0)) || fail "missing packages: ${need[*]} (run as root to install them)"
	say "installing: ${need[*]}"
	# The lock timeout lets two runners that start together take turns.
	if ! apt-get -o DPkg::Lock::Timeout=120 update -qq >&2; then
		fail "apt-get update failed (needed for: ${need[*]})"
	fi
	if ! DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -qq \
		--no-install-recommends "${need[@]}" >/dev/null; then
		fail "apt-get install ${need[*]} failed"
	fi
	[[ -x /usr/bin/linux.uml && -x /usr/sbin/modprobe ]] ||
		fail "linux.uml or modprobe still missing after installing ${need[*]}"
}
kv_install

# ---------------------------------------------------------------- 2. kernel version

# The newest module tree of the installed UML kernel (e.g. 6.1.176): the guest's uname -r.
KV_KVER=$(cd "$KV_MODDIR" 2>/dev/null && printf '%s\n' */ | sort -V | tail -n 1)
KV_KVER=${KV_KVER%/}
[[ -n $KV_KVER && -d $KV_MODDIR/$KV_KVER ]] || fail "no UML modules under $KV_MODDIR"

# ---------------------------------------------------------------- 3. scratch directory

# Its path goes on the kernel command line, which cannot quote: no blanks allowed.
KV_TMP=${TMPDIR:-/tmp}
[[ $KV_TMP =~ ^/[A-Za-z0-9_./-]*$ ]] || KV_TMP=/tmp
KV_WORK=$(mktemp -d "$KV_TMP/kernel-vm.XXXXXX") || fail "cannot create a scratch directory"
KV_PID=""
# shellcheck disable=SC2317 # run by the EXIT trap
kv_cleanup() {
	# The runner itself was stopped: stop the guest too (timeout hands the signal on).
	[[ -z $KV_PID ]] || kill -TERM "$KV_PID" 2>/dev/null
	if [[ $UML_KEEP == 1 ]]; then
		say "scratch directory kept: $KV_WORK"
	else
		rm -rf -- "$KV_WORK"
	fi
}
trap kv_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# ---------------------------------------------------------------- 4. the ptrace shim

# Mandatory on AVX-512/AMX hosts (the guest panics without it); harmless elsewhere.
gcc -O2 -shared -fPIC -o "$KV_WORK/umlfix.so" "$KV_HERE/umlfix.c" -ldl >&2 ||
	fail "cannot build the ptrace shim from $KV_HERE/umlfix.c"

# ---------------------------------------------------------------- 5. modules

# The host has no /lib/modules, and the guest cannot mount over it: modprobe gets a module
# root of its own through a wrapper, which the kernel also uses for auto-loading.
mkdir -p "$KV_WORK/modroot/lib/modules" "$KV_WORK/bin" "$KV_WORK/uml" ||
	fail "cannot populate $KV_WORK"
ln -s "$KV_MODDIR/$KV_KVER" "$KV_WORK/modroot/lib/modules/$KV_KVER"
{
	echo '#!/bin/sh'
	echo '# modprobe on the UML modules (written by kernel-vm.sh)'
	printf 'exec /usr/sbin/modprobe -d %q "$@"\n' "$KV_WORK/modroot"
} >"$KV_WORK/bin/modprobe"
chmod 755 "$KV_WORK/bin/modprobe"

# ---------------------------------------------------------------- 6. the command file

{
	echo "# the command to run in the guest (written by kernel-vm.sh)"
	for kv_v in $UML_PASSENV; do
		[[ -v $kv_v ]] && printf 'export %s=%q\n' "$kv_v" "${!kv_v}"
	done
	printf 'cd -- %q || exit 125\n' "$PWD"
	printf '%q ' "$@"
	echo
} >"$KV_WORK/cmd"

# ---------------------------------------------------------------- 7. the guest's init

cat >"$KV_WORK/init" <<EOF
#!/bin/bash
# PID 1 of the guest (written by kernel-vm.sh): a minimal system, the command, power off.
export PATH=$KV_WORK/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
# Output goes to a tty: without this every line would end in CR LF in the caller's log.
stty -onlcr 2>/dev/null
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# /run in memory: 'ip netns' and friends keep their files inside the guest.
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /dev/shm /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t devpts -o gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts
# What udev would add to devtmpfs: bash's process substitution needs /dev/fd.
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
echo $KV_WORK/bin/modprobe >/proc/sys/kernel/modprobe
# IPv6 is a module in this kernel, and 'ip -6 addr add' does not load it.
modprobe -a ipv6 $UML_MODULES || echo "$KV_ME: modprobe -a ipv6 $UML_MODULES failed"
ip link set lo up
bash $KV_WORK/cmd </dev/null
echo \$? >$KV_WORK/rc.tmp && mv $KV_WORK/rc.tmp $KV_WORK/rc
sync
# Quietly from here: the status is safe, and 'Powering off.' or the kernel's 'reboot: System
# halted' would only clutter the caller's log. -f: reboot(2) at once, no init system to ask;
# UML then exits 0.
exec >/dev/null 2>&1
echo 0 >/proc/sys/kernel/printk
poweroff -f
echo o >/proc/sysrq-trigger
EOF
chmod 755 "$KV_WORK/init"

# ---------------------------------------------------------------- 8. boot

# con0=null,fd:1: the console writes to our stdout and reads nothing (stdin may be closed in
# CI). uml_dir in the scratch directory: a crash leaves no ~/.uml/<umid> behind. No zswap
# pool and no legacy BSD ptys: the guest has no swap and uses devpts, and setting those up
# is a good part of the boot time. timeout signals its whole process group, so UML's helper
# processes go too.
timeout -k 10 "$UML_TIMEOUT" env LD_PRELOAD="$KV_WORK/umlfix.so" /usr/bin/linux.uml \
	mem="$UML_MEM" rootfstype=hostfs rootflags=/ rw init="$KV_WORK/init" \
	quiet loglevel=2 con0=null,fd:1 con=null ssl=null uml_dir="$KV_WORK/uml" umid=vm \
	zswap.enabled=0 pty.legacy_count=0 </dev/null &
KV_PID=$!
wait "$KV_PID"
kv_uml=$?
KV_PID=""

# ---------------------------------------------------------------- 9. the command's status

if [[ -f $KV_WORK/rc ]]; then
	read -r kv_rc <"$KV_WORK/rc"
	[[ $kv_rc =~ ^[0-9]+$ ]] || fail "unreadable exit status '$kv_rc' from the guest"
	exit "$kv_rc"
fi
if ((kv_uml == 124 || kv_uml == 137)); then
	say "timed out after ${UML_TIMEOUT}s"
	exit 124
fi
fail "guest gave no exit status (linux.uml exit $kv_uml)"
