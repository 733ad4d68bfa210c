#!/bin/bash
# A libmemif 4.x program (memif4_peer, libmemif4) against a libmemif 3.1
# program (memif_peer, libmemif.a) over the wire: the 4.x one as master
# and as slave, each direction, chained frames (3000 bytes in 2048-byte
# buffers), polling and interrupt mode, abstract and file sockets.  Exact
# counts both ways, no bad descriptor.
. "$(dirname "$0")/lib.sh"
PEER4=${PEER4:-$TOP/build/tests/tools/memif4_peer}
PEER3=${PEER3:-$TOP/build/tests/tools/memif_peer}
[ -x "$PEER4" ] && [ -x "$PEER3" ] || skip "memif4_peer/memif_peer not built"
kv() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" <<<"$2"; }
N=5000

# run NAME RXPROG RXROLE TXPROG LEN SOCK OPTS
run() {
	local name=$1 rxp=$2 rxrole=$3 txp=$4 len=$5 sock=$6 opts=$7 txrole out got
	[ "$rxrole" = master ] && txrole=slave || txrole=master
	log "$name: $(basename "$txp") $txrole -> $(basename "$rxp") $rxrole, $N x $len $opts"
	# shellcheck disable=SC2086
	"$rxp" -r "$rxrole" -s "$sock" -i 1 -m rx -n $N -l "$len" -t 20 $opts >"$T/$name.rx" &
	local rpid=$!
	track $rpid
	sleep 0.3
	# shellcheck disable=SC2086
	out=$("$txp" -r "$txrole" -s "$sock" -i 1 -m tx -n $N -l "$len" -t 20 -w 1 $opts) ||
		fail "$name: sender failed"
	wait $rpid || fail "$name: receiver exited $?"
	got=$(cat "$T/$name.rx")
	echo "   sender: $out"
	echo "   receiver: $got"
	[ "$(kv tx_packets "$out")" = $N ] || fail "$name: sent $(kv tx_packets "$out")"
	[ "$(kv rx_packets "$got")" = $N ] || fail "$name: received $(kv rx_packets "$got") of $N"
	[ "$(kv rx_bytes "$got")" = $((N * len)) ] || fail "$name: bytes"
	[ "$(kv rx_badlen "$got")" = 0 ] || fail "$name: frames of the wrong length"
	[ "$(kv bad_desc "$got")" = 0 ] || fail "$name: bad descriptors"
	return 0
}
A="@md4x$TAG"
F="$T/x.sock"
run 4m-to-3s "$PEER3" slave "$PEER4" 3000 "$A" ""
run 3s-to-4m "$PEER4" master "$PEER3" 3000 "$A" ""
run 4s-to-3m "$PEER3" master "$PEER4" 3000 "$F" "-I"
run 3m-to-4s "$PEER4" slave "$PEER3" 3000 "$F" "-I"
run 4s-to-3m-q2 "$PEER3" master "$PEER4" 1000 "$A-q" "-q 2"
run 3s-to-4m-q2 "$PEER4" master "$PEER3" 1000 "$A-q" "-q 2 -I"
echo PASS
