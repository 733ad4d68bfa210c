#!/bin/bash
# Jumbo frames with a real VPP: a 9000-byte MTU on both sides, memifd
# master (VPP slave) and memifd slave (VPP master), 2048-byte buffers, so
# every 9014-byte frame is a chain of five buffers in both directions.
# `ping -s 8972 -M do` from the TAP is answered, VPP's own ping of 8972
# bytes too; counts and byte counts agree on both sides.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vpp.inc"
need_root
need_vpp
MEMIFCTL=$TOP/build/memifctl

ns=$(ns_add j)
vns=$(ns_add v)
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
write_conf "$T/m.conf" '{ "name": "jm",
  "memif": { "role": "master", "socket": "'"$T"'/jm.sock", "id": 0, "buffer_size": 2048 },
  "host": { "name": "mdjm'"$TAG"'", "netns": "'"$ns"'", "mtu": 9000 } },
{ "name": "js",
  "memif": { "role": "slave", "socket": "'"$T"'/js.sock", "id": 0, "buffer_size": 2048 },
  "host": { "name": "mdjs'"$TAG"'", "netns": "'"$ns"'", "mtu": 9000 } }'
start_memifd m "$T/m.conf"
vpp_start v "$vns"
vppctl v create memif socket id 1 filename "$T/jm.sock"
vppctl v create interface memif id 0 socket-id 1 slave buffer-size 2048
vppctl v create memif socket id 2 filename "$T/js.sock"
vppctl v create interface memif id 0 socket-id 2 master
for i in 1 2; do
	vppctl v set interface mtu 9000 "memif$i/0"
	vpp_if_up v "memif$i/0" "10.81.$i.2/24"
done
ip -n "$ns" addr add 10.81.1.1/24 dev "mdjm$TAG"
ip -n "$ns" addr add 10.81.2.1/24 dev "mdjs$TAG"

for b in jm js; do
	i=1 ifc=memif1/0; [ $b = js ] && i=2 ifc=memif2/0
	wait_for 10 link_up m $b || { cat "$T/m.log"; vpp_logs; fail "$b: no link"; }
	log "$b: ping -s 8972 -M do, both ways"
	ping_all "$ns" "10.81.$i.2" 8972 50 || fail "$b: jumbo ping from the TAP"
	out=$(vppctl v ping "10.81.$i.1" size 8972 repeat 5 interval 0.05)
	grep -q "5 sent, 5 received" <<<"$out" || fail "$b: VPP's jumbo ping: $out"
	ping_all "$ns" "10.81.$i.2" 8973 1 >/dev/null && fail "$b: 8973 bytes went through with DF set"
	sleep 0.5
	j=$("$MEMIFCTL" -s "$T/m.ctl" -j show $b)
	c='j["bridges"][0]["counters"]'
	for d in to_memif:rx to_host:tx; do
		mine=$(jget "$j" "$c[\"${d%:*}\"][\"bytes\"]")
		vpp=$(vpp_if_counter v "$ifc" "${d#*:} bytes")
		[ "$mine" = "$vpp" ] || fail "$b: ${d%:*} bytes $mine, VPP ${d#*:} bytes $vpp"
	done
	[ "$(jget "$j" "$c[\"to_host\"][\"drops\"][\"oversize\"]")" = 0 ] || fail "$b: oversize drops"
	# 55 jumbo frames each way, each a chain of 5 buffers
	[ "$(jget "$j" "$c[\"to_host\"][\"bytes\"]")" -ge $((55 * 9014)) ] || fail "$b: too few bytes: $j"
done
finish
vpp_kill v
log "pass"
