#!/bin/bash
# run.sh: alone (full traffic on both cores, counters checked against the kernel's)
# Worker threads under churn: memifd with "workers": 2 bridges full
# traffic both ways (tap_blast floods each TAP, a memif_peer slave echoes
# every frame back) and captures (a file, a stream) record it, while
# bridges are reloaded (changed, so rebuilt),
# deleted and made again, runtime bridges created and deleted, the worker
# count changed by reloads (2 -> 1 -> auto -> 1 -> 2) and the peer of a 2-queue
# bridge killed and started again.  Then: memifd's counters of the bridge
# that lived through it all add up with the kernel's TAP counters (every
# frame the TAP handed over is delivered or a counted drop, each frame
# memifd counts as written the TAP received: none lost, none twice), both
# queues carry traffic both ways on two workers, and memifd exits 0 with
# no sanitizer report (tests/run.sh runs it again with build-san/memifd).
. "$(dirname "$0")/lib.sh"
need_root
PEER=$TOP/build/tests/tools/memif_peer
BLAST=$TOP/build/tests/tools/tap_blast
[ -x "$PEER" ] || skip "memif_peer not built (make tools)"
[ -x "$BLAST" ] || skip "tap_blast not built (make tools)"

ns=$(ns_add w)
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
sock="$T/w.sock"
tk="mdk$TAG" tc1="mdc1$TAG" tc2="mdc2$TAG"
# conf WORKERS RING: keep (2 queues, never changed), c1 (changed by RING
# on every reload), c2 (polling; deleted at run time, made again by the
# next reload)
conf() {
	write_conf "$T/m.conf" '
{ "name": "keep", "memif": { "role": "master", "socket": "'"$sock"'", "id": 0,
    "rx_queues": 2, "tx_queues": 2 }, "host": { "name": "'"$tk"'", "netns": "'"$ns"'" } },
{ "name": "c1", "memif": { "role": "master", "socket": "'"$sock"'", "id": 1,
    "ring_size": '"$2"' }, "host": { "name": "'"$tc1"'", "netns": "'"$ns"'" } },
{ "name": "c2", "memif": { "role": "master", "socket": "'"$sock"'", "id": 2,
    "rx_mode": "polling" }, "host": { "name": "'"$tc2"'", "netns": "'"$ns"'" } }' \
	"\"workers\": $1"
}
conf 2 1024
start_memifd m "$T/m.conf"

peer() { # ID QUEUES: an echoing slave, in interrupt mode, until killed
	"$PEER" -r slave -s "$sock" -i "$1" -q "$2" -m echo -I -t 600 >"$T/peer$1.log" 2>&1 &
	track $!
	PEER_PID=$!
}
peer 0 2; P0=$PEER_PID
peer 1 1
peer 2 1
wait_for 10 link_up m keep || { cat "$T/m.log"; fail "keep did not come up"; }
wait_for 10 link_up m c1 || fail "c1 did not come up"

# blast DEV: floods DEV with 8 flows until $T/stop exists; the TAP may be
# rebuilt under it (then tap_blast fails and starts again)
blast() {
	while [ ! -e "$T/stop" ]; do
		ip netns exec "$ns" "$BLAST" -d "$1" -l 128 -f 8 -B 32 -t 1 >/dev/null 2>&1 ||
			sleep 0.1
	done
}
for d in "$tk" "$tc1" "$tc2"; do blast "$d" & track $!; done

show() { mgmt m '{"command":"show","args":{"name":"'"$1"'"}}'; }
r=$(show keep)
w=$(jget "$r" 'sorted(j["result"]["bridges"][0]["state"]["rx_queue_workers"])')
[ "$w" = "[1, 2]" ] || fail "keep's rx queues are not on workers 1 and 2: $w"

log "captures under traffic: a file and a stream, taken by the workers"
r=$(mgmt m '{"command":"capture","args":{"action":"start","name":"keep","file":"'"$T/keep.pcap"'","count":20000}}')
[ "$(jget "$r" 'j["ok"]')" = True ] || fail "capture start: $r"
timeout 20 "$TOP/build/memifctl" -s "$T/m.ctl" capture keep -w "$T/stream.pcap" count 20000 2>"$T/stream.err" ||
	fail "capture stream: $(cat "$T/stream.err")"
wait_for 10 eval '[ "$(jget "$(show keep)" '"'"'j["result"]["bridges"][0]["capture"]["state"]'"'"')" = done ]' ||
	fail "file capture not done: $(show keep)"
