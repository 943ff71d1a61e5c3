"""Dashboard and export routes (office roles; everything scoped to the viewer's area)."""

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
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
EXPORT_LIMIT = 100_000  # claims in one export, the newest first
EXPORT_BATCH = 1_000  # claims read (with their claimants and villages) at a time
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
    """The claims of the filtered queue (every page, at most ``EXPORT_LIMIT``), in CSV, XLSX or
    GeoJSON, streamed: rows are read in batches and sent as they are written."""
    if fmt not in FORMATS:
        abort(404)
    filters, errors = parse_filters(request.args, current_user)
    if errors:  # the queue shows each filter's message beside it
        return redirect(url_for("claims.queue", **filter_args(request.args)))
    query = (queue_query(current_user, filters)
             .order_by(Claim.reported_at.desc(), Claim.id.desc())
             .options(selectinload(Claim.claimant), selectinload(Claim.village))
             .limit(EXPORT_LIMIT).execution_options(yield_per=EXPORT_BATCH))
    # The rows are read and written after this request's own session has been committed and
    # closed: the reader's language is settled now, and the query runs in the stream's session.
    get_locale()

    def claims():
        yield from db.session.scalars(query)

    mimetype, render = FORMATS[fmt]
    response = Response(stream_with_context(render(claims())), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="hwc-claims.{fmt}"'
    return response


