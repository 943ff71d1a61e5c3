"""Evidence photos: checked by content (not by name), EXIF capture time and GPS read, then
re-encoded, which drops hostile payloads and the rest of the metadata."""

import hashlib
import io
import uuid
import warnings
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from hwc.accounts.models import User
from hwc.claims.models import Claim, Evidence
from hwc.core.settings import get_setting
from hwc.extensions import db
from hwc.workflow.audit import record_event
from hwc.workflow.service import check_scope

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 50_000_000
MAX_SIDE = 2560
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 36867, 36881


class EvidenceRejected(ValueError):
    """The upload is not an acceptable photo; ``message`` says why, translated."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class EvidenceNotAllowed(PermissionError):
    """The actor's role may not add evidence to the claim in its present state."""


def may_add_evidence(claim: Claim, actor: User) -> bool:
    """The filing officer's side while the claim is open to edits; the verifier's on site;
    never anyone outside the claim's area."""
    from hwc.accounts.models import Role
    from hwc.claims.models import ClaimStatus
    from hwc.workflow.rules import EDITABLE_STATUSES

    if not actor.can_see_region(claim.village):
        return False
    if actor.role == Role.village_officer:
        return claim.status in EDITABLE_STATUSES
    if actor.role == Role.verifier:
        from hwc.workflow.guards import duties_of
        from hwc.workflow.rules import VERIFY

        return claim.status == ClaimStatus.under_verification and \
            not duties_of(claim, actor) - {VERIFY}
    return False


def upload_dir() -> Path:
    path = Path(current_app.config["HWC_UPLOAD_PATH"]) / "evidence"
    path.mkdir(parents=True, exist_ok=True)
    return path


def evidence_path(evidence: Evidence) -> Path:
    return upload_dir() / evidence.stored_name


def _open_image(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise EvidenceRejected(_("Only JPEG, PNG or WebP photos can be uploaded."))
            if image.width * image.height > MAX_PIXELS:
                raise EvidenceRejected(_("The photo has too many pixels."))
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombWarning, Image.DecompressionBombError) as error:
        if isinstance(error, EvidenceRejected):
            raise
        raise EvidenceRejected(_("This file is not a photo, or it is damaged.")) from None
    return image


def _rational(value) -> Decimal:
    try:
        return Decimal(value.numerator) / Decimal(value.denominator)
    except AttributeError:
        return Decimal(str(float(value)))


def _gps(exif) -> tuple[Decimal | None, Decimal | None]:
    gps = exif.get_ifd(GPS_IFD)
    try:
        parts = []
        for ref_tag, value_tag, negative in ((1, 2, "S"), (3, 4, "W")):
            d, m, s = (_rational(v) for v in gps[value_tag])
            degrees = d + m / 60 + s / 3600
            if str(gps.get(ref_tag, "")).upper().startswith(negative):
                degrees = -degrees
            parts.append(degrees.quantize(Decimal("0.000001")))
    except (KeyError, TypeError, ValueError, ZeroDivisionError, ArithmeticError):
        return None, None
    lat, lon = parts
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lat, lon


def _captured_at(exif) -> datetime | None:
    details = exif.get_ifd(EXIF_IFD)
    text = details.get(DATETIME_ORIGINAL) or exif.get(306)
    if not text:
        return None
    try:
        moment = datetime.strptime(str(text).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = details.get(OFFSET_TIME_ORIGINAL)
    try:
        if offset:
            moment = datetime.fromisoformat(moment.isoformat() + str(offset).strip("\x00 "))
        else:
            moment = moment.replace(tzinfo=ZoneInfo(current_app.config["HWC_TIMEZONE"]))
    except ValueError:
        return None
    return moment


def _reencode(image: Image.Image) -> bytes:
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def add_evidence(claim: Claim, data: bytes, *, actor: User, original_name: str = "",
                 caption: str = "") -> Evidence:
    """Check, read and re-encode an uploaded photo and attach it to ``claim``.

    Raises ``EvidenceNotAllowed`` when the actor may not add evidence now, and
    ``EvidenceRejected`` (with a translated message) for anything that is not an acceptable
    photo; nothing is stored then.
    """
    check_scope(claim, actor)
    if not may_add_evidence(claim, actor):
        raise EvidenceNotAllowed(claim.status)
    if len(data) > get_setting("max_upload_bytes"):
        raise EvidenceRejected(_("The photo is larger than %(mb)d MB.",
                                 mb=get_setting("max_upload_bytes") // (1024 * 1024)))
    if not data:
        raise EvidenceRejected(_("The file is empty."))
    image = _open_image(data)
    exif = image.getexif()
    lat, lon = _gps(exif)
    captured_at = _captured_at(exif)
    encoded = _reencode(image)
    stored_name = f"{uuid.uuid4().hex}.jpg"
    evidence = Evidence(
        claim=claim, stored_name=stored_name, original_name=(original_name or "")[:255],
        content_type="image/jpeg", size=len(encoded), width=None, height=None,
        sha256=hashlib.sha256(data).hexdigest(), captured_at=captured_at, lat=lat, lon=lon,
        caption=(caption or "")[:255], uploaded_by=actor)
    with Image.open(io.BytesIO(encoded)) as check:
        evidence.width, evidence.height = check.size
    path = upload_dir() / stored_name
    path.write_bytes(encoded)
    db.session.add(evidence)
    db.session.flush()
    record_event("add_evidence", actor=actor, claim=claim, from_status=claim.status,
                 to_status=claim.status, changes={
                     "evidence_id": evidence.id, "sha256": evidence.sha256,
                     "captured_at": captured_at, "lat": lat, "lon": lon, "caption": caption})
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
            with Image.open(path) as image:
                image.thumbnail((THUMB_SIDE, THUMB_SIDE))
                image.save(small, format="JPEG", quality=80)
        path = small
    return path.read_bytes()
