"""Portico's backend contract for Python: WSGI and ASGI middleware, standard library only.

    from portico_integration import PorticoWSGI, portico_info
    app = PorticoWSGI(flask_app)            # or PorticoASGI(starlette_app)

Under Portico (PORTICO_TOKEN set) every request without the right x-portico-token is answered
400 and logged to stderr; a request with it reaches the app with the token header removed and
what Portico said about it in environ["portico"] (ASGI: scope["portico"]). Without Portico the
check is off and environ["portico"] is absent, so nothing can be read from headers anyone sent.
The listening helpers (gunicorn_bind, uvicorn_options, listen_socket, serve_wsgi) follow the
same contract: fd 3 (LISTEN_FDS), then PORTICO_SOCKET, then PORTICO_PORT / PORT on 127.0.0.1.
"""

import base64
import hashlib
import hmac
import json
import os
import re
import signal
import socket
import sys
import threading

__all__ = [
    "PorticoWSGI", "PorticoASGI", "portico_info", "read_environment", "listen_socket",
    "gunicorn_bind", "uvicorn_options", "signal_ready", "serve_wsgi", "InvalidEnvironment",
]

TOKEN_HEADER = "x-portico-token"


class InvalidEnvironment(ValueError):
    """A contract variable is set but malformed; the message names it."""


def _whole_number(env, name, low, high):
    value = env.get(name)
    if value is None or value == "":
        return None
    if not re.fullmatch(r"\d{1,16}", value) or not low <= int(value) <= high:
        raise InvalidEnvironment(f"{name} must be a whole number from {low} to {high}, got {value!r}")
    return int(value)


def read_environment(env=None, pid=None):
    """The contract as a dict: token, appl_path, listen (mode, where), notify_fd."""
    env = os.environ if env is None else env
    token = env.get("PORTICO_TOKEN")
    if token == "":
        # An empty token would make an empty header valid: refuse rather than fail open.
        raise InvalidEnvironment("PORTICO_TOKEN is set but empty")
    appl_path = (env.get("PORTICO_APPL_PATH") or "/").rstrip("/") or "/"
    if not appl_path.startswith("/"):
        raise InvalidEnvironment(f"PORTICO_APPL_PATH must start with '/', got {appl_path!r}")
    listen = None
    # systemd's sd_listen_fds(3): fd 3 is meant for LISTEN_PID only, not for a child that
    # inherited the variables.
    if env.get("LISTEN_FDS") and env.get("LISTEN_PID") == str(os.getpid() if pid is None else pid):
        if (_whole_number(env, "LISTEN_FDS", 0, 1024) or 0) > 0:
            listen = ("fd", 3)
    if listen is None and env.get("PORTICO_SOCKET"):
        listen = ("unix", env["PORTICO_SOCKET"])
    if listen is None:
        for name in ("PORTICO_PORT", "PORT"):
            port = _whole_number(env, name, 0, 65535)
            if port is not None:
                listen = ("tcp", port)
                break
    return {
        "token": token,
        "appl_path": appl_path,
        "listen": listen,
        "notify_fd": _whole_number(env, "PORTICO_NOTIFY_FD", 0, 2**31 - 1),
    }


def _log(line):
    print(line, file=sys.stderr, flush=True)


def _last(value):
    """The right-most entry of a list header: the one Portico wrote."""
    if not value:
        return None
    entry = value.rsplit(",", 1)[-1].strip()
    return entry or None


def _without_port(address):
    if address is None:
        return None
    bracketed = re.fullmatch(r"\[([^\]]+)\](?::\d+)?", address)
    if bracketed:
        return bracketed.group(1)
    v4 = re.fullmatch(r"(\d{1,3}(?:\.\d{1,3}){3}):\d+", address)
    return v4.group(1) if v4 else address


