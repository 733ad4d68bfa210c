#!/bin/bash
# The management socket against users and clients: access control with
# unprivileged users this test creates (the socket's mode and group, and
# the SO_PEERCRED check behind an open mode), the limits (control
# clients, bridges, queues) each refused with a clear error, and 100s of
# clients that vanish in the middle of large replies or of a request
# without memifd dying or leaking a descriptor.
. "$(dirname "$0")/lib.sh"
need_root
command -v useradd >/dev/null && command -v groupadd >/dev/null || skip "needs useradd and groupadd"

G=mdg$TAG IN=mdi$TAG OUT=mdo$TAG
users_del() {
	userdel "$IN" 2>/dev/null
	userdel "$OUT" 2>/dev/null
	groupdel "$G" 2>/dev/null
	cleanup
}
trap users_del EXIT
groupadd --system "$G" || fail "groupadd"
useradd --system --no-create-home --shell /usr/sbin/nologin -G "$G" "$IN" || fail "useradd $IN"
useradd --system --no-create-home --shell /usr/sbin/nologin "$OUT" || fail "useradd $OUT"
PY=/usr/bin/python3; [ -x $PY ] || PY=$(command -v python3)
chmod 755 "$T"
cp "$MGMT_PY" "$T/mgmt.py" && cp "$TOP/build/memifctl" "$T/memifctl" && chmod 755 "$T/mgmt.py" "$T/memifctl"
# as USER (with the groups the system gives it): CMD...
as() { local u=$1; shift; setpriv --reuid="$u" --regid="$u" --init-groups "$@"; }

ns=$(ns_add g)
br() { # NAME ID
	printf '{ "name": "%s", "memif": { "socket": "%s", "id": %s, "rx_queues": 2, "tx_queues": 2 }, ' "$1" "$T/m.sock" "$2"
	printf '"host": { "name": "%s%s", "netns": "%s" } }' "$1" "$TAG" "$ns"
}
cat >"$T/m.conf" <<EOC
{ "control": { "group": "$G", "mode": "0660", "max_clients": 8 },
  "max_bridges": 3, "log_level": "debug",
  "bridges": [ $(br g0 0), $(br g1 1) ] }
EOC
start_memifd m "$T/m.conf"

log "the control socket's mode and group"
st=$(stat -c '%a %U %G' "$T/m.ctl"); echo "$st"
[ "$st" = "660 root $G" ] || fail "control socket: $st"
out=$(as "$IN" "$T/memifctl" -s "$T/m.ctl" ping) || fail "member $IN refused: $out"
out=$(as "$OUT" "$T/memifctl" -s "$T/m.ctl" ping 2>&1); rc=$?
echo "$OUT: exit $rc: $out"
[ $rc = 3 ] && [[ $out == *"ermission denied"* ]] || fail "non-member $OUT: exit $rc: $out"

log "an open mode: SO_PEERCRED still refuses a non-member"
cat >"$T/o.conf" <<EOC
{ "control": { "group": "$G", "mode": "0666" }, "bridges": [] }
EOC
start_memifd o "$T/o.conf"
[ "$(stat -c '%a %G' "$T/o.ctl")" = "666 $G" ] || fail "mode 0666 not applied"
out=$(as "$OUT" $PY "$T/mgmt.py" "$T/o.ctl" ping)
echo "$OUT: $out"
[[ $out == *'"id":null'*'"code":"EPERM"'* ]] || fail "no EPERM for $OUT: $out"
grep -q "control connection refused (uid $(id -u "$OUT"))" "$T/o.log" || fail "refusal not logged"
out=$(as "$IN" $PY "$T/mgmt.py" "$T/o.ctl" ping)
[[ $out == *'"pong":true'* ]] || fail "supplementary member $IN refused: $out"
out=$(setpriv --reuid="$OUT" --regid="$G" --clear-groups $PY "$T/mgmt.py" "$T/o.ctl" ping)
[[ $out == *'"pong":true'* ]] || fail "primary group $G refused: $out"

log "limits: control clients, bridges, queues"
python3 - "$T/m.ctl" <<'EOP' || fail "client limit"
import json, socket, sys
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.settimeout(5)
    s.connect(sys.argv[1]); return s
def ping(s):
    s.sendall(b'{"command": "ping"}\n')
    return json.loads(s.makefile("rb").readline())
