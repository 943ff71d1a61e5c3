"""Fixture factories for claims: request bodies, photos, rate schedules and claims in any status."""

import io
import math
import struct
import uuid
import zlib
from datetime import date, timedelta

from PIL import Image

from hwc.accounts.models import User
from hwc.claims.evidence import add_evidence
from hwc.claims.models import Claim, ClaimStatus
from hwc.claims.operations import create_claim
from hwc.claims.validation import parse_claim_input
from hwc.core.db import utcnow
from hwc.demo.claims import PATH, PAYING_PATH
from hwc.extensions import db
from hwc.rates.importer import import_schedule
from hwc.regions.models import Region
from hwc.regions.settings import store_region_setting
from hwc.workflow.service import perform

HUNCHUN_RATES = """kind,category,condition,unit,basis,rate,cap,currency
livestock,cattle,dead,head,per_unit,6000,,CNY
livestock,cattle,injured,head,percent_of_value,50,3000,CNY
livestock,sheep,,head,per_unit,800,,CNY
livestock,pig,,head,percent_of_value,80,1500,CNY
crop,maize,,mu,per_unit,450,,CNY
crop,rice,,mu,per_unit,600,,CNY
property,fence,,item,per_unit,200,,CNY
"""


def jpeg_bytes(color=(120, 90, 40), size=(64, 48), exif=None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    if exif is not None:
        image.save(out, format="JPEG", exif=exif)
    else:
        image.save(out, format="JPEG")
    return out.getvalue()


def one_colour_png(width: int, height: int, *, rows: int | None = None) -> bytes:
    """A black 1-bit PNG of any size, written row by row: 50 megapixels take a few KB. With
    ``rows`` only that many rows of pixel data follow the header (a header that lies)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))

    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8 if rows is None else 2)
    data = b"".join(packer.compress(row) for _ in range(height if rows is None else rows))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", data + packer.flush()) + chunk(b"IEND", b""))


def grey_jpeg(width: int, height: int, *, interleaved: bool) -> bytes:
    """A mid-grey 4:4:4 JPEG written by hand, its three components in one scan or in three
    (sequential, not progressive). Tables with a single one-bit code make every block two zero
    bits, so 25 megapixels take a few hundred KB."""

    def segment(marker: int, body: bytes) -> bytes:
        return b"\xff" + bytes([marker]) + struct.pack(">H", len(body) + 2) + body

    one_code = bytes([1] + [0] * 15) + b"\x00"
    parts = [b"\xff\xd8", segment(0xDB, b"\x00" + bytes([1] * 64)),
             segment(0xC0, struct.pack(">BHHB", 8, height, width, 3)
                     + b"".join(bytes([c, 0x11, 0]) for c in (1, 2, 3))),
             segment(0xC4, b"\x00" + one_code), segment(0xC4, b"\x10" + one_code)]
    blocks = math.ceil(width / 8) * math.ceil(height / 8)
    for scan in [(1, 2, 3)] if interleaved else [(1,), (2,), (3,)]:
        bits = 2 * blocks * len(scan)
        padding = bytes([(1 << (8 - bits % 8)) - 1]) if bits % 8 else b""
        parts.append(segment(0xDA, bytes([len(scan)]) + b"".join(bytes([c, 0]) for c in scan)
                             + b"\x00\x3f\x00") + bytes(bits // 8) + padding)
    return b"".join(parts) + b"\xff\xd9"


def set_region_setting(code: str, key: str, value) -> None:
    """Set one of a region's own settings (None: inherit again), as the demo loader does."""
    store_region_setting(Region.by_code(code), key, value)


def claim_body(village="CN-JL-HC-CH-CM", **overrides) -> dict:
    occurred = (utcnow() - timedelta(hours=6)).replace(microsecond=0)
    body = {
        "client_uuid": str(uuid.uuid4()),
        "village": village,
        "claimant": {"name": "张桂兰", "phone": "+8613800000001", "language": "zh_Hans",
                     "id_number": "222401196501011234"},
        "incident": {"occurred_at": occurred.isoformat(), "species": "amur_tiger",
                     "lat": 43.1234, "lon": 130.9876, "narrative": "夜间老虎咬死两头牛"},
        "losses": [
            {"kind": "livestock", "category": "cattle", "condition": "dead", "quantity": "2",
             "unit": "head", "claimed_value": "14000.00"},
            {"kind": "crop", "category": "maize", "condition": "damaged", "quantity": "3.5",
             "unit": "mu"},
        ],
    }
    body.update(overrides)
    return body


def import_rates(region_code="CN-JL-HC", text=HUNCHUN_RATES,
                 effective_from=date(2020, 1, 1), name=None, actor=None):
    """Import a schedule as ``actor`` (None: the system, like the command line)."""
    return import_schedule(text, region=Region.by_code(region_code),
                           effective_from=effective_from, name=name, actor=actor)


S = ClaimStatus
# Statuses after approval: vouchers and payments (closed has no step yet: it is set directly).
PAST_APPROVAL = (S.voucher_issued, S.paid, S.closed)
WITHDRAW = ("withdraw", "officer", {"comment": "The claimant asked to withdraw."})


def steps_to(status: ClaimStatus) -> list:
    """The workflow steps (action, username, data) that lead a new claim to ``status``."""
    if status == S.withdrawn:
        return [*PATH["submitted"], WITHDRAW]
    return PATH["approved" if status in PAST_APPROVAL else status.value]


def make_claim(status="draft", officer="officer", photo=True, body=None) -> Claim:
    """The one claim factory: a claim filed by ``officer`` (the demo world's; ``body`` from
    ``claim_body``) and taken to ``status`` (a ``ClaimStatus`` or its value) by the demo users,
    through the workflow wherever the table leads there. "approved" includes a senior's second
    approval when the amount needs one; then finance issues the voucher and records the payment
    (``closed``, which no step reaches yet, is set directly after payment).
    Needs the ``demo`` fixture (its rate schedules price the claim)."""
    status = ClaimStatus(status)
    actor = User.by_username(officer)
    claim, _created = create_claim(parse_claim_input(body or claim_body(), actor), actor=actor)
    if photo:
        add_evidence(claim, jpeg_bytes(), actor=actor, original_name="cow.jpg")
    for action, username, data in steps_to(status):
        perform(claim, action, actor=User.by_username(username), **data)
    if status in (S.approved, *PAST_APPROVAL) and claim.status == S.awaiting_second_approval:
        perform(claim, "approve", actor=User.by_username("senior"))
    for action, username, data in PAYING_PATH.get("paid" if status == S.closed else status.value,
                                                  []):
        perform(claim, action, actor=User.by_username(username), **data)
    if status == S.closed:
        claim.status = status
    db.session.flush()
    return claim


def make_khasansky_claim(status="approved") -> Claim:
    """A claim of Slavyanka's neighbour Barabash (Khasansky, Russia: roubles, Vladivostok time)
    taken to ``status`` by the Russian demo users; crops only, so it needs no photo."""
    officer = User.by_username("ru_officer")
    body = claim_body(village="RU-PRI-KHS-BR", claimant={
        "name": "Иван Петров", "phone": "+79241230101", "language": "ru"})
    body["losses"] = body["losses"][1:]
    claim, _created = create_claim(parse_claim_input(body, officer), actor=officer)
    for action, username, data in PATH[status]:
        perform(claim, action, actor=User.by_username("ru_" + username), **data)
    return claim
