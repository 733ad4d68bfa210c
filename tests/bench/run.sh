#!/bin/bash
# tests/bench/run.sh - memifd's benchmarks, each beside its DPDK anchor
# (dpdk-testpmd over net_memif / net_tap), as `make bench` runs them.
#
# Every case runs BENCH_RUNS times (default 5) alternating ours and the
# anchor (ours, anchor, ours, ...); the table gives median, min and max of
# each and the ratio of the medians.  Rates are packets per second measured
# over a fixed window after a warm-up, never single absolute times.
#
#   BENCH_RUNS=N        runs per case and side (idle: at most 2)
#   BENCH_ONLY="memcpy lib lat bridge veth scale vpp idle pcap"   a subset
#   BENCH_WINDOW=S      measuring window in seconds (default 1.5; testpmd's
#                       own rates come in 1 s blocks: it averages the
#                       rounded number of blocks, at least 1)
#   BENCH_IDLE=S        idle window (default 10)
#   BENCH_BRIDGE_RX=M   memifd's memif rx_mode in the bridge benchmark
#                       (adaptive, the default as in memifd.conf; interrupt; polling)
#   BENCH_WORKERS=N     memifd's "workers" in the bridge benchmark (default
#                       the configuration's default, 0; the scale rows set
#                       their own)
#
# CPU 0 and CPU 1: the two processes of a pair each get their own core.
# Output: the table on stdout, build/bench/results.json, build/bench/raw.tsv.
. "$(dirname "$0")/lib.sh"

RUNS=${BENCH_RUNS:-5}
ONLY=${BENCH_ONLY:-memcpy lib lat bridge veth scale vpp idle pcap}
WIN=${BENCH_WINDOW:-1.5}
IDLE=${BENCH_IDLE:-10}
BRX=${BENCH_BRIDGE_RX:-adaptive}
WARM=0.3
BLOCKS=$(printf '%.0f' "$WIN"); ((BLOCKS < 1)) && BLOCKS=1

[ "$(id -u)" = 0 ] || { echo "bench: needs root (DPDK EAL, TAP, netns)"; exit 77; }
[ -x "$BENCH" ] && [ -x "$MEMIFD" ] || { echo "bench: build first (make all tools)"; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "bench: needs 2 CPUs"; exit 77; }
HAVE_TP=1
command -v dpdk-testpmd >/dev/null && ls /usr/lib/*/dpdk/pmds-*/librte_net_memif.so >/dev/null 2>&1 ||
	{ HAVE_TP=0; echo "bench: dpdk-testpmd or net_memif missing: no anchors" >&2; }
mkdir -p "$OUT"
: >"$RAW"
wants() { [[ " $ONLY " == *" $1 "* ]]; }

# alternate CASE_FN ARGS...: ours then the anchor, RUNS times.
alternate() {
	local fn=$1 r; shift
	for r in $(seq "$RUNS"); do
		"${fn}_ours" "$@"
		((HAVE_TP)) && "${fn}_anchor" "$@"
	done
}

txpkts() { # LEN -> testpmd --txpkts segments of at most 2048
	local l=$1 s=""
	while ((l > 2048)); do s="${s}2048,"; l=$((l - 2048)); done
	echo "$s$l"
}

# ---- 0. memcpy: what one copying core can do, per frame size ---------------
bench_memcpy() {
	local len out r
	for r in $(seq "$RUNS"); do
		for len in 64 1500 9000; do
			out=$(taskset -c 1 "$BENCH" -m memcpy -l "$len" -t 0.5)
			record memcpy "$len B" bound pps "$(kv pps <<<"$out")" pps
			record memcpy "$len B" bound Bps "$(kv bytes_per_s <<<"$out")" B/s
		done
	done
}

