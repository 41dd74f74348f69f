#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tiny HTTP server for the selftests.

usage: http_server.py PORT PEERLOG

Answers every GET with a short text body (GET /bytes/N: N zero bytes) and
appends "IP PORT PATH" of the peer to PEERLOG (one line per request,
flushed at once).
"""
import http.server
import sys
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    lock = threading.Lock()
    log_path = None

    def do_GET(self):
        ip, port = self.client_address[:2]
        with self.lock, open(self.log_path, "a") as f:
            f.write(f"{ip} {port} {self.path}\n")
        if self.path.startswith("/bytes/"):
            self.send_bytes(int(self.path[7:]))
            return
        body = f"hello from inet, you are {ip}:{port}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_bytes(self, n):
        chunk = bytes(65536)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(n))
        self.end_headers()
        while n > 0:
            self.wfile.write(chunk[:min(n, len(chunk))])
            n -= len(chunk)

    def log_message(self, fmt, *args):
        pass


def main():
    port, Handler.log_path = int(sys.argv[1]), sys.argv[2]
    srv = http.server.ThreadingHTTPServer(("0.0.0.0", port), Handler)
    srv.daemon_threads = True
    print(f"listening on tcp {port}", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
