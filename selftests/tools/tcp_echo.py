#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""TCP echo server and concurrent client for the selftests (asyncio).

usage: tcp_echo.py server PORT [--log FILE]
       tcp_echo.py client HOST PORT TAG [-n N] [--size-min B] [--size-max B]
                  [--timeout S]
       tcp_echo.py hold HOST PORT [--seconds S]
       tcp_echo.py stream HOST PORT [--seconds S] [--stall S]
       tcp_echo.py sink PORT
       tcp_echo.py upload HOST PORT BYTES [--timeout S]

server: echoes each connection until EOF; appends "IP PORT FIRSTLINE" of
        every connection to FILE.
client: opens N connections (connect timeout S/2), waits until all of them
        are established or failed, then
        each sends "TAG-i\\n" plus a pseudo-random payload of a few KB, closes
        its write side and compares what comes back. Prints "OK k/N";
        exits 0 iff all N round trips succeeded within the timeout.
hold:   opens one connection, prints its local port and keeps it open until
        killed or S seconds pass.
"""
import argparse
import hashlib
import asyncio
import random
import socket
import sys
import time


async def serve(args):
    async def handle(reader, writer):
        peer = writer.get_extra_info("peername")
        try:
            first = await reader.readline()
            if args.log:
                tag = first.rstrip(b"\n").decode(errors="replace")
                with open(args.log, "a") as f:
                    f.write(f"{peer[0]} {peer[1]} {tag}\n")
            data = first
            while data:
                writer.write(data)
                await writer.drain()
                data = await reader.read(65536)
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    srv = await asyncio.start_server(handle, "0.0.0.0", args.port, backlog=1024)
    print(f"listening on tcp {args.port}", flush=True)
    async with srv:
        await srv.serve_forever()


async def run_clients(args):
    n = args.n
    settled = 0
    all_open = asyncio.Event()

    def settle():
        nonlocal settled
        settled += 1
        if settled == n:
            all_open.set()

    async def one(i):
        rnd = random.Random(i)
        size = rnd.randint(args.size_min, args.size_max)
        payload = f"{args.tag}-{i}\n".encode() + rnd.randbytes(size)
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(args.host, args.port), args.timeout / 2)
        except (OSError, asyncio.TimeoutError) as e:
            settle()
            return f"connect: {e!r}"
        settle()
        try:
            await all_open.wait()
            writer.write(payload)
            await writer.drain()
            writer.write_eof()
            echo = await reader.read(-1)
            return None if echo == payload else f"echo mismatch ({len(echo)}/{len(payload)} bytes)"
        except Exception as e:  # reset, refused, ...: report, don't crash
            return f"io: {e!r}"
        finally:
            writer.close()

    tasks = [asyncio.create_task(one(i)) for i in range(n)]
    done, pending = await asyncio.wait(tasks, timeout=args.timeout)
    for t in pending:
        t.cancel()
    errors = [t.result() for t in done if t.result()]
    ok = len(done) - len(errors)
    print(f"OK {ok}/{n}")
    for e in sorted(set(errors))[:5]:
        print(f"  error: {e}", file=sys.stderr)
    if pending:
        print(f"  {len(pending)} timed out after {args.timeout}s", file=sys.stderr)
    return 0 if ok == n else 1


def hold(args):
    s = socket.create_connection((args.host, args.port), timeout=5)
    print(f"connected from port {s.getsockname()[1]}", flush=True)
    deadline = time.monotonic() + args.seconds
    s.settimeout(args.seconds)
    while time.monotonic() < deadline:
        try:
            if not s.recv(4096):
                break
        except socket.timeout:
            break
    return 0


def stream(args):
    """One connection echoing a byte pattern for SECONDS; every chunk must
    come back intact. Prints "bytes N" about five times a second (flushed),
    so a test can see the transfer advance, then "OK stream N bytes"."""
    s = socket.create_connection((args.host, args.port), timeout=5)
    s.settimeout(args.stall)
    s.sendall(b"stream\n")
    if s.recv(7) != b"stream\n":
        print("FAIL no echo of the tag", file=sys.stderr)
        return 1
    chunk = bytes(i % 251 for i in range(16384))
    total, last_report = 0, 0.0
    deadline = time.monotonic() + args.seconds
    try:
        while time.monotonic() < deadline:
            s.sendall(chunk)
            got = b""
            while len(got) < len(chunk):
                part = s.recv(len(chunk) - len(got))
                if not part:
                    raise ConnectionError("closed by peer")
                got += part
            if got != chunk:
                raise ValueError("echo differs from what was sent")
            total += len(chunk)
            if time.monotonic() - last_report > 0.2:
                print(f"bytes {total}", flush=True)
                last_report = time.monotonic()
    except (OSError, ValueError) as e:
        print(f"FAIL after {total} bytes: {e}", file=sys.stderr, flush=True)
        return 1
    print(f"OK stream {total} bytes", flush=True)
    return 0


def sink(args):
    """Read each connection to EOF; answer "BYTES SHA256" of what came."""
    srv = socket.create_server(("0.0.0.0", args.port), backlog=16)
    print(f"listening on tcp {args.port}", flush=True)
    while True:
        conn, _ = srv.accept()
        with conn:
            h, n = hashlib.sha256(), 0
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                h.update(data)
                n += len(data)
            conn.sendall(f"{n} {h.hexdigest()}\n".encode())


def upload(args):
    """Send BYTES of a pattern to a sink; exit 0 if it got exactly them."""
    chunk = bytes(i % 251 for i in range(65536))
    h, left = hashlib.sha256(), args.bytes
    s = socket.create_connection((args.host, args.port), timeout=args.timeout)
    while left:
        part = chunk[:min(left, len(chunk))]
        s.sendall(part)
        h.update(part)
        left -= len(part)
    s.shutdown(socket.SHUT_WR)
    answer = s.makefile().readline().split()
    want = [str(args.bytes), h.hexdigest()]
    print("OK" if answer == want else f"FAIL sink got {answer}, sent {want}")
    return 0 if answer == want else 1


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
    pc.add_argument("-n", type=int, default=200)
    pc.add_argument("--size-min", type=int, default=1024)
    pc.add_argument("--size-max", type=int, default=8192)
    pc.add_argument("--timeout", type=float, default=30)
    ph = sub.add_parser("hold")
    ph.add_argument("host")
    ph.add_argument("port", type=int)
    ph.add_argument("--seconds", type=float, default=60)
    psk = sub.add_parser("sink")
    psk.add_argument("port", type=int)
    pu = sub.add_parser("upload")
    pu.add_argument("host")
    pu.add_argument("port", type=int)
    pu.add_argument("bytes", type=int)
    pu.add_argument("--timeout", type=float, default=20)
    pst = sub.add_parser("stream")
    pst.add_argument("host")
    pst.add_argument("port", type=int)
    pst.add_argument("--seconds", type=float, default=10)
    pst.add_argument("--stall", type=float, default=3,
                     help="fail if no byte moves for this long")
    args = p.parse_args()
    if args.mode == "server":
        asyncio.run(serve(args))
        return 0
    if args.mode == "client":
        return asyncio.run(run_clients(args))
    modes = {"stream": stream, "sink": sink, "upload": upload, "hold": hold}
    return modes[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
