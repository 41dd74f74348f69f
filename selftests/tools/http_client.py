#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""HTTP/1.1 client for the proxy selftests (asyncio, no dependencies).

  http_client.py load HOST PORT [--clients C] [--requests R | --seconds S]
                 [--path P] [--new-conn] [--stop-file F] [--post-bytes N]
      C clients, each on one keep-alive connection (or a new connection per
      request with --new-conn), R requests each or for S seconds, or until F
      exists; with --post-bytes, POSTs of N bytes. Prints one line:
      "ok=N fail=N conns=N statuses=200:N,... backends=web1:N,... errors=..."
  http_client.py raw HOST PORT DATA [--timeout T] [--data-file F] [--half-close]
                 [--dump]
      Sends DATA (Python escapes: \\r\\n; then the bytes of F, if given),
      shuts its sending side if --half-close, and reads until the server
      closes or T seconds pass. Prints "statuses=400,... closed=yes|no" (and
      with --timed " after_ms=N": from the last response to the close), or
      with --dump what came back, as it came.
  http_client.py slowloris HOST PORT [--interval I] [--limit S]
      Sends a request head one byte every I seconds, never finishing it.
      Prints "closed_after=SECONDS response=STATUS|none".
  http_client.py hold HOST PORT --clients C --hold S [--parallel P]
      Opens C keep-alive connections, makes one request on each (at most P
      at once, if given), keeps them open S seconds, then one more request
      on each. Prints like load.
"""
import argparse
import asyncio
import collections
import os
import sys
import time


async def read_response(reader, method="GET"):
    """One response: (status, headers dict (lower-case names), body length).
    Raises on a malformed or cut-short response."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    hdrs = {}
    for line in lines[1:]:
        if line:
            k, _, v = line.partition(":")
            hdrs[k.strip().lower()] = v.strip()
    n = 0
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return status, hdrs, 0
    if hdrs.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass
                break
            await reader.readexactly(size + 2)
            n += size
    elif "content-length" in hdrs:
        left = int(hdrs["content-length"])
        while left:
            piece = await reader.read(min(left, 1 << 16))
            if not piece:
                raise ConnectionError("body cut short")
            left -= len(piece)
            n += len(piece)
    else:
        while True:
            piece = await reader.read(1 << 16)
            if not piece:
                break
            n += len(piece)
    return status, hdrs, n


class Stats:
    def __init__(self):
        self.ok = self.fail = self.conns = 0
        self.statuses = collections.Counter()
        self.backends = collections.Counter()
        self.errors = collections.Counter()

    def line(self):
        def fmt(c):
            return ",".join(f"{k}:{v}" for k, v in sorted(c.items())) or "-"
        return (f"ok={self.ok} fail={self.fail} conns={self.conns} statuses={fmt(self.statuses)} "
                f"backends={fmt(self.backends)} errors={fmt(self.errors)}")


def request(host, path, close=False, post_bytes=0):
    conn = "Connection: close\r\n" if close else ""
    if post_bytes:
        return (f"POST {path} HTTP/1.1\r\nHost: {host}\r\n{conn}Content-Length: {post_bytes}\r\n\r\n"
                .encode() + b"x" * post_bytes)
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{conn}\r\n".encode()


async def one(reader, writer, host, path, st, close=False, post_bytes=0):
    writer.write(request(host, path, close, post_bytes))
    await writer.drain()
    status, hdrs, _ = await read_response(reader)
    st.statuses[status] += 1
    st.backends[hdrs.get("x-backend", "-")] += 1
    if status == 200:
        st.ok += 1
    else:
        st.fail += 1
    return hdrs


def done(args, start, i):
    if args.stop_file and os.path.exists(args.stop_file):
        return True
    if args.seconds:
        return time.monotonic() - start >= args.seconds
    return i >= args.requests


async def client(args, st, start):
    reader = writer = None
    i = 0
    while not done(args, start, i):
        try:
            if writer is None:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(args.host, args.port), 10)
                st.conns += 1
            hdrs = await asyncio.wait_for(
                one(reader, writer, args.host, args.path, st, args.new_conn, args.post_bytes), 10)
            if args.new_conn or hdrs.get("connection", "").lower() == "close":
                writer.close()
                writer = None
        except Exception as e:  # a failed request, counted by kind
            st.fail += 1
            st.errors[type(e).__name__] += 1
            if writer:
                writer.close()
            writer = None
            await asyncio.sleep(0.01)
        i += 1
        if args.interval:
            await asyncio.sleep(args.interval)
    if writer:
        writer.close()


async def load(args):
    st = Stats()
    start = time.monotonic()
    await asyncio.gather(*(client(args, st, start) for _ in range(args.clients)))
    print(st.line(), flush=True)
    return 0


