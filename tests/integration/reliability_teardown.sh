#!/bin/bash
# Deleting bridges does not hold up the control socket: memifd closes a
# TAP's fds (the kernel unregisters the device there and then, under RTNL
# and across RCU grace periods: some 20 ms each here) and releases a
# pcap-live socket on its closer thread, not in the event loop.  A reload
# that removes 8 TAP bridges (one multi-queue) and 2 pcap-live ones, and
# one that adds them back, alternate, and TAP and pcap-live bridges are
# made and deleted at runtime, while a prober on its own connection times
# a `ping` every 20 ms: every request within 100 ms (memifd closing the 8
# TAPs in its loop took some 160 ms).  Then a bridge deleted and made again
# at once with the same TAP name gets a new TAP of its own (created, not
# attached to the old one on its way out), single- and multi-queue.
. "$(dirname "$0")/lib.sh"
need_root

ns=$(ns_add t)
for k in 0 1 2 3; do
	ip -n "$ns" link add "td${k}a" type veth peer name "td${k}b" || fail "veth"
	ip -n "$ns" link set "td${k}a" up; ip -n "$ns" link set "td${k}b" up
done
tapbr() { # NAME ID QUEUES
	printf '{ "name": "%s", "memif": { "socket": "%s", "id": %s, "rx_queues": %s, "tx_queues": %s },
	  "host": { "name": "%s%s", "netns": "%s" } }' "$1" "$T/t.sock" "$2" "$3" "$3" "$1" "$TAG" "$ns"
}
livebr() { # NAME ID VETH
	printf '{ "name": "%s", "memif": { "socket": "%s", "id": %s },
	  "host": { "type": "pcap-live", "name": "%s", "netns": "%s" } }' "$1" "$T/t.sock" "$2" "$3" "$ns"
}
all="$(tapbr keep 1 1), $(tapbr d0 10 8)"
for k in 1 2 3 4 5 6 7; do all+=", $(tapbr d$k 1$k 1)"; done
all+=", $(livebr l0 20 td0a), $(livebr l1 21 td1a)"
write_conf "$T/full.conf" "$all"
write_conf "$T/keep.conf" "$(tapbr keep 1 1)"
cp "$T/full.conf" "$T/t.conf"
start_memifd t "$T/t.conf"

log "reloads and runtime bridges while a prober times ping (bound 100 ms)"
python3 - "$T/t.ctl" "$ns" "$T/t.sock" "$TAG" "$T" <<'PY' || fail "the bound"
import json, os, socket, sys, threading, time
ctl, ns, sock, tag, tmp = sys.argv[1:6]

def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(ctl)
    return s, s.makefile("rwb")

def req(f, cmd, args=None):
    m = {"command": cmd}
    if args:
        m["args"] = args
    t0 = time.monotonic()
    f.write(json.dumps(m).encode() + b"\n"); f.flush()
    r = json.loads(f.readline())
    return r, (time.monotonic() - t0) * 1000

lat, stop = [], threading.Event()
def prober():
    s, f = conn()
    while not stop.is_set():
        r, ms = req(f, "ping")
        assert r["ok"], r
        lat.append((time.monotonic(), ms))
        time.sleep(0.02)
th = threading.Thread(target=prober, daemon=True); th.start()

s, f = conn()
ops = {}
def do(cmd, args):
    r, ms = req(f, cmd, args)
    assert r["ok"], (cmd, args, r)
    ops.setdefault(cmd, []).append(ms)

def tap(name, i, q):
    return {"name": name, "memif": {"socket": sock, "id": i, "rx_queues": q, "tx_queues": q},
            "host": {"name": name + tag, "netns": ns}}
def live(name, i, k):
    return {"name": name, "memif": {"socket": sock, "id": i},
            "host": {"type": "pcap-live", "name": "td%da" % (2 + k), "netns": ns}}
def reload(conf):
    with open(conf) as src, open(tmp + "/t.conf.new", "w") as dst:
        dst.write(src.read())
    os.replace(tmp + "/t.conf.new", tmp + "/t.conf")
    do("reload", None)

time.sleep(0.5)
for c in range(6):
    reload(tmp + "/keep.conf")  # 8 TAPs and 2 pcap-live sockets to close
    time.sleep(0.5)
    reload(tmp + "/full.conf")
    time.sleep(0.5)
for c in range(6):
    names = []
    for k in range(4):
        n = "x%d%d" % (c, k)
        do("create", tap(n, 100 + 10 * c + k, 8 if k == 0 else 1)); names.append(n)
    for k in range(2):
        n = "y%d%d" % (c, k)
        do("create", live(n, 200 + 10 * c + k, k)); names.append(n)
    time.sleep(0.3)
    for n in names:
        do("delete", {"name": n})
    time.sleep(0.3)
time.sleep(0.5)
stop.set(); th.join()
ms = sorted(m for _, m in lat)
p99 = ms[int(len(ms) * 0.99) - 1]
for cmd, v in ops.items():
    print("%s: %d requests, median %.1f ms, slowest %.1f ms" % (cmd, len(v), sorted(v)[len(v) // 2], max(v)))
print("ping: %d requests, p99 %.1f ms, slowest %.1f ms" % (len(ms), p99, ms[-1]))
slow = [(c, max(v)) for c, v in ops.items() if max(v) >= 100]
sys.exit(0 if ms[-1] < 100 and not slow else 1)
PY
grep "closed in" "$T/t.log" | awk '{ n++; ms = $(NF-1); if (ms > mx) mx = ms } END { print n " closes on the closer thread, slowest " mx " ms" }'

log "a bridge deleted and made again at once gets a TAP of its own"
show() { mgmt t "{\"command\":\"show\",\"args\":{\"name\":\"$1\"}}"; }
mk() { # NAME QUEUES
	printf '{"command":"create","args":{"name":"%s","memif":{"socket":"%s","id":%s,"rx_queues":%s,"tx_queues":%s},"host":{"name":"%s%s","netns":"%s"}}}' \
		"$1" "$T/t.sock" "$3" "$2" "$2" "$1" "$TAG" "$ns"
}
del() { printf '{"command":"delete","args":{"name":"%s"}}' "$1"; }
for q in 1 3; do
	out=$(mgmt t "$(mk r$q $q 30$q)") || fail "create r$q"
	args=()
	for i in $(seq 10); do args+=("$(del r$q)" "$(mk r$q $q 30$q)"); done
	out=$(mgmt t "${args[@]}") || fail "delete/create r$q"
	[ "$(grep -c '"ok":true' <<<"$out")" = 20 ] || { echo "$out"; fail "r$q: a delete or create failed"; }
	r=$(show r$q)
	[ "$(jget "$r" 'j["result"]["bridges"][0]["host"]["created"]')" = True ] || fail "r$q attached: $r"
	[ "$(jget "$r" 'j["result"]["bridges"][0]["state"]["host_state"]')" != gone ] || fail "r$q: $r"
	ip -n "$ns" link show "r$q$TAG" >/dev/null || fail "no TAP r$q"
	n=$(grep -c "r$q$TAG: created tap" "$T/t.log")
	[ "$n" = 11 ] || fail "r$q: $n TAPs made, want 11"
done
ip -n "$ns" -d link show "r3$TAG" | grep -q multi_queue || fail "r3 not multi-queue"
mgmt t "$(del r1)" "$(del r3)" >/dev/null
wait_for 5 eval '! ip -n "$ns" link show "r1$TAG"' || fail "r1's TAP stays"
wait_for 5 eval '! ip -n "$ns" link show "r3$TAG"' || fail "r3's TAP stays"
finish
echo "ok"
