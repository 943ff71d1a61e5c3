"""Uploaded photos made safe to keep: checked by content (not by name), capture time and GPS read
from EXIF, then re-encoded as a JPEG, which drops hostile payloads and the rest of the metadata."""

import io
import warnings
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

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


@dataclass(frozen=True)
class CleanPhoto:
    """A re-encoded JPEG and what was read from the original before its metadata was dropped."""

    jpeg: bytes
    width: int
    height: int
    captured_at: datetime | None
    lat: Decimal | None
    lon: Decimal | None


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


def clean_photo(data: bytes) -> CleanPhoto:
    """Check, read and re-encode an uploaded photo; raises ``EvidenceRejected`` with a
    translated message for anything that is not an acceptable photo."""
    image = _open_image(data)
    exif = image.getexif()
    lat, lon = _gps(exif)
    captured_at = _captured_at(exif)
    encoded = _reencode(image)
    with Image.open(io.BytesIO(encoded)) as check:
        width, height = check.size
    return CleanPhoto(encoded, width, height, captured_at, lat, lon)
