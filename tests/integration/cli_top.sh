#!/bin/bash
# memifctl top against a bridge that carries a known rate: a pcap-file
# replay at 50 frames/s of 100-byte frames into a memif peer.  With -j:
# one JSON line a second with about 50 frames/s and 40 kbit/s to memif;
# on a terminal (tmux): the table redrawn every second, Ctrl-C ends it
# with status 0; count N stops by itself; an unknown bridge is refused.
. "$(dirname "$0")/lib.sh"
need_root
command -v tmux >/dev/null || skip "needs tmux"
MEMIFCTL=${MEMIFCTL:-$TOP/build/memifctl}
PEER="$TOP/build/tests/tools/memif_peer"
[ -x "$PEER" ] || skip "memif_peer not built (make tools)"

python3 "$TOP/tests/integration/daemon_pcap.py" gen "$T/in.pcap" 100 --sizes 100 || fail "gen"
write_conf "$T/t.conf" "{ \"name\": \"t0\", \"memif\": { \"socket\": \"$T/t.sock\" },
  \"host\": { \"type\": \"pcap-file\", \"read\": \"$T/in.pcap\", \"pps\": 50, \"loop\": 0 } }"
start_memifd t "$T/t.conf"
"$PEER" -r slave -s "$T/t.sock" -m rx -t 60 >"$T/peer.log" 2>&1 &
track $!
wait_for 10 link_up t t0 || fail "link did not come up"
sleep 1

log "memifctl -j top t0 count 3"
start=$SECONDS
"$MEMIFCTL" -s "$T/t.ctl" -j top t0 count 3 >"$T/top.json" || fail "top -j"
cat "$T/top.json"
[ "$(wc -l <"$T/top.json")" = 3 ] || fail "not 3 lines"
[ $((SECONDS - start)) -le 5 ] || fail "3 refreshes took $((SECONDS - start)) s"
python3 - "$T/top.json" <<'EOP' || fail "rates"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
for j in lines:
    assert 0.9 < j["interval"] < 1.5, j["interval"]
    b, = j["bridges"]
    assert b["name"] == "t0"
    m = b["to_memif"]
    assert 35 <= m["pps"] <= 65, m
    assert 28000 <= m["bps"] <= 52000, m       # 100-byte frames: 40 kbit/s
    assert m["drops_ps"] == 0 and set(m["drops"]) == {
        "ring_full", "host_full", "oversize", "peer_down", "bad_desc"}, m
    assert b["to_host"]["pps"] == 0
EOP

log "an unknown bridge"
"$MEMIFCTL" -s "$T/t.ctl" top nosuch count 1 2>"$T/err"
rc=$?
[ $rc = 1 ] && grep -q "no bridge named nosuch" "$T/err" || fail "nosuch: rc $rc $(cat "$T/err")"

log "memifctl top in a terminal"
export TERM=${TERM:-xterm}
tmx() { tmux -S "$T/tmux.sock" "$@"; }
trap 'tmx kill-server 2>/dev/null; cleanup' EXIT
tmx new-session -d -s top -x 120 -y 30 \
	"$MEMIFCTL -s $T/t.ctl top; echo \$? >$T/top.rc; sleep 30"
screen() { tmx capture-pane -p -t top; }
wait_for 5 eval 'screen | grep -q "^BRIDGE  *DIR  *PKT/S  *BIT/S  *DROP/S"' ||
	{ screen; fail "no table header"; }
wait_for 5 eval 'screen | grep -qE "^t0 +to memif +(3[5-9]|[45][0-9]|6[0-5]) +[0-9.]+k +0 +0"' ||
	{ screen; fail "no rate line for t0 to memif"; }
screen
first=$(screen | head -n 1)
sleep 1.5
[ "$(screen | head -n 1)" != "$first" ] || fail "the screen was not refreshed"
[ "$(screen | grep -c '^BRIDGE')" = 1 ] || fail "the table was not redrawn in place"
tmx send-keys -t top C-c
wait_for 5 test -s "$T/top.rc" || fail "top did not end on Ctrl-C"
[ "$(cat "$T/top.rc")" = 0 ] || fail "top exited $(cat "$T/top.rc")"
finish
log "pass"
