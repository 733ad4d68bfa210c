#!/bin/bash
# 100 (CYCLES) connect / SIGKILL / reconnect cycles of a peer process, in both
# roles: the surviving side's open fds and memory stay flat and it accepts
# the next peer every time.
set -u
cd "$(dirname "$0")/../.."
PEER=build/tests/tools/memif_peer
[ -x $PEER ] || { echo "build/tests/tools/memif_peer not built"; exit 77; }
DIR=$(mktemp -d /tmp/memifd-cycles.XXXXXX)
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$DIR"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
CYCLES=${CYCLES:-100}

fds() { ls /proc/$1/fd | wc -l; }
rss() { awk '/VmRSS/ {print $2}' /proc/$1/status; }
ups() { grep -c "link up" "$1"; }

wait_ups() { # log count
    for _ in $(seq 1 300); do [ "$(ups "$1")" -ge "$2" ] && return 0; sleep 0.01; done
    return 1
}

cycle_test() { # survivor-role peer-role
    local srole=$1 prole=$2 sock="$DIR/$1.sock" log="$DIR/$1.log"
    $PEER -r "$srole" -s "$sock" -m rx -l 200 -n 1000000000 -t 600 -v >"$log" &
    local surv=$!
    sleep 0.2
    local fds0="" rss0=""
    for i in $(seq 1 "$CYCLES"); do
        $PEER -r "$prole" -s "$sock" -m tx -n 100000000 -l 200 -t 60 >/dev/null &
        local p=$!
        wait_ups "$log" "$i" || fail "$srole: cycle $i: peer never connected"
        sleep 0.02
        kill -9 $p; wait $p 2>/dev/null
        if [ "$i" = 20 ]; then fds0=$(fds $surv); rss0=$(rss $surv); fi
    done
    sleep 0.3
    local fds1 rss1; fds1=$(fds $surv); rss1=$(rss $surv)
    echo "$srole survivor: $(ups "$log") links; fds $fds0 -> $fds1; RSS ${rss0}k -> ${rss1}k"
    kill -0 $surv || fail "$srole survivor died"
    kill -INT $surv; wait $surv
    [ "$fds1" -le "$fds0" ] || fail "$srole: fds grew from $fds0 to $fds1"
    [ $((rss1 - rss0)) -lt 1024 ] || fail "$srole: RSS grew from ${rss0}k to ${rss1}k"
}

cycle_test master slave
cycle_test slave master
echo "ok"
