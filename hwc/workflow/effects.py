"""Effects: what a transition does to the claim besides its status. Each takes the action's
data (with the step's ``comment``), refuses bad data with ``TransitionRefused``, and may name a
different target status, or return an ``Outcome`` that also adds to the step's audit event.
Features above the workflow add the effects of their own steps with ``add_effects``."""

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _

from hwc.claims.deadlines import end_of_local_day
from hwc.claims.models import Claim, ClaimStatus
from hwc.claims.pricing import PricingError, price_items
from hwc.core.db import utcnow
from hwc.core.money import NumberRefused, read_number
from hwc.extensions import db
from hwc.losses.vocabulary import category_title
from hwc.regions.settings import jurisdiction_of
from hwc.workflow.errors import TransitionRefused
from hwc.workflow.rules import REJECTION_REASONS


@dataclass(frozen=True)
class Outcome:
    target: ClaimStatus | None = None
    changes: dict = field(default_factory=dict)  # added to the audit event's changes


def submitted(claim: Claim, actor, data: dict) -> None:
    claim.submitted_at = utcnow()


def resubmitted(claim: Claim, actor, data: dict) -> None:
    claim.submitted_at = utcnow()


def _row(claim: Claim, index: int, problem: str, key: str | None = None) -> str:
    """``problem`` said of loss row ``index`` as the verifier sees it: "Row 2 (Cattle): …", or
    with the field: "Row 2 (Cattle), assessed quantity: …". Reading the category's name must
    not write the refused values first (PostgreSQL would refuse an amount too large)."""
    with db.session.no_autoflush:
        loss = category_title(claim.items[index].category, claim.items[index].kind)
    if key is None:
        return _("Row %(row)d (%(loss)s): %(problem)s", row=index + 1, loss=loss,
                 problem=problem)
    return _("Row %(row)d (%(loss)s), %(field)s: %(problem)s", row=index + 1, loss=loss,
             field=_field(key), problem=problem)


def _field(key: str) -> str:
    return _("assessed quantity") if key == "quantity" else _("value of one unit")


def _assessments(claim: Claim, data: dict) -> dict[int, tuple[Decimal | None, Decimal | None]]:
    """The assessed (quantity, value of one unit) by loss position; each error names its row."""
    errors: dict[str, list[str]] = {}
    rows = data.get("assessed") or []
    if not isinstance(rows, list):
        raise TransitionRefused(_("Check the assessment."),
                                {"assessed": [_("Must be a list of assessed losses.")]})
    found = {}
    for n, row in enumerate(rows):
        name = f"assessed[{n}]"
        if not isinstance(row, dict) or not isinstance(row.get("index"), int) or \
                isinstance(row.get("index"), bool) or not 0 <= row["index"] < len(claim.items):
            errors.setdefault(f"{name}.index", []).append(_("Not the position of a loss."))
            continue
        values = []
        for key in ("quantity", "unit_value"):
            raw = row.get(key)
            if raw is None or raw == "":
                values.append(None)
                continue
            try:
                values.append(read_number(raw, minimum=0))
            except NumberRefused as refused:
                errors.setdefault(f"{name}.{key}", []).append(
                    _row(claim, row["index"], refused.message, key))
                values.append(None)
        found[row["index"]] = tuple(values)
    if errors:
        raise TransitionRefused(_("Check the assessment."), errors)
    return found


def verified(claim: Claim, actor, data: dict) -> None:
    assessed = _assessments(claim, data)
    for item in claim.items:
        quantity, unit_value = assessed.get(item.position, (None, None))
        item.assessed_quantity = quantity if quantity is not None else item.quantity
        if unit_value is not None:
            item.unit_value = unit_value
    try:
        _schedule, total = price_items(claim)
    except PricingError as error:
        field = f"losses[{error.index}]"
        problem = (_("no rate in the schedule for this loss.") if error.reason == "no_rate" else
                   _("give the assessed value of one unit for this loss.")
                   if error.reason == "MissingUnitValue" else
                   _("the assessed amount is too large.") if error.reason == "too_large" else
                   _("the schedule's unit does not fit this loss."))
        message = _row(claim, error.index, problem)
        raise TransitionRefused(message, {field: [message]}) from error
    findings = data.get("findings") or ""
    if not isinstance(findings, str) or len(findings) > 4000:
        raise TransitionRefused(_("Check the findings."),
                                {"findings": [_("At most %(max)d characters.", max=4000)]})
    claim.findings = findings
    claim.assessed_total = total
    claim.verified_by_id = actor.id
    claim.verified_at = utcnow()


def approved(claim: Claim, actor, data: dict) -> ClaimStatus | None:
    claim.approved_by_id = actor.id
    claim.approved_total = claim.assessed_total
    if claim.assessed_total is not None and jurisdiction_of(claim).needs_second_approval(
            claim.assessed_total, claim.currency):
        return ClaimStatus.awaiting_second_approval
    claim.approved_at = claim.decided_at = utcnow()
    _start_notice(claim)
    return None


def second_approved(claim: Claim, actor, data: dict) -> None:
    claim.second_approved_by_id = actor.id
    claim.approved_at = claim.decided_at = utcnow()
    _start_notice(claim)


def _start_notice(claim: Claim) -> None:
    """Where the jurisdiction posts approved claims publicly (公示) for N days, the claim is on
    notice until its local day N days after the approval ends; elsewhere it is not on notice."""
    rules = jurisdiction_of(claim)
    days = rules["public_notice_days"]
    claim.notice_until = (end_of_local_day(claim.approved_at, days, rules.zone) if days > 0
                          else None)


def objected(claim: Claim, actor, data: dict) -> None:
    """Someone objected while the claim was on notice: it is checked again, and only a new
    approval (with a new notice) makes it payable."""
    claim.notice_until = None
    claim.approved_by_id = claim.second_approved_by_id = None
    claim.approved_total = None
    claim.approved_at = claim.decided_at = None


def rejected(claim: Claim, actor, data: dict) -> None:
    reason = data.get("reason")
    if reason not in REJECTION_REASONS:
        message = _("Choose a reason: %(values)s", values=", ".join(REJECTION_REASONS))
        raise TransitionRefused(message, {"reason": [message]})
    claim.reason = reason
    claim.approved_total = None  # a first approval does not survive a rejection
    claim.decided_at = utcnow()


def sent_back(claim: Claim, actor, data: dict) -> None:
    claim.approved_by_id = None
    claim.approved_total = None


def appealed(claim: Claim, actor, data: dict) -> None:
    claim.decided_at = None
    claim.verified_by_id = None


def decided(claim: Claim, actor, data: dict) -> None:
    claim.decided_at = utcnow()


EFFECTS = {
    "submitted": submitted, "resubmitted": resubmitted, "verified": verified,
    "approved": approved, "second_approved": second_approved, "rejected": rejected,
    "sent_back": sent_back, "appealed": appealed, "decided": decided, "objected": objected,
}


def add_effects(effects: dict) -> None:
    """Name the effects of a feature's own steps (the vouchers: issue, pay, void)."""
    EFFECTS.update(effects)
