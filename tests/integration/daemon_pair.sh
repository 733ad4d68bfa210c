#!/bin/bash
# Two memifd instances joined by memif links (one master, one slave), each
# TAP in its own namespace, our data path on both sides: ping, a 100 MB TCP
# transfer whose checksum matches at both ends, and jumbo frames (MTU 9000
# over 2048-byte buffers: chains) on a second pair of bridges sharing the
# same socket with another id.  Interrupt, polling and adaptive rx modes.  Then the master is killed with SIGKILL and
# restarted: the slave reconnects by itself.
. "$(dirname "$0")/lib.sh"
need_root

na=$(ns_add a)
nb=$(ns_add b)
bridges() { # ROLE NS RX_MODE_P0 RX_MODE_P1
	cat <<EOB
{ "name": "p0", "memif": { "role": "$1", "socket": "$T/pair.sock", "id": 0, "rx_mode": "$3" },
  "host": { "name": "mdp0$TAG", "netns": "$2" } },
{ "name": "p1", "memif": { "role": "$1", "socket": "$T/pair.sock", "id": 1,
            "buffer_size": 2048, "rx_mode": "$4" },
  "host": { "name": "mdp1$TAG", "netns": "$2", "mtu": 9000 } }
EOB
}
# every rx mode: the TCP receiver adapts, one jumbo side polls
write_conf "$T/a.conf" "$(bridges master "$na" interrupt polling)"
write_conf "$T/b.conf" "$(bridges slave "$nb" adaptive interrupt)"
start_memifd a "$T/a.conf"
A_PID=$MEMIFD_PID
start_memifd b "$T/b.conf"
for ns in "$na" "$nb"; do
	n=1; [ "$ns" = "$nb" ] && n=2
	ip -n "$ns" addr add "10.78.0.$n/24" dev "mdp0$TAG"
	ip -n "$ns" addr add "10.79.0.$n/24" dev "mdp1$TAG"
done
wait_for 10 link_up a p0 || { cat "$T/a.log" "$T/b.log"; fail "p0 did not come up"; }
wait_for 10 link_up b p1 || fail "p1 did not come up"

log "ping both ways"
ping_ok "$na" 10.78.0.2 56 || fail "ping a->b"
ping_ok "$nb" 10.78.0.1 1472 || fail "ping b->a 1472"

log "jumbo: 8972-byte ping over MTU 9000 with 2048-byte buffers"
ping_ok "$na" 10.79.0.2 8972 || { mgmt a '{"command":"stats"}'; fail "jumbo ping"; }

log "100 MB TCP transfer with checksum"
head -c 100M /dev/urandom >"$T/data"
ip netns exec "$nb" python3 "$TOP/tests/integration/daemon_tcp.py" recv 5001 "$T/got" &
track $!
wait_for 5 ip netns exec "$nb" ss -ltn 'sport = :5001' || true
sleep 0.3
start=$SECONDS
sent=$(ip netns exec "$na" python3 "$TOP/tests/integration/daemon_tcp.py" send 10.78.0.2 5001 "$T/data") ||
	fail "send"
wait_for 10 test -s "$T/got" || fail "receiver did not finish"
read -r got n <"$T/got"
echo "sent $sent, received $got ($n bytes) in $((SECONDS - start)) s"
[ "$sent" = "$got" ] && [ "$n" = 104857600 ] || fail "checksum or length differs"

log "master SIGKILL and restart: the slave comes back by itself"
kill -KILL "$A_PID"
wait_for 5 eval '! link_up b p0' || fail "slave still up"
start_memifd a "$T/a.conf"
ip -n "$na" addr add 10.78.0.1/24 dev "mdp0$TAG" # the TAP went with the process
wait_for 10 link_up b p0 || { cat "$T/b.log" | tail; fail "slave did not reconnect"; }
# the master turns its TAP's carrier on when it sees the link: after the slave
wait_for 5 link_up a p0 || fail "master did not see the link"
ping_ok "$na" 10.78.0.2 56 || fail "ping after the restart"
r=$(mgmt b '{"command":"stats","args":{"name":"p0"}}')
echo "$r"
[ "$(jget "$r" 'j["result"]["bridges"][0]["counters"]["link_ups"]')" = 2 ] || fail "link_ups != 2"
finish
log "pass"
