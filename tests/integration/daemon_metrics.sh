#!/bin/bash
# The metrics endpoint against the real tools: promtool check metrics
# accepts the text format; a Prometheus server started here scrapes memifd
# (OpenMetrics, as Prometheus asks for it) and its HTTP API gives the same
# frame counter as memifctl -j stats.  Counters stay monotonic across
# "stats reset".  Malformed, oversized and non-GET requests get an error
# status and change nothing; idle clients are dropped after 5 s, a client
# over the limit gets 503, and the bridges forward meanwhile.  A reload
# moves the endpoint (IPv4, IPv6, unix socket) and turns it off.
. "$(dirname "$0")/lib.sh"
need_root
command -v promtool >/dev/null || skip "needs promtool (Debian package prometheus)"
command -v prometheus >/dev/null || skip "needs prometheus"
MEMIFCTL=${MEMIFCTL:-$TOP/build/memifctl}
HTTP_PY="$TOP/tests/integration/daemon_http.py"
http() { python3 "$HTTP_PY" "$@"; }

na=$(ns_add a)
nb=$(ns_add b)
# no IPv6 chatter (router solicitations, MLD): the counters move only
# when the test sends
for ns in "$na" "$nb"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1
done
PORT=$(http free_port)
M="127.0.0.1:$PORT"
br() { # NAME ROLE NS
	echo "{ \"name\": \"$1\", \"memif\": { \"role\": \"$2\", \"socket\": \"$T/m.sock\" },
	  \"host\": { \"name\": \"mdm$TAG\", \"netns\": \"$3\" } }"
}
write_conf "$T/a.conf" "$(br m0 master "$na")" "\"metrics\": { \"listen\": \"$M\" }"
write_conf "$T/b.conf" "$(br m0 slave "$nb")"
start_memifd a "$T/a.conf"
start_memifd b "$T/b.conf"
ip -n "$na" addr add 10.82.0.1/24 dev "mdm$TAG"
ip -n "$nb" addr add 10.82.0.2/24 dev "mdm$TAG"
# nor ARP: the neighbours are permanent, or a re-validation of one (some
# seconds after the last use) moves the counters under the checks
mac() { ip netns exec "$1" cat "/sys/class/net/mdm$TAG/address"; }
ip -n "$na" neigh replace 10.82.0.2 lladdr "$(mac "$nb")" dev "mdm$TAG" nud permanent
ip -n "$nb" neigh replace 10.82.0.1 lladdr "$(mac "$na")" dev "mdm$TAG" nud permanent
wait_for 10 link_up a m0 || fail "link did not come up"
ping_ok "$na" 10.82.0.2 56 10 || fail "ping"

stats() { # PYEXPR on counters of m0
	jget "$("$MEMIFCTL" -s "$T/a.ctl" -j stats m0)" "j['bridges'][0]['counters']$1"
}
LBL="bridge=\"m0\",role=\"master\",socket=\"$T/m.sock\",id=\"0\",host=\"tap:mdm$TAG\""
metric() { # NAME{EXTRA LABELS}: its value in a fresh scrape
	http get "$M" /metrics | grep -F "$1" | awk '{print $2}'
}

log "promtool check metrics"
http get "$M" /metrics >"$T/metrics.txt" || fail "GET /metrics"
promtool check metrics <"$T/metrics.txt" || { cat "$T/metrics.txt"; fail "promtool check metrics"; }
grep -q '^memifd_build_info{version="[0-9.]*",libmemif="3.1",protocol="2.0"} 1$' "$T/metrics.txt" ||
	fail "memifd_build_info"
for m in "memifd_packets_total{$LBL,direction=\"to_host\"}" \
	"memifd_bytes_total{$LBL,direction=\"to_memif\"}" \
	"memifd_errors_total{$LBL,direction=\"to_host\"}" \
	"memifd_drops_total{$LBL,direction=\"to_host\",reason=\"ring_full\"}" \
	"memifd_drops_total{$LBL,direction=\"to_memif\",reason=\"peer_down\"}" \
	"memifd_link_ups_total{$LBL} 1" "memifd_link_downs_total{$LBL} 0" \
	"memifd_host_losses_total{$LBL} 0" "memifd_link_up{$LBL} 1" \
	"memifd_rx_queues{$LBL} 1" "memifd_tx_queues{$LBL} 1" \
	"memifd_rx_polling_queues{$LBL}"; do
	grep -qF "$m" "$T/metrics.txt" || { cat "$T/metrics.txt"; fail "missing: $m"; }
