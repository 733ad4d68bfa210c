#!/usr/bin/env python3
"""Send management requests to memifd and print the replies, one per line.

usage: daemon_mgmt.py SOCKET REQUEST...   (each REQUEST is one JSON line,
       or a bare command name); with --monitor N, also print N event lines.
"""
import json
import socket
import sys


def main():
    args = sys.argv[1:]
    events = 0
    if args and args[0] == "--monitor":
        events = int(args[1])
        args = args[2:]
    path, reqs = args[0], args[1:]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    f = s.makefile("rwb")
    for r in reqs:
        if not r.lstrip().startswith("{"):
            r = json.dumps({"command": r})
        try:
            f.write(r.encode() + b"\n")
            f.flush()
        except OSError:
            pass  # refused at connect time: the error line is still there
        line = f.readline()
        if not line:
            print("EOF", flush=True)
            return 1
        print(line.decode().rstrip("\n"), flush=True)
    for _ in range(events):
        line = f.readline()
        if not line:
            return 1
        print(line.decode().rstrip("\n"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
