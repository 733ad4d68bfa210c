#!/bin/bash
# libcore <-> DPDK net_memif (dpdk-testpmd), an independent implementation,
# in both roles and both directions; frames counted on each side must equal
# what the other sent.  A DPDK client with a small bsize chains frames,
# which exercises our chained receive path.  Needs root.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/testpmd.inc
tp_need
PEER=${PEER:-build/tests/tools/memif_peer}
[ -x "$PEER" ] || { echo "$PEER not built"; exit 77; }
trap tp_cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
kv() { sed -n "s/.*\b$1=\([0-9]*\).*/\1/p" <<<"$2"; }
N=20000
SOCK=$TP_DIR/m.sock

echo "== our slave receives from a DPDK server (txonly), exact count"
rm -f "$SOCK"
tp_start_interactive srv "net_memif0,role=server,socket=$SOCK,socket-abstract=no,id=0" --forward-mode=txonly
tp_wait_ready srv || exit 1
$PEER -r slave -s "$SOCK" -m rx -n 100000000 -t 8 >"$TP_DIR/p1.out" &
ppid=$!
tp_wait_connected srv || exit 1
tp_cmd srv "start"; sleep 1; tp_cmd srv "stop"; sleep 1
sent=$(tp_fwd_stat srv TX-packets)
kill -INT $ppid; wait $ppid
out=$(cat "$TP_DIR/p1.out"); echo "dpdk sent $sent; ours: $out"
[ "$sent" -gt 1000 ] || fail "DPDK sent only $sent"
[ "$(kv rx_packets "$out")" = "$sent" ] || fail "received $(kv rx_packets "$out") of $sent"
[ "$(kv bad_desc "$out")" = 0 ] || fail "bad descriptors"
tp_stop srv

echo "== our slave sends to a DPDK server (rxonly)"
rm -f "$SOCK"
tp_start srv2 "net_memif0,role=server,socket=$SOCK,socket-abstract=no,id=0" --forward-mode=rxonly
tp_wait_ready srv2 || exit 1
out=$($PEER -r slave -s "$SOCK" -m tx -n $N -l 128 -t 8 -w 2.5)
got=$(tp_port_stat_max srv2 RX-packets)
echo "ours: $out; dpdk received $got"
[ "$(kv tx_packets "$out")" = $N ] || fail "sent $(kv tx_packets "$out") of $N"
[ "$got" = $N ] || fail "DPDK received $got of $N"
tp_stop srv2

echo "== our master receives from a DPDK client (txonly), exact count"
rm -f "$SOCK"
$PEER -r master -s "$SOCK" -i 3 -m rx -n 100000000 -t 30 >"$TP_DIR/p3.out" &
ppid=$!
sleep 0.3
tp_start_interactive cli "net_memif0,role=client,socket=$SOCK,socket-abstract=no,id=3" --forward-mode=txonly
tp_wait_ready cli || exit 1
tp_wait_connected cli || exit 1
tp_cmd cli "start"; sleep 1; tp_cmd cli "stop"; sleep 1
sent=$(tp_fwd_stat cli TX-packets)
kill -INT $ppid; wait $ppid
out=$(cat "$TP_DIR/p3.out"); echo "dpdk sent $sent; ours: $out"
[ "$sent" -gt 1000 ] || fail "DPDK sent only $sent"
[ "$(kv rx_packets "$out")" = "$sent" ] || fail "received $(kv rx_packets "$out") of $sent"
tp_stop cli

echo "== our master sends to a DPDK client (rxonly)"
rm -f "$SOCK"
$PEER -r master -s "$SOCK" -i 4 -m tx -n $N -l 1000 -t 30 -w 2.5 >"$TP_DIR/p4.out" &
ppid=$!
sleep 0.3
tp_start cli2 "net_memif0,role=client,socket=$SOCK,socket-abstract=no,id=4" --forward-mode=rxonly
wait $ppid
out=$(cat "$TP_DIR/p4.out")
got=$(tp_port_stat_max cli2 RX-packets)
echo "ours: $out; dpdk received $got"
[ "$(kv tx_packets "$out")" = $N ] || fail "sent $(kv tx_packets "$out") of $N"
[ "$got" = $N ] || fail "DPDK received $got of $N"
tp_stop cli2

echo "== a DPDK client with bsize=512 sends 1500-byte frames: chained receive"
# A bounded burst (io mode, "start tx_first 8": 8 bursts of 32) rather than
# txonly: DPDK 22.11's memif tx writes one slot beyond the free ones when a
# chain does not fit the ring (it clears that slot's NEXT flag), so a
# saturated ring would corrupt frames we have not read yet.
rm -f "$SOCK"
$PEER -r master -s "$SOCK" -i 5 -m rx -l 1500 -n 100000000 -t 30 >"$TP_DIR/p5.out" &
ppid=$!
sleep 0.3
tp_start_interactive cli3 "net_memif0,role=client,socket=$SOCK,socket-abstract=no,id=5,bsize=512" --forward-mode=io --txpkts=1500
tp_wait_ready cli3 || exit 1
tp_wait_connected cli3 || exit 1
tp_cmd cli3 "start tx_first 8"; sleep 1; tp_cmd cli3 "stop"; sleep 1
sent=$(tp_fwd_stat cli3 TX-packets)
kill -INT $ppid; wait $ppid
out=$(cat "$TP_DIR/p5.out"); echo "dpdk sent $sent; ours: $out"
[ "$sent" = 256 ] || fail "DPDK sent $sent, expected 256"
[ "$(kv rx_packets "$out")" = "$sent" ] || fail "received $(kv rx_packets "$out") of $sent"
[ "$(kv rx_bytes "$out")" = $((sent * 1500)) ] || fail "bytes $(kv rx_bytes "$out") != $sent * 1500"
[ "$(kv rx_chained "$out")" = $((sent * 2)) ] || fail "frames were not chained in 3 slots"
[ "$(kv rx_badlen "$out")" = 0 ] || fail "frames of the wrong length"
tp_stop cli3
echo "all interop checks passed"