# ---- 1. library throughput ---------------------------------------------------
# DIR s2m: the slave sends to the master; m2s the reverse.  Sender on CPU 0,
# receiver on CPU 1.
lib_ours() {
	local dir=$1 len=$2 sock=$T/lib.sock tx=slave rx=master rxp txp
	[ "$dir" = m2s ] && { tx=master; rx=slave; }
	rm -f "$sock"
	taskset -c 1 "$BENCH" -m rx -r $rx -s "$sock" -l "$len" -w $WARM -t "$WIN" >"$T/rx.out" 2>&1 &
	rxp=$!; track $rxp
	taskset -c 0 "$BENCH" -m tx -r $tx -s "$sock" -l "$len" -w $WARM -t "$WIN" >"$T/tx.out" 2>&1 &
	txp=$!; track $txp
	wait $rxp
	stop $txp
	record lib "$dir $len B" ours pps "$(kv pps <"$T/rx.out")" pps
}

lib_anchor() {
	local dir=$1 len=$2 sock=$T/lib.sock txr=client rxr=server first second pps
	[ "$dir" = m2s ] && { txr=server; rxr=client; }
	rm -f "$sock"
	local vd="socket=$sock,socket-abstract=no,id=0"
	# the server first: a DPDK client connects once, when its port starts
	if [ $rxr = server ]; then
		tp_start tprx 1 "" --vdev="net_memif0,role=server,$vd" -- --forward-mode=rxonly \
			--stats-period 1 --total-num-mbufs=16384
		first=$TP_PID
		wait_for 5 grep -aq 'Checking link\|NIC statistics' "$T/tprx.log"
		tp_start tptx 0 "" --vdev="net_memif0,role=client,$vd" -- --forward-mode=txonly \
			--txpkts="$(txpkts "$len")" --stats-period 1 --total-num-mbufs=16384
		second=$TP_PID
	else
		tp_start tptx 0 "" --vdev="net_memif0,role=server,$vd" -- --forward-mode=txonly \
			--txpkts="$(txpkts "$len")" --stats-period 1 --total-num-mbufs=16384
		first=$TP_PID
		wait_for 5 grep -aq 'Checking link\|NIC statistics' "$T/tptx.log"
		tp_start tprx 1 "" --vdev="net_memif0,role=client,$vd" -- --forward-mode=rxonly \
			--stats-period 1 --total-num-mbufs=16384
		second=$TP_PID
	fi
	pps=$(tp_wait_pps tprx Rx-pps "$BLOCKS" $((BLOCKS + 10)))
	tp_stop "$([ $rxr = server ] && echo tprx || echo tptx)" "$first"
	tp_stop "$([ $rxr = server ] && echo tptx || echo tprx)" "$second"
	record lib "$dir $len B" testpmd pps "${pps:-0}" pps
}

# ---- 2. round-trip latency ---------------------------------------------------
# MODE: polling, or interrupt on "2 CPUs" (pong on CPU 1, ping on CPU 0) or
# on "1 CPU" (both on CPU 0).  64-byte frames.  For interrupt mode the floor
# is the same round trip of bare eventfd wake-ups (wake_floor), no memif.
lat_cpus() { [[ "$1" == *"1 CPU" ]] && echo "0 0" || echo "1 0"; }

lat_ours() {
	local mode=$1 sock=$T/lat.sock irq="" pp m cpus
	[ "$mode" = polling ] || irq=-I
	read -ra cpus <<<"$(lat_cpus "$mode")"
	rm -f "$sock"
	taskset -c "${cpus[0]}" "$BENCH" -m pong -r master -s "$sock" $irq >/dev/null 2>&1 &
	pp=$!; track $pp
	taskset -c "${cpus[1]}" "$BENCH" -m ping -r slave -s "$sock" $irq -w $WARM -t "$WIN" >"$T/ping.out" 2>&1
	stop $pp
	for m in p50 p99 p999; do record lat "$mode" ours "$m" "$(kv $m <"$T/ping.out")" us; done
	[ "$mode" = polling ] && return
	"$WAKEFLOOR" -c "${cpus[1]},${cpus[0]}" -w $WARM -t "$WIN" >"$T/wake.out"
	for m in p50 p99 p999; do record wake "${mode#interrupt }" bound "$m" "$(kv $m <"$T/wake.out")" us; done
}

