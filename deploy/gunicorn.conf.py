"""Gunicorn settings for HWC's app servers: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Each setting can be overridden on the command line (``--bind``, ``--workers``), which is how
``hwc-web@.service`` runs one instance per port. See deploy/README.md."""

import multiprocessing
import os

# The reverse proxy reaches the app here; one systemd instance per port (hwc-web@8001, …).
bind = os.environ.get("HWC_BIND", "127.0.0.1:8000")

# Synchronous workers: each request holds one worker, mostly waiting on PostgreSQL, so two per
# core plus one keeps the cores busy. Several instances on one host share the cores: set
# HWC_WEB_WORKERS per instance so that their sum stays near 2 × cores + 1.
workers = int(os.environ.get("HWC_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"

# A request that runs longer than this is killed and its worker replaced (the transaction rolls
# back). Long work (payment runs, printing, SMS) runs in ``flask hwc worker``, not in requests;
# the slowest request is a photo upload waiting HWC_PHOTO_WAIT_SECONDS for its turn to decode.
timeout = 60
graceful_timeout = 30  # on SIGTERM / restart, requests under way get this long to finish
keepalive = 5  # seconds an idle connection from the proxy stays open (nginx keepalive)

# Replace each worker after a few thousand requests (with jitter, so not all at once): memory a
# library leaks, or a fragmented heap after large uploads, is given back.
max_requests = 5000
max_requests_jitter = 500

# Only the reverse proxy may say the request came over HTTPS (X-Forwarded-Proto): its address
# here. The client's address is taken from X-Forwarded-For by the app itself (HWC_PROXY_FIX).
forwarded_allow_ips = os.environ.get("HWC_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# The worker heartbeat files go to memory, not to a disk that may stall (and the units make
# the file system read-only). Gunicorn creates them with mkstemp and unlinks them at once.
SHARED_MEMORY = "/dev/shm"  # noqa: S108 - private per unit (PrivateDevices), mkstemp files
worker_tmp_dir = SHARED_MEMORY if os.path.isdir(SHARED_MEMORY) else None

# Access log to stdout (journald under systemd). The path without its query string: queries
# carry claim codes (/status?code=), phone numbers and the gateway's shared secret
# (/sms/inbound/kannel?from=…&secret=…), none of which belongs in a log.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("HWC_LOG_LEVEL", "info")

# The app is not loaded in the master: each worker builds its own (and its own database pool),
# and ``systemctl reload`` (SIGHUP) picks up new code.
preload_app = False
