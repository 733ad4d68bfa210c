#!/usr/bin/env python3
"""ICMP echo without the ping binary (not installed everywhere).

usage: daemon_ping.py [-c COUNT] [-s SIZE] [-i INTERVAL] [-W TIMEOUT] [-q] DEST
Sends COUNT echo requests of SIZE payload bytes with "don't fragment" set,
prints one line per reply and a summary; exit 0 when every reply came back.
"""
import argparse
import os
import select
import socket
import struct
import sys
import time


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-c", type=int, default=3)
    ap.add_argument("-s", type=int, default=56)
    ap.add_argument("-i", type=float, default=0.2)
    ap.add_argument("-W", type=float, default=2.0)
    ap.add_argument("-q", action="store_true")
    ap.add_argument("dest")
    a = ap.parse_args()
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.setsockopt(socket.IPPROTO_IP, 10, 2)  # IP_MTU_DISCOVER = IP_PMTUDISC_DO
    ident = os.getpid() & 0xFFFF
    payload = bytes((i & 0xFF for i in range(a.s)))
    got = set()
    sent = 0
    deadline = None
    next_send = time.monotonic()
    while True:
        now = time.monotonic()
        if sent < a.c and now >= next_send:
            hdr = struct.pack("!BBHHH", 8, 0, 0, ident, sent)
            pkt = hdr[:2] + struct.pack("!H", checksum(hdr + payload)) + hdr[4:] + payload
            try:
                s.sendto(pkt, (a.dest, 0))
            except OSError as e:
                print("send %d: %s" % (sent, e), flush=True)
            sent += 1
            next_send = now + a.i
            if sent == a.c:
                deadline = now + a.W
        if deadline and (now >= deadline or len(got) == a.c):
            break
        wait = max(0.0, min(next_send if sent < a.c else deadline, now + 0.5) - now)
        r, _, _ = select.select([s], [], [], wait)
        if not r:
            continue
        data, addr = s.recvfrom(65535)
        ihl = (data[0] & 0x0F) * 4
        icmp = data[ihl:]
        if len(icmp) < 8:
            continue
        typ, _, _, rid, seq = struct.unpack("!BBHHH", icmp[:8])
        if typ != 0 or rid != ident or seq in got:
            continue
        if icmp[8:] != payload:
            print("seq %d: payload differs" % seq, flush=True)
            continue
        got.add(seq)
        if not a.q:
            print("%d bytes from %s: seq=%d" % (len(icmp), addr[0], seq), flush=True)
    print("%d sent, %d received, size %d" % (sent, len(got), a.s), flush=True)
    return 0 if len(got) == a.c else 1


if __name__ == "__main__":
    sys.exit(main())
