"""The voucher PDF as a person and a machine read it: text extracted with poppler's pdftotext, fonts
listed with pdffonts, the QR code read back from a rendering with zbarimg, pages counted with
pdfinfo; and render_pdf's fetcher, which reads the app's static assets and nothing else."""

import dataclasses
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.request import urlopen

import pytest

from hwc.vouchers.document import Label
from hwc.vouchers.labels import LABELS, bilingual_labels
from hwc.vouchers.pdf import STATIC_ROOT, RefusedURL, StaticAssetFetcher, render_pdf
from hwc.vouchers.pdf import render_voucher_pdf as render_voucher
from tests.conftest import service_missing
from tests.voucher_samples import sample_document

PAIRS = [("zh_Hans", "ru"), ("ru", "ru"), ("zh_Hans", "ko"), ("en", "en")]


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        service_missing(f"{name} is not installed (poppler-utils, zbar-tools: scripts/system-deps)")
    return path


def run(*command: str) -> str:
    return subprocess.run([tool(command[0]), *command[1:]], capture_output=True, text=True,
                          check=True).stdout


def words(text: str) -> str:
    """Runs of whitespace (spaces, no-break spaces, line ends) as one space."""
    return " ".join(text.split())


def glyphs(text: str) -> str:
    """The text without any whitespace: a value wrapped inside its cell still matches."""
    return "".join(text.split())


@dataclasses.dataclass
class Rendering:
    path: Path
    log: list[str]  # what WeasyPrint logged while rendering (missing glyphs, refused URLs)

    def text(self, *options: str) -> str:
        return run("pdftotext", *options, str(self.path), "-")


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def logged_while(render):
    """Runs ``render()`` and returns its result with what WeasyPrint logged meanwhile."""
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    # Alembic's fileConfig (the app fixture's migration) disables loggers that already exist.
    disabled, logger.disabled = logger.disabled, False
    logger.addHandler(handler)
    try:
        return render(), handler.messages
    finally:
        logger.removeHandler(handler)
        logger.disabled = disabled


@pytest.fixture(scope="module")
def rendered(app, tmp_path_factory):
    """Renders a document once per module (a voucher takes about a second on a busy machine)."""
    folder = tmp_path_factory.mktemp("vouchers")
    cache: dict[object, Rendering] = {}

    def render(doc) -> Rendering:
        key = repr(doc)
        if key not in cache:
            with app.app_context():
                data, log = logged_while(lambda: render_voucher(doc))
            path = folder / f"voucher-{len(cache)}.pdf"
            path.write_bytes(data)
            cache[key] = Rendering(path, log)
        return cache[key]

    return render


@pytest.mark.parametrize(("office", "payee"), PAIRS)
def test_the_text_holds_number_payee_and_amount_in_figures_and_in_words(rendered, office, payee):
    doc = sample_document(office, payee)
    text = words(rendered(doc).text("-layout"))
    assert doc.number in text
    assert doc.payee_name in text
    assert words(f"{doc.currency} {doc.total}") in text
    assert [entry.language for entry in doc.words] == list(dict.fromkeys([office, payee]))
    for entry in doc.words:
        assert words(entry.text) in text


@pytest.mark.parametrize(("office", "payee"), PAIRS)
def test_every_label_prints_in_the_office_language_and_the_payee_language(rendered, office,
                                                                          payee):
    doc = sample_document(office, payee)
    text = words(rendered(doc).text())  # reading order: the QR caption wraps beside other text
    for key in ("title", "payee", "total", "in_words", "scan_to_verify", "received_by", "seal"):
        assert words(doc.labels[key].office) in text, key
        assert words(doc.labels[key].payee) in text, key


@pytest.mark.parametrize(("office", "payee"), [("zh_Hans", "ko"), ("ru", "ru")])
def test_every_font_is_an_embedded_noto_subset(rendered, office, payee):
    listing = run("pdffonts", str(rendered(sample_document(office, payee)).path))
    rows = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    assert rows
    for row in rows:
        name, embedded, subset = row[0], row[-5], row[-4]
        assert re.fullmatch(r"[A-Z]{6}\+Noto-Sans(-CJK-SC)?(-Bold)?", name), listing
        assert (embedded, subset) == ("yes", "yes"), listing


def test_a_voucher_embeds_only_the_faces_its_own_text_uses(rendered):
    """Renders share a font configuration per thread; fonts must not carry over between PDFs."""
    rendered(sample_document("zh_Hans", "ko"))
    listing = run("pdffonts", str(rendered(sample_document("ru", "ru")).path))
    faces = {line.split()[0].split("+")[1] for line in listing.splitlines()[2:] if line.strip()}
    assert faces == {"Noto-Sans", "Noto-Sans-Bold"}


@pytest.mark.parametrize(("office", "payee"), PAIRS)
def test_no_character_is_drawn_as_a_missing_glyph(rendered, office, payee):
    doc = sample_document(office, payee)
    rendering = rendered(doc)
    assert not [message for message in rendering.log if ".notdef" in message]
    # Hangul, Han and Cyrillic read back as they were written (ToUnicode maps every glyph).
    text = glyphs(rendering.text())
    for written in (doc.payee_name, doc.payee_village, doc.authority, doc.species.payee,
                    doc.lines[0].item, doc.labels["received_by"].payee):
        assert glyphs(written) in text


