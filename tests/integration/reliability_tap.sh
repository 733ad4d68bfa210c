#!/bin/bash
# A TAP deleted from outside while memifd runs: its bridge goes down with
# the reason in show (host_state gone, host_error, host_losses, the link's
# disconnect reason), memifd spends no CPU on the dead device, makes its
# own TAP again within a second or two and attaches again to a persistent
# TAP someone else made as soon as it reappears; another bridge keeps
# forwarding a ping the whole time.  `ip netns del` of a TAP's namespace:
# memifd lets go of the namespace within a second or two, so it really
# ends (a veth pair with one end in it disappears), and makes its TAP again
# when a namespace of that name is back.
. "$(dirname "$0")/lib.sh"
need_root

na=$(ns_add a)
nb=$(ns_add b)
nc=$(ns_add c)
br() { # NAME ROLE ID NS
	printf '{ "name": "%s", "memif": { "role": "%s", "socket": "%s", "id": %s }, ' "$1" "$2" "$T/r.sock" "$3"
	printf '"host": { "name": "%s%s", "netns": "%s" } }' "$1" "$TAG" "$4"
}
# p0's TAP on side a is a persistent one made beforehand: memifd attaches
ip -n "$na" tuntap add dev "p0$TAG" mode tap || fail "tuntap add"
write_conf "$T/a.conf" "$(br t0 master 0 "$na"), $(br p0 master 1 "$na"), $(br k0 master 2 "$na"),
	$(br n0 master 3 "$nc")"
write_conf "$T/b.conf" "$(br t0 slave 0 "$nb"), $(br p0 slave 1 "$nb"), $(br k0 slave 2 "$nb"),
	$(br n0 slave 3 "$nb")"
start_memifd a "$T/a.conf"
A_PID=$MEMIFD_PID
start_memifd b "$T/b.conf"
addr() { # BRIDGE SUBNET: the addresses on both sides
	ip -n "$na" addr add "10.93.$2.1/24" dev "$1$TAG" 2>/dev/null
	ip -n "$nb" addr add "10.93.$2.2/24" dev "$1$TAG" 2>/dev/null
	return 0
}
addr t0 0; addr p0 1; addr k0 2
for b in t0 p0 k0 n0; do wait_for 10 link_up a $b || fail "$b did not come up"; done
ping_ok "$na" 10.93.0.2 56 2 || fail "t0 does not forward"
ping_ok "$na" 10.93.1.2 56 2 || fail "p0 does not forward"

ip netns exec "$na" python3 "$PING_PY" -q -c 160 -i 0.05 10.93.2.2 >"$T/ping.out" 2>&1 &
PING=$!
track $PING
show() { mgmt a "{\"command\":\"show\",\"args\":{\"name\":\"$1\"}}"; }
field() { jget "$(show "$1")" "j['result']['bridges'][0]$2"; }
cpu() { awk '{print $14 + $15}' "/proc/$A_PID/stat"; }

log "memifd's own TAP deleted: down with the reason, made again"
ip -n "$na" link del "t0$TAG" || fail "ip link del t0"
wait_for 5 eval '[ "$(field t0 "[\"counters\"][\"host_losses\"]")" = 1 ]' || fail "loss not counted: $(show t0)"
r=$(show t0)
echo "$r"
reason=$(jget "$r" 'j["result"]["bridges"][0]["counters"]["last_disconnect_reason"]')
[[ $reason == *"host tap t0$TAG was deleted"* ]] || fail "reason: $reason"
[ "$(jget "$r" 'j["result"]["bridges"][0]["counters"]["link_downs"]')" = 1 ] || fail "link down not counted"
grep -q "t0: host tap t0$TAG was deleted: bridge down" "$T/a.log" || fail "loss not logged"
wait_for 5 link_up a t0 || fail "t0 did not come back: $(show t0)"
[ "$(field t0 '["host"]["created"]')" = True ] || fail "t0 not made again"
[ "$(field t0 '["state"]["host_error"]')" = "" ] || fail "host_error stays"
grep -q "t0: host tap t0$TAG is back (made again)" "$T/a.log" || fail "recovery not logged"
addr t0 0
ping_ok "$na" 10.93.0.2 56 2 || fail "t0 does not forward after its TAP came back"

log "a persistent TAP memifd attached to: down, no busy loop, attached again"
ip -n "$na" link del "p0$TAG" || fail "ip link del p0"
wait_for 5 eval '[ "$(field p0 "[\"state\"][\"host_error\"]")" = "host tap p0$TAG was deleted" ]' ||
	fail "p0: no host_error: $(show p0)"
[ "$(field p0 '["state"]["host_state"]')" = gone ] || fail "p0: host_state"
[ "$(field p0 '["state"]["link"]')" = down ] || fail "p0: link stays up"
c0=$(cpu); sleep 3; c1=$(cpu)
echo "memifd CPU while p0's TAP is gone: $((c1 - c0)) ticks in 3 s"
[ $((c1 - c0)) -lt 30 ] || fail "memifd busy while the TAP is gone: $((c1 - c0)) ticks in 3 s"
ip -n "$na" link show "p0$TAG" >/dev/null 2>&1 && fail "memifd made p0's TAP itself"
ip -n "$na" tuntap add dev "p0$TAG" mode tap || fail "tuntap add again"
wait_for 5 link_up a p0 || fail "p0 did not come back: $(show p0)"
[ "$(field p0 '["host"]["created"]')" = False ] || fail "p0 not attached"
addr p0 1
ping_ok "$na" 10.93.1.2 56 2 || fail "p0 does not forward after its TAP came back"

log "the namespace of n0's TAP deleted: memifd lets it end, then makes the TAP again"
ns_probe "$nc"
ip netns del "$nc" || fail "ip netns del $nc"
wait_for 5 eval '[ "$(field n0 "[\"state\"][\"host_state\"]")" = gone ]' || fail "n0 not down: $(show n0)"
grep -q "n0$TAG: network namespace $nc was deleted" "$T/a.log" || fail "namespace loss not logged"
ns_ended || fail "the namespace lives on (its veth is still there)"
ip netns add "$nc" || fail "ip netns add $nc again"
wait_for 5 link_up a n0 || fail "n0 did not come back in the new namespace: $(show n0)"
ip -n "$nc" link show "n0$TAG" >/dev/null || fail "no TAP n0 in the new namespace"

wait "$PING" || { cat "$T/ping.out"; fail "the ping over k0 lost replies"; }
cat "$T/ping.out"
[ "$(field k0 '["counters"]["link_downs"]')" = 0 ] || fail "k0 went down"

finish
log "pass"
