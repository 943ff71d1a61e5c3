"""What a budget holds, has committed, has paid and has left — the sums every page and every
run reads — and charging a voucher to it without ever going past what is left."""

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from hwc.extensions import db
from hwc.payments.models import (
    ACTIVE_RUN_STATUSES,
    Budget,
    BudgetTopUp,
    ItemState,
    PaymentRun,
    PaymentRunItem,
)
from hwc.vouchers.models import Voucher, VoucherStatus
from hwc.workflow.errors import TransitionRefused


class BudgetExceeded(TransitionRefused):
    """What is left in the budget does not cover the amount (409)."""

    status = 409


def lock_budget(budget_id: int) -> Budget | None:
    """The budget, its row locked until the transaction ends: whoever charges or reserves money
    from it holds this lock, so two runs racing for the last money take turns (on SQLite the
    write lock does the same)."""
    return db.session.scalar(select(Budget).where(Budget.id == budget_id).with_for_update()
                             .execution_options(populate_existing=True))


def funded(budget: Budget) -> Decimal:
    """Every top-up of the budget, added up."""
    return db.session.scalar(select(func.coalesce(func.sum(BudgetTopUp.amount), 0))
                             .where(BudgetTopUp.budget_id == budget.id)) or Decimal(0)


def _vouchers(budget: Budget, *statuses: VoucherStatus) -> Decimal:
    return db.session.scalar(select(func.coalesce(func.sum(Voucher.amount), 0)).where(
        Voucher.budget_id == budget.id, Voucher.status.in_(statuses))) or Decimal(0)


def reserved(budget: Budget) -> Decimal:
    """What unfinished runs have set aside for the claims they have not yet issued."""
    return db.session.scalar(
        select(func.coalesce(func.sum(PaymentRunItem.amount), 0))
        .join(PaymentRun, PaymentRun.id == PaymentRunItem.run_id)
        .where(PaymentRun.budget_id == budget.id, PaymentRun.status.in_(ACTIVE_RUN_STATUSES),
               PaymentRunItem.state == ItemState.pending)) or Decimal(0)


def paid(budget: Budget) -> Decimal:
    return _vouchers(budget, VoucherStatus.paid)


def committed(budget: Budget) -> Decimal:
    """Live vouchers charged to the budget (issued or paid) and what runs have reserved."""
    return _vouchers(budget, VoucherStatus.issued, VoucherStatus.paid) + reserved(budget)


def remaining(budget: Budget) -> Decimal:
    return funded(budget) - committed(budget)


def charge(voucher: Voucher, budget: Budget, *, already_reserved: Decimal = Decimal(0)) -> None:
    """Pay ``voucher`` from ``budget`` (locked here), or ``BudgetExceeded``. A run's item
    passes what it reserved for this claim (it is still counted as reserved while the voucher
    is charged), so the voucher takes that reservation's place."""
    budget = lock_budget(budget.id)
    if voucher.currency != budget.currency:
        raise BudgetExceeded(_("This budget is in %(currency)s.", currency=budget.currency))
    if remaining(budget) + already_reserved < voucher.amount:
        raise BudgetExceeded(_("The budget “%(fund)s” has not enough money left for this "
                               "voucher.", fund=budget.fund))
    voucher.budget_id = budget.id
    db.session.flush()