done
pk=$(grep -F "memifd_packets_total{$LBL,direction=\"to_host\"}" "$T/metrics.txt" | awk '{print $2}')
[ "$pk" -ge 10 ] || fail "to_host packets $pk < 10"
log "OpenMetrics on request"
http head "$M" /metrics 'application/openmetrics-text;version=1.0.0,text/plain;q=0.5' |
	grep -i '^Content-Type: application/openmetrics-text; version=1.0.0' >/dev/null || fail "no OpenMetrics"
om=$(http get "$M" /metrics 'application/openmetrics-text;version=1.0.0')
[ "$(tail -n 1 <<<"$om")" = "# EOF" ] || fail "OpenMetrics without # EOF"
grep -qx '# TYPE memifd_packets counter' <<<"$om" || fail "OpenMetrics counter family"
grep -qx '# TYPE memifd_build info' <<<"$om" || fail "OpenMetrics info family"
http head "$M" /metrics | grep -i '^Content-Type: text/plain; version=0.0.4' >/dev/null || fail "text format by default"

log "a Prometheus server scrapes memifd"
PPORT=$(http free_port)
cat >"$T/prom.yml" <<EOY
global: { scrape_interval: 1s, scrape_timeout: 1s }
scrape_configs:
  - job_name: memifd
    static_configs: [ { targets: [ "$M" ] } ]
EOY
prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/prom" \
	--web.listen-address="127.0.0.1:$PPORT" >"$T/prom.log" 2>&1 &
track $!
wait_for 20 http get "127.0.0.1:$PPORT" /-/ready || { tail "$T/prom.log"; fail "prometheus not ready"; }
ping_ok "$na" 10.82.0.2 56 7 || fail "ping"
q="memifd_packets_total{bridge=\"m0\",direction=\"to_host\"}"
# equal once a scrape after the last frame (ARP replies come late) is in
same() {
	want=$(stats "['to_host']['packets']")
	got=$(http prom "127.0.0.1:$PPORT" "$q")
	[ "$got" = "$want" ]
}
wait_for 20 same || { tail "$T/prom.log"; fail "Prometheus sees $got frames to the host, memifctl $want"; }
same
echo "memifctl -j stats: $want frames to host; Prometheus: $got"
up=$(http prom "127.0.0.1:$PPORT" 'up{job="memifd"}')
[ "$up" = 1 ] || fail "target not up: $up"
r=$(http prom "127.0.0.1:$PPORT" "memifd_link_up{bridge=\"m0\",role=\"master\"}")
[ "$r" = 1 ] || fail "link_up through Prometheus: $r"

log "stats reset: memifctl starts again from 0, the metrics keep counting"
before=$(metric "memifd_packets_total{$LBL,direction=\"to_host\"}")
"$MEMIFCTL" -s "$T/a.ctl" stats m0 reset >/dev/null || fail "stats reset"
[ "$(stats "['to_host']['packets']")" = 0 ] || fail "stats not reset"
after=$(metric "memifd_packets_total{$LBL,direction=\"to_host\"}")
[ "$after" = "$before" ] || fail "reset moved the metric: $before -> $after"
ping_ok "$na" 10.82.0.2 56 3 || fail "ping"
s=$(stats "['to_host']['packets']")
after=$(metric "memifd_packets_total{$LBL,direction=\"to_host\"}")
[ "$after" = $((before + s)) ] || fail "metric $after, not $before + $s"
echo "metric $before -> $after, stats 0 -> $s"

