"""Titles of the reason codes given when a claim is returned or rejected."""

from flask_babel import lazy_gettext as _l

REASON_TITLES = {
    "not_wildlife": _l("Not caused by a wild animal"),
    "outside_area": _l("Outside the compensation area"),
    "insufficient_evidence": _l("Not enough evidence"),
    "duplicate": _l("Duplicate of another claim"),
    "late_report": _l("Reported too late"),
    "not_eligible": _l("Loss not eligible"),
    "fraud_suspected": _l("Suspected fraud"),
    "other": _l("Other reason"),
}


def reason_title(code: str | None) -> str:
    return str(REASON_TITLES.get(code, code or ""))
