"""Putting jobs on the queue in the caller's transaction, claiming them, and running one.

A job is enqueued in the same transaction as the change that causes it: a rolled-back step
enqueues nothing, a committed one is never forgotten. Workers claim jobs with ``SELECT … FOR
UPDATE SKIP LOCKED`` on PostgreSQL and under SQLite's write lock, each for a lease; a job whose
lease ran out (its worker died) is claimed again. A handler's changes commit together with its
job's completion, and only while its worker still holds the lease.
"""

import json
import random
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hwc.accounts.models import Role
from hwc.audit.trail import record_event
from hwc.core.db import utcnow, write_lock_on_begin
from hwc.extensions import db
from hwc.jobs.models import MAX_DEDUPE_KEY, MAX_ERROR, MAX_KIND, Job, JobStatus

Handler = Callable[[dict, Job], None]
_HANDLERS: dict[str, Handler] = {}


class JobNotFound(LookupError):
    """No job has that id."""


class JobNotFailed(ValueError):
    """Only a failed job can be retried."""


class LeaseLost(RuntimeError):
    """The worker's lease ran out and another worker took the job: this run's changes are
    rolled back."""


def register(kind: str, fn: Handler) -> None:
    """Make ``fn(payload, job)`` the handler of ``kind``. It runs in the worker, in a
    transaction that also marks the job done; it must not commit, and it must be idempotent: a
    job may run again after a crash (``job.id`` is the same on every run, to dedupe by)."""
    if not kind or len(kind) > MAX_KIND:
        raise ValueError(f"a job kind has 1 to {MAX_KIND} characters: {kind!r}")
    if _HANDLERS.get(kind, fn) is not fn:
        raise ValueError(f"job kind {kind!r} already has a handler")
    _HANDLERS[kind] = fn


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Decorator form of ``register``: ``@handler("sms.send")``."""

    def decorate(fn: Handler) -> Handler:
        register(kind, fn)
        return fn

    return decorate


def enqueue(kind: str, payload: dict, *, run_at: datetime | None = None,
            dedupe_key: str | None = None, max_attempts: int | None = None) -> Job:
    """Add a job to the current transaction; it runs once that transaction commits (not
    before ``run_at``). With ``dedupe_key``, a key already enqueued (by anyone, ever) keeps its
    one job, which is returned. An unknown ``kind`` or a payload JSON cannot hold is a
    ValueError."""
    if kind not in _HANDLERS:
        raise ValueError(f"no handler for job kind {kind!r}")
    try:
        json.dumps(payload, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValueError(f"the payload of a {kind!r} job is not JSON: {error}") from None
    if dedupe_key is not None and not 0 < len(dedupe_key) <= MAX_DEDUPE_KEY:
        raise ValueError(f"a dedupe key has 1 to {MAX_DEDUPE_KEY} characters")
    now = utcnow()
    values = {"kind": kind, "payload": payload, "status": JobStatus.queued, "attempts": 0,
              "max_attempts": max_attempts or current_app.config["HWC_JOB_MAX_ATTEMPTS"],
              "run_at": run_at or now, "created_at": now, "dedupe_key": dedupe_key}
    if dedupe_key is None:
        job = Job(**values)
        db.session.add(job)
        db.session.flush()
        return job
    # ON CONFLICT DO NOTHING: a second transaction with the same key waits for the first
    # (PostgreSQL) instead of failing at its commit.
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(insert(Job).values(**values)
                       .on_conflict_do_nothing(index_elements=["dedupe_key"]))
    return db.session.scalars(select(Job).where(Job.dedupe_key == dedupe_key)
                              .execution_options(populate_existing=True)).one()


def backoff_ceiling(attempt: int) -> float:
    """The longest wait, in seconds, after failed run number ``attempt``: the base doubled on
    each attempt, capped."""
    base = current_app.config["HWC_JOB_BACKOFF_SECONDS"]
    cap = current_app.config["HWC_JOB_BACKOFF_CAP_SECONDS"]
    return min(cap, base * 2 ** min(max(attempt - 1, 0), 62))


def backoff(attempt: int) -> timedelta:
    """The wait before the next run: "full jitter", anywhere up to the ceiling, so jobs that
    failed together (a gateway outage) do not all come back at the same moment."""
    return timedelta(seconds=random.uniform(0, backoff_ceiling(attempt)))  # noqa: S311


def claim_next(worker_id: str, lease: float) -> Job | None:
    """Take the job that has waited longest (a queued one due now, or a running one whose
    lease ran out) for ``lease`` seconds, count the attempt, commit, and return it; None when
    nothing is due. Safe with any number of workers: on PostgreSQL the row is picked with
    ``FOR UPDATE SKIP LOCKED``; on SQLite the one UPDATE runs under the write lock."""
    now = utcnow()
    due = or_(and_(Job.status == JobStatus.queued, Job.run_at <= now),
              and_(Job.status == JobStatus.running, Job.locked_until < now))
    oldest = (select(Job.id).where(due).order_by(Job.run_at, Job.id).limit(1)
              .with_for_update(skip_locked=True).scalar_subquery())
    claimed = db.session.execute(
        update(Job).where(Job.id == oldest)
        .values(status=JobStatus.running, locked_by=worker_id,
                locked_until=now + timedelta(seconds=lease), attempts=Job.attempts + 1)
        .returning(Job.id).execution_options(synchronize_session=False)).scalar()
    db.session.commit()
    return None if claimed is None else db.session.get(Job, claimed)


def _held(job_id: int, worker_id: str):
    return and_(Job.id == job_id, Job.status == JobStatus.running, Job.locked_by == worker_id)


def _settle(job_id: int, worker_id: str, **values) -> bool:
    """Set ``values`` on the job if this worker still holds it; whether it did."""
    result = db.session.execute(
        update(Job).where(_held(job_id, worker_id))
        .values(locked_by=None, locked_until=None, **values)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def checkpoint(job: Job | None) -> None:
    """Commit the handler's changes so far, while its run still holds ``job`` (``LeaseLost``
    and nothing committed otherwise): for a handler about to do something outside the database
    that must not be done twice (hand a message to a gateway), so that a run after a crash
    finds the mark. A job no worker holds (a handler called directly) just commits."""
    worker_id = job.locked_by if job is not None else None
    if worker_id is not None and not _settle_nothing(job.id, worker_id):
        db.session.rollback()
        raise LeaseLost(f"job {job.id} was taken by another worker; its lease ran out")
    db.session.commit()


def _settle_nothing(job_id: int, worker_id: str) -> bool:
    """Whether this worker still holds the job; the row stays locked until the commit."""
    result = db.session.execute(
        update(Job).where(_held(job_id, worker_id)).values(locked_by=worker_id)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def error_text(error: BaseException) -> str:
    """What an administrator reads about a failed run: the exception and where it was raised,
    at most ``MAX_ERROR`` characters."""
    text = "".join(traceback.format_exception_only(error)).strip()
    frames = traceback.extract_tb(error.__traceback__)
    if frames:
        text += f"\n  at {frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name}"
    return text if len(text) <= MAX_ERROR else text[:MAX_ERROR - 1] + "…"


def _fail(job_id: int, worker_id: str, error: BaseException | str) -> None:
    """Record a failed run: back to the queue after a backoff, or failed for good after the
    job's last attempt."""
    job = db.session.get(Job, job_id, populate_existing=True)
    text = error if isinstance(error, str) else error_text(error)
    now = utcnow()
    if job.attempts >= job.max_attempts:
        changes = {"status": JobStatus.failed, "finished_at": now}
    else:
        changes = {"status": JobStatus.queued, "run_at": now + backoff(job.attempts)}
    _settle(job_id, worker_id, last_error=text, **changes)
    db.session.commit()


