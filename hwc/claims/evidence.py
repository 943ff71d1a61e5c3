"""Evidence photos: who may add them, where they are kept, and the operation that attaches one to
a claim (the photo itself is made safe in ``hwc.claims.photos``)."""

import hashlib
import uuid
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image

from hwc.accounts.models import User
from hwc.audit.trail import record_event
from hwc.claims.models import Claim, Evidence
from hwc.claims.photos import EvidenceRejected, bare_jpeg, clean_photo
from hwc.core.settings import get_setting
from hwc.core.transaction import after_commit
from hwc.extensions import db
from hwc.regions.settings import jurisdiction_of
from hwc.workflow.service import can, check_scope


class EvidenceNotAllowed(PermissionError):
    """The actor's role may not add evidence to the claim in its present state."""


def may_add_evidence(claim: Claim, actor: User) -> bool:
    """The filing officer's side while the claim is open to edits; the verifier's on site;
    never anyone outside the claim's area (``can(actor, "add_evidence", claim)``)."""
    return can(actor, "add_evidence", claim)


def upload_dir() -> Path:
    path = Path(current_app.config["HWC_UPLOAD_PATH"]) / "evidence"
    path.mkdir(parents=True, exist_ok=True)
    return path


def evidence_path(evidence: Evidence) -> Path:
    return upload_dir() / evidence.stored_name


def add_evidence(claim: Claim, data: bytes, *, actor: User, original_name: str = "",
                 caption: str = "") -> Evidence:
    """Check, read and re-encode an uploaded photo and attach it to ``claim``.

    Raises ``EvidenceNotAllowed`` when the actor may not add evidence now, and
    ``EvidenceRejected`` (with a translated message) for anything that is not an acceptable
    photo, or ``PhotosBusy`` (one of them) when the worker is busy decoding other photos;
    nothing is stored then. The same file sent again to the same claim (a tablet retrying a
    save whose answer was lost) returns the photo already kept and stores nothing.
    """
    check_scope(claim, actor)
    if not may_add_evidence(claim, actor):
        raise EvidenceNotAllowed(claim.status)
    if len(data) > get_setting("max_upload_bytes"):
        raise EvidenceRejected(_("The photo is larger than %(mb)d MB.",
                                 mb=get_setting("max_upload_bytes") // (1024 * 1024)))
    if not data:
        raise EvidenceRejected(_("The file is empty."))
    digest = hashlib.sha256(data).hexdigest()
    kept = next((photo for photo in claim.evidence if photo.sha256 == digest), None)
    if kept is not None:
        return kept
    photo = clean_photo(data, zone=jurisdiction_of(claim).zone)
    evidence = Evidence(
        claim=claim, stored_name=f"{uuid.uuid4().hex}.jpg",
        original_name=(original_name or "")[:255], content_type="image/jpeg",
        size=len(photo.jpeg), width=photo.width, height=photo.height,
        sha256=digest, captured_at=photo.captured_at, lat=photo.lat,
        lon=photo.lon, caption=(caption or "")[:255], uploaded_by=actor)
    db.session.add(evidence)
    db.session.flush()
    record_event("add_evidence", actor=actor, claim=claim, from_status=claim.status,
                 to_status=claim.status, changes={
                     "evidence_id": evidence.id, "sha256": evidence.sha256,
                     "captured_at": photo.captured_at, "lat": photo.lat, "lon": photo.lon,
                     "caption": caption})
    evidence_path(evidence).write_bytes(photo.jpeg)  # last: a failed insert leaves no file
    return evidence


MAX_CAPTION = 255  # the column's length


def may_change_photo(actor: User, evidence: Evidence) -> bool:
    """Whether ``actor`` may delete ``evidence`` or change its caption. The filing side: an
    officer of the area, on a photo an officer added, while the claim is open to edits (draft or
    returned) — on a returned claim only a photo added since its last submission: the office
    has seen the others. A verifier: only a photo they added themselves, while they may add
    photos to the claim (under verification)."""
    from hwc.accounts.models import Role

    claim = evidence.claim
    if not can(actor, "delete_evidence", claim):
        return False
    if actor.role == Role.verifier:
        return evidence.uploaded_by_id == actor.id
    return evidence.uploaded_by.role == Role.village_officer and \
        (claim.submitted_at is None or evidence.created_at > claim.submitted_at)


def _check_may_change(evidence: Evidence, actor: User) -> None:
    check_scope(evidence.claim, actor)
    if not may_change_photo(actor, evidence):
        raise EvidenceNotAllowed(evidence.claim.status)


def delete_evidence(evidence: Evidence, *, actor: User) -> None:
    """Remove a photo from its claim (``ClaimNotFound`` outside the actor's area,
    ``EvidenceNotAllowed`` unless ``may_change_photo``); its files are removed once the
    transaction commits, never before, so a rollback keeps photo and row together."""
    _check_may_change(evidence, actor)
    claim = evidence.claim
    record_event("delete_evidence", actor=actor, claim=claim, from_status=claim.status,
                 to_status=claim.status, changes={
                     "evidence_id": evidence.id, "sha256": evidence.sha256,
                     "caption": evidence.caption, "uploaded_by_id": evidence.uploaded_by_id,
                     "created_at": evidence.created_at})
    path = evidence_path(evidence)
    claim.evidence.remove(evidence)
    db.session.delete(evidence)
    db.session.flush()
    thumb = path.with_name(path.stem + ".thumb.jpg")
    after_commit(lambda: [file.unlink(missing_ok=True) for file in (path, thumb)])


def set_caption(evidence: Evidence, caption: str, *, actor: User) -> bool:
    """Give one photo its own caption (same refusals as ``delete_evidence``; ``EvidenceRejected``
    for a caption longer than ``MAX_CAPTION``). Audited when it changes; says whether it did."""
    _check_may_change(evidence, actor)
    caption = " ".join((caption or "").split())
    if len(caption) > MAX_CAPTION:
        raise EvidenceRejected(_("At most %(max)d characters.", max=MAX_CAPTION))
    if caption == evidence.caption:
        return False
    claim = evidence.claim
    record_event("caption_evidence", actor=actor, claim=claim, from_status=claim.status,
                 to_status=claim.status, changes={
                     "evidence_id": evidence.id,
                     "caption": {"from": evidence.caption, "to": caption}})
    evidence.caption = caption
    db.session.flush()
    return True


THUMB_SIDE = 320


def evidence_bytes(evidence: Evidence, *, viewer: User, thumb: bool = False) -> bytes:
    """The stored (re-encoded) photo, or a small thumbnail of it made once and kept; only for
    a viewer whose area holds the claim (else ``ClaimNotFound``)."""
    check_scope(evidence.claim, viewer)
    path = evidence_path(evidence)
    if thumb:
        small = path.with_name(path.stem + ".thumb.jpg")
        if not small.exists():
            with Image.open(path, formats=("JPEG",)) as image:
                image.thumbnail((THUMB_SIDE, THUMB_SIDE))
                small.write_bytes(bare_jpeg(image, quality=80))
        path = small
    return path.read_bytes()
