"""The administrator's pages for rate schedules: the list, one schedule, and the CSV upload."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from hwc.accounts.access import roles_required
from hwc.accounts.models import Role
from hwc.claims.models import Condition
from hwc.core.db import local_date, utcnow
from hwc.extensions import db
from hwc.rates.forms import ImportScheduleForm
from hwc.rates.importer import ScheduleImportError, import_schedule
from hwc.rates.models import RateSchedule
from hwc.rates.service import in_force
from hwc.regions.models import Region

bp = Blueprint("rates", __name__)


def _regions_in_scope() -> list[Region]:
    return db.session.scalars(Region.subtree(*current_user.scope_regions)).all()


def _schedules_in_scope() -> list[RateSchedule]:
    return db.session.scalars(
        select(RateSchedule).join(RateSchedule.region)
        .where(RateSchedule.region_id.in_(Region.subtree_ids(*current_user.scope_regions)))
        .order_by(Region.path, RateSchedule.effective_from.desc())).all()


@bp.get("/admin/rates")
@roles_required(Role.admin)
def index():
    schedules = _schedules_in_scope()
    return render_template("rates/index.html", schedules=schedules,
                           current=in_force(schedules, local_date(utcnow())))


@bp.get("/admin/rates/<int:schedule_id>")
@roles_required(Role.admin)
def schedule(schedule_id: int):
    found = db.session.get(RateSchedule, schedule_id)
    if found is None or not current_user.can_see_region(found.region):
        abort(404)
    return render_template("rates/schedule.html", schedule=found,
                           condition_title=lambda value: Condition(value).title)


@bp.route("/admin/rates/import", methods=["GET", "POST"])
@roles_required(Role.admin)
def import_page():
    regions = _regions_in_scope()
    form = ImportScheduleForm(regions=regions)
    if not form.validate_on_submit():
        return render_template("rates/import.html", form=form, problems=[]), (
            400 if form.is_submitted() else 200)
    region = next(r for r in regions if r.id == form.region.data)
    upload = form.csv_file.data
    try:
        imported = import_schedule(upload.read(), region=region,
                                   effective_from=form.effective_from.data,
                                   name=form.name.data, actor=current_user._get_current_object(),
                                   source_name=upload.filename or "")
    except ScheduleImportError as error:
        db.session.rollback()
        return render_template("rates/import.html", form=form, problems=error.problems), 422
    flash(ngettext("Imported %(num)d rate into “%(name)s”.",
                   "Imported %(num)d rates into “%(name)s”.",
                   len(imported.rates), name=imported.name), "success")
    return redirect(url_for("rates.schedule", schedule_id=imported.id))
