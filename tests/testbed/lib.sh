# lib.sh - helpers for tests that run on the tb testbed.  Source it from bash:
#
#   . "$top_srcdir/tests/testbed/lib.sh"
#   tb_require_root
#   trap tb_down EXIT
#   tb_up --dars 2                    # eval's 'tb up' output: TB_RUN, NS_MN, DAR1_ADDR, ...
#   tb exec mn ping -6 -c1 "$CN_ADDR"
#   tb move 2; tb exec mn rdisc6 -1 -q eth0 >/dev/null
#   coa=$(tb_wait_addr mn eth0 "$DAR2_PREFIX")
#
# Waits poll every 10 ms (no process per step) and give up after TB_WAIT_TIMEOUT seconds
# (default 5; tb_wait_for takes -t SECONDS); on timeout they say what they waited for on
# stderr and return 1.
# shellcheck shell=bash

TB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TB_BIN=${TB_BIN:-$TB_DIR/tb}
TB_WAIT_TIMEOUT=${TB_WAIT_TIMEOUT:-5}

# the testbed command itself
tb() {
	"$TB_BIN" "$@"
}

# exit 77 (automake: skipped) unless root
tb_require_root() {
	if [[ $(id -u) != 0 ]]; then
		echo "SKIP: ${0##*/} needs root (network namespaces, radvd, tcpdump)" >&2
		exit 77
	fi
}

# build the testbed and import its variables (see 'tb env'); arguments go to 'tb up'
# shellcheck disable=SC2120
tb_up() {
	local out
	out=$("$TB_BIN" up "$@") || return 1
	eval "$out"
}

# tear the testbed down if one is up (safe in an EXIT trap, and twice), and forget its
# variables, so that the next tb_up makes a fresh run
tb_down() {
	local rc=0 v
	if [[ -n ${TB_RUN:-} && -e $TB_RUN/state ]]; then
		"$TB_BIN" down || rc=$?
	fi
	for v in TB_RUN TB_PREFIX TB_NDARS TB_MTU TB_DELAY TB_LOSS NS_MN NS_SW NS_CN CN_ADDR \
		$(compgen -v NS_DAR) $(compgen -v DAR | grep -E '^DAR[0-9]+_(ADDR|PREFIX|BB)$'); do
		unset "$v"
	done
	return "$rc"
}

# ---------------------------------------------------------------- time

# microseconds since the epoch
tb_now_us() {
	echo "${EPOCHREALTIME/./}"
}

# "S.mmm" seconds since T0 (from tb_now_us)
tb_elapsed() {
	local d=$((${EPOCHREALTIME/./} - $1))
	printf '%d.%03d\n' $((d / 1000000)) $((d % 1000000 / 1000))
}

# sleep without starting a process (read with a timeout on a pipe nobody writes to)
_TB_SLEEP_FD=""
tb_sleep() {
	[[ -n $_TB_SLEEP_FD ]] || exec {_TB_SLEEP_FD}<> <(:)
	read -r -t "$1" -u "$_TB_SLEEP_FD" _ || true
}