echo "stream: $(cat "$T/stream.err")"
for f in keep stream; do
	n=$(tcpdump -nr "$T/$f.pcap" 2>/dev/null | wc -l)
	[ "$n" -gt 0 ] && [ "$n" -le 20000 ] || fail "$f capture holds $n frames"
done
[ "$(tcpdump -nr "$T/keep.pcap" 2>/dev/null | wc -l)" = 20000 ] || fail "file capture not 20000 frames"

log "churn under traffic: reloads, deletes, creates, peer restarts"
workers=(1 '"auto"' 1)
for round in 0 1 2; do
	conf "${workers[$round]}" $((round % 2 ? 1024 : 512))
	r=$(mgmt m '{"command":"reload"}')
	[ "$(jget "$r" 'j["ok"]')" = True ] || fail "reload: $r"
	rt='{"name":"rt'$round'","memif":{"role":"master","socket":"'"$sock"'","id":'$((10 + round))
	rt+=',"rx_queues":2,"tx_queues":2},"host":{"name":"mdr'$round$TAG'","netns":"'"$ns"'"}}'
	r=$(mgmt m '{"command":"create","args":'"$rt"'}')
	[ "$(jget "$r" 'j["ok"]')" = True ] || fail "create: $r"
	sleep 0.3
	mgmt m '{"command":"delete","args":{"name":"c2"}}' >/dev/null
	[ $round -gt 0 ] && mgmt m '{"command":"delete","args":{"name":"rt'$((round - 1))'"}}' >/dev/null
	if [ $((round % 2)) = 0 ]; then
		kill -KILL "$P0"; wait "$P0" 2>/dev/null
		sleep 0.2
		peer 0 2; P0=$PEER_PID
	fi
	mgmt m '{"command":"stats","args":{"name":"keep"}}' >/dev/null || fail "stats"
	sleep 0.3
done
mgmt m '{"command":"delete","args":{"name":"rt2"}}' >/dev/null
conf 2 1024 # c2 (deleted in the last round) comes back
r=$(mgmt m '{"command":"reload"}')
[ "$(jget "$r" 'j["ok"]')" = True ] || fail "reload: $r"
kill -0 "$MEMIFD_PID" || { tail -50 "$T/m.log"; fail "memifd died"; }
wait_for 10 link_up m keep || fail "keep did not come back"
wait_for 10 link_up m c2 || fail "c2 did not come back"
sleep 1 # traffic on the last link of keep, both queues
r=$(show keep)
echo "keep: $(jget "$r" 'j["result"]["bridges"][0]["state"]')"
for k in rx_queue_packets tx_queue_packets; do
	v=$(jget "$r" 'min(j["result"]["bridges"][0]["state"]["'$k'"])')
	[ "$v" -gt 0 ] || fail "keep: a queue carried nothing ($k)"
done
w=$(jget "$r" 'sorted(j["result"]["bridges"][0]["state"]["tx_queue_workers"])')
[ "$w" = "[1, 2]" ] || fail "keep's tx queues are not on workers 1 and 2: $w"

log "traffic stops: counters add up"
touch "$T/stop"
wait_for 10 eval '! pgrep -f "$BLAST -d $tk"' || fail "tap_blast did not stop"
sleep 1
tapstat() { ip netns exec "$ns" cat "/sys/class/net/$tk/statistics/$1"; }
ctr() {
	mgmt m '{"command":"stats","args":{"name":"keep"}}' | python3 -c '
import json, sys
c = json.load(sys.stdin)["result"]["bridges"][0]["counters"]
h, m = c["to_host"], c["to_memif"]
print(h["packets"], m["packets"] + sum(m["drops"].values()) + m["errors"],
      m["packets"], " ".join("%s=%d" % kv for kv in m["drops"].items()),
      "link_downs=%d" % c["link_downs"])'
}
read -r th tm_all tm rest <<<"$(settle ctr)"
tap_rx=$(tapstat rx_packets) tap_tx=$(tapstat tx_packets)
echo "TAP rx $tap_rx, memifd to_host $th; TAP tx $tap_tx, memifd to_memif $tm ($rest), all read $tm_all"
[ "$tm" -gt 100000 ] || fail "too little traffic to judge: $tm"
[ "$tap_rx" = "$th" ] || fail "TAP rx_packets $tap_rx != memifd to_host packets $th"
[ "$tap_tx" = "$tm_all" ] || fail "TAP tx_packets $tap_tx != memifd to_memif packets + drops $tm_all"
grep -q "reload: workers 2 -> 1" "$T/m.log" || fail "no worker change logged"
finish
log "pass"
