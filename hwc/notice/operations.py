"""Lodging an objection to a claim on public notice (公示): the public's one step."""

from flask_babel import gettext as _
from sqlalchemy import select

from hwc.claims.codes import CodeTypo, InvalidCode, normalise_code
from hwc.claims.models import Claim
from hwc.core.db import utcnow
from hwc.extensions import db
from hwc.notice.models import MAX_CONTACT, MAX_OBJECTION, MIN_OBJECTION, Objection
from hwc.workflow.errors import TransitionRefused, WorkflowError
from hwc.workflow.rules import PUBLIC
from hwc.workflow.service import perform


class NotOnNotice(WorkflowError):
    """No claim on notice has this code: unknown, mistyped or not on notice look the same."""

    status = 404


def on_notice_now():
    """SELECT of the claims on public notice now."""
    return select(Claim).where(Claim.notice_until.is_not(None), Claim.notice_until > utcnow())


def _claim_on_notice(code: str) -> Claim:
    try:
        code = normalise_code(code or "")
    except (CodeTypo, InvalidCode):
        code = None
    claim = None
    if code is not None:
        claim = db.session.scalar(on_notice_now().where(Claim.code == code).with_for_update())
    if claim is None:
        raise NotOnNotice(_("No claim with this code is on public notice."))
    return claim


def check_objection(reason: str, contact: str = "") -> tuple[str, str]:
    """The reason and contact, trimmed, or ``TransitionRefused`` saying what is wrong."""
    reason, contact = (reason or "").strip(), (contact or "").strip()
    errors = {}
    if not MIN_OBJECTION <= len(reason) <= MAX_OBJECTION:
        errors["reason"] = [_("Between %(min)d and %(max)d characters.", min=MIN_OBJECTION,
                              max=MAX_OBJECTION)]
    if len(contact) > MAX_CONTACT:
        errors["contact"] = [_("At most %(max)d characters.", max=MAX_CONTACT)]
    if errors:
        raise TransitionRefused(_("Check the objection."), errors)
    return reason, contact


def lodge_objection(code: str, reason: str, contact: str = "") -> Objection:
    """Store someone's objection to the claim on notice with this code and send the claim back
    to verification (the ``object`` step, by the public, with the reason as its comment), in
    the caller's transaction; the claim row is locked first, so a payment cannot slip between.
    ``NotOnNotice`` for an unknown code and for a claim not on notice alike."""
    reason, contact = check_objection(reason, contact)
    claim = _claim_on_notice(code)
    objection = Objection(claim=claim, reason=reason, contact=contact)
    db.session.add(objection)
    perform(claim, "object", actor=PUBLIC, comment=reason)
    db.session.flush()
    return objection
