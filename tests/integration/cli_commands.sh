#!/bin/bash
# memifctl against a real memifd: every command in text and in JSON (-j),
# abbreviations, monitor events, --complete and the bash completion script.
. "$(dirname "$0")/cli_lib.sh"
cli_need
command -v jq >/dev/null || skip "needs jq"
cli_start

run version; expect_rc 0
expect_out '^memifctl +[0-9]+\.[0-9]+'; expect_out '^memifd +[0-9]'; expect_out '^protocol +2\.0$'
run -j version; expect_rc 0
[ "$(jq -r .libmemif <<<"$OUT")" = 3.1 ] || fail "version -j: $OUT"
note "version (text, JSON)"

run ping; expect_rc 0; expect_out '^memifd is alive'
run -j ping; expect_rc 0
[ "$(jq -r .pong <<<"$OUT")" = true ] || fail "ping -j: $OUT"
[ "$(wc -l <<<"$OUT")" = 1 ] || fail "-j off a terminal must be one line: $OUT"
note "ping (text, JSON on one line)"

run show; expect_rc 0
expect_out '^NAME +ROLE +SOCKET:ID +LINK +HOST +RX-PKTS +TX-PKTS$'
expect_out "^vpp0 +master +$T/memif.sock:0 +down +tap:mctl0 +0 +0$"
run -j show; expect_rc 0
[ "$(jq -r '.bridges[0].memif.role' <<<"$OUT")" = master ] || fail "show -j: $OUT"
note "show (table, JSON)"

run show vpp0; expect_rc 0
expect_out "^vpp0: master, socket $T/memif.sock id 0, origin config$"
expect_out '^  link: +down since [0-9T:Z-]+ \([0-9]+s ago\)'
expect_out '^  queues: +rx 1, tx 1$'
expect_out '^  rings: +ring size 1024, buffer size 2048$'
expect_out '^  host: +tap mctl0, mtu 1500'
expect_out '^    to host +0 +0 +0'
run -j show vpp0; expect_rc 0
[ "$(jq -r '.bridges | length' <<<"$OUT")" = 1 ] || fail "show vpp0 -j: $OUT"
note "show NAME (details, JSON)"

# A slave joined to vpp0 over the same socket: both links come up.
run create vpp1 role slave socket "$T/memif.sock" id 0 tap mctl1 mtu 9000 up yes
expect_rc 0; expect_out '^created bridge vpp1$'; expect_out '^vpp1: slave'
expect_out 'mtu 9000'
run -j create vpp2 ro sl so "$T/memif.sock" id 7 tap mctl2 rx_q 2
expect_rc 0
[ "$(jq -r '.bridge.origin' <<<"$OUT")" = runtime ] || fail "create -j: $OUT"
[ "$(jq -r '.bridge.memif.rx_queues' <<<"$OUT")" = 2 ] || fail "create -j queues: $OUT"
note "create with full and abbreviated keywords (text, JSON)"

for _ in $(seq 50); do
    run sh vpp1; grep -q 'link: *up' <<<"$OUT" && break; sleep 0.1
done
expect_out '^  link: +up since'; expect_out '^  peer: +memifd'
note "show NAME reports link up and the peer name"

run stats; expect_rc 0; expect_out '^vpp0:$'; expect_out '^vpp1:$'
expect_out '^ +packets +bytes +errors'; expect_out '^  link ups [0-9]+, downs'
run -j stats vpp1; expect_rc 0
[ "$(jq -r '.bridges[0].name' <<<"$OUT")" = vpp1 ] || fail "stats -j: $OUT"
run stats vpp1 reset; expect_rc 0; expect_out '^counters reset$'
run -j st vpp1 res; expect_rc 0
[ "$(jq -r '.bridges[0].counters.to_host.packets' <<<"$OUT")" = 0 ] || fail "stats reset: $OUT"
note "stats, stats NAME, stats NAME reset (text, JSON, abbreviated)"

