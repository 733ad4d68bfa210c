#!/bin/bash
# Reload as a diff: while a ping runs over bridge r0, a reload changes r1,
# adds r2 and keeps a runtime bridge: the ping loses nothing and r0's link
# never drops.  An invalid configuration (SIGHUP or "reload") is rejected
# and the old one keeps running.  A change to a bridge's memif side only
# keeps its TAP (same device, its address, traffic again); a change to
# the host side makes the device anew.
. "$(dirname "$0")/lib.sh"
need_root

na=$(ns_add a)
nb=$(ns_add b)
br() { # NAME ROLE ID NS MTU [MORE MEMIF KEYS]
	printf '{ "name": "%s", "memif": { "role": "%s", "socket": "%s", "id": %s%s }, ' "$1" "$2" "$T/r.sock" "$3" "${6:+, $6}"
	printf '"host": { "name": "md%s%s", "netns": "%s", "mtu": %s } }' "$1" "$TAG" "$4" "$5"
}
write_conf "$T/a.conf" "$(br r0 master 0 "$na" 1500), $(br r1 master 1 "$na" 1500)"
write_conf "$T/b.conf" "$(br r0 slave 0 "$nb" 1500), $(br r1 slave 1 "$nb" 1500), $(br r2 slave 2 "$nb" 1500)"
start_memifd a "$T/a.conf"
A_PID=$MEMIFD_PID
start_memifd b "$T/b.conf"
ip -n "$na" addr add 10.80.0.1/24 dev "mdr0$TAG"
ip -n "$nb" addr add 10.80.0.2/24 dev "mdr0$TAG"
wait_for 10 link_up a r0 || fail "r0 did not come up"
wait_for 10 link_up a r1 || fail "r1 did not come up"
ifindex() { ip netns exec "$na" cat "/sys/class/net/$1/ifindex"; }
r1_index=$(ifindex "mdr1$TAG")
r=$(mgmt a "{\"command\":\"create\",\"args\":$(br rt master 9 "$na" 1500)}"); echo "$r" | grep -q '"ok":true' || fail "runtime create: $r"

log "reload while pinging over r0"
ip netns exec "$na" python3 "$PING_PY" -q -c 60 -i 0.05 10.80.0.2 >"$T/ping.out" 2>&1 &
PING=$!
sleep 0.5
write_conf "$T/a.conf" "$(br r0 master 0 "$na" 1500), $(br r1 master 1 "$na" 1400), $(br r2 master 2 "$na" 1500)"
r=$(mgmt a reload)
echo "$r"
[ "$(jget "$r" 'j["result"]["changed"]')" = "['r1']" ] || fail "changed"
[ "$(jget "$r" 'j["result"]["unchanged"]')" = "['r0']" ] || fail "unchanged"
[ "$(jget "$r" 'j["result"]["added"]')" = "['r2']" ] || fail "added"
wait "$PING" || { cat "$T/ping.out"; fail "the ping over r0 lost replies during the reload"; }
cat "$T/ping.out"
r=$(mgmt a '{"command":"stats","args":{"name":"r0"}}')
[ "$(jget "$r" 'j["result"]["bridges"][0]["counters"]["link_downs"]')" = 0 ] || fail "r0 went down"
wait_for 10 link_up a r2 || fail "r2 did not come up"
wait_for 10 link_up a r1 || fail "r1 did not come back"
r=$(mgmt a '{"command":"show","args":{"name":"r1"}}')
[ "$(jget "$r" 'j["result"]["bridges"][0]["host"]["mtu"]')" = 1400 ] || fail "r1 not rebuilt"
[ "$(ifindex "mdr1$TAG")" != "$r1_index" ] || fail "r1's TAP was kept though its mtu changed"

log "a change of the memif side only keeps the TAP"
ip -n "$na" addr add 10.82.0.1/24 dev "mdr2$TAG"
ip -n "$nb" addr add 10.82.0.2/24 dev "mdr2$TAG"
wait_for 10 link_up b r2 || fail "r2 did not come up on b"
ping_ok "$na" 10.82.0.2 56 || fail "no ping over r2"
r2_index=$(ifindex "mdr2$TAG")
write_conf "$T/a.conf" "$(br r0 master 0 "$na" 1500), $(br r1 master 1 "$na" 1400), $(br r2 master 2 "$na" 1500 '"ring_size": 512, "rx_mode": "polling"')"
r=$(mgmt a reload)
[ "$(jget "$r" 'j["result"]["changed"]')" = "['r2']" ] || fail "r2 not changed: $r"
grep -q "reload: r2 changed (its host port stays)" "$T/a.log" || fail "no log of the kept port"
[ "$(ifindex "mdr2$TAG")" = "$r2_index" ] || fail "r2's TAP was made anew"
ip -n "$na" -br addr show dev "mdr2$TAG" | grep -q 10.82.0.1/24 || fail "r2's TAP lost its address"
wait_for 10 link_up a r2 || fail "r2 did not come back"
r=$(mgmt a '{"command":"show","args":{"name":"r2"}}')
[ "$(jget "$r" 'j["result"]["bridges"][0]["memif"]["ring_size"]')" = 512 ] || fail "r2 not rebuilt: $r"
ping_ok "$na" 10.82.0.2 56 || fail "no ping over r2 after the rebuild"
mgmt a '{"command":"show","args":{"name":"rt"}}' | grep -q '"origin":"runtime"' || fail "runtime bridge lost"

log "invalid configuration: rejected, the old one stays"
echo '{ "bridges": [ { "name": "r0", "memif": { "ring_size": 1000 } } ] }' >"$T/a.conf"
r=$(mgmt a reload)
echo "$r"
[[ $r == *'"code":"EINVAL"'* && $r == *ring_size* ]] || fail "reload accepted a bad config"
kill -HUP "$A_PID"
wait_for 5 grep -q "reload: .*ring_size" "$T/a.log" || fail "SIGHUP did not log the rejection"
r=$(mgmt a show)
[ "$(jget "$r" '[b["name"] for b in j["result"]["bridges"]]')" = "['r0', 'rt', 'r1', 'r2']" ] ||
	fail "bridges changed: $r"
ping_ok "$na" 10.80.0.2 56 || fail "ping after the rejected reload"

log "removal by SIGHUP"
write_conf "$T/a.conf" "$(br r0 master 0 "$na" 1500)"
kill -HUP "$A_PID"
wait_for 5 eval "! mgmt a '{\"command\":\"show\",\"args\":{\"name\":\"r2\"}}' | grep -q '\"ok\":true'" ||
	fail "r2 not removed"
mgmt a '{"command":"show","args":{"name":"rt"}}' | grep -q '"ok":true' || fail "runtime bridge removed"
finish
log "pass"
