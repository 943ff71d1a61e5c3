"""The pages of the bank's confirmation files: finance uploads one against a run and reads the
reconciliation report; auditors read the reports of the runs in their area."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize

from hwc.accounts.access import roles_required
from hwc.accounts.models import Role
from hwc.extensions import db
from hwc.payments.confirmations import (
    MAX_FILE_BYTES,
    Problem,
    UnreadableFile,
    confirmations_of,
    find_run,
    get_confirmation,
    import_confirmation,
)
from hwc.payments.views import bp
from hwc.workflow.errors import WorkflowError
from hwc.workflow.service import role_may


class ConfirmationForm(FlaskForm):
    csv_file = FileField(
        _l("The bank's confirmation file (CSV)"),
        validators=[FileRequired(message=_l("Choose the bank's confirmation file.")),
                    FileSize(MAX_FILE_BYTES, message=_l("The file is larger than 2 MB."))],
        render_kw={"accept": ".csv,.txt,text/csv"})


def _answer(error: WorkflowError):
    code = error.status
    abort(code if code in (403, 404) else 400)


def _page(run, form, status=200):
    return render_template(
        "payments/confirmations.html", run=run, form=form,
        confirmations=confirmations_of(run, actor=current_user),
        may_import=role_may(current_user, "record_payment")), status


@bp.route("/runs/<int:run_id>/confirmations", methods=["GET", "POST"])
@roles_required(Role.finance, Role.auditor)
def confirmations(run_id):
    actor = current_user._get_current_object()
    try:
        run = find_run(run_id, actor=actor)
    except WorkflowError as error:
        _answer(error)
    form = ConfirmationForm()
    if not form.is_submitted():
        return _page(run, form)
    if not role_may(actor, "record_payment"):
        abort(403)
    if not form.validate_on_submit():
        return _page(run, form, 400)
    upload = form.csv_file.data
    try:
        confirmation = import_confirmation(run, upload.read(MAX_FILE_BYTES + 1),
                                           upload.filename or "", actor=actor)
    except UnreadableFile as error:
        db.session.rollback()
        flash(error.message, "error")
        return _page(find_run(run_id, actor=actor), form, 422)
    except WorkflowError as error:
        _answer(error)
    flash(_("The file is taken back: %(paid)d paid, %(problems)d lines not matched.",
            paid=confirmation.paid_count, problems=len(confirmation.problems)), "success")
    return redirect(url_for("payments.confirmation", confirmation_id=confirmation.id))


@bp.get("/confirmations/<int:confirmation_id>")
@roles_required(Role.finance, Role.auditor)
def confirmation(confirmation_id):
    try:
        found = get_confirmation(confirmation_id, actor=current_user._get_current_object())
    except WorkflowError as error:
        _answer(error)
    return render_template("payments/confirmation.html", confirmation=found, run=found.run,
                           problem_titles={problem.value: problem.title
                                           for problem in Problem})
