#!/usr/bin/env python3
"""pcap helpers of the memifd pcap tests (no scapy needed).

  daemon_pcap.py gen FILE N [--linktype L] [--sizes a,b,..] [--usec] [--snap S]
      N frames cycling through the sizes; each frame carries its index,
      Ethernet frames have ethertype 0x88b5 (local experimental); --snap:
      records hold at most S bytes of their frame (captured truncated).
  daemon_pcap.py cmp A B [--passes K] [--captured] [--max L]   frame by
      frame (bytes, order, length on the wire): B is A (K times over); exit
      1 if not.  --max: the frames of A longer than L are not expected in B
      --captured: B holds what A captured, as whole frames (a truncated
      record of A is a frame of its captured length in B)
  daemon_pcap.py info FILE    "frames N magic M linktype L rate PPS mbps MBPS"
  daemon_pcap.py send IFACE N [--ethertype T] [--size S]   raw frames out
"""
import socket
import struct
import sys

MAGIC_US, MAGIC_NS = 0xA1B2C3D4, 0xA1B23C4D


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, _, _, _, _, snaplen, linktype = struct.unpack("<IHHiIII", data[:24])
    if magic not in (MAGIC_US, MAGIC_NS):
        raise SystemExit("%s: not a little-endian pcap file" % path)
    scale = 1 if magic == MAGIC_NS else 1000
    off, frames = 24, []
    while off < len(data):
        sec, frac, caplen, length = struct.unpack("<IIII", data[off:off + 16])
        off += 16
        if off + caplen > len(data):
            raise SystemExit("%s: truncated record" % path)
        frames.append((sec * 10**9 + frac * scale, data[off:off + caplen], length))
        off += caplen
    return magic, linktype, frames


PATTERN = bytes(range(256))


def frame(i, size, linktype):
    # the index, then bytes counting up from i
    run = PATTERN * (size // 256 + 2)
    body = struct.pack("!I", i) + run[i & 0xFF:(i & 0xFF) + size]
    if linktype == 1:
        hdr = bytes.fromhex("02fe00000002" "02fe00000001" "88b5")
        return (hdr + body)[:size]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, size, i & 0xFFFF, 0, 64, 253, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return (ip + body)[:size]


def gen(args):
    path, n = args[0], int(args[1])
    linktype, sizes, usec, snap = 1, [60, 1514], False, 1 << 30
    i = 2
    while i < len(args):
        if args[i] == "--linktype":
            linktype = int(args[i + 1]); i += 2
        elif args[i] == "--sizes":
            sizes = [int(x) for x in args[i + 1].split(",")]; i += 2
        elif args[i] == "--usec":
            usec = True; i += 1
        elif args[i] == "--snap":
            snap = int(args[i + 1]); i += 2
        else:
            raise SystemExit("gen: bad argument " + args[i])
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", MAGIC_US if usec else MAGIC_NS, 2, 4, 0, 0,
                            262144, linktype))
        for k in range(n):
            fr = frame(k, sizes[k % len(sizes)], linktype)
            t = 1700000000 * 10**9 + k * 10**6  # 1 ms apart
            frac = (t % 10**9) // 1000 if usec else t % 10**9
            cap = fr[:snap]
            f.write(struct.pack("<IIII", t // 10**9, frac, len(cap), len(fr)) + cap)


def cmp(args):
    passes = int(args[args.index("--passes") + 1]) if "--passes" in args else 1
    _, la, a = read(args[0])
    _, lb, b = read(args[1])
    if "--captured" in args:
        a = [(t, d, len(d)) for t, d, _ in a]
    if "--max" in args:
        a = [f for f in a if f[2] <= int(args[args.index("--max") + 1])]
    a = a * passes
    if la != lb:
        raise SystemExit("link types differ: %d %d" % (la, lb))
    if len(a) != len(b):
        raise SystemExit("frame counts differ: %d %d" % (len(a), len(b)))
    for k, (x, y) in enumerate(zip(a, b)):
        if x[1] != y[1] or x[2] != y[2]:
            raise SystemExit("frame %d differs (%d vs %d bytes)" % (k, len(x[1]), len(y[1])))
    print("%d frames equal" % len(a))


def info(args):
    magic, linktype, fr = read(args[0])
    rate = mbps = 0.0
    if len(fr) > 1 and fr[-1][0] > fr[0][0]:
        span = (fr[-1][0] - fr[0][0]) / 1e9
        rate = (len(fr) - 1) / span
        mbps = sum(len(f[1]) for f in fr[:-1]) * 8 / span / 1e6
    print("frames %d magic %x linktype %d rate %.1f mbps %.3f" %
          (len(fr), magic, linktype, rate, mbps))


def send(args):
    iface, n = args[0], int(args[1])
    ethertype, size = 0x88B5, 100
    i = 2
    while i < len(args):
        if args[i] == "--ethertype":
            ethertype = int(args[i + 1], 0); i += 2
        elif args[i] == "--size":
            size = int(args[i + 1]); i += 2
        else:
            raise SystemExit("send: bad argument " + args[i])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for k in range(n):
        hdr = bytes.fromhex("ffffffffffff" "02fe000000aa") + struct.pack("!H", ethertype)
        s.send((hdr + struct.pack("!I", k) + bytes(size))[:size])


if __name__ == "__main__":
    {"gen": gen, "cmp": cmp, "info": info, "send": send}[sys.argv[1]](sys.argv[2:])
