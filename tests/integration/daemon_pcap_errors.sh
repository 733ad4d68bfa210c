#!/bin/bash
# pcap bad input gets a clear error and leaves other bridges alone: a
# missing file, a file that is not pcap, a truncated pcap, an unsupported
# link type, a missing interface, an interface that goes away, and a full
# disk while writing (a small tmpfs): the file written so far still reads
# without warnings.
. "$(dirname "$0")/lib.sh"
need_root
command -v tcpdump >/dev/null || skip "needs tcpdump"
PCAP_PY="$TOP/tests/integration/daemon_pcap.py"
trap 'umount "$T/full" 2>/dev/null; cleanup' EXIT

ns=$(ns_add a)
python3 "$PCAP_PY" gen "$T/good.pcap" 100 --sizes 60,1000 || fail gen
python3 "$PCAP_PY" gen "$T/wifi.pcap" 10 --linktype 105 || fail gen
head -c $(( $(stat -c %s "$T/good.pcap") - 300 )) "$T/good.pcap" >"$T/trunc.pcap"
head -c 10 "$T/good.pcap" >"$T/short.pcap"
echo "hello, not a capture" >"$T/text.pcap"
mkdir -p "$T/full"
mount -t tmpfs -o size=64k tmpfs "$T/full" || skip "cannot mount a tmpfs"

br() { # NAME ID ROLE HOST_JSON
	echo "{ \"name\": \"$1\", \"memif\": { \"role\": \"$3\", \"socket\": \"$T/e.sock\", \"id\": $2 }, \"host\": $4 }"
}
# a healthy pair that must keep flowing: 500 pps into ok.pcap
write_conf "$T/r.conf" "$(br rok 0 master '{ "type": "pcap-file", "read": "'"$T"'/good.pcap", "pps": 500, "loop": 0 }')"
write_conf "$T/w.conf" "$(br wok 0 slave '{ "type": "pcap-file", "write": "'"$T"'/ok.pcap" }')"
start_memifd r "$T/r.conf"
start_memifd w "$T/w.conf"
wait_for 10 link_up w wok || fail "healthy pair did not come up"

create_fails() { # MEMIFD HOST_JSON EXPECTED_MESSAGE_PART
	local r
	r=$(mgmt "$1" "{\"command\":\"create\",\"args\":$(br bad 9 master "$2")}")
	echo "$r"
	[ "$(jget "$r" 'j["error"]["code"]')" = EIO ] || fail "expected EIO"
	jget "$r" 'j["error"]["message"]' | grep -q "$3" || fail "message lacks '$3'"
}
log "bad replay files"
create_fails r '{ "type": "pcap-file", "read": "'"$T"'/missing.pcap" }' "No such file"
create_fails r '{ "type": "pcap-file", "read": "'"$T"'/text.pcap" }' "unknown file format"
create_fails r '{ "type": "pcap-file", "read": "'"$T"'/short.pcap" }' "truncated"
create_fails r '{ "type": "pcap-file", "read": "'"$T"'/trunc.pcap" }' "truncated dump file.*after 99 frames"
create_fails r '{ "type": "pcap-file", "read": "'"$T"'/wifi.pcap" }' "link type IEEE802_11 is not supported"
log "interfaces"
create_fails r '{ "type": "pcap-live", "name": "nosuch0" }' "nosuch0.*No such device"
ip -n "$ns" link add "mdv$TAG" type veth peer name "mdw$TAG" || fail "veth"
ip -n "$ns" link set "mdv$TAG" up
ip -n "$ns" link set "mdw$TAG" up
r=$(mgmt r "{\"command\":\"create\",\"args\":$(br live 5 master '{ "type": "pcap-live", "name": "'"mdv$TAG"'", "netns": "'"$ns"'" }')}")
[ "$(jget "$r" 'j["ok"]')" = True ] || fail "pcap-live create: $r"
state() { jget "$(mgmt r '{"command":"show","args":{"name":"live"}}')" "j['result']['bridges'][0]$1"; }
[ "$(state '["state"]["host_state"]')" = up ] || fail "live host_state"
ip -n "$ns" link del "mdv$TAG"
ip netns exec "$ns" python3 -c 'pass' # let the kernel settle
wait_for 5 eval '[ "$(state "[\"state\"][\"host_state\"]")" = gone ]' || fail "host_state not gone"
state '["host"]'
# (reopened when it comes back: daemon_pcap_reopen.sh)
log "full disk while writing"
r=$(mgmt w "{\"command\":\"create\",\"args\":$(br wfull 1 slave '{ "type": "pcap-file", "write": "'"$T"'/full/out.pcap" }')}")
[ "$(jget "$r" 'j["ok"]')" = True ] || fail "create wfull: $r"
r=$(mgmt r "{\"command\":\"create\",\"args\":$(br rfull 1 master '{ "type": "pcap-file", "read": "'"$T"'/good.pcap", "loop": 0 }')}")
[ "$(jget "$r" 'j["ok"]')" = True ] || fail "create rfull: $r"
wstate() { jget "$(mgmt w '{"command":"show","args":{"name":"wfull"}}')" "j['result']['bridges'][0]$1"; }
wait_for 10 eval '[ "$(wstate "[\"host\"][\"write\"][\"state\"]")" = error ]' || fail "no write error"
wstate '["host"]["write"]'
wstate '["host"]["write"]["error"]' | grep -q "No space left on device" || fail "error message"
[ "$(wstate '["state"]["host_state"]')" = error ] || fail "host_state of wfull"
tcpdump -nn -r "$T/full/out.pcap" >/dev/null 2>"$T/err"; cat "$T/err"
grep -vq '^reading from file' "$T/err" && fail "tcpdump warned about the full file"
mgmt r '{"command":"delete","args":{"name":"rfull"}}' >/dev/null

log "the healthy pair kept flowing"
pk() { jget "$(mgmt w '{"command":"stats","args":{"name":"wok"}}')" 'j["result"]["bridges"][0]["counters"]["to_host"]["packets"]'; }
a=$(pk); sleep 0.5; b=$(pk)
echo "wok packets $a -> $b"
[ "$b" -gt "$a" ] || fail "healthy pair stopped"
[ "$(jget "$(mgmt r '{"command":"ping"}')" 'j["ok"]')" = True ] || fail "memifd r"
finish
log "pass"
