#!/bin/bash
# A hostile memif peer against memifd: each attack (malformed messages,
# wrong fds, out-of-bounds regions and rings, bad descriptors, a region
# truncated under us, endless chains, an interrupt storm, a stalled
# handshake, a connection flood) is answered with a DISCONNECT that says
# why, logged, and counted, while another bridge on the same memif socket
# keeps forwarding pings the whole time.
. "$(dirname "$0")/lib.sh"
need_root
need_testpmd
HOSTILE=$TOP/build/tests/tools/hostile_peer
[ -x "$HOSTILE" ] || skip "build/tests/tools/hostile_peer not built"

nsg=$(ns_add g)
nsv=$(ns_add v)
write_conf "$T/m.conf" '{ "name": "good",
  "memif": { "role": "master", "socket": "'"$T"'/memif.sock", "id": 2 },
  "host": { "name": "mhg'"$TAG"'", "netns": "'"$nsg"'" } },
{ "name": "victim",
  "memif": { "role": "master", "socket": "'"$T"'/memif.sock", "id": 1 },
  "host": { "name": "mhv'"$TAG"'", "netns": "'"$nsv"'" } }'
start_memifd m "$T/m.conf"
ip -n "$nsg" addr add 10.78.0.1/24 dev "mhg$TAG"
start_testpmd tp "role=client,socket=$T/memif.sock,socket-abstract=no,id=2" icmpecho
wait_for 10 link_up m good || fail "good bridge did not come up"
ping_ok "$nsg" 10.78.0.2 56 3 || fail "good bridge does not forward"

# attack expected-reason (a substring of the DISCONNECT, or a literal word)
attack() {
	local a=$1 want=$2 out
	out=$("$HOSTILE" "$T/memif.sock" 1 "$a" 2>&1)
	[[ $out == *"$want"* ]] || fail "$a: got '$out', want '$want'"
	kill -0 "$MEMIFD_PID" || fail "memifd died on $a"
	ping_ok "$nsg" 10.78.0.2 56 2 || fail "good bridge stopped forwarding after $a"
	echo "  $a: $out"
}
attack short "malformed message"
attack long "malformed message"
attack unknown "unexpected unknown message"
attack order "unexpected ADD_REGION message"
attack dup-init "unexpected INIT message"
attack missing-fd "region without fd"
attack two-fds "malformed message"
attack file-fd "region fd is not a shared memory file"
attack socket-fd "region fd is not a shared memory file"
attack small-region "region smaller than announced"
attack ring-outside "ring outside its region"
attack big-ring "ring size too large"
attack ring-index "ring index out of range"
attack head-jump "peer moved head beyond the ring"
# valgrind cannot resume a faulting access after the SIGBUS handler maps
# new pages over it (it kills the process): that attack is for real runs.
[[ $MEMIFD == *valgrind* ]] || attack truncate "peer shrank a shared region"
attack bad-desc "connected"
attack endless-chain "connected"
attack irq-storm "connected"
attack flood "connects: 3000"
attack stall "handshake timed out"

r=$(mgmt m '{"command":"show","args":{"name":"victim"}}')
bad=$(jget "$r" 'j["result"]["bridges"][0]["counters"]["to_host"]["drops"]["bad_desc"]')
[ "$bad" -ge 4 ] || fail "bad descriptors not counted: $bad"
reason=$(jget "$r" 'j["result"]["bridges"][0]["counters"]["last_disconnect_reason"]')
echo "victim: bad_desc=$bad last reason: $reason"
[[ $MEMIFD == *valgrind* ]] || grep -q "peer shrank a shared region" "$T/m.log" ||
	fail "the truncation was not logged"
grep -q "ring size too large" "$T/m.log" || fail "the refusal was not logged"
r=$(mgmt m '{"command":"show","args":{"name":"good"}}')
[ "$(jget "$r" 'j["result"]["bridges"][0]["counters"]["link_downs"]')" = 0 ] || fail "good bridge flapped"
finish
log "pass"
