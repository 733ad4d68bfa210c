#!/bin/bash
# capture streamed to memifctl (capture NAME -w FILE|-): two memifd instances
# bridge their TAPs (each in its own namespace) while pinging; memifctl
# receives the frames as a pcap stream through the pipe it passed to memifd
# (SCM_RIGHTS): read live by tcpdump and tshark (-r -), written to a client
# side file, with a filter, a direction and a count; Ctrl-C ends it cleanly
# (exit 0, "N frames captured, M dropped ..."); a reader that never reads
# costs the capture frames (counted) and never the bridge; a reader that
# leaves (tcpdump -c) ends the stream; two streams run at once, beside a
# file capture; show lists a stream (client pid and uid, filter, counts); a
# stream without a descriptor is refused; a reload that rebuilds the bridge
# and deleting it end a stream with its reason and counts (exit 1), the
# pcap stream whole.
. "$(dirname "$0")/lib.sh"
need_root
command -v tcpdump >/dev/null || skip "needs tcpdump"
MEMIFCTL=${MEMIFCTL:-$TOP/build/memifctl}

na=$(ns_add a)
nb=$(ns_add b)
br() { # NAME ROLE NS
	echo "{ \"name\": \"$1\", \"memif\": { \"role\": \"$2\", \"socket\": \"$T/c.sock\" },
	  \"host\": { \"name\": \"mds$TAG\", \"netns\": \"$3\" } }"
}
write_conf "$T/a.conf" "$(br c0 master "$na")"
write_conf "$T/b.conf" "$(br c0 slave "$nb")"
start_memifd a "$T/a.conf"; APID=$MEMIFD_PID
start_memifd b "$T/b.conf"
ip -n "$na" addr add 10.82.0.1/24 dev "mds$TAG"
ip -n "$nb" addr add 10.82.0.2/24 dev "mds$TAG"
wait_for 10 link_up a c0 || fail "link did not come up"
ping_ok "$na" 10.82.0.2 56 2 || fail "ping before the capture"
CTL=("$MEMIFCTL" -s "$T/a.ctl") # not a function: $! must be memifctl
# streams NAME: how many capture streams memifd a logged as started/ended
started() { grep -c "$1: capture stream started" "$T/a.log"; }
ended() { grep -c "$1: capture stream ended" "$T/a.log"; }

log "filter icmp, count 6 into tcpdump -nr -"
"${CTL[@]}" capture c0 -w - filter icmp count 6 2>"$T/e1" | tcpdump -nn -r - >"$T/t1" 2>"$T/t1.err" &
p=$!
wait_for 5 eval 'test "$(started c0)" = 1' || { cat "$T/e1" "$T/a.log"; fail "stream did not start"; }
ping_ok "$na" 10.82.0.2 56 5 || fail "ping during the stream"
wait_for 5 eval '! kill -0 $p' || fail "memifctl did not end at count 6"
wait $p || fail "memifctl|tcpdump: exit $?"
cat "$T/e1" "$T/t1.err"
[ "$(grep -c ICMP "$T/t1")" = 6 ] || { cat "$T/t1"; fail "tcpdump did not read 6 frames"; }
grep -q '^6 frames captured, 0 dropped by the capture (slow reader)$' "$T/e1" || fail "summary: $(cat "$T/e1")"

log "-w FILE on the client's side, filter icmp, direction rx, ended by SIGINT"
"${CTL[@]}" capture c0 -w "$T/rx.pcap" filter icmp direction rx 2>"$T/e2" &
p=$!
wait_for 5 eval 'test "$(started c0)" = 2' || fail "second stream did not start"
ping_ok "$na" 10.82.0.2 100 4 || fail "ping during the stream"
kill -INT $p
wait $p; rc=$?
cat "$T/e2"
[ $rc = 0 ] || fail "memifctl after SIGINT: exit $rc"
grep -q '^4 frames captured, 0 dropped' "$T/e2" || fail "summary: $(cat "$T/e2")"
n=$(tcpdump -nn -r "$T/rx.pcap" 2>/dev/null | grep -c 'ICMP echo reply')
[ "$n" = 4 ] || fail "rx.pcap holds $n replies, not 4"
tcpdump -nn -r "$T/rx.pcap" 2>&1 | grep -q 'echo request' && fail "rx only holds requests"
wait_for 5 eval 'test "$(ended c0)" = 2' || fail "streams not ended in memifd"

if command -v tshark >/dev/null; then
	log "into tshark -r -"
	"${CTL[@]}" capture c0 -w - filter icmp count 4 2>"$T/e3" | tshark -n -r - >"$T/t3" 2>"$T/t3.err" &
	p=$!
	wait_for 5 eval 'test "$(started c0)" = 3' || fail "tshark stream did not start"
	ping_ok "$na" 10.82.0.2 56 2 || fail "ping"
	wait $p || { cat "$T/t3.err"; fail "memifctl|tshark: exit $?"; }
	[ "$(grep -c ICMP "$T/t3")" = 4 ] || { cat "$T/t3" "$T/t3.err"; fail "tshark did not read 4 frames"; }
