"""JSON shapes of the API's resources (see ../shared/API.md); amounts as strings; a claim's
times as ISO 8601 in its village's time zone, named in ``time_zone``."""

from datetime import tzinfo
from zoneinfo import ZoneInfo

from flask import url_for
from sqlalchemy import select

from hwc.accounts.models import User
from hwc.audit.models import AuditEvent
from hwc.claims.deadlines import deadlines, is_late_report, is_overdue
from hwc.claims.flags import claim_flags
from hwc.claims.models import Claim, ClaimStatus, Species
from hwc.core.money import money_string
from hwc.extensions import db
from hwc.losses.vocabulary import category_title, kind_title, unit_title
from hwc.regions.settings import jurisdiction_of
from hwc.workflow.service import allowed_actions


def iso(moment, zone: tzinfo | None = None) -> str | None:
    """ISO 8601 with the offset; a claim's times in its village's zone (local time there)."""
    if moment is None:
        return None
    return (moment.astimezone(zone) if zone is not None else moment).isoformat()


def zone_of(claim: Claim) -> ZoneInfo:
    return jurisdiction_of(claim).zone


def number(value) -> str | None:
    return f"{value.normalize():f}" if value is not None else None


def coordinate(value) -> float | None:
    # Coordinates are positions, not money: JSON numbers (6 decimal places, about 0.1 m).
    return float(value) if value is not None else None


def region_json(region) -> dict:
    return {"code": region.code, "name": region.display_name(), "level": str(region.level),
            "parent": region.parent.code if region.parent is not None else None}


def user_json(user: User) -> dict:
    return {"username": user.username, "role": str(user.role), "senior": user.senior,
            "language": user.language,
            "regions": [region.code for region in user.scope_regions]}


def event_json(event: AuditEvent, zone: tzinfo | None = None) -> dict:
    return {
        "seq": event.seq, "action": event.action, "title": event.title,
        "actor": event.actor.username if event.actor else None, "role": event.actor_role,
        "from_status": event.from_status, "to_status": event.to_status,
        "comment": event.comment, "changes": event.changes, "at": iso(event.created_at, zone),
        "hash": event.hash,
    }


def item_json(item, currency: str) -> dict:
    rate = None
    if item.rate_basis is not None:
        rate = {"basis": item.rate_basis, "rate": number(item.rate_value),
                "cap": money_string(item.rate_cap, currency), "unit": item.rate_unit}
    return {
        "index": item.position, "kind": str(item.kind), "kind_label": kind_title(item.kind),
        "category": item.category, "category_label": category_title(item.category, item.kind),
        "condition": str(item.condition), "condition_label": item.condition.title,
        "quantity": number(item.quantity), "unit": str(item.unit),
        "unit_label": unit_title(item.unit),
        "claimed_value": money_string(item.claimed_value, currency),
        "damage_share": number(item.damage_share), "growth_stage": item.growth_stage,
        "age_class": item.age_class, "description": item.description,
        "assessed_quantity": number(item.assessed_quantity),
        "unit_value": money_string(item.unit_value, currency), "rate": rate,
        "amount": money_string(item.amount, currency),
    }


def evidence_json(evidence) -> dict:
    zone = zone_of(evidence.claim)
    return {
        "id": evidence.id, "content_type": evidence.content_type, "size": evidence.size,
        "width": evidence.width, "height": evidence.height, "sha256": evidence.sha256,
        "captured_at": iso(evidence.captured_at, zone), "lat": coordinate(evidence.lat),
        "lon": coordinate(evidence.lon), "caption": evidence.caption,
        "uploaded_at": iso(evidence.created_at, zone),
        "url": url_for("api.evidence_file", code=evidence.claim.code, evidence_id=evidence.id),
    }


def claim_summary_json(claim: Claim) -> dict:
    zone = zone_of(claim)
    return {
        "code": claim.display_code, "status": str(claim.status),
        "status_label": claim.status.title, "village": claim.village.code,
        "time_zone": zone.key,
        "species": str(claim.species), "occurred_at": iso(claim.occurred_at, zone),
        "reported_at": iso(claim.reported_at, zone), "currency": claim.currency,
        "amounts": amounts_json(claim), "due_at": iso(claim.due_at, zone),
        "overdue": is_overdue(claim), "version": claim.version,
    }