held = [conn() for _ in range(8)]
for s in held: assert ping(s)["ok"], "a client under the limit"
extra = conn()
r = json.loads(extra.makefile("rb").readline())
assert r["id"] is None and r["error"]["code"] == "ENOSPC", r
assert "too many control clients" in r["error"]["message"], r
assert extra.recv(1) == b"", "the refused client stays connected"
held.pop().close()
import time; time.sleep(0.2)
assert ping(conn())["ok"], "a slot freed is not reused"
print("client limit: the 9th of 8 got", r["error"])
EOP
req() { mgmt m "$1"; }
mk() { # NAME ID [MEMIF_EXTRA]
	req "{\"command\":\"create\",\"args\":{\"name\":\"$1\",\"memif\":{\"socket\":\"$T/m.sock\",\"id\":$2$3},\"host\":{\"name\":\"$1$TAG\",\"netns\":\"$ns\"}}}"
}
code() { jget "$1" 'j["error"]["code"] if not j["ok"] else "ok"'; }
msg() { jget "$1" 'j["error"]["message"]'; }
r=$(mk q0 5 ',"rx_queues":256'); [ "$(code "$r")" = EINVAL ] || fail "256 queues: $r"
[[ $(msg "$r") == *"memif.rx_queues: must be an integer from 1 to 255"* ]] || fail "message: $r"
r=$(mk q1 5 ',"tx_queues":0'); [ "$(code "$r")" = EINVAL ] || fail "0 queues: $r"
r=$(mk g2 2); [ "$(code "$r")" = ok ] || fail "the 3rd of 3 bridges: $r"
r=$(mk g3 3); [ "$(code "$r")" = ENOSPC ] || fail "the 4th of 3 bridges: $r"
[ "$(msg "$r")" = "max_bridges (3) reached" ] || fail "message: $r"
ip -n "$ns" link show "g3$TAG" >/dev/null 2>&1 && fail "the refused bridge left its TAP"
# a slave that brings more queues than the master's is served on as many
# as the master's configuration says (memory stays bounded)
if [ -x "${PEER:-$TOP/build/tests/tools/memif_peer}" ]; then
	"${PEER:-$TOP/build/tests/tools/memif_peer}" -r slave -s "$T/m.sock" -i 0 -q 4 -m rx -n 100000000 -t 4 >"$T/peer.out" 2>&1 &
	P=$!; track $P
	wait_for 5 link_up m g0 || fail "the 4-queue peer did not connect"
	r=$(req '{"command":"show","args":{"name":"g0"}}')
	q=$(jget "$r" '(j["result"]["bridges"][0]["state"]["rx_queues"], j["result"]["bridges"][0]["state"]["tx_queues"])')
	echo "a peer bringing 4 queues to a 2-queue master: $q"
	grep -q "g0: the peer brought 4 rx, 4 tx queues; memifd serves 2 rx, 2 tx" "$T/m.log" ||
		fail "queues not capped: $q"
	kill $P; wait $P 2>/dev/null
fi

log "300 clients vanish mid-reply, mid-request, and while monitoring"
fds() { ls "/proc/$MEMIFD_PID/fd" | wc -l; }
mgmt m ping >/dev/null
fds0=$(fds)
python3 - "$T/m.ctl" <<'EOP' || fail "vanishing clients"
import socket, sys, time
path = sys.argv[1]
def conn():
    for _ in range(100):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path); return s
        except OSError:
            s.close(); time.sleep(0.01)
    raise SystemExit("cannot connect")
shows = b'{"command": "show"}\n' * 100  # ~500 KB of replies: more than the socket holds
def vanish(data):
    s = conn()
    try:
        s.sendall(data)
    except OSError:
        pass  # refused (over max_clients): memifd closed first
    s.close()
for i in range(100):
    vanish(shows)
    vanish(b'{"command": "monitor"}\n{"command": "show"}\n')
    vanish(b'{"command": "sho')
    time.sleep(0.01)
print("300 clients gone")
EOP
kill -0 "$MEMIFD_PID" || fail "memifd died"
r=$(req '{"command":"delete","args":{"name":"g2"}}'); [ "$(code "$r")" = ok ] || fail "delete: $r"
r=$(mk g2 2); [ "$(code "$r")" = ok ] || fail "create after the flood: $r"
wait_for 5 eval '[ "$(fds)" -le "$fds0" ]' || fail "fds grew from $fds0 to $(fds)"
echo "memifd fds: $fds0 before, $(fds) after"
mgmt m ping | grep -q pong || fail "memifd stopped serving"
grep -c "control client pid .*: gone\|does not read" "$T/m.log" || true
finish
log "pass"
