"""The administrator's pages for rate schedules: the list, one schedule, and the CSV upload."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import ngettext
from flask_login import current_user

from hwc.accounts.access import roles_required
from hwc.accounts.models import Role
from hwc.core.db import local_date, utcnow
from hwc.extensions import db
from hwc.losses.models import Condition
from hwc.rates.forms import ImportScheduleForm
from hwc.rates.importer import ScheduleImportError, import_schedule
from hwc.rates.service import ScheduleNotFound, get_schedule, in_force, schedules_in_scope
from hwc.regions.operations import regions_in_scope

bp = Blueprint("rates", __name__)


@bp.get("/admin/rates")
@roles_required(Role.admin)
def index():
    schedules = schedules_in_scope(current_user)
    return render_template("rates/index.html", schedules=schedules,
                           current=in_force(schedules, local_date(utcnow())))


@bp.get("/admin/rates/<int:schedule_id>")
@roles_required(Role.admin)
def schedule(schedule_id: int):
    try:
        found = get_schedule(schedule_id, actor=current_user)
    except ScheduleNotFound:
        abort(404)
    return render_template("rates/schedule.html", schedule=found,
                           condition_title=lambda value: Condition(value).title)


@bp.route("/admin/rates/import", methods=["GET", "POST"])
@roles_required(Role.admin)
def import_page():
    regions = regions_in_scope(current_user)
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
