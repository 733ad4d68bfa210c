#!/bin/bash
# The management socket: every command and its error paths on one
# connection that stays usable, malformed and oversized requests, 50
# concurrent clients, a client that never reads, monitor events, EPERM.
. "$(dirname "$0")/lib.sh"
need_root

ns=$(ns_add m)
cat >"$T/m.conf" <<EOC
{ "control": { "group": "nogroup", "mode": "0666", "max_clients": 60 },
  "log_level": "debug",
  "bridges": [ { "name": "cfg0", "memif": { "socket": "$T/m.sock" },
                 "host": { "name": "mdc$TAG", "netns": "$ns" } } ] }
EOC
start_memifd m "$T/m.conf"

python3 - "$T/m.ctl" "$T" "$ns" "$TAG" <<'EOP' || fail "management checks"
import json, os, socket, sys, threading, time
path, tmp, ns, tag = sys.argv[1:5]

class C:
    def __init__(self):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(10)
        self.s.connect(path)
        self.f = self.s.makefile("rwb")
    def raw(self, line):
        self.f.write(line if isinstance(line, bytes) else line.encode())
        self.f.flush()
    def line(self):
        l = self.f.readline()
        assert l, "connection closed"
        return json.loads(l)
    def req(self, cmd, args=None, id=None):
        r = {"command": cmd}
        if args is not None: r["args"] = args
        if id is not None: r["id"] = id
        self.raw(json.dumps(r) + "\n")
        return self.line()

def ok(r):
    assert r["ok"] is True, r
    return r["result"]

def err(r, code):
    assert r["ok"] is False and r["error"]["code"] == code, (code, r)
    assert r["error"]["message"], r
    return r["error"]["message"]

c = C()
mon = C()
assert ok(mon.req("monitor")) == {"monitoring": True}

# every command
assert ok(c.req("ping", id=1))["pong"] is True
r = c.req("version", id={"x": [1]}); assert r["id"] == {"x": [1]}, r
assert ok(r) == {"memifd": "0.1.0", "libmemif": "3.1", "protocol": "2.0"}
b = ok(c.req("show"))["bridges"]
assert [x["name"] for x in b] == ["cfg0"] and b[0]["origin"] == "config", b
for k in ("memif", "host", "state", "counters"): assert k in b[0], k
assert b[0]["memif"]["secret"] is None and b[0]["state"]["link"] == "down"
assert b[0]["host"]["netns"] == ns
new = {"name": "rt0", "memif": {"role": "slave", "socket": tmp + "/m.sock", "id": 5, "secret": "pw"},
       "host": {"name": "mdr" + tag, "netns": ns, "mtu": 1400, "mac": "02:00:00:00:00:05"}}
br = ok(c.req("create", new))["bridge"]
assert br["origin"] == "runtime" and br["memif"]["secret"] == "set", br
assert br["host"]["mac"] == "02:00:00:00:00:05" and br["host"]["mtu"] == 1400, br
ev = mon.line(); assert ev["event"] == "bridge" and ev["action"] == "created" and ev["name"] == "rt0" and "id" not in ev, ev
assert len(ok(c.req("show"))["bridges"]) == 2
s = ok(c.req("stats", {"name": "rt0", "reset": True}))["bridges"]
assert s[0]["name"] == "rt0" and set(s[0]["counters"]) == {"to_host", "to_memif", "link_ups", "link_downs", "host_losses", "last_disconnect_reason"}, s
assert set(s[0]["counters"]["to_host"]["drops"]) == {"ring_full", "host_full", "oversize", "peer_down", "bad_desc"}
# the master cfg0 and the slave rt0 share the socket but not the id: no link
err(c.req("create", new), "EEXIST")
dup = dict(new, name="rt1"); err(c.req("create", dup), "EBUSY")
dup = dict(new, name="rt1", memif=dict(new["memif"], id=6)); err(c.req("create", dup), "EBUSY")
bad = dict(new, name="rt2", host={"name": "x", "netns": "no-such-ns-" + tag})
m = err(c.req("create", dict(bad, memif=dict(new["memif"], id=7))), "EIO"); assert "no-such-ns" in m, m
m = err(c.req("create", {"name": "z", "memif": {"ring_size": 3}}), "EINVAL"); assert "memif.ring_size" in m, m
m = err(c.req("create", {"name": "z", "hots": {}}), "EINVAL"); assert "hots" in m, m
err(c.req("show", {"name": "vpp9"}), "ENOENT")
err(c.req("stats", {"name": "vpp9"}), "ENOENT")
err(c.req("stats", {"reset": "yes"}), "EINVAL")
err(c.req("show", {"colour": 1}), "EINVAL")
err(c.req("delete"), "EINVAL")
err(c.req("capture", {"action": "start", "name": "rt0"}), "EINVAL")  # no file
err(c.req("launch"), "ENOSYS")
ok(c.req("delete", {"name": "rt0"}))
ev = mon.line(); assert ev["action"] == "deleted" and ev["name"] == "rt0", ev
err(c.req("delete", {"name": "rt0"}), "ENOENT")
d = ok(c.req("reload"))
assert d["unchanged"] == ["cfg0"] and d["added"] == [] and d["removed"] == [] and d["changed"] == [], d
assert any(x["name"] == "reload" for x in ok(c.req("help"))["commands"])

