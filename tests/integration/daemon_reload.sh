#!/bin/bash
# Reload as a diff: while a ping runs over bridge r0, a reload changes r1,
# adds r2 and keeps a runtime bridge: the ping loses nothing and r0's link
# never drops.  An invalid configuration (SIGHUP or "reload") is rejected
# and the old one keeps running.
. "$(dirname "$0")/lib.sh"
need_root

na=$(ns_add a)
nb=$(ns_add b)
br() { # NAME ROLE ID NS MTU
	printf '{ "name": "%s", "memif": { "role": "%s", "socket": "%s", "id": %s }, ' "$1" "$2" "$T/r.sock" "$3"
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