log "malformed, oversized and other requests: an error each, nothing changes"
snap() { http get "$M" /metrics | grep -v '^#'; }
snap >"$T/snap1"
stats "" >"$T/stats1"
pad=$(head -c 9000 /dev/zero | tr '\0' a)
while IFS='|' read -r want req; do
	got=$(http raw "$M" "$req")
	[ "$got" = "$want" ] || fail "request ${req:0:60}: status $got, not $want"
	echo "$want <- ${req:0:50}"
done <<EOR
400|GARBAGE\r\n\r\n
400|\x00\x01\x02\xff\r\n\r\n
400|GET /metrics HTTP/1.1\r\n\r\n
400|GET metrics HTTP/1.1\r\nHost: x\r\n\r\n
400|GET /metrics HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n
400|GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello
400|GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n
505|GET /metrics HTTP/2.0\r\nHost: x\r\n\r\n
405|POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n
405|DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n
404|GET /admin HTTP/1.1\r\nHost: x\r\n\r\n
431|GET /metrics HTTP/1.1\r\nHost: x\r\nX-Pad: $pad\r\n\r\n
431|GET /$pad HTTP/1.1\r\nHost: x\r\n\r\n
200|GET /metrics?x=1 HTTP/1.0\r\n\r\n
EOR
snap >"$T/snap2"
stats "" >"$T/stats2"
diff "$T/snap1" "$T/snap2" || fail "the metrics changed"
cmp -s "$T/stats1" "$T/stats2" || fail "the counters changed"

log "idle clients: over the limit 503, dropped after 5 s, the bridge forwards"
http hold "$M" 8 9 >"$T/hold" &
HOLD=$!
sleep 0.5
[ "$(http raw "$M" 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n')" = 503 ] || fail "9th client not refused"
ping_ok "$na" 10.82.0.2 56 5 || fail "ping while clients hang"
wait "$HOLD"
[ "$(cat "$T/hold")" = 8 ] || fail "$(cat "$T/hold") of 8 idle clients dropped"
http get "$M" /metrics >/dev/null || fail "GET after the idle clients"

log "reload: IPv6, unix socket, off, invalid"
P6=$(http free_port)
reload_to() { # LISTEN-JSON
	write_conf "$T/a.conf" "$(br m0 master "$na")" "\"metrics\": $1"
	"$MEMIFCTL" -s "$T/a.ctl" -j reload
}
r=$(reload_to "{ \"listen\": \"[::1]:$P6\" }") || fail "reload: $r"
[ "$(jget "$r" 'j["metrics"]["listen"]')" = "[::1]:$P6" ] || fail "reload result: $r"
[ "$(jget "$r" 'j["unchanged"]')" = "['m0']" ] || fail "the bridge changed: $r"
http get "[::1]:$P6" /metrics | grep -F "memifd_link_up{$LBL} 1" >/dev/null || fail "IPv6 endpoint"
! http get "$M" /metrics >/dev/null 2>&1 || fail "old endpoint still open"
r=$(reload_to "{ \"listen\": \"$T/metrics.sock\" }") || fail "reload: $r"
http get "$T/metrics.sock" /metrics | grep -F "memifd_link_up{$LBL} 1" >/dev/null || fail "unix endpoint"
r=$(reload_to "{ \"listen\": \"localhost:80\" }" 2>&1)
[ $? = 1 ] && grep -q "metrics.listen: must be" <<<"$r" || fail "an invalid listen was not refused: $r"
echo "$r"
http get "$T/metrics.sock" /metrics >/dev/null || fail "the endpoint went with a rejected reload"
write_conf "$T/a.conf" "$(br m0 master "$na")"
r=$("$MEMIFCTL" -s "$T/a.ctl" reload) || fail "reload: $r"
echo "$r"
grep -q "^metrics: *off" <<<"$r" || fail "reload text: $r"
r=$(reload_to "{ \"listen\": \"$T/metrics.sock\" }") || fail "reload: $r"
r=$(reload_to null) || fail "reload: $r"
[ "$(jget "$r" 'j["metrics"]["listen"]')" = None ] || fail "reload result: $r"
[ ! -e "$T/metrics.sock" ] || fail "unix socket left behind"
ping_ok "$na" 10.82.0.2 1472 3 || fail "ping at the end"
finish
log "pass"
