"""Job handlers for the worker tests, registered in the test process and in the worker
processes it starts. Their effects go to files under ``payload["dir"]`` (appended with
O_APPEND, so lines from several processes never mix)."""

import os
import time
from pathlib import Path

from sqlalchemy import update

from hwc.extensions import db
from hwc.jobs.models import Job
from hwc.jobs.queue import enqueue, handler


def append(directory: str, name: str, line: str) -> None:
    fd = os.open(Path(directory) / name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def lines(directory, name: str) -> list[list[str]]:
    path = Path(directory) / name
    return [line.split() for line in path.read_text().splitlines()] if path.exists() else []


@handler("test.record")
def record_run(payload: dict, job: Job) -> None:
    """Every run leaves a line: a job run twice shows twice (after ``sleep`` seconds of work)."""
    time.sleep(payload.get("sleep", 0))
    append(payload["dir"], "runs.log", f"{job.id} {os.getpid()}")


@handler("test.slow_once")
def effect_then_slow_first_run(payload: dict, job: Job) -> None:
    """Does its effect once per job id, however many runs reach it; then the first run sleeps
    (long enough to be killed in, after the effect and before the job is marked done)."""
    append(payload["dir"], "starts.log", f"{job.id} {os.getpid()} {job.attempts}")
    try:
        os.close(os.open(Path(payload["dir"]) / f"effect-{job.id}",
                         os.O_WRONLY | os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        pass  # a run before this one did it: not again
    else:
        append(payload["dir"], "effects.log", f"{job.id} {os.getpid()}")
    if job.attempts == 1:
        time.sleep(payload["sleep"])


@handler("test.fails")
def always_fails(payload: dict, job: Job) -> None:
    raise RuntimeError(payload.get("message", "the gateway is down"))


@handler("test.noop")
def nothing(payload: dict, job: Job) -> None:
    pass


@handler("test.loses_lease")
def enqueue_then_lose_the_lease(payload: dict, job: Job) -> None:
    """Changes the database, then finds its job taken over (as when its lease ran out while it
    ran and another worker claimed it)."""
    enqueue("test.noop", {}, dedupe_key=payload["follow_up"])
    db.session.execute(update(Job).where(Job.id == job.id).values(locked_by="another"))
