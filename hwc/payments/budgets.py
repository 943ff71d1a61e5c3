"""What a budget holds, has committed, has paid and has left — the sums every page and every
run reads — and charging a voucher to it without ever going past what is left."""

import hashlib
import secrets
from decimal import Decimal
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from hwc.accounts.models import Role, User
from hwc.audit.trail import record_event
from hwc.claims.models import Claim, ClaimStatus
from hwc.core.money import NumberRefused, currency_places, money_string, read_number, round_money
from hwc.core.settings import get_setting
from hwc.extensions import db
from hwc.payments.documents import check_document
from hwc.payments.models import (
    ACTIVE_RUN_STATUSES,
    MAX_DOCUMENT_REFERENCE,
    MAX_FUND,
    MAX_NOTE,
    Budget,
    BudgetTopUp,
    ItemState,
    PaymentRun,
    PaymentRunItem,
)
from hwc.regions.models import Region
from hwc.regions.settings import settings_for
from hwc.vouchers.models import Voucher, VoucherStatus
from hwc.vouchers.operations import issue_voucher
from hwc.workflow.errors import RoleNotAllowed, TransitionRefused, WorkflowError
from hwc.workflow.service import check_scope, claims_in_scope


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


# --- Operations on budgets: who may make and fund them, and what the pages read. -----------

# Finance makes budgets and adds money to them (DESIGN.md: finance handles the money; admins
# hold settings and never act on claims); auditors read everything in their area.
WRITE_ROLES = frozenset({Role.finance})
READ_ROLES = frozenset({Role.finance, Role.auditor})
FIRST_YEAR, LAST_YEAR = 2000, 2100


class BudgetNotFound(WorkflowError):
    """No such budget (or area), or one outside the actor's: both look the same (404)."""

    status = 404


class BudgetRefused(TransitionRefused):
    """Input a budget or a top-up cannot take; ``errors`` says which field and why (422)."""


def _check_role(actor: User, roles: frozenset) -> None:
    if actor.role not in roles:
        raise RoleNotAllowed(_("Your role may not do this."))


def _text(value, field: str, maximum: int, *, required: bool) -> str:
    """``value`` with its spaces tidied, or ``BudgetRefused`` naming ``field``."""
    text = " ".join(value.split()) if isinstance(value, str) else None
    if text is None or not text.isprintable():
        message = _("Give this as plain text.")
    elif required and not text:
        message = _("This field is required.")
    elif len(text) > maximum:
        message = _("At most %(max)d characters.", max=maximum)
    else:
        return text
    raise BudgetRefused(message, {field: [message]})


def _year(value) -> int:
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and \
            FIRST_YEAR <= value <= LAST_YEAR:
        return value
    message = _("Give a year from %(first)d to %(last)d.", first=FIRST_YEAR, last=LAST_YEAR)
    raise BudgetRefused(message, {"year": [message]})


def may_change_budgets(user: User) -> bool:
    """Whether ``user``'s role makes budgets and adds money to them (in their own area)."""
    return user.role in WRITE_ROLES


def budgets_of(actor: User) -> list[Budget]:
    """The budgets of every area in ``actor``'s jurisdiction (none for roles that do not read
    budgets), the newest year first."""
    if actor.role not in READ_ROLES:
        return []
    return list(db.session.scalars(
        select(Budget).where(Budget.region_id.in_(Region.subtree_ids(*actor.scope_regions)))
        .order_by(Budget.year.desc(), Budget.fund, Budget.id)))


def get_budget(budget_id, actor: User) -> Budget:
    """The budget if ``actor`` may read it; ``BudgetNotFound`` outside their area (or for a
    malformed id), ``RoleNotAllowed`` for roles that do not read budgets."""
    _check_role(actor, READ_ROLES)
    if isinstance(budget_id, str) and budget_id.isascii() and budget_id.isdigit():
        budget_id = int(budget_id)
    budget = None
    if isinstance(budget_id, int) and not isinstance(budget_id, bool) and 0 < budget_id < 2**31:
        budget = db.session.get(Budget, budget_id)
    if budget is None or not actor.can_see_region(budget.region):
        raise BudgetNotFound(_("No such budget in your area."))
    return budget


