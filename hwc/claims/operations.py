"""What changes claims outside the state machine: filing a draft, editing it, adding evidence.

Status changes are the workflow's (``hwc.workflow.service.perform``); these functions only
create a claim in the workflow's initial state and edit what an open claim may have edited.
Each one takes the acting user and checks the actor's area itself: a claim outside it is
``ClaimNotFound``, the same answer as a claim that does not exist.
"""

import uuid
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hwc.accounts.models import User
from hwc.audit.trail import changed_values, record_event
from hwc.claims.codes import generate_code
from hwc.claims.deadlines import recompute_due
from hwc.claims.models import Claim, Claimant, ClaimStatus, LossItem
from hwc.claims.validation import (
    ClaimantInput,
    ClaimInput,
    LossInput,
)
from hwc.core.db import utcnow
from hwc.core.money import round_money
from hwc.extensions import db
from hwc.regions.models import Region
from hwc.regions.settings import settings_for
from hwc.workflow.errors import ClaimNotFound
from hwc.workflow.rules import INITIAL_STATUS
from hwc.workflow.service import can, check_scope, role_may


class NotAllowed(PermissionError):
    """The actor's role may not do this."""


class ClaimLocked(RuntimeError):
    """The claim is in a state where it cannot be edited."""


class IdempotencyConflict(RuntimeError):
    """The client UUID is already used by a claim or filing of someone else. It says nothing
    about that claim: idempotency keys are honoured only for the officer who made them."""


def default_currency(village: Region) -> str:
    """A new claim's currency: the one in force in its village."""
    return settings_for(village).currency


def check_village(village: Region, actor: User) -> None:
    """``ClaimNotFound`` unless ``village`` lies in ``actor``'s area."""
    if village is None or not actor.can_see_region(village):
        raise ClaimNotFound(_("No such claim in your area."))


def same_name(one: str, other: str) -> bool:
    """Whether two typed names are the same name (spaces and letter case aside)."""
    return " ".join(one.split()).casefold() == " ".join(other.split()).casefold()


def claimant_in_area(claimant_id: int, *, actor: User) -> Claimant:
    """The claimant ``claimant_id`` if the actor's area holds their village, else
    ``ClaimNotFound`` (the same answer as for a claimant who does not exist)."""
    claimant = db.session.get(Claimant, claimant_id)
    if claimant is None or not actor.can_see_region(claimant.village):
        raise ClaimNotFound(_("No such claimant in your area."))
    return claimant


def claimants_like(data: ClaimantInput, *, actor: User) -> list[Claimant]:
    """The claimants in the actor's area with ``data``'s identity number or phone, those with
    the identity number first."""
    from sqlalchemy import or_

    matches = [Claimant.phone == data.phone]
    if data.id_number:
        matches.append(Claimant.id_number == data.id_number)
    found = db.session.scalars(select(Claimant).where(
        Claimant.village_id.in_(Region.subtree_ids(*actor.scope_regions)), or_(*matches))
        .order_by(Claimant.id)).all()
    return sorted(found, key=lambda c: not (data.id_number and c.id_number == data.id_number))


def find_or_add_claimant(data: ClaimantInput, village: Region, *, actor: User) -> Claimant:
    """The claimant ``data`` names: the one picked (``data.id``, in the actor's area, else
    ``ClaimNotFound``), or one in the area with the same name and the same phone or identity
    number, updated; or a new one in ``village``. A different name is never merged into a
    record: the filing step asks first (``claimants_like``)."""
    check_village(village, actor)
    if data.id is not None:
        claimant = claimant_in_area(data.id, actor=actor)
    else:
        claimant = next((c for c in claimants_like(data, actor=actor)
                         if same_name(c.name, data.name)), None)
        if claimant is None:
            claimant = Claimant(name=data.name, phone=data.phone, village=village)
            db.session.add(claimant)
        claimant.phone = data.phone  # the number typed now is the one to text
    claimant.language = data.language
    if data.id_number:
        claimant.id_number = data.id_number
    if data.bank_account:
        claimant.bank_account = data.bank_account
    return claimant


def _new_code() -> str:
    while True:
        code = generate_code()
        if Claim.by_code(code) is None:
            return code


def _loss_item(position: int, loss: LossInput) -> LossItem:
    return LossItem(
        position=position, kind=loss.kind, category=loss.category, condition=loss.condition,
        quantity=loss.quantity, unit=loss.unit, claimed_value=loss.claimed_value,
        damage_share=loss.damage_share, growth_stage=loss.growth_stage,
        age_class=loss.age_class, description=loss.description)


