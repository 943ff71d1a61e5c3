"""Due dates of a claim's steps, from the deployment's deadline settings."""

from datetime import datetime, timedelta

from hwc.claims.models import Claim, ClaimStatus
from hwc.core.db import utcnow
from hwc.core.settings import get_setting

# The step each status waits on, and the deadline that step must meet.
WAITING_STEP = {
    ClaimStatus.submitted: "inspect_by",
    ClaimStatus.under_verification: "inspect_by",
    ClaimStatus.verified: "decide_by",
    ClaimStatus.awaiting_second_approval: "decide_by",
    ClaimStatus.approved: "pay_by",
    ClaimStatus.voucher_issued: "pay_by",
}


def deadlines(claim: Claim) -> dict[str, datetime | None]:
    """Each step's due time; None for a step whose starting point has not happened yet."""

    def after(start: datetime | None, **delta) -> datetime | None:
        return start + timedelta(**delta) if start is not None else None

    return {
        "report_by": after(claim.occurred_at, hours=get_setting("report_within_hours")),
        "inspect_by": after(claim.submitted_at, days=get_setting("inspect_within_days")),
        "decide_by": after(claim.verified_at, days=get_setting("decide_within_days")),
        "pay_by": after(claim.approved_at, days=get_setting("pay_within_days")),
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
    return claim.due_at is not None and (now or utcnow()) > claim.due_at
