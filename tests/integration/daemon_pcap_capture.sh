#!/bin/bash
# capture of a running TAP bridge (two memifd instances, each TAP in its own
# namespace): a capture taken while pinging holds the ICMP echo requests
# and replies (read back with tcpdump -r), every ping is answered; a
# filtered, one-direction capture with a count stops by itself; show reports
# the active capture; errors: a second start, an existing file, a bad
# filter, a relative path, stop without a capture.
. "$(dirname "$0")/lib.sh"
need_root
command -v tcpdump >/dev/null || skip "needs tcpdump"

na=$(ns_add a)
nb=$(ns_add b)
br() { # NAME ROLE NS
	echo "{ \"name\": \"$1\", \"memif\": { \"role\": \"$2\", \"socket\": \"$T/c.sock\" },
	  \"host\": { \"name\": \"mdc$TAG\", \"netns\": \"$3\" } }"
}
write_conf "$T/a.conf" "$(br c0 master "$na")"
write_conf "$T/b.conf" "$(br c0 slave "$nb")"
start_memifd a "$T/a.conf"
start_memifd b "$T/b.conf"
ip -n "$na" addr add 10.81.0.1/24 dev "mdc$TAG"
ip -n "$nb" addr add 10.81.0.2/24 dev "mdc$TAG"
wait_for 10 link_up a c0 || fail "link did not come up"
ping_ok "$na" 10.81.0.2 56 2 || fail "ping before the capture"

ok() { [ "$(jget "$1" 'j["ok"]')" = True ]; }
cap() { mgmt a "{\"command\":\"capture\",\"args\":$1}"; }

log "capture both directions while pinging"
r=$(cap "{\"action\":\"start\",\"name\":\"c0\",\"file\":\"$T/all.pcap\"}")
ok "$r" || fail "capture start: $r"
r=$(mgmt a '{"command":"show","args":{"name":"c0"}}')
[ "$(jget "$r" 'j["result"]["bridges"][0]["capture"]["state"]')" = recording ] || fail "show: $r"
ping_ok "$na" 10.81.0.2 100 10 || fail "ping during the capture"
r=$(cap '{"action":"stop","name":"c0"}')
ok "$r" || fail "capture stop: $r"
echo "$r"
tcpdump -nn -r "$T/all.pcap" icmp 2>"$T/err" >"$T/all.txt"
cat "$T/err"
grep -vq '^reading from file' "$T/err" && fail "tcpdump warned"
req=$(grep -c 'ICMP echo request' "$T/all.txt")
rep=$(grep -c 'ICMP echo reply' "$T/all.txt")
echo "requests $req replies $rep"
[ "$req" = 10 ] && [ "$rep" = 10 ] || fail "expected 10 requests and 10 replies"
r=$(mgmt a '{"command":"show","args":{"name":"c0"}}')
[ "$(jget "$r" 'j["result"]["bridges"][0]["capture"]')" = None ] || fail "capture still shown"

log "filtered, rx only, count 3: stops by itself"
r=$(cap "{\"action\":\"start\",\"name\":\"c0\",\"file\":\"$T/rx.pcap\",\"filter\":\"icmp\",\"direction\":\"rx\",\"count\":3}")
ok "$r" || fail "capture start: $r"
log "errors while it runs"
r=$(cap "{\"action\":\"start\",\"name\":\"c0\",\"file\":\"$T/x.pcap\"}")
[ "$(jget "$r" 'j["error"]["code"]')" = EBUSY ] || fail "second start: $r"
ping_ok "$na" 10.81.0.2 56 5 || fail "ping during the second capture"
r=$(mgmt a '{"command":"show","args":{"name":"c0"}}')
[ "$(jget "$r" 'j["result"]["bridges"][0]["capture"]["state"]')" = done ] || fail "not done: $r"
n=$(tcpdump -nn -r "$T/rx.pcap" 2>/dev/null | grep -c 'ICMP echo reply')
[ "$n" = 3 ] || fail "rx capture holds $n replies, not 3"
cap '{"action":"stop","name":"c0"}' >/dev/null
r=$(cap "{\"action\":\"start\",\"name\":\"c0\",\"file\":\"$T/rx.pcap\"}")
[ "$(jget "$r" 'j["error"]["code"]')" = EEXIST ] || fail "existing file: $r"
r=$(cap "{\"action\":\"start\",\"name\":\"c0\",\"file\":\"$T/y.pcap\",\"filter\":\"icmp and\"}")
[ "$(jget "$r" 'j["error"]["code"]')" = EINVAL ] || fail "bad filter: $r"
r=$(cap '{"action":"start","name":"c0","file":"rel.pcap"}')
[ "$(jget "$r" 'j["error"]["code"]')" = EINVAL ] || fail "relative path: $r"
r=$(cap '{"action":"stop","name":"c0"}')
[ "$(jget "$r" 'j["error"]["code"]')" = ENOENT ] || fail "stop without capture: $r"
r=$(cap '{"action":"start","name":"nosuch","file":"/tmp/z"}')
[ "$(jget "$r" 'j["error"]["code"]')" = ENOENT ] || fail "no bridge: $r"
r=$(cap "{\"action\":\"start\",\"name\":\"c0\",\"file\":\"$T/z.pcap\",\"direction\":\"up\"}")
[ "$(jget "$r" 'j["error"]["code"]')" = EINVAL ] || fail "bad direction: $r"

log "memifctl capture start/stop"
MEMIFCTL=${MEMIFCTL:-$TOP/build/memifctl}
"$MEMIFCTL" -s "$T/a.ctl" capture start c0 "$T/cli.pcap" filter icmp || fail "memifctl capture start"
ping_ok "$na" 10.81.0.2 56 2 || fail "ping"
"$MEMIFCTL" -s "$T/a.ctl" capture stop c0 || fail "memifctl capture stop"
[ "$(tcpdump -nn -r "$T/cli.pcap" 2>/dev/null | grep -c ICMP)" = 4 ] || fail "memifctl capture content"
ping_ok "$na" 10.81.0.2 1472 3 || fail "ping after the captures"
finish
log "pass"
