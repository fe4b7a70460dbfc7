#!/usr/bin/env python3
"""A backend behind Portico, in Python: the standard library and Portico's Python integration.

integrations/python/portico_integration.py holds the contract, so this file holds only the app.
serve_wsgi() listens where Portico says (the socket passed as fd 3, a unix socket, or a port on
127.0.0.1), answers 400 to every request without the pairing token (compared in constant time,
logged without the token), gives the app what Portico said only behind a valid token
(portico_info), writes READY=1 on PORTICO_NOTIFY_FD once it listens, and on SIGTERM finishes the
requests in flight and exits 0.

Copy portico_integration.py beside this file, or run it from the repository, where it is found in
integrations/python:

    PORTICO_PORT=8081 PORTICO_TOKEN=secret python3 server.py
    curl -H 'x-portico-token: secret' -H 'x-portico-user: alice' http://127.0.0.1:8081/
"""

import json
import os
import sys

# A copy beside this file comes first (the script's folder is on sys.path); else the repository's.
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "integrations", "python"))
from portico_integration import portico_info, serve_wsgi  # noqa: E402

APPL_PATH = os.environ.get("PORTICO_APPL_PATH") or "/"


def app(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length:
        environ["wsgi.input"].read(length)
    # None without Portico: then nothing is read from headers anyone could have sent.
    info = portico_info(environ) or {}
    query = environ.get("QUERY_STRING")
    body = json.dumps({
        "path": environ.get("PATH_INFO", "/") + ("?" + query if query else ""),
        "applPath": APPL_PATH,
        "clientAddress": info.get("client_address"),
        "user": info.get("user"),
        "requestId": info.get("request_id"),
        "sawToken": "HTTP_X_PORTICO_TOKEN" in environ,
    }).encode("utf-8")
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


if __name__ == "__main__":
    serve_wsgi(app, default_port=3000)
