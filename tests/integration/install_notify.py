#!/usr/bin/env python3
"""install_notify.py SOCKET OUT: a stand-in for systemd's notification socket.

Binds a datagram unix socket at SOCKET and appends every message it receives
to OUT, one line per assignment (a message may carry several), flushed at
once so that a test can wait for a line.  Runs until killed."""
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
with open(out, "a", buffering=1) as f:
    while True:
        msg = s.recv(4096).decode("utf-8", "replace")
        for line in msg.splitlines():
            if line:
                f.write(line + "\n")