def create_budget(*, actor: User, region_code: str, year, fund: str) -> Budget:
    """A new, empty budget of an area in ``actor``'s jurisdiction, in that area's currency;
    one per area, year and fund (``BudgetRefused`` for a second one)."""
    _check_role(actor, WRITE_ROLES)
    region = Region.by_code(region_code) if isinstance(region_code, str) else None
    if region is None or not actor.can_see_region(region):
        raise BudgetNotFound(_("No such area in your jurisdiction."))
    year, fund = _year(year), _text(fund, "fund", MAX_FUND, required=True)
    taken = _("This area already has a budget of this fund for this year.")
    query = select(Budget.id).where(Budget.region_id == region.id, Budget.year == year,
                                    Budget.fund == fund)
    if db.session.scalar(query) is not None:
        raise BudgetRefused(taken, {"fund": [taken]})
    budget = Budget(region=region, year=year, fund=fund, currency=settings_for(region).currency,
                    created_by_id=actor.id)
    try:
        with db.session.begin_nested():  # someone else may have made it a moment ago
            db.session.add(budget)
    except IntegrityError:
        raise BudgetRefused(taken, {"fund": [taken]}) from None
    record_event("budget_created", actor=actor, changes={
        "budget_id": budget.id, "region": region.code, "year": year, "fund": fund,
        "currency": budget.currency})
    return budget


def _amount(value, currency: str) -> Decimal:
    try:
        amount = read_number(value)
    except NumberRefused as error:
        raise BudgetRefused(error.message, {"amount": [error.message]}) from None
    places = currency_places(currency)
    if amount == 0:
        message = _("Give an amount other than zero.")
    elif amount.as_tuple().exponent < -places:
        message = _("%(currency)s amounts have at most %(places)d decimal places.",
                    currency=currency, places=places)
    else:
        return amount
    raise BudgetRefused(message, {"amount": [message]})


def top_up(budget: Budget, *, actor: User, amount, document_reference: str, note: str = "",
           document: bytes | None = None, document_name: str = "") -> BudgetTopUp:
    """Add ``amount`` to the budget (negative: a correction, never leaving less money than is
    committed), with the reference of the document granting it and, optionally, the document
    itself (a PDF, JPEG or PNG, checked by its content). The budget stays locked until the
    transaction ends, so no charge slips in between the check and the top-up."""
    _check_role(actor, WRITE_ROLES)
    get_budget(budget.id, actor)
    budget = lock_budget(budget.id)
    amount = _amount(amount, budget.currency)
    reference = _text(document_reference, "document_reference", MAX_DOCUMENT_REFERENCE,
                      required=True)
    note = (note or "").strip() if isinstance(note, str) else None
    if note is None or len(note) > MAX_NOTE:
        message = _("At most %(max)d characters.", max=MAX_NOTE)
        raise BudgetRefused(message, {"note": [message]})
    if amount < 0 and funded(budget) + amount < committed(budget):
        message = _("A correction may not leave less than is committed (%(committed)s).",
                    committed=money_string(committed(budget), budget.currency))
        raise BudgetRefused(message, {"amount": [message]})
    stored = check_document(document) if document else None
    entry = BudgetTopUp(budget=budget, amount=amount, document_reference=reference, note=note,
                        created_by_id=actor.id)
    if stored is not None:
        entry.document_type = stored.content_type
        entry.document_name = f"{secrets.token_hex(16)}{stored.suffix}"
        entry.document_original_name = (document_name or "")[:255]
    db.session.add(entry)
    db.session.flush()
    record_event("budget_topped_up", actor=actor, changes={
        "budget_id": budget.id, "top_up_id": entry.id,
        "amount": money_string(amount, budget.currency), "currency": budget.currency,
        "document_reference": reference,
        "document_sha256": hashlib.sha256(document).hexdigest() if stored else None})
    if stored is not None:
        (documents_dir() / entry.document_name).write_bytes(document)  # last: after the insert
    return entry


