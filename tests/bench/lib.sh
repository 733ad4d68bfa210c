# lib.sh - helpers of the benchmarks (sourced by tests/bench/run.sh).
#
# Everything started here (processes, namespaces, DPDK runtime dirs, the
# temporary directory) is recorded and removed by the EXIT trap.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=$TOP/build
BENCH=$B/tests/tools/memif_bench
BLAST=$B/tests/tools/tap_blast
TAPFLOOR=$B/tests/tools/tap_floor
PEER=$B/tests/tools/memif_peer
WAKEFLOOR=$B/tests/tools/wake_floor
MEMIFD=${MEMIFD:-$B/memifd}
OUT=$B/bench
RAW=$OUT/raw.tsv
T=$(mktemp -d /tmp/mbench.XXXXXX)
TAG=$$
_PIDS=() _NETNS=() _DPDK=()

log() { echo "== $*" >&2; }

cleanup() {
	local p i
	for p in "${_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${_PIDS[@]}"; do
		for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for p in "${_NETNS[@]}"; do ip netns del "$p" 2>/dev/null; done
	for p in "${_DPDK[@]}"; do rm -rf "/var/run/dpdk/$p"; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

track() { _PIDS+=("$1"); }

# stop PID: TERM, wait up to 5 s, KILL.
stop() {
	local p=$1 i
	kill -TERM "$p" 2>/dev/null
	for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
}

now() { date +%s.%N; }

wait_for() { # TIMEOUT_S CMD...
	local n=$(($1 * 10)); shift
	while ((n-- > 0)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}

# record BENCH CASE IMPL METRIC VALUE UNIT: one measurement.
record() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RAW"
	printf '   %-8s %-22s %-7s %-6s %s %s\n' "$@" >&2
}

# kv KEY < "a=1 b=2": the value of KEY.
kv() { tr ' ' '\n' | sed -n "s/^$1=//p" | head -1; }

ns_new() { # SHORT: creates namespace mb<TAG><SHORT>, sets NS to its name
	NS="mb$TAG$1"
	ip netns add "$NS" || return 1
	_NETNS+=("$NS")
	ip -n "$NS" link set lo up
}

# ---- dpdk-testpmd ---------------------------------------------------------
# tp_start NAME CPU NETNS EAL_ARGS... -- APP_ARGS...: main and forwarding
# lcore both pinned to CPU; sets TP_PID.  NETNS may be "".
tp_start() {
	local name=$1 cpu=$2 ns=$3; shift 3
	local prefix="memifd-bench-$TAG-$name"
	_DPDK+=("$prefix")
	local pre=()
	[ -n "$ns" ] && pre=(ip netns exec "$ns")
	# TP_LCORES: another --lcores (several forwarding lcores)
	"${pre[@]}" stdbuf -oL -eL dpdk-testpmd --lcores "${TP_LCORES:-0@$cpu,1@$cpu}" --no-huge -m 512 \
		--no-pci --file-prefix="$prefix" --log-level=pmd.net.memif:info "$@" \
		>"$T/$name.log" 2>&1 </dev/null &
	TP_PID=$!
	track "$TP_PID"
}

tp_stop() { # NAME PID
	stop "$2"
	rm -rf "/var/run/dpdk/memifd-bench-$TAG-$1"
}

tp_connected() { # NAME [COUNT]
	[ "$(grep -ac 'Connected' "$T/$1.log")" -ge "${2:-1}" ]
}

# tp_pps NAME FIELD BLOCKS: FIELD (Rx-pps/Tx-pps) of port 0, the mean over
# BLOCKS periodic blocks after the first non-zero one (which is partial).
tp_pps() {
	sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$T/$1.log" |
		awk -v f="$2:" -v want="$3" '
		/NIC statistics for port / { p = ($6 == "0") }
		p { for (i = 1; i < NF; i++) if ($i == f) {
			v = $(i + 1)
			if (v > 0) { seen++; if (seen > 1 && seen <= want + 1) { s += v; n++ } }
		} }
		END { if (n == want) printf "%.0f\n", s / n; else print "" }'
}

tp_wait_pps() { # NAME FIELD BLOCKS TIMEOUT_S
	local n=$(($4 * 10)) v
	while ((n-- > 0)); do
		v=$(tp_pps "$1" "$2" "$3")
		[ -n "$v" ] && { echo "$v"; return 0; }
		sleep 0.1
	done
	return 1
}

# ---- memifd -----------------------------------------------------------------
# md_start NAME CPU BRIDGES_JSON: memifd pinned to CPU; sets MD_PID.
md_start() { # NAME CPUS BRIDGES [TOP_EXTRA]
	local name=$1 cpu=$2
	cat >"$T/$name.conf" <<EOF
{ "control": { "socket": "$T/$name.ctl" }, "log_level": "notice",${4:+ $4,}
  "bridges": [ $3 ] }
EOF
	rm -f "$T/$name.ctl"
	taskset -c "$cpu" "$MEMIFD" -f -c "$T/$name.conf" >"$T/$name.log" 2>&1 &
	MD_PID=$!
	track "$MD_PID"
	wait_for 5 test -S "$T/$name.ctl" || { cat "$T/$name.log" >&2; return 1; }
}

md_links_up() { # NAME COUNT
	[ "$(grep -ac 'link up' "$T/$1.log")" -ge "$2" ]
}

# CPU time of a process, all its threads: in ns (the scheduler's
# sum_exec_runtime) and in clock ticks (utime + stime of /proc/PID/stat).
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { print s }'; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# dev_counter NETNS DEV NAME: a kernel counter of the device.
dev_counter() {
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"
}
