#!/usr/bin/env python3
"""HTTP client of the metrics tests: real requests and broken ones.

usage: daemon_http.py get ADDR PATH [ACCEPT]   print the body (exit 1 if not 200)
       daemon_http.py head ADDR PATH [ACCEPT]  print status line and headers
       daemon_http.py raw ADDR REQUEST         send REQUEST (Python escapes,
                                               e.g. 'GET / HTTP/1.1\\r\\n\\r\\n'),
                                               print the status code
       daemon_http.py hold ADDR N SECONDS      open N idle connections; print
                                               how many memifd closed within
                                               SECONDS
       daemon_http.py prom PROMADDR QUERY      one value of an instant query
                                               of a Prometheus server ("" if none)
       daemon_http.py free_port                a free TCP port on 127.0.0.1

ADDR is HOST:PORT, [V6]:PORT or a unix socket path.
"""
import json
import socket
import sys
import time
import urllib.parse
import urllib.request


def connect(addr, timeout=10):
    if addr.startswith("/"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(addr)
        return s
    host, port = addr.rsplit(":", 1)
    host = host.strip("[]")
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((host, int(port)))
    return s


def exchange(addr, data):
    s = connect(addr)
    try:
        s.sendall(data)
    except OSError:
        pass  # answered and closed before everything was sent
    out = b""
    while True:
        try:
            b = s.recv(65536)
        except ConnectionResetError:
            break
        if not b:
            break
        out += b
    s.close()
    return out


def request(addr, path, accept):
    req = "GET %s HTTP/1.1\r\nHost: memifd\r\nConnection: close\r\n" % path
    if accept:
        req += "Accept: %s\r\n" % accept
    resp = exchange(addr, (req + "\r\n").encode())
    head, _, body = resp.partition(b"\r\n\r\n")
    return head.decode(), body


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "get":
        head, body = request(args[0], args[1], args[2] if len(args) > 2 else "")
        sys.stdout.write(body.decode())
        return 0 if head.startswith("HTTP/1.1 200 ") else 1
    if cmd == "head":
        head, _ = request(args[0], args[1], args[2] if len(args) > 2 else "")
        print(head.replace("\r\n", "\n"))
        return 0
    if cmd == "raw":
        data = args[1].encode().decode("unicode_escape").encode("latin-1")
        resp = exchange(args[0], data)
        print(resp.split(b" ", 2)[1].decode() if resp.startswith(b"HTTP/1.1 ")
              else "none")
        return 0
    if cmd == "hold":
        n, secs = int(args[1]), float(args[2])
        socks = [connect(args[0]) for _ in range(n)]
        for s in socks:
            s.setblocking(False)
        closed, end = set(), time.time() + secs
        while time.time() < end and len(closed) < n:
            for i, s in enumerate(socks):
                try:
                    if s.recv(4096) == b"":
                        closed.add(i)
                except BlockingIOError:
                    pass
                except OSError:
                    closed.add(i)
            time.sleep(0.1)
        print(len(closed))
        return 0
    if cmd == "prom":
        url = "http://%s/api/v1/query?query=%s" % (args[0], urllib.parse.quote(args[1]))
        with urllib.request.urlopen(url, timeout=10) as r:
            j = json.load(r)
        res = j["data"]["result"]
        print(res[0]["value"][1] if res else "")
        return 0
    if cmd == "free_port":
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
