"""Fraud and duplicate signals shown on a claim for the verifier to weigh."""

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from hwc.claims.codes import format_code
from hwc.claims.deadlines import is_late_report
from hwc.claims.models import Claim, Claimant, ClaimStatus, Evidence
from hwc.core.settings import get_setting
from hwc.extensions import db


@dataclass(frozen=True)
class Flag:
    code: str
    label: str
    detail: str = ""

    def as_dict(self) -> dict:
        return {"code": self.code, "label": self.label, "detail": self.detail}


MAX_LISTED = 5


def listed(codes: list[str]) -> str:
    """At most ``MAX_LISTED`` codes, and an ellipsis when there are more."""
    shown = ", ".join(format_code(code) for code in codes[:MAX_LISTED])
    return shown + (", …" if len(codes) > MAX_LISTED else "")


def claim_flags(claim: Claim) -> list[Flag]:
    """Every signal that applies to ``claim`` now (computed, never stored, so never stale)."""
    flags = []
    window = timedelta(days=get_setting("duplicate_window_days"))
    similar = db.session.scalars(
        select(Claim.code).where(
            Claim.id != claim.id, Claim.claimant_id == claim.claimant_id,
            Claim.species == claim.species, Claim.status != ClaimStatus.withdrawn,
            Claim.occurred_at >= claim.occurred_at - window,
            Claim.occurred_at <= claim.occurred_at + window,
        ).order_by(Claim.code).limit(MAX_LISTED + 1)).all()
    if similar:
        flags.append(Flag("duplicate_incident", _("Possible duplicate incident"),
                          _("Same claimant and species within %(days)d days: %(codes)s",
                            days=window.days, codes=listed(similar))))
    hashes = [e.sha256 for e in claim.evidence]
    if hashes:
        reused = db.session.scalars(
            select(Claim.code).join(Evidence, Evidence.claim_id == Claim.id)
            .where(Evidence.sha256.in_(hashes), Claim.id != claim.id)
            .distinct().order_by(Claim.code).limit(MAX_LISTED + 1)).all()
        if reused:
            flags.append(Flag("reused_photo", _("Photo used on another claim"),
                              _("The same photo is on claim %(codes)s", codes=listed(reused))))
    id_number = claim.claimant.id_number
    if id_number:
        others = db.session.scalar(
            select(func.count(Claimant.id)).where(
                Claimant.id_number == id_number, Claimant.id != claim.claimant_id))
        if others:
            flags.append(Flag("shared_id_number", _("Identity number used by another claimant"),
                              _("%(count)d other claimant(s) have the same identity number",
                                count=others)))
    if is_late_report(claim):
        flags.append(Flag("late_report", _("Reported after the deadline"),
                          _("Reported more than %(hours)d hours after the incident",
                            hours=get_setting("report_within_hours"))))
    if claim.status in (ClaimStatus.draft, ClaimStatus.submitted, ClaimStatus.returned,
                        ClaimStatus.under_verification):
        from hwc.claims.pricing import items_without_rate

        missing = items_without_rate(claim)
        if missing:
            flags.append(Flag("no_rate", _("No rate for some losses"),
                              _("No rate in the schedule for item(s) %(items)s",
                                items=", ".join(str(i + 1) for i in missing))))
    return flags