# anchor: testpmd (macswap, polling) answers the same pinger; testpmd has
# no interrupt mode, so only for polling.
lat_anchor() {
	local mode=$1 sock=$T/lat.sock m
	[ "$mode" = polling ] || return 0
	rm -f "$sock"
	tp_start tplat 1 "" --vdev="net_memif0,role=server,socket=$sock,socket-abstract=no,id=0" \
		-- --forward-mode=macswap --stats-period 1 --total-num-mbufs=16384
	local tp=$TP_PID
	wait_for 5 grep -aq 'Checking link\|NIC statistics' "$T/tplat.log"
	taskset -c 0 "$BENCH" -m ping -r slave -s "$sock" -w $WARM -t "$WIN" >"$T/ping.out" 2>&1 ||
		cat "$T/ping.out" >&2
	tp_stop tplat "$tp"
	for m in p50 p99 p999; do record lat "$mode" testpmd "$m" "$(kv $m <"$T/ping.out")" us; done
}

# ---- 3. bridge throughput ------------------------------------------------------
# One bridge memif (server) <-> TAP mbtap0 in namespace $BNS, the bridge on
# CPU 1, the traffic source and sink on CPU 0.
#   m2t: memif_bench tx (slave) -> bridge -> TAP; counted by the TAP's
#        rx_packets (frames the bridge wrote into the kernel).
#   t2m: tap_blast in the namespace -> TAP -> bridge -> memif_bench rx
#        (slave, interrupt mode); counted by memif_bench.
bridge_conf() {
	echo "{ \"name\": \"b0\", \"memif\": { \"role\": \"master\", \"socket\": \"$T/br.sock\",
	  \"rx_mode\": \"$BRX\" }, \"host\": { \"name\": \"mbtap0\", \"netns\": \"$BNS\" } }"
}

# bridge_measure DIR LEN: drives traffic through whatever bridge is up;
# memif_bench connects to $BR_PEER (the bridge's socket, or VPP's).
# m2t counts the frames $BR_DEV (default the TAP) received.
BR_BENCH=bridge BR_PEER= BR_DEV=mbtap0
bridge_measure() {
	local dir=$1 len=$2 src rxp c0 c1 t0 t1 peer=${BR_PEER:-$T/br.sock} dev=$BR_DEV
	if [ "$dir" = m2t ]; then
		taskset -c 0 "$BENCH" -m tx -r slave -s "$peer" -l "$len" -w 1 -t "$WIN" \
			>/dev/null 2>&1 &
		src=$!; track $src
		wait_for 10 eval '[ "$(dev_counter "$BNS" "$dev" rx_packets)" -gt 0 ]'
		sleep $WARM
		c0=$(dev_counter "$BNS" "$dev" rx_packets); t0=$(now)
		sleep "$WIN"
		c1=$(dev_counter "$BNS" "$dev" rx_packets); t1=$(now)
		stop $src
		echo "($c1 - $c0) / ($t1 - $t0)" | bc -l | xargs printf '%.0f\n'
	else
		taskset -c 0 "$BENCH" -m rx -I -r slave -s "$peer" -l "$len" -w $WARM -t "$WIN" \
			>"$T/brx.out" 2>&1 &
		rxp=$!; track $rxp
		sleep 0.3
		ip netns exec "$BNS" taskset -c 0 "$BLAST" -d mbtap0 -l "$len" -t $((BLOCKS + 10)) \
			>/dev/null 2>&1 &
		src=$!; track $src
		wait $rxp
		stop $src
		kv pps <"$T/brx.out"
	fi
}

# The bound of m2t: one process writing the same frames straight into a
# TAP in the same namespace on the bridge's CPU, one write() per frame, and
# the two ways to batch or defer them (tests/tools/tap_floor).
bench_tapfloor() {
	local len mode r
	for r in $(seq "$RUNS"); do
		for len in 64 1500; do
			for mode in write uring napi; do
				ip netns exec "$BNS" taskset -c 1 "$TAPFLOOR" -d mbtf0 -m "$mode" \
					-l "$len" -w $WARM -t "$WIN" >"$T/tf.out" 2>&1 || cat "$T/tf.out" >&2
				record tapw "$len B $mode" bound pps "$(kv pps <"$T/tf.out")" pps
			done
		done
	done
}

