#!/bin/bash
# run.sh: alone (a paced sender and VPP's transmit ring: lost frames when other tests load the cores)
# A libmemif 4.x program (memif4_peer, linked with libmemif4) against a
# real VPP (../shared/vpp): VPP cross-connects two of its memif interfaces
# (l2 xconnect both ways), one program sends, another receives through
# VPP; every frame arrives, in both directions and with VPP in both roles
# (VPP master on a file socket and an abstract one, our slaves; VPP slave,
# our masters).  A slave of ours with 512-byte buffers sends chained
# frames, which VPP reassembles.  The sender is paced (50 k frames/s), the
# receiver sleeps in interrupt mode with 4096-slot rings:
# VPP drops what its transmit ring cannot take, and the three programs
# share the machine's cores.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/vpp.inc"
need_root
need_vpp
PEER4=${PEER4:-$TOP/build/tests/tools/memif4_peer}
[ -x "$PEER4" ] || skip "$PEER4 not built"
kv() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" <<<"$2"; }
N=10000

vpp_start v
# vpp_memif_up IF: VPP says the interface is connected
vpp_memif_up() { vppctl v show memif "$1" | grep -q "flags.*connected"; }
xconnect() {
	vppctl v set interface l2 xconnect "$1" "$2"
	vppctl v set interface l2 xconnect "$2" "$1"
}

# through RXROLE RXSOCK TXSOCK RXIF TXIF LEN [TXOPTS]: our receiver on
# RXSOCK, our sender on TXSOCK, VPP between them
through() {
	local rxrole=$1 rxs=$2 txs=$3 rxif=$4 txif=$5 len=$6 txopts=${7:-} out got
	log "$rxrole: $N x $len from $txs via VPP ($txif -> $rxif) to $rxs ${txopts}"
	"$PEER4" -r "$rxrole" -s "$rxs" -i 0 -m rx -n $N -l "$len" -t 30 -I -R 12 >"$T/rx.out" &
	local rpid=$!
	track $rpid
	wait_for 15 vpp_memif_up "$rxif" || { vppctl v show memif; vpp_logs; fail "$rxif: no link"; }
	# shellcheck disable=SC2086
	out=$("$PEER4" -r "$rxrole" -s "$txs" -i 0 -m tx -n $N -l "$len" -t 30 -w 1 -P 50000 $txopts) ||
		fail "sender failed: $out"
	for _ in $(seq 50); do kill -0 $rpid 2>/dev/null || break; sleep 0.1; done
	kill -INT $rpid 2>/dev/null; wait $rpid
	got=$(cat "$T/rx.out")
	echo "   sender: $out"
	echo "   receiver: $got"
	[ "$(kv tx_packets "$out")" = $N ] || fail "sent $(kv tx_packets "$out") of $N"
	[ "$(kv rx_packets "$got")" = $N ] || {
		vppctl v show interface; vppctl v show errors; fail "received $(kv rx_packets "$got") of $N"; }
	[ "$(kv rx_bytes "$got")" = $((N * len)) ] || fail "bytes: $(kv rx_bytes "$got")"
	[ "$(kv rx_badlen "$got")" = 0 ] || fail "frames of the wrong length"
	[ "$(kv bad_desc "$got")" = 0 ] || fail "bad descriptors"
	wait_for 10 eval '! vpp_memif_up '"$rxif" || fail "$rxif still up after our receiver left"
}

log "VPP masters: socket 1 a file, socket 2 abstract; our slaves"
S1="$T/vpp1.sock" S2="md4v2$TAG"
vppctl v create memif socket id 1 filename "$S1"
vppctl v create memif socket id 2 filename "abstract:$S2"
vppctl v create interface memif id 0 socket-id 1 master
vppctl v create interface memif id 0 socket-id 2 master
vpp_if_up v memif1/0
vpp_if_up v memif2/0
xconnect memif1/0 memif2/0
through slave "@$S2" "$S1" memif2/0 memif1/0 1000
through slave "$S1" "@$S2" memif1/0 memif2/0 1000 "-b 512"

log "VPP slaves on sockets 3 and 4; our masters"
S3="$T/vpp3.sock" S4="md4v4$TAG"
vppctl v create memif socket id 3 filename "$S3"
vppctl v create memif socket id 4 filename "abstract:$S4"
vppctl v create interface memif id 0 socket-id 3 slave ring-size 4096
vppctl v create interface memif id 0 socket-id 4 slave ring-size 4096
vpp_if_up v memif3/0
vpp_if_up v memif4/0
xconnect memif3/0 memif4/0
through master "$S3" "@$S4" memif3/0 memif4/0 1000
through master "@$S4" "$S3" memif4/0 memif3/0 1400 "-E"
finish
echo PASS
