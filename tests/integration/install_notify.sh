#!/bin/bash
# memifd under a service manager: with NOTIFY_SOCKET pointing at a datagram
# socket the test reads (as systemd's Type=notify does), memifd sends
# READY=1 once its bridges exist, a STATUS= line with the bridge and link
# counts (which follows the link coming up), RELOADING=1 then READY=1 around
# a SIGHUP and around the "reload" command, and STOPPING=1 on SIGTERM.
. "$(dirname "$0")/lib.sh"
need_root
command -v python3 >/dev/null || skip "needs python3"

ns=$(ns_add n)
br() { # NAME ROLE
	printf '{ "name": "%s", "memif": { "role": "%s", "socket": "%s", "id": 0 }, ' "$1" "$2" "$T/m.sock"
	printf '"host": { "name": "md%s%s", "netns": "%s" } }' "$1" "$TAG" "$ns"
}
write_conf "$T/a.conf" "$(br n0 master), $(br n1 slave)"

python3 "$TOP/tests/integration/install_notify.py" "$T/notify.sock" "$T/notify.out" &
track $!
wait_for 5 test -S "$T/notify.sock" || fail "notify listener did not start"
: >"$T/notify.out"

# seen N LINE: the notification log has at least N lines equal to LINE.
seen() { [ "$(grep -cx -- "$2" "$T/notify.out")" -ge "$1" ]; }
show() { echo "-- notifications:"; cat "$T/notify.out"; }

export NOTIFY_SOCKET="$T/notify.sock"
start_memifd a "$T/a.conf"
unset NOTIFY_SOCKET

log "start: READY=1 and STATUS"
wait_for 5 seen 1 READY=1 || { show; fail "no READY=1"; }
wait_for 5 grep -q '^STATUS=2 bridges, ' "$T/notify.out" || { show; fail "no STATUS line"; }
# master and slave of one socket and id: the link comes up on both bridges
wait_for 10 seen 1 'STATUS=2 bridges, 2 links up' || { show; fail "STATUS never said 2 links up"; }
[ "$(grep -c -x 'STATUS=2 bridges, 2 links up' "$T/notify.out")" = 1 ] ||
	{ show; fail "STATUS repeated without a change"; }

log "SIGHUP: RELOADING=1 then READY=1"
n=$(grep -c . "$T/notify.out")
write_conf "$T/a.conf" "$(br n0 master)"
kill -HUP "$MEMIFD_PID"
wait_for 5 seen 2 READY=1 || { show; fail "no READY=1 after SIGHUP"; }
tail -n +$((n + 1)) "$T/notify.out" >"$T/after-hup"
[ "$(grep -m1 -x 'RELOADING=1\|READY=1' "$T/after-hup")" = RELOADING=1 ] ||
	{ show; fail "READY=1 without RELOADING=1 before it"; }
wait_for 5 seen 1 'STATUS=1 bridges, 0 links up' || { show; fail "STATUS after the reload"; }

log "reload command: RELOADING=1 then READY=1"
r=$(mgmt a reload)
[[ $r == *'"ok":true'* ]] || fail "reload: $r"
wait_for 5 seen 3 READY=1 || { show; fail "no READY=1 after the reload command"; }
seen 2 RELOADING=1 || { show; fail "no RELOADING=1 for the reload command"; }

log "SIGTERM: STOPPING=1"
stop_pid "$MEMIFD_PID" || fail "memifd exited $?"
wait_for 5 seen 1 STOPPING=1 || { show; fail "no STOPPING=1"; }
! sed '1,/^STOPPING=1$/d' "$T/notify.out" | grep -v '^STATUS=' ||
	{ show; fail "READY or RELOADING after STOPPING=1"; }
! grep -v '^\(READY=1\|RELOADING=1\|STOPPING=1\|STATUS=.*\)$' "$T/notify.out" ||
	fail "unexpected notification"
! grep -q "Sanitizer\|runtime error:" "$T/a.log" || { cat "$T/a.log"; fail "sanitizer report"; }
show
echo "PASS"
