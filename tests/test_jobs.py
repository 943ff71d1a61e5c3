"""The job queue and ``flask hwc worker``: enqueued in the caller's transaction, retried with
backoff until failed, retried by an administrator, deduplicated by key, and run exactly once by
several worker processes, even when one is killed mid-job (issue 11)."""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from flask import Response
from sqlalchemy import func, select, update

import tests.job_handlers  # noqa: F401 - registers the test handlers
from hwc import PROJECT_ROOT, create_app
from hwc.accounts.models import User
from hwc.audit.models import AuditEvent
from hwc.core.db import utcnow
from hwc.core.transaction import settle
from hwc.extensions import db
from hwc.jobs import worker
from hwc.jobs.models import MAX_ERROR, Job, JobStatus
from hwc.jobs.queue import (
    JobNotFailed,
    backoff_ceiling,
    claim_next,
    enqueue,
    error_text,
    retry,
    run_one,
)
from tests.conftest import make_test_config
from tests.job_handlers import lines


def jobs() -> list[Job]:
    return list(db.session.scalars(select(Job).order_by(Job.id)))


def make_due(job: Job) -> None:
    """Move the job's next run to now (instead of waiting out its backoff)."""
    db.session.execute(update(Job).where(Job.id == job.id).values(run_at=utcnow()))


# --- enqueueing in the caller's transaction --------------------------------------------------

def test_a_job_enqueued_by_a_request_that_fails_is_never_run(app, tmp_path):
    with app.test_request_context("/", method="POST"):
        enqueue("test.record", {"dir": str(tmp_path)})
        settle(app, Response(status=422))  # the request's answer: refused, rolled back
        assert jobs() == []
        assert run_one("worker-1") is None
    assert lines(tmp_path, "runs.log") == []


def test_a_job_enqueued_by_a_request_that_succeeds_runs_once(app, tmp_path):
    with app.test_request_context("/", method="POST"):
        job_id = enqueue("test.record", {"dir": str(tmp_path)}).id
        settle(app, Response(status=200))
    with app.app_context():
        assert run_one("worker-1").id == job_id
        assert run_one("worker-1") is None
        done = db.session.get(Job, job_id)
        assert (done.status, done.attempts, done.locked_by) == (JobStatus.done, 1, None)
        assert done.finished_at is not None
    assert lines(tmp_path, "runs.log") == [[str(job_id), str(os.getpid())]]


def test_an_unknown_kind_or_a_payload_json_cannot_hold_is_refused_at_enqueue(ctx):
    with pytest.raises(ValueError, match="no handler"):
        enqueue("sms.nonexistent", {})
    with pytest.raises(ValueError, match="not JSON"):
        enqueue("test.noop", {"when": utcnow()})
    assert jobs() == []


def test_a_job_waits_for_its_run_at(ctx):
    job = enqueue("test.noop", {}, run_at=utcnow() + timedelta(hours=1))
    assert run_one("worker-1") is None
    make_due(job)
    assert run_one("worker-1").id == job.id


def test_the_same_dedupe_key_twice_keeps_one_job(ctx):
    first = enqueue("test.noop", {"n": 1}, dedupe_key="sms:outbound:42")
    second = enqueue("test.noop", {"n": 2}, dedupe_key="sms:outbound:42")
    other = enqueue("test.noop", {"n": 3}, dedupe_key="sms:outbound:43")
    assert second.id == first.id != other.id
    assert [job.payload for job in jobs()] == [{"n": 1}, {"n": 3}]
    run_one("worker-1")
    assert enqueue("test.noop", {}, dedupe_key="sms:outbound:42").status == JobStatus.done


# --- failures, backoff, retry ----------------------------------------------------------------

def test_the_backoff_ceiling_doubles_with_each_attempt_up_to_its_cap(app):
    with app.app_context():
        ceilings = [backoff_ceiling(n) for n in range(1, 16)]
    assert ceilings[:4] == [10, 20, 40, 80]
    assert ceilings[-1] == app.config["HWC_JOB_BACKOFF_CAP_SECONDS"] == max(ceilings)
    assert ceilings == sorted(ceilings)
    with app.app_context():
        assert backoff_ceiling(10_000) == 3600  # no overflow on a huge attempt count


def test_a_failing_job_is_retried_after_a_growing_wait_then_failed(ctx):
    job_id = enqueue("test.fails", {"message": "bearerbox refused"}, max_attempts=4).id
    for attempt in (1, 2, 3):
        before = utcnow()
        run_one("worker-1")
        job = db.session.get(Job, job_id, populate_existing=True)
        assert (job.status, job.attempts, job.locked_by) == (JobStatus.queued, attempt, None)
        assert "RuntimeError: bearerbox refused" in job.last_error
        wait = (job.run_at - before).total_seconds()
        assert -1 <= wait <= backoff_ceiling(attempt) + 1
        assert run_one("worker-1") is None  # not before its time
        make_due(job)
    run_one("worker-1")
    job = db.session.get(Job, job_id, populate_existing=True)
    assert (job.status, job.attempts) == (JobStatus.failed, 4)
    assert job.finished_at is not None and "bearerbox refused" in job.last_error
    make_due(job)
    assert run_one("worker-1") is None  # failed for good: no worker takes it


