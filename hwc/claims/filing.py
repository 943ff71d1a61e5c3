"""Filing a claim step by step on a tablet: every step is saved on the server at once.

Steps one and two (claimant, incident) live in a ``FilingDraft``; the losses step turns it into a
draft ``Claim`` with the same client UUID, and later edits go to that claim. A filing belongs to
one officer: every function here takes the acting officer and refuses anyone else's filing
(``ClaimNotFound``) or client UUID (``IdempotencyConflict``).
"""

import uuid
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hwc.accounts.models import Role, User
from hwc.audit.trail import record_event
from hwc.claims.models import Claim, FilingDraft
from hwc.claims.operations import (
    ClaimLocked,
    IdempotencyConflict,
    NotAllowed,
    claim_by_client_uuid,
    claimant_in_area,
    claimants_like,
    create_claim,
    same_name,
    update_claim,
)
from hwc.claims.validation import (
    ClaimantInput,
    ClaimInput,
    ClaimValidationError,
    _Errors,
    parse_claim_input,
    parse_claimant,
    parse_claimant_id,
    parse_incident,
    parse_losses,
    parse_village,
)
from hwc.core.db import utcnow
from hwc.extensions import db
from hwc.regions.models import Region
from hwc.workflow.errors import ClaimNotFound
from hwc.workflow.service import check_scope

STEPS = ("claimant", "incident", "losses", "photos", "review")


def _require_officer(actor: User) -> None:
    if actor.role != Role.village_officer:
        raise NotAllowed("file")


def start_filing(officer: User, client_uuid: uuid.UUID | None = None) -> FilingDraft:
    """A new filing (or the officer's existing one for ``client_uuid``: a retried tap opens
    the same). Raises ``IdempotencyConflict`` when the UUID is someone else's."""
    _require_officer(officer)
    if client_uuid is not None:
        existing = get_filing(client_uuid, officer)
        if existing is not None:
            return existing
        check_client_uuid(client_uuid, officer)
    draft = FilingDraft(client_uuid=client_uuid or uuid.uuid4(), officer=officer, data={})
    try:
        with db.session.begin_nested():
            db.session.add(draft)
    except IntegrityError:  # a double tap saved the same filing a moment ago
        existing = get_filing(draft.client_uuid, officer)
        if existing is None:
            raise IdempotencyConflict(draft.client_uuid) from None
        return existing
    return draft


def check_client_uuid(client_uuid: uuid.UUID, officer: User) -> None:
    """``IdempotencyConflict`` unless ``client_uuid`` is free or names the officer's own claim
    or filing."""
    claim_by_client_uuid(client_uuid, actor=officer)  # raises for anyone else's claim
    taken = db.session.scalar(select(FilingDraft.id).where(
        FilingDraft.client_uuid == client_uuid, FilingDraft.officer_id != officer.id))
    if taken is not None:
        raise IdempotencyConflict(client_uuid)


def get_filing(client_uuid: uuid.UUID, officer: User) -> FilingDraft | None:
    """The officer's own filing with this UUID whose claim (if any) is still in their area."""
    _require_officer(officer)
    draft = db.session.scalar(select(FilingDraft).where(
        FilingDraft.client_uuid == client_uuid, FilingDraft.officer_id == officer.id))
    if draft is not None and draft.claim is not None and \
            not officer.can_see_region(draft.claim.village):
        return None
    return draft


def filing_for_claim(claim: Claim, officer: User) -> FilingDraft:
    """The filing that edits ``claim`` (made for claims filed through the API). A colleague in
    the same area who opens the claim takes the filing over; nobody outside the area can."""
    _require_officer(officer)
    check_scope(claim, officer)
    draft = db.session.scalar(select(FilingDraft).where(FilingDraft.claim_id == claim.id))
    if draft is None:
        draft = FilingDraft(client_uuid=claim.client_uuid, officer=officer, claim=claim)
        db.session.add(draft)
    draft.officer = officer
    draft.data = _filing_data(claim)  # the claim is the truth once it exists (API edits too)
    db.session.flush()
    return draft


def _text(value) -> str | None:
    if value is None:
        return None
    return str(value.normalize()) if hasattr(value, "normalize") else str(value)


