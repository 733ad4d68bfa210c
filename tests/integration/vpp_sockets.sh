#!/bin/bash
# Abstract sockets and sockets inside network namespaces with a real VPP.
# VPP runs in namespace V: its abstract:NAME sockets live there, and
# abstract:NAME,netns_name=N ones in namespace N.  memifd (in the root
# namespace) reaches them with @NAME and memif.netns.  Both roles for each
# kind; a ping through every link.  Then what the README's troubleshooting
# says: a memifd slave that looks for VPP's abstract socket in the wrong
# namespace (memif.netns missing) never links and says why.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vpp.inc"
need_root
need_vpp
MEMIFCTL=$TOP/build/memifctl

ns=$(ns_add a)  # the TAPs
vns=$(ns_add v) # VPP
nns=$(ns_add n) # the namespace VPP names with netns_name=
bridge() { # NAME ROLE SOCKET MEMIF_NETNS
	echo '{ "name": "'"$1"'",
  "memif": { "role": "'"$2"'", "socket": "'"$3"'", "id": 0'${4:+, \"netns\": \"$4\"}' },
  "host": { "name": "md'"$1$TAG"'", "netns": "'"$ns"'" } }'
}
# v*: in VPP's namespace, n*: in the netns_name= one; *m: memifd master
write_conf "$T/m.conf" "$(bridge vm master "@mdvm$TAG" "$vns"), $(bridge vs slave "@mdvs$TAG" "$vns"),
	$(bridge nm master "@mdnm$TAG" "$nns"), $(bridge ns slave "@mdns$TAG" "$nns"),
	$(bridge lost slave "@mdvs$TAG")"
start_memifd m "$T/m.conf"
vpp_start v "$vns"
i=0
for s in "vm:slave:" "vs:master:" "nm:slave:,netns_name=$nns" "ns:master:,netns_name=$nns"; do
	IFS=: read -r b role extra <<<"$s"
	i=$((i + 1))
	out=$(vppctl v create memif socket id $i filename "abstract:md$b$TAG$extra")
	[ -z "$out" ] || fail "VPP: create memif socket abstract:md$b$TAG$extra: $out"
	vppctl v create interface memif id 0 socket-id $i "$role"
	vpp_if_up v "memif$i/0" "10.84.$i.2/24"
	ip -n "$ns" addr add "10.84.$i.1/24" dev "md$b$TAG"
done
vppctl v show memif | grep -q "abstract:mdvm$TAG" || { vppctl v show memif; fail "VPP lists no abstract socket"; }

i=0
for b in vm vs nm ns; do
	i=$((i + 1))
	wait_for 10 link_up m $b || { "$MEMIFCTL" -s "$T/m.ctl" show $b; vpp_logs; fail "$b: no link"; }
	ping_all "$ns" "10.84.$i.2" 56 10 || fail "$b: ping"
done
log "the sockets are abstract, in the namespaces named"
ip netns exec "$vns" ss -xl | grep -q "@mdvm$TAG" || fail "memifd's @mdvm is not in VPP's namespace"
ip netns exec "$vns" ss -xl | grep -q "@mdvs$TAG" || fail "VPP's abstract:mdvs is not in its namespace"
ip netns exec "$nns" ss -xl | grep -q "@mdns$TAG" || fail "VPP's netns_name= socket is not in $nns"
ip netns exec "$nns" ss -xl | grep -q "@mdnm$TAG" || fail "memifd's @mdnm is not in $nns"
ss -xl | grep -q "@md[vn][ms]$TAG" && fail "an abstract socket in the root namespace"

log "troubleshooting: the abstract socket looked for in the wrong namespace"
sleep 2 # a few connection attempts
link_up m lost && fail "lost: linked across namespaces"
t=$("$MEMIFCTL" -s "$T/m.ctl" show lost)
grep -q "last disconnect: *cannot connect: connection refused (is the master listening?)" <<<"$t" ||
	fail "lost: $t"
finish
vpp_kill v
log "pass"
