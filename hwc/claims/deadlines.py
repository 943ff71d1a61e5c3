"""Due dates of a claim's steps, from the deadline settings in force in its village.

A deadline in days is counted in local days of the village's time zone: "inspect within 7
days" of a claim submitted on 1 March ends when 8 March ends there, wherever the office is.
A deadline in hours is counted in hours."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hwc.claims.models import Claim, ClaimStatus
from hwc.core.db import utcnow
from hwc.regions.settings import jurisdiction_of

# The step each status waits on, and the deadline that step must meet.
WAITING_STEP = {
    ClaimStatus.submitted: "inspect_by",
    ClaimStatus.under_verification: "inspect_by",
    ClaimStatus.verified: "decide_by",
    ClaimStatus.awaiting_second_approval: "decide_by",
    ClaimStatus.approved: "pay_by",
    ClaimStatus.voucher_issued: "pay_by",
}


def end_of_local_day(start: datetime, days: int, zone: ZoneInfo) -> datetime:
    """The moment the local day ``days`` days after ``start``'s local day ends in ``zone``
    (the next local midnight), in UTC."""
    last_day = start.astimezone(zone).date() + timedelta(days=days)
    return datetime.combine(last_day + timedelta(days=1), time(), zone).astimezone(UTC)


def due_day(due: datetime, zone: ZoneInfo):
    """The last local day of a deadline that ends at ``due`` (a local midnight)."""
    return (due.astimezone(zone) - timedelta(microseconds=1)).date()


def deadlines(claim: Claim) -> dict[str, datetime | None]:
    """Each step's due time (the instant it passes); None for a step whose starting point has
    not happened yet."""
    rules = jurisdiction_of(claim)
    zone = rules.zone

    def after(start: datetime | None, key: str) -> datetime | None:
        return end_of_local_day(start, rules[key], zone) if start is not None else None

    return {
        "report_by": (claim.occurred_at + timedelta(hours=rules["report_within_hours"])
                      if claim.occurred_at is not None else None),
        "inspect_by": after(claim.submitted_at, "inspect_within_days"),
        "decide_by": after(claim.verified_at, "decide_within_days"),
        "pay_by": after(claim.approved_at, "pay_within_days"),
    }


def current_due(claim: Claim) -> datetime | None:
    step = WAITING_STEP.get(claim.status)
    return deadlines(claim)[step] if step else None


def recompute_due(claim: Claim) -> None:
    """Store the due time of the step the claim now waits on (for queues and overdue filters)."""
    claim.due_at = current_due(claim)


def is_late_report(claim: Claim) -> bool:
    report_by = deadlines(claim)["report_by"]
    return report_by is not None and claim.reported_at > report_by


def is_overdue(claim: Claim, now: datetime | None = None) -> bool:
    return claim.due_at is not None and (now or utcnow()) >= claim.due_at