async def hold(args):
    st = Stats()
    conns = []
    parallel = asyncio.Semaphore(args.parallel or args.clients)

    async def open_one():
        # connected only when its turn comes: a connection waiting for its
        # first request would meet the server's header timeout
        async with parallel:
            r, w = await asyncio.wait_for(asyncio.open_connection(args.host, args.port), 10)
            st.conns += 1
            await asyncio.wait_for(one(r, w, args.host, args.path, st), 10)
        return r, w
    res = await asyncio.gather(*(open_one() for _ in range(args.clients)), return_exceptions=True)
    for r in res:
        if isinstance(r, Exception):
            st.fail += 1
            st.errors[type(r).__name__] += 1
        else:
            conns.append(r)
    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write(st.line() + "\n")
    end = time.monotonic() + args.hold
    while time.monotonic() < end and not (args.stop_file and os.path.exists(args.stop_file)):
        await asyncio.sleep(0.05)

    async def again(r, w):
        try:
            async with parallel:
                await asyncio.wait_for(one(r, w, args.host, args.path, st), 10)
        except Exception as e:
            st.fail += 1
            st.errors[type(e).__name__] += 1
        w.close()
    await asyncio.gather(*(again(r, w) for r, w in conns))
    print(st.line(), flush=True)
    return 0


async def raw(args):
    data = args.data.encode("latin-1").decode("unicode_escape").encode("latin-1")
    if args.data_file:
        with open(args.data_file, "rb") as f:
            data += f.read()
    reader, writer = await asyncio.open_connection(args.host, args.port)
    writer.write(data)
    await writer.drain()
    if args.half_close:
        writer.write_eof()
    if args.dump:
        got = bytearray()
        try:
            while True:
                piece = await asyncio.wait_for(reader.read(65536), args.timeout)
                if not piece:
                    break
                got.extend(piece)
        except (asyncio.TimeoutError, ConnectionResetError):
            pass
        writer.close()
        sys.stdout.buffer.write(got)
        sys.stdout.flush()
        return 0
    statuses, closed = [], "no"
    last = time.monotonic()
    try:
        while True:
            status, _, _ = await asyncio.wait_for(read_response(reader), args.timeout)
            statuses.append(str(status))
            last = time.monotonic()
    except asyncio.IncompleteReadError as e:
        closed = "yes" if not e.partial else "partial"
    except (ConnectionResetError, BrokenPipeError):
        closed = "reset"
    except asyncio.TimeoutError:
        closed = "no"
    writer.close()
    after = f" after_ms={int((time.monotonic() - last) * 1000)}" if args.timed else ""
    print(f"statuses={','.join(statuses) or '-'} closed={closed}{after}", flush=True)
    return 0


async def slowloris(args):
    head = f"GET /slowloris HTTP/1.1\r\nHost: {args.host}\r\nX-Slow: " + "a" * 100000
    reader, writer = await asyncio.open_connection(args.host, args.port)
    start = time.monotonic()
    response = "none"
    got = bytearray()

    async def reader_task():
        while True:
            d = await reader.read(4096)
            if not d:
                return
            got.extend(d)
    rt = asyncio.ensure_future(reader_task())
    try:
        for ch in head:
            if rt.done() or time.monotonic() - start > args.limit:
                break
            writer.write(ch.encode())
            await writer.drain()
            await asyncio.sleep(args.interval)
    except (ConnectionResetError, BrokenPipeError):
        pass
    try:
        await asyncio.wait_for(rt, 2)
    except (asyncio.TimeoutError, ConnectionResetError):
        pass
    if got.startswith(b"HTTP/1."):
        response = got.split(b" ")[1].decode()
    print(f"closed_after={time.monotonic() - start:.2f} response={response}", flush=True)
    writer.close()
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("load", "raw", "slowloris", "hold"):
        s = sub.add_parser(name)
        s.add_argument("host")
        s.add_argument("port", type=int)
        if name == "raw":
            s.add_argument("data")
            s.add_argument("--timeout", type=float, default=3)
            s.add_argument("--data-file")
            s.add_argument("--half-close", action="store_true")
            s.add_argument("--dump", action="store_true")
            s.add_argument("--timed", action="store_true")
        s.add_argument("--clients", type=int, default=1)
        s.add_argument("--requests", type=int, default=1)
        s.add_argument("--seconds", type=float, default=0)
        s.add_argument("--interval", type=float, default=0)
        s.add_argument("--path", default="/")
        s.add_argument("--new-conn", action="store_true")
        s.add_argument("--stop-file")
        s.add_argument("--ready-file")
        s.add_argument("--limit", type=float, default=30)
        s.add_argument("--hold", type=float, default=1)
        s.add_argument("--post-bytes", type=int, default=0)
        s.add_argument("--parallel", type=int, default=0)
    args = p.parse_args()
    if args.cmd == "slowloris" and not args.interval:
        args.interval = 0.2
    return asyncio.run({"load": load, "raw": raw, "slowloris": slowloris, "hold": hold}[args.cmd](args))


if __name__ == "__main__":
    sys.exit(main())
