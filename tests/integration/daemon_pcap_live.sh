#!/bin/bash
# pcap-live on a veth pair in a test namespace, memif peer dpdk-testpmd:
# frames sent on the far veth pass the bridge's filter and reach testpmd
# (rxonly counts exactly those), frames sent by testpmd (tx_first bursts)
# appear on the far veth (tcpdump counts them); memifd's counters agree.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/integration/testpmd.inc"
need_root
need_testpmd
command -v tcpdump >/dev/null || skip "needs tcpdump"
trap 'tp_cleanup; cleanup' EXIT
PCAP_PY="$TOP/tests/integration/daemon_pcap.py"

ns=$(ns_add a)
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "$ns" link add "mdv$TAG" type veth peer name "mdw$TAG" || fail veth
ip -n "$ns" link set "mdv$TAG" up
ip -n "$ns" link set "mdw$TAG" up
write_conf "$T/m.conf" '{ "name": "live0",
  "memif": { "role": "server", "socket": "'"$T"'/l.sock", "id": 0 },
  "host": { "type": "pcap-live", "name": "'"mdv$TAG"'", "netns": "'"$ns"'",
            "filter": "ether proto 0x88b5" } }'
start_memifd m "$T/m.conf"
tp_start_interactive tp "net_memif0,role=client,socket=$T/l.sock,socket-abstract=no,id=0" --forward-mode=rxonly
tp_wait_ready tp || fail "testpmd"
tp_cmd tp "start"
wait_for 10 link_up m live0 || { cat "$T/m.log"; fail "link did not come up"; }

log "veth -> memif: 200 frames pass the filter, 50 do not"
ip netns exec "$ns" python3 "$PCAP_PY" send "mdw$TAG" 200 --size 200 || fail send
ip netns exec "$ns" python3 "$PCAP_PY" send "mdw$TAG" 50 --ethertype 0x88b6 || fail send
to_memif() { jget "$(mgmt m '{"command":"stats","args":{"name":"live0"}}')" 'j["result"]["bridges"][0]["counters"]["to_memif"]["packets"]'; }
wait_for 5 eval '[ "$(to_memif)" -ge 200 ]' # a loaded machine may take a while
sleep 0.3
tp_cmd tp "show port stats 0"
sleep 0.5
rx=$(sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$TP_DIR/tp.log" | grep -o 'RX-packets: *[0-9]*' | tail -1 | grep -o '[0-9]*$')
c=$(mgmt m '{"command":"stats","args":{"name":"live0"}}')
tm=$(jget "$c" 'j["result"]["bridges"][0]["counters"]["to_memif"]["packets"]')
echo "testpmd RX $rx, memifd to_memif $tm"
[ "$rx" = 200 ] && [ "$tm" = 200 ] || {
	echo "$c"; ip -n "$ns" -s link show "mdw$TAG"; ip -n "$ns" -s link show "mdv$TAG"
	tail -n 20 "$T/m.log"; fail "expected 200 frames in memif"; }

log "memif -> veth: testpmd sends 4 bursts of 32"
tp_cmd tp "stop"
n=$(tp_tx_first_count tp "$ns" "mdw$TAG" 4) || fail "tcpdump did not start"
c=$(mgmt m '{"command":"stats","args":{"name":"live0"}}')
th=$(jget "$c" 'j["result"]["bridges"][0]["counters"]["to_host"]["packets"]')
echo "tcpdump $n frames, memifd to_host $th"
[ "$n" = 128 ] && [ "$th" = 128 ] || { echo "$c"; fail "expected 128 frames on the veth"; }
finish
log "pass"
