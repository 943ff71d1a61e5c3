"""Uploads never cost more than a bounded amount: pixel limits read from the header, large JPEGs
decoded at reduced size, one heavy decode per worker process, every metadata block dropped, and
anything else refused with a clear message and nothing stored (issue 8, finding 9)."""

import io
import struct
import threading
import time
import zipfile
import zlib
from datetime import UTC

import pytest
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms, ImageFile, PngImagePlugin
from sqlalchemy import func, select

from hwc.accounts.models import User
from hwc.audit.models import AuditEvent
from hwc.claims import photos
from hwc.claims.evidence import add_evidence, evidence_bytes, evidence_path, upload_dir
from hwc.claims.models import Evidence
from hwc.claims.photos import EvidenceRejected
from hwc.extensions import db
from tests.factories import claim_body, grey_jpeg, jpeg_bytes, make_claim, one_colour_png
from tests.test_filing_pages import errors, through_losses

SCRIPT = b"<script>alert(1)</script>"
TOO_MANY_PIXELS = "The photo has too many pixels."
DAMAGED = "This file is not a photo, or it is damaged."
WRONG_FORMAT = "Only JPEG, PNG or WebP photos can be uploaded."
BUSY = "try again in a moment"
EXIF_IFD, GPS_IFD, ORIENTATION = 0x8769, 0x8825, 0x0112
RED, BLUE = (220, 20, 20), (20, 20, 220)


# --- building photos, honest and hostile -----------------------------------------------------

def with_jpeg_size(jpeg: bytes, width: int, height: int) -> bytes:
    """The same JPEG with its frame header (SOF) claiming another size."""
    for marker, start, _body in jpeg_segments(jpeg)[0]:
        if marker in (0xC0, 0xC1, 0xC2):
            return (jpeg[:start + 1] + struct.pack(">HH", height, width)
                    + jpeg[start + 5:])
    raise AssertionError("no frame header")


def with_webp_canvas(webp: bytes, width: int, height: int) -> bytes:
    """An extended-format WebP with its canvas header (VP8X) claiming another size."""
    assert webp[12:16] == b"VP8X"
    return webp[:24] + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little") \
        + webp[30:]


def with_segments(jpeg: bytes, *segments: tuple[int, bytes]) -> bytes:
    """The JPEG with extra marker segments (APPn, COM) right after its start."""
    extra = b"".join(b"\xff" + bytes([marker]) + struct.pack(">H", len(body) + 2) + body
                     for marker, body in segments)
    return jpeg[:2] + extra + jpeg[2:]


def hostile_exif() -> Image.Exif:
    """EXIF with script in its text tags, and the capture time and GPS that the system reads."""
    exif = Image.Exif()
    exif[270] = SCRIPT.decode()  # ImageDescription
    exif[315] = "Artist " + SCRIPT.decode()
    exif[305] = "Software " + SCRIPT.decode()
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (43, 7, 12.5), 3: "E", 4: (130, 59, 15.0)})
    exif.get_ifd(EXIF_IFD)[36867] = "2026:11:20 06:30:00"
    return exif


XMP = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
       b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description>'
       + SCRIPT + b"</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>")
ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes() + SCRIPT
IPTC = (b"Photoshop 3.0\x008BIM\x04\x04\x00\x00" + struct.pack(">I", len(SCRIPT) + 5)
        + b"\x1c\x02\x78" + struct.pack(">H", len(SCRIPT)) + SCRIPT + b"\x00")


def zip_with_html() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("index.html", b"<html>" + SCRIPT + b"</html>")
    return out.getvalue()


def picture(size=(64, 48), colour=RED, mode="RGB") -> Image.Image:
    return Image.new(mode, size, colour if mode == "RGB" else 0)


