#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The far side of an ICMP error from behind the NAT (RFC 5508).

usage: udp_refused.py PORT --go FILE [--timeout S]

Binds UDP PORT and waits for one datagram; prints "peer IP PORT" and
connects to that peer. Once FILE exists it sends the peer a datagram and
expects ECONNREFUSED (the peer's port unreachable, which the kernel matches
to this socket only if the error's quote names this socket's tuple). Then it
prints every ICMP destination unreachable that came (a raw socket opened
first sees them all) as
    error TYPE/CODE from SRC quote QSRC:QSPORT>QDST:QDPORT csums ok|bad(WHAT)
checking each checksum independently: outer IP, ICMP, the quoted IP header
and, when the whole datagram is quoted, the quoted UDP checksum.
Last line: "refused", or "no error" when the deadline passed.
"""
import argparse
import os
import socket
import struct
import sys
import time

from inet_csum import checksum as csum


def describe(pkt):
    ihl = (pkt[0] & 15) * 4
    bad = []
    if csum(pkt[:ihl]):
        bad.append("ip")
    icmp = pkt[ihl:]
    if csum(icmp):
        bad.append("icmp")
    q = icmp[8:]
    qihl = (q[0] & 15) * 4
    if csum(q[:qihl]):
        bad.append("quoted-ip")
    qsrc, qdst = socket.inet_ntoa(q[12:16]), socket.inet_ntoa(q[16:20])
    l4 = q[qihl:]
    sport, dport, ulen, ucsum = struct.unpack("!HHHH", l4[:8])
    if q[9] == 17 and ucsum and len(l4) >= ulen:
        pseudo = q[12:20] + struct.pack("!BBH", 0, 17, ulen)
        if csum(pseudo + l4[:ulen]):
            bad.append("quoted-udp")
    return (f"error {icmp[0]}/{icmp[1]} from {socket.inet_ntoa(pkt[12:16])} "
            f"quote {qsrc}:{sport}>{qdst}:{dport} csums "
            + (f"bad({','.join(bad)})" if bad else "ok"))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("--go", required=True)
    p.add_argument("--timeout", type=float, default=10)
    a = p.parse_args()
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", a.port))
    s.settimeout(a.timeout)
    _, peer = s.recvfrom(65535)
    print(f"peer {peer[0]} {peer[1]}", flush=True)
    s.connect(peer)
    deadline = time.monotonic() + a.timeout
    while not os.path.exists(a.go):
        if time.monotonic() > deadline:
            print("no go")
            return 1
        time.sleep(0.05)
    s.send(b"late")
    result = "no error"
    try:
        s.recv(65535)
        result = "a reply"
    except ConnectionRefusedError:
        result = "refused"
    except socket.timeout:
        pass
    raw.setblocking(False)
    while True:
        try:
            pkt = raw.recv(65535)
        except BlockingIOError:
            break
        ihl = (pkt[0] & 15) * 4
        if pkt[ihl] == 3:
            print(describe(pkt))
    print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
