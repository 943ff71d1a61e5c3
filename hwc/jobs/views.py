"""The administrator's page of the job queue: how many jobs wait, and the failed ones to retry."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from hwc.accounts.access import roles_required
from hwc.accounts.models import Role
from hwc.jobs.queue import JobNotFailed, JobNotFound, failed_jobs, retry, status_counts

bp = Blueprint("jobs", __name__)


@bp.get("/admin/jobs")
@roles_required(Role.admin)
def index():
    return render_template("jobs/index.html", counts=status_counts(), failed=failed_jobs(),
                           form=FlaskForm())


@bp.post("/admin/jobs/<int:job_id>/retry")
@roles_required(Role.admin)
def retry_job(job_id: int):
    if not FlaskForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
        return redirect(url_for("jobs.index")), 303
    try:
        job = retry(job_id, actor=current_user._get_current_object())
    except JobNotFound:
        abort(404)
    except JobNotFailed:
        flash(_("Job %(id)d has not failed; there is nothing to retry.", id=job_id), "error")
        return redirect(url_for("jobs.index")), 303
    flash(_("Job %(id)d is back in the queue.", id=job.id), "success")
    return redirect(url_for("jobs.index")), 303
