#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Crafted TCP segments for the window-tracking tests, from a raw socket
(root), checksums computed here.

usage: tcp_inject.py send SRC SPORT DST DPORT --flags F --seq N [N ...]
                          [--ack N] [--win N]
       tcp_inject.py acks SRC DST DPORT --count N [--sport-base P]
       tcp_inject.py converse HOST PORT --go FILE [--timeout S]

send:     one segment per --seq value, flags from "SAFRP" letters (SYN,
          ACK, FIN, RST, PSH); ack 0 unless given.
acks:     COUNT bare ACKs, each from its own source port (sport-base +
          i), seq and ack pseudo-random: a flood of mid-stream pick-ups.
converse: one connection to an echo server: sends a line and reads it
          back, prints "CONNECTED LOCALPORT", then waits until FILE
          exists and does it again; prints "OK" if both round trips
          came back intact, else "FAIL <why>" (exit 1).
"""
import argparse
import os
import random
import socket
import struct
import sys
import time

from icmp_ping import checksum  # RFC 1071, this directory's tools share it

FLAG_BITS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10}


def segment(src, sport, dst, dport, flags, seq, ack, win):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, win, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), random.getrandbits(16), 0, 64,
                     socket.IPPROTO_TCP, 0, socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ip + tcp


def raw_socket():
    return socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)


def cmd_send(a):
    flags = 0
    for c in a.flags:
        flags |= FLAG_BITS[c]
    s = raw_socket()
    for seq in a.seq:
        s.sendto(segment(a.src, a.sport, a.dst, a.dport, flags, seq, a.ack, a.win), (a.dst, 0))
    print(f"sent {len(a.seq)}")
    return 0


def cmd_acks(a):
    s = raw_socket()
    rnd = random.Random(1)
    for i in range(a.count):
        sport = a.sport_base + i % (65536 - a.sport_base)
        s.sendto(segment(a.src, sport, a.dst, a.dport, FLAG_BITS["A"], rnd.getrandbits(32),
                         rnd.getrandbits(32), 502), (a.dst, 0))
    print(f"sent {a.count}")
    return 0


def round_trip(c, line):
    c.sendall(line)
    got = b""
    while len(got) < len(line):
        chunk = c.recv(4096)
        if not chunk:
            raise ConnectionError("closed by the peer")
        got += chunk
    if got != line:
        raise ConnectionError(f"echo differs: {got!r}")


def cmd_converse(a):
    try:
        c = socket.create_connection((a.host, a.port), timeout=a.timeout)
        round_trip(c, b"before the attack\n")
        print(f"CONNECTED {c.getsockname()[1]}", flush=True)
        end = time.monotonic() + a.timeout
        while not os.path.exists(a.go):
            if time.monotonic() > end:
                raise TimeoutError(f"no {a.go}")
            time.sleep(0.05)
        round_trip(c, b"after the attack\n")
        c.close()
    except (OSError, TimeoutError) as e:
        print(f"FAIL {e}", flush=True)
        return 1
    print("OK", flush=True)
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("send")
    s.add_argument("src")
    s.add_argument("sport", type=int)
    s.add_argument("dst")
    s.add_argument("dport", type=int)
    s.add_argument("--flags", required=True)
    s.add_argument("--seq", type=int, nargs="+", required=True)
    s.add_argument("--ack", type=int, default=0)
    s.add_argument("--win", type=int, default=502)
    k = sub.add_parser("acks")
    k.add_argument("src")
    k.add_argument("dst")
    k.add_argument("dport", type=int)
    k.add_argument("--count", type=int, required=True)
    k.add_argument("--sport-base", type=int, default=20000)
    c = sub.add_parser("converse")
    c.add_argument("host")
    c.add_argument("port", type=int)
    c.add_argument("--go", required=True)
    c.add_argument("--timeout", type=float, default=60)
    a = p.parse_args()
    return {"send": cmd_send, "acks": cmd_acks, "converse": cmd_converse}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
