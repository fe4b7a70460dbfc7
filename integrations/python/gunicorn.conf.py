# gunicorn settings for a backend behind Portico: gunicorn -c /path/to/gunicorn.conf.py app:app
# Binds where Portico says (fd 3, PORTICO_SOCKET or the port), reports ready from the worker once
# it has imported the app (gunicorn's master binds before that), and drains within Portico's
# shutdownTimeLimit on SIGTERM. Use with "readiness": { "kind": "notify" }.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import portico_integration  # noqa: E402

bind = portico_integration.gunicorn_bind()
# Portico's default shutdownTimeLimit is 10 s; finish in flight requests well before it.
graceful_timeout = int(os.environ.get("PORTICO_GRACE_SECONDS", "8"))
accesslog = "-"


def post_worker_init(worker):
    portico_integration.signal_ready()