def saved(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def hostile_jpeg(size=(64, 48), **options) -> bytes:
    """A JPEG carrying script in every metadata block a JPEG can hold, and a ZIP after its end."""
    jpeg = saved(picture(size), "JPEG", comment=SCRIPT, exif=hostile_exif(), xmp=XMP,
                 icc_profile=ICC, **options)
    return with_segments(jpeg, (0xED, IPTC), (0xEF, b"HWC-PROBE\x00" + SCRIPT),
                         (0xFE, b"second comment " + SCRIPT)) + zip_with_html()


def hostile_png(frames=1) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SCRIPT.decode())
    info.add_text("Description", SCRIPT.decode(), zip=True)
    info.add_itxt("Title", SCRIPT.decode(), lang="en", tkey="title", zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    more = {"save_all": True, "append_images": [picture(colour=BLUE)] * (frames - 1)} \
        if frames > 1 else {}
    return saved(picture(), "PNG", pnginfo=info, icc_profile=ICC, exif=hostile_exif(),
                 **more) + b"<html>" + SCRIPT


def hostile_webp(frames=1) -> bytes:
    more = {"save_all": True, "append_images": [picture(colour=BLUE)] * (frames - 1)} \
        if frames > 1 else {}
    return saved(picture(), "WEBP", exif=hostile_exif(), xmp=XMP, icc_profile=ICC, **more)


def hostile_mpo() -> bytes:
    """Two JPEG frames in one file, the way phones keep a depth map or a second lens."""
    return saved(picture(), "MPO", save_all=True, append_images=[picture(colour=BLUE)],
                 comment=SCRIPT, exif=hostile_exif())


HOSTILE = {
    "jpeg": hostile_jpeg,
    "progressive-jpeg": lambda: hostile_jpeg(progressive=True),
    "large-jpeg": lambda: hostile_jpeg(size=(6000, 3000)),
    "mpo": hostile_mpo,
    "png": hostile_png,
    "apng": lambda: hostile_png(frames=2),
    "webp": hostile_webp,
    "animated-webp": lambda: hostile_webp(frames=2),
}


# --- reading what was stored -----------------------------------------------------------------

def jpeg_segments(data: bytes) -> tuple[list[tuple[int, int, bytes]], bytes]:
    """Every marker of a JPEG in order as (marker, offset of its body, body), and the bytes
    after its end (EOI)."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    segments, position = [(0xD8, 2, b"")], 2
    while True:
        assert data[position] == 0xFF, f"no marker at byte {position}"
        marker, position = data[position + 1], position + 2
        if marker == 0xD9:
            segments.append((marker, position, b""))
            return segments, data[position:]
        length = int.from_bytes(data[position:position + 2], "big")
        segments.append((marker, position + 2, data[position + 2:position + length]))
        position += length
        if marker == 0xDA:  # entropy-coded data: skip stuffed bytes (FF00) and restarts (FFDn)
            while data[position] != 0xFF or data[position + 1] in (0, *range(0xD0, 0xD8)):
                position += 1


# Start and end of image, frame headers, Huffman and quantisation tables, restart interval and
# scans: a JPEG needs nothing more, and carries nothing more once cleaned.
BARE_MARKERS = {0xD8, 0xD9, 0xC0, 0xC1, 0xC2, 0xC4, 0xDB, 0xDD, 0xDA}


def assert_bare_jpeg(data: bytes) -> None:
    segments, tail = jpeg_segments(data)
    assert tail == b"", "bytes after the end of the image"
    for marker, _start, body in segments:
        if marker == 0xE0:  # the JFIF header that libjpeg writes: version and pixel density
            assert body.startswith(b"JFIF\x00") and len(body) == 14, body
        else:
            assert marker in BARE_MARKERS, f"marker FF{marker:02X} survived: {body[:40]!r}"
    assert SCRIPT not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert set(image.info) <= {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi"}


def stored_files() -> set[str]:
    return {path.name for path in upload_dir().iterdir()}


def evidence_events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "add_evidence"))


# --- fixtures ---------------------------------------------------------------------------------

@pytest.fixture
def claim(ctx, demo):
    """A draft claim without photos, in an English app context."""
    with force_locale("en"):
        yield make_claim("draft", photo=False)


def add(claim, data: bytes, name="photo.jpg") -> Evidence:
    return add_evidence(claim, data, actor=User.by_username("officer"), original_name=name)


def refusal(claim, data: bytes) -> str:
    files, events = stored_files(), evidence_events()
    with pytest.raises(EvidenceRejected) as refused:
        add(claim, data)
    assert stored_files() == files, "a refused photo left a file behind"
    assert claim.evidence == [] and evidence_events() == events
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0
    return refused.value.message


@pytest.fixture
def officer_api(app, demo):
    """A test client for the demo officer's token, answering in English, and a filed draft."""
    client = app.test_client()
    token = client.post("/api/v1/token", json={"username": "officer", "password": demo})
    headers = {"Authorization": f"Bearer {token.get_json()['token']}", "Accept-Language": "en"}
    code = client.post("/api/v1/claims", json=claim_body(), headers=headers).get_json()["code"]

    def upload(data: bytes, name="photo.jpg", content_type="image/jpeg"):
        return client.post(f"/api/v1/claims/{code}/evidence", headers=headers,
                           data={"file": (io.BytesIO(data), name, content_type)})

    upload.get = lambda url: client.get(url, headers=headers)
    return upload


@pytest.fixture
def officer_page(login_as):
    client = login_as("officer")
    client.post("/language", data={"language": "en"})
    base = through_losses(client)

    def upload(data: bytes, name="photo.jpg"):
        return client.post(base + "/photos", data={"photos": [(io.BytesIO(data), name)],
                                                   "upload": "1"})

    return upload


# --- pixel limits, read from the header --------------------------------------------------------

def test_the_probes_50_megapixel_one_colour_png_is_refused_as_too_many_pixels(officer_api):
    data = one_colour_png(10_000, 5_000)
    assert len(data) < 150_000
    response = officer_api(data, "field.png", "image/png")
    assert response.status_code == 422
    assert response.get_json()["errors"]["file"] == [TOO_MANY_PIXELS]


@pytest.mark.parametrize(("width", "height"), [
    (4097, 4096),  # just above the limit for formats decoded at full size
    (10_000, 10_000),  # above Pillow's decompression bomb warning
    (20_000, 10_000),  # above Pillow's decompression bomb error
])
def test_every_png_above_the_limit_is_refused_as_too_many_pixels(claim, width, height):
    assert refusal(claim, one_colour_png(width, height)) == TOO_MANY_PIXELS


@pytest.mark.parametrize(("width", "height"), [(4097, 4096), (65_535, 65_535), (2**31 - 1, 1)])
def test_a_png_header_claiming_too_many_pixels_is_refused_before_decoding(claim, width, height):
    assert refusal(claim, one_colour_png(width, height, rows=1)) == TOO_MANY_PIXELS


@pytest.mark.parametrize(("width", "height"), [
    (10_001, 8000),  # just above the limit for baseline JPEG (80 megapixels)
    (10_000, 10_000), (20_000, 10_000), (65_535, 65_535)])
def test_a_jpeg_header_claiming_too_many_pixels_is_refused_before_decoding(claim, width,
                                                                            height):
    data = with_jpeg_size(jpeg_bytes(), width, height)
    assert refusal(claim, data) == TOO_MANY_PIXELS


def test_a_progressive_jpeg_has_the_limit_of_formats_decoded_at_full_size(claim):
    """libjpeg keeps every coefficient of a progressive JPEG in memory, whatever the scale."""
    image = picture((4097, 4096), mode="L")
    assert refusal(claim, saved(image, "JPEG", progressive=True)) == TOO_MANY_PIXELS
    assert add(claim, saved(image, "JPEG")).width == photos.MAX_SIDE


def test_a_jpeg_with_its_colours_in_separate_scans_has_the_full_size_limit(claim):
    """Sequential, but libjpeg must keep every coefficient until the last scan: 25 MP in 300 KB
    would cost about 200 MB. The same picture in one scan is decoded at reduced size."""
    assert refusal(claim, grey_jpeg(5000, 5000, interleaved=False)) == TOO_MANY_PIXELS
    evidence = add(claim, grey_jpeg(5000, 5000, interleaved=True))
    assert (evidence.width, evidence.height) == (photos.MAX_SIDE, photos.MAX_SIDE)


@pytest.mark.parametrize(("width", "height"), [(4097, 4096), (16_384, 16_384)])
def test_a_webp_header_claiming_too_many_pixels_is_refused_before_decoding(claim, width,
                                                                            height):
    data = with_webp_canvas(saved(picture(), "WEBP", exif=hostile_exif()), width, height)
    assert refusal(claim, data) == TOO_MANY_PIXELS


@pytest.mark.parametrize(("width", "height"), [
    (4032, 3024),  # 12 MP, most phones
    (8160, 6120),  # 50 MP
    (9248, 6936),  # 64 MP
])
def test_real_phone_photos_are_accepted_and_stored_at_most_max_side(claim, width, height):
    evidence = add(claim, saved(picture((width, height), mode="L"), "JPEG"))
    assert max(evidence.width, evidence.height) == photos.MAX_SIDE
    assert abs(evidence.width / evidence.height - width / height) < 0.01


def test_a_png_at_the_full_decode_limit_is_accepted(claim):
    evidence = add(claim, one_colour_png(4096, 4096), "scan.png")
    assert (evidence.width, evidence.height) == (photos.MAX_SIDE, photos.MAX_SIDE)


# --- decoding at reduced size --------------------------------------------------------------------

def test_a_large_jpeg_is_decoded_at_reduced_size(claim, monkeypatch):
    """Memory follows the size of what is stored, not of what was sent: the decoder's output
    is at most four times the stored picture (twice on each side)."""
    decoded = []
    real_load = ImageFile.ImageFile.load

    def recording_load(image):
        decoded.append(image.size)
        return real_load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", recording_load)
    evidence = add(claim, saved(picture((8000, 6000), mode="L"), "JPEG"))
    width, height = decoded[0]
    assert width * height <= 4 * evidence.width * evidence.height, decoded


@pytest.mark.parametrize(("orientation", "size", "top_left", "bottom_right"), [
    (1, (2560, 1280), RED, BLUE),
    (3, (2560, 1280), BLUE, RED),  # upside down
    (6, (1280, 2560), RED, BLUE),  # turned right: what was on the left is on top
    (8, (1280, 2560), BLUE, RED),  # turned left
])
def test_orientation_is_applied_to_a_jpeg_decoded_at_reduced_size(claim, orientation, size,
                                                                   top_left, bottom_right):
    image = picture((6000, 3000), colour=RED)
    image.paste(BLUE, (3000, 0, 6000, 3000))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    evidence = add(claim, saved(image, "JPEG", exif=exif))
    with Image.open(evidence_path(evidence)) as stored:
        assert stored.size == size
        stored = stored.convert("RGB")
        corners = {(10, 10): top_left, (size[0] - 10, size[1] - 10): bottom_right}
        for corner, colour in corners.items():
            pixel = stored.getpixel(corner)
            assert max(abs(a - b) for a, b in zip(pixel, colour, strict=True)) < 30, corner


# --- no metadata survives ------------------------------------------------------------------------

def test_a_jpeg_comment_carrying_script_does_not_survive(claim):
    evidence = add(claim, saved(picture(), "JPEG", comment=SCRIPT))
    stored = evidence_path(evidence).read_bytes()
    assert SCRIPT not in stored
    assert 0xFE not in [marker for marker, _start, _body in jpeg_segments(stored)[0]]


@pytest.mark.parametrize("kind", HOSTILE)
def test_no_metadata_block_survives_and_capture_time_and_gps_are_read_first(claim, kind):
    evidence = add(claim, HOSTILE[kind](), f"hostile.{kind}")
    assert_bare_jpeg(evidence_path(evidence).read_bytes())
    assert_bare_jpeg(evidence_bytes(evidence, viewer=evidence.uploaded_by))
    assert_bare_jpeg(evidence_bytes(evidence, viewer=evidence.uploaded_by, thumb=True))
    assert evidence.captured_at is not None and evidence.lat is not None, kind


@pytest.mark.parametrize("kind", ["mpo", "apng", "animated-webp"])
def test_only_the_first_frame_of_a_multi_frame_image_is_kept(claim, kind):
    evidence = add(claim, HOSTILE[kind]())
    with Image.open(evidence_path(evidence)) as stored:
        assert getattr(stored, "n_frames", 1) == 1
        red, _green, blue = stored.convert("RGB").getpixel((5, 5))
        assert red > 150 and blue < 100


def test_the_api_serves_a_bare_jpeg_whatever_the_name_and_content_type(officer_api):
    response = officer_api(hostile_png(), "invoice.exe", "application/x-msdownload")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["content_type"] == "image/jpeg"
    served = officer_api.get(response.get_json()["url"])
    assert served.mimetype == "image/jpeg"
    assert_bare_jpeg(served.data)


# --- bad files: a clear message and nothing stored -----------------------------------------------

def png_with_text_bomb() -> bytes:
    """A 74 KB PNG whose compressed text chunks inflate to 70 MB, read before any pixel."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))

    text = zlib.compress(b"a" * (1024 * 1024 - 1), 9)
    png = saved(picture((8, 8), mode="L"), "PNG")
    return png[:33] + b"".join(chunk(b"zTXt", b"k%d\x00\x00" % n + text)
                               for n in range(70)) + png[33:]


BAD_FILES = {
    "empty": (b"", "The file is empty."),
    "truncated-jpeg": (saved(picture((640, 480)), "JPEG")[:2000], DAMAGED),
    "truncated-png": (saved(picture((640, 480)), "PNG")[:300], DAMAGED),
    "truncated-webp": (hostile_webp()[:200], DAMAGED),
    "jpeg-header-only": (jpeg_bytes()[:400], DAMAGED),
    "html-named-jpg": (b"<html>" + SCRIPT + b"</html>", DAMAGED),
    "png-signature-then-html": (b"\x89PNG\r\n\x1a\n<html>" + SCRIPT, DAMAGED),
    "jpeg-start-then-html": (b"\xff\xd8\xff\xe0<html>" + SCRIPT, DAMAGED),
    "zip": (zip_with_html(), DAMAGED),
    "pdf": (b"%PDF-1.4\n1 0 obj<<>>endobj\n" + SCRIPT, DAMAGED),
    "gif": (saved(picture(), "GIF"), WRONG_FORMAT),
    "gif-with-script": (saved(picture(), "GIF", comment=SCRIPT), WRONG_FORMAT),
    "bmp": (saved(picture(), "BMP"), WRONG_FORMAT),
    "tiff": (saved(picture(), "TIFF"), WRONG_FORMAT),
    "png-text-bomb": (png_with_text_bomb(), DAMAGED),
    "heic": (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64), WRONG_FORMAT),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_a_bad_file_gets_a_clear_message_and_nothing_is_stored(claim, kind):
    data, message = BAD_FILES[kind]
    assert refusal(claim, data) == message


@pytest.mark.parametrize("kind", ["empty", "truncated-jpeg", "html-named-jpg", "gif"])
def test_the_api_refuses_a_bad_file_with_422_and_its_message(officer_api, kind):
    data, message = BAD_FILES[kind]
    response = officer_api(data)
    assert response.status_code == 422
    assert response.get_json()["errors"]["file"] == [message]


def test_the_tablet_page_refuses_too_many_pixels_with_a_form_error(officer_page):
    response = officer_page(one_colour_png(10_000, 10_000), "bomb.png")
    assert response.status_code == 422
    assert errors(response) == [f"bomb.png: {TOO_MANY_PIXELS}"]


# --- one heavy decode at a time ------------------------------------------------------------------

def test_at_most_one_photo_is_read_or_decoded_at_a_time_in_a_process(app, monkeypatch):
    """Six uploads at once from threads, photos and a header bomb: the header reads and the
    decodes, instrumented by wrapping, never overlap."""
    active = peak = 0
    count_lock = threading.Lock()

    def counted(step):
        def counting_step(*args, **kwargs):
            nonlocal active, peak
            with count_lock:
                active += 1
                peak = max(peak, active)
            try:
                time.sleep(0.05)  # widen the window in which overlapping steps would be seen
                return step(*args, **kwargs)
            finally:
                with count_lock:
                    active -= 1
        return counting_step

    monkeypatch.setattr(photos, "_opened", counted(photos._opened))
    monkeypatch.setattr(photos, "_reencode", counted(photos._reencode))
    uploads = [saved(picture((3000, 2000)), "JPEG")] * 4 + [png_with_text_bomb()] * 2
    start, outcomes = threading.Barrier(len(uploads)), []

    def upload(data):
        with app.app_context(), force_locale("en"):
            start.wait()
            try:
                outcomes.append(photos.clean_photo(data, zone=UTC).width)
            except EvidenceRejected as refused:
                outcomes.append(refused.message)
            except Exception as error:  # reported by the assertion below
                outcomes.append(error)

    threads = [threading.Thread(target=upload, args=(data,)) for data in uploads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [photos.MAX_SIDE] * 4 + [DAMAGED] * 2
    assert peak == 1


@pytest.fixture
def busy(app, monkeypatch):
    """Another upload holds this process's decode slot longer than a request will wait."""
    monkeypatch.setitem(app.config, "HWC_PHOTO_WAIT_SECONDS", 0.05)
    with app.app_context(), photos.decode_slot():
        yield


def test_when_decoding_is_busy_the_api_answers_503_and_stores_nothing(officer_api, app, busy):
    files = stored_files()
    response = officer_api(jpeg_bytes())
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert response.content_type == "application/problem+json"
    assert BUSY in response.get_json()["detail"]
    assert stored_files() == files
    assert db.session.scalar(select(func.count()).select_from(Evidence)) == 0


def test_when_decoding_is_busy_the_tablet_page_shows_a_form_error(officer_page, busy):
    response = officer_page(jpeg_bytes(), "cow.jpg")
    assert response.status_code == 422
    assert len(errors(response)) == 1 and BUSY in errors(response)[0]


# --- any damage: refused with a message, or stored bare ---------------------------------------

SEEDS = [hostile_jpeg(), saved(picture(), "JPEG", progressive=True, comment=SCRIPT),
         hostile_mpo(), hostile_png(), hostile_png(frames=2), hostile_webp(),
         hostile_webp(frames=2)]


@st.composite
def damaged(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip":
            data[position] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[position:position + draw(st.integers(1, 64))]
        else:
            data[position:position] = draw(st.binary(min_size=1, max_size=16))
        if not data:
            break
    return bytes(data)


# Pillow reports damaged metadata with a UserWarning and reads on; production logs it, and so
# does this test, instead of turning it into an error as the rest of the suite does.
@pytest.mark.filterwarnings("ignore::UserWarning:PIL")
@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=damaged())
def test_a_damaged_photo_is_refused_with_a_message_or_stored_bare(app, data):
    with app.app_context(), force_locale("en"):
        try:
            photo = photos.clean_photo(data, zone=UTC)
        except EvidenceRejected as refused:
            assert refused.message in {DAMAGED, TOO_MANY_PIXELS, WRONG_FORMAT}
        else:
            assert_bare_jpeg(photo.jpeg)


# --- a save retried after a dropped connection stores a photo once ----------------------------

def test_the_same_photo_sent_again_to_a_claim_is_kept_once(claim):
    data = jpeg_bytes((90, 120, 30))
    first = add(claim, data)
    again = add(claim, data, name="retry.jpg")
    assert again.id == first.id
    assert len(claim.evidence) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.claim_id == claim.id, AuditEvent.action == "add_evidence")) == 1
    other = add(claim, jpeg_bytes((10, 200, 30)))  # another photo is another photo
    assert len(claim.evidence) == 2 and other.id != first.id


def test_a_photo_upload_retried_through_the_page_leaves_one_photo(officer_page, app):
    data = jpeg_bytes((200, 30, 30))
    assert officer_page(data).status_code == 302
    assert officer_page(data).status_code == 302  # the retry of a save whose answer was lost
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Evidence)) == 1
