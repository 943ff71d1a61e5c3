"""What finance does with payment runs: choose the payable claims, start a run against a budget
(its money reserved and its first job queued in the same transaction), cancel it, and read its
progress. Each operation checks the actor's role and scope itself; a budget or run outside the
actor's area is "not found", as a claim is."""

from datetime import datetime
from decimal import Decimal

from flask import current_app, has_request_context
from flask_babel import gettext as _
from sqlalchemy import exists, select

from hwc.accounts.models import User
from hwc.audit.trail import record_event
from hwc.claims.codes import normalise_code
from hwc.claims.models import Claim, ClaimStatus
from hwc.core.db import local_date, utcnow
from hwc.core.money import money_string
from hwc.extensions import db
from hwc.jobs.queue import enqueue
from hwc.payments.budgets import BudgetExceeded, lock_budget, remaining
from hwc.payments.models import (
    ACTIVE_RUN_STATUSES,
    Budget,
    ItemState,
    PaymentRun,
    PaymentRunItem,
    RunStatus,
)
from hwc.regions.models import Region
from hwc.regions.settings import jurisdiction_of
from hwc.vouchers import interest
from hwc.vouchers.models import Voucher
from hwc.workflow.errors import RoleNotAllowed, TransitionRefused, WorkflowError
from hwc.workflow.service import role_may, waiting_on

MAX_RUN_CLAIMS = 5000  # claims in one run
MAX_CODE_INPUT = 32    # characters of one claim code as typed


class RunNotFound(WorkflowError):
    """No such run or budget, or one outside the actor's area: both look the same."""

    status = 404


class RunRefused(TransitionRefused):
    """The run cannot be made or changed as asked; the message says why."""

    status = 409


def expected_amount(claim: Claim) -> Decimal:
    """What the claim's voucher will come to if issued today (its jurisdiction's day): the
    approved total and the late-payment interest owed by then. A run reserves this much; a
    voucher issued a day later may owe a day more, and is charged what it says."""
    return interest.expected_amount(claim, local_date(utcnow(), jurisdiction_of(claim).zone))


def _check_finance(actor: User) -> None:
    if actor is None or not role_may(actor, "issue_voucher"):
        raise RoleNotAllowed(_("Your role may not do this."))


def budgets_of(actor: User) -> list[Budget]:
    """The budgets in the actor's area, the newest year first."""
    return list(db.session.scalars(
        select(Budget).where(Budget.region_id.in_(Region.subtree_ids(*actor.scope_regions)))
        .order_by(Budget.year.desc(), Budget.fund, Budget.id)))


def _budget(budget_id, actor: User, *, lock: bool = False) -> Budget:
    budget = None
    if isinstance(budget_id, int) and not isinstance(budget_id, bool) and 0 < budget_id < 2**31:
        budget = lock_budget(budget_id) if lock else db.session.get(Budget, budget_id)
    if budget is None or not actor.can_see_region(budget.region):
        raise RunNotFound(_("No such budget in your area."))
    return budget


def _pending_elsewhere():
    """SQL condition on a claim row: an unfinished run still has to issue its voucher."""
    return exists().where(PaymentRunItem.claim_id == Claim.id,
                          PaymentRunItem.state == ItemState.pending,
                          PaymentRun.id == PaymentRunItem.run_id,
                          PaymentRun.status.in_(ACTIVE_RUN_STATUSES))


def payable_claims(actor: User, budget: Budget) -> list[Claim]:
    """The approved claims the actor may issue a voucher for now (the workflow table's roles
    and guards, as SQL), in the budget's currency and region, that no unfinished run is about
    to pay; the oldest approval first."""
    _check_finance(actor)
    if not actor.can_see_region(budget.region):
        raise RunNotFound(_("No such budget in your area."))
    return list(db.session.scalars(
        select(Claim).where(
            waiting_on(actor), Claim.status == ClaimStatus.approved,
            Claim.approved_total.is_not(None), Claim.currency == budget.currency,
            Claim.village_id.in_(Region.subtree_ids(budget.region)), ~_pending_elsewhere())
        .order_by(Claim.approved_at.is_(None), Claim.approved_at, Claim.id)
        .limit(MAX_RUN_CLAIMS * 4)))


def _chosen(codes, payable: list[Claim]) -> list[Claim]:
    """The payable claims named by ``codes``, in the queue's order; a code that is not one of
    them is refused by name."""
    if not isinstance(codes, list | tuple) or not codes:
        raise RunRefused(_("Choose at least one claim."))
    if len(codes) > MAX_RUN_CLAIMS:
        raise RunRefused(_("At most %(max)d claims in one run.", max=MAX_RUN_CLAIMS))
    by_code = {claim.code: claim for claim in payable}
    wanted = set()
    for code in codes:
        shown = str(code)[:MAX_CODE_INPUT] if isinstance(code, str | int) else "?"
        try:
            normal = normalise_code(code) if isinstance(code, str) and \
                len(code) <= MAX_CODE_INPUT else None
        except ValueError:
            normal = None
        if normal not in by_code:
            raise RunRefused(_("Claim %(code)s cannot be paid in this run.", code=shown))
        wanted.add(normal)
    return [claim for claim in payable if claim.code in wanted]


def _up_to(money: Decimal, payable: list[Claim]) -> list[Claim]:
    """The oldest approvals first, while the money lasts: the first claim that does not fit
    ends the list, so a younger small claim never jumps the queue."""
    chosen = []
    for claim in payable[:MAX_RUN_CLAIMS]:
        money -= expected_amount(claim)
        if money < 0:
            break
        chosen.append(claim)
    return chosen