def run_one(worker_id: str, *, lease: float | None = None) -> Job | None:
    """Claim one due job and run its handler; None when nothing was due. The handler's changes
    and the job's completion commit together, only if this worker still holds the job; an
    exception from the handler is recorded on the job (retried later, or failed), never
    raised. On SQLite each of its transactions takes the write lock when it begins, whoever
    calls it: a handler that first reads and then writes would otherwise fail with "database
    is locked" when a request wrote in between (a delivery report arriving mid-send)."""
    with write_lock_on_begin():
        return _run_one(worker_id, lease)


def _run_one(worker_id: str, lease: float | None) -> Job | None:
    job = claim_next(worker_id, lease or current_app.config["HWC_JOB_LEASE_SECONDS"])
    if job is None:
        return None
    job_id, kind, payload = job.id, job.kind, dict(job.payload or {})
    if job.attempts > job.max_attempts:  # its last run's worker died mid-way
        _fail(job_id, worker_id, "the worker stopped during the last attempt")
        return job
    try:
        fn = _HANDLERS.get(kind)
        if fn is None:
            raise LookupError(f"no handler for job kind {kind!r} in this worker")
        fn(payload, job)
        if not _settle(job_id, worker_id, status=JobStatus.done, finished_at=utcnow(),
                       last_error=None):
            raise LeaseLost(f"job {job_id} was taken by another worker; its lease ran out")
        db.session.commit()
    except LeaseLost:
        db.session.rollback()
        current_app.logger.warning("job %d (%s): lease lost, changes rolled back", job_id, kind)
    except Exception as error:
        db.session.rollback()
        current_app.logger.warning("job %d (%s) failed", job_id, kind, exc_info=error)
        _fail(job_id, worker_id, error)
    return job


def retry(job_id: int, *, actor) -> Job:
    """Send a failed job back to the queue with its attempts reset, for an administrator;
    audited. ``JobNotFound``, ``JobNotFailed``; PermissionError for anyone else."""
    if actor is None or actor.role != Role.admin:
        raise PermissionError("only an administrator may retry a job")
    job = db.session.get(Job, job_id, with_for_update=True)
    if job is None:
        raise JobNotFound(job_id)
    if job.status != JobStatus.failed:
        raise JobNotFailed(job_id)
    attempts = job.attempts
    job.status, job.attempts, job.run_at, job.finished_at = (
        JobStatus.queued, 0, utcnow(), None)
    record_event("job_retried", actor=actor, comment=f"job {job.id}: {job.kind}",
                 changes={"status": {"from": "failed", "to": "queued"},
                          "attempts": {"from": attempts, "to": 0}})
    db.session.flush()
    return job


def status_counts() -> dict[JobStatus, int]:
    """How many jobs are in each status (every status listed)."""
    counts = dict(db.session.execute(
        select(Job.status, db.func.count()).group_by(Job.status)).all())
    return {status: counts.get(status, 0) for status in JobStatus}


def failed_jobs(limit: int = 200) -> list[Job]:
    """The failed jobs, the most recently failed first."""
    return list(db.session.scalars(select(Job).where(Job.status == JobStatus.failed)
                                   .order_by(Job.finished_at.desc(), Job.id.desc())
                                   .limit(limit)))
