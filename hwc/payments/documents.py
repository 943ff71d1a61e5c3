"""The document granting a budget's money, checked by what the file holds, never by its name:
a PDF that parses, or a JPEG or PNG image that Pillow verifies."""

import io
import warnings
from typing import NamedTuple

from flask_babel import gettext as _
from PIL import Image, ImageFile
from pypdf import PdfReader

from hwc.core.settings import get_setting
from hwc.workflow.errors import TransitionRefused

IMAGE_TYPES = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png")}


class DocumentRefused(TransitionRefused):
    """Not a document HWC keeps; ``errors["document"]`` says why (422)."""

    def __init__(self, message: str):
        super().__init__(message, {"document": [message]})


class CheckedDocument(NamedTuple):
    content_type: str
    suffix: str


def _is_pdf(data: bytes) -> bool:
    # pypdf raises many kinds of errors (and warns) on damaged files; any of them means the
    # file is not a PDF we can keep.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            return len(reader.pages) > 0
    except Exception:  # see above
        return False


def _image_format(data: bytes) -> str | None:
    ImageFile.LOAD_TRUNCATED_IMAGES = False  # see hwc.claims.photos
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=tuple(IMAGE_TYPES)) as image:
                found = image.format
                image.verify()
            return found
    except Exception:  # Pillow's errors for bad files are of many kinds
        return None


def check_document(data: bytes) -> CheckedDocument:
    """What ``data`` is (its content type and the suffix it is stored with), or
    ``DocumentRefused`` for an empty, too large or unreadable file, or one of another kind."""
    limit = get_setting("max_upload_bytes")
    if not data:
        raise DocumentRefused(_("The file is empty."))
    if len(data) > limit:
        raise DocumentRefused(_("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)))
    if data.startswith(b"%PDF-"):
        if _is_pdf(data):
            return CheckedDocument("application/pdf", ".pdf")
        raise DocumentRefused(_("This PDF is damaged and cannot be read."))
    found = _image_format(data)
    if found is None:
        raise DocumentRefused(_("Only a PDF, JPEG or PNG file can be kept as the document."))
    return CheckedDocument(*IMAGE_TYPES[found])