fi

log "a reader that leaves ends the stream: tcpdump -c 2"
"${CTL[@]}" capture c0 -w - 2>"$T/e4" | tcpdump -c 2 -nn -r - >"$T/t4" 2>/dev/null &
p=$!
wait_for 5 eval 'test "$(started c0)" = 4' || fail "stream did not start"
ping_ok "$na" 10.82.0.2 56 3 || fail "ping"
wait_for 5 eval '! kill -0 $p' || fail "memifctl did not end with its reader"
wait $p || fail "memifctl|tcpdump -c: exit $?"
cat "$T/e4"
grep -q 'frames captured' "$T/e4" || fail "no summary: $(cat "$T/e4")"

log "a reader that never reads: the capture drops, the bridge does not"
mkfifo "$T/slow"
exec 7<>"$T/slow"	# held open, never read
"${CTL[@]}" capture c0 -w "$T/slow" 7<&- 2>"$T/e5" &
p=$!
wait_for 5 eval 'test "$(started c0)" = 5' || fail "slow stream did not start"
before=$(mgmt a '{"command":"stats","args":{"name":"c0"}}')
# 20 MB of large frames: more than the pipe, memifctl's copy and the 4 MiB queue
timeout 60 ip netns exec "$na" ping -q -f -c 15000 -s 1400 -w 50 10.82.0.2 >"$T/flood" 2>&1 || { cat "$T/flood"; fail "flood ping"; }
# what ping lost on a loaded machine may be the kernel's; the bridge's
# drop counters (compared below) say whether memifd lost any
grep 'packet loss' "$T/flood"
kill -INT $p
exec 7>&-	# the reader goes away: memifctl's blocked write fails
wait $p; rc=$?
cat "$T/e5"
[ $rc = 0 ] || fail "slow reader: exit $rc"
d=$(sed -n 's/^[0-9]* frames captured, \([0-9]*\) dropped.*/\1/p' "$T/e5")
[ -n "$d" ] && [ "$d" -gt 0 ] || fail "no frames dropped by the capture: $(cat "$T/e5")"
after=$(mgmt a '{"command":"stats","args":{"name":"c0"}}')
for k in to_host to_memif; do
	b=$(jget "$before" "j['result']['bridges'][0]['counters']['$k']['drops']")
	a=$(jget "$after" "j['result']['bridges'][0]['counters']['$k']['drops']")
	echo "$k drops before $b after $a"
	[ "$b" = "$a" ] || fail "bridge drops changed with a slow capture reader"
done

log "two streams at once, beside a file capture"
mgmt a "{\"command\":\"capture\",\"args\":{\"action\":\"start\",\"name\":\"c0\",\"file\":\"$T/file.pcap\",\"filter\":\"icmp\"}}" | grep -q '"ok":true' || fail "file capture"
"${CTL[@]}" capture c0 -w "$T/s1.pcap" filter icmp count 4 2>/dev/null & p1=$!
"${CTL[@]}" capture c0 -w "$T/s2.pcap" filter icmp count 4 2>/dev/null & p2=$!
wait_for 5 eval 'test "$(started c0)" = 7' || fail "two streams did not start"
ping_ok "$na" 10.82.0.2 56 2 || fail "ping"
wait $p1 || fail "stream 1"
wait $p2 || fail "stream 2"
mgmt a '{"command":"capture","args":{"action":"stop","name":"c0"}}' | grep -q '"packets":4' || fail "file capture count"
for f in s1 s2; do
	[ "$(tcpdump -nn -r "$T/$f.pcap" 2>/dev/null | grep -c ICMP)" = 4 ] || fail "$f.pcap"
done

log "show lists the streams: client pid and uid, filter, direction, frames, drops"
"${CTL[@]}" capture c0 -w "$T/sh.pcap" filter icmp direction rx 2>"$T/e6" &
p=$!
wait_for 5 eval 'test "$(started c0)" = 8' || fail "show's stream did not start"
ping_ok "$na" 10.82.0.2 56 2 || fail "ping"
r=$(mgmt a '{"command":"show","args":{"name":"c0"}}')
st="j['result']['bridges'][0]['streams']"
[ "$(jget "$r" "len($st)")" = 1 ] || fail "show: not one stream: $r"
for kv in "client']['pid=$p" "client']['uid=0" "filter=icmp" "direction=rx" \
	  "packets=2" "dropped=0" "state=recording" "stream=True"; do
	v=$(jget "$r" "$st[0]['${kv%%=*}']")
	[ "$v" = "${kv#*=}" ] || fail "show: stream ${kv%%=*} is $v, not ${kv#*=}: $r"