# The other host port a bridge could feed: a veth, through a packet socket
# that bypasses the qdisc, one send() per frame (pcap_inject, what a
# pcap-live host does) or batched (sendmmsg, a TX ring), on the same CPU;
# counted as the frames the far end received.
bench_vethfloor() {
	local len mode r
	ip -n "$BNS" link add mbvf0 type veth peer name mbvf1 || return
	ip -n "$BNS" link set mbvf0 up && ip -n "$BNS" link set mbvf1 up
	for r in $(seq "$RUNS"); do
		for len in 64 1500; do
			for mode in send mmsg ring; do
				ip netns exec "$BNS" taskset -c 1 "$TAPFLOOR" -d mbvf0 -p mbvf1 -m "$mode" \
					-l "$len" -w $WARM -t "$WIN" >"$T/tf.out" 2>&1 || cat "$T/tf.out" >&2
				record vethw "$len B $mode" bound pps "$(kv pps <"$T/tf.out")" pps
			done
		done
	done
	ip -n "$BNS" link del mbvf0
}

bridge_ours() {
	local pps
	rm -f "$T/br.sock"
	md_start br 1 "$(bridge_conf)" ${BENCH_WORKERS:+"\"workers\": $BENCH_WORKERS"} || return
	local md=$MD_PID
	# with VPP in between, its slave links to the bridge by itself
	[ -z "$BR_PEER" ] || wait_for 10 md_links_up br 1 || log "VPP did not link to memifd"
	pps=$(bridge_measure "$@")
	stop $md
	record "$BR_BENCH" "$1 $2 B" ours pps "${pps:-0}" pps
}

# tp_bridge HOST_VDEV DIR LEN: testpmd io between net_memif (the server of
# $T/br.sock) and HOST_VDEV, measured by bridge_measure; the rate in TP_PPS.
tp_bridge() {
	local vdev=$1; shift
	rm -f "$T/br.sock"
	tp_start tpbr 1 "$BNS" --vdev="net_memif0,role=server,socket=$T/br.sock,socket-abstract=no" \
		--vdev="$vdev" -- --forward-mode=io --stats-period 1 --total-num-mbufs=16384
	local tp=$TP_PID
	wait_for 5 grep -aq 'Checking link\|NIC statistics' "$T/tpbr.log"
	[[ "$vdev" != net_tap* ]] || ip -n "$BNS" link set mbtap0 up
	[ -z "$BR_PEER" ] || wait_for 10 tp_connected tpbr || log "VPP did not link to testpmd"
	TP_PPS=$(bridge_measure "$@")
	tp_stop tpbr "$tp"
}

bridge_anchor() {
	tp_bridge net_tap0,iface=mbtap0 "$@"
	record "$BR_BENCH" "$1 $2 B" testpmd pps "${TP_PPS:-0}" pps
}

# ---- 3b. memif -> veth ---------------------------------------------------------
# m2t into a veth instead of a TAP: memif_bench tx (slave) -> bridge ->
# mbvb0, counted as the frames its peer mbvb1 received.  Ours is a
# pcap-live host on mbvb0 (its sends batched with sendmmsg); the anchor is
# testpmd io over net_memif and net_af_packet on mbvb0 (DPDK's packet
# socket PMD, a TX ring with qdisc bypass).
veth_ours() {
	rm -f "$T/br.sock"
	md_start br 1 "{ \"name\": \"v0\", \"memif\": { \"role\": \"master\",
	  \"socket\": \"$T/br.sock\", \"rx_mode\": \"$BRX\" }, \"host\": { \"type\": \"pcap-live\",
	  \"name\": \"mbvb0\", \"netns\": \"$BNS\" } }" || return
	local md=$MD_PID pps
	pps=$(BR_DEV=mbvb1 bridge_measure m2t "$1")
	stop $md
	record veth "m2v $1 B" ours pps "${pps:-0}" pps
}

veth_anchor() {
	BR_DEV=mbvb1 tp_bridge net_af_packet0,iface=mbvb0 m2t "$1"
	record veth "m2v $1 B" testpmd pps "${TP_PPS:-0}" pps
}

bench_veth() {
	local len
	if ! ls /usr/lib/*/dpdk/pmds-*/librte_net_af_packet.so >/dev/null 2>&1; then
		echo "bench: DPDK net_af_packet (librte-net-af-packet23) missing: no veth anchor" >&2
		HAVE_TP=0
	fi
	ip -n "$BNS" link add mbvb0 type veth peer name mbvb1 || return
	ip -n "$BNS" link set mbvb0 up && ip -n "$BNS" link set mbvb1 up
	for len in 64 1500; do alternate veth "$len"; done
	ip -n "$BNS" link del mbvb0
}

