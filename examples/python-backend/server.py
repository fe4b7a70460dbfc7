#!/usr/bin/env python3
"""A backend behind Portico, in Python with the standard library only.

It reads Portico's environment contract: it listens where told (the socket passed as fd 3, a
unix socket, or a port on 127.0.0.1), rejects every request without the pairing token with 400,
trusts the forwarded headers only after that check, writes READY=1 on PORTICO_NOTIFY_FD once it
listens, and on SIGTERM finishes the requests in flight and exits 0.

    PORTICO_PORT=8081 PORTICO_TOKEN=secret python3 server.py
    curl -H 'x-portico-token: secret' -H 'x-portico-user: alice' http://127.0.0.1:8081/
"""

import hashlib
import hmac
import json
import os
import signal
import socket
import socketserver
import sys
import threading
from http.server import BaseHTTPRequestHandler

TOKEN = os.environ.get("PORTICO_TOKEN")
# Comparing fixed-size digests keeps the comparison constant-time and hides the token's length.
TOKEN_DIGEST = hashlib.sha256(TOKEN.encode("utf-8")).digest() if TOKEN else None
APPL_PATH = os.environ.get("PORTICO_APPL_PATH") or "/"


def log(line):
    print(line, file=sys.stderr, flush=True)


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so shutdown never waits on an idle keep-alive.
    protocol_version = "HTTP/1.0"

    def do_GET(self):
        self.answer()

    def do_POST(self):
        self.answer()

    def token_is_valid(self):
        if TOKEN_DIGEST is None:
            return True  # Not under Portico: development. Forwarded headers are not read then.
        values = self.headers.get_all("x-portico-token") or []
        if len(values) != 1:
            return False
        # http.server decodes header bytes as latin-1; encoding back gives the bytes sent.
        presented = hashlib.sha256(values[0].encode("latin-1")).digest()
        return hmac.compare_digest(presented, TOKEN_DIGEST)

    def answer(self):
        length = int(self.headers.get("content-length") or 0)
        if not self.token_is_valid():
            # Never log the token, expected or presented.
            log(f"token_rejected: 400 for {self.command} {self.path.split('?')[0]}")
            self.reply(400, b"Bad Request\n", "text/plain; charset=utf-8")
            return
        if length:
            self.rfile.read(length)
        under_portico = TOKEN_DIGEST is not None
        del self.headers["x-portico-token"]
        forwarded_for = self.headers.get("x-forwarded-for") if under_portico else None
        body = {
            "path": self.path,
            "applPath": APPL_PATH,
            # Portico replaces the chain; the right-most entry is the one it wrote.
            "clientAddress": forwarded_for.split(",")[-1].strip() if forwarded_for else None,
            "user": self.headers.get("x-portico-user") if under_portico else None,
            "requestId": self.headers.get("x-request-id") if under_portico else None,
            "sawToken": any(name.lower() == "x-portico-token" for name in self.headers.keys()),
        }
        self.reply(200, json.dumps(body).encode("utf-8"), "application/json")

    def reply(self, status, payload, content_type):
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(payload)))
        self.send_header("connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    def address_string(self):
        # A unix socket has no client address.
        return self.client_address[0] if self.client_address else "local"


class TCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = False  # server_close() then waits for requests in flight.
    allow_reuse_address = True


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = False


def make_server():
    if os.environ.get("LISTEN_FDS") and os.environ.get("LISTEN_PID") == str(os.getpid()):
        inherited = socket.socket(fileno=3)  # systemd's protocol: the first socket is fd 3.
        server_class = UnixServer if inherited.family == socket.AF_UNIX else TCPServer
        server = server_class(inherited.getsockname(), Handler, bind_and_activate=False)
        server.socket.close()
        server.socket = inherited
        return server, f"fd 3 ({inherited.getsockname()})"
    path = os.environ.get("PORTICO_SOCKET")
    if path:
        if os.path.exists(path):
            os.unlink(path)  # Left by a previous process; the directory is Portico's own.
        return UnixServer(path, Handler), f"unix:{path}"
    port = os.environ.get("PORTICO_PORT") or os.environ.get("PORT") or "3000"
    server = TCPServer(("127.0.0.1", int(port)), Handler)
    return server, "http://127.0.0.1:%d" % server.server_address[1]


def main():
    server, where = make_server()
    log(f"listening on {where}")
    notify_fd = os.environ.get("PORTICO_NOTIFY_FD")
    if notify_fd:
        os.write(int(notify_fd), b"READY=1\n")

    def on_sigterm(_signum, _frame):
        log("shutdown_started: SIGTERM")
        # shutdown() waits for serve_forever() to return, so it cannot run on this thread.
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, on_sigterm)
    server.serve_forever()
    server.server_close()
    log("shutdown_finished: exiting with code 0")
    sys.exit(0)


if __name__ == "__main__":
    main()
