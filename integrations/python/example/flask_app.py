"""The Flask example of integrations/python/README.md: gunicorn -c ../gunicorn.conf.py flask_app:app"""
import base64, os, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from flask import Flask, jsonify, request
from portico_integration import PorticoWSGI, portico_info

app = Flask(__name__)
app.wsgi_app = PorticoWSGI(app.wsgi_app)  # first, before anything reads headers


@app.route("/", defaults={"path": ""})
@app.route("/<path:path>")
def echo(path):
    if path == "crash":
        os._exit(3)
    if path == "slow":  # in flight while the tests send SIGTERM
        print("slow: started", file=sys.stderr, flush=True)
        time.sleep(float(request.args.get("s", "1")))
    info = portico_info(request.environ)
    if info and info["client_certificate"]:
        info = dict(info, client_certificate=base64.b64encode(info["client_certificate"]).decode())
    print(f"served /{path}", flush=True)
    return jsonify(pid=os.getpid(), path=request.path, applPath=os.environ.get("PORTICO_APPL_PATH"),
                   sawToken="HTTP_X_PORTICO_TOKEN" in request.environ, portico=info)
