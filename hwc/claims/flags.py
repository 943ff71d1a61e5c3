"""Fraud and duplicate signals shown on a claim for the office to weigh (see SECURITY.md for
who sees which)."""

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from hwc.accounts.models import OFFICE_ROLES, User
from hwc.audit.models import AuditEvent
from hwc.audit.trail import record_event
from hwc.claims.codes import format_code
from hwc.claims.deadlines import is_late_report
from hwc.claims.models import Claim, Claimant, ClaimStatus, Evidence
from hwc.extensions import db
from hwc.regions.models import Region
from hwc.regions.settings import jurisdiction_of
from hwc.workflow.errors import RoleNotAllowed
from hwc.workflow.service import can, check_scope


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


# Flags that compare a claim with others: facts for the office, never an oracle for the filer.
FRAUD_FLAGS = frozenset({"duplicate_incident", "reused_photo", "shared_id_number"})


def sees_fraud_flags(viewer: User) -> bool:
    """Office roles weigh fraud signals; the filer never sees them, so they cannot learn to
    dodge them."""
    return viewer.role in OFFICE_ROLES


def _in_area(viewer: User):
    return Claim.village_id.in_(Region.subtree_ids(*viewer.scope_regions))


def claim_flags(claim: Claim, *, viewer: User) -> list[Flag]:
    """Every signal on ``claim`` that ``viewer`` may read (computed, never stored, so never
    stale). Fraud checks compare with the whole database, but only office roles see them, and
    they name codes only of claims in the viewer's area: matches elsewhere are only counted."""
    check_scope(claim, viewer)
    flags = []
    if sees_fraud_flags(viewer):
        flags += _fraud_flags(claim, viewer)
    if is_late_report(claim):
        flags.append(Flag("late_report", _("Reported after the deadline"),
                          _("Reported more than %(hours)d hours after the incident",
                            hours=jurisdiction_of(claim)["report_within_hours"])))
    if claim.status in (ClaimStatus.draft, ClaimStatus.submitted, ClaimStatus.returned,
                        ClaimStatus.under_verification):
        from hwc.claims.pricing import items_without_rate

        missing = items_without_rate(claim)
        if missing:
            flags.append(Flag("no_rate", _("No rate for some losses"),
                              _("No rate in the schedule for item(s) %(items)s",
                                items=", ".join(str(i + 1) for i in missing))))
    return flags


def _fraud_flags(claim: Claim, viewer: User) -> list[Flag]:
    flags = []
    in_area = _in_area(viewer)
    window = timedelta(days=jurisdiction_of(claim)["duplicate_window_days"])
    similar = db.session.scalars(
        select(Claim.code).where(
            Claim.id != claim.id, Claim.claimant_id == claim.claimant_id,
            Claim.species == claim.species, Claim.status != ClaimStatus.withdrawn,
            Claim.occurred_at >= claim.occurred_at - window,
            Claim.occurred_at <= claim.occurred_at + window, in_area,
        ).order_by(Claim.code).limit(MAX_LISTED + 1)).all()
    if similar:
        flags.append(Flag("duplicate_incident", _("Possible duplicate incident"),
                          _("Same claimant and species within %(days)d days: %(codes)s",
                            days=window.days, codes=listed(similar))))
    hashes = [e.sha256 for e in claim.evidence]
    if hashes:
        reused = (select(Claim.code).join(Evidence, Evidence.claim_id == Claim.id)
                  .where(Evidence.sha256.in_(hashes), Claim.id != claim.id).distinct())
        near = db.session.scalars(reused.where(in_area).order_by(Claim.code)
                                  .limit(MAX_LISTED + 1)).all()
        far = db.session.scalar(select(func.count()).select_from(
            reused.where(~in_area).subquery()))
        details = []
        if near:
            details.append(_("The same photo is on claim %(codes)s", codes=listed(near)))
        if far:
            details.append(ngettext("The same photo is on %(num)d claim outside your area.",
                                    "The same photo is on %(num)d claims outside your area.",
                                    far))
        if details:
            flags.append(Flag("reused_photo", _("Photo used on another claim"),
                              " ".join(details)))
    id_number = claim.claimant.id_number
    if id_number:
        others = select(func.count(Claimant.id.distinct())).select_from(Claimant).where(
            Claimant.id_number == id_number, Claimant.id != claim.claimant_id)
        area_regions = Region.subtree_ids(*viewer.scope_regions)
        near = db.session.scalar(others.where(Claimant.village_id.in_(area_regions)))
        far = db.session.scalar(others.where(Claimant.village_id.not_in(area_regions)))
        details = []
        if near:
            details.append(_("%(count)d other claimant(s) have the same identity number",
                             count=near))
        if far:
            details.append(ngettext(
                "%(num)d claimant outside your area has the same identity number.",
                "%(num)d claimants outside your area have the same identity number.", far))
        if details:
            flags.append(Flag("shared_id_number", _("Identity number used by another claimant"),
                              " ".join(details)))
    return flags


ACKNOWLEDGE = "acknowledge_flags"


def acknowledged_codes(claim: Claim) -> set[str]:
    """The flag codes someone has acknowledged on ``claim`` (audited, in any round)."""
    changes = db.session.scalars(select(AuditEvent.changes).where(
        AuditEvent.claim_id == claim.id, AuditEvent.action == ACKNOWLEDGE))
    return {code for change in changes for code in (change or {}).get("flags", ())}


def unacknowledged_flags(claim: Claim, *, viewer: User) -> list[Flag]:
    """The flags ``viewer`` sees on ``claim`` that nobody has acknowledged yet: a flag that
    appears after an acknowledgement needs its own."""
    done = acknowledged_codes(claim)
    return [flag for flag in claim_flags(claim, viewer=viewer) if flag.code not in done]


def acknowledge_flags(claim: Claim, codes, *, actor: User) -> list[str]:
    """Record that ``actor`` has looked at these of the claim's current flags (codes the claim
    no longer has, or already acknowledged, are left out); returns the codes recorded. Only
    someone in the claim's area who may act on it now acknowledges (else ``RoleNotAllowed``);
    the audit event names the codes."""
    check_scope(claim, actor)
    if not can(actor, ACKNOWLEDGE, claim):
        raise RoleNotAllowed(_("Only someone who may act on this claim now can acknowledge "
                               "its warnings."))
    wanted = set(codes)
    new = [flag.code for flag in unacknowledged_flags(claim, viewer=actor) if flag.code in wanted]
    if new:
        record_event(ACKNOWLEDGE, actor=actor, claim=claim, from_status=claim.status,
                     to_status=claim.status, changes={"flags": new})
    return new
