#!/bin/bash
# memif mode ip with a real VPP: memifd's host side is then a TUN device
# (IP packets, no Ethernet header, no ARP), VPP's interface is `mode ip`.
# Both roles: ping of 56 and 1472 bytes answered, VPP's own ping answered,
# frame counts agree.  A mode mismatch (memifd ethernet, VPP ip, in both
# roles) is refused, and both sides say so: memifctl show's last
# disconnect and VPP's show memif.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vpp.inc"
need_root
need_vpp
MEMIFCTL=$TOP/build/memifctl

ns=$(ns_add i)
vns=$(ns_add v)
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
bridge() { # NAME ROLE SOCKET MODE
	echo '{ "name": "'"$1"'",
  "memif": { "role": "'"$2"'", "socket": "'"$T/$3"'", "id": 0, "mode": "'"$4"'" },
  "host": { "name": "md'"$1$TAG"'", "netns": "'"$ns"'" } }'
}
write_conf "$T/m.conf" "$(bridge im master im.sock ip), $(bridge is slave is.sock ip),
	$(bridge em master em.sock ethernet), $(bridge es slave es.sock ethernet)"
start_memifd m "$T/m.conf"
vpp_start v "$vns"
i=0
for s in im:slave is:master em:slave es:master; do
	i=$((i + 1))
	vppctl v create memif socket id $i filename "$T/${s%:*}.sock"
	vppctl v create interface memif id 0 socket-id $i "${s#*:}" mode ip
	vpp_if_up v "memif$i/0" "10.82.$i.2/24"
	ip -n "$ns" addr add "10.82.$i.1/24" dev "md${s%:*}$TAG"
done

i=0
for b in im is; do
	i=$((i + 1)) ifc=memif$i/0
	wait_for 10 link_up m $b || { cat "$T/m.log"; vpp_logs; fail "$b: no link"; }
	ip -n "$ns" -d link show "md$b$TAG" | grep -q "tun type tun" || fail "$b: the host device is not a TUN"
	[ "$(vpp_memif_field v "$ifc" mode)" = ip ] || fail "$b: VPP's mode"
	ping_all "$ns" "10.82.$i.2" 56 20 || fail "$b: ping 56"
	ping_all "$ns" "10.82.$i.2" 1472 20 || fail "$b: ping 1472"
	out=$(vppctl v ping "10.82.$i.1" repeat 5 interval 0.05)
	grep -q "5 sent, 5 received" <<<"$out" || fail "$b: VPP's ping: $out"
	sleep 0.3
	j=$("$MEMIFCTL" -s "$T/m.ctl" -j show $b)
	[ "$(jget "$j" 'j["bridges"][0]["memif"]["mode"]')" = ip ] || fail "$b: memifd's mode"
	[ "$(jget "$j" 'j["bridges"][0]["counters"]["to_memif"]["packets"]')" = \
		"$(vpp_if_counter v "$ifc" "rx packets")" ] || fail "$b: to_memif differs from VPP's rx"
	[ "$(jget "$j" 'j["bridges"][0]["counters"]["to_host"]["packets"]')" = \
		"$(vpp_if_counter v "$ifc" "tx packets")" ] || fail "$b: to_host differs from VPP's tx"
done

log "mode mismatch: refused, and said so on both sides"
# memifd master (ethernet), VPP slave (ip): memifd refuses
wait_for 10 eval '"$MEMIFCTL" -s "$T/m.ctl" show em | grep -q "last disconnect: mode mismatch"' ||
	{ "$MEMIFCTL" -s "$T/m.ctl" show em; fail "em: the mismatch is not shown"; }
vppctl v show memif memif3/0 | grep -q 'remote-disc-reason "mode mismatch"' ||
	{ vppctl v show memif memif3/0; fail "em: VPP does not show memifd's reason"; }
# VPP master (ip), memifd slave (ethernet): VPP refuses
wait_for 10 eval '"$MEMIFCTL" -s "$T/m.ctl" show es | grep -qi "last disconnect: mode mismatch"' ||
	{ "$MEMIFCTL" -s "$T/m.ctl" show es; vppctl v show memif memif4/0; fail "es: VPP's refusal is not shown"; }
link_up m em && fail "em: link up despite the mismatch"
link_up m es && fail "es: link up despite the mismatch"
finish
vpp_kill v
log "pass"