def test_a_character_no_font_has_is_caught_as_a_missing_glyph():
    """The check above would see tofu: a private-use character is logged as a .notdef glyph."""
    _pdf, log = logged_while(lambda: render_pdf(
        '<link rel="stylesheet" href="css/voucher.css"><p>\U000f0000</p>'))
    assert any(".notdef" in message for message in log)


def test_the_qr_code_on_the_printed_page_reads_back_as_the_signed_link(rendered, tmp_path):
    doc = sample_document("zh_Hans", "ru")
    run("pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(rendered(doc).path),
        str(tmp_path / "page"))
    (image,) = tmp_path.glob("page*.png")
    assert run("zbarimg", "--raw", "-q", str(image)).strip() == doc.qr_text


def test_markup_in_the_data_prints_literally(rendered):
    doc = sample_document("ru", "ru", payee_name="<script>alert(1)</script>",
                          authority="</td></tr> Администрация")
    text = rendered(doc).text("-layout")
    assert "<script>alert(1)</script>" in text
    assert "</td></tr> Администрация" in text


@pytest.mark.parametrize(("office", "payee", "mark"), [("zh_Hans", "ru", "作废АННУЛИРОВАН"),
                                                    ("en", "en", "VOID")])
def test_a_void_voucher_prints_void_across_the_page_in_both_languages(rendered, office, payee,
                                                                      mark):
    doc = sample_document(office, payee)
    void = dataclasses.replace(doc, void=True)  # the same status line: only the mark differs
    plain_text = Counter("".join(rendered(doc).text().split()))
    void_text = Counter("".join(rendered(void).text().split()))
    assert void_text - plain_text == Counter(mark)
    assert not plain_text - void_text


def pages(rendering: Rendering) -> int:
    return int(re.search(r"^Pages:\s+(\d+)$", run("pdfinfo", str(rendering.path)), re.M)[1])


def test_eight_lines_fit_on_one_page(rendered):
    assert pages(rendered(sample_document("zh_Hans", "ru", lines=8))) == 1


def test_twenty_lines_need_a_second_page(rendered):
    assert pages(rendered(sample_document("zh_Hans", "ru", lines=20))) == 2


def test_a_table_that_breaks_repeats_its_header_on_the_next_page(rendered):
    doc = sample_document("zh_Hans", "ru", lines=30)
    rendering = rendered(doc)
    assert pages(rendering) == 2
    second = words(rendering.text("-layout", "-f", "2", "-l", "2"))
    for key in ("item", "quantity", "rate", "amount"):
        assert doc.labels[key].office in second and doc.labels[key].payee in second
    assert words(doc.words[1].text) in second
    assert words(doc.total) in second


def test_bilingual_labels_reads_every_label_in_the_office_and_the_payee_language(ctx):
    labels = bilingual_labels("zh_Hans", "ru")
    assert labels.keys() == LABELS.keys()
    assert labels["amount"] == Label("金额", "Сумма")
    assert labels["village"].bilingual
    assert not bilingual_labels("ru", "ru")["amount"].bilingual


# render_pdf's fetcher. Each hostile page links a stylesheet that, if it were read, would push the
# text 300 pt to the right; the app's own stylesheet sets a 15 mm (42.5 pt) left page margin.

EVIL_CSS = "p { padding-left: 300pt }"


def left_of_first_word(pdf: bytes, tmp_path: Path) -> float:
    path = tmp_path / "probe.pdf"
    path.write_bytes(pdf)
    return float(re.search(r'<word xMin="([\d.]+)"', run("pdftotext", "-bbox", str(path), "-"))[1])


def page_linking(href: str) -> str:
    return f'<link rel="stylesheet" href="{href}"><p>Hello</p>'


