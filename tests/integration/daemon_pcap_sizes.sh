#!/bin/bash
# pcap-file bridges carry every frame the memif link can carry: a file of
# mixed sizes from 60 to 9000 bytes and one of 65535, replayed by one
# bridge into a second one that records (one memifd, master and slave of
# one socket, every default: no mtu, 2048-byte buffers, so most frames are
# chains), is recorded frame by frame, in order, and show's counts are
# exact on both sides.  With an explicit mtu the frames above it are
# dropped and said to be: show, memifctl (text and -j) and the log say
# "200 sent, 1 dropped (oversize)".  Frames captured shorter than they were
# (snap length) are sent as captured and counted as truncated.
. "$(dirname "$0")/lib.sh"
need_root
PCAP_PY="$TOP/tests/integration/daemon_pcap.py"
MEMIFCTL=${MEMIFCTL:-$TOP/build/memifctl}
[ -x "$MEMIFCTL" ] || skip "$MEMIFCTL not built"

sizes=$(python3 -c 'print(",".join(map(str, [60, 1514, 3000, 9000, 128, 1500, 2049, 4000, 7000, 8999] * 20 + [65535])))')
python3 "$PCAP_PY" gen "$T/mix.pcap" 201 --sizes "$sizes" || fail gen
python3 "$PCAP_PY" gen "$T/snap.pcap" 100 --sizes 60,3000,1000,9000 --snap 1000 || fail gen
br() { # NAME ROLE ID HOST_JSON
	echo "{ \"name\": \"$1\", \"memif\": { \"role\": \"$2\", \"socket\": \"$T/m.sock\", \"id\": $3 }, \"host\": $4 }"
}
write_conf "$T/a.conf" "$(br rmix master 0 '{ "type": "pcap-file", "read": "'"$T"'/mix.pcap" }'),
	$(br wmix slave 0 '{ "type": "pcap-file", "write": "'"$T"'/mix.out" }')"
start_memifd a "$T/a.conf"

show() { mgmt a "{\"command\":\"show\",\"args\":{\"name\":\"$1\"}}"; }
# field BRIDGE PYEXPR-under-the-bridge
field() { jget "$(show "$1")" "j['result']['bridges'][0]$2"; }
recorded() { [ "$(field "$1" "['counters']['to_host']['packets']")" = "$2" ]; }
drops() { # BRIDGE DIR: the sum of the drops and errors of one direction
	jget "$(show "$1")" "(lambda c: sum(c['drops'].values()) + c['errors'])(j['result']['bridges'][0]['counters']['$2'])"
}

log "defaults: every frame, 60 to 65535 bytes, recorded as it was"
wait_for 10 eval '[ "$(field rmix "[\"host\"][\"read\"][\"state\"]")" = finished ]' ||
	{ show rmix; fail "replay did not finish"; }
wait_for 5 recorded wmix 201 || { show rmix; show wmix; fail "not every frame was recorded"; }
[ "$(field rmix "['host']['mtu']")" = None ] || fail "pcap-file mtu by default: $(show rmix)"
[ "$(field rmix "['host']['read']['sent']")" = 201 ] || fail "sent: $(show rmix)"
[ "$(field rmix "['host']['read']['drops']['oversize']")" = 0 ] || fail "replay drops: $(show rmix)"
[ "$(field rmix "['host']['read']['truncated']")" = 0 ] || fail "truncated: $(show rmix)"
[ "$(field rmix "['counters']['to_memif']['packets']")" = 201 ] || fail "to_memif: $(show rmix)"
[ "$(drops rmix to_memif)" = 0 ] || fail "to_memif drops: $(show rmix)"
[ "$(drops wmix to_host)" = 0 ] || fail "to_host drops: $(show wmix)"
[ "$(field wmix "['host']['write']['packets']")" = 201 ] || fail "written: $(show wmix)"
grep -q "replay of $T/mix.pcap finished: 201 sent, 0 dropped" "$T/a.log" || fail "log: $(grep replay "$T/a.log")"
mgmt a '{"command":"delete","args":{"name":"wmix"}}' >/dev/null
python3 "$PCAP_PY" cmp "$T/mix.pcap" "$T/mix.out" || fail "recording differs"

