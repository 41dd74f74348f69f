#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A STUN-like UDP pair for the mapping and filtering tests (RFC 4787).

usage: stun_like.py server ADDR PORT
       stun_like.py client SPORT SERVER:PORT... [--listen S] [--timeout S]
       stun_like.py send SRC_ADDR SRC_PORT DST DST_PORT TOKEN

server answers every datagram with "mapped IP:PORT", the address and port
the datagram came from (what a STUN server's XOR-MAPPED-ADDRESS carries).
client binds SPORT, asks each SERVER in turn and prints "mapped SERVER
IP:PORT" per answer (retrying a lost datagram); then, with --listen, prints
"got IP:PORT TOKEN" for every datagram that arrives within S seconds, and a
line "listening" before that, flushed, so a test knows when to send.
send sends TOKEN once from SRC_ADDR:SRC_PORT (an endpoint that never
talked to the client: the filtering probe).
"""
import argparse
import socket
import sys
import time


def server(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((args.addr, args.port))
    print(f"listening on udp {args.addr}:{args.port}", flush=True)
    while True:
        data, peer = s.recvfrom(2048)
        s.sendto(f"mapped {peer[0]}:{peer[1]}".encode(), peer)


def client(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", args.sport))
    for srv in args.servers:
        host, port = srv.rsplit(":", 1)
        peer = (host, int(port))
        deadline = time.monotonic() + args.timeout
        answer = None
        while answer is None and time.monotonic() < deadline:
            s.sendto(b"binding request", peer)
            s.settimeout(0.5)
            try:
                while True:
                    data, src = s.recvfrom(2048)
                    if src == peer and data.startswith(b"mapped "):
                        answer = data.decode().split()[1]
                        break
            except socket.timeout:
                pass
        if answer is None:
            print(f"no answer from {srv}", flush=True)
            return 1
        print(f"mapped {srv} {answer}", flush=True)
    if not args.listen:
        return 0
    print("listening", flush=True)
    end = time.monotonic() + args.listen
    while time.monotonic() < end:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            data, src = s.recvfrom(2048)
        except socket.timeout:
            break
        print(f"got {src[0]}:{src[1]} {data.decode(errors='replace')}", flush=True)
    return 0


def send(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((args.src_addr, args.src_port))
    s.sendto(args.token.encode(), (args.dst, args.dst_port))
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    sp = sub.add_parser("server")
    sp.add_argument("addr")
    sp.add_argument("port", type=int)
    sp.set_defaults(fn=server)
    cp = sub.add_parser("client")
    cp.add_argument("sport", type=int)
    cp.add_argument("servers", nargs="+")
    cp.add_argument("--listen", type=float, default=0)
    cp.add_argument("--timeout", type=float, default=5)
    cp.set_defaults(fn=client)
    xp = sub.add_parser("send")
    xp.add_argument("src_addr")
    xp.add_argument("src_port", type=int)
    xp.add_argument("dst")
    xp.add_argument("dst_port", type=int)
    xp.add_argument("token")
    xp.set_defaults(fn=send)
    args = p.parse_args()
    sys.exit(args.fn(args))


if __name__ == "__main__":
    main()