def _filing_data(claim: Claim) -> dict:
    """What ``claim`` holds, in the shape the tablet's steps save (the API's body). The
    identity number and bank account stay out: they are shown only masked, and a step saved
    with them empty keeps the stored ones."""
    claimant = claim.claimant
    return {
        "village": claim.village.code,
        "claimant": {"id": claimant.id, "name": claimant.name, "phone": claimant.phone,
                     "language": claimant.language},
        "incident": {"occurred_at": claim.occurred_at.isoformat(), "species": str(claim.species),
                     "lat": _text(claim.lat), "lon": _text(claim.lon),
                     "accuracy": _text(claim.gps_accuracy_m), "narrative": claim.narrative},
        "losses": [{"kind": str(item.kind), "category": item.category,
                    "condition": str(item.condition), "quantity": _text(item.quantity),
                    "unit": str(item.unit), "claimed_value": _text(item.claimed_value),
                    "damage_share": _text(item.damage_share)} for item in claim.items],
    }


def _own(draft: FilingDraft, actor: User) -> None:
    """``ClaimNotFound`` unless ``draft`` is the actor's and its claim is in their area."""
    _require_officer(actor)
    if draft.officer_id != actor.id:
        raise ClaimNotFound("filing")
    if draft.claim is not None:
        check_scope(draft.claim, actor)


def unfinished_filings(officer: User) -> list[FilingDraft]:
    _require_officer(officer)
    return list(db.session.scalars(select(FilingDraft).where(
        FilingDraft.officer_id == officer.id, FilingDraft.claim_id.is_(None))
        .order_by(FilingDraft.updated_at.desc())))


def _store(draft: FilingDraft, **sections) -> None:
    draft.data = {**(draft.data or {}), **sections}
    db.session.flush()


def save_claimant(draft: FilingDraft, village_code: str, claimant: dict, *, actor: User) -> None:
    """Check and save step one; raises ``ClaimValidationError``, and ``ClaimNotFound`` for a
    picked claimant outside the actor's area.

    A claimant picked from the list (``claimant["id"]``) is that record, whatever was typed.
    A typed phone or identity number that belongs to someone of another name in the area is
    not saved until the officer either picks that person or says this is a different person
    (``claimant["different_person"]``): a twin record is never made by accident."""
    _own(draft, actor)
    errors = _Errors()
    village = (draft.claim.village if draft.claim is not None
               else parse_village(errors, village_code, actor))
    picked_id = parse_claimant_id(errors, claimant.get("id"))
    if picked_id is not None:
        picked = claimant_in_area(picked_id, actor=actor)
        claimant = {**claimant, "id": picked.id, "name": picked.name, "phone": picked.phone}
    else:
        claimant = {key: value for key, value in claimant.items() if key != "id"}
    parsed = parse_claimant(errors, claimant, village)
    if not errors and picked_id is None and not claimant.get("different_person"):
        _ask_about_namesakes(errors, parsed, actor)
    if errors:
        raise ClaimValidationError(dict(errors))
    _store(draft, village=village.code, claimant=claimant)
    if draft.claim is not None:
        update_claim(draft.claim, ClaimInput(None, village, parsed, None, []), actor=actor)


def _ask_about_namesakes(errors: _Errors, parsed: ClaimantInput, actor: User) -> None:
    """An error naming the person on record under this phone or identity number, unless one of
    that name is there too (then that record is the one used)."""
    others = claimants_like(parsed, actor=actor)
    if not others or any(same_name(c.name, parsed.name) for c in others):
        return
    other = others[0]
    if parsed.id_number and other.id_number == parsed.id_number:
        message = _("%(name)s (%(village)s) is already on record with this identity number. "
                    "If this is the same person, choose them under “Existing claimant”; if "
                    "not, tick “A different person” and save again.",
                    name=other.name, village=other.village.display_name())
    else:
        message = _("%(name)s (%(village)s) is already on record with this phone number. "
                    "If this is the same person, choose them under “Existing claimant”; if "
                    "not, tick “A different person” and save again.",
                    name=other.name, village=other.village.display_name())
    errors.add("claimant.different_person", message)


def save_incident(draft: FilingDraft, incident: dict, *, actor: User) -> None:
    """Check and save step two; raises ``ClaimValidationError``."""
    _own(draft, actor)
    errors = _Errors()
    parsed = parse_incident(errors, incident)
    if errors:
        raise ClaimValidationError(dict(errors))
    _store(draft, incident=incident)
    if draft.claim is not None:
        update_claim(draft.claim, ClaimInput(None, draft.claim.village, None, parsed, []),
                     actor=actor)


