# lib.sh - shared helpers of the daemon integration tests (sourced).
#
# Everything a test creates (namespaces, processes, DPDK runtime dirs, the
# temporary directory) is recorded and removed by the EXIT trap.  Exit codes
# follow tests/run.sh: 0 pass, 77 skip (reason on the last line), else fail.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MEMIFD=${MEMIFD:-$TOP/build/memifd}
MGMT_PY="$TOP/tests/integration/daemon_mgmt.py"
PING_PY="$TOP/tests/integration/daemon_ping.py"
T=$(mktemp -d /tmp/memifd-test.XXXXXX)
TAG=$$
_NETNS=() _PIDS=() _DPDK=() _MEMIFDS=()
# functions a sourced helper (vpp.inc) adds, run by cleanup once every
# process is gone
_CLEANUP_HOOKS=()

skip() { echo "$*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
log() { echo "== $*"; }

cleanup() {
	local p i
	for ((i = ${#_PIDS[@]} - 1; i >= 0; i--)); do
		p=${_PIDS[i]}
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${_PIDS[@]}"; do
		for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for p in "${_CLEANUP_HOOKS[@]}"; do "$p"; done
	# ns_add runs in $(...), a subshell: its namespaces are listed in a file
	[ -f "$T/netns.list" ] && mapfile -t -O "${#_NETNS[@]}" _NETNS <"$T/netns.list"
	for p in "${_NETNS[@]}"; do ip netns del "$p" 2>/dev/null; done
	# links a test made in the root namespace (root_link)
	[ -f "$T/links.list" ] && while read -r p; do ip link del "$p" 2>/dev/null; done <"$T/links.list"
	for p in "${_DPDK[@]}"; do rm -rf "/var/run/dpdk/$p"; done
	rm -rf "$T"
}
trap cleanup EXIT

need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root"
	[ -c /dev/net/tun ] || skip "needs /dev/net/tun"
	[ -x "$MEMIFD" ] || skip "$MEMIFD not built"
	command -v ip >/dev/null || skip "needs iproute2"
	ip netns add "mdprobe$TAG" 2>/dev/null || skip "cannot create network namespaces"
	ip netns del "mdprobe$TAG"
}

need_testpmd() {
	command -v dpdk-testpmd >/dev/null || skip "dpdk-testpmd not installed"
	ls /usr/lib/*/dpdk/pmds-*/librte_net_memif.so >/dev/null 2>&1 ||
		skip "DPDK memif driver (librte-net-memif23) not installed"
}

# ns_add SHORT: creates namespace md<TAG><SHORT> with lo up; prints its name.
ns_add() {
	local ns="md$TAG$1"
	ip netns add "$ns" || fail "ip netns add $ns"
	echo "$ns" >>"$T/netns.list" # for the cleanup: this runs in a subshell
	[ -z "${MD_NETNS_LOG:-}" ] || echo "$ns" >>"$MD_NETNS_LOG" # tests/run.sh checks
	ip -n "$ns" link set lo up
	echo "$ns"
}

# root_link NAME: a link the test made in the root namespace, deleted by
# the cleanup if it is still there.
root_link() { echo "$1" >>"$T/links.list"; }

# ns_probe NS: a veth pair, one end in NS, the other (mdr<TAG>) here; the
# kernel deletes the pair when NS really ends, which ns_ended waits for
# (15 s: the kernel ends a namespace in the background, slowly under load).
ns_probe() {
	ip link add "mdr$TAG" type veth peer name "mdq$TAG" netns "$1" || fail "veth into $1"
	root_link "mdr$TAG"
}
ns_ended() { wait_for 15 eval '! ip link show "mdr$TAG"'; }

# test_user: a system group G=mdg<TAG> and a user U=mdu<TAG> in it, both
# removed by the cleanup (once the test's processes are gone); $T is made
# readable for them.
test_user() {
	command -v useradd >/dev/null && command -v groupadd >/dev/null ||
		skip "needs useradd and groupadd"
	G=mdg$TAG U=mdu$TAG
	_CLEANUP_HOOKS+=(_test_user_del)
	groupadd --system "$G" || fail "groupadd"
	useradd --system --no-create-home --shell /usr/sbin/nologin -G "$G" "$U" ||
		fail "useradd $U"
	chmod 755 "$T"
}
_test_user_del() { userdel "$U" 2>/dev/null; groupdel "$G" 2>/dev/null; }

# track PID: killed (TERM, then KILL) by the cleanup.
track() { _PIDS+=("$1"); }

# wait_for TIMEOUT_S CMD...: polls CMD every 0.1 s.
wait_for() {
	local n=$(($1 * 10)); shift
	while ((n-- > 0)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	return 1
}

# settle CMD...: prints CMD's output once it is the same twice 0.3 s apart
# (a counter that stopped moving), or its last output after 9 s.
settle() {
	local a b=x i
	for i in $(seq 30); do
		a=$("$@"); [ "$a" = "$b" ] && { echo "$a"; return; }
		b=$a; sleep 0.3
	done
	echo "$a"
}

# start_memifd NAME CONF [ARGS...]: runs memifd -f in the background, waits
# for its control socket (control.socket must be $T/NAME.ctl); sets
# MEMIFD_PID and leaves the log in $T/NAME.log.  With MEMIFD_NS set, memifd
# runs inside that network namespace (as `ip netns exec NS memifd`).
start_memifd() {
	local name=$1 conf=$2; shift 2
	rm -f "$T/$name.ctl" # left behind by a killed instance
	${MEMIFD_NS:+ip netns exec "$MEMIFD_NS"} \
		"$MEMIFD" -f -c "$conf" -s "$T/$name.ctl" "$@" >"$T/$name.log" 2>&1 &
	MEMIFD_PID=$!
	track "$MEMIFD_PID"
	_MEMIFDS+=("$MEMIFD_PID:$name")
	wait_for 5 test -S "$T/$name.ctl" || { cat "$T/$name.log"; fail "memifd $name did not start"; }
}

# stop_pid PID: SIGTERM and wait (5 s) for it; returns its exit status.
stop_pid() {
	local i
	kill -TERM "$1" 2>/dev/null
	for i in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	wait "$1"
}

# finish: stops every running memifd with SIGTERM; each must exit 0 and
# leave a log free of sanitizer reports (for MEMIFD=build-san/memifd).
finish() {
	local e pid name rc
	for e in "${_MEMIFDS[@]}"; do
		pid=${e%%:*} name=${e#*:}
		if kill -0 "$pid" 2>/dev/null; then
			stop_pid "$pid"; rc=$?
			[ $rc = 0 ] || { tail -n 80 "$T/$name.log"; fail "memifd $name exited $rc"; }
		fi
		! grep -q "Sanitizer\|runtime error:" "$T/$name.log" ||
			{ cat "$T/$name.log"; fail "sanitizer report from memifd $name"; }
	done
}

# mgmt NAME REQUEST...: one JSON reply line per request.
mgmt() { local name=$1; shift; python3 "$MGMT_PY" "$T/$name.ctl" "$@"; }

# jget JSON PYEXPR: evaluates PYEXPR on the parsed JSON "j", prints it.
jget() { python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }

# link_up NAME BRIDGE: true when the bridge's memif link is up.
link_up() {
	local r
	r=$(mgmt "$1" "{\"command\":\"show\",\"args\":{\"name\":\"$2\"}}") || return 1
	[ "$(jget "$r" 'j["result"]["bridges"][0]["state"]["link"]')" = up ]
}

# start_testpmd NAME VDEV_ARGS FWD_MODE [EXTRA...]: a non-interactive testpmd
# with a unique file prefix; sets TESTPMD_PID, log in $T/NAME.tp.log.
start_testpmd() {
	local name=$1 vdev=$2 mode=$3; shift 3
	local prefix="md$TAG$name"
	_DPDK+=("$prefix")
	dpdk-testpmd --lcores 0@1,1@0 --no-huge -m 256 --no-pci --file-prefix="$prefix" \
		--vdev="net_memif0,$vdev" -- --forward-mode="$mode" --stats-period 1 \
		--total-num-mbufs=16384 "$@" </dev/null >"$T/$name.tp.log" 2>&1 &
	TESTPMD_PID=$!
	track "$TESTPMD_PID"
	wait_for 10 grep -q "Port statistics\|No probed" "$T/$name.tp.log"
	grep -q "No probed ethernet devices" "$T/$name.tp.log" && { cat "$T/$name.tp.log"; fail "testpmd found no memif port"; }
	return 0
}

# ping_ok NS DEST SIZE [COUNT]: every echo answered.
ping_ok() {
	ip netns exec "$1" python3 "$PING_PY" -q -c "${4:-5}" -i 0.05 -s "$3" "$2"
}

# write_conf FILE BRIDGES_JSON [TOP_EXTRA]: a config with one control block.
write_conf() {
	cat >"$1" <<EOC
{ "log_level": "debug",${3:+ $3,}
  "bridges": [ $2 ] }
EOC
}
