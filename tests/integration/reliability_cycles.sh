#!/bin/bash
# 1000 connect/disconnect cycles of a memif peer against memifd: every
# handshake completes, and memifd's open fds and resident memory stay flat.
. "$(dirname "$0")/lib.sh"
need_root
HOSTILE=$TOP/build/tests/tools/hostile_peer
[ -x "$HOSTILE" ] || skip "build/tests/tools/hostile_peer not built"

ns=$(ns_add c)
write_conf "$T/m.conf" '{ "name": "cyc",
  "memif": { "role": "master", "socket": "'"$T"'/memif.sock", "id": 0 },
  "host": { "name": "mcy'"$TAG"'", "netns": "'"$ns"'" } }'
start_memifd m "$T/m.conf"
fds() { ls "/proc/$MEMIFD_PID/fd" | wc -l; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$MEMIFD_PID/status"; }

out=$("$HOSTILE" "$T/memif.sock" 0 cycles:100)
[ "$out" = "cycles: 100" ] || fail "warm-up: $out"
fds0=$(settle fds) rss0=$(rss)
ls -l "/proc/$MEMIFD_PID/fd" | awk '{print $NF}' | sort >"$T/fds0"
out=$("$HOSTILE" "$T/memif.sock" 0 cycles:${CYCLES:-1000})
[ "$out" = "cycles: ${CYCLES:-1000}" ] || fail "cycles: $out"
# the last disconnect may still be on its way through the loop (and an fd
# through the closer thread) on a loaded machine: wait for the count to
# stop moving, then it must be back where it was
fds1=$(settle fds) rss1=$(rss)
echo "memifd: fds $fds0 -> $fds1, RSS ${rss0}k -> ${rss1}k"
if [ "$fds1" -gt "$fds0" ]; then
	ls -l "/proc/$MEMIFD_PID/fd" | awk '{print $NF}' | sort | diff "$T/fds0" - | sed 's/^/  /'
	fail "fds grew from $fds0 to $fds1"
fi
# (valgrind and ASan keep freed memory in quarantine: RSS says nothing
# there; they report leaks themselves)
[[ $MEMIFD == *valgrind* || $MEMIFD == *build-san* ]] || [ $((rss1 - rss0)) -lt 1024 ] ||
	fail "RSS grew from ${rss0}k to ${rss1}k"
r=$(mgmt m '{"command":"stats","args":{"name":"cyc"}}')
ups=$(jget "$r" 'j["result"]["bridges"][0]["counters"]["link_ups"]')
[ "$ups" -ge 1100 ] || fail "only $ups links came up"
finish
log "pass"
