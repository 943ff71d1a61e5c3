"""Fixture factories for claims: request bodies, photos, rate schedules and claims in any status."""

import io
import uuid
from datetime import date, timedelta

from PIL import Image

from hwc.accounts.models import User
from hwc.claims.evidence import add_evidence
from hwc.claims.models import Claim, ClaimStatus
from hwc.claims.operations import create_claim
from hwc.claims.validation import parse_claim_input
from hwc.core.db import utcnow
from hwc.demo.claims import PATH
from hwc.extensions import db
from hwc.rates.importer import import_schedule
from hwc.regions.models import Region
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
                 effective_from=date(2020, 1, 1), name=None):
    return import_schedule(text, region=Region.by_code(region_code),
                           effective_from=effective_from, name=name)


def make_claim(status="draft", officer="officer", photo=True, body=None) -> Claim:
    """A claim filed by ``officer`` and taken through the workflow to ``status`` by the demo
    users (needs the ``demo`` fixture, and a rate schedule for verified and beyond)."""
    actor = User.by_username(officer)
    claim, _created = create_claim(parse_claim_input(body or claim_body(), actor), actor=actor)
    if photo:
        add_evidence(claim, jpeg_bytes(), actor=actor, original_name="cow.jpg")
    for action, username, data in PATH[status]:
        perform(claim, action, actor=User.by_username(username), **data)
    if status == "approved" and claim.status == ClaimStatus.awaiting_second_approval:
        perform(claim, "approve", actor=User.by_username("senior"))
    db.session.flush()
    return claim