def filing_village(draft: FilingDraft) -> Region | None:
    """The village the filing is for: its claim's, or the one chosen in step one."""
    if draft.claim is not None:
        return draft.claim.village
    code = (draft.data or {}).get("village")
    return Region.by_code(code) if isinstance(code, str) and code else None


def save_losses(draft: FilingDraft, losses: list[dict], *, actor: User) -> Claim:
    """Check and save the losses; the first time, this files the draft claim."""
    _own(draft, actor)
    errors = _Errors()
    parsed = parse_losses(errors, losses, filing_village(draft))
    if errors:
        raise ClaimValidationError(dict(errors))
    _store(draft, losses=losses)
    if draft.claim is None:
        body = {**draft.data, "client_uuid": str(draft.client_uuid)}
        claim, _created = create_claim(parse_claim_input(body, actor), actor=actor)
        draft.claim = claim
        db.session.flush()
    else:
        update_claim(draft.claim, ClaimInput(None, draft.claim.village, None, None, parsed),
                     actor=actor)
    return draft.claim


def officer_villages(officer: User) -> list[Region]:
    """The villages in the officer's area, where they may file."""
    from hwc.regions.models import RegionLevel

    _require_officer(officer)
    return [r for r in db.session.scalars(Region.subtree(*officer.scope_regions))
            if r.level == RegionLevel.village]


# A filing saved no further than its claimant step and left this long is someone's stray tap
# on "new claim": ``flask hwc drafts expire`` removes it.
EMPTY_FILING_DAYS = 14


class FilingIsAClaim(ClaimLocked):
    """The filing has become a claim: it is withdrawn through the workflow, never deleted."""


def may_delete_filing(actor: User, draft: FilingDraft) -> bool:
    """An officer may delete their own filing until it has become a claim (whose history the
    audit trail already holds: a draft claim is withdrawn instead)."""
    return actor.role == Role.village_officer and draft.officer_id == actor.id and \
        draft.claim_id is None


def filing_to_delete(client_uuid: uuid.UUID, *, actor: User) -> FilingDraft:
    """The actor's filing with this UUID if they may delete it. Raises ``NotAllowed`` for other
    roles, ``ClaimNotFound`` for a filing that is not theirs (or none), and ``FilingIsAClaim``
    once it has become a claim."""
    _require_officer(actor)
    draft = get_filing(client_uuid, actor)
    if draft is None:
        raise ClaimNotFound("filing")
    if not may_delete_filing(actor, draft):
        raise FilingIsAClaim(draft.claim.status)
    return draft


def delete_filing(client_uuid: uuid.UUID, *, actor: User) -> None:
    """Delete the actor's unfinished filing (see ``filing_to_delete`` for the refusals); the
    audit trail records which filing and how far it got, not what it held."""
    draft = filing_to_delete(client_uuid, actor=actor)
    record_event("delete_filing", actor=actor, changes=_filing_facts(draft))
    db.session.delete(draft)
    db.session.flush()


def _filing_facts(draft: FilingDraft) -> dict:
    return {"client_uuid": str(draft.client_uuid), "officer_id": draft.officer_id,
            "saved_steps": [step for step in STEPS if step in (draft.data or {})],
            "created_at": draft.created_at, "updated_at": draft.updated_at}


def is_empty_filing(draft: FilingDraft) -> bool:
    """Never saved past the claimant step."""
    data = draft.data or {}
    return draft.claim_id is None and "incident" not in data and "losses" not in data


def expire_empty_filings(days: int = EMPTY_FILING_DAYS) -> int:
    """Remove the filings never saved past the claimant step and not saved for ``days`` days,
    each with an audit event of the system; returns how many. The system's housekeeping: it
    acts for no user."""
    cutoff = utcnow() - timedelta(days=days)
    stale = db.session.scalars(select(FilingDraft).where(
        FilingDraft.claim_id.is_(None), FilingDraft.updated_at < cutoff)
        .order_by(FilingDraft.id)).all()
    removed = 0
    for draft in stale:
        if not is_empty_filing(draft):
            continue
        record_event("expire_filing", changes={**_filing_facts(draft), "days": days})
        db.session.delete(draft)
        removed += 1
    db.session.flush()
    return removed
