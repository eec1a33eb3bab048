"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Worker class gthread: each worker serves several requests at once on threads, so one slow
request (a large upload, a slow object store) does not hold a whole process; `timeout` bounds
how long a request may hang before gunicorn restarts its worker. Every value can be set from
the environment (README, configuration table):

    GUNICORN_BIND              0.0.0.0:8000
    GUNICORN_WORKERS           2   (or WEB_CONCURRENCY)
    GUNICORN_THREADS           4
    GUNICORN_TIMEOUT           30  seconds without a sign of life before a worker is restarted
    GUNICORN_GRACEFUL_TIMEOUT  30  seconds given to finish requests on restart
    GUNICORN_KEEPALIVE         5   seconds a keep-alive connection waits for its next request

A hung object store holds a request at most S3_MAX_ATTEMPTS × (S3_CONNECT_TIMEOUT +
S3_READ_TIMEOUT) seconds (24 by default, portal/config.py) before it answers the 503 page: keep
that below `timeout` and `graceful_timeout` (a restart lets such a request finish); `on_starting`
warns otherwise. With gthread the worker's main loop keeps beating while a request thread waits,
so `timeout` only restarts a worker that is stuck as a whole.

Login throttling counts in RATELIMIT_STORAGE_URI: with several workers it must be shared
(redis://…); `on_starting` refuses to start several workers on memory:// storage.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS") or os.environ.get("WEB_CONCURRENCY") or 2)
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
accesslog = "-"


def _s3_worst_case() -> float:
    """Seconds one S3 call may take before the app gives up (portal/config.py defaults)."""
    attempts = int(os.environ.get("S3_MAX_ATTEMPTS", "2"))
    return attempts * (
        float(os.environ.get("S3_CONNECT_TIMEOUT", "2"))
        + float(os.environ.get("S3_READ_TIMEOUT", "10"))
    )


def on_starting(server):
    worst = _s3_worst_case()
    if os.environ.get("S3_BUCKET") and worst >= min(timeout, graceful_timeout):
        server.log.warning(
            f"S3 calls may take {worst:g} s (S3_MAX_ATTEMPTS × (S3_CONNECT_TIMEOUT "
            "+ S3_READ_TIMEOUT)): not below GUNICORN_TIMEOUT / "
            "GUNICORN_GRACEFUL_TIMEOUT, a hung store may outlast a worker restart"
        )
    storage = os.environ.get("RATELIMIT_STORAGE_URI") or "memory://"
    if server.cfg.workers > 1 and storage.startswith("memory://"):
        message = (
            f"refusing to start {server.cfg.workers} workers with "
            "RATELIMIT_STORAGE_URI=memory://: each worker would count failed logins on "
            "its own. Set RATELIMIT_STORAGE_URI=redis://… or GUNICORN_WORKERS=1."
        )
        server.log.error(message)
        raise SystemExit(message)
