"""The voucher page, its PDF, the whole bank account for finance, and the public verification
page a voucher's QR code leads to."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hwc.accounts.access import roles_required
from hwc.accounts.models import OFFICE_ROLES
from hwc.audit.models import AuditEvent
from hwc.extensions import db, limiter
from hwc.vouchers.forms import RevealForm
from hwc.vouchers.operations import get_voucher, reveal_bank_account
from hwc.vouchers.printing import public_base_url, voucher_pdf
from hwc.vouchers.sealing import Finding, examine
from hwc.vouchers.signing import qr_text
from hwc.workflow.errors import WorkflowError
from hwc.workflow.service import role_may

bp = Blueprint("vouchers", __name__)

VOUCHER_EVENTS = ("issue_voucher", "record_payment", "void_voucher", "bank_account_viewed")
MAX_PAYLOAD = 512


def scoped_voucher(number: str):
    try:
        return get_voucher(number, current_user)
    except WorkflowError:
        abort(404)


def voucher_history(voucher) -> list[AuditEvent]:
    """The claim's events about this voucher, oldest first."""
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.claim_id == voucher.claim_id, AuditEvent.action.in_(VOUCHER_EVENTS))
        .order_by(AuditEvent.seq)).all()
    return [event for event in events if _names(event, voucher.number)]


def _names(event: AuditEvent, number: str) -> bool:
    mentioned = (event.changes or {}).get("voucher")
    return mentioned == number or (isinstance(mentioned, dict) and
                                   mentioned.get("number") == number)


def render_voucher(voucher, account: str | None = None):
    return render_template(
        "vouchers/page.html", voucher=voucher, claim=voucher.claim,
        history=voucher_history(voucher), account=account, reveal_form=RevealForm(),
        may_reveal=role_may(current_user, "record_payment") and
        bool(voucher.claim.claimant.bank_account),
        verify_url=qr_text(voucher.seal, public_base_url()))


@bp.get("/vouchers/<number>")
@roles_required(*OFFICE_ROLES)
def voucher_page(number):
    return render_voucher(scoped_voucher(number))


@bp.get("/vouchers/<number>.pdf")
@roles_required(*OFFICE_ROLES)
def voucher_file(number):
    voucher = scoped_voucher(number)
    response = Response(voucher_pdf(voucher), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{voucher.number}.pdf"'
    return response


@bp.post("/vouchers/<number>/account")
@roles_required(*OFFICE_ROLES)
def show_account(number):
    """Show finance the payee's whole bank account once, on this answer only; recorded."""
    voucher = scoped_voucher(number)
    form = RevealForm()
    if not form.validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("vouchers.voucher_page", number=voucher.number))
    try:
        account = reveal_bank_account(voucher, actor=current_user)
    except WorkflowError as error:
        abort(error.status)
    return render_voucher(voucher, account=account)


@bp.get("/v/<path:payload>")
@bp.get("/V/<path:payload>", endpoint="verify_page_upper")
@limiter.limit("60 per minute")
def verify_page(payload):
    """What anyone who scans a voucher's code learns: valid, paid, void or forged, with the
    number, amount and date the seal carries and nothing personal."""
    finding = examine(payload) if len(payload) <= MAX_PAYLOAD else Finding("forged")
    return render_template("vouchers/verify.html", finding=finding)
