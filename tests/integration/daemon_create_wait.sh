#!/bin/bash
# A create that must wait for the removal of a TAP of the same name (a
# delete just before it) waits off the loop: the kernel may take long to
# remove a device (RTNL, RCU grace periods under load), and meanwhile every
# other client is answered.  memifd runs with MEMIFD_TEST_CLOSE_DELAY_MS,
# its closer thread waiting that long before it closes a device (closer.h),
# so that the removal is slow on demand:
#  - delete x, create x, show x pipelined on one connection: replied in
#    order, all ok, while a second client's ping, sent after them, is
#    answered before the create (it is not held up behind it);
#  - a client that sends create x while x's TAP is being removed, and
#    hangs up at once: the create still happens;
#  - a removal slower than the 3 s a create waits: EBUSY, "still being
#    removed", and a create once it is gone succeeds.
# Needs root (TAPs in a namespace).
. "$(dirname "$0")/lib.sh"
need_root

ns=$(ns_add w)
write_conf "$T/a.conf" "{ \"name\": \"keep\", \"memif\": { \"socket\": \"$T/w.sock\" },
  \"host\": { \"name\": \"mdk$TAG\", \"netns\": \"$ns\" } }"
create="{\"command\":\"create\",\"args\":{\"name\":\"x\",\"memif\":{\"socket\":\"$T/w.sock\",\"id\":7},
\"host\":{\"name\":\"mdx$TAG\",\"netns\":\"$ns\"}}}"
create=$(echo "$create" | tr -d '\n')

# two_clients CTL: client A pipelines delete, create, show; client B sends
# a ping once A's delete is answered.  Prints the replies in the order
# they arrived, as "A id ok" / "B ping ok".
two_clients() {
	python3 - "$1" "$create" <<'EOF'
import json, select, socket, sys, time
path, create = sys.argv[1], json.loads(sys.argv[2])
def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s
a, b = conn(), conn()
reqs = [{"id": 1, "command": "delete", "args": {"name": "x"}}, dict(create, id=2),
        {"id": 3, "command": "show", "args": {"name": "x"}}]
a.sendall(b"".join((json.dumps(r) + "\n").encode() for r in reqs))
bufs, got, order, sent_b = {a: b"", b: b""}, 0, [], False
deadline = time.monotonic() + 20
while got < 4 and time.monotonic() < deadline:
    for s in select.select([a, b], [], [], 1)[0]:
        data = s.recv(65536)
        if not data:
            sys.exit("memifd closed a connection")
        bufs[s] += data
        while b"\n" in bufs[s]:
            line, bufs[s] = bufs[s].split(b"\n", 1)
            r = json.loads(line)
            got += 1
            who = "A %s" % r.get("id") if s is a else "B ping"
            order.append("%s %s" % (who, "ok" if r.get("ok") else r.get("error")))
            if s is a and r.get("id") == 1 and not sent_b:
                b.sendall(b'{"command":"ping"}\n')
                sent_b = True
print("\n".join(order))
EOF
}

log "delete + create of one TAP pipelined, the removal slow: others are served meanwhile"
MEMIFD_TEST_CLOSE_DELAY_MS=1500 start_memifd a "$T/a.conf"
out=$(mgmt a "$create") || fail "create x: $out"
echo "$out" | grep -q '"ok": *true' || fail "create x: $out"
idx1=$(ip -n "$ns" -j link show "mdx$TAG" | jq '.[0].ifindex')
order=$(two_clients "$T/a.ctl") || fail "the two clients: $order"
echo "$order"
[ "$order" = "A 1 ok
B ping ok
A 2 ok
A 3 ok" ] || { cat "$T/a.log"; fail "replies in another order (the create held up the loop, or failed)"; }
idx2=$(ip -n "$ns" -j link show "mdx$TAG" | jq '.[0].ifindex')
echo "mdx$TAG: ifindex $idx1 before, $idx2 after"
[ -n "$idx2" ] && [ "$idx2" != null ] && [ "$idx2" != "$idx1" ] ||
	fail "the TAP was not made anew ($idx1 -> $idx2)"

log "a client that hangs up while its create waits: the create still happens"
mgmt a '{"command":"delete","args":{"name":"x"}}' | grep -q '"ok": *true' || fail "delete x"
python3 - "$T/a.ctl" "$create" <<'EOF' || fail "the vanishing client"
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
s.close()
EOF
mgmt a ping | grep -q '"ok": *true' || fail "memifd stopped answering"
wait_for 10 eval 'mgmt a "{\"command\":\"show\",\"args\":{\"name\":\"x\"}}" | grep -q "\"ok\": *true"' ||
	{ tail -n 20 "$T/a.log"; fail "x was not created after its client hung up"; }
idx3=$(ip -n "$ns" -j link show "mdx$TAG" | jq '.[0].ifindex')
[ -n "$idx3" ] && [ "$idx3" != "$idx2" ] || fail "the TAP was not made anew ($idx2 -> $idx3)"
mgmt a ping | grep -q '"ok": *true' || fail "memifd stopped answering"
stop_pid "$MEMIFD_PID" || fail "memifd did not exit cleanly"

log "a removal slower than a create waits (3 s): EBUSY, then a create succeeds"
MEMIFD_TEST_CLOSE_DELAY_MS=4500 start_memifd b "$T/a.conf"
mgmt b "$create" | grep -q '"ok": *true' || fail "create x"
out=$(mgmt b '{"command":"delete","args":{"name":"x"}}' "$create")
echo "$out"
echo "$out" | tail -n 1 | grep -q '"EBUSY"' || fail "no EBUSY: $out"
echo "$out" | tail -n 1 | grep -q "mdx$TAG in netns $ns: the previous device of that name is still being removed (after 3000 ms)" ||
	fail "not the message expected: $out"
wait_for 10 eval '! ip -n "$ns" link show "mdx$TAG" 2>/dev/null' || fail "the old TAP was never removed"
out=$(mgmt b "$create")
echo "$out" | grep -q '"ok": *true' || fail "create once the old TAP is gone: $out"
ip -n "$ns" link show "mdx$TAG" >/dev/null || fail "no TAP after the create"
stop_pid "$MEMIFD_PID" || fail "memifd did not exit cleanly"
finish
