#!/bin/bash
# memifd master <-> dpdk-testpmd client in icmpecho mode: a ping from the
# TAP's namespace through memifd gets every reply, at 56 and 1472 bytes;
# then the peer is killed with SIGKILL and restarted: the bridge comes back.
. "$(dirname "$0")/lib.sh"
need_root
need_testpmd

ns=$(ns_add a)
tap="mdt$TAG"
write_conf "$T/m.conf" '{ "name": "echo0",
  "memif": { "role": "server", "socket": "'"$T"'/memif.sock", "id": 3 },
  "host": { "name": "'"$tap"'", "netns": "'"$ns"'" } }'
start_memifd m "$T/m.conf"
ip -n "$ns" addr add 10.77.0.1/24 dev "$tap"
ip -n "$ns" link show "$tap" | grep -q NO-CARRIER || fail "carrier on before the peer came"

start_testpmd tp "role=client,socket=$T/memif.sock,socket-abstract=no,id=3" icmpecho
wait_for 10 link_up m echo0 || { cat "$T/m.log" "$T/tp.tp.log"; fail "link did not come up"; }
ip -n "$ns" link show "$tap" | grep -q NO-CARRIER && fail "no carrier with the link up"

log "ping 56 and 1472 bytes"
ping_ok "$ns" 10.77.0.2 56 10 || fail "ping 56"
ping_ok "$ns" 10.77.0.2 1472 10 || fail "ping 1472"
r=$(mgmt m '{"command":"show","args":{"name":"echo0"}}')
peer=$(jget "$r" 'j["result"]["bridges"][0]["state"]["peer_name"]')
[[ $peer == DPDK* ]] || fail "peer name $peer"
pk=$(jget "$r" 'j["result"]["bridges"][0]["counters"]["to_host"]["packets"]')
[ "$pk" -ge 20 ] || fail "to_host packets $pk < 20"

log "peer SIGKILL: link down, carrier off, then back after a restart"
kill -KILL "$TESTPMD_PID"; wait "$TESTPMD_PID" 2>/dev/null
wait_for 5 eval '! link_up m echo0' || fail "link still up after SIGKILL"
ip -n "$ns" link show "$tap" | grep -q NO-CARRIER || fail "carrier still on"
r=$(mgmt m '{"command":"stats","args":{"name":"echo0"}}')
[ "$(jget "$r" 'j["result"]["bridges"][0]["counters"]["link_downs"]')" = 1 ] || fail "link_downs: $r"
start_testpmd tp2 "role=client,socket=$T/memif.sock,socket-abstract=no,id=3" icmpecho
wait_for 10 link_up m echo0 || fail "link did not come back"
ping_ok "$ns" 10.77.0.2 1472 5 || fail "ping after the restart"
finish
log "pass"