def amounts_json(claim: Claim) -> dict:
    return {key: money_string(value, claim.currency) for key, value in (
        ("claimed", claim.claimed_total), ("assessed", claim.assessed_total),
        ("approved", claim.approved_total), ("paid", claim.paid_total),
        ("current", claim.current_amount))}


def claim_json(claim: Claim, viewer: User) -> dict:
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.claim_id == claim.id)
                                .order_by(AuditEvent.seq)).all()
    schedule = claim.rate_schedule
    due = deadlines(claim)
    zone = zone_of(claim)
    claimant = claim.claimant
    return {
        **claim_summary_json(claim),
        "claimant": {"name": claimant.name, "phone": claimant.phone,
                     "language": claimant.language, "id_number": claimant.masked_id_number,
                     "bank_account": claimant.masked_bank_account},
        "village_name": claim.village.display_name(),
        "incident": {
            "occurred_at": iso(claim.occurred_at, zone), "species": str(claim.species),
            "species_label": Species(claim.species).title, "lat": coordinate(claim.lat),
            "lon": coordinate(claim.lon), "accuracy": number(claim.gps_accuracy_m),
            "narrative": claim.narrative,
        },
        "losses": [item_json(item, claim.currency) for item in claim.items],
        "evidence": [evidence_json(e) for e in claim.evidence],
        "rate_schedule": None if schedule is None else {
            "id": schedule.id, "name": schedule.name, "region": schedule.region.code,
            "effective_from": schedule.effective_from.isoformat(),
            "currency": schedule.currency},
        "findings": claim.findings, "reason": claim.reason,
        "filed_by": claim.filed_by.username,
        "events": [event_json(e, zone) for e in events],
        "flags": [flag.as_dict() for flag in claim_flags(claim, viewer=viewer)],
        "deadlines": {**{key: iso(value, zone) for key, value in due.items()},
                      "due_at": iso(claim.due_at, zone), "overdue": is_overdue(claim),
                      "late_report": is_late_report(claim)},
        "actions": allowed_actions(claim, viewer),
        "created_at": iso(claim.created_at, zone), "updated_at": iso(claim.updated_at, zone),
    }


def public_status_json(claim: Claim) -> dict:
    """Nothing personal: the code, the status and when it last changed."""
    return {"code": claim.display_code, "status": str(claim.status),
            "status_label": ClaimStatus(claim.status).title,
            "updated_at": iso(claim.updated_at)}


def voucher_json(voucher) -> dict:
    """A voucher as finance and integrations read it; the payee only masked."""
    from flask import url_for

    from hwc.vouchers.printing import public_base_url
    from hwc.vouchers.signing import qr_text

    claim = voucher.claim
    zone = zone_of(claim)
    return {
        "number": voucher.number, "status": voucher.status.value,
        "status_label": voucher.status.title, "claim": claim.display_code,
        "amount": money_string(voucher.amount, voucher.currency), "currency": voucher.currency,
        "issued_on": voucher.issued_on.isoformat(), "issued_at": iso(voucher.issued_at, zone),
        "authority": voucher.authority,
        "payee": {"name": claim.claimant.name, "id_number": claim.claimant.masked_id_number,
                  "bank_account": claim.claimant.masked_bank_account},
        "payment": None if voucher.paid_on is None else {
            "method": voucher.payment_method.value, "reference": voucher.payment_reference,
            "paid_on": voucher.paid_on.isoformat(), "recorded_at": iso(voucher.paid_at, zone)},
        "void": None if voucher.voided_at is None else {
            "reason": voucher.void_reason, "voided_at": iso(voucher.voided_at, zone)},
        "key_fingerprint": voucher.key_fingerprint,
        "pdf_url": url_for("api.voucher_pdf", number=voucher.number, _external=True),
        "verify_url": qr_text(voucher.seal, public_base_url()),
    }
