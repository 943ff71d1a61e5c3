"""The dashboard's charts as data (translated titles and labels); Chart.js, vendored under
hwc/static/vendor, draws them in the browser."""

from flask_babel import gettext as _

from hwc.claims.models import ClaimStatus, Species
from hwc.dashboard.stats import Dashboard

STEP_TITLES = {"inspect_by": lambda: _("Inspection"), "decide_by": lambda: _("Decision"),
               "pay_by": lambda: _("Payment")}


def _chart(title: str, labels: list[str], values: list, kind: str = "bar",
           horizontal: bool = True) -> dict:
    return {"title": title, "labels": labels, "values": values, "type": kind,
            "horizontal": horizontal, "series": _("Claims")}


def charts(board: Dashboard) -> dict[str, dict]:
    """Every chart of the dashboard, keyed by name."""
    statuses = [s for s in ClaimStatus if board.by_status.get(s)]
    species = [s for s in Species if board.by_species.get(s)]
    months = sorted(board.by_month)
    townships = sorted(board.by_township)
    steps = list(STEP_TITLES)
    return {
        "status": _chart(_("Claims by status"), [s.title for s in statuses],
                         [board.by_status[s] for s in statuses]),
        "species": _chart(_("Claims by animal"), [s.title for s in species],
                          [board.by_species[s] for s in species]),
        "month": _chart(_("Claims by month of the incident"), months,
                        [board.by_month[m] for m in months], horizontal=False),
        "township": _chart(_("Claims by township"), townships,
                           [board.by_township[t] for t in townships]),
        "overdue": _chart(_("Overdue claims by step"), [STEP_TITLES[s]() for s in steps],
                          [board.overdue_by_step.get(s, 0) for s in steps], horizontal=False),
    }
