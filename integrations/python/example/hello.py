import os, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))  # or PYTHONPATH
from portico_integration import portico_info, serve_wsgi


def app(environ, start_response):
    info = portico_info(environ) or {}  # None without Portico, or before the token check
    start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
    return [f"hello {info.get('user') or 'stranger'} from {info.get('client_address') or 'somewhere'}\n".encode()]


serve_wsgi(app)  # listens where Portico says, checks the token, signals ready, drains on SIGTERM
