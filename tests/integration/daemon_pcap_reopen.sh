#!/bin/bash
# A pcap-live interface that disappears and comes back is reopened by
# itself: the veth is deleted (the bridge shows host_state gone, link down,
# the reason), recreated with the same name, and frames flow again both
# ways (testpmd rxonly counts frames sent on the far veth, tcpdump counts
# testpmd's tx_first bursts there).  Also when it is replaced within a
# second (a new interface with the same name and another index).  Last,
# `ip netns del` of the interface's namespace: memifd lets go of it, so the
# namespace really ends (a veth pair with one end in it disappears).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/integration/testpmd.inc"
need_root
need_testpmd
command -v tcpdump >/dev/null || skip "needs tcpdump"
trap 'tp_cleanup; cleanup' EXIT
PCAP_PY="$TOP/tests/integration/daemon_pcap.py"

ns=$(ns_add a)
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
veth() {
	ip -n "$ns" link add "mdv$TAG" type veth peer name "mdw$TAG" || fail "veth"
	ip -n "$ns" link set "mdv$TAG" up
	ip -n "$ns" link set "mdw$TAG" up
}
veth
sock="$T/l.sock"
rm -f "$sock" # a DPDK server fails on a stale socket file
tp_start_interactive tp "net_memif0,role=server,socket=$sock,socket-abstract=no,id=0" --forward-mode=rxonly
tp_wait_ready tp || fail "testpmd did not start"
wait_for 5 test -S "$sock" || fail "testpmd did not listen"
tp_cmd tp "start"
write_conf "$T/m.conf" '{ "name": "live0",
  "memif": { "role": "slave", "socket": "'"$sock"'", "id": 0 },
  "host": { "type": "pcap-live", "name": "'"mdv$TAG"'", "netns": "'"$ns"'" } }'
start_memifd m "$T/m.conf"
wait_for 10 link_up m live0 || { cat "$T/m.log"; fail "link did not come up"; }

show() { jget "$(mgmt m '{"command":"show","args":{"name":"live0"}}')" "j['result']['bridges'][0]$1"; }
# port_rx: testpmd's RX-packets of port 0, asked now.
port_rx() {
	local before
	before=$(grep -ac "NIC statistics for port 0" "$TP_DIR/tp.log")
	tp_cmd tp "show port stats 0"
	wait_for 5 eval '[ "$(grep -ac "NIC statistics for port 0" "$TP_DIR/tp.log")" -gt "$before" ]' ||
		fail "testpmd did not print its port stats"
	sleep 0.2
	tp_port_stat tp RX-packets
}
# flows: 100 frames from the far veth reach testpmd.
flows() {
	local rx0 rx
	rx0=$(port_rx)
	ip netns exec "$ns" python3 "$PCAP_PY" send "mdw$TAG" 100 --size 200 || fail send
	for _ in $(seq 20); do
		rx=$(($(port_rx) - rx0)); [ "$rx" -ge 100 ] && break; sleep 0.2
	done
	echo "testpmd RX $rx of 100"
	[ "$rx" = 100 ] || fail "$rx frames of 100 reached testpmd ($1)"
}
flows "before"

# testpmd stops forwarding whenever memifd takes the link down: DPDK's
# memif driver may crash if its peer goes away while it polls (a known race
# of DPDK's, interop-dpdk.md), which must not make this test flaky.
log "the interface is deleted: the bridge shows it gone, the link goes down"
tp_cmd tp "stop"
ip -n "$ns" link del "mdv$TAG"
wait_for 5 eval '[ "$(show "[\"state\"][\"host_state\"]")" = gone ]' || fail "host_state not gone"
wait_for 5 eval '! link_up m live0' || fail "link still up"
show '["state"]'
show '["state"]["host_error"]' | grep -q "mdv$TAG" || fail "no host_error naming the interface"
sleep 2 # retried while it is missing
[ "$(show '["state"]["host_state"]')" = gone ] || fail "host_state not gone while missing"

log "recreated with the same name: reopened, frames flow again both ways"
veth
wait_for 10 link_up m live0 || { tail -n 30 "$T/m.log"; fail "link did not come back"; }
[ "$(show '["state"]["host_state"]')" = up ] || fail "host_state not up"
[ "$(show '["state"]["host_error"]')" = "" ] || fail "host_error not cleared"
tp_wait_connected tp || fail "testpmd not connected"
tp_cmd tp "start"
flows "after the interface came back"
tp_cmd tp "stop"
n=$(tp_tx_first_count tp "$ns" "mdw$TAG" 2) || fail "tcpdump did not start"
echo "tcpdump $n frames on the far veth"
[ "$n" = 64 ] || fail "expected 64 frames from testpmd on the veth, got $n"

log "replaced at once (same name, new index): reopened too"
tp_cmd tp "set fwd rxonly"
ip -n "$ns" link del "mdv$TAG" && veth
wait_for 5 eval '[ "$(jget "$(mgmt m "{\"command\":\"stats\",\"args\":{\"name\":\"live0\"}}")" "j[\"result\"][\"bridges\"][0][\"counters\"][\"link_downs\"]")" -ge 2 ]' ||
	fail "the replaced interface was not noticed"
wait_for 10 link_up m live0 || fail "link did not come back after the replacement"
tp_wait_connected tp || fail "testpmd not connected"
tp_cmd tp "start"
flows "after the replacement"
c=$(mgmt m '{"command":"stats","args":{"name":"live0"}}')
echo "$c"
[ "$(jget "$c" 'j["result"]["bridges"][0]["counters"]["to_memif"]["packets"]')" = 300 ] ||
	fail "memifd to_memif != 300"
tp_cmd tp "stop"

log "the interface's namespace deleted: memifd lets it end"
ns_probe "$ns"
ip netns del "$ns" || fail "ip netns del $ns"
wait_for 5 grep -q "mdv$TAG: its network namespace $ns was deleted" "$T/m.log" ||
	fail "the deleted namespace was not noticed: $(show '["state"]')"
ns_ended || fail "the namespace lives on (its veth is still there)"
sleep 0.3
finish
log "pass"
