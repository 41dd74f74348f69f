#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ICMP echo with a chosen identifier, for the selftests.

usage: icmp_ping.py SRC DST --id N [--count C] [--timeout S]

Sends C echo requests from address SRC to DST, all with identifier N, one
after another, and exits 0 once each was answered: an echo reply addressed
to SRC with identifier N and the request's sequence number. Two of these
from two addresses with the same N show whether a NAT keeps them apart.
Needs a raw socket (root).
"""
import argparse
import socket
import struct
import sys
import time

from inet_csum import checksum


def echo_request(ident, seq):
    payload = bytes(range(48))
    head = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    return struct.pack("!BBHHH", 8, 0, checksum(head + payload), ident, seq) + payload


def main():
    p = argparse.ArgumentParser()
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("--id", type=int, required=True)
    p.add_argument("--count", type=int, default=3)
    p.add_argument("--timeout", type=float, default=2.0)
    args = p.parse_args()

    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.bind((args.src, 0))
    answered = 0
    for seq in range(1, args.count + 1):
        s.sendto(echo_request(args.id, seq), (args.dst, 0))
        deadline = time.monotonic() + args.timeout
        while time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                pkt = s.recv(2048)
            except socket.timeout:
                break
            ihl = (pkt[0] & 0xF) * 4
            dst = socket.inet_ntoa(pkt[16:20])
            typ, _, _, ident, rseq = struct.unpack("!BBHHH", pkt[ihl:ihl + 8])
            if typ == 0 and dst == args.src and ident == args.id and rseq == seq:
                answered += 1
                break
    print(f"{answered}/{args.count} answered")
    return 0 if answered == args.count else 1


if __name__ == "__main__":
    sys.exit(main())
