"""Dashboard charts drawn by pygal as standalone SVG (no scripts, served from this site)."""

import pygal
from flask_babel import gettext as _
from pygal.style import Style

from hwc.claims.models import ClaimStatus, Species
from hwc.dashboard.stats import Dashboard

STYLE = Style(
    background="white", plot_background="white", foreground="#333", foreground_strong="#111",
    foreground_subtle="#666", colors=("#00895a", "#c05a00", "#2060a0", "#9a2a6a", "#777"),
    font_family='"Noto Sans CJK SC", "Noto Sans", sans-serif', label_font_size=14,
    major_label_font_size=14, value_font_size=13, title_font_size=18, legend_font_size=14,
)
STEP_TITLES = {"inspect_by": lambda: _("Inspection"), "decide_by": lambda: _("Decision"),
               "pay_by": lambda: _("Payment")}


def _chart(kind, title: str):
    return kind(style=STYLE, title=title, js=[], disable_xml_declaration=False, width=720,
                height=360, show_legend=False, print_values=True, truncate_label=-1,
                no_data_text=_("No claims yet"))


def status_chart(board: Dashboard) -> bytes:
    chart = _chart(pygal.HorizontalBar, _("Claims by status"))
    statuses = [s for s in ClaimStatus if board.by_status.get(s)]
    chart.x_labels = [s.title for s in statuses]
    chart.add(_("Claims"), [board.by_status[s] for s in statuses])
    return chart.render()


def species_chart(board: Dashboard) -> bytes:
    chart = _chart(pygal.HorizontalBar, _("Claims by animal"))
    species = [s for s in Species if board.by_species.get(s)]
    chart.x_labels = [s.title for s in species]
    chart.add(_("Claims"), [board.by_species[s] for s in species])
    return chart.render()


def month_chart(board: Dashboard) -> bytes:
    chart = _chart(pygal.Bar, _("Claims by month of the incident"))
    months = sorted(board.by_month)
    chart.x_labels = months
    chart.add(_("Claims"), [board.by_month[m] for m in months])
    return chart.render()


def township_chart(board: Dashboard) -> bytes:
    chart = _chart(pygal.HorizontalBar, _("Claims by township"))
    names = sorted(board.by_township)
    chart.x_labels = names
    chart.add(_("Claims"), [board.by_township[n] for n in names])
    return chart.render()


def overdue_chart(board: Dashboard) -> bytes:
    chart = _chart(pygal.Bar, _("Overdue claims by step"))
    steps = list(STEP_TITLES)
    chart.x_labels = [STEP_TITLES[s]() for s in steps]
    chart.add(_("Overdue"), [board.overdue_by_step.get(s, 0) for s in steps])
    return chart.render()


CHART_TITLES = {
    "status": lambda: _("Claims by status"), "species": lambda: _("Claims by animal"),
    "month": lambda: _("Claims by month of the incident"),
    "township": lambda: _("Claims by township"), "overdue": lambda: _("Overdue claims by step"),
}
CHARTS = {"status": status_chart, "species": species_chart, "month": month_chart,
          "township": township_chart, "overdue": overdue_chart}
