"""What happened to one claim: its status (by its age), the steps that led there with their times
and actors, and the due date its status waits on — the same rules the workflow applies."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from hwc.claims.deadlines import WAITING_STEP, end_of_local_day
from hwc.claims.models import ClaimStatus as S

DAY = timedelta(days=1)

# The status of a claim by how old it is (days since it was reported): weights.
BY_AGE = (
    (7, {S.draft: 14, S.submitted: 40, S.under_verification: 25, S.returned: 4,
         S.withdrawn: 2, S.verified: 8, S.rejected: 2, S.approved: 3,
         S.awaiting_second_approval: 2}),
    (30, {S.draft: 3, S.submitted: 10, S.under_verification: 20, S.returned: 6,
          S.withdrawn: 3, S.verified: 20, S.awaiting_second_approval: 4, S.rejected: 6,
          S.approved: 18, S.voucher_issued: 6, S.paid: 4}),
    (120, {S.draft: 1, S.submitted: 1, S.under_verification: 3, S.returned: 2,
           S.withdrawn: 4, S.verified: 4, S.awaiting_second_approval: 1, S.rejected: 10,
           S.approved: 10, S.voucher_issued: 14, S.paid: 50}),
    (None, {S.paid: 80, S.rejected: 12, S.withdrawn: 6, S.voucher_issued: 1, S.approved: 1}),
)
# Every status the workflow can reach (``closed`` has no transition into it).
REACHABLE = (S.draft, S.submitted, S.under_verification, S.returned, S.verified,
             S.awaiting_second_approval, S.approved, S.rejected, S.withdrawn, S.voucher_issued,
             S.paid)
_TABLES = [(limit, list(weights), list(weights.values())) for limit, weights in BY_AGE]


def status_by_age(rng: random.Random, age_days: float) -> S:
    for limit, statuses, weights in _TABLES:
        if limit is None or age_days < limit:
            return rng.choices(statuses, weights)[0]
    raise AssertionError


@dataclass
class Step:
    action: str
    duty: str  # whose step: officer, inspector, approver, senior, finance
    from_status: S | None
    to_status: S
    gap_days: float  # days after the step before


def steps_to(rng: random.Random, status: S, second_approval: bool) -> list[Step]:
    """The workflow's steps from filing to ``status`` (a few claims take a detour back)."""
    steps = [Step("create", "officer", None, S.draft, 0)]
    if status == S.draft:
        return steps
    steps.append(Step("submit", "officer", S.draft, S.submitted, rng.uniform(0, 2)))
    if status == S.withdrawn:
        where = rng.choice((S.submitted, S.under_verification))
        if where == S.under_verification:
            steps.append(Step("start_verification", "inspector", S.submitted, where,
                              rng.uniform(0.2, 4)))
        steps.append(Step("withdraw", "officer", where, S.withdrawn, rng.uniform(0.5, 10)))
        return steps
    if status == S.submitted:
        return steps
    steps.append(Step("start_verification", "inspector", S.submitted, S.under_verification,
                      rng.uniform(0.2, 4)))
    if status == S.returned or (status not in (S.under_verification,) and rng.random() < 0.06):
        steps.append(Step("return", "inspector", S.under_verification, S.returned,
                          rng.uniform(0.5, 4)))
        if status == S.returned:
            return steps
        steps.append(Step("resubmit", "officer", S.returned, S.submitted, rng.uniform(1, 8)))
        steps.append(Step("start_verification", "inspector", S.submitted, S.under_verification,
                          rng.uniform(0.2, 3)))
    if status == S.under_verification:
        return steps
    if status == S.rejected and rng.random() < 0.6:
        steps.append(Step("propose_rejection", "inspector", S.under_verification, S.rejected,
                          rng.uniform(0.5, 6)))
        return steps
    steps.append(Step("verify", "inspector", S.under_verification, S.verified,
                      rng.uniform(0.5, 6)))
    if status == S.verified:
        return steps
    if status == S.rejected:
        steps.append(Step("reject", "approver", S.verified, S.rejected, rng.uniform(1, 10)))
        return steps
    if second_approval:
        steps.append(Step("approve", "approver", S.verified, S.awaiting_second_approval,
                          rng.uniform(1, 8)))
        if status == S.awaiting_second_approval:
            return steps
        steps.append(Step("approve", "senior", S.awaiting_second_approval, S.approved,
                          rng.uniform(0.5, 6)))
    else:
        steps.append(Step("approve", "approver", S.verified, S.approved, rng.uniform(1, 8)))
    if status == S.approved:
        return steps
    steps.append(Step("issue_voucher", "finance", S.approved, S.voucher_issued,
                      rng.uniform(1, 20)))
    if status == S.voucher_issued:
        return steps
    steps.append(Step("record_payment", "finance", S.voucher_issued, S.paid, rng.uniform(1, 15)))
    return steps


def timed(steps: list[Step], reported_at: datetime, now: datetime) -> list[datetime]:
    """Each step's time, from the report on; squeezed so that the last one is before ``now``."""
    room = (now - reported_at).total_seconds() - 60
    total = sum(step.gap_days for step in steps) * 86400
    scale = min(1.0, room / total) if total > 0 else 1.0
    moments, seconds = [], 0.0
    for step in steps:
        seconds += step.gap_days * 86400 * scale
        moments.append((reported_at + timedelta(seconds=seconds)).replace(microsecond=0))
    return moments


def due_at(status: S, times: dict, rules, zone) -> datetime | None:
    """When the step the claim waits on is due (``hwc.claims.deadlines``), None if none waits."""
    step = WAITING_STEP.get(status)
    if step == "inspect_by":
        return end_of_local_day(times["submitted_at"], rules["inspect_within_days"], zone)
    if step == "decide_by":
        return end_of_local_day(times["verified_at"], rules["decide_within_days"], zone)
    if step == "pay_by":
        return end_of_local_day(times["approved_at"], rules["pay_within_days"], zone)
    return None