# monitor: events of a create and a delete, then SIGINT ends it with 0.
"$MEMIFCTL" -j monitor >"$T/events.json" 2>"$T/monitor.err" &
mon=$!
"$MEMIFCTL" monitor >"$T/events.txt" 2>&1 &
mon2=$!
sleep 0.3
run create vpp3 role slave socket "$T/memif.sock" id 3 tap mctl3; expect_rc 0
run delete vpp3; expect_rc 0; expect_out '^deleted bridge vpp3$'
sleep 0.3
kill -INT $mon $mon2
wait $mon; rc=$?
[ $rc = 0 ] || fail "monitor -j ended with $rc after SIGINT: $(cat "$T/monitor.err")"
wait $mon2; rc=$?
[ $rc = 0 ] || fail "monitor ended with $rc after SIGINT"
jq -se 'any(.[]; .event == "bridge" and .name == "vpp3" and .action == "created")' \
    "$T/events.json" >/dev/null || fail "no created event: $(cat "$T/events.json")"
jq -se 'any(.[]; .event == "bridge" and .name == "vpp3" and .action == "deleted")' \
    "$T/events.json" >/dev/null || fail "no deleted event: $(cat "$T/events.json")"
grep -qE '^[0-9T:Z-]+ vpp3 bridge created' "$T/events.txt" || fail "text events: $(cat "$T/events.txt")"
note "monitor prints events as text and JSON lines; SIGINT exits 0"

run delete vpp2; expect_rc 0
run show; expect_out '^vpp1 '
grep -q '^vpp2 ' <<<"$OUT" && fail "vpp2 still shown after delete"
note "delete"

run reload; expect_rc 0; expect_out '^unchanged: vpp0$'
run -j reload; expect_rc 0
[ "$(jq -c .unchanged <<<"$OUT")" = '["vpp0"]' ] || fail "reload -j: $OUT"
note "reload (text, JSON)"

run capture start vpp0 "$T/c.pcap" filter icmp direction both count 5; expect_rc 0
expect_out '^capture started on vpp0'
expect_out "^  capture: +$T/c.pcap, direction both, filter \"icmp\", count 5$"
run show vpp0; expect_rc 0
expect_out "^  capture: +$T/c.pcap, direction both, filter \"icmp\", count 5$"
expect_out '^  captured: +recording, [0-9]+ frames, [0-9]+ bytes$'
run capture stop vpp0; expect_rc 0; expect_out '^capture stopped on vpp0$'
run show vpp0; grep -q '^  capture:' <<<"$OUT" && fail "capture still shown after stop"
note "capture start/stop; show NAME lists the active capture"

run create rec0 socket "$T/rec.sock" pcap-file write "$T/rec.pcap" max_packets 100
expect_rc 0; expect_out '^  host: +pcap-file, state up$'
expect_out "^  write: +$T/rec.pcap, max packets 100, max bytes no limit, keep files 0$"
expect_out '^  record: +writing, 0 frames, 0 bytes, 1 file$'
run show; expect_rc 0
expect_out "^rec0 +master +$T/rec.sock:0 +down +pcap-file:rec.pcap +0 +0$"
expect_out "^vpp0 +master +$T/memif.sock:0 +up +tap:mctl0 +[0-9]+ +[0-9]+$"
run delete rec0; expect_rc 0
note "a pcap-file bridge in show NAME and in the table"

run help; expect_rc 0; expect_out '^  create NAME KEYWORD VALUE'
run help cre; expect_rc 0; expect_out '^  ring_size N +slots per ring.*\[1024\]'
note "help, help COMMAND"

run --complete -- show ''; expect_rc 0; expect_out '^vpp0$'; expect_out '^vpp1$'
run --complete -- cr x ro s; expect_out '^slave$'; expect_out '^server$'
. "$CLI_ROOT/cli/memifctl.bash-completion"
COMP_WORDS=("$MEMIFCTL" st vp); COMP_CWORD=2; _memifctl
[ "${COMPREPLY[*]}" = "vpp0 vpp1" ] || fail "bash completion of bridge names: ${COMPREPLY[*]}"
COMP_WORDS=("$MEMIFCTL" -s "$MEMIFCTL_SOCKET" de); COMP_CWORD=3; _memifctl
[ "${COMPREPLY[*]}" = "delete" ] || fail "bash completion of a command: ${COMPREPLY[*]}"
note "--complete and the bash completion script complete commands, values, live bridges"
