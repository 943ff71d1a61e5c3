"""Uploaded photos made safe to keep, at a bounded cost: the pixel count is read from the header
before anything is decoded, large JPEGs are decoded at reduced size, a worker process decodes one
photo at a time, and the picture is re-encoded as a bare JPEG once its capture time and GPS have
been read: no metadata block of the upload survives."""

import io
import math
import struct
import threading
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import NamedTuple

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, ImageFile, UnidentifiedImageError

# libjpeg decodes a sequential JPEG at 1/2, 1/4 or 1/8 scale straight from its DCT blocks
# (Image.draft), so the memory it needs follows the stored size, not the sent one: under four
# times the stored pixels. 80 megapixels admit every phone camera from 12 to 64 MP
# (9248 × 6936 = 64.1 MP) and stay below Pillow's own decompression bomb warning (89.5 MP), so
# Pillow never warns about a photo accepted here; 108 and 200 MP phone photos are larger than the
# upload limit in bytes anyway. Measured by bench/uploads.py: an 8000 × 6000 photo costs a worker
# about 95 MB (370 MB before), the worst accepted JPEG (80 MP, square) about 150 MB.
MAX_SCALED_PIXELS = 80_000_000
# PNG, WebP and JPEGs that libjpeg must hold whole (progressive, or colours in separate scans) are
# decoded at full size, up to 4 bytes a pixel. 4096 × 4096 (16.8 MP) admits screenshots and every
# 16 MP camera (4624 × 3468) and costs at most about 160 MB (bench/uploads.py); the probe's 50 MP
# one-colour PNG (a 6 KB file) is refused from its header.
MAX_FULL_PIXELS = 4096 * 4096
MAX_SIDE = 2560
# Pillow parses nothing else: MPO (phones' JPEG with a depth map or a second lens) comes through
# Pillow's JPEG opener.
OPENED_FORMATS = ("JPEG", "PNG", "WEBP")
# Photos in other formats get "only JPEG, PNG or WebP" rather than "not a photo": GIF, BMP, TIFF,
# JPEG XL; HEIC and AVIF are recognised by their "ftyp" box.
OTHER_IMAGE_SIGNATURES = (b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*", b"\xff\x0a",
                          b"\x00\x00\x00\x0cJXL ")
# What Pillow and its decoders raise on damaged input, beyond the OSError they are meant to.
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError,
                 struct.error, zlib.error)
EXIF_IFD, GPS_IFD, ORIENTATION = 0x8769, 0x8825, 0x0112
DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 36867, 36881
TRANSPOSE_FOR_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90,
}

_DECODE_SLOT = threading.Lock()


class EvidenceRejected(ValueError):
    """The upload is not an acceptable photo; ``message`` says why, translated."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PhotosBusy(EvidenceRejected):
    """Other uploads held this process's decode slot for longer than an upload waits."""


@dataclass(frozen=True)
class CleanPhoto:
    """A re-encoded JPEG and what was read from the original before its metadata was dropped."""

    jpeg: bytes
    width: int
    height: int
    captured_at: datetime | None
    lat: Decimal | None
    lon: Decimal | None


def _too_many_pixels() -> EvidenceRejected:
    return EvidenceRejected(_("The photo has too many pixels."))


def _damaged() -> EvidenceRejected:
    return EvidenceRejected(_("This file is not a photo, or it is damaged."))


def _webp_canvas(data: bytes) -> tuple[int, int] | None:
    """The canvas size in a WebP header (the VP8X, VP8L or VP8 chunk after the RIFF header), read
    before libwebp reserves two canvases of that size."""
    if len(data) < 30 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    chunk = data[12:16]
    if chunk == b"VP8X":
        return (int.from_bytes(data[24:27], "little") + 1,
                int.from_bytes(data[27:30], "little") + 1)
    if chunk == b"VP8L" and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 ":
        return (int.from_bytes(data[26:28], "little") & 0x3FFF,
                int.from_bytes(data[28:30], "little") & 0x3FFF)
    return None


def _jpeg_is_scalable(data: bytes) -> bool:
    """Whether libjpeg can decode this JPEG at reduced size in memory that follows the output: a
    sequential frame (SOF0 or SOF1) whose first scan holds every component. For a progressive JPEG,
    or one whose components come in separate scans, it keeps every coefficient of the picture,
    whatever the scale. Anything unexpected in the header counts as not scalable."""
    position, components = 2, None
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        length = int.from_bytes(data[position + 2:position + 4], "big")
        body = data[position + 4:position + 2 + length]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a frame header
            if marker not in (0xC0, 0xC1) or len(body) < 6:
                return False
            components = body[5]
        elif marker == 0xDA:  # the first scan
            return components is not None and len(body) > 0 and body[0] == components
        position += 2 + length
    return False


def _opened(data: bytes) -> tuple[Image.Image, bool]:
    """The photo with only its header read, and whether it can be decoded at reduced size.
    Refuses other formats, and too many pixels for the way the photo can be decoded."""
    # A truncated photo is damaged, never padded out with grey: Pillow's switch for that is
    # process-wide, and WeasyPrint (the vouchers' PDFs) turns it on when it is imported.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image = Image.open(io.BytesIO(data), formats=OPENED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own limits lie above every limit here; its warning arrives as an exception
        # only where warnings are errors, and is otherwise followed by the check below.
        raise _too_many_pixels() from None
    except UnidentifiedImageError:
        if data.startswith(OTHER_IMAGE_SIGNATURES) or data[4:8] == b"ftyp":
            raise EvidenceRejected(_("Only JPEG, PNG or WebP photos can be uploaded.")) from None
        raise _damaged() from None
    except DECODE_ERRORS:
        raise _damaged() from None
    scalable = image.format in ("JPEG", "MPO") and _jpeg_is_scalable(data)
    if image.width * image.height > (MAX_SCALED_PIXELS if scalable else MAX_FULL_PIXELS):
        image.close()
        raise _too_many_pixels()
    return image, scalable


