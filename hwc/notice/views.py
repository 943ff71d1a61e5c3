"""The public notice pages (公示): the list, its printable PDF, objections. No login."""

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from hwc.core.i18n import current_language
from hwc.extensions import limiter
from hwc.notice.listing import (
    MAX_PAGE,
    PAGE_SIZE,
    count_on_notice,
    notice_regions,
    notice_rows,
    region_depth,
)
from hwc.notice.models import MAX_CONTACT, MAX_OBJECTION
from hwc.notice.operations import NotOnNotice, lodge_objection
from hwc.regions.models import Region
from hwc.regions.settings import settings_for
from hwc.workflow.errors import TransitionRefused

bp = Blueprint("notice", __name__)

MAX_CODE_INPUT = 40
MAX_REGION_INPUT = 32
# A notice board holds a village's or a township's list; a county's whole notice beyond this
# many claims is printed region by region (each render costs the server about 0.1 s a row).
MAX_PDF_ROWS = 200


def _region_arg() -> tuple[Region | None, str | None]:
    """The region the query string names, and a message if it names none that exists."""
    code = request.args.get("region", "")[:MAX_REGION_INPUT].strip()
    if not code:
        return None, None
    region = Region.by_code(code)
    if region is None:
        return None, _("No such region.")
    return region, None


def _page_arg() -> int:
    raw = request.args.get("page", "1")[:6]
    return min(max(int(raw), 1), MAX_PAGE) if raw.isdigit() else 1


@bp.get("/notice")
def index():
    """The claims on public notice now, by region, a page at a time."""
    region, problem = _region_arg()
    page = _page_arg()
    total = count_on_notice(region)
    return render_template("notice/index.html", rows=notice_rows(region, page), region=region,
                           problem=problem, regions=notice_regions(), depth=region_depth,
                           page=page, pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
                           total=total), 200 if problem is None else 404


@bp.get("/notice.pdf")
@limiter.limit(lambda: current_app.config["HWC_NOTICE_PDF_LIMIT"])
def pdf():
    """The notice of one region (every claim on notice without one) as a printable PDF for the
    village notice board, in the region's office language: at most ``MAX_PDF_ROWS`` claims, the
    oldest notices first, with a line saying how many more there are; rate-limited per client,
    since anyone may ask for it and each one is rendered."""
    from hwc.vouchers.pdf import render_pdf

    region, problem = _region_arg()
    if problem is not None:
        return render_template("notice/index.html", rows=[], region=None, problem=problem,
                               regions=notice_regions(), depth=region_depth, page=1, pages=1,
                               total=0), 404
    language = settings_for(region)["office_language"] if region else current_language()
    with force_locale(language):
        rows = notice_rows(region, size=MAX_PDF_ROWS)
        html = render_template("notice/notice_pdf.html", rows=rows,
                               more=max(count_on_notice(region) - len(rows), 0),
                               region_name=region.display_name() if region else "",
                               language=language)
    name = f"notice-{region.code if region else 'all'}.pdf"
    return Response(render_pdf(html), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}"'})


class ObjectionForm(FlaskForm):
    code = StringField(_l("Claim code"), validators=[InputRequired(), Length(max=MAX_CODE_INPUT)])
    reason = TextAreaField(_l("Why the claim should be checked again"),
                           validators=[InputRequired(), Length(min=10, max=MAX_OBJECTION)])
    contact = StringField(_l("Your name or phone (optional; never shown publicly)"),
                          validators=[Length(max=MAX_CONTACT)])


@bp.route("/notice/object", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["HWC_OBJECTION_LIMIT"], methods=["POST"])
def object_to_claim():
    """Anyone may object to a claim on notice; it then goes back to verification."""
    form = ObjectionForm()
    if request.method == "GET":
        form.code.data = request.args.get("code", "")[:MAX_CODE_INPUT]
        return render_template("notice/object.html", form=form)
    if form.validate_on_submit():
        try:
            objection = lodge_objection(form.code.data, form.reason.data, form.contact.data or "")
        except NotOnNotice as refused:
            form.code.errors = [refused.message]
        except TransitionRefused as refused:
            for name, messages in refused.errors.items():
                getattr(form, name).errors = list(messages)
        else:
            return render_template("notice/thanks.html", code=objection.claim.display_code)
    return render_template("notice/object.html", form=form), 422