def _claimed_total(claim: Claim) -> Decimal:
    total = sum((item.claimed_value or Decimal(0) for item in claim.items), Decimal(0))
    return round_money(total, claim.currency)


def snapshot(claim: Claim) -> dict:
    """The values an audit event records for a claim's content."""
    return {
        "claimant": claim.claimant.name, "village": claim.village.code,
        "occurred_at": claim.occurred_at, "species": str(claim.species),
        "lat": claim.lat, "lon": claim.lon, "narrative": claim.narrative,
        "claimed_total": claim.claimed_total, "currency": claim.currency,
        "losses": [{"kind": str(i.kind), "category": i.category, "condition": str(i.condition),
                    "quantity": i.quantity, "unit": str(i.unit),
                    "claimed_value": i.claimed_value} for i in claim.items],
    }


def create_claim(data: ClaimInput, *, actor: User) -> tuple[Claim, bool]:
    """File a draft claim. The same ``client_uuid`` again returns the first claim and False,
    never a second claim, even when two requests race."""
    if not role_may(actor, "submit"):
        raise NotAllowed("create")
    check_village(data.village, actor)
    existing = claim_by_client_uuid(data.client_uuid, actor=actor)
    if existing is not None:
        return existing, False
    try:
        with db.session.begin_nested():
            claim = _insert_claim(data, actor)
    except IntegrityError:
        existing = claim_by_client_uuid(data.client_uuid, actor=actor)
        if existing is None:
            raise
        return existing, False
    record_event("create", actor=actor, claim=claim, to_status=claim.status,
                 changes=snapshot(claim))
    return claim, True


def claim_by_client_uuid(client_uuid: uuid.UUID, *, actor: User) -> Claim | None:
    """The claim ``actor`` filed with this client UUID, or None when there is none.
    Raises ``IdempotencyConflict`` when the UUID belongs to anyone else's claim or filing, or
    to a claim now outside the actor's area."""
    from hwc.claims.models import FilingDraft

    claim = db.session.scalar(select(Claim).where(Claim.client_uuid == client_uuid))
    if claim is not None:
        if claim.filed_by_id != actor.id or not actor.can_see_region(claim.village):
            raise IdempotencyConflict(client_uuid)
        return claim
    foreign_filing = db.session.scalar(select(FilingDraft.id).where(
        FilingDraft.client_uuid == client_uuid, FilingDraft.officer_id != actor.id))
    if foreign_filing is not None:
        raise IdempotencyConflict(client_uuid)
    return None


def _insert_claim(data: ClaimInput, actor: User) -> Claim:
    incident = data.incident
    claim = Claim(
        code=_new_code(), client_uuid=data.client_uuid,
        claimant=find_or_add_claimant(data.claimant, data.village, actor=actor),
        village=data.village,
        occurred_at=incident.occurred_at, reported_at=utcnow(), lat=incident.lat,
        lon=incident.lon, gps_accuracy_m=incident.accuracy, species=incident.species,
        narrative=incident.narrative, status=INITIAL_STATUS, filed_by=actor,
        currency=default_currency(data.village),
        items=[_loss_item(i, loss) for i, loss in enumerate(data.losses)],
    )
    claim.claimed_total = _claimed_total(claim)
    db.session.add(claim)
    db.session.flush()
    return claim


def update_claim(claim: Claim, data: ClaimInput, *, actor: User) -> Claim:
    """Replace an open claim's content (draft or returned) with ``data``; the village and
    client UUID never change. Records the changed values in the audit trail."""
    check_scope(claim, actor)
    if not role_may(actor, "submit"):
        raise NotAllowed("update")
    if not can(actor, "edit", claim):
        raise ClaimLocked(claim.status)
    before = snapshot(claim)
    incident = data.incident
    if data.claimant is not None:
        claim.claimant = find_or_add_claimant(data.claimant, claim.village, actor=actor)
    if incident is not None:
        claim.occurred_at, claim.species = incident.occurred_at, incident.species
        claim.lat, claim.lon, claim.gps_accuracy_m = incident.lat, incident.lon, incident.accuracy
        claim.narrative = incident.narrative
    if data.losses:
        claim.items = [_loss_item(i, loss) for i, loss in enumerate(data.losses)]
    claim.claimed_total = _claimed_total(claim)
    db.session.flush()
    after = snapshot(claim)
    changed = changed_values(before, after)
    if changed:
        record_event("update", actor=actor, claim=claim, from_status=claim.status,
                     to_status=claim.status, changes=changed)
        recompute_due(claim)
    return claim


def claim_is_open(claim: Claim) -> bool:
    return claim.status not in (ClaimStatus.withdrawn, ClaimStatus.closed)
