# lib-mnd.sh - start the reference DARs and mnd on a tb testbed, and read mnd's state.
# Source after tests/testbed/lib.sh. Needs: MND (path of mnd), MN_DAR (path of mn-dar).
# shellcheck shell=bash

MND_RUN=
MND_PID=
DAR_PIDS=()

# mnd_start_dars BACKEND [DELAY_MS]: one mn-dar per DAR, waits for each to be ready; with
# DELAY_MS (not 0) every mn-dar runs with --delay DELAY_MS (the round trip through it grows by
# that much; tun backend only). Returns 0; 77 when this kernel lacks the backend (mn-dar exit
# 3; the reason from its log on stderr, for a test to skip with); else 1.
mnd_start_dars() {
	local backend=$1 i addr pfx ns extra=()
	[[ ${2:-0} == 0 ]] || extra=(--delay "$2")
	for ((i = 1; i <= TB_NDARS; i++)); do
		addr=DAR${i}_ADDR
		pfx=DAR${i}_PREFIX
		ns=NS_DAR$i
		# ip netns exec execs the command: $! is mn-dar itself
		ip netns exec "${!ns}" "$MN_DAR" --address "${!addr}" --prefix "${!pfx}" \
			--backend "$backend" --state "$TB_RUN/dar$i.state" \
			--log "$TB_RUN/dar$i.log" --tun-name "dar$i" "${extra[@]}" &
		DAR_PIDS[i]=$!
	done
	for ((i = 1; i <= TB_NDARS; i++)); do
		# ready, or gone: no use waiting out the timeout for a process that has exited
		tb_wait_for _mnd_dar_up_or_gone "$i" 2>/dev/null
		grep -sq 'mn-dar: ready' "$TB_RUN/dar$i.log" && continue
		if kill -0 "${DAR_PIDS[i]}" 2>/dev/null; then
			echo "mnd_start_dars: mn-dar on DAR$i not ready after $TB_WAIT_TIMEOUT s" >&2
			return 1
		fi
		local rc=0
		wait "${DAR_PIDS[i]}" || rc=$?
		if ((rc == 3)); then
			echo "SKIP: mn-dar --backend $backend: $(grep -m1 'unavailable' "$TB_RUN/dar$i.log")" >&2
			return 77
		fi
		echo "mnd_start_dars: mn-dar on DAR$i exited with status $rc:" \
			"$(tail -n 2 "$TB_RUN/dar$i.log" | tr '\n' ' ')" >&2
		return 1
	done
}

_mnd_dar_up_or_gone() {
	grep -sq 'mn-dar: ready' "$TB_RUN/dar$1.log" || ! kill -0 "${DAR_PIDS[$1]}" 2>/dev/null
}

# mnd_teardown: the common part of a test's cleanup: mnd, every process in BG, the DARs
BG=()
mnd_teardown() {
	local p
	mnd_stop >/dev/null 2>&1
	for p in "${BG[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	BG=()
	mnd_stop_dars
}

mnd_stop_dars() {
	local p
	for p in "${DAR_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	DAR_PIDS=()
}

# mnd_start [mnd options...]: start mnd on the MN's eth0, wait until it is ready and has its
# address at DAR1
mnd_start() {
	MND_RUN=$TB_RUN/mnd-run
	mkdir -p "$TB_RUN/mnd-state" "$MND_RUN"
	chmod 700 "$TB_RUN/mnd-state"
	cat >"$TB_RUN/mnd.conf" <<-EOF
		[mnd]
		interfaces=eth0
		binding_lifetime=${MND_LIFETIME:-600}
		log_level=debug
		dbus=${MND_DBUS:-no}
		${MND_CONF_EXTRA:-}
	EOF
	: >"$TB_RUN/mnd.log"
	# ip netns exec execs the command: $! is mnd itself, for signals and its exit status
	ip netns exec "$NS_MN" "$MND" -c "$TB_RUN/mnd.conf" --state-dir "$TB_RUN/mnd-state" \
		--run-dir "$MND_RUN" "$@" 2>>"$TB_RUN/mnd.log" &
	MND_PID=$!
	tb_wait_log "$TB_RUN/mnd.log" ' ready$' || return 1
}

# mnd_stop: SIGTERM and wait; returns mnd's exit status
mnd_stop() {
	local rc=0
	[[ -n $MND_PID ]] || return 0
	kill -TERM "$MND_PID" 2>/dev/null
	wait "$MND_PID" || rc=$?
	MND_PID=
	return $rc
}

# mnd_anchor DAR_ADDR: mnd's status line for that anchor
mnd_anchor() {
	grep -s "^anchor dar=$1 " "$MND_RUN/status"
}

# mnd_field DAR_ADDR KEY: one key=value of that anchor
mnd_field() {
	local line kv
	line=$(mnd_anchor "$1") || return 1
	for kv in $line; do
		if [[ $kv == "$2="* ]]; then
			echo "${kv#*=}"
			return 0
		fi
	done
	return 1
}

_mnd_is() {
	[[ $(mnd_field "$1" "$2") == "$3" ]]
}

# mnd_wait DAR_ADDR KEY VALUE: wait until the anchor's KEY has VALUE
mnd_wait() {
	tb_wait_for _mnd_is "$1" "$2" "$3" 2>/dev/null || {
		echo "mnd_wait: anchor $1 never had $2=$3 (status: $(mnd_anchor "$1"))" >&2
		return 1
	}
}

# the DAR's binding line for a HoA
dar_binding() {
	grep -s "^binding hoa=$2 " "$TB_RUN/dar$1.state"
}
