#!/usr/bin/env python3
"""TCP bulk transfer for the bridge tests.

  daemon_tcp.py recv PORT OUTFILE   accept one connection, write the sha256
                                    of everything received to OUTFILE
  daemon_tcp.py send HOST PORT FILE send FILE, print its sha256
"""
import hashlib
import socket
import sys


def recv(port, out):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", int(port)))
    ls.listen(1)
    c, _ = ls.accept()
    h, n = hashlib.sha256(), 0
    while True:
        b = c.recv(1 << 20)
        if not b:
            break
        h.update(b)
        n += len(b)
    with open(out, "w") as f:
        f.write("%s %d\n" % (h.hexdigest(), n))


def send(host, port, path):
    s = socket.create_connection((host, int(port)), timeout=60)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
        f.seek(0)
        s.sendfile(f)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    s.close()
    print(h.hexdigest())


if __name__ == "__main__":
    if sys.argv[1] == "recv":
        recv(*sys.argv[2:4])
    else:
        send(*sys.argv[2:5])