def _utf8(value):
    # Servers decode header bytes as latin-1; Portico sends identity values as UTF-8.
    if value is None:
        return None
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _info(get):
    """What Portico said about a request; get(name) returns the header's value or None."""
    port = _last(get("x-forwarded-port"))
    claims = None
    try:
        parsed = json.loads(_utf8(get("x-portico-claims")) or "null")
        claims = parsed if isinstance(parsed, dict) else None
    except ValueError:
        pass
    certificate = get("x-portico-client-cert")
    try:
        certificate = base64.b64decode(certificate, validate=True) if certificate else None
    except ValueError:
        certificate = None
    proto = _last(get("x-forwarded-proto"))
    return {
        "client_address": _without_port(_last(get("x-forwarded-for"))),
        "protocol": proto.lower() if proto else None,
        "host": _last(get("x-forwarded-host")),
        "prefix": _last(get("x-forwarded-prefix")),
        "port": int(port) if port and re.fullmatch(r"\d{1,5}", port) and int(port) <= 65535 else None,
        "request_id": get("x-request-id") or None,
        "user": _utf8(get("x-portico-user") or None),
        "auth_scheme": get("x-portico-auth") or None,
        "claims": claims,
        "client_certificate": certificate,
    }


class _TokenCheck:
    def __init__(self, env, require_token):
        token = read_environment(env)["token"]
        if token is None and require_token:
            raise InvalidEnvironment("PORTICO_TOKEN is not set and require_token is True")
        # Fixed-length digests keep compare_digest constant-time and hide the token's length.
        self.digest = None if token is None else hashlib.sha256(token.encode("utf-8")).digest()

    def why_rejected(self, values):
        """None if the request may pass, else a short reason (never the token itself)."""
        if len(values) == 0:
            return f"the {TOKEN_HEADER} header is missing"
        if len(values) > 1:
            return f"the {TOKEN_HEADER} header is sent more than once"
        presented = hashlib.sha256(values[0]).digest()
        if not hmac.compare_digest(presented, self.digest):
            return f"the {TOKEN_HEADER} header does not match this process's pairing token"
        return None

    @staticmethod
    def log(method, path, source, why):
        path = re.sub(r"[^\x21-\x7e]", "?", path.split("?", 1)[0])[:200]
        _log(f"portico.integration.token_rejected: 400 for {method} {path} from {source}: {why}")


class PorticoWSGI:
    """WSGI middleware: the token check, then environ["portico"] for the app."""

    def __init__(self, app, env=None, require_token=False):
        self.app = app
        self.check = _TokenCheck(env, require_token)

    def __call__(self, environ, start_response):
        if self.check.digest is None:
            return self.app(environ, start_response)
        value = environ.get("HTTP_X_PORTICO_TOKEN")
        # A server joins a repeated header with ","; a token never holds one, so it fails below.
        values = [] if value is None else [v.encode("latin-1") for v in value.split(",")]
        why = self.check.why_rejected(values)
        if why is not None:
            self.check.log(environ.get("REQUEST_METHOD", "?"), environ.get("PATH_INFO", ""),
                           environ.get("REMOTE_ADDR") or "a local socket", why)
            body = b"Bad Request: missing or wrong x-portico-token\n"
            # PEP 3333 forbids hop-by-hop headers here, so no Connection: close.
            start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"),
                                               ("Content-Length", str(len(body)))])
            return [body]
        # The token must not reach the app, its logs or anything it forwards.
        del environ["HTTP_X_PORTICO_TOKEN"]
        environ["portico"] = _info(lambda name: environ.get("HTTP_" + name.upper().replace("-", "_")))
        return self.app(environ, start_response)


