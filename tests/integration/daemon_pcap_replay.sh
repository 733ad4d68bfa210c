#!/bin/bash
# pcap-file replay through memif into a recording bridge on the other side
# (two memifd instances): mixed frame sizes, some larger than the 1024-byte
# memif buffers (chains); the written file equals the input frame by frame,
# reads in tcpdump without warnings, has nanosecond timestamps and the link
# type of the memif mode (ethernet: EN10MB, ip: RAW); show says the replay
# finished.  A file of more than 64 MiB, which memifd reads from disk pass
# after pass instead of holding it in memory, replays twice just as well.
# Then rate-limited replays (pps and mbps, bridges created at run
# time) keep within 5 % of the asked rate over about 2.5 s.
. "$(dirname "$0")/lib.sh"
need_root
command -v tcpdump >/dev/null || skip "needs tcpdump"
PCAP_PY="$TOP/tests/integration/daemon_pcap.py"

python3 "$PCAP_PY" gen "$T/eth.pcap" 2000 --sizes 60,1514,3000,128,9018,1025,2049 || fail gen
python3 "$PCAP_PY" gen "$T/ip.pcap" 500 --linktype 101 --sizes 20,1500,4000,84 || fail gen
python3 "$PCAP_PY" gen "$T/small.pcap" 100 --sizes 60,1000 || fail gen
pair() { # NAME ID ROLE HOST_JSON [MODE]
	echo "{ \"name\": \"$1\", \"memif\": { \"role\": \"$3\", \"socket\": \"$T/r.sock\", \"id\": $2, \"buffer_size\": 1024, \"mode\": \"${5:-ethernet}\" }, \"host\": $4 }"
}
write_conf "$T/w.conf" "$(pair weth 0 slave '{ "type": "pcap-file", "write": "'"$T"'/eth.out", "mtu": 9000 }'),
	$(pair wip 1 slave '{ "type": "pcap-file", "write": "'"$T"'/ip.out", "mtu": 9000 }' ip)"
write_conf "$T/r.conf" "$(pair reth 0 master '{ "type": "pcap-file", "read": "'"$T"'/eth.pcap", "mtu": 9000 }'),
	$(pair rip 1 master '{ "type": "pcap-file", "read": "'"$T"'/ip.pcap", "mtu": 9000 }' ip)"
start_memifd r "$T/r.conf"
start_memifd w "$T/w.conf"

replay_state() { # MEMIFD BRIDGE
	jget "$(mgmt "$1" "{\"command\":\"show\",\"args\":{\"name\":\"$2\"}}")" \
		'j["result"]["bridges"][0]["host"]["read"]["state"]'
}
log "replay as fast as possible, then check the recordings"
wait_for 10 eval '[ "$(replay_state r reth)" = finished ] && [ "$(replay_state r rip)" = finished ]' ||
	{ mgmt r '{"command":"show"}'; fail "replay did not finish"; }
# the last frames may still be in flight: wait for the counters to settle
wait_for 5 eval '[ "$(jget "$(mgmt w "{\"command\":\"stats\",\"args\":{\"name\":\"weth\"}}")" \
	"j[\"result\"][\"bridges\"][0][\"counters\"][\"to_host\"][\"packets\"]")" = 2000 ]' ||
	{ mgmt w '{"command":"stats"}'; fail "not every frame was recorded"; }
mgmt w '{"command":"delete","args":{"name":"weth"}}' >/dev/null
mgmt w '{"command":"delete","args":{"name":"wip"}}' >/dev/null
python3 "$PCAP_PY" cmp "$T/eth.pcap" "$T/eth.out" || fail "ethernet recording differs"
python3 "$PCAP_PY" cmp "$T/ip.pcap" "$T/ip.out" || fail "ip recording differs"
for f in eth ip; do
	n=$(tcpdump -nn -r "$T/$f.out" 2>"$T/$f.err" | grep -vc $'^\t')
	cat "$T/$f.err"
	[ "$n" = "$(python3 "$PCAP_PY" info "$T/$f.pcap" | awk '{print $2}')" ] || fail "tcpdump read $n frames of $f.out"
	grep -vq '^reading from file' "$T/$f.err" && fail "tcpdump warned about $f.out"
	python3 "$PCAP_PY" info "$T/$f.out" | grep -q 'magic a1b23c4d' || fail "$f.out: not nanosecond"
done
grep -q 'link-type EN10MB' "$T/eth.err" || fail "eth.out link type"
grep -q 'link-type RAW' "$T/ip.err" || fail "ip.out link type"
r=$(mgmt r '{"command":"show","args":{"name":"reth"}}')
[ "$(jget "$r" 'j["result"]["bridges"][0]["host"]["read"]["sent"]')" = 2000 ] || fail "sent: $r"
[ "$(jget "$r" 'j["result"]["bridges"][0]["host"]["read"]["in_memory"]')" = True ] || fail "in_memory: $r"

