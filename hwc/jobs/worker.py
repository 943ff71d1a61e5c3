"""The worker loop behind ``flask hwc worker``: run due jobs until told to stop.

Run one or more worker processes beside the web server (``flask hwc worker``; under systemd or
supervisord in production, as many as the jobs need). Every job may run more than once: a
worker killed mid-job (SIGKILL, a power cut) leaves its job running until its lease runs out,
and then another worker runs it again. A handler's database changes commit only together with
its job's completion, so they happen once; anything outside the database (a text message sent
to a gateway) must be made idempotent by the handler, keyed by ``job.id`` or by the record the
payload names. The lease must be longer than the longest job runs.

On SQLite every transaction of the worker takes the write lock when it begins, so a handler
holds it while it runs: keep handlers short, with timeouts on any network call.
"""

import os
import signal
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from sqlalchemy.exc import DBAPIError

from hwc.core.db import write_lock_on_begin
from hwc.extensions import db
from hwc.jobs.queue import run_one

DATABASE_RETRY_SECONDS = 5.0


def new_worker_id() -> str:
    """A name for this worker, unique among all workers that ever run: host, process, nonce."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGTERM or SIGINT (the previous handlers come back afterwards)."""
    stop = threading.Event()
    previous = {number: signal.signal(number, lambda *_: stop.set())
                for number in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def work(*, once: bool = False, poll: float = 1.0, lease: float | None = None,
         worker_id: str | None = None, stop: threading.Event | None = None) -> int:
    """Run due jobs one after another, sleeping ``poll`` seconds when none is due, until
    ``stop`` is set (the current job finishes first); with ``once``, until none is due. A
    database that cannot be reached (or is not migrated yet) is logged and tried again after
    ``DATABASE_RETRY_SECONDS``, never the end of the worker. Returns how many jobs ran. Call
    inside an application context."""
    worker_id = worker_id or new_worker_id()
    stop = stop or threading.Event()
    ran = 0
    current_app.logger.info("worker %s started", worker_id)
    with write_lock_on_begin():
        while not stop.is_set():
            try:
                job = run_one(worker_id, lease=lease)
            except DBAPIError:
                current_app.logger.exception("worker %s: the database failed; trying again",
                                             worker_id)
                stop.wait(DATABASE_RETRY_SECONDS)
                continue
            finally:
                db.session.remove()  # a fresh session per job: nothing stale carries over
            if job is not None:
                ran += 1
            elif once:
                break
            else:
                stop.wait(poll)
    current_app.logger.info("worker %s stopped after %d jobs", worker_id, ran)
    return ran