done
"${CTL[@]}" show c0 >"$T/show.txt" || fail "show c0"
grep -E "^  stream: +to pid $p \(uid 0\), direction rx, filter \"icmp\", count no limit$" "$T/show.txt" &&
	grep -E "^  streamed: +recording, 2 frames, [0-9]+ bytes, 0 dropped \(queue full\)$" "$T/show.txt" ||
	{ cat "$T/show.txt"; fail "show's text lists no stream"; }
kill -INT $p
wait $p || fail "show's stream: exit $?"
r=$(mgmt a '{"command":"show","args":{"name":"c0"}}')
[ "$(jget "$r" "len($st)")" = 0 ] || fail "show: a stream left after its end: $r"

log "errors"
out=$(script -qc "$MEMIFCTL -s $T/a.ctl capture c0 -w -" /dev/null 2>&1); rc=$?
echo "terminal: $rc $out"
[[ $out == *"not writing pcap to a terminal"* ]] || fail "pcap to a terminal: $out"
out=$("${CTL[@]}" capture nosuch -w "$T/x.pcap" 2>&1); rc=$?
echo "$rc $out"
[ $rc = 1 ] && [[ $out == *"no bridge named nosuch"* ]] || fail "no such bridge: $rc $out"
out=$("${CTL[@]}" capture c0 -w "$T/x.pcap" filter 'icmp and' 2>&1); rc=$?
[ $rc = 1 ] && [[ $out == *filter* ]] || fail "bad filter: $rc $out"
r=$(mgmt a '{"command":"capture","args":{"action":"stream","name":"c0"}}')
[ "$(jget "$r" 'j["error"]["code"]')" = EINVAL ] || fail "stream without a descriptor: $r"
r=$(mgmt a '{"command":"capture","args":{"action":"stop","name":"c0","stream":true}}')
[ "$(jget "$r" 'j["error"]["code"]')" = ENOENT ] || fail "stop without a stream: $r"
ping_ok "$na" 10.82.0.2 1472 3 || fail "ping after the streams"
[ "$(ls /proc/$APID/fd | wc -l)" -lt 40 ] || fail "descriptors left open"

# ended_by REASON FILE-STEM: memifctl (pid $p) ended with exit 1, the
# reason and its counts; the pcap stream it wrote is whole
ended_by() {
	local rc
	wait_for 5 eval '! kill -0 $p' || fail "memifctl did not end: $1"
	wait $p; rc=$?
	cat "$T/$2.err"
	[ $rc = 1 ] || fail "$1: exit $rc, not 1"
	grep -q "^memifctl: capture of c0 ended: $1\$" "$T/$2.err" || fail "$1: no end message"
	n=$(sed -n 's/^\([0-9]*\) frames captured, 0 dropped.*/\1/p' "$T/$2.err")
	[ -n "$n" ] || fail "$1: no counts"
	tcpdump -nn -r "$T/$2.pcap" >"$T/$2.txt" 2>"$T/$2.terr" || { cat "$T/$2.terr"; fail "$1: tcpdump cannot read the stream"; }
	grep -qi truncated "$T/$2.terr" && fail "$1: the stream was cut"
	[ "$(wc -l <"$T/$2.txt")" = "$n" ] || fail "$1: $(wc -l <"$T/$2.txt") frames in the file, $n counted"
	echo "$1: $n frames, whole"
}

log "a reload that rebuilds the bridge ends the stream with its last word"
"${CTL[@]}" capture c0 -w - filter icmp 2>"$T/r1.err" >"$T/r1.pcap" &
p=$!
wait_for 5 eval 'test "$(started c0)" = 9' || fail "stream did not start"
ping_ok "$na" 10.82.0.2 56 3 || fail "ping"
write_conf "$T/a.conf" "$(br c0 master "$na" | sed 's/"socket"/"ring_size": 512, "socket"/')"
mgmt a reload | grep -q '"changed":\["c0"\]' || fail "reload did not rebuild c0"
ended_by "bridge rebuilt by reload" r1
grep -q '^3 frames captured\|^6 frames captured' "$T/r1.err" || fail "the frames before the reload: $(cat "$T/r1.err")"

log "deleting the bridge ends the stream with its last word"
"${CTL[@]}" capture c0 -w "$T/r2.pcap" 2>"$T/r2.err" &
p=$!
wait_for 5 eval 'test "$(started c0)" = 10' || fail "stream did not start"
r=$("${CTL[@]}" -j delete c0) || fail "delete c0: $r"
ended_by "bridge deleted" r2
r=$("${CTL[@]}" -j capture c0 -w "$T/r3.pcap" 2>&1); rc=$?
[ $rc = 1 ] && [[ $r == *"no bridge named c0"* ]] || fail "after delete: $rc $r"
[ "$(ls /proc/$APID/fd | wc -l)" -lt 40 ] || fail "descriptors left open"
finish
log "pass"