# seconds (may have a fraction) -> microseconds
_tb_us() {
	local s=$1 int frac
	int=${s%%.*}
	frac=000000
	[[ $s != *.* ]] || frac=${s#*.}000000
	echo $((10#${int:-0} * 1000000 + 10#${frac:0:6}))
}

# ---------------------------------------------------------------- nodes

# make sure TB_PREFIX and friends are known (from the environment or 'tb env')
_tb_need_env() {
	if [[ -z ${TB_PREFIX:-} || -z ${TB_NDARS:-} ]]; then
		[[ -n ${TB_RUN:-} ]] || {
			echo "tb: no testbed (TB_RUN is not set; call tb_up first)" >&2
			return 1
		}
		local out
		out=$("$TB_BIN" env) || return 1
		eval "$out"
	fi
}

# namespace name of NODE (mn, sw, cn, dar1..darN) into the variable named VAR
_tb_ns_into() {
	_tb_need_env || return 1
	case $2 in
	mn | sw | cn) ;;
	dar[1-9] | dar[1-9][0-9])
		if ((${2#dar} > TB_NDARS)); then
			echo "tb_ns: no node $2 (this run has $TB_NDARS DARs)" >&2
			return 1
		fi
		;;
	*)
		echo "tb_ns: unknown node '$2' (mn, sw, cn, dar1..dar$TB_NDARS)" >&2
		return 1
		;;
	esac
	printf -v "$1" '%s' "$TB_PREFIX$2"
}

# tb_ns NODE: print the namespace name of NODE
tb_ns() {
	local ns
	_tb_ns_into ns "$1" && echo "$ns"
}

# ---------------------------------------------------------------- waiting

# tb_wait_for [-t SECONDS] CMD...: run CMD every 10 ms until it succeeds
tb_wait_for() {
	local timeout=$TB_WAIT_TIMEOUT deadline
	if [[ ${1:-} == -t ]]; then
		timeout=$2
		shift 2
	fi
	deadline=$((${EPOCHREALTIME/./} + $(_tb_us "$timeout")))
	until "$@"; do
		if ((${EPOCHREALTIME/./} >= deadline)); then
			echo "tb_wait_for: gave up after ${timeout} s: $*" >&2
			return 1
		fi
		tb_sleep 0.01
	done
}

# first address (without /len) of IFACE on NODE inside PREFIX into the variable named VAR
_tb_addr_into() {
	local _ns _out _a # underscored: the caller's VAR must not be shadowed
	_tb_ns_into _ns "$2" || return 1
	_out=$(ip -n "$_ns" -6 -o addr show dev "$3" to "$4" 2>/dev/null) && [[ -n $_out ]] || return 1
	read -r _ _ _ _a _ <<<"$_out"
	printf -v "$1" '%s' "${_a%/*}"
}

# tb_addr NODE IFACE PREFIX: print the first address of IFACE on NODE inside PREFIX (e.g.
# 2001:db8:2::/64); fails if there is none
tb_addr() {
	local a
	_tb_addr_into a "$@" && echo "$a"
}

# tb_wait_addr NODE IFACE PREFIX: wait until IFACE on NODE has an address in PREFIX; print it
tb_wait_addr() {
	local deadline a
	_tb_need_env || return 1
	deadline=$((${EPOCHREALTIME/./} + $(_tb_us "$TB_WAIT_TIMEOUT")))
	until _tb_addr_into a "$1" "$2" "$3"; do
		if ((${EPOCHREALTIME/./} >= deadline)); then
			echo "tb_wait_addr: no address in $3 on $1 $2 after $TB_WAIT_TIMEOUT s" >&2
			return 1
		fi
		tb_sleep 0.01
	done
	echo "$a"
}

_tb_has_route() {
	local ns=$1 out
	shift
	out=$(ip -n "$ns" -6 route show "$@" 2>/dev/null) && [[ -n $out ]]
}

# tb_wait_route NODE ROUTE [SELECTORS...]: wait until 'ip -6 route show ROUTE SELECTORS'
# lists something on NODE (ROUTE: default, 2001:db8:2::/64, ...; SELECTORS: dev eth0,
# table 100, via ADDR, ...)
tb_wait_route() {
	local node=$1 ns
	shift
	_tb_ns_into ns "$node" || return 1
	tb_wait_for _tb_has_route "$ns" "$@" 2>/dev/null || {
		echo "tb_wait_route: no route '$*' on $node after $TB_WAIT_TIMEOUT s" >&2
		return 1
	}
}

# tb_wait_log FILE REGEX: wait until FILE has a line matching the extended REGEX
tb_wait_log() {
	tb_wait_for grep -sEq -- "$2" "$1" 2>/dev/null || {
		echo "tb_wait_log: no line matching '$2' in $1 after $TB_WAIT_TIMEOUT s" >&2
		return 1
	}
}
