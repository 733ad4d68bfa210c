#!/usr/bin/env python3
"""pcap_gen.py FILE FRAMES LEN - a pcap file (microseconds, EN10MB) of
FRAMES identical LEN-byte UDP/IPv4 frames, for the replay benchmark."""
import struct
import sys


def main():
    path, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    eth = bytes([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0])
    ip = (bytes([0x45, 0]) + struct.pack(">H", size - 14) + bytes(4)
          + bytes([64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]))
    udp = struct.pack(">HHHH", 1234, 5678, size - 34, 0)
    frame = (eth + ip + udp + bytes(size))[:size]
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(n):
            f.write(struct.pack("<IIII", i // 1000000, i % 1000000, size, size))
            f.write(frame)


if __name__ == "__main__":
    main()
