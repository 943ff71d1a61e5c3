"""Exports of a filtered queue: CSV and XLSX with translated headers, GeoJSON for GIS."""

import csv
import io
import json
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from openpyxl import Workbook

from hwc.claims.models import Claim
from hwc.core.money import money_string
from hwc.core.spreadsheet import safe_cell
from hwc.regions.settings import jurisdiction_of


def local(claim: Claim) -> ZoneInfo:
    """The claim's village's time zone: exported times are local there, with the offset."""
    return jurisdiction_of(claim).zone


def columns() -> list[tuple[str, callable]]:
    """(translated header, value of a claim) for each exported column."""
    return [
        (_("Claim code"), lambda c: c.display_code),
        (_("Status"), lambda c: c.status.title),
        (_("Village"), lambda c: c.village.display_name()),
        (_("Claimant"), lambda c: c.claimant.name),
        (_("Animal responsible"), lambda c: c.species.title),
        (_("Time zone"), lambda c: local(c).key),
        (_("Incident time (local)"), lambda c: c.occurred_at.astimezone(local(c)).isoformat()),
        (_("Reported (local)"), lambda c: c.reported_at.astimezone(local(c)).isoformat()),
        (_("Latitude"), lambda c: str(c.lat) if c.lat is not None else ""),
        (_("Longitude"), lambda c: str(c.lon) if c.lon is not None else ""),
        (_("Currency"), lambda c: c.currency),
        (_("Claimed"), lambda c: money_string(c.claimed_total, c.currency) or ""),
        (_("Assessed"), lambda c: money_string(c.assessed_total, c.currency) or ""),
        (_("Approved"), lambda c: money_string(c.approved_total, c.currency) or ""),
        (_("Due (local)"), lambda c: c.due_at.astimezone(local(c)).isoformat() if c.due_at
         else ""),
    ]


def claims_csv(claims: list[Claim]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    cols = columns()
    writer.writerow([header for header, _value in cols])
    for claim in claims:
        writer.writerow([safe_cell(str(value(claim))) for _header, value in cols])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def claims_xlsx(claims: list[Claim]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Claims")[:31]
    cols = columns()
    sheet.append([header for header, _value in cols])
    for claim in claims:
        sheet.append([safe_cell(str(value(claim))) for _header, value in cols])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def claims_geojson(claims: list[Claim]) -> bytes:
    features = [{
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [float(c.lon), float(c.lat)]},
        "properties": {"code": c.display_code, "status": str(c.status),
                       "status_label": c.status.title, "species": str(c.species),
                       "village": c.village.code, "time_zone": local(c).key,
                       "occurred_at": c.occurred_at.astimezone(local(c)).isoformat(),
                       "currency": c.currency,
                       "claimed": money_string(c.claimed_total, c.currency),
                       "approved": money_string(c.approved_total, c.currency)},
    } for c in claims if c.lat is not None and c.lon is not None]
    return json.dumps({"type": "FeatureCollection", "features": features},
                      ensure_ascii=False).encode("utf-8")
