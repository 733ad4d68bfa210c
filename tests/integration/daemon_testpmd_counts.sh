#!/bin/bash
# memifd slave <-> dpdk-testpmd server: frames sent by testpmd txonly are
# counted on the TAP (its rx counter: what memifd writes into a TAP is
# received by the kernel), frames sent into the TAP (its tx counter) are
# counted by testpmd rxonly, and both counts equal memifd's own counters.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/integration/testpmd.inc"
need_root
need_testpmd
trap 'tp_cleanup; cleanup' EXIT
PCAP_PY="$TOP/tests/integration/daemon_pcap.py"

ns=$(ns_add a)
# A quiet TAP: no IPv6 (no router solicitations), no IPv4 address (no ARP).
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
tap="mdt$TAG"
sock="$T/s.sock"

rm -f "$sock" # a DPDK server fails on a stale socket file
tp_start_interactive tp "net_memif0,role=server,socket=$sock,socket-abstract=no,id=7" --forward-mode=rxonly
tp_wait_ready tp || fail "testpmd did not start"
wait_for 5 test -S "$sock" || { cat "$TP_DIR/tp.log"; fail "testpmd did not listen on $sock"; }
write_conf "$T/m.conf" '{ "name": "cnt0",
  "memif": { "role": "slave", "socket": "'"$sock"'", "id": 7 },
  "host": { "name": "'"$tap"'", "netns": "'"$ns"'" } }'
start_memifd m "$T/m.conf"
wait_for 10 link_up m cnt0 || { cat "$T/m.log"; fail "link did not come up"; }
tp_wait_connected tp || fail "testpmd not connected"

tapstat() { ip netns exec "$ns" cat "/sys/class/net/$tap/statistics/$1"; }
mdstat() { # DIRECTION FIELD: memifd's counter
	local c
	c=$(mgmt m '{"command":"stats","args":{"name":"cnt0"}}') || return 1
	jget "$c" 'j["result"]["bridges"][0]["counters"]["'"$1"'"]["'"$2"'"]'
}
# port_stat FIELD: testpmd's port 0 counter, asked now (the link is up).
port_stat() {
	local before
	before=$(grep -ac "NIC statistics for port 0" "$TP_DIR/tp.log")
	tp_cmd tp "show port stats 0"
	wait_for 5 eval '[ "$(grep -ac "NIC statistics for port 0" "$TP_DIR/tp.log")" -gt "$before" ]' ||
		fail "testpmd did not print its port stats"
	sleep 0.2 # the whole block
	tp_port_stat tp "$1"
}

log "testpmd txonly -> memif -> TAP"
tap_rx0=$(tapstat rx_packets)
tp_cmd tp "set fwd txonly"
tp_cmd tp "start"
sleep 0.5
tp_cmd tp "stop"
wait_for 5 grep -aq "Forward statistics for port 0" "$TP_DIR/tp.log" || fail "testpmd did not stop"
sleep 0.3
tx=$(tp_fwd_stat tp TX-packets)
th=$(settle mdstat to_host packets)
tap_rx=$(($(settle tapstat rx_packets) - tap_rx0))
ptx=$(port_stat TX-packets)
echo "testpmd TX $tx (port stats $ptx), memifd to_host $th, TAP rx_packets $tap_rx"
[ "$tx" -ge 1000 ] || fail "testpmd sent only $tx frames"
[ "$tx" = "$ptx" ] || fail "testpmd's forward ($tx) and port ($ptx) counts differ"
[ "$th" = "$tx" ] || fail "memifd to_host $th != testpmd TX $tx"
[ "$tap_rx" = "$tx" ] || fail "TAP rx_packets $tap_rx != testpmd TX $tx"
for d in ring_full host_full oversize peer_down bad_desc; do
	c=$(mgmt m '{"command":"stats","args":{"name":"cnt0"}}')
	v=$(jget "$c" 'j["result"]["bridges"][0]["counters"]["to_host"]["drops"]["'$d'"]')
	[ "$v" = 0 ] || fail "to_host drops $d = $v"
done

log "TAP -> memif -> testpmd rxonly: 1000 frames"
rx0=$(port_stat RX-packets)
tap_tx0=$(tapstat tx_packets)
tm0=$(mdstat to_memif packets)
tp_cmd tp "set fwd rxonly"
tp_cmd tp "start"
sleep 0.2
for i in 1 2 3 4; do # in steps: the TAP's queue holds 1000 frames
	ip netns exec "$ns" python3 "$PCAP_PY" send "$tap" 250 --size 128 || fail "send"
	sleep 0.1
done
tm=$(($(settle mdstat to_memif packets) - tm0))
tap_tx=$(($(tapstat tx_packets) - tap_tx0))
rx=$(($(port_stat RX-packets) - rx0))
echo "TAP tx_packets $tap_tx, memifd to_memif $tm, testpmd RX $rx"
[ "$tap_tx" = 1000 ] || fail "TAP tx_packets $tap_tx != 1000"
[ "$tm" = 1000 ] || fail "memifd to_memif $tm != 1000"
[ "$rx" = 1000 ] || fail "testpmd RX $rx != 1000"
tp_cmd tp "stop"
sleep 0.3
finish
log "pass"
