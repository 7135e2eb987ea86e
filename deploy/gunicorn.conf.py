"""gunicorn settings for Laurel (`gunicorn config.wsgi --config deploy/gunicorn.conf.py`).

Every value comes from the environment so that the Procfile, the systemd unit and the container
share this file: LAUREL_BIND (default 127.0.0.1:8000, behind the TLS proxy on the same host;
the image sets 0.0.0.0:8000), WEB_CONCURRENCY (worker processes, default 2 per CPU + 1),
GUNICORN_THREADS (threads per worker, default 1; more than 1 selects the gthread worker, which also
keeps HTTP connections alive: API clients that send many requests), GUNICORN_TIMEOUT (seconds,
default 60).
"""

import multiprocessing
import os

bind = os.environ.get("LAUREL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Access log to stdout (the process manager keeps it; README "Log retention"), errors to stderr.
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
