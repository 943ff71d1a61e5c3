"""The job table: work the ``flask hwc worker`` processes run after the transaction that asked
for it commits."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hwc.core.columns import enum_column
from hwc.core.db import UTCDateTime, utcnow
from hwc.core.enums import TitledEnum, set_titles
from hwc.extensions import db

MAX_KIND = 64
MAX_ERROR = 2000
MAX_WORKER_ID = 128
MAX_DEDUPE_KEY = 200


class JobStatus(TitledEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


set_titles(JobStatus, {"queued": _l("Waiting"), "running": _l("Running"), "done": _l("Done"),
                       "failed": _l("Failed")})


class Job(db.Model):
    """One piece of work: its handler's ``kind`` and JSON ``payload``, when it may run next, and
    who holds it. A worker holds a running job until ``locked_until`` (its lease); after that the
    job counts as waiting again, because its worker died. ``attempts`` counts the runs begun."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_status_run_at", "status", "run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(MAX_KIND))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus), default=JobStatus.queued)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer)
    run_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_by: Mapped[str | None] = mapped_column(String(MAX_WORKER_ID))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Names one piece of work for good ("sms:outbound:42"): enqueueing it again keeps one job.
    dedupe_key: Mapped[str | None] = mapped_column(String(MAX_DEDUPE_KEY), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status.value} attempt {self.attempts}>"