# malformed, oversized: structured errors, the connection stays usable
for line, code in ((b"{nope\n", "EPROTO"), (b"[1,2]\n", "EPROTO"), (b'{"args": {}}\n', "EPROTO"),
                   (b'{"command": "ping", "extra": 1}\n', "EPROTO"), (b"\xff\xfe\n", "EPROTO")):
    c.raw(line); err(c.line(), code)
c.raw(b"\n\r\n")  # blank lines are ignored
c.raw(b'{"command": "ping", "args": {"pad": "' + b"x" * 70000 + b'"}}\n')
r = c.line(); err(r, "E2BIG"); assert r["id"] is None
c.raw(b'{"id": 9, "command": "ping"}\n{"id": 10, "command": "ping"}\n')
assert c.line()["id"] == 9 and c.line()["id"] == 10
big = '{"command": "show", "args": {"name": "' + "y" * 65000 + '"}}\n'
assert len(big) - 1 <= 65536
err(c.req("show", {"name": "y" * 65000}), "ENOENT")  # just under the limit: parsed

# a client that never reads its replies does not block anyone
stall = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); stall.connect(path)
stall.setblocking(False)
try:
    for i in range(20000):
        stall.send(b'{"command": "show"}\n')
except BlockingIOError:
    pass
t0 = time.time(); ok(c.req("ping")); assert time.time() - t0 < 2

# 50 concurrent clients
res = []
def one(i):
    try:
        x = C()
        for _ in range(5):
            assert x.req("ping", id=i)["id"] == i
        res.append(True)
    except Exception as e:
        res.append(e)
th = [threading.Thread(target=one, args=(i,)) for i in range(50)]
[t.start() for t in th]; [t.join() for t in th]
assert res.count(True) == 50, res
stall.close()
ok(c.req("ping"))
print("management checks passed")
EOP

log "EPERM for a user outside the control group, served for a member"
PY=/usr/bin/python3; [ -x $PY ] || PY=$(command -v python3)
chmod 755 "$T" && cp "$MGMT_PY" "$T/mgmt.py" && chmod 644 "$T/mgmt.py"
out=$(setpriv --reuid=65534 --regid=1 --clear-groups $PY "$T/mgmt.py" "$T/m.ctl" ping)
echo "$out"
[[ $out == *'"code":"EPERM"'* ]] || fail "no EPERM: $out"
out=$(setpriv --reuid=65534 --regid=1 --clear-groups "$TOP/build/memifctl" -s "$T/m.ctl" ping 2>&1)
echo "$out"
[[ $out == *"member of the control group 'nogroup'"* ]] || fail "memifctl's hint does not name the group: $out"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups $PY "$T/mgmt.py" "$T/m.ctl" ping)
[[ $out == *'"pong":true'* ]] || fail "group member refused: $out"
mgmt m ping | grep -q pong || fail "daemon stopped serving"
finish
log "pass"
