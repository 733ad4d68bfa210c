#!/bin/bash
# Frames from the TAP in the first moments of a link are not lost while
# the peer has not given its receive buffers yet (a DPDK client gives them
# on its first receive burst): memif_peer -D 400 connects as a slave and
# refills its ring only 400 ms after the link came up; 20 frames sent into
# the TAP as soon as the link is up all reach it, and to_memif counts no
# ring_full.  The holding is bounded: a peer that gives no buffers for a
# minute gets frames counted as ring_full (real drops) after a second.
. "$(dirname "$0")/lib.sh"
need_root
PEER=$TOP/build/tests/tools/memif_peer
PCAP_PY="$TOP/tests/integration/daemon_pcap.py"
[ -x "$PEER" ] || skip "memif_peer not built (make tools)"

ns=$(ns_add h)
# no IPv6 on the TAP: only the test's frames go to memif
ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
tap=mdl$TAG
write_conf "$T/a.conf" "{ \"name\": \"lu\", \"memif\": { \"socket\": \"$T/lu.sock\" },
  \"host\": { \"name\": \"$tap\", \"netns\": \"$ns\" } }"
start_memifd a "$T/a.conf"
counter() { jget "$(mgmt a '{"command":"stats","args":{"name":"lu"}}')" "j['result']['bridges'][0]['counters']$1"; }

# link_then_send DELAY_MS N OUT: a slave peer that refills DELAY_MS after
# link up; once the link is up (and the TAP's carrier on), N frames into
# the TAP.  The peer runs on in the background, its output in OUT.
link_then_send() {
	"$PEER" -r slave -s "$T/lu.sock" -m rx -l 100 -n "$2" -D "$1" -t 8 -v >"$3" 2>&1 &
	PEER_PID=$!
	track "$PEER_PID"
	wait_for 5 grep -q "link up" "$3" || { cat "$3" "$T/a.log"; fail "no link"; }
	wait_for 2 eval 'ip -n "$ns" link show "$tap" | grep -q LOWER_UP' || fail "no carrier"
	ip netns exec "$ns" python3 "$PCAP_PY" send "$tap" "$2" --size 100 || fail "send"
}

log "a peer that gives its buffers 400 ms after link up gets every frame"
link_then_send 400 20 "$T/p1.out"
echo "sent; memifd so far: to_memif packets $(counter "['to_memif']['packets']"), ring_full $(counter "['to_memif']['drops']['ring_full']")"
wait "$PEER_PID"
cat "$T/p1.out"
grep -q "rx_packets=20 " "$T/p1.out" || fail "the peer did not get every frame"
[ "$(counter "['to_memif']['drops']['ring_full']")" = 0 ] || fail "ring_full: $(counter "['to_memif']")"
[ "$(counter "['to_memif']['packets']")" = 20 ] || fail "to_memif: $(counter "['to_memif']")"
wait_for 5 eval '[ "$(jget "$(mgmt a "{\"command\":\"show\",\"args\":{\"name\":\"lu\"}}")" \
	"j[\"result\"][\"bridges\"][0][\"state\"][\"link\"]")" = down ]' || fail "link did not go down"

log "a peer that gives none: after a second the frames are real drops"
before=$(counter "['to_memif']['drops']['ring_full']")
link_then_send 60000 10 "$T/p2.out"
wait_for 5 eval '[ "$(counter "[\"to_memif\"][\"drops\"][\"ring_full\"]")" = $((before + 10)) ]' ||
	fail "held frames were not dropped after the bound: $(counter "['to_memif']")"
[ "$(counter "['to_memif']['packets']")" = 20 ] || fail "to_memif: $(counter "['to_memif']")"
kill "$PEER_PID"
wait "$PEER_PID"
finish
log "pass"
