#!/bin/bash
# memif -> pcap-live goes out in batches (sendmmsg): a pcap-file replay in
# one memifd, through memif (512-byte buffers: frames of 1025 and 1514
# bytes are chains), into a pcap-live bridge of a second memifd on a veth.
# What the far end of the veth receives is the file, frame by frame and in
# order, less its frames too big for the veth's MTU (counted oversize
# where they stood); tcpdump on memifd's own end sees the frames leave too
# (the sends keep the qdisc and the device's taps); the counters agree
# with the kernel's.
. "$(dirname "$0")/lib.sh"
need_root
command -v tcpdump >/dev/null || skip "needs tcpdump"
PCAP_PY="$TOP/tests/integration/daemon_pcap.py"
N=6000

ns=$(ns_add a)
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip -n "$ns" link add "mbv$TAG" type veth peer name "mbw$TAG" || fail veth
ip -n "$ns" link set "mbv$TAG" up
ip -n "$ns" link set "mbw$TAG" up
python3 "$PCAP_PY" gen "$T/in.pcap" $N --sizes 60,1514,3000,128,1025,700 || fail gen
big=$((N / 6)) # the 3000-byte frames

dump() { # NAME IFACE [ARGS]: tcpdump into $T/NAME.pcap, started
	ip netns exec "$ns" tcpdump -i "$2" -nn -U -B 32768 "${@:3}" -w "$T/$1.pcap" 2>"$T/$1.err" &
	track $!
	eval "DUMP_$1=$!"
	wait_for 5 grep -q listening "$T/$1.err" || fail "tcpdump on $2 did not start"
}
dump far "mbw$TAG" -Q in
dump near "mbv$TAG" -Q out

pair() { # NAME ROLE HOST_JSON
	echo "{ \"name\": \"$1\", \"memif\": { \"role\": \"$2\", \"socket\": \"$T/b.sock\", \"id\": 0, \"buffer_size\": 512 }, \"host\": $3 }"
}
write_conf "$T/l.conf" "$(pair live slave '{ "type": "pcap-live", "name": "'"mbv$TAG"'", "netns": "'"$ns"'", "filter": "ether proto 0x88b6" }')"
write_conf "$T/r.conf" "$(pair replay master '{ "type": "pcap-file", "read": "'"$T"'/in.pcap", "mtu": 9000 }')"
start_memifd l "$T/l.conf"
start_memifd r "$T/r.conf"

# ctr KEY: a to_host counter of the live bridge (KEY packets, or a drop reason)
ctr() { jget "$(mgmt l '{"command":"stats","args":{"name":"live"}}')" \
	"(lambda c: c.get('$1', c['drops'].get('$1')))(j['result']['bridges'][0]['counters']['to_host'])"; }
wait_for 20 eval '[ $(( $(ctr packets) + $(ctr oversize) )) -ge $N ]' ||
	{ mgmt l '{"command":"stats"}'; fail "the frames did not all come out of memif"; }
sleep 0.5 # the last frames through the veth and into tcpdump
kill -INT "$DUMP_far" "$DUMP_near"; wait "$DUMP_far" "$DUMP_near" 2>/dev/null
c=$(mgmt l '{"command":"stats","args":{"name":"live"}}')
echo "$c"
[ "$(ctr packets)" = $((N - big)) ] && [ "$(ctr oversize)" = $big ] ||
	fail "to_host: $(ctr packets) packets, $(ctr oversize) oversize (want $((N - big)), $big)"
[ "$(jget "$c" "(lambda c: c['errors'] + c['drops']['host_full'] + c['drops']['ring_full'])(j['result']['bridges'][0]['counters']['to_host'])")" = 0 ] ||
	fail "to_host lost frames"
kern=$(ip netns exec "$ns" cat "/sys/class/net/mbw$TAG/statistics/rx_packets")
[ "$kern" = $((N - big)) ] || fail "the far end received $kern frames"
python3 "$PCAP_PY" cmp "$T/in.pcap" "$T/far.pcap" --max 1514 || fail "the far end did not receive the file"
python3 "$PCAP_PY" cmp "$T/in.pcap" "$T/near.pcap" --max 1514 || fail "tcpdump on memifd's end missed frames"
finish
log "pass"
