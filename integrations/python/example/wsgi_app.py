"""The WSGI example of integrations/python/README.md, on the standard library's server."""
import base64, json, os, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from portico_integration import portico_info, serve_wsgi


def app(environ, start_response):
    if environ["PATH_INFO"] == "/crash":
        os._exit(3)
    if environ["PATH_INFO"] == "/slow":  # in flight while the tests send SIGTERM
        print("slow: started", file=sys.stderr, flush=True)
        time.sleep(1)
    info = portico_info(environ)
    if info and info["client_certificate"]:
        info = dict(info, client_certificate=base64.b64encode(info["client_certificate"]).decode())
    body = json.dumps({"pid": os.getpid(), "path": environ["PATH_INFO"], "applPath": os.environ.get("PORTICO_APPL_PATH"),
                       "sawToken": "HTTP_X_PORTICO_TOKEN" in environ, "portico": info}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


if __name__ == "__main__":
    serve_wsgi(app)
