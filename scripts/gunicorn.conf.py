# gunicorn settings for `make serve` (scripts/setup.sh). Each can be changed by
# the environment: WEB_WORKERS, WEB_THREADS, WEB_TIMEOUT, HOST, PORT, LOG_DIR.
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
# CPU-bound pages: one process per core, at least 2 (the dev server has one)
workers = int(os.environ.get("WEB_WORKERS") or max(2, os.cpu_count() or 2))
# a few threads per worker: the step-10 page polls its status while a
# provisioning request runs
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = int(os.environ.get("WEB_TIMEOUT", "120"))
# not preloaded: each worker opens its own database and Redis connections
preload_app = False
log_dir = os.environ.get("LOG_DIR", "var/log")
accesslog = os.path.join(log_dir, "access.log")
errorlog = os.path.join(log_dir, "error.log")
loglevel = "info"
# behind a reverse proxy on the same machine (README): trust its headers
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "satudata-portal"
