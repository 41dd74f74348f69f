#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send one later IPv4 fragment (offset > 0) of a UDP datagram, on its own.

usage: send_fragment.py SRC DST --id N [--offset UNITS] [--bytes B]

Its first fragment is never sent: a NAT must not deliver it anywhere.
Needs a raw socket (root).
"""
import argparse
import socket
import struct
import sys


def checksum(data):
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def main():
    p = argparse.ArgumentParser()
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("--id", type=int, required=True)
    p.add_argument("--offset", type=int, default=185, help="in 8-byte units")
    p.add_argument("--bytes", type=int, default=800)
    a = p.parse_args()
    payload = bytes(i % 251 for i in range(a.bytes))
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), a.id, a.offset, 64,
                      socket.IPPROTO_UDP, 0, socket.inet_aton(a.src), socket.inet_aton(a.dst))
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(hdr + payload, (a.dst, 0))
    print("sent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
