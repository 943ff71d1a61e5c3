"""What finance does with vouchers, for the pages and the API alike. Each operation checks the
actor's scope (a voucher outside it is "not found", as a claim is), then the workflow table
through ``perform``, in the caller's transaction."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from hwc.accounts.models import User
from hwc.audit.trail import record_event
from hwc.claims.models import Claim
from hwc.extensions import db
from hwc.vouchers.effects import live_voucher
from hwc.vouchers.models import Voucher, VoucherStatus
from hwc.workflow.errors import InvalidTransition, RoleNotAllowed, WorkflowError
from hwc.workflow.service import check_scope, perform, role_may

MAX_NUMBER = 64


class VoucherNotFound(WorkflowError):
    """No such voucher, or one outside the user's area: both look the same."""

    status = 404


def get_voucher(number: str, user: User) -> Voucher:
    """The voucher with this number if ``user``'s area holds its claim; else
    ``VoucherNotFound``."""
    voucher = None
    if isinstance(number, str) and 0 < len(number) <= MAX_NUMBER:
        voucher = db.session.scalar(select(Voucher).where(Voucher.number == number.strip()))
    if voucher is None or not user.can_see_region(voucher.claim.village):
        raise VoucherNotFound(_("No such voucher in your area."))
    return voucher


def vouchers_of(claim: Claim, user: User) -> list[Voucher]:
    """Every voucher of the claim, the newest first (void ones too: their numbers are kept)."""
    check_scope(claim, user)
    return list(db.session.scalars(select(Voucher).where(Voucher.claim_id == claim.id)
                                   .order_by(Voucher.id.desc())))


def issue_voucher(claim: Claim, *, actor: User, version: int | None = None,
                  comment: str = "") -> Voucher:
    """Issue the approved claim's voucher: a new number, the amount, the seal."""
    perform(claim, "issue_voucher", actor=actor, version=version, comment=comment)
    return live_voucher(claim)


def _open(voucher: Voucher, action: str, actor: User) -> Voucher:
    """Scope, then role, then whether this voucher (not just its claim) is still open: a void
    voucher of a claim that has a new one is not the one to pay."""
    check_scope(voucher.claim, actor)
    if not role_may(actor, action):
        raise RoleNotAllowed(_("Your role may not do this."))
    locked = live_voucher(voucher.claim, lock=True)
    if locked is None or locked.id != voucher.id or locked.status is not VoucherStatus.issued:
        db.session.refresh(voucher)
        raise InvalidTransition(_("This voucher is already paid or void."))
    db.session.refresh(voucher.claim)
    return voucher


def record_payment(voucher: Voucher, *, actor: User, method: str, reference: str | None = None,
                   paid_on: str | date | None = None) -> Voucher:
    """Record that the voucher was paid (``bank``, ``cash`` or ``mobile``, the bank's or the
    receipt's reference, the day it was paid): voucher and claim become paid. A voucher already
    paid or void is refused (``InvalidTransition``, 409)."""
    _open(voucher, "record_payment", actor)
    perform(voucher.claim, "record_payment", actor=actor, method=method, reference=reference,
            paid_on=paid_on)
    return voucher


def void_voucher(voucher: Voucher, *, actor: User, reason: str) -> Voucher:
    """Void the voucher, keeping its number, with the reason; the claim is approved again and
    may be issued a new voucher."""
    _open(voucher, "void_voucher", actor)
    perform(voucher.claim, "void_voucher", actor=actor, comment=reason)
    return voucher


def reveal_bank_account(voucher: Voucher, *, actor: User) -> str:
    """The payee's whole bank account, for finance in the voucher's area only; each showing is
    an audit event on the claim."""
    check_scope(voucher.claim, actor)
    if not role_may(actor, "record_payment"):
        raise RoleNotAllowed(_("Your role may not do this."))
    claim = voucher.claim
    record_event("bank_account_viewed", actor=actor, claim=claim, from_status=claim.status,
                 to_status=claim.status, changes={"voucher": voucher.number})
    return claim.claimant.bank_account or ""
