#!/usr/bin/env python3
"""soak_send.py OUT PPS IFNAME... - the host-side source of the soak test.

Run inside the soak's network namespace.  Sends PPS frames a second of 64
bytes (UDP/IPv4, to a MAC nobody owns) into each interface through a
packet socket with PACKET_QDISC_BYPASS, so a frame the kernel cannot queue
on the device fails the send() instead of vanishing in a qdisc.  A frame
is "sent" when send() took it.  An interface that disappears (a TAP
deleted from outside) is opened again by name once a second.  SIGUSR1
stops sending; SIGTERM ends.  OUT (JSON: {IFNAME: {"sent": N, "failed": N,
"reopened": N}}) is written every second and at the end.
"""
import json
import os
import signal
import socket
import sys
import time

SOL_PACKET, PACKET_QDISC_BYPASS = 263, 20
FRAME = (bytes.fromhex("020000000002" "020000000001" "0800"
                       "4500002e000000004011" "0000" "0a000001" "0a000002"
                       "04d2162e001a0000") + bytes(range(22)))
assert len(FRAME) == 64

out, pps, names = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
stats = {n: {"sent": 0, "failed": 0, "reopened": 0} for n in names}
socks = {n: None for n in names}
retry = {n: 0.0 for n in names}
state = {"quiet": False, "stop": False}
signal.signal(signal.SIGUSR1, lambda *_: state.update(quiet=True))
signal.signal(signal.SIGTERM, lambda *_: state.update(stop=True))


def open_sock(name):
    try:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        s.setsockopt(SOL_PACKET, PACKET_QDISC_BYPASS, 1)
        s.bind((name, 0))
        s.setblocking(False)
        return s
    except OSError:
        return None


def dump():
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        json.dump(stats, f)
    os.replace(tmp, out)


for n in names:
    socks[n] = open_sock(n)
start = last_dump = time.monotonic()
credit = 0.0
last = start
while not state["stop"]:
    time.sleep(0.01)
    now = time.monotonic()
    credit += (now - last) * pps
    last = now
    burst = int(credit)
    credit -= burst
    for n in names:
        if state["quiet"]:
            break
        s = socks[n]
        if s is None:
            if now >= retry[n]:
                socks[n] = open_sock(n)
                retry[n] = now + 1
                if socks[n]:
                    stats[n]["reopened"] += 1
            continue
        for _ in range(burst):
            try:
                s.send(FRAME)
                stats[n]["sent"] += 1
            except BlockingIOError:
                stats[n]["failed"] += 1
            except OSError as e:
                stats[n]["failed"] += 1
                if e.errno in (6, 19, 100):  # ENXIO, ENODEV, ENETDOWN: gone
                    s.close()
                    socks[n] = None
                    retry[n] = now + 1
                    break
    if now - last_dump >= 1:
        dump()
        last_dump = now
dump()
