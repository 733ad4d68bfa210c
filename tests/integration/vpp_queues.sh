#!/bin/bash
# Several queues with a real VPP: VPP slave with rx-queues 2 tx-queues 2
# and with 4 and 4 (memifd master serving as many), VPP master of a
# memifd slave with 2 and 2.  memifd's TAP is then multi-queue, one queue
# per memif queue pair, so the kernel spreads the flows over memif's tx
# queues; VPP spreads its replies over its tx queues by flow hash once
# every queue is given to its thread (`set interface tx-queue`).  40 flows
# (pings from 24 source addresses): every queue carries frames in both
# directions, on both sides (VPP's per-ring counters, memifd's per-queue
# counters), and the per-queue counts add up to the totals.  Then a VPP
# slave with 2 queues against a memifd master configured for 1: memifd
# serves one and says so.  memifd runs 2 workers: the queues of each
# bridge are spread over both.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vpp.inc"
need_root
need_vpp
MEMIFCTL=$TOP/build/memifctl
FLOWS=40

ns=$(ns_add q)
vns=$(ns_add v)
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
bridge() { # NAME ROLE QUEUES
	echo '{ "name": "'"$1"'",
  "memif": { "role": "'"$2"'", "socket": "'"$T/$1.sock"'", "id": 0,
             "rx_queues": '"$3"', "tx_queues": '"$3"' },
  "host": { "name": "md'"$1$TAG"'", "netns": "'"$ns"'" } }'
}
write_conf "$T/m.conf" "$(bridge q2 master 2), $(bridge q4 master 4), $(bridge s2 slave 2),
	$(bridge one master 1)" '"workers": 2'
start_memifd m "$T/m.conf"
vpp_start v "$vns"
i=0
for s in q2:slave:2 q4:slave:4 s2:master:2 one:slave:2; do
	IFS=: read -r b role n <<<"$s"
	i=$((i + 1))
	vppctl v create memif socket id $i filename "$T/$b.sock"
	vppctl v create interface memif id 0 socket-id $i "$role" rx-queues "$n" tx-queues "$n"
	vpp_if_up v "memif$i/0" "10.86.$i.2/24"
	ip -n "$ns" addr add "10.86.$i.1/24" dev "md$b$TAG"
	for f in $(seq 1 $FLOWS); do
		ip -n "$ns" addr add "10.86.$i.$((10 + f))/24" dev "md$b$TAG"
	done
done

# vpp_tx_queues IF N: VPP's only thread sends on all N queues (VPP has
# the queues only once linked; with one thread it would use queue 0 only)
vpp_tx_queues() {
	local q out
	for q in $(seq 1 $(($2 - 1))); do
		out=$(vppctl v set interface tx-queue "$1" queue "$q" threads 0)
		[ -z "$out" ] || fail "VPP: set interface tx-queue $1 queue $q: $out"
	done
}
# flows I IF TAP: one ping flow from each source address; VPP is told the
# neighbours first (it would drop the first reply to each while it asks
# for the address, and it throttles its requests: some go unasked)
flows() {
	local f mac out
	mac=$(ip -n "$ns" -j link show "$3" | jq -r '.[0].address')
	for f in $(seq 1 $FLOWS); do
		vppctl v set ip neighbor "$2" "10.86.$1.$((10 + f))" "$mac"
	done
	for f in $(seq 1 $FLOWS); do
		out=$(ip netns exec "$ns" ping -n -q -c 5 -i 0.01 -w 10 -I "10.86.$1.$((10 + f))" "10.86.$1.2")
		grep -q " 5 received" <<<"$out" || fail "flow $f through $3: $out"
	done
}
sum() { local t=0 v; for v in "$@"; do t=$((t + v)); done; echo $t; }

i=0
for s in q2:2 q4:4 s2:2; do
	b=${s%:*} n=${s#*:}
	i=$((i + 1)) ifc=memif$i/0
	wait_for 10 link_up m "$b" || { cat "$T/m.log"; vpp_logs; fail "$b: no link"; }
	log "$b: $n queues, $FLOWS flows"
	vpp_tx_queues "$ifc" "$n"
	flows $i "$ifc" "md$b$TAG"
	sleep 0.3
	j=$("$MEMIFCTL" -s "$T/m.ctl" -j show "$b")
	st='j["bridges"][0]["state"]'
	[ "$(jget "$j" 'j["bridges"][0]["host"]["queues"]')" = "$n" ] || fail "$b: TAP queues: $j"
	[ "$(jget "$j" "$st[\"rx_queues\"]")" = "$n" ] && [ "$(jget "$j" "$st[\"tx_queues\"]")" = "$n" ] ||
		fail "$b: memifd's link does not have $n queues: $j"
	[ "$(vpp_memif_field v "$ifc" num-s2m-rings)" = "$n" ] || fail "$b: VPP's s2m rings"
	[ "$(vpp_memif_field v "$ifc" num-m2s-rings)" = "$n" ] || fail "$b: VPP's m2s rings"
	w=$(jget "$j" "sorted(set($st[\"rx_queue_workers\"] + $st[\"tx_queue_workers\"]))")
	[ "$w" = "[1, 2]" ] || fail "$b: the queues are not on both workers: $w"
	rxq=($(jget "$j" "' '.join(map(str, $st[\"rx_queue_packets\"]))"))
	txq=($(jget "$j" "' '.join(map(str, $st[\"tx_queue_packets\"]))"))
	echo "$b: memifd per queue: rx ${rxq[*]}, tx ${txq[*]}"
	[ ${#rxq[@]} = "$n" ] && [ ${#txq[@]} = "$n" ] || fail "$b: memifd serves ${#rxq[@]} rx, ${#txq[@]} tx queues"
	[ "$(sum "${rxq[@]}")" = "$(jget "$j" 'j["bridges"][0]["counters"]["to_host"]["packets"]')" ] ||
		fail "$b: rx queues do not add up to to_host"
	[ "$(sum "${txq[@]}")" = "$(jget "$j" 'j["bridges"][0]["counters"]["to_memif"]["packets"]')" ] ||
		fail "$b: tx queues do not add up to to_memif"
	for q in $(seq 0 $((n - 1))); do
		vs=$(vpp_ring_packets v "$ifc" sent "$q") vr=$(vpp_ring_packets v "$ifc" received "$q")
		echo "$b: queue $q: VPP sent $vs, received $vr"
		[ "${rxq[q]}" -gt 0 ] || fail "$b: memifd received nothing on queue $q"
		[ "${txq[q]}" -gt 0 ] || fail "$b: memifd sent nothing on queue $q"
		[ "${vs:-0}" -gt 0 ] || fail "$b: VPP sent nothing on queue $q"
		[ "${vr:-0}" -gt 0 ] || fail "$b: VPP received nothing on queue $q"
	done
	"$MEMIFCTL" -s "$T/m.ctl" show "$b" | grep -q "^  queue packets: *rx ${rxq[*]}, tx ${txq[*]}$" ||
		fail "$b: memifctl show has no per-queue line"
done

log "one: VPP brings 2 queues, memifd serves the 1 it is configured for"
wait_for 10 link_up m one || fail "one: no link"
t=$("$MEMIFCTL" -s "$T/m.ctl" show one)
grep -q "^  queues: *rx 2, tx 2, serving rx 1, tx 1" <<<"$t" || fail "one: $t"
grep -q "one: the peer brought 2 rx, 2 tx queues; memifd serves 1 rx, 1 tx" "$T/m.log" ||
	fail "one: not logged"
ping_all "$ns" 10.86.4.2 56 5 || fail "one: ping"
finish
vpp_kill v
log "pass"