def test_an_administrator_sends_a_failed_job_back_to_the_queue_and_it_is_audited(ctx, demo,
                                                                                 tmp_path):
    job = enqueue("test.fails", {}, max_attempts=1)
    run_one("worker-1")
    admin = User.by_username("admin")
    retried = retry(job.id, actor=admin)
    assert (retried.status, retried.attempts, retried.finished_at) == (JobStatus.queued, 0,
                                                                       None)
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert (event.action, event.actor_id) == ("job_retried", admin.id)
    assert event.changes["status"] == {"from": "failed", "to": "queued"}
    assert run_one("worker-1").id == job.id  # runs again (and fails again: one attempt)
    with pytest.raises(JobNotFailed):
        retry(enqueue("test.noop", {}).id, actor=admin)
    with pytest.raises(PermissionError):
        retry(job.id, actor=User.by_username("finance"))


def test_the_error_text_is_bounded(ctx):
    try:
        raise ValueError("x" * 10_000)
    except ValueError as error:
        text = error_text(error)
    assert len(text) == MAX_ERROR and text.startswith("ValueError: xxx")


# --- leases ----------------------------------------------------------------------------------

def test_a_running_job_whose_lease_ran_out_is_claimed_by_another_worker(ctx):
    job_id = enqueue("test.noop", {}).id
    assert claim_next("worker-1", lease=300).id == job_id
    assert claim_next("worker-2", lease=300) is None  # held
    db.session.execute(update(Job).where(Job.id == job_id)
                       .values(locked_until=utcnow() - timedelta(seconds=1)))
    taken = claim_next("worker-2", lease=300)
    assert (taken.id, taken.locked_by, taken.attempts) == (job_id, "worker-2", 2)


def test_a_job_whose_worker_died_during_its_last_attempt_is_failed(ctx):
    job_id = enqueue("test.noop", {}, max_attempts=1).id
    claim_next("worker-1", lease=300)  # ... and worker-1 dies
    db.session.execute(update(Job).where(Job.id == job_id)
                       .values(locked_until=utcnow() - timedelta(seconds=1)))
    run_one("worker-2")
    job = db.session.get(Job, job_id, populate_existing=True)
    assert (job.status, job.attempts) == (JobStatus.failed, 2)
    assert "stopped during the last attempt" in job.last_error


def test_a_run_that_lost_its_lease_leaves_no_change_behind(ctx):
    job_id = enqueue("test.loses_lease", {"follow_up": "follow-up-1"}).id
    run_one("worker-1")
    assert db.session.scalar(select(Job).where(Job.dedupe_key == "follow-up-1")) is None
    job = db.session.get(Job, job_id, populate_existing=True)
    assert (job.status, job.locked_by) == (JobStatus.running, "worker-1")  # as it was claimed


# --- the command and the page ----------------------------------------------------------------

