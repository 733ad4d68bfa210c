#!/bin/bash
# rx_mode adaptive, memifd's default: a bridge made without rx_mode is
# adaptive and idle in interrupt mode; a flood into its memif side (TAP ->
# memifd B -> memif -> memifd A) makes it poll, and show says so; a trickle
# of 200 pings a second afterwards brings it back to interrupts within a
# second, costs little CPU, and every ping is answered.
. "$(dirname "$0")/lib.sh"
need_root
BLAST=$TOP/build/tests/tools/tap_blast
[ -x "$BLAST" ] || skip "tap_blast not built (make tools)"

na=$(ns_add a)
nb=$(ns_add b)
write_conf "$T/a.conf" "{ \"name\": \"ad\", \"memif\": { \"socket\": \"$T/ad.sock\" },
  \"host\": { \"name\": \"mda$TAG\", \"netns\": \"$na\" } }"
write_conf "$T/b.conf" "{ \"name\": \"fe\", \"memif\": { \"role\": \"slave\", \"socket\": \"$T/ad.sock\",
  \"rx_mode\": \"interrupt\" }, \"host\": { \"name\": \"mdb$TAG\", \"netns\": \"$nb\" } }"
start_memifd a "$T/a.conf"
A_PID=$MEMIFD_PID
start_memifd b "$T/b.conf"
ip -n "$na" addr add 10.81.0.1/24 dev "mda$TAG"
ip -n "$nb" addr add 10.81.0.2/24 dev "mdb$TAG"
wait_for 10 link_up a ad || { cat "$T/a.log" "$T/b.log"; fail "link did not come up"; }

show() { mgmt a '{"command":"show","args":{"name":"ad"}}'; }
polling() { jget "$(show)" 'j["result"]["bridges"][0]["state"]["rx_polling"]'; }
ticks() { awk '{ print $14 + $15 }' "/proc/$A_PID/stat"; }

log "the default is adaptive, idle in interrupt mode"
r=$(show)
[ "$(jget "$r" 'j["result"]["bridges"][0]["memif"]["rx_mode"]')" = adaptive ] || fail "rx_mode: $r"
[ "$(polling)" = 0 ] || fail "idle bridge polls: $(show)"
"$TOP/build/memifctl" -s "$T/a.ctl" show ad | grep -q "rx 1, tx 1, 0 rx polling now" ||
	{ "$TOP/build/memifctl" -s "$T/a.ctl" show ad; fail "show does not say how the queue is served"; }

log "a flood makes it poll"
ip netns exec "$nb" "$BLAST" -d "mdb$TAG" -l 64 -t 3 >/dev/null 2>&1 &
blast=$!
track $blast
wait_for 3 eval '[ "$(polling)" = 1 ]' || { show; fail "no polling under a flood"; }
wait $blast

log "a trickle of 200 pings a second: back to interrupts, little CPU"
ip netns exec "$nb" python3 "$PING_PY" -q -c 500 -i 0.005 -s 56 10.81.0.1 >"$T/ping.out" 2>&1 &
pinger=$!
track $pinger
wait_for 1 eval '[ "$(polling)" = 0 ]' || { show; fail "still polling with a trickle"; }
t0=$(ticks)
sleep 1
t1=$(ticks)
echo "memifd a: $((t1 - t0)) ticks in 1 s under the trickle"
((t1 - t0 <= 20)) || fail "memifd used $((t1 - t0)) ticks of 100 in a second of trickle"
wait $pinger || { cat "$T/ping.out"; fail "pings lost"; }
[ "$(polling)" = 0 ] || fail "polling again after the trickle"
c=$(mgmt a '{"command":"stats","args":{"name":"ad"}}')
[ "$(jget "$c" 'j["result"]["bridges"][0]["counters"]["to_host"]["packets"]')" -gt 1000 ] ||
	fail "the flood did not cross: $c"
finish
log "pass"