# ---- 3c. scaling over worker threads -----------------------------------------
# Aggregate bridge rates with memifd's "workers" 1 and 2, in two layouts:
# 1x2q, one bridge with 2 queue pairs (a multi-queue TAP), and 2x1q, two
# bridges of one queue each.  m2t: a memif_peer tx slave per bridge (all
# its queues) on CPU 0, counted by the TAPs' rx_packets; t2m: tap_blast
# with 8 flows into each TAP on CPU 0, counted by a memif_peer rx slave
# (interrupt mode) per bridge.  memifd may run on both CPUs (its workers
# are not pinned); the anchor is testpmd io with 2 forwarding lcores (CPU 0
# and 1) over net_memif and net_tap: --rxq 2 --txq 2 on one pair of ports
# (1x2q), or two pairs of ports (2x1q).  The traffic needs a core too: on
# 2 CPUs the source shares one with the bridge.
scale_layout() { # LAYOUT -> "BRIDGES QUEUES"
	[ "$1" = 1x2q ] && echo "1 2" || echo "2 1"
}

scale_conf() { # BRIDGES QUEUES
	local i sep=""
	for ((i = 0; i < $1; i++)); do
		echo "$sep{ \"name\": \"sc$i\", \"memif\": { \"role\": \"master\",
		  \"socket\": \"$T/sc$i.sock\", \"rx_queues\": $2, \"tx_queues\": $2,
		  \"rx_mode\": \"$BRX\" }, \"host\": { \"name\": \"mbsc$i\", \"netns\": \"$BNS\" } }"
		sep=,
	done
}

scale_sum() { # BRIDGES COUNTER: the sum over the bridges' TAPs
	local i t=0
	for ((i = 0; i < $1; i++)); do t=$((t + $(dev_counter "$BNS" "mbsc$i" "$2"))); done
	echo $t
}

scale_measure() { # DIR BRIDGES QUEUES LEN
	local dir=$1 nb=$2 nq=$3 len=$4 i pids=() c0 c1 t0 t1 tot=0 v
	if [ "$dir" = m2t ]; then
		for ((i = 0; i < nb; i++)); do
			taskset -c 0 "$PEER" -m tx -r slave -s "$T/sc$i.sock" -q "$nq" -l "$len" \
				-n 1000000000000 -t $((BLOCKS + 10)) >/dev/null 2>&1 &
			pids+=($!); track $!
		done
		wait_for 10 eval '[ "$(scale_sum $nb rx_packets)" -gt 0 ]'
		sleep $WARM
		c0=$(scale_sum "$nb" rx_packets); t0=$(now)
		sleep "$WIN"
		c1=$(scale_sum "$nb" rx_packets); t1=$(now)
		for i in "${pids[@]}"; do stop "$i"; done
		echo "($c1 - $c0) / ($t1 - $t0)" | bc -l | xargs printf '%.0f\n'
	else
		for ((i = 0; i < nb; i++)); do
			taskset -c 0 "$PEER" -m rx -I -r slave -s "$T/sc$i.sock" -q "$nq" -l "$len" \
				-n 1000000000000 -t $((BLOCKS + 3)) >"$T/scrx$i.out" 2>&1 &
			pids+=($!); track $!
		done
		sleep 1 # linked
		for ((i = 0; i < nb; i++)); do
			ip netns exec "$BNS" taskset -c 0 "$BLAST" -d "mbsc$i" -l "$len" -f 8 \
				-t $((BLOCKS + 1)) >/dev/null 2>&1 &
			track $!
		done
		for i in "${pids[@]}"; do wait "$i"; done
		for ((i = 0; i < nb; i++)); do
			v=$(kv pps <"$T/scrx$i.out"); tot=$((tot + ${v:-0}))
		done
		echo $tot
	fi
}

