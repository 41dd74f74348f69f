#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""UDP echo server and client for the selftests.

usage: udp_echo.py server PORT [--log FILE]
       udp_echo.py client HOST PORT TAG [--size N] [--timeout S] [--tries N]
                          [--sport PORT] [--src ADDR]
       udp_echo.py burst HOST PORT LO-HI [--timeout S]

The server echoes every datagram and appends "IP PORT TAG" to FILE, TAG being
the datagram's first line. The client sends TAG plus padding to N bytes and
exits 0 once the identical datagram came back (retrying on timeout).
burst sends one datagram from each source port LO..HI at once, then prints
how many were echoed within the timeout (one deadline for all of them).
"""
import argparse
import errno
import selectors
import socket
import sys
import time


def server(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", args.port))
    print(f"listening on udp {args.port}", flush=True)
    while True:
        data, peer = s.recvfrom(65535)
        if args.log:
            tag = data.split(b"\n", 1)[0].decode(errors="replace")
            with open(args.log, "a") as f:
                f.write(f"{peer[0]} {peer[1]} {tag}\n")
        s.sendto(data, peer)


def client(args):
    payload = (args.tag + "\n").encode()
    payload += bytes(i % 251 for i in range(max(0, args.size - len(payload))))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(args.timeout)
    if args.sport or args.src:
        s.bind((args.src or "0.0.0.0", args.sport))
    s.connect((args.host, args.port))
    for _ in range(args.tries):
        s.send(payload)
        try:
            while True:
                data = s.recv(65535)
                if data == payload:
                    print(f"OK echo {len(data)} bytes")
                    return 0
        except (socket.timeout, ConnectionRefusedError):
            continue
    print("FAIL no echo", file=sys.stderr)
    return 1


def burst(args):
    lo, hi = (int(p) for p in args.sports.split("-"))
    sel = selectors.DefaultSelector()
    for sport in range(lo, hi + 1):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", sport))
        s.connect((args.host, args.port))
        s.setblocking(False)
        s.send(f"burst-{sport}\n".encode())
        sel.register(s, selectors.EVENT_READ)
    # One deadline for all: the unanswered ones must not wait in turn.
    echoed, unreachable, deadline = 0, 0, time.monotonic() + args.timeout
    while sel.get_map() and time.monotonic() < deadline:
        for key, _ in sel.select(deadline - time.monotonic()):
            try:
                key.fileobj.recv(65535)
                echoed += 1
            except ConnectionRefusedError:
                pass
            except OSError as e:  # an ICMP error the gateway sent back
                if e.errno != errno.EHOSTUNREACH:
                    raise
                unreachable += 1
            sel.unregister(key.fileobj)
            key.fileobj.close()
    print(echoed)
    if unreachable:
        print(f"unreachable {unreachable}", file=sys.stderr)
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="mode", required=True)
    ps = sub.add_parser("server")
    ps.add_argument("port", type=int)
    ps.add_argument("--log")
    pc = sub.add_parser("client")
    pc.add_argument("host")
    pc.add_argument("port", type=int)
    pc.add_argument("tag")
    pc.add_argument("--size", type=int, default=1200)
    pc.add_argument("--timeout", type=float, default=1.0)
    pc.add_argument("--tries", type=int, default=3)
    pc.add_argument("--sport", type=int, default=0, help="source port to send from")
    pc.add_argument("--src", default="", help="source address to send from")
    pb = sub.add_parser("burst")
    pb.add_argument("host")
    pb.add_argument("port", type=int)
    pb.add_argument("sports", help="LO-HI source ports, one datagram each")
    pb.add_argument("--timeout", type=float, default=1.0)
    args = p.parse_args()
    return {"server": server, "client": client, "burst": burst}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
