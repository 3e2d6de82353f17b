"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py` (or `make serve`).

Every value can be overridden from the environment (GUNICORN_* below, or gunicorn's own
GUNICORN_CMD_ARGS). A reload drops nothing: on HUP new workers start first and the old
ones finish their requests in flight (up to graceful_timeout) before they exit. With
preload_app the code is loaded once in the master, so a code deploy is a binary upgrade:
`kill -USR2 <master>` then `kill -WINCH <old master>` and `kill -QUIT <old master>`
(or a plain restart behind a proxy that retries).
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


wsgi_app = "orderdesk.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# A process per core and one more, two threads each: the requests are CPU-bound Python
# (the database is a fifth of the time), so more processes or threads only queue for the
# cores. Measured with `bench/load.py traffic` at the full scale on 2 cores: 3 x 2 kept
# 82-91 req/s at 4-8 operators where the former 5 x 4 gave 74-76. The caches
# (permissions, the pricing rule book, the upsell pools) are invalidated through the
# shared cache: without REDIS_URL it is local memory, one per process, so a change made
# through one worker would not reach the others: then one process only, with threads.
SHARED_CACHE = bool(os.environ.get("REDIS_URL"))
workers = _int("WEB_CONCURRENCY", min(multiprocessing.cpu_count() + 1, 8)) if SHARED_CACHE else 1
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 2 if SHARED_CACHE else 8)

# Load Django once in the master: faster forks, import errors fail the start, not a worker.
preload_app = True

# A request taking longer than this is a bug, not a load: kill the worker.
timeout = _int("GUNICORN_TIMEOUT", 60)
# On reload or stop, workers get this long to finish the requests in flight.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Behind a proxy that keeps connections open: a little longer than nothing, less than
# the proxy's own idle timeout (nginx: 75 s upstream keepalive_timeout is fine).
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# Recycle workers now and then (memory), staggered so they never restart together.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)

# The proxy terminates TLS; trust its X-Forwarded-* only from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Body and header limits (the app has its own per-view body limits).
limit_request_line = 8190
limit_request_fields = 100

accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")


def post_fork(server, worker):
    # Connections opened in the master (preload_app) must not be shared with the workers.
    from django.db import connections

    connections.close_all()