scale_ours() { # DIR LAYOUT LEN WORKERS
	local pps nb nq md
	read -r nb nq <<<"$(scale_layout "$2")"
	rm -f "$T"/sc*.sock
	md_start sc 0,1 "$(scale_conf "$nb" "$nq")" "\"workers\": $4" || return
	md=$MD_PID
	pps=$(scale_measure "$1" "$nb" "$nq" "$3")
	stop $md
	record scale "$1 $2 $3 B w$4" ours pps "${pps:-0}" pps
}

scale_anchor() { # DIR LAYOUT LEN: testpmd, 2 forwarding lcores, in both w rows
	local pps nb nq tp i w vdevs=()
	read -r nb nq <<<"$(scale_layout "$2")"
	rm -f "$T"/sc*.sock
	for ((i = 0; i < nb; i++)); do
		vdevs+=(--vdev="net_memif$i,role=server,socket=$T/sc$i.sock,socket-abstract=no"
			--vdev="net_tap$i,iface=mbsc$i")
	done
	TP_LCORES=0@0,1@0,2@1 tp_start tpsc 0 "$BNS" "${vdevs[@]}" -- --forward-mode=io \
		--nb-cores=2 --rxq="$nq" --txq="$nq" --stats-period 1 --total-num-mbufs=32768
	tp=$TP_PID
	wait_for 5 grep -aq 'Checking link\|NIC statistics' "$T/tpsc.log"
	for ((i = 0; i < nb; i++)); do ip -n "$BNS" link set "mbsc$i" up; done
	pps=$(scale_measure "$1" "$nb" "$nq" "$3")
	tp_stop tpsc "$tp"
	for w in 1 2; do record scale "$1 $2 $3 B w$w" testpmd pps "${pps:-0}" pps; done
}

bench_scale() {
	local dir lay r w
	for dir in m2t t2m; do
		for lay in 1x2q 2x1q; do
			for r in $(seq "$RUNS"); do
				for w in 1 2; do scale_ours "$dir" "$lay" 64 "$w"; done
				((HAVE_TP)) && scale_anchor "$dir" "$lay" 64
			done
		done
	done
}

# ---- 3b. the bridge carrying VPP's traffic ------------------------------------
# The same bridge (memifd, or testpmd as its anchor) with a real VPP
# (../shared/vpp) in front: memif_bench <-> VPP memif1/0 (master) -- l2
# xconnect both ways -- VPP memif2/0 (slave of the bridge) <-> bridge <->
# TAP.  VPP runs on CPU 0 beside memif_bench, in adaptive rx mode (it polls
# only under load), the bridge on CPU 1: both sides of the comparison see
# the same VPP.  VPP itself has no TAP or af_packet in this build, so it
# cannot do the bridge's job on its own: it is the traffic's peer here.
bench_vpp() {
	local vdir=$TOP/../shared/vpp
	vdir=${VPP_DIR:-$vdir}
	if [ ! -x "$vdir/run-vpp" ]; then
		record vpp "m2t 64 B" skipped pps 0 "no VPP in \$VPP_DIR or ../shared/vpp"
		return
	fi
	cat >"$T/vpp.cli" <<EOC
create memif socket id 1 filename $T/vppa.sock
create interface memif id 0 socket-id 1 master
create memif socket id 2 filename $T/br.sock
create interface memif id 0 socket-id 2 slave
set int l2 xconnect memif1/0 memif2/0
set int l2 xconnect memif2/0 memif1/0
set int state memif1/0 up
set int state memif2/0 up
set int rx-mode memif1/0 adaptive
set int rx-mode memif2/0 adaptive
EOC
	"$vdir/run-vpp" "$T/vpp" "$T/vpp.cli" 0 >"$T/vpp.out" 2>&1 &
	local vpp=$!
	track $vpp
	wait_for 15 "$vdir/bin/vppctl" -s "$T/vpp/cli.sock" show version ||
		{ log "VPP did not start"; tail "$T/vpp.out" >&2; stop $vpp; return; }
	BR_BENCH=vpp BR_PEER=$T/vppa.sock
	for dir in m2t t2m; do
		for len in 64 1500; do alternate bridge "$dir" "$len"; done
	done
	BR_BENCH=bridge BR_PEER=
	stop $vpp
	rm -f /dev/shm/vpp"$(printf '%s' "$T/vpp" | cksum | cut -d' ' -f1)"-*
}

