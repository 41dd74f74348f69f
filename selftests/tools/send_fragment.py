#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send one later IPv4 fragment (offset > 0) of a UDP datagram, on its own;
or, with --datagram, a whole UDP datagram in 1480-byte fragments, last first.

usage: send_fragment.py SRC DST --id N [--offset UNITS] [--bytes B]
       send_fragment.py SRC DST --id N --datagram SPORT DPORT --bytes B

Alone, its first fragment is never sent: a NAT must not deliver it
anywhere. Needs a raw socket (root).
"""
import argparse
import socket
import struct
import sys

from inet_csum import checksum


def main():
    p = argparse.ArgumentParser()
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("--id", type=int, required=True)
    p.add_argument("--offset", type=int, default=185, help="in 8-byte units")
    p.add_argument("--bytes", type=int, default=800)
    p.add_argument("--datagram", type=int, nargs=2, metavar=("SPORT", "DPORT"))
    a = p.parse_args()
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    payload = bytes(i % 251 for i in range(a.bytes))
    if not a.datagram:
        s.sendto(ip_packet(a, payload, a.offset), (a.dst, 0))
        print("sent")
        return 0
    ulen = 8 + len(payload)
    pseudo = socket.inet_aton(a.src) + socket.inet_aton(a.dst) + struct.pack("!BBH", 0, 17, ulen)
    udp = struct.pack("!HHHH", a.datagram[0], a.datagram[1], ulen, 0) + payload
    csum = checksum(pseudo + udp + b"\0" * (len(udp) % 2)) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", csum) + udp[8:]
    frags = [(off, udp[off:off + 1480]) for off in range(0, len(udp), 1480)]
    for off, data in reversed(frags):
        more = 0x2000 if off + len(data) < len(udp) else 0
        s.sendto(ip_packet(a, data, more | off // 8), (a.dst, 0))
    print(f"sent {len(frags)} fragments, last first")
    return 0


def ip_packet(a, data, frag):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(data), a.id, frag, 64,
                      socket.IPPROTO_UDP, 0, socket.inet_aton(a.src), socket.inet_aton(a.dst))
    return hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:] + data


if __name__ == "__main__":
    sys.exit(main())
