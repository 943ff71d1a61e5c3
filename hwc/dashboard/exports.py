"""Exports of a filtered queue: CSV and XLSX with translated headers, GeoJSON for GIS; each
written out in pieces as the claims are read, so that its memory does not grow with its size."""

import csv
import io
import json
import tempfile
from collections.abc import Iterable, Iterator
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


# Rows are written out in pieces of about this many bytes: memory stays flat however many
# claims an export holds.
CHUNK_BYTES = 64 * 1024


def claims_csv(claims: Iterable[Claim]) -> Iterator[bytes]:
    """The CSV export, UTF-8 with a BOM (so that spreadsheets read it as UTF-8), as pieces."""
    out = io.StringIO()
    writer = csv.writer(out)
    cols = columns()
    out.write("\ufeff")
    writer.writerow([header for header, _value in cols])
    yield out.getvalue().encode("utf-8")  # the download starts before any claim is read
    out.seek(0)
    out.truncate()
    for claim in claims:
        writer.writerow([safe_cell(str(value(claim))) for _header, value in cols])
        if out.tell() >= CHUNK_BYTES:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def claims_xlsx(claims: Iterable[Claim]) -> Iterator[bytes]:
    """The XLSX export: a write-only workbook (rows go to disk as they come), saved to a
    temporary file that is then read out in pieces."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Claims")[:31])
    cols = columns()
    sheet.append([header for header, _value in cols])
    for claim in claims:
        sheet.append([safe_cell(str(value(claim))) for _header, value in cols])
    with tempfile.TemporaryFile() as out:
        workbook.save(out)
        out.seek(0)
        while piece := out.read(CHUNK_BYTES):
            yield piece


def feature(claim: Claim) -> dict:
    zone = local(claim)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [float(claim.lon), float(claim.lat)]},
        "properties": {"code": claim.display_code, "status": str(claim.status),
                       "status_label": claim.status.title, "species": str(claim.species),
                       "village": claim.village.code, "time_zone": zone.key,
                       "occurred_at": claim.occurred_at.astimezone(zone).isoformat(),
                       "currency": claim.currency,
                       "claimed": money_string(claim.claimed_total, claim.currency),
                       "approved": money_string(claim.approved_total, claim.currency)},
    }


def claims_geojson(claims: Iterable[Claim]) -> Iterator[bytes]:
    """A GeoJSON FeatureCollection of the claims that have a GPS point, as pieces."""
    yield b'{"type": "FeatureCollection", "features": ['
    parts, size, separator = [], 0, ""
    for claim in claims:
        if claim.lat is None or claim.lon is None:
            continue
        text = separator + json.dumps(feature(claim), ensure_ascii=False)
        parts.append(text)
        size += len(text)
        separator = ", "
        if size >= CHUNK_BYTES:
            yield "".join(parts).encode("utf-8")
            parts, size = [], 0
    parts.append("]}")
    yield "".join(parts).encode("utf-8")
