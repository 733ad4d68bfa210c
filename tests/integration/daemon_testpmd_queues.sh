#!/bin/bash
# Two queues with workers against dpdk-testpmd (--rxq 2 --txq 2, server):
# memifd, a slave with 2 queues and "workers": 2, serves queue pair k on
# worker k+1 (show says so).  testpmd txonly sends on both queues: every
# frame reaches the TAP (memifd's to_host = testpmd TX = the TAP's
# rx_packets), on both rx queues.  Then tap_blast floods the TAP with 8
# flows, which the kernel spreads over the TAP's two queues: every frame
# the TAP handed over is delivered to testpmd or a counted drop (memifd's
# to_memif = testpmd RX), on both tx queues.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/integration/testpmd.inc"
need_root
need_testpmd
BLAST=$TOP/build/tests/tools/tap_blast
[ -x "$BLAST" ] || skip "tap_blast not built (make tools)"
trap 'tp_cleanup; cleanup' EXIT

ns=$(ns_add a)
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
tap="mdq$TAG"
sock="$T/s.sock"

rm -f "$sock" # a DPDK server fails on a stale socket file
tp_start_interactive tp "net_memif0,role=server,socket=$sock,socket-abstract=no,id=3" \
	--rxq=2 --txq=2 --forward-mode=rxonly
tp_wait_ready tp || fail "testpmd did not start"
wait_for 5 test -S "$sock" || { cat "$TP_DIR/tp.log"; fail "testpmd did not listen on $sock"; }
write_conf "$T/m.conf" '{ "name": "mq",
  "memif": { "role": "slave", "socket": "'"$sock"'", "id": 3, "rx_queues": 2, "tx_queues": 2 },
  "host": { "name": "'"$tap"'", "netns": "'"$ns"'" } }' '"workers": 2'
start_memifd m "$T/m.conf"
wait_for 10 link_up m mq || { cat "$T/m.log"; fail "link did not come up"; }
tp_wait_connected tp || fail "testpmd not connected"

tapstat() { ip netns exec "$ns" cat "/sys/class/net/$tap/statistics/$1"; }
state() { # PYEXPR on the bridge's state
	local c
	c=$(mgmt m '{"command":"show","args":{"name":"mq"}}') || return 1
	jget "$c" '(lambda s, c: ('"$1"'))(j["result"]["bridges"][0]["state"], j["result"]["bridges"][0]["counters"])'
}
w=$(state 'sorted(s["rx_queue_workers"]), sorted(s["tx_queue_workers"])')
[ "$w" = "([1, 2], [1, 2])" ] || fail "the queues are not on both workers: $w"

log "testpmd txonly on 2 queues -> memif -> TAP"
tap_rx0=$(tapstat rx_packets)
tp_cmd tp "set fwd txonly"
tp_cmd tp "start"
sleep 0.5
tp_cmd tp "stop"
wait_for 5 grep -aq "Forward statistics for port 0" "$TP_DIR/tp.log" || fail "testpmd did not stop"
sleep 0.3
tx=$(tp_fwd_stat tp TX-packets)
th=$(settle state 'c["to_host"]["packets"]')
tap_rx=$(($(settle tapstat rx_packets) - tap_rx0))
rxq=$(state 's["rx_queue_packets"]')
echo "testpmd TX $tx, memifd to_host $th (per queue $rxq), TAP rx_packets $tap_rx"
[ "$tx" -ge 1000 ] || fail "testpmd sent only $tx frames"
[ "$th" = "$tx" ] || fail "memifd to_host $th != testpmd TX $tx"
[ "$tap_rx" = "$tx" ] || fail "TAP rx_packets $tap_rx != testpmd TX $tx"
[ "$(state 'min(s["rx_queue_packets"])')" -gt 0 ] || fail "an rx queue carried nothing: $rxq"

log "tap_blast, 8 flows -> TAP (2 queues) -> memif -> testpmd rxonly"
tp_cmd tp "clear port stats all"
tp_cmd tp "set fwd rxonly"
tp_cmd tp "start"
sleep 0.3
tap_tx0=$(tapstat tx_packets)
read0() { state 'c["to_memif"]["packets"] + sum(c["to_memif"]["drops"].values()) + c["to_memif"]["errors"]'; }
all0=$(read0) tm0=$(state 'c["to_memif"]["packets"]')
ip netns exec "$ns" "$BLAST" -d "$tap" -l 128 -f 8 -B 32 -t 0.5 >/dev/null || fail "tap_blast"
all=$(($(settle read0) - all0))
tm=$(($(state 'c["to_memif"]["packets"]') - tm0))
tap_tx=$(($(tapstat tx_packets) - tap_tx0))
tp_cmd tp "stop"
wait_for 5 eval '[ "$(grep -ac "Forward statistics for port 0" "$TP_DIR/tp.log")" -ge 2 ]' ||
	fail "testpmd did not stop"
sleep 0.3
rx=$(tp_fwd_stat tp RX-packets)
txq=$(state 's["tx_queue_packets"]')
echo "TAP tx_packets $tap_tx, memifd read $all, to_memif $tm (per queue $txq), testpmd RX $rx"
[ "$tm" -ge 1000 ] || fail "memifd sent only $tm frames"
[ "$tap_tx" = "$all" ] || fail "TAP tx_packets $tap_tx != memifd to_memif packets + drops $all"
[ "$rx" = "$tm" ] || fail "testpmd RX $rx != memifd to_memif $tm"
[ "$(state 'min(s["tx_queue_packets"])')" -gt 0 ] || fail "a tx queue carried nothing: $txq"
finish
log "pass"
