"""Production settings of gunicorn for the portal: ``gunicorn -c gunicorn.conf.py portal.wsgi``.

Every value can be overridden on the command line or in ``GUNICORN_CMD_ARGS``; the ones
below also read a few environment variables. Measured with ``bench/serve.py``.
"""

from __future__ import annotations

import gc
import os
from typing import Any

_cpus = os.cpu_count() or 1

bind = os.environ.get("GUNICORN_BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}")
# Requests are mostly CPU (Python rendering) with some database waits: two processes per core
# keep the cores busy while one waits, and two threads each let keep-alive connections and slow
# clients not hold a whole process. WEB_CONCURRENCY / GUNICORN_THREADS override.
workers = int(os.environ.get("WEB_CONCURRENCY", str(max(2, 2 * _cpus))))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
keepalive = 5
# Above PDF_RENDER_TIMEOUT (60 s), so a slow render fails cleanly before the worker is killed.
timeout = 75
graceful_timeout = 30
# Load Django (and warm up WeasyPrint, portal/wsgi.py) once in the master: workers start fast and
# share those pages copy-on-write.
preload_app = True
# Recycle workers now and then (leaks in C libraries); the jitter keeps them from restarting together.
max_requests = 5000
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
# Client, user, time, request, status, bytes, referrer, agent, and the time taken in microseconds.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)sus'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def pre_fork(server: Any, worker: Any) -> None:
    # Everything the master loaded (Django, the URL conf, WeasyPrint) moves to the permanent
    # generation: the collector never walks it again, and never touches (copies) its pages.
    gc.freeze()


def post_fork(server: Any, worker: Any) -> None:
    gc.freeze()
    # Fewer, cheaper young collections: a list response allocates thousands of short-lived
    # objects, and the default threshold (700) ran a collection every few rows; full collections
    # of the whole heap (the 232 ms pauses of issue 16) become rare.
    gc.set_threshold(50_000, 20, 100)
