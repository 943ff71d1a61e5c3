"""Dashboard and export routes (office roles; everything scoped to the viewer's area)."""

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from hwc.accounts.access import roles_required
from hwc.accounts.models import OFFICE_ROLES
from hwc.claims.filters import filter_args, parse_filters
from hwc.claims.models import Claim
from hwc.claims.queues import queue_query
from hwc.dashboard import exports
from hwc.dashboard.charts import charts
from hwc.dashboard.stats import build_dashboard
from hwc.extensions import db

bp = Blueprint("dashboard", __name__)
EXPORT_LIMIT = 50_000
FORMATS = {
    "csv": ("text/csv; charset=utf-8", exports.claims_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             exports.claims_xlsx),
    "geojson": ("application/geo+json", exports.claims_geojson),
}


@bp.get("/dashboard")
@roles_required(*OFFICE_ROLES)
def dashboard():
    board = build_dashboard(current_user)
    return render_template("dashboard/dashboard.html", board=board, charts=charts(board))


@bp.get("/exports/claims.<fmt>")
@roles_required(*OFFICE_ROLES)
def export(fmt):
    """The claims of the filtered queue (every page), in CSV, XLSX or GeoJSON."""
    if fmt not in FORMATS:
        abort(404)
    filters, errors = parse_filters(request.args, current_user)
    if errors:  # the queue shows each filter's message beside it
        return redirect(url_for("claims.queue", **filter_args(request.args)))
    query = (queue_query(current_user, filters)
             .order_by(Claim.reported_at.desc(), Claim.id)
             .options(selectinload(Claim.claimant), selectinload(Claim.village)))
    claims = db.session.scalars(query.limit(EXPORT_LIMIT)).all()
    mimetype, render = FORMATS[fmt]
    response = Response(render(claims), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="hwc-claims.{fmt}"'
    return response


