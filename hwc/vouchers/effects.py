"""The workflow's paying steps (``issue_voucher``, ``record_payment``, ``void_voucher`` in
``hwc.workflow.rules``): what each does besides the claim's status. ``perform`` runs them in the
caller's transaction after the table's roles and guards, so a voucher is created, paid or voided
exactly when the claim's status changes, and with the same audit event."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from hwc.claims.models import Claim
from hwc.core.db import local_date, utcnow
from hwc.core.edge import DateOutOfRange, parse_date
from hwc.core.money import money_string, round_money
from hwc.core.numbering import NumberFormat
from hwc.extensions import db
from hwc.regions.settings import jurisdiction_of
from hwc.vouchers.interest import late_interest
from hwc.vouchers.models import MAX_REASON, MAX_REFERENCE, PaymentMethod, Voucher, VoucherStatus
from hwc.vouchers.numbering import take_number
from hwc.workflow.effects import Outcome, add_effects
from hwc.workflow.errors import InvalidTransition, TransitionRefused


def live_voucher(claim: Claim, *, lock: bool = False) -> Voucher | None:
    """The claim's issued or paid voucher, if any; with ``lock``, its row is locked until the
    transaction ends (PostgreSQL: a second payment of it waits, then sees it paid)."""
    query = select(Voucher).where(Voucher.claim_id == claim.id,
                                  Voucher.status != VoucherStatus.void)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def _issued_voucher(claim: Claim) -> Voucher:
    """The claim's voucher that can still be paid or voided, locked; else a 409."""
    voucher = live_voucher(claim, lock=True)
    if voucher is None or voucher.status is not VoucherStatus.issued:
        raise InvalidTransition(_("This voucher is already paid or void."))
    return voucher


def voucher_issued(claim: Claim, actor, data: dict) -> Outcome:
    if claim.approved_total is None:
        raise InvalidTransition(_("This claim has no approved amount to pay."))
    if live_voucher(claim, lock=True) is not None:
        raise InvalidTransition(_("This claim already has a voucher."))
    where = jurisdiction_of(claim)
    today = local_date(utcnow(), where.zone)
    number = take_number(where["voucher_prefix"],
                         NumberFormat.parse(where["voucher_number_format"]), today)
    principal = round_money(claim.approved_total, claim.currency)
    interest = late_interest(claim, principal, today)
    voucher = Voucher(
        number=number.text, claim=claim, issuer=where.sources["voucher_prefix"] or "",
        prefix=number.prefix, period=number.period, seq=number.seq,
        amount=principal + interest.amount, principal=principal, interest=interest.amount,
        interest_days=interest.days, interest_detail=interest.detail, currency=claim.currency,
        authority=where["voucher_authority"], office_language=where["office_language"],
        issued_on=today, issued_at=utcnow(), issued_by_id=actor.id)
    from hwc.vouchers.sealing import seal_voucher

    voucher.seal, voucher.key_fingerprint = seal_voucher(voucher)
    db.session.add(voucher)
    db.session.flush()
    changes = {"number": voucher.number,
               "amount": money_string(voucher.amount, voucher.currency),
               "currency": voucher.currency}
    if interest.amount:
        changes["interest"] = {"principal": money_string(principal, voucher.currency),
                               "amount": money_string(interest.amount, voucher.currency),
                               "days": interest.days, "detail": interest.detail}
    return Outcome(changes={"voucher": changes})


def _payment_day(raw, voucher: Voucher, today: date) -> date:
    if raw is None or raw == "":
        return today
    try:
        day = raw if isinstance(raw, date) else parse_date(raw if isinstance(raw, str) else "")
    except DateOutOfRange as error:
        raise TransitionRefused(error.message, {"paid_on": [error.message]}) from None
    if not voucher.issued_on <= day <= today:
        message = _("The payment date lies between the voucher's date (%(issued)s) and today.",
                    issued=voucher.issued_on.isoformat())
        raise TransitionRefused(message, {"paid_on": [message]})
    return day


def _reference(raw, method: PaymentMethod) -> str:
    reference = " ".join(raw.split()) if isinstance(raw, str) else None
    if reference is None and raw is not None:
        message = _("Give the reference as text.")
    elif reference and len(reference) > MAX_REFERENCE:
        message = _("At most %(max)d characters.", max=MAX_REFERENCE)
    elif not reference and method is not PaymentMethod.cash:
        message = _("Give the bank's or the mobile payment's reference.")
    else:
        return reference or ""
    raise TransitionRefused(message, {"reference": [message]})


def payment_recorded(claim: Claim, actor, data: dict) -> Outcome:
    voucher = _issued_voucher(claim)
    try:
        method = PaymentMethod(data.get("method"))
    except ValueError:
        message = _("Choose how it was paid: %(values)s",
                    values=", ".join(method.value for method in PaymentMethod))
        raise TransitionRefused(message, {"method": [message]}) from None
    reference = _reference(data.get("reference"), method)
    today = local_date(utcnow(), jurisdiction_of(claim).zone)
    paid_on = _payment_day(data.get("paid_on"), voucher, today)
    voucher.status = VoucherStatus.paid
    voucher.payment_method, voucher.payment_reference = method, reference
    voucher.paid_on, voucher.paid_at, voucher.paid_by_id = paid_on, utcnow(), actor.id
    claim.paid_total = voucher.amount
    claim.paid_at = voucher.paid_at
    db.session.flush()
    return Outcome(changes={"voucher": {"number": voucher.number, "status": "paid"},
                            "payment": {"method": method.value, "reference": reference,
                                        "paid_on": paid_on.isoformat()}})


def voucher_voided(claim: Claim, actor, data: dict) -> Outcome:
    voucher = _issued_voucher(claim)
    reason = data.get("comment") or ""
    if len(reason) > MAX_REASON:
        message = _("At most %(max)d characters.", max=MAX_REASON)
        raise TransitionRefused(message, {"comment": [message]})
    voucher.status = VoucherStatus.void
    voucher.void_reason, voucher.voided_at, voucher.voided_by_id = reason, utcnow(), actor.id
    db.session.flush()
    return Outcome(changes={"voucher": {"number": voucher.number, "status": "void"}})


add_effects({"voucher_issued": voucher_issued, "payment_recorded": payment_recorded,
             "voucher_voided": voucher_voided})
