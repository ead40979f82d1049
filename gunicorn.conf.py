"""gunicorn settings for the web process (Procfile: `gunicorn codecapsule.wsgi --config gunicorn.conf.py`).

Every value comes from the environment, like the Django settings. Command-line flags still
win over this file, so a one-off `gunicorn ... --workers 1` works.
"""

import multiprocessing
import os

# Platforms (Heroku, Render, Fly, Dokku) pass the port in PORT; GUNICORN_BIND wins for anything else
# (a unix socket behind nginx: "unix:/run/codecapsule.sock").
bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"

# gunicorn's rule of thumb, 2 x cores + 1, capped: each worker is a whole Django process (~100 MB), and
# a machine with many cores usually has other tenants. WEB_CONCURRENCY is the platforms' usual name.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 12))

# Threads, not more processes: requests spend most of their time waiting (on the database, on a judged run
# in bubblewrap), and threads share one process's memory. Slow work (LLM calls) is in the qcluster worker.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))

# Judging a learner's answer in the embed is synchronous: at most JUDGE_LEARNER_SLOT_WAIT_SECONDS waiting for a judge
# slot plus JUDGE_ATTEMPT_WALL_SECONDS for the attempt (2 + 15 s by default, twice that for an extended tier). 60 s
# covers that with room; a request past it is stuck and its worker restarts.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5  # behind a load balancer that reuses connections; must stay below its idle timeout

# Recycle workers now and then (with jitter, so they do not all restart at once) to bound slow leaks.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10

# Logs to stdout/stderr for the platform to collect. The access log keeps gunicorn's own format; the
# application's logs are JSON in production (LOG_FORMAT, codecapsule/logging.py).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Which proxies may set X-Forwarded-Proto/-For: only the load balancer's addresses. The default (loopback)
# is right for nginx on the same machine; "*" only where nothing but the load balancer can reach us.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