log "a 67 MB file, streamed from disk, twice"
python3 "$PCAP_PY" gen "$T/big.pcap" 7500 --sizes 9018 || fail gen
create() { # MEMIFD NAME ID ROLE HOST_JSON
	local r
	r=$(mgmt "$1" "{\"command\":\"create\",\"args\":$(pair "$2" "$3" "$4" "$5")}")
	[ "$(jget "$r" 'j["ok"]')" = True ] || fail "create $2: $r"
}
create w wbig 4 slave '{ "type": "pcap-file", "write": "'"$T"'/big.out", "mtu": 9000 }'
create r rbig 4 master '{ "type": "pcap-file", "read": "'"$T"'/big.pcap", "loop": 2, "mtu": 9000 }'
wait_for 20 eval '[ "$(replay_state r rbig)" = finished ]' ||
	{ mgmt r '{"command":"show","args":{"name":"rbig"}}'; fail "big replay did not finish"; }
wait_for 5 eval '[ "$(jget "$(mgmt w "{\"command\":\"stats\",\"args\":{\"name\":\"wbig\"}}")" \
	"j[\"result\"][\"bridges\"][0][\"counters\"][\"to_host\"][\"packets\"]")" = 15000 ]' ||
	{ mgmt w '{"command":"stats","args":{"name":"wbig"}}'; fail "not every big frame was recorded"; }
r=$(mgmt r '{"command":"show","args":{"name":"rbig"}}')
[ "$(jget "$r" 'j["result"]["bridges"][0]["host"]["read"]["in_memory"]')" = False ] || fail "in_memory: $r"
[ "$(jget "$r" 'j["result"]["bridges"][0]["host"]["read"]["passes"]')" = 2 ] || fail "passes: $r"
mgmt w '{"command":"delete","args":{"name":"wbig"}}' >/dev/null
mgmt r '{"command":"delete","args":{"name":"rbig"}}' >/dev/null
python3 "$PCAP_PY" cmp "$T/big.pcap" "$T/big.out" --passes 2 || fail "big recording differs"
rm -f "$T/big.pcap" "$T/big.out"

log "a file in memory, three passes: the recording is the file three times"
create w wsm 5 slave '{ "type": "pcap-file", "write": "'"$T"'/sm.out" }'
create r rsm 5 master '{ "type": "pcap-file", "read": "'"$T"'/small.pcap", "loop": 3 }'
wait_for 10 eval '[ "$(replay_state r rsm)" = finished ]' || fail "three passes did not finish"
wait_for 5 eval '[ "$(jget "$(mgmt w "{\"command\":\"stats\",\"args\":{\"name\":\"wsm\"}}")" \
	"j[\"result\"][\"bridges\"][0][\"counters\"][\"to_host\"][\"packets\"]")" = 300 ]' ||
	{ mgmt w '{"command":"stats","args":{"name":"wsm"}}'; fail "not every frame of three passes was recorded"; }
mgmt w '{"command":"delete","args":{"name":"wsm"}}' >/dev/null
mgmt r '{"command":"delete","args":{"name":"rsm"}}' >/dev/null
python3 "$PCAP_PY" cmp "$T/small.pcap" "$T/sm.out" --passes 3 || fail "three passes differ"

log "rate-limited replays: 2000 pps and 20 Mbit/s for about 2.5 s"
create w wpps 2 slave '{ "type": "pcap-file", "write": "'"$T"'/pps.out" }'
create w wmbps 3 slave '{ "type": "pcap-file", "write": "'"$T"'/mbps.out" }'
create r rpps 2 master '{ "type": "pcap-file", "read": "'"$T"'/small.pcap", "pps": 2000, "loop": 0 }'
create r rmbps 3 master '{ "type": "pcap-file", "read": "'"$T"'/small.pcap", "mbps": 20, "loop": 0 }'
sleep 2.7
mgmt w '{"command":"delete","args":{"name":"wpps"}}' >/dev/null
mgmt w '{"command":"delete","args":{"name":"wmbps"}}' >/dev/null
read -r _ n _ _ _ _ _ pps _ _ < <(python3 "$PCAP_PY" info "$T/pps.out")
read -r _ m _ _ _ _ _ _ _ mbps < <(python3 "$PCAP_PY" info "$T/mbps.out")
echo "pps: $n frames at $pps/s; mbps: $m frames at $mbps Mbit/s"
python3 -c "import sys; sys.exit(not (1900 <= $pps <= 2100 and 19.0 <= $mbps <= 21.0 and $n > 3000 and $m > 3000))" ||
	fail "rate off by more than 5 %"
finish
log "pass"