def _public_url() -> str | None:
    """Where the vouchers' QR codes lead, fixed when the run is made (the worker has no
    request to ask)."""
    if current_app.config.get("HWC_PUBLIC_URL"):
        return current_app.config["HWC_PUBLIC_URL"].rstrip("/")
    if has_request_context():
        from flask import request

        return request.url_root.rstrip("/")
    return None


def create_run(*, actor: User, budget_id: int, codes=None, auto: bool = False) -> PaymentRun:
    """Start a run against the budget: the claims named by ``codes``, or with ``auto`` every
    payable claim up to the money left. Their amounts are reserved from the budget (locked
    meanwhile, so two runs never spend the same money) and the worker's first job is queued,
    all in the caller's transaction; nothing is written when anything is refused."""
    _check_finance(actor)
    budget = _budget(budget_id, actor, lock=True)
    payable = payable_claims(actor, budget)
    money = remaining(budget)
    chosen = _up_to(money, payable) if auto else _chosen(codes, payable)
    if not chosen:
        raise RunRefused(_("No claim can be paid from this budget now."))
    total = sum((expected_amount(claim) for claim in chosen), Decimal(0))
    if total > money:
        raise BudgetExceeded(_("The budget “%(fund)s” has not enough money left for this "
                               "run.", fund=budget.fund))
    run = PaymentRun(region_id=budget.region_id, budget_id=budget.id, currency=budget.currency,
                     status=RunStatus.queued, total=total, item_count=len(chosen),
                     created_by_id=actor.id)
    db.session.add(run)
    db.session.flush()
    db.session.add_all(PaymentRunItem(run_id=run.id, position=n, claim_id=claim.id,
                                      amount=expected_amount(claim))
                       for n, claim in enumerate(chosen))
    enqueue("payments.issue", {"run_id": run.id, "public_url": _public_url()},
            dedupe_key=f"payment-run:{run.id}:issue:0")
    record_event("payment_run_created", actor=actor, comment=f"run {run.id}", changes={
        "run": run.id, "count": len(chosen), "total": money_string(total, run.currency),
        "currency": run.currency, "budget": budget.id, "auto": bool(auto)})
    db.session.flush()
    return run


def get_run(run_id, actor: User, *, lock: bool = False) -> PaymentRun:
    """The run if it lies in the actor's area; else ``RunNotFound``."""
    _check_finance(actor)
    run = None
    if isinstance(run_id, int) and not isinstance(run_id, bool) and 0 < run_id < 2**31:
        query = select(PaymentRun).where(PaymentRun.id == run_id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        run = db.session.scalar(query)
    if run is None or not actor.can_see_region(run.region):
        raise RunNotFound(_("No such payment run in your area."))
    return run


def runs_of(actor: User, limit: int = 200) -> list[PaymentRun]:
    """The runs in the actor's area, the newest first."""
    _check_finance(actor)
    return list(db.session.scalars(
        select(PaymentRun).where(
            PaymentRun.region_id.in_(Region.subtree_ids(*actor.scope_regions)))
        .order_by(PaymentRun.id.desc()).limit(limit)))


def cancel_run(run: PaymentRun, *, actor: User) -> PaymentRun:
    """Ask the worker to stop the run: the next chunk issues nothing more, its waiting claims
    are cancelled (their money no longer reserved); what was issued stays issued and is still
    printed and put in the bank file."""
    run = get_run(run.id, actor, lock=True)
    if run.status not in (RunStatus.queued, RunStatus.issuing) or run.cancel_requested:
        raise RunRefused(_("This run can no longer be cancelled."))
    run.cancel_requested = True
    record_event("payment_run_cancelled", actor=actor, comment=f"run {run.id}",
                 changes={"run": run.id, "issued": run.issued_count,
                          "pending": run.item_count - run.issued_count - run.failed_count})
    db.session.flush()
    return run


def _seconds(since: datetime | None, now: datetime) -> float:
    return max((now - since).total_seconds(), 0.0) if since else 0.0


def progress(run: PaymentRun) -> dict:
    """Where the run is: its phase, items done (issued, failed or cancelled) of the total,
    failures, vouchers printed, and the seconds left at the pace so far (None until known)."""
    cancelled = db.session.scalar(select(db.func.count()).where(
        PaymentRunItem.run_id == run.id, PaymentRunItem.state == ItemState.cancelled)) or 0
    done = run.issued_count + run.failed_count + cancelled
    finished = run.status not in ACTIVE_RUN_STATUSES
    # Work: each item is issued (or not), then each issued voucher printed.
    work_total = run.item_count + run.issued_count
    work_done = done + run.printed_count
    elapsed = _seconds(run.started_at, utcnow())
    seconds_left = None
    if finished:
        seconds_left = 0
    elif work_done and elapsed:
        seconds_left = round(elapsed / work_done * max(work_total - work_done, 0))
    return {"phase": run.status.value, "phase_title": str(run.status.title), "done": done,
            "total": run.item_count, "issued": run.issued_count, "failed": run.failed_count,
            "cancelled": cancelled, "printed": run.printed_count,
            "seconds_left": seconds_left, "finished": finished,
            "cancel_requested": run.cancel_requested}


def voucher_numbers(run: PaymentRun) -> dict[int, str]:
    """The numbers of the run's vouchers, by voucher id."""
    return dict(db.session.execute(
        select(Voucher.id, Voucher.number).join(PaymentRunItem,
                                                PaymentRunItem.voucher_id == Voucher.id)
        .where(PaymentRunItem.run_id == run.id)).all())
