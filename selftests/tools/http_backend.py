#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""HTTP/1.1 backend for the proxy selftests.

usage: http_backend.py NAME ADDR PORT LOG

Keep-alive HTTP/1.1 server (one thread per connection). Every request
appends one line to LOG: "NAME PEER_IP PEER_PORT METHOD PATH XFF" (XFF "-"
when absent), flushed at once. Every request body, once read to its end or
cut short, appends to LOG.body: "NAME PATH complete|cut len=N framing=
length|chunked exts=N trailers=NAME,...|-". Paths:

  /big?n=N        N bytes of a fixed pattern with Content-Length, streamed
  /chunked?n=N    the same, chunked
  /close?n=N      the same, no length: ends when the connection closes
  /slow?ms=N      answers after N ms
  /early[?code=N] answers N (default 413) before reading the request body,
                  then reads and drops the body (as nginx does), so the
                  connection stays usable
  /upload[?bps=N] (POST/PUT) reads the body (Content-Length or chunked) as it
                  comes, at most N bytes/s if given, and answers "len=N sha256=HEX"
  /healthz        200, or 503 while the file NAME.down exists beside LOG
  /length?cl=S    "hello" with the field "Content-Length: S" as given
  /te-gzip        "hello gzip" gzipped, with "Transfer-Encoding: gzip, chunked"
  anything else   200 with "backend NAME", "peer IP PORT", the request line,
                  every request header as "h NAME: VALUE" lines and, for a
                  body, "body len=N framing=F exts=N" and "trailer NAME: VALUE"

Every response carries X-Backend: NAME. The pattern byte i is
PATTERN[i % len(PATTERN)] so a client can check what it got.
"""
import gzip
import hashlib
import http.server
import os
import socketserver
import sys
import threading
import time
import urllib.parse

PATTERN = bytes(range(256)) * 64  # 16 KiB


def pattern_chunks(n):
    while n > 0:
        k = min(n, len(PATTERN))
        yield PATTERN[:k]
        n -= k


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    name = "?"
    log_path = None
    lock = threading.Lock()

    def log_request_line(self):
        ip, port = self.client_address[:2]
        xff = self.headers.get("X-Forwarded-For", "-").replace(" ", "")
        with self.lock, open(self.log_path, "a") as f:
            f.write(f"{self.name} {ip} {port} {self.command} {self.path} {xff}\n")

    def reply(self, code, body, extra=()):
        self.send_response(code)
        self.send_header("X-Backend", self.name)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_body(self):
        """Yields the request body in pieces, never all of it at once, and
        logs it to LOG.body (complete or cut short) when there is one."""
        self.body_len, self.exts, self.trailers = 0, 0, []
        chunked = self.headers.get("Transfer-Encoding", "").lower() == "chunked"
        if not chunked and "Content-Length" not in self.headers:
            return
        state = "cut"
        try:
            for piece in (self.read_chunked() if chunked else self.read_length()):
                self.body_len += len(piece)
                yield piece
            state = "complete"
        finally:
            with self.lock, open(self.log_path + ".body", "a") as f:
                f.write(f"{self.name} {self.path} {state} len={self.body_len} "
                        f"framing={'chunked' if chunked else 'length'} exts={self.exts} "
                        f"trailers={','.join(t.split(':')[0] for t in self.trailers) or '-'}\n")

    def read_chunked(self):
        while True:
            line = self.rfile.readline(1024)
            if not line.endswith(b"\n"):
                raise ConnectionError("body cut short")
            self.exts += b";" in line
            size = int(line.split(b";")[0].strip(), 16)
            if size == 0:
                while True:
                    t = self.rfile.readline(1024)
                    if not t.endswith(b"\n"):
                        raise ConnectionError("body cut short")
                    if t in (b"\r\n", b"\n"):
                        return
                    self.trailers.append(t.decode("latin-1").strip())
            yield from self.read_exactly(size)
            self.rfile.readline(16)

    def read_length(self):
        return self.read_exactly(int(self.headers.get("Content-Length", "0")))

    def read_exactly(self, n):
        while n > 0:
            piece = self.rfile.read(min(n, 65536))
            if not piece:
                raise ConnectionError("body cut short")
            n -= len(piece)
            yield piece

    def stream(self, n, mode):
        self.send_response(200)
        self.send_header("X-Backend", self.name)
        self.send_header("Content-Type", "application/octet-stream")
        if mode == "length":
            self.send_header("Content-Length", str(n))
        elif mode == "chunked":
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command == "HEAD":
            return
        for piece in pattern_chunks(n):
            if mode == "chunked":
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            else:
                self.wfile.write(piece)
        if mode == "chunked":
            self.wfile.write(b"0\r\n\r\n")

    def handle_any(self):
        self.log_request_line()
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/upload":
            h = hashlib.sha256()
            total = 0
            bps = int(q.get("bps", "0"))
            start = time.monotonic()
            for piece in self.read_body():
                h.update(piece)
                total += len(piece)
                if bps:  # a slow reader: the proxy must hold back, not buffer
                    time.sleep(max(0, start + total / bps - time.monotonic()))
            self.reply(200, f"len={total} sha256={h.hexdigest()}\n".encode())
            return
        if url.path == "/early":
            self.reply(int(q.get("code", "413")), b"early\n")
            self.wfile.flush()
            for _ in self.read_body():
                pass
            return
        # drain any body of the other paths
        for _ in self.read_body():
            pass
        if url.path == "/healthz":
            down = os.path.exists(os.path.join(os.path.dirname(self.log_path), self.name + ".down"))
            self.reply(503 if down else 200, b"down\n" if down else b"ok\n")
        elif url.path == "/big":
            self.stream(int(q.get("n", "0")), "length")
        elif url.path == "/chunked":
            self.stream(int(q.get("n", "0")), "chunked")
        elif url.path == "/close":
            self.stream(int(q.get("n", "0")), "close")
        elif url.path == "/length":
            # the length as given, however wrong: the proxy must not pass it
            self.send_response(200)
            self.send_header("Content-Length", q.get("cl", "5"))
            self.end_headers()
            self.wfile.write(b"hello")
            self.close_connection = True
        elif url.path == "/te-gzip":
            data = gzip.compress(b"hello gzip\n")
            self.send_response(200)
            self.send_header("X-Backend", self.name)
            self.send_header("Transfer-Encoding", "gzip, chunked")
            self.end_headers()
            self.wfile.write(b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data))
        elif url.path == "/slow":
            time.sleep(int(q.get("ms", "1000")) / 1000)
            self.reply(200, f"slow {self.name}\n".encode())
        else:
            ip, port = self.client_address[:2]
            lines = [f"backend {self.name}", f"peer {ip} {port}",
                     f"request {self.command} {self.path} {self.request_version}"]
            lines += [f"h {k}: {v}" for k, v in self.headers.items()]
            if self.body_len or self.exts or self.trailers:
                lines.append(f"body len={self.body_len} exts={self.exts}")
            lines += [f"trailer {t}" for t in self.trailers]
            self.reply(200, ("\n".join(lines) + "\n").encode())

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = handle_any

    def log_message(self, fmt, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 2048

    def server_bind(self):
        # HTTPServer's own asks DNS for the address's name (getfqdn): no
        # DNS in a test namespace, so it would hang until it times out
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


def main():
    Handler.name, addr, port, Handler.log_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    srv = Server((addr, port), Handler)
    print(f"{Handler.name} listening on {addr}:{port}", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
