#!/bin/bash
# The memif socket file: a master whose socket directory is missing is a
# clear error (at start, on create, on reload), never a crash, and leaves
# no TAP behind; a slave only warns.  socket_owner, socket_group and
# socket_mode are applied to a master's socket file (checked with stat and
# with connections from two unprivileged users), again when libcore binds
# it anew, and are refused where they cannot apply.
. "$(dirname "$0")/lib.sh"
need_root
getent passwd nobody >/dev/null && getent group nogroup >/dev/null ||
	skip "needs the user nobody and the group nogroup"

ns=$(ns_add s)
chmod 755 "$T"
PY=/usr/bin/python3; [ -x $PY ] || PY=$(command -v python3)

log "a master's socket directory missing at start: exit 1 with the reason"
write_conf "$T/bad.conf" '{ "name": "nodir",
  "memif": { "socket": "'"$T"'/no/such/m.sock" },
  "host": { "name": "msn'"$TAG"'", "netns": "'"$ns"'" } }'
"$MEMIFD" -f -c "$T/bad.conf" -s "$T/bad.ctl" >"$T/bad.log" 2>&1
rc=$?
cat "$T/bad.log"
[ $rc = 1 ] || fail "memifd exited $rc"
grep -q "bridge nodir: memif socket $T/no/such/m.sock: socket directory $T/no/such does not exist" \
	"$T/bad.log" || fail "no clear message"
! grep -q "Sanitizer\|runtime error:" "$T/bad.log" || fail "sanitizer report"
ip -n "$ns" link show "msn$TAG" >/dev/null 2>&1 && fail "a TAP was left behind"

write_conf "$T/m.conf" '{ "name": "own",
  "memif": { "socket": "'"$T"'/own/m.sock", "socket_owner": "nobody",
             "socket_group": "nogroup", "socket_mode": "0660" },
  "host": { "name": "mso'"$TAG"'", "netns": "'"$ns"'" } }'
start_memifd m "$T/m.conf"

log "owner, group and mode of the socket file (its missing directory made)"
st=$(stat -c '%a %U %G %F' "$T/own/m.sock") || fail "no socket file"
echo "$st"
[ "$st" = "660 nobody nogroup socket" ] || fail "socket file: $st"
r=$(mgmt m '{"command":"show","args":{"name":"own"}}')
[ "$(jget "$r" 'j["result"]["bridges"][0]["memif"]["socket_mode"]')" = 0660 ] || fail "show: $r"
[ "$(jget "$r" 'j["result"]["bridges"][0]["memif"]["socket_group"]')" = nogroup ] || fail "show: $r"
conn() { # UID GID: connect to the memif socket as that user
	setpriv --reuid="$1" --regid="$2" --clear-groups $PY -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
try:
    s.connect(sys.argv[1]); print("connected")
except OSError as e:
    print(e.strerror)' "$T/own/m.sock"
}
out=$(conn 65534 65534); [ "$out" = connected ] || fail "the owner cannot connect: $out"
out=$(conn 1 1); [ "$out" = "Permission denied" ] || fail "another user: $out"

log "the file made anew (its only interface went with its TAP) keeps them"
ip -n "$ns" link del "mso$TAG"
wait_for 5 eval '[ "$(jget "$(mgmt m "{\"command\":\"show\",\"args\":{\"name\":\"own\"}}")" \
	"j[\"result\"][\"bridges\"][0][\"counters\"][\"host_losses\"]")" = 1 ]' || fail "TAP loss not seen"
wait_for 5 ip -n "$ns" link show "mso$TAG" || fail "TAP not made again"
wait_for 5 test -S "$T/own/m.sock" || fail "socket not bound again"
st=$(stat -c '%a %U %G' "$T/own/m.sock")
[ "$st" = "660 nobody nogroup" ] || fail "socket file after the rebind: $st"

log "create: missing directory EIO, misplaced keys EINVAL, another mode EBUSY"
err() { # REPLY CODE: prints the message
	[ "$(jget "$1" 'j["ok"]')" = False ] || fail "not an error: $1"
	[ "$(jget "$1" 'j["error"]["code"]')" = "$2" ] || fail "want $2: $1"
	jget "$1" 'j["error"]["message"]'
}
mk() { # NAME MEMIF_JSON
	mgmt m "{\"command\":\"create\",\"args\":{\"name\":\"$1\",\"memif\":$2,\"host\":{\"name\":\"$1$TAG\",\"netns\":\"$ns\"}}}"
}
m=$(err "$(mk c1 '{"socket":"'"$T"'/no/such/c.sock"}')" EIO)
[ "$m" = "memif socket $T/no/such/c.sock: socket directory $T/no/such does not exist" ] || fail "message: $m"
# the refused bridge's TAP is removed on memifd's closer thread, soon after
wait_for 2 eval '! ip -n "$ns" link show "c1$TAG"' || fail "a TAP was left behind"
m=$(err "$(mk c2 '{"socket":"@abs'"$TAG"'","socket_mode":"0600"}')" EINVAL)
[[ $m == *"memif.socket_mode: an abstract socket has no file"* ]] || fail "message: $m"
m=$(err "$(mk c3 '{"role":"slave","socket":"'"$T"'/own/m.sock","socket_group":"nogroup"}')" EINVAL)
[[ $m == *"memif.socket_group: only for a master"* ]] || fail "message: $m"
m=$(err "$(mk c4 '{"socket":"'"$T"'/own/m.sock","id":4,"socket_mode":"0666"}')" EBUSY)
[[ $m == *"has another socket_owner, socket_group or socket_mode in bridge own"* ]] || fail "message: $m"
r=$(mk c5 '{"socket":"'"$T"'/own/m.sock","id":5,"socket_owner":"nobody","socket_group":"nogroup","socket_mode":"0660"}')
[ "$(jget "$r" 'j["ok"]')" = True ] || fail "same settings refused: $r"

log "a slave whose socket directory is missing only warns and retries"
r=$(mk c6 '{"role":"slave","socket":"'"$T"'/later/s.sock"}')
[ "$(jget "$r" 'j["ok"]')" = True ] || fail "slave refused: $r"
grep -q "c6: socket directory $T/later does not exist (yet): connecting every second" "$T/m.log" ||
	fail "no warning"

log "reload with such a bridge: listed as failed, the others stay"
write_conf "$T/m.conf" '{ "name": "own",
  "memif": { "socket": "'"$T"'/own/m.sock", "socket_owner": "nobody",
             "socket_group": "nogroup", "socket_mode": "0660" },
  "host": { "name": "mso'"$TAG"'", "netns": "'"$ns"'" } },
{ "name": "r1", "memif": { "socket": "'"$T"'/no/such/r.sock" },
  "host": { "name": "msr'"$TAG"'", "netns": "'"$ns"'" } }'
r=$(mgmt m reload)
echo "$r"
[ "$(jget "$r" 'j["result"]["unchanged"]')" = "['own']" ] || fail "own changed"
[[ "$(jget "$r" 'j["result"]["failed"][0]["error"]')" == *"socket directory $T/no/such does not exist"* ]] ||
	fail "failed: $r"
mgmt m ping | grep -q pong || fail "memifd stopped serving"
finish
log "pass"
