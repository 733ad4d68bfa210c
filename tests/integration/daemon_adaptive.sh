#!/bin/bash
# run.sh: alone (it measures memifd's CPU time and polling under a flood)
# rx_mode adaptive, memifd's default: a bridge made without rx_mode is
# adaptive and idle in interrupt mode; a flood into its memif side (TAP ->
# memifd B -> memif -> memifd A) makes it poll, and show says so; a trickle
# of 200 frames a second that runs on after the flood does not keep it
# polling (back to interrupts within a second, little CPU), nor do bursts
# of 64 frames at a slow rate.
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

# udp_send PPS_BURSTS BURST SECONDS: from namespace b to 10.81.0.1, BURST
# datagrams at a time, PPS_BURSTS bursts a second (frames into memif A).
udp_send() {
	ip netns exec "$nb" python3 -c '
import socket, sys, time
rate, burst, secs = float(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.monotonic() + secs
while time.monotonic() < end:
    for _ in range(burst):
        s.sendto(b"x" * 18, ("10.81.0.1", 9))
    time.sleep(1 / rate)
' "$@"
}

log "a trickle of 200 frames a second runs throughout; a flood makes it poll"
udp_send 200 1 5 &
trickle=$!
track $trickle
sleep 0.5
ip netns exec "$nb" "$BLAST" -d "mdb$TAG" -l 64 -t 1.5 >/dev/null 2>&1 &
blast=$!
track $blast
wait_for 3 eval '[ "$(polling)" = 1 ]' || { show; fail "no polling under a flood"; }
wait $blast

log "the flood over, the trickle goes on: back to interrupts, little CPU"
wait_for 1 eval '[ "$(polling)" = 0 ]' || { show; fail "still polling with a trickle"; }
t0=$(ticks)
sleep 1
t1=$(ticks)
echo "memifd a: $((t1 - t0)) ticks in 1 s under the trickle"
((t1 - t0 <= 20)) || fail "memifd used $((t1 - t0)) ticks of 100 in a second of trickle"
kill -0 $trickle 2>/dev/null || fail "the trickle ended too soon for the check"
wait $trickle

log "bursts of 64 frames 100 times a second (6.4 kpps): no polling"
udp_send 100 64 2.5 &
bursts=$!
track $bursts
sleep 0.5
t0=$(ticks)
sleep 1.5
t1=$(ticks)
echo "memifd a: $((t1 - t0)) ticks in 1.5 s of bursts"
((t1 - t0 <= 30)) || fail "memifd used $((t1 - t0)) ticks of 150 in 1.5 s of slow bursts"
wait $bursts
ping_ok "$nb" 10.81.0.1 56 || fail "ping b -> a"

c=$(mgmt a '{"command":"stats","args":{"name":"ad"}}')
[ "$(jget "$c" 'j["result"]["bridges"][0]["counters"]["to_host"]["packets"]')" -gt 1000 ] ||
	fail "the flood did not cross: $c"
finish
log "pass"
