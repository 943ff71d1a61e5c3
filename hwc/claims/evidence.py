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
from hwc.extensions import db
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
    nothing is stored then.
    """
    check_scope(claim, actor)
    if not may_add_evidence(claim, actor):
        raise EvidenceNotAllowed(claim.status)
    if len(data) > get_setting("max_upload_bytes"):
        raise EvidenceRejected(_("The photo is larger than %(mb)d MB.",
                                 mb=get_setting("max_upload_bytes") // (1024 * 1024)))
    if not data:
        raise EvidenceRejected(_("The file is empty."))
    photo = clean_photo(data)
    evidence = Evidence(
        claim=claim, stored_name=f"{uuid.uuid4().hex}.jpg",
        original_name=(original_name or "")[:255], content_type="image/jpeg",
        size=len(photo.jpeg), width=photo.width, height=photo.height,
        sha256=hashlib.sha256(data).hexdigest(), captured_at=photo.captured_at, lat=photo.lat,
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
