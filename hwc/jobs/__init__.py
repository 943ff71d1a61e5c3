"""Background jobs: a job table in the application's database and ``flask hwc worker``.

Features enqueue work with ``hwc.jobs.queue.enqueue`` inside the transaction that causes it and
register its handler with ``@hwc.jobs.queue.handler(kind)``; see ``hwc.jobs.worker`` for what a
handler must guarantee.
"""

import os

# Attempts before a job is failed for good; the wait after failed run n is up to
# BACKOFF · 2^(n-1) seconds (full jitter), capped; a worker holds a job for LEASE seconds.
JOB_DEFAULTS = {
    "HWC_JOB_MAX_ATTEMPTS": 8,
    "HWC_JOB_BACKOFF_SECONDS": 10,
    "HWC_JOB_BACKOFF_CAP_SECONDS": 3600,
    "HWC_JOB_LEASE_SECONDS": 300,
}


def init_app(app) -> None:
    from hwc.cli import hwc_group
    from hwc.jobs import models  # noqa: F401 - registers the jobs table
    from hwc.jobs.cli import worker_command
    from hwc.jobs.views import bp

    for name, default in JOB_DEFAULTS.items():
        app.config.setdefault(name, int(os.environ.get(name, default)))
    app.register_blueprint(bp)
    hwc_group.add_command(worker_command)