@contextmanager
def decode_slot():
    """Hold this worker process's one slot for decoding a photo; raises ``PhotosBusy`` after
    waiting ``HWC_PHOTO_WAIT_SECONDS`` for it."""
    if not _DECODE_SLOT.acquire(timeout=current_app.config["HWC_PHOTO_WAIT_SECONDS"]):
        raise PhotosBusy(_("Other photos are being processed; try again in a moment."))
    try:
        yield
    finally:
        _DECODE_SLOT.release()


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


def _captured_at(exif, zone: tzinfo) -> datetime | None:
    """The EXIF capture time; one without an offset is read as ``zone``'s local time (the
    village's: a camera keeps local time)."""
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
            moment = moment.replace(tzinfo=zone)
    except ValueError:
        return None
    return moment


class Metadata(NamedTuple):
    """What the system reads from a photo's EXIF before dropping it."""

    turn: Image.Transpose | None  # what makes the photo upright
    captured_at: datetime | None
    lat: Decimal | None
    lon: Decimal | None


def _metadata(image: Image.Image, zone: tzinfo) -> Metadata:
    """A damaged EXIF block gives nothing, not a refusal: the pixels may be fine."""
    try:
        exif = image.getexif()
        orientation = exif.get(ORIENTATION)
        turn = TRANSPOSE_FOR_ORIENTATION.get(orientation) if isinstance(orientation, int) \
            else None
        return Metadata(turn, _captured_at(exif, zone), *_gps(exif))
    except DECODE_ERRORS:
        return Metadata(None, None, None, None)


def _fitted(size: tuple[int, int], side: int) -> tuple[int, int]:
    """``size`` scaled down to fit a ``side`` × ``side`` square, rounded up."""
    scale = min(1.0, side / max(size))
    return math.ceil(size[0] * scale), math.ceil(size[1] * scale)


def _flattened(image: Image.Image) -> Image.Image:
    """The picture as RGB or greyscale, whatever the file held (palette, alpha, 1-bit, 16-bit,
    CMYK)."""
    if image.mode in ("RGB", "L"):
        return image
    if image.mode == "1":
        return image.convert("L")
    if image.mode.startswith("I"):  # 16-bit greyscale: keep the high byte
        return image.point(lambda value: value / 256).convert("L")
    if image.mode == "P":  # a palette's transparency has no RGB form; go through RGBA
        image = image.convert("RGBA")
    return image.convert("RGB")


def bare_jpeg(picture: Image.Image, *, quality: int = 85) -> bytes:
    """``picture``'s pixels as a JPEG and nothing else: copied into a new image first, so no
    metadata the decoder attached (Pillow writes a JPEG comment back on save) can follow."""
    bare = Image.new(picture.mode, picture.size)
    bare.paste(picture)
    out = io.BytesIO()
    bare.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()


def _reencode(image: Image.Image, *, scalable: bool,
              zone: tzinfo) -> tuple[bytes, tuple[int, int], Metadata]:
    """Decode the first frame (at reduced size where libjpeg can) and re-encode it upright as a
    bare JPEG at most ``MAX_SIDE`` on each side; returns the JPEG, its size and the metadata
    read. Call holding the decode slot."""
    if scalable:
        metadata = _metadata(image, zone)  # from the header, before the draft changes the size
        image.draft("RGB", _fitted(image.size, MAX_SIDE))
        image.load()
    else:
        image.load()
        metadata = _metadata(image, zone)  # a PNG's EXIF may follow its pixel data
    picture = _flattened(image)
    if picture is not image:
        image.close()  # frees the decoded pixels before shrinking the converted copy
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    if metadata.turn is not None:
        picture = picture.transpose(metadata.turn)
    return bare_jpeg(picture), picture.size, metadata


def clean_photo(data: bytes, *, zone: tzinfo) -> CleanPhoto:
    """Check, read and re-encode an uploaded photo at a bounded cost. Raises ``EvidenceRejected``
    with a translated message for anything that is not an acceptable photo, and ``PhotosBusy``
    (one of them) when this process is decoding other photos for too long. A capture time
    without an offset is read as ``zone``'s local time."""
    canvas = _webp_canvas(data)
    if canvas and canvas[0] * canvas[1] > MAX_FULL_PIXELS:
        raise _too_many_pixels()
    # Reading a header can cost too: a 74 KB PNG's text chunks inflate to 64 MB before Pillow
    # gives up. So every Pillow call on the upload runs in the slot.
    with decode_slot():
        image, scalable = _opened(data)
        with image:
            try:
                jpeg, (width, height), metadata = _reencode(image, scalable=scalable, zone=zone)
            except DECODE_ERRORS:
                raise _damaged() from None
    return CleanPhoto(jpeg, width, height, metadata.captured_at, metadata.lat, metadata.lon)
