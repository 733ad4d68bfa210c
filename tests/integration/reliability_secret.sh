#!/bin/bash
# A secret is never logged or shown: with log_level debug, peers with the
# right and with wrong secrets (given in the file and through secret_file),
# neither secret nor the wrong one a peer sent appears in memifd's log, in
# show / stats JSON, nor in memifctl's text or JSON output; show says only
# "set".
. "$(dirname "$0")/lib.sh"
need_root
PEER=${PEER:-$TOP/build/tests/tools/memif_peer}
[ -x "$PEER" ] || skip "$PEER not built"
MEMIFCTL=$TOP/build/memifctl

S1="Xq7inline$TAG" S2="Fz9file$TAG" W="Wr0ng$TAG"
printf '%s\n' "$S2" >"$T/secret"
chmod 600 "$T/secret"
ns=$(ns_add s)
write_conf "$T/m.conf" '{ "name": "s1",
  "memif": { "socket": "'"$T"'/m.sock", "id": 0, "secret": "'"$S1"'" },
  "host": { "name": "ms1'"$TAG"'", "netns": "'"$ns"'" } },
{ "name": "s2",
  "memif": { "socket": "'"$T"'/m.sock", "id": 1, "secret_file": "'"$T"'/secret" },
  "host": { "name": "ms2'"$TAG"'", "netns": "'"$ns"'" } }'
start_memifd m "$T/m.conf"

# peer ID SECRET: connects for a moment; prints connected=N
peer() {
	"$PEER" -r slave -s "$T/m.sock" -i "$1" ${2:+-S "$2"} -m rx -n 100000000 -t 2 -w 0 2>&1 |
		grep -o 'connected=[0-9]*'
}
for id in 0 1; do
	s=$S1; [ $id = 1 ] && s=$S2
	[ "$(peer $id "$s")" = connected=1 ] || fail "bridge $id: the right secret refused"
	[ "$(peer $id "$W")" = connected=0 ] || fail "bridge $id: a wrong secret accepted"
	wait_for 3 eval 'mgmt m show | grep -q "\"disconnect_reason\":\"incorrect secret\""' ||
		fail "bridge $id: the refusal is not shown"
	[ "$(peer $id "")" = connected=0 ] || fail "bridge $id: no secret accepted"
	wait_for 3 eval 'mgmt m show | grep -q "\"disconnect_reason\":\"secret required\""' ||
		fail "bridge $id: the refusal is not shown"
done
r=$(mgmt m '{"command":"show","args":{"name":"s1"}}')
reason=$(jget "$r" 'j["result"]["bridges"][0]["state"]["disconnect_reason"]')
echo "s1: last reason: $reason"
[ "$reason" = "secret required" ] || fail "s1: reason $reason"
[ "$(jget "$r" 'j["result"]["bridges"][0]["counters"]["link_ups"]')" = 1 ] || fail "s1 link ups"
[ "$(jget "$r" 'j["result"]["bridges"][0]["memif"]["secret"]')" = set ] || fail "show does not say set"

{
	mgmt m show stats '{"command":"show","args":{"name":"s1"}}' '{"command":"show","args":{"name":"s2"}}'
	for j in "" -j; do
		"$MEMIFCTL" -s "$T/m.ctl" $j show
		"$MEMIFCTL" -s "$T/m.ctl" $j show s1
		"$MEMIFCTL" -s "$T/m.ctl" $j show s2
		"$MEMIFCTL" -s "$T/m.ctl" $j stats
	done
	"$MEMIFD" --check-config -c "$T/m.conf" 2>&1
} >"$T/shown" 2>&1
grep -q '"secret":"set"' "$T/shown" || fail "no secret: set in the output"
finish # the log is complete once memifd stopped
grep "connection refused: \(incorrect secret\|secret required\)" "$T/m.log" ||
	fail "refusals not logged"
for s in "$S1" "$S2" "$W"; do
	! grep -F -n "$s" "$T/m.log" || fail "$s is in memifd's log"
	! grep -F -n "$s" "$T/shown" || fail "$s is in show, stats or memifctl output"
done
echo "$(wc -l <"$T/m.log") log lines (debug) and $(wc -l <"$T/shown") lines of output free of the secrets"
log "pass"
