#!/bin/bash
# The libmemif 4.x API over the wire, both ends written against the 4.x
# header (tests/tools/memif4_peer, linked with libmemif4): each role sends
# to the other, frames chained across buffers (3000 bytes in 2048-byte
# buffers, 1000 in 256-byte ones), in polling and interrupt mode, on
# abstract and filesystem sockets, with the master's listener bound by the
# program and handed in with memif_set_listener_fd, and with the
# application's own epoll loop (memif_fd_event_t, memif_control_fd_handler).
# Every count is exact, no frame of the wrong length, no bad descriptor.
# A slave echoes with memif_buffer_requeue.
. "$(dirname "$0")/lib.sh"
PEER4=${PEER4:-$TOP/build/tests/tools/memif4_peer}
[ -x "$PEER4" ] || skip "$PEER4 not built"
kv() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" <<<"$2"; }

# run NAME RX_ROLE RX_OPTS -- TX_OPTS: a receiver, then a sender of N frames
# of LEN bytes; the receiver must count exactly N whole frames.
N=3000
run() {
	local name=$1 rxrole=$2 rxopts=$3 txopts=$4 len=$5 sock=$6 txrole out
	[ "$rxrole" = master ] && txrole=slave || txrole=master
	log "$name: $txrole sends $N x $len to $rxrole ($sock)"
	# shellcheck disable=SC2086
	"$PEER4" -r "$rxrole" -s "$sock" -i 3 -m rx -n $N -l "$len" -t 20 $rxopts >"$T/$name.rx" 2>"$T/$name.rx.err" &
	local rpid=$!
	track $rpid
	sleep 0.3
	# shellcheck disable=SC2086
	out=$("$PEER4" -r "$txrole" -s "$sock" -i 3 -m tx -n $N -l "$len" -t 20 -w 1 $txopts 2>&1) ||
		fail "$name: sender: $out"
	wait $rpid || fail "$name: receiver exited $?: $(cat "$T/$name.rx.err")"
	local got; got=$(cat "$T/$name.rx")
	echo "   sender: $out"
	echo "   receiver: $got"
	[ "$(kv tx_packets "$out")" = $N ] || fail "$name: sent $(kv tx_packets "$out") of $N"
	[ "$(kv rx_packets "$got")" = $N ] || fail "$name: received $(kv rx_packets "$got") of $N"
	[ "$(kv rx_bytes "$got")" = $((N * len)) ] || fail "$name: $(kv rx_bytes "$got") bytes"
	[ "$(kv rx_badlen "$got")" = 0 ] || fail "$name: frames of the wrong length"
	[ "$(kv bad_desc "$got")" = 0 ] || fail "$name: bad descriptors"
	[ -s "$T/$name.rx.err" ] && { cat "$T/$name.rx.err"; fail "$name: receiver complained"; }
	return 0
}
A="@md4lb$TAG"
F="$T/lb.sock"
run poll-m2s slave "" "" 3000 "$A"
chained=$(kv rx_chained "$(cat "$T/poll-m2s.rx")")
[ "$chained" = $N ] || fail "3000-byte frames were not chained ($chained)"
run poll-s2m master "" "" 3000 "$A"
run intr-m2s slave "-I" "-I" 1000 "$F"
run intr-s2m master "-I" "-I" 1000 "$F"
run small-bufs master "-I -b 256" "-b 256" 1000 "$A-b"
chained=$(kv rx_chained "$(cat "$T/small-bufs.rx")")
[ "$chained" = $((N * 3)) ] || fail "1000 bytes in 256-byte buffers: $chained chained slots, not $((N * 3))"
run given-listener-file master "-L" "" 1500 "$F"
run given-listener-abstract master "-L -I" "-E" 1500 "$A-l"
run own-loop slave "-E -I" "-E -L" 3000 "$F"
[ -S "$F" ] || fail "the handed-in listener's socket file is gone"

log "echo: a slave sends every frame back with memif_buffer_requeue"
"$PEER4" -r slave -s "$A-e" -m echo -n $N -l 1500 -t 10 -I >"$T/echo.out" 2>&1 &
epid=$!
track $epid
sleep 0.3
out=$("$PEER4" -r master -s "$A-e" -m tx -n 200 -l 1500 -t 10 -w 1)
kill -INT $epid; wait $epid
echo "   master: $out"; echo "   echo slave: $(cat "$T/echo.out")"
[ "$(kv tx_packets "$out")" = 200 ] || fail "master sent $(kv tx_packets "$out")"
[ "$(kv rx_packets "$(cat "$T/echo.out")")" = 200 ] || fail "echo slave received too few"
[ "$(kv tx_packets "$(cat "$T/echo.out")")" = 200 ] || fail "echo slave did not send all back"
[ "$(kv rx_badlen "$(cat "$T/echo.out")")" = 0 ] || fail "echo slave: frames of the wrong length"
echo PASS