def document_of(budget: Budget, top_up_id, *, viewer: User) -> tuple[BudgetTopUp, bytes]:
    """The top-up's stored document, for a viewer who may read the budget; ``BudgetNotFound``
    otherwise, and for a top-up of another budget or one without a document."""
    get_budget(budget.id, viewer)
    entry = next((t for t in budget.top_ups if t.id == top_up_id), None)
    path = documents_dir() / entry.document_name if entry and entry.document_name else None
    if path is None or not path.is_file():
        raise BudgetNotFound(_("No such document."))
    return entry, path.read_bytes()


def budget_summary(budget: Budget) -> dict[str, Decimal]:
    """The five sums a page shows of a budget the caller already holds."""
    return {"funded": funded(budget), "committed": committed(budget),
            "reserved": reserved(budget), "paid": paid(budget), "remaining": remaining(budget)}


def budgets_for_claim(claim: Claim, actor: User) -> list[Budget]:
    """The budgets ``actor`` may charge ``claim``'s voucher to: in their area, covering the
    claim's village, in the claim's currency."""
    check_scope(claim, actor)
    if actor.role not in WRITE_ROLES:
        return []
    return [budget for budget in budgets_of(actor) if budget.currency == claim.currency
            and claim.village.is_within(budget.region)]


def issue_voucher_from_budget(claim: Claim, *, actor: User, budget_id=None,
                              version: int | None = None, comment: str = "") -> Voucher:
    """Issue the approved claim's voucher and charge it to the budget, in one transaction; with
    no budget, issue it as ever. A budget that does not cover the claim or has too little left
    refuses before anything is written."""
    if budget_id in (None, ""):
        return issue_voucher(claim, actor=actor, version=version, comment=comment)
    check_scope(claim, actor)
    budget = get_budget(budget_id, actor)
    if not claim.village.is_within(budget.region):
        message = _("This budget does not cover the claim's area.")
        raise BudgetRefused(message, {"budget_id": [message]})
    budget = lock_budget(budget.id)
    if claim.approved_total is not None and claim.currency == budget.currency and \
            remaining(budget) < round_money(claim.approved_total, claim.currency):
        raise BudgetExceeded(_("The budget “%(fund)s” has not enough money left for this "
                               "voucher.", fund=budget.fund))
    voucher = issue_voucher(claim, actor=actor, version=version, comment=comment)
    charge(voucher, budget)
    return voucher


def unpaid_against_budgets(actor: User) -> dict[str, dict[str, Decimal | int]]:
    """Per currency: how many approved claims in ``actor``'s area wait for a voucher, what they
    come to, and what the budgets in the area have left."""
    # Approved claims wait for a voucher: few whatever the history, read through the status index.
    rows = db.session.execute(
        claims_in_scope(actor, village_index=False)
        .with_only_columns(Claim.currency, func.count(),
                           func.coalesce(func.sum(Claim.approved_total), 0))
        .where(Claim.status == ClaimStatus.approved)
        .group_by(Claim.currency)).all()
    panel = {currency: {"count": count, "total": Decimal(total), "remaining": Decimal(0)}
             for currency, count, total in rows}
    for budget in budgets_of(actor):
        empty = {"count": 0, "total": Decimal(0), "remaining": Decimal(0)}
        panel.setdefault(budget.currency, empty)["remaining"] += remaining(budget)
    return dict(sorted(panel.items()))


def documents_dir() -> Path:
    """Where top-ups' documents are kept (beside the evidence photos, under the uploads)."""
    path = Path(current_app.config["HWC_UPLOAD_PATH"]) / "budget_documents"
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_document_bytes() -> int:
    return get_setting("max_upload_bytes")
