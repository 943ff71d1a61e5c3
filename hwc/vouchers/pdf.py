"""Voucher PDFs: one pure HTML-to-PDF function whose fetcher reads only the app's own static
assets, and the voucher template rendered through it with its QR code inline."""

import mimetypes
import threading
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import segno
from flask import render_template
from markupsafe import Markup
from PIL import ImageFile

_load_truncated = ImageFile.LOAD_TRUNCATED_IMAGES
from weasyprint import HTML  # noqa: E402 - sets LOAD_TRUNCATED_IMAGES, see below
from weasyprint.text.fonts import FontConfiguration  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

from hwc.vouchers.document import VoucherDocument  # noqa: E402

# Importing WeasyPrint makes Pillow accept truncated images in the whole process; the evidence
# upload refuses a truncated photo, so Pillow's setting goes back to what it was. (The vouchers
# print no raster images.)
ImageFile.LOAD_TRUNCATED_IMAGES = _load_truncated

STATIC_ROOT = Path(__file__).resolve().parent.parent / "static"

# Pango's font maps are not thread-safe, so each thread keeps its own. Kept across renders, a
# font map keeps its font sets: a voucher in Chinese and Russian then renders in about 60 % of
# the time (fontconfig's fallback search for Han and Cyrillic is not redone for every document).
_fonts = threading.local()


def _font_configuration() -> FontConfiguration:
    if not hasattr(_fonts, "configuration"):
        _fonts.configuration = FontConfiguration()
    return _fonts.configuration


class RefusedURL(ValueError):
    """A URL the PDF renderer may not fetch (WeasyPrint logs it and leaves the resource out)."""


class StaticAssetFetcher(URLFetcher):
    """Fetches ``file:`` URLs that resolve to a file inside ``root`` and refuses everything else:
    other files, ``..`` and symlinks leading out of ``root``, ``data:``, ``http(s):``, ``ftp:``
    and every other scheme. Nothing is fetched over a network."""

    def __init__(self, root: Path = STATIC_ROOT):
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = root.resolve()

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        path = self.asset_path(url)
        content_type, _encoding = mimetypes.guess_type(path.name)
        response_headers = {"Content-Type": content_type or "application/octet-stream"}
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), response_headers)

    def asset_path(self, url: str) -> Path:
        """The file inside ``root`` that ``url`` names, or ``RefusedURL``."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"only the application's static assets may be fetched: {url[:80]}")
        # resolve() follows symlinks and removes "..", so the check sees where the file really is.
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise RefusedURL(f"not one of the application's static assets: {url[:80]}")
        return path


def render_pdf(html: str) -> bytes:
    """The PDF of ``html``. Relative URLs resolve inside ``hwc/static/`` (write
    ``href="css/voucher.css"``); no other file and no network URL is read. Fonts come from
    fontconfig (Debian's Noto), embedded as subsets."""
    document = HTML(
        string=html, base_url=STATIC_ROOT.as_uri() + "/", url_fetcher=StaticAssetFetcher()
    )
    return document.write_pdf(font_config=_font_configuration())


def qr_svg(text: str) -> Markup:
    """``text`` as a QR code (error correction level M, never a Micro QR), as inline SVG that
    scales to the box the stylesheet gives it."""
    code = segno.make_qr(text, error="m", boost_error=False)
    return Markup(code.svg_inline(omitsize=True, border=4, svgclass="qr"))  # noqa: S704 - segno's own markup


def render_voucher_pdf(doc: VoucherDocument) -> bytes:
    """The voucher's PDF (needs an application context: the template is the app's)."""
    html = render_template("vouchers/voucher.html", doc=doc, qr_svg=qr_svg(doc.qr_text))
    return render_pdf(html)