# ---- 4. idle cost -------------------------------------------------------------
# 10 bridges memif (server, ids 0-9 on one socket) <-> TAP mbi0..9, all
# connected to one idle memif_bench (10 connections); CPU time of the bridge
# process over $IDLE seconds, as % of one core.
idle_measure() { # PID
	local n0 n1 k0 k1
	sleep 1
	n0=$(cpu_ns "$1"); k0=$(cpu_ticks "$1")
	sleep "$IDLE"
	n1=$(cpu_ns "$1"); k1=$(cpu_ticks "$1")
	# The scheduler's ns are precise for a thread that sleeps, but are
	# only brought up to date when it is switched out: a thread that never
	# leaves its CPU (testpmd's forwarding lcore) shows up in the ticks.
	IDLE_TICKS=$((k1 - k0))
	IDLE_PCT=$(echo "a = ($n1 - $n0) / ($IDLE * 10000000);
		b = $IDLE_TICKS * 100 / ($IDLE * $(getconf CLK_TCK)); if (a > b) a else b" | bc -l)
}

idle_peer() {
	taskset -c 0 "$BENCH" -m idle -I -N 10 -r slave -s "$T/idle.sock" >/dev/null 2>&1 &
	IDLE_PEER=$!; track $IDLE_PEER
}

idle_ours() {
	local i br="" md
	for i in $(seq 0 9); do
		br="$br${br:+,} { \"name\": \"i$i\", \"memif\": { \"socket\": \"$T/idle.sock\", \"id\": $i },
		  \"host\": { \"name\": \"mbi$i\", \"netns\": \"$INS\" } }"
	done
	rm -f "$T/idle.sock"
	md_start idle 1 "$br" || return
	md=$MD_PID
	idle_peer
	wait_for 10 md_links_up idle 10 || echo "bench: idle: not all 10 links up" >&2
	idle_measure "$md"
	stop $IDLE_PEER
	stop $md
	record idle "10 bridges, ${IDLE}s" ours cpu% "$(printf '%.4f' "$IDLE_PCT")" "% of a core"
	record idle "10 bridges, ${IDLE}s" ours ticks "$IDLE_TICKS" "utime+stime"
}

idle_anchor() {
	local i v=()
	for i in $(seq 0 9); do
		v+=(--vdev="net_memif$i,role=server,socket=$T/idle.sock,socket-abstract=no,id=$i"
			--vdev="net_tap$i,iface=mbi$i")
	done
	rm -f "$T/idle.sock"
	tp_start tpidle 1 "$INS" "${v[@]}" -- --forward-mode=io --stats-period 1 \
		--total-num-mbufs=32768
	local tp=$TP_PID
	wait_for 10 grep -aq 'Checking link\|NIC statistics' "$T/tpidle.log"
	idle_peer
	wait_for 10 tp_connected tpidle 10 || echo "bench: idle: testpmd not all connected" >&2
	idle_measure "$tp"
	stop $IDLE_PEER
	tp_stop tpidle "$tp"
	record idle "10 bridges, ${IDLE}s" testpmd cpu% "$(printf '%.4f' "$IDLE_PCT")" "% of a core"
	record idle "10 bridges, ${IDLE}s" testpmd ticks "$IDLE_TICKS" "utime+stime"
}

# ---- 5. pcap replay -------------------------------------------------------------
# A pcap file of 1024 UDP frames replayed in a loop, as fast as the peer
# takes them, into memif; memif_bench rx (slave, polling, CPU 0) counts.
# Ours: memifd host type pcap-file (timing fast, loop 0) on CPU 1.  Anchor:
# testpmd io mode from net_pcap (rx_pcap, infinite_rx) to net_memif.
pcap_ours() {
	local len=$1
	rm -f "$T/pc.sock"
	md_start pc 1 "{ \"name\": \"p0\", \"memif\": { \"role\": \"master\", \"socket\": \"$T/pc.sock\" },
	  \"host\": { \"type\": \"pcap-file\", \"read\": \"$T/$len.pcap\", \"loop\": 0 } }" || return
	local md=$MD_PID
	taskset -c 0 "$BENCH" -m rx -r slave -s "$T/pc.sock" -l "$len" -w $WARM -t "$WIN" >"$T/pc.out" 2>&1
	stop $md
	record pcap "replay $len B" ours pps "$(kv pps <"$T/pc.out")" pps
}

pcap_anchor() {
	local len=$1
	((HAVE_PCAP)) || return 0
	rm -f "$T/pc.sock"
	tp_start tppc 1 "" --vdev="net_pcap0,rx_pcap=$T/$len.pcap,infinite_rx=1" \
		--vdev="net_memif0,role=server,socket=$T/pc.sock,socket-abstract=no" \
		-- --forward-mode=io --stats-period 1 --total-num-mbufs=16384
	local tp=$TP_PID
	wait_for 5 grep -aq 'Checking link\|NIC statistics' "$T/tppc.log"
	taskset -c 0 "$BENCH" -m rx -r slave -s "$T/pc.sock" -l "$len" -w $WARM -t "$WIN" >"$T/pc.out" 2>&1
	tp_stop tppc "$tp"
	record pcap "replay $len B" testpmd pps "$(kv pps <"$T/pc.out")" pps
}

bench_pcap() {
	local len
	if ! git -C "$TOP" ls-files --error-unmatch daemon/port_pcap_file.c >/dev/null 2>&1; then
		echo "bench: pcap replay skipped: the pcap-file host type (daemon/port_pcap_file.c) is not in git yet" >&2
		record pcap replay skipped note 0 "pcap-file host type not in git yet"
		return
	fi
	HAVE_PCAP=1
	ls /usr/lib/*/dpdk/pmds-*/librte_net_pcap.so >/dev/null 2>&1 ||
		{ HAVE_PCAP=0; echo "bench: DPDK net_pcap (librte-net-pcap23) missing: no pcap anchor" >&2; }
	for len in 64 1500; do
		python3 "$TOP/tests/bench/pcap_gen.py" "$T/$len.pcap" 1024 "$len"
		alternate pcap "$len"
	done
}

# ---- run ---------------------------------------------------------------------------
echo "bench: $(date -u '+%F %T') UTC, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), runs $RUNS, window ${WIN}s" >&2
START=$SECONDS
if wants memcpy; then log "memcpy bound"; bench_memcpy; fi
if wants lib; then
	log "library throughput"
	for dir in s2m m2s; do
		for len in 64 1500 9000; do alternate lib "$dir" "$len"; done
	done
fi
if wants lat; then
	log "round-trip latency"
	for mode in polling "interrupt 2 CPUs" "interrupt 1 CPU"; do alternate lat "$mode"; done
fi
if wants bridge; then
	log "bridge throughput (memifd rx_mode $BRX)"
	ns_new br || exit 1
	BNS=$NS
	bench_tapfloor
	for dir in m2t t2m; do
		for len in 64 1500; do alternate bridge "$dir" "$len"; done
	done
fi
if wants veth; then
	log "memif -> veth (memifd pcap-live, rx_mode $BRX)"
	[ -n "$BNS" ] || { ns_new br || exit 1; BNS=$NS; }
	bench_vethfloor
	T0=$HAVE_TP; bench_veth; HAVE_TP=$T0
fi
if wants scale; then
	log "scaling over worker threads (memifd rx_mode $BRX)"
	[ -n "$BNS" ] || { ns_new br || exit 1; BNS=$NS; }
	bench_scale
fi
if wants vpp; then
	log "bridge throughput with VPP as the traffic's peer"
	[ -n "$BNS" ] || { ns_new br || exit 1; BNS=$NS; }
	bench_vpp
fi
if wants idle; then
	log "idle cost"
	ns_new idle || exit 1
	INS=$NS
	R=$RUNS; ((RUNS > 2)) && RUNS=2
	alternate idle
	RUNS=$R
fi
if wants pcap; then log "pcap replay"; bench_pcap; fi
log "done in $((SECONDS - START)) s"
python3 "$TOP/tests/bench/summarize.py" "$RAW" "$OUT/results.json" \
	"load $(cut -d' ' -f1-3 /proc/loadavg), runs $RUNS, window ${WIN}s, bridge rx_mode $BRX"
