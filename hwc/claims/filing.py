"""Filing a claim step by step on a tablet: every step is saved on the server at once.

Steps one and two (claimant, incident) live in a ``FilingDraft``; the losses step turns it into a
draft ``Claim`` with the same client UUID, and later edits go to that claim.
"""

import uuid

from sqlalchemy import select

from hwc.accounts.models import User
from hwc.claims.models import Claim, FilingDraft
from hwc.claims.operations import create_claim, update_claim
from hwc.claims.validation import (
    ClaimInput,
    ClaimValidationError,
    _Errors,
    parse_claim_input,
    parse_claimant,
    parse_incident,
    parse_losses,
    parse_village,
)
from hwc.extensions import db
from hwc.regions.models import Region

STEPS = ("claimant", "incident", "losses", "photos", "review")


def start_filing(officer: User, client_uuid: uuid.UUID | None = None) -> FilingDraft:
    """A new filing (or the existing one for ``client_uuid``: a retried tap opens the same)."""
    if client_uuid is not None:
        existing = db.session.scalar(select(FilingDraft).where(
            FilingDraft.client_uuid == client_uuid, FilingDraft.officer_id == officer.id))
        if existing is not None:
            return existing
    draft = FilingDraft(client_uuid=client_uuid or uuid.uuid4(), officer=officer, data={})
    db.session.add(draft)
    db.session.flush()
    return draft


def get_filing(client_uuid: uuid.UUID, officer: User) -> FilingDraft | None:
    return db.session.scalar(select(FilingDraft).where(
        FilingDraft.client_uuid == client_uuid, FilingDraft.officer_id == officer.id))


def filing_for_claim(claim: Claim, officer: User) -> FilingDraft:
    """The filing that edits ``claim`` (made for claims filed through the API)."""
    draft = db.session.scalar(select(FilingDraft).where(FilingDraft.claim_id == claim.id))
    if draft is None:
        draft = FilingDraft(client_uuid=claim.client_uuid, officer=officer, claim=claim,
                            data={"village": claim.village.code})
        db.session.add(draft)
        db.session.flush()
    return draft


def unfinished_filings(officer: User) -> list[FilingDraft]:
    return list(db.session.scalars(select(FilingDraft).where(
        FilingDraft.officer_id == officer.id, FilingDraft.claim_id.is_(None))
        .order_by(FilingDraft.updated_at.desc())))


def _store(draft: FilingDraft, **sections) -> None:
    draft.data = {**(draft.data or {}), **sections}
    db.session.flush()


def save_claimant(draft: FilingDraft, village_code: str, claimant: dict, *, actor: User) -> None:
    """Check and save step one; raises ``ClaimValidationError``."""
    errors = _Errors()
    village = (draft.claim.village if draft.claim is not None
               else parse_village(errors, village_code, actor))
    parsed = parse_claimant(errors, claimant, village)
    if errors:
        raise ClaimValidationError(dict(errors))
    _store(draft, village=village.code, claimant=claimant)
    if draft.claim is not None:
        update_claim(draft.claim, ClaimInput(None, village, parsed, None, []), actor=actor)


def save_incident(draft: FilingDraft, incident: dict, *, actor: User) -> None:
    errors = _Errors()
    parsed = parse_incident(errors, incident)
    if errors:
        raise ClaimValidationError(dict(errors))
    _store(draft, incident=incident)
    if draft.claim is not None:
        update_claim(draft.claim, ClaimInput(None, draft.claim.village, None, parsed, []),
                     actor=actor)


def save_losses(draft: FilingDraft, losses: list[dict], *, actor: User) -> Claim:
    """Check and save the losses; the first time, this files the draft claim."""
    errors = _Errors()
    parsed = parse_losses(errors, losses)
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
    from hwc.regions.models import RegionLevel

    return [r for r in db.session.scalars(Region.subtree(*officer.scope_regions))
            if r.level == RegionLevel.village]
