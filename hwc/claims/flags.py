"""Fraud and duplicate signals shown on a claim for the office to weigh (see SECURITY.md for
who sees which)."""

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

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
    flags = _fraud_flags(claim, viewer) if sees_fraud_flags(viewer) else []
    return flags + _own_flags(claim)


def page_flags(claims: list[Claim], *, viewer: User) -> dict[int, list[Flag]]:
    """``claim_flags`` of each of a page of claims, by claim id, in a number of queries that
    does not grow with the number of claims: their photos, claimants, losses and rate schedules
    are read together, and each fraud check is one query for the whole page."""
    if not claims:
        return {}
    for claim in claims:
        check_scope(claim, viewer)
    ids = [claim.id for claim in claims]
    db.session.scalars(select(Claim).where(Claim.id.in_(ids)).options(
        selectinload(Claim.evidence), selectinload(Claim.items),
        selectinload(Claim.claimant))).all()
    from hwc.claims.pricing import page_schedules

    schedules = page_schedules(claims)
    fraud = _page_fraud_flags(claims, viewer) if sees_fraud_flags(viewer) else {}
    return {claim.id: fraud.get(claim.id, []) + _own_flags(claim, schedules[claim.id])
            for claim in claims}


def _own_flags(claim: Claim, *schedule) -> list[Flag]:
    """The flags that look at the claim alone (no fraud check); ``schedule``, when given, is
    the rate schedule in force for it, already read."""
    flags = []
    if is_late_report(claim):
        flags.append(Flag("late_report", _("Reported after the deadline"),
                          _("Reported more than %(hours)d hours after the incident",
                            hours=jurisdiction_of(claim)["report_within_hours"])))
    if claim.status in (ClaimStatus.draft, ClaimStatus.submitted, ClaimStatus.returned,
                        ClaimStatus.under_verification):
        from hwc.claims.pricing import items_without_rate

        missing = items_without_rate(claim, *schedule)
        if missing:
            flags.append(Flag("no_rate", _("No rate for some losses"),
                              _("No rate in the schedule for item(s) %(items)s",
                                items=", ".join(str(i + 1) for i in missing))))
    return flags


def _duplicate_flag(similar: list[str], window: timedelta) -> list[Flag]:
    if not similar:
        return []
    return [Flag("duplicate_incident", _("Possible duplicate incident"),
                 _("Same claimant and species within %(days)d days: %(codes)s",
                   days=window.days, codes=listed(similar)))]


def _reused_photo_flag(near: list[str], far: int) -> list[Flag]:
    details = []
    if near:
        details.append(_("The same photo is on claim %(codes)s", codes=listed(near)))
    if far:
        details.append(ngettext("The same photo is on %(num)d claim outside your area.",
                                "The same photo is on %(num)d claims outside your area.",
                                far))
    if not details:
        return []
    return [Flag("reused_photo", _("Photo used on another claim"), " ".join(details))]


def _shared_id_flag(near: int, far: int) -> list[Flag]:
    details = []
    if near:
        details.append(_("%(count)d other claimant(s) have the same identity number",
                         count=near))
    if far:
        details.append(ngettext(
            "%(num)d claimant outside your area has the same identity number.",
            "%(num)d claimants outside your area have the same identity number.", far))
    if not details:
        return []
    return [Flag("shared_id_number", _("Identity number used by another claimant"),
                 " ".join(details))]


def _page_fraud_flags(claims: list[Claim], viewer: User) -> dict[int, list[Flag]]:
    """``_fraud_flags`` of each claim, in four queries for the whole page: the viewer's area,
    the claims of the page's claimants, the claims holding the page's photos, and the
    claimants with the page's identity numbers (each through its index)."""
    area = set(db.session.scalars(Region.subtree_ids(*viewer.scope_regions)))
    claimant_ids = {claim.claimant_id for claim in claims}
    same_claimant = db.session.execute(
        select(Claim.id, Claim.code, Claim.claimant_id, Claim.species, Claim.occurred_at,
               Claim.village_id)
        .where(Claim.claimant_id.in_(claimant_ids),
               Claim.status != ClaimStatus.withdrawn)).all()
    hashes = {e.sha256 for claim in claims for e in claim.evidence}
    photo_rows = db.session.execute(
        select(Evidence.sha256, Claim.id, Claim.code, Claim.village_id)
        .join(Claim, Evidence.claim_id == Claim.id)
        .where(Evidence.sha256.in_(hashes))).all() if hashes else []
    numbers = {claim.claimant.id_number for claim in claims if claim.claimant.id_number}
    claimant_rows = db.session.execute(
        select(Claimant.id, Claimant.id_number, Claimant.village_id)
        .where(Claimant.id_number.in_(numbers))).all() if numbers else []
    result = {}
    for claim in claims:
        window = timedelta(days=jurisdiction_of(claim)["duplicate_window_days"])
        similar = sorted(
            row.code for row in same_claimant
            if row.id != claim.id and row.claimant_id == claim.claimant_id
            and row.species == claim.species and row.village_id in area
            and claim.occurred_at - window <= row.occurred_at <= claim.occurred_at + window)
        flags = _duplicate_flag(similar[:MAX_LISTED + 1], window)
        own = {e.sha256 for e in claim.evidence}
        if own:
            matches = {(row.code, row.village_id) for row in photo_rows
                       if row.sha256 in own and row.id != claim.id}
            near = sorted({code for code, village in matches if village in area})
            far = len({code for code, village in matches
                       if village is not None and village not in area})
            flags += _reused_photo_flag(near[:MAX_LISTED + 1], far)
        number = claim.claimant.id_number
        if number:
            others = {(row.id, row.village_id) for row in claimant_rows
                      if row.id_number == number and row.id != claim.claimant_id}
            flags += _shared_id_flag(
                len({i for i, village in others if village in area}),
                len({i for i, village in others if village is not None and village not in area}))
        result[claim.id] = flags
    return result


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
    flags += _duplicate_flag(list(similar), window)
    hashes = [e.sha256 for e in claim.evidence]
    if hashes:
        reused = (select(Claim.code).join(Evidence, Evidence.claim_id == Claim.id)
                  .where(Evidence.sha256.in_(hashes), Claim.id != claim.id).distinct())
        near = db.session.scalars(reused.where(in_area).order_by(Claim.code)
                                  .limit(MAX_LISTED + 1)).all()
        far = db.session.scalar(select(func.count()).select_from(
            reused.where(~in_area).subquery()))
        flags += _reused_photo_flag(list(near), far)
    id_number = claim.claimant.id_number
    if id_number:
        others = select(func.count(Claimant.id.distinct())).select_from(Claimant).where(
            Claimant.id_number == id_number, Claimant.id != claim.claimant_id)
        area_regions = Region.subtree_ids(*viewer.scope_regions)
        near = db.session.scalar(others.where(Claimant.village_id.in_(area_regions)))
        far = db.session.scalar(others.where(Claimant.village_id.not_in(area_regions)))
        flags += _shared_id_flag(near, far)
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
