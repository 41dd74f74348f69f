#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send hand-made IPv4 packets through a raw socket (root), for the attack
cases of the namespace tests: any source address, any protocol, fragments
that overlap, ICMP errors about any packet.

usage: craft.py udp SRC DST SPORT DPORT [--bytes B]
       craft.py frag SRC DST --id N --offset UNITS [--bytes B] [--proto P] [--more]
                     [--ports SPORT DPORT]
       craft.py unreach SRC DST QSRC QDST QSPORT QDPORT

udp:     one whole UDP datagram (checksum computed).
frag:    one fragment of a datagram of protocol P (default UDP): B bytes of
         it at offset UNITS (8-byte units), MF set with --more. With offset
         0 and UDP it starts with a UDP header from SPORT to DPORT (default
         5700 and 7001) that claims 3000 bytes.
unreach: an ICMP port unreachable from SRC to DST quoting the UDP header of
         a packet QSRC:QSPORT -> QDST:QDPORT.
"""
import argparse
import socket
import struct
import sys

from inet_csum import checksum


def ip_header(src, dst, proto, length, ident=0x4242, frag=0):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + length, ident, frag, 64, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    return hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]


def udp_datagram(src, dst, sport, dport, payload, length=None):
    ulen = length if length is not None else 8 + len(payload)
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 17, len(udp))
    return udp[:6] + struct.pack("!H", checksum(pseudo + udp) or 0xFFFF) + udp[8:]


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="kind", required=True)
    pu = sub.add_parser("udp")
    pu.add_argument("src")
    pu.add_argument("dst")
    pu.add_argument("sport", type=int)
    pu.add_argument("dport", type=int)
    pu.add_argument("--bytes", type=int, default=32)
    pf = sub.add_parser("frag")
    pf.add_argument("src")
    pf.add_argument("dst")
    pf.add_argument("--id", type=int, required=True)
    pf.add_argument("--offset", type=int, required=True)
    pf.add_argument("--bytes", type=int, default=1480)
    pf.add_argument("--proto", type=int, default=17)
    pf.add_argument("--more", action="store_true")
    pf.add_argument("--ports", type=int, nargs=2, default=[5700, 7001])
    pe = sub.add_parser("unreach")
    for a in ("src", "dst", "qsrc", "qdst"):
        pe.add_argument(a)
    pe.add_argument("qsport", type=int)
    pe.add_argument("qdport", type=int)
    a = p.parse_args()

    if a.kind == "udp":
        data = udp_datagram(a.src, a.dst, a.sport, a.dport, bytes(a.bytes))
        pkt = ip_header(a.src, a.dst, 17, len(data)) + data
    elif a.kind == "frag":
        data = bytes(i % 251 for i in range(a.bytes))
        if a.offset == 0 and a.proto == 17:
            data = struct.pack("!HHHH", a.ports[0], a.ports[1], 3000, 0) + data[8:]
        frag = a.offset | (0x2000 if a.more else 0)
        pkt = ip_header(a.src, a.dst, a.proto, len(data), a.id, frag) + data
    else:
        quote = ip_header(a.qsrc, a.qdst, 17, 8 + 4) + udp_datagram(
            a.qsrc, a.qdst, a.qsport, a.qdport, b"late")
        icmp = struct.pack("!BBHI", 3, 3, 0, 0) + quote
        icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
        pkt = ip_header(a.src, a.dst, 1, len(icmp)) + icmp
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(pkt, (a.dst, 0))
    print(f"sent {a.kind} {len(pkt)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
