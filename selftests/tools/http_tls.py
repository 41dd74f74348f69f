#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""TLS clients for the proxy selftests (Python's ssl module, no dependencies).

  http_tls.py keepalive HOST PORT SNI CA GO_FILE
      One TLS connection (SNI, verified against CA): GET /ka-1, prints
      "cert=CN first=STATUS", waits for GO_FILE (30 s at most), then GET
      /ka-2 on the same connection and prints "second=STATUS" (or
      "second=error:WHY").
  http_tls.py close HOST PORT SNI CA
      GET /close-notify with "Connection: close", reads to the end. Prints
      "status=STATUS close_notify=yes" when the server ended the session with
      close_notify, "close_notify=no" when it only closed TCP.
  http_tls.py pipeline HOST PORT SNI CA
      Three GETs, each in its own TLS record, sent corked (one TCP segment),
      then their three responses. Prints "statuses=S1,S2,S3" (10 s at most).
  http_tls.py rst HOST PORT SNI CA PATH
      GET PATH, reads 64 kB of the response, then resets the connection
      (SO_LINGER 0). Prints "got=N".
  http_tls.py stall HOST PORT
      Sends the first 11 bytes of a ClientHello (its record announces 512)
      and waits (20 s at most). Prints "closed_after_ms=N" or "open".
  http_tls.py garbage HOST PORT
      Sends a TLS handshake record of 300 random bytes, reads what comes back
      until the server closes (5 s at most). Prints "http=yes|no
      closed=yes|no".
"""
import os
import socket
import ssl
import struct
import sys
import time


def connect_tls(host, port, sni, ca):
    ctx = ssl.create_default_context(cafile=ca)
    sock = socket.create_connection((host, port), timeout=10)
    return ctx.wrap_socket(sock, server_hostname=sni, suppress_ragged_eofs=False)


def cert_cn(s):
    for rdn in s.getpeercert()["subject"]:
        for k, v in rdn:
            if k == "commonName":
                return v
    return "-"


def read_one(s, buf):
    """One Content-Length framed response from buf + s: (status, rest)."""
    while b"\r\n\r\n" not in buf:
        piece = s.recv(65536)
        if not piece:
            raise EOFError("closed before a response")
        buf += piece
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v)
    while len(rest) < length:
        piece = s.recv(65536)
        if not piece:
            raise EOFError("response cut short")
        rest += piece
    return int(lines[0].split(" ")[1]), rest[length:]


def get(s, path, host, close=False):
    """One request; returns its status after reading the whole response."""
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" %
               (path, host, "Connection: close\r\n" if close else "")).encode())
    return read_one(s, b"")[0]


def keepalive(host, port, sni, ca, go):
    s = connect_tls(host, port, sni, ca)
    st = get(s, "/ka-1", sni)
    print("cert=%s first=%d" % (cert_cn(s), st), flush=True)
    deadline = time.time() + 30
    while not os.path.exists(go) and time.time() < deadline:
        time.sleep(0.05)
    try:
        st = get(s, "/ka-2", sni)
        print("second=%d" % st)
    except (OSError, EOFError) as e:
        print("second=error:%s" % e)


def close(host, port, sni, ca):
    s = connect_tls(host, port, sni, ca)
    st = get(s, "/close-notify", sni, close=True)
    try:
        while s.recv(65536):
            pass
        notify = "yes"  # recv returned b"": close_notify came
    except ssl.SSLEOFError:
        notify = "no"  # TCP closed without it
    print("status=%d close_notify=%s" % (st, notify))


def pipeline(host, port, sni, ca):
    s = connect_tls(host, port, sni, ca)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
    for i in range(3):
        s.sendall(("GET /pipe-%d HTTP/1.1\r\nHost: %s\r\n\r\n" % (i, sni)).encode())
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)
    statuses, buf = [], b""
    try:
        for i in range(3):
            st, buf = read_one(s, buf)
            statuses.append(str(st))
    except (OSError, EOFError) as e:
        statuses.append("error:%s" % e)
    print("statuses=%s" % ",".join(statuses))


def rst(host, port, sni, ca, path):
    s = connect_tls(host, port, sni, ca)
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path, sni)).encode())
    got = 0
    while got < 65536:
        piece = s.recv(65536)
        if not piece:
            break
        got += len(piece)
    # no close_notify: a bare reset, as document 003's cl1 leaves
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    os.close(s.detach())
    print("got=%d" % got)


def stall(host, port):
    sock = socket.create_connection((host, port), timeout=20)
    # record: handshake, TLS 1.0, 512 bytes; handshake: ClientHello, 508; 3.3
    sock.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
    t0 = time.time()
    try:
        while sock.recv(4096):
            pass
        print("closed_after_ms=%d" % ((time.time() - t0) * 1000))
    except socket.timeout:
        print("open")
    except ConnectionResetError:
        print("closed_after_ms=%d" % ((time.time() - t0) * 1000))


def garbage(host, port):
    sock = socket.create_connection((host, port), timeout=5)
    junk = os.urandom(300)
    sock.sendall(b"\x16\x03\x01" + struct.pack(">H", len(junk)) + junk)
    data, closed = b"", "no"
    try:
        while True:
            piece = sock.recv(4096)
            if not piece:
                closed = "yes"
                break
            data += piece
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed = "yes"
    print("http=%s closed=%s" % ("yes" if b"HTTP/" in data else "no", closed))


def main():
    cmds = {"keepalive": (keepalive, 5), "close": (close, 4), "rst": (rst, 5), "pipeline": (pipeline, 4),
            "stall": (stall, 2), "garbage": (garbage, 2)}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds or len(sys.argv) - 2 != cmds[sys.argv[1]][1]:
        sys.stderr.write(__doc__)
        return 2
    fn, _ = cmds[sys.argv[1]]
    args = sys.argv[2:]
    args[1] = int(args[1])
    fn(*args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