class _Recorder(BaseHTTPRequestHandler):
    connections: list[str]

    def handle(self):
        self.connections.append(self.client_address[0])
        super().handle()

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(EVIL_CSS.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def web_server():
    """A local HTTP server that serves the hostile stylesheet at every path and notes every
    connection made to it."""
    handler = type("Recorder", (_Recorder,), {"connections": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], handler.connections
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def evil_file(tmp_path):
    path = tmp_path / "outside" / "evil.css"
    path.parent.mkdir()
    path.write_text(EVIL_CSS)
    return path


@pytest.mark.parametrize("href", ["css/voucher.css", STATIC_ROOT.as_uri() + "/css/voucher.css"])
def test_render_pdf_reads_the_apps_own_stylesheet(tmp_path, href):
    """Relative URLs resolve inside hwc/static/ (the app serves it as /static/)."""
    pdf, log = logged_while(lambda: render_pdf(page_linking(href)))
    assert not log
    assert left_of_first_word(pdf, tmp_path) == pytest.approx(15 / 25.4 * 72, abs=0.5)


def hostile_urls(evil: Path, port: int) -> dict[str, str]:
    depth = len(STATIC_ROOT.parts)
    return {
        "a file outside the assets": evil.as_uri(),
        "the same on localhost": "file://localhost" + evil.as_posix(),
        "dot-dots out of the assets": os.path.relpath(evil, STATIC_ROOT),
        "percent-encoded dot-dots": "css/" + "%2e%2e/" * depth + evil.as_posix().lstrip("/"),
        "http": f"http://127.0.0.1:{port}/x.css",
        "https": f"https://127.0.0.1:{port}/x.css",
        "ftp": f"ftp://127.0.0.1:{port}/x.css",
        "a data: URI": "data:text/css," + EVIL_CSS.replace(" ", "%20"),
    }


@pytest.mark.parametrize("case", ["a file outside the assets", "the same on localhost",
                                  "dot-dots out of the assets", "percent-encoded dot-dots",
                                  "http", "https", "ftp", "a data: URI"])
def test_render_pdf_fetches_nothing_outside_the_apps_assets(tmp_path, evil_file, web_server,
                                                            case):
    port, connections = web_server
    href = hostile_urls(evil_file, port)[case]
    pdf, log = logged_while(lambda: render_pdf(page_linking(href)))
    assert any("RefusedURL" in message for message in log), log
    assert left_of_first_word(pdf, tmp_path) < 100  # the stylesheet was not applied
    assert connections == []
    with urlopen(f"http://127.0.0.1:{port}/x.css") as answer:
        assert answer.read().decode() == EVIL_CSS
    assert len(connections) == 1


def test_render_pdf_reads_no_local_file_for_an_image():
    _pdf, log = logged_while(lambda: render_pdf('<img src="file:///etc/passwd"><p>x</p>'))
    assert any("RefusedURL" in message and "/etc/passwd" in message for message in log), log


def test_the_fetcher_follows_no_symlink_out_of_its_folder(tmp_path, evil_file):
    assets = tmp_path / "static"
    assets.mkdir()
    (assets / "own.css").write_text("p { color: red }")
    (assets / "link.css").symlink_to(evil_file)
    (assets / "linked-dir").symlink_to(evil_file.parent, target_is_directory=True)
    fetcher = StaticAssetFetcher(assets)
    assert fetcher.fetch((assets / "own.css").as_uri()).read() == b"p { color: red }"
    for escape in (assets / "link.css", assets / "linked-dir" / "evil.css"):
        with pytest.raises(RefusedURL):
            fetcher.fetch(escape.as_uri())
    with pytest.raises(RefusedURL):
        fetcher.fetch(assets.as_uri())  # a folder is not an asset


def test_loading_the_pdf_renderer_leaves_truncated_photos_refused():
    """WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES when imported; the evidence
    upload relies on Pillow refusing a truncated JPEG in every process that also prints PDFs."""
    probe = ("import hwc.vouchers.pdf\n"
             "from PIL import ImageFile\n"
             "print(ImageFile.LOAD_TRUNCATED_IMAGES)\n")
    answer = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parent.parent)
    assert answer.stdout.strip() == "False"


# A voucher issued late: its interest line, then the total that includes it, in both languages.

def test_a_late_voucher_prints_its_interest_line_and_the_total_in_words(app, ctx, demo, tmp_path):
    from datetime import date, timedelta

    from hwc.accounts.models import User
    from hwc.core.db import utcnow
    from hwc.regions.settings import jurisdiction_of
    from hwc.vouchers.operations import issue_voucher
    from hwc.vouchers.printing import voucher_document
    from hwc.vouchers.words import amount_in_words
    from tests.factories import make_claim
    from tests.test_interest import add_rate

    claim = make_claim("approved")
    claim.claimant.language = "ru"
    add_rate("CN-JL-HC", date(2000, 1, 1), "6")
    statutory = jurisdiction_of(claim)["pay_within_days"]
    claim.approved_at = utcnow() - timedelta(days=statutory + 12)
    voucher = issue_voucher(claim, actor=User.by_username("finance"))
    assert voucher.interest > 0 and voucher.office_language == "zh_Hans"
    with app.test_request_context():
        doc = voucher_document(voucher)
        data, log = logged_while(lambda: render_voucher(doc))
    path = Path(os.environ.get("HWC_KEEP_PDF", tmp_path)) / "late.pdf"
    path.write_bytes(data)
    text = glyphs(Rendering(path, log).text())
    assert doc.interest is not None
    for line in (doc.interest.office, doc.interest.payee):
        assert all(figure in line for figure in ("12", str(statutory), "6", "actual/365"))
        assert glyphs(line) in text
    assert glyphs(doc.interest_amount) in text and glyphs(doc.principal) in text
    assert glyphs(doc.total) in text
    for language in ("zh_Hans", "ru"):
        spelled = amount_in_words(voucher.amount, "CNY", language)
        assert glyphs(spelled) in text
        assert spelled != amount_in_words(voucher.principal, "CNY", language)