def test_flask_hwc_worker_once_runs_the_due_jobs_and_stops(app, runner, tmp_path):
    with app.app_context():
        ids = [enqueue("test.record", {"dir": str(tmp_path)}).id for _ in range(3)]
        db.session.commit()
    result = runner.invoke(args=["hwc", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "3 jobs run" in result.output
    assert sorted(int(job_id) for job_id, _pid in lines(tmp_path, "runs.log")) == ids


def failed_and_queued_jobs(app) -> tuple[int, int]:
    with app.app_context():
        queued = enqueue("test.noop", {}, run_at=utcnow() + timedelta(hours=1)).id
        failed = enqueue("test.fails", {"message": "gateway answered 503"}, max_attempts=1).id
        run_one("worker-1")
        db.session.commit()
    return failed, queued


def status_of(app, job_id: int) -> JobStatus:
    with app.app_context():
        return db.session.get(Job, job_id).status


def test_the_jobs_page_shows_counts_and_failed_jobs_and_retries_one(app, login_as):
    failed, queued = failed_and_queued_jobs(app)
    admin = login_as("admin")
    page = admin.get("/admin/jobs").get_data(as_text=True)
    assert 'data-status="failed"' in page and "gateway answered 503" in page
    assert f'data-job="{failed}"' in page and f'data-job="{queued}"' not in page
    assert admin.post(f"/admin/jobs/{failed}/retry").status_code == 303
    assert status_of(app, failed) == JobStatus.queued
    refused = admin.post(f"/admin/jobs/{queued}/retry", follow_redirects=True)
    assert "flash-error" in refused.get_data(as_text=True)  # not failed: nothing to retry
    assert admin.post("/admin/jobs/99999/retry").status_code == 404
    assert login_as("verifier").get("/admin/jobs").status_code == 403
    assert login_as("root").get("/admin/jobs").status_code == 200


def test_retrying_a_job_needs_the_csrf_token(app, login_as, monkeypatch):
    failed, _queued = failed_and_queued_jobs(app)
    admin = login_as("admin")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    admin.post(f"/admin/jobs/{failed}/retry")
    assert status_of(app, failed) == JobStatus.failed


@pytest.mark.commits
def test_the_worker_outlives_a_database_it_cannot_use(tmp_path, monkeypatch):
    unmigrated = create_app(make_test_config(f"sqlite:///{tmp_path}/empty.sqlite3", tmp_path))
    monkeypatch.setattr(worker, "DATABASE_RETRY_SECONDS", 0.05)
    stop = threading.Event()
    threading.Timer(0.5, stop.set).start()
    with unmigrated.app_context():
        assert worker.work(poll=0.05, stop=stop) == 0  # "no such table: jobs", again and again
        db.engine.dispose()


# --- worker processes --------------------------------------------------------------------------

class Workers:
    """Worker processes (``python -m tests.job_worker``: the real command) on the test
    database; each is running its loop once ``start`` returns."""

    def __init__(self, database_url: str, instance):
        self.database_url, self.instance, self.processes = database_url, instance, []

    def start(self, *options: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.job_worker", self.database_url, str(self.instance),
             "--poll", "0.05", *options],
            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.processes.append(process)
        assert process.stdout.readline().strip() == "ready", process.stderr.read()
        return process

    def stop(self) -> list[int]:
        """SIGTERM to each; their exit codes."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        return [process.wait(timeout=60) for process in self.processes]

    def kill_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait()
            process.stdout.close()
            process.stderr.close()


@pytest.fixture
def workers(database_url, tmp_path):
    started = Workers(database_url, tmp_path / "instance")
    yield started
    started.kill_all()


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"waited {timeout} s for {what}")


def count_status(app, status: JobStatus) -> int:
    with app.app_context():
        try:
            return db.session.scalar(select(func.count()).where(Job.status == status))
        finally:
            db.session.remove()


@pytest.mark.commits
def test_three_worker_processes_run_three_hundred_jobs_each_exactly_once(app, workers,
                                                                         tmp_path):
    # Each job takes 10 ms and an idle worker looks every 50 ms, so all three are at work
    # before the queue is empty, however slowly each one started.
    pids = {workers.start("--lease", "60", "--poll", "0.05").pid for _ in range(3)}
    with app.app_context():
        ids = [enqueue("test.record", {"dir": str(tmp_path), "sleep": 0.01}).id
               for _ in range(300)]
        db.session.commit()
    wait_for(lambda: count_status(app, JobStatus.done) == 300, 240, "300 jobs done")
    assert workers.stop() == [0, 0, 0]
    runs = lines(tmp_path, "runs.log")
    assert sorted(int(job_id) for job_id, _pid in runs) == ids  # each once, none twice
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # SKIP LOCKED lets all three work at once. On SQLite one writer at a time holds the
        # lock, and SQLite's busy wait is not fair: a worker may lose every turn, so there the
        # test asks only that each job ran exactly once.
        assert {int(pid) for _job, pid in runs} == pids  # all three took part


@pytest.mark.commits
def test_a_job_whose_worker_is_killed_runs_again_after_its_lease_with_one_effect(app, workers,
                                                                                 tmp_path):
    first = workers.start("--lease", "2")
    with app.app_context():
        job_id = enqueue("test.slow_once", {"dir": str(tmp_path), "sleep": 120}).id
        db.session.commit()
    wait_for(lambda: lines(tmp_path, "effects.log"), 30, "the first run's effect")
    first.kill()  # SIGKILL, mid-job: the job stays running, held by a dead worker
    killed_at = time.monotonic()
    second = workers.start("--lease", "2")
    wait_for(lambda: count_status(app, JobStatus.done) == 1, 60, "the job run again")
    assert time.monotonic() - killed_at >= 0.5  # it waited for the lease (2 s from the claim)
    assert lines(tmp_path, "starts.log") == [[str(job_id), str(first.pid), "1"],
                                             [str(job_id), str(second.pid), "2"]]
    assert lines(tmp_path, "effects.log") == [[str(job_id), str(first.pid)]]  # once


@pytest.mark.commits
def test_sigterm_lets_the_job_under_way_finish_then_the_worker_exits_0(app, workers, tmp_path):
    worker = workers.start("--lease", "60")
    with app.app_context():
        job_id = enqueue("test.slow_once", {"dir": str(tmp_path), "sleep": 1.5}).id
        db.session.commit()
    wait_for(lambda: lines(tmp_path, "starts.log"), 30, "the job to start")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert (job.status, job.attempts, job.locked_by) == (JobStatus.done, 1, None)
        db.session.remove()