class PorticoASGI:
    """ASGI middleware for http and websocket scopes; lifespan passes through."""

    def __init__(self, app, env=None, require_token=False):
        self.app = app
        self.check = _TokenCheck(env, require_token)

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket") or self.check.digest is None:
            return await self.app(scope, receive, send)
        headers = scope.get("headers") or []
        why = self.check.why_rejected([v for k, v in headers if k.lower() == b"x-portico-token"])
        if why is not None:
            client = scope.get("client")
            self.check.log(scope.get("method", "GET"), scope.get("path", ""), client[0] if client else "a local socket", why)
            if scope["type"] == "websocket":
                # ASGI has no portable way to answer a handshake with 400; closing before accept
                # makes the server refuse it with 403.
                await send({"type": "websocket.close", "code": 1008})
                return
            body = b"Bad Request: missing or wrong x-portico-token\n"
            await send({"type": "http.response.start", "status": 400,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                    (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
            await send({"type": "http.response.body", "body": body})
            return
        kept = [(k, v) for k, v in headers if k.lower() != b"x-portico-token"]
        joined = {}
        for k, v in kept:
            name = k.decode("latin-1").lower()
            joined[name] = v.decode("latin-1") if name not in joined else joined[name] + ", " + v.decode("latin-1")
        scope = dict(scope, headers=kept, portico=_info(joined.get))
        return await self.app(scope, receive, send)


def portico_info(environ_or_scope):
    """environ["portico"] / scope["portico"], or None when the request did not pass the check."""
    return environ_or_scope.get("portico")


def listen_socket(default_port=8000, env=None):
    """A listening socket where Portico says, else 127.0.0.1:default_port (development)."""
    where = read_environment(env)["listen"]
    if where and where[0] == "fd":
        return socket.socket(fileno=3)
    if where and where[0] == "unix":
        if os.path.exists(where[1]):
            os.unlink(where[1])  # Left by a killed process; the directory is Portico's own.
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(where[1])
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", where[1] if where else default_port))
    sock.listen(128)
    return sock


def gunicorn_bind(default_port=8000, env=None):
    """gunicorn's `bind` setting for the contract (see gunicorn.conf.py beside this file)."""
    where = read_environment(env)["listen"]
    if where and where[0] == "fd":
        return ["fd://3"]
    if where and where[0] == "unix":
        return ["unix:" + where[1]]
    return ["127.0.0.1:%d" % (where[1] if where else default_port)]


def uvicorn_options(default_port=8000, env=None):
    """Keyword arguments for uvicorn.run(): fd=3, uds=path, or host and port."""
    where = read_environment(env)["listen"]
    if where and where[0] == "fd":
        return {"fd": 3}
    if where and where[0] == "unix":
        return {"uds": where[1]}
    return {"host": "127.0.0.1", "port": where[1] if where else default_port}


_ready_lock = threading.Lock()
_ready_sent = False


def signal_ready(env=None):
    """Writes READY=1 to PORTICO_NOTIFY_FD, once per process; True if it was written."""
    global _ready_sent
    fd = read_environment(env)["notify_fd"]
    with _ready_lock:
        if fd is None or _ready_sent:
            return False
        os.write(fd, b"READY=1\n")
        _ready_sent = True
        return True


def serve_wsgi(app, default_port=8000, env=None):
    """Serves a WSGI app with the standard library where Portico says, wrapped in PorticoWSGI;
    signals readiness, and on SIGTERM finishes the requests in flight and exits 0."""
    import socketserver
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

    sock = listen_socket(default_port, env)

    class Handler(WSGIRequestHandler):
        def address_string(self):
            return self.client_address[0] if self.client_address else "local"

        def log_message(self, format, *args):
            _log("%s %s" % (self.address_string(), format % args))

    class Server(socketserver.ThreadingMixIn, WSGIServer):
        daemon_threads = False  # server_close() waits for the requests in flight.
        address_family = sock.family

        def server_bind(self):
            self.socket.close()
            self.socket = sock
            self.server_address = sock.getsockname()
            self.server_name, self.server_port = "localhost", (self.server_address[1] if sock.family != socket.AF_UNIX else 0)
            self.setup_environ()

        def get_request(self):
            conn, address = self.socket.accept()
            return conn, address if address else ("", 0)

    server = Server(("127.0.0.1", 0), Handler, bind_and_activate=False)
    server.server_bind()
    server.set_app(PorticoWSGI(app, env))
    where = read_environment(env)["listen"]
    _log("portico.integration.listening: %s %s" % (where[0] if where else "tcp", sock.getsockname()))
    signal_ready(env)

    def on_sigterm(_signum, _frame):
        _log("portico.integration.shutdown_started: SIGTERM")
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, on_sigterm)
    server.serve_forever()
    server.server_close()
    _log("portico.integration.shutdown_finished: exiting with code 0")
    sys.exit(0)