log "mtu 9000: the 65535-byte frame is dropped, and said to be"
mk() { # NAME ROLE ID HOST_JSON
	local r
	r=$(mgmt a "{\"command\":\"create\",\"args\":$(br "$@")}")
	[ "$(jget "$r" 'j["ok"]')" = True ] || fail "create $1: $r"
}
mk wmtu slave 1 '{ "type": "pcap-file", "write": "'"$T"'/mtu.out" }'
mk rmtu master 1 '{ "type": "pcap-file", "read": "'"$T"'/mix.pcap", "mtu": 9000 }'
wait_for 10 eval '[ "$(field rmtu "[\"host\"][\"read\"][\"state\"]")" = finished ]' ||
	{ show rmtu; fail "mtu replay did not finish"; }
wait_for 5 recorded wmtu 200 || { show rmtu; show wmtu; fail "not every frame of mtu 9000 was recorded"; }
[ "$(field rmtu "['host']['read']['sent']")" = 200 ] || fail "mtu sent: $(show rmtu)"
[ "$(field rmtu "['host']['read']['drops']['oversize']")" = 1 ] || fail "mtu drops: $(show rmtu)"
[ "$(field rmtu "['counters']['to_memif']['drops']['oversize']")" = 1 ] || fail "mtu counter: $(show rmtu)"
[ "$(field rmtu "['counters']['to_memif']['packets']")" = 200 ] || fail "mtu to_memif: $(show rmtu)"
out=$("$MEMIFCTL" -s "$T/a.ctl" show rmtu) || fail "memifctl show"
echo "$out" | grep -q "replay: *finished, 200 sent, 1 dropped (oversize), 1 passes done" ||
	fail "memifctl show: $out"
echo "$out" | grep -q "host: *pcap-file, state up, mtu 9000" || fail "memifctl host line: $out"
j=$("$MEMIFCTL" -s "$T/a.ctl" -j show rmtu) || fail "memifctl -j show"
[ "$(jget "$j" 'j["bridges"][0]["host"]["read"]["drops"]["oversize"]')" = 1 ] || fail "memifctl -j: $j"
grep -q "replay of $T/mix.pcap finished: 200 sent, 1 dropped (oversize)" "$T/a.log" ||
	fail "log: $(grep replay "$T/a.log")"
mgmt a '{"command":"delete","args":{"name":"wmtu"}}' >/dev/null
python3 - "$T/mix.pcap" "$T/mtu.out" "$PCAP_PY" <<'EOF' || fail "mtu recording differs"
import importlib.util, sys
spec = importlib.util.spec_from_file_location("p", sys.argv[3]); p = importlib.util.module_from_spec(spec)
spec.loader.exec_module(p)
a = [f for f in p.read(sys.argv[1])[2] if f[2] <= 9018]
b = p.read(sys.argv[2])[2]
assert [(f[1], f[2]) for f in a] == [(f[1], f[2]) for f in b], "frames differ"
print("%d frames equal" % len(b))
EOF

log "frames captured shorter than they were: sent as captured, counted"
mk wsnap slave 2 '{ "type": "pcap-file", "write": "'"$T"'/snap.out" }'
mk rsnap master 2 '{ "type": "pcap-file", "read": "'"$T"'/snap.pcap" }'
wait_for 10 eval '[ "$(field rsnap "[\"host\"][\"read\"][\"state\"]")" = finished ]' ||
	{ show rsnap; fail "snap replay did not finish"; }
wait_for 5 recorded wsnap 100 || { show rsnap; show wsnap; fail "not every truncated frame was recorded"; }
[ "$(field rsnap "['host']['read']['sent']")" = 100 ] || fail "snap sent: $(show rsnap)"
[ "$(field rsnap "['host']['read']['truncated']")" = 50 ] || fail "snap truncated: $(show rsnap)"
[ "$(field rsnap "['counters']['to_memif']['bytes']")" = $((25 * (60 + 1000 + 1000 + 1000))) ] ||
	fail "snap bytes: $(show rsnap)"
"$MEMIFCTL" -s "$T/a.ctl" show rsnap | grep -q "100 sent (50 truncated), 0 dropped" ||
	fail "memifctl show: $("$MEMIFCTL" -s "$T/a.ctl" show rsnap)"
mgmt a '{"command":"delete","args":{"name":"wsnap"}}' >/dev/null
python3 "$PCAP_PY" cmp "$T/snap.pcap" "$T/snap.out" --captured || fail "snap recording differs"
finish
log "pass"
