"""Payment run pages for finance: the list, a new run (all payable up to the money left, or
chosen claims), a run's progress (polled as JSON by a small script), cancelling, and its two
files. Each route parses, calls one operation in ``hwc.payments.runs`` and renders."""

from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SelectMultipleField
from wtforms.validators import InputRequired

from hwc.accounts.access import roles_required
from hwc.accounts.models import Role
from hwc.audit.trail import record_event
from hwc.core.choices import choices
from hwc.payments import printing
from hwc.payments.budgets import remaining
from hwc.payments.runs import (
    MAX_RUN_CLAIMS,
    budgets_of,
    cancel_run,
    create_run,
    expected_amount,
    get_run,
    payable_claims,
    progress,
    runs_of,
    voucher_numbers,
)
from hwc.payments.views import bp
from hwc.workflow.errors import WorkflowError


class RunForm(FlaskForm):
    budget = SelectField(_l("Budget"), coerce=int, validators=[InputRequired()])
    mode = RadioField(_l("Which claims"), default="auto", choices=choices([
        ("auto", _l("All payable, oldest approval first, up to the money left")),
        ("chosen", _l("The claims ticked below"))]))
    # Checked by the operation, which names a claim that cannot be paid.
    codes = SelectMultipleField(_l("Claims"), validate_choice=False)


def budget_title(budget) -> str:
    return f"{budget.year} · {budget.fund} · {budget.region.display_name()} · {budget.currency}"


def _actor():
    return current_user._get_current_object()


def _run(run_id: int):
    try:
        return get_run(run_id, _actor())
    except WorkflowError:
        abort(404)


@bp.get("/runs")
@roles_required(Role.finance)
def runs():
    return render_template("payments/runs.html", runs=runs_of(_actor()))


@bp.route("/runs/new", methods=["GET", "POST"])
@roles_required(Role.finance)
def new_run():
    actor = _actor()
    budgets = budgets_of(actor)
    form = RunForm()
    form.budget.choices = choices((b.id, budget_title(b)) for b in budgets)
    chosen = next((b for b in budgets if b.id == (form.budget.data if form.is_submitted() else
                                                  request.args.get("budget", type=int))), None)
    chosen = chosen or (budgets[0] if budgets else None)
    if chosen is not None and not form.is_submitted():
        form.budget.data = chosen.id
    if form.validate_on_submit():
        codes = form.codes.data[:MAX_RUN_CLAIMS + 1] if form.mode.data == "chosen" else None
        try:
            run = create_run(actor=actor, budget_id=form.budget.data, codes=codes,
                             auto=form.mode.data == "auto")
        except WorkflowError as error:
            flash(error.message, "error")
        else:
            flash(_("Payment run %(id)d started.", id=run.id), "success")
            return redirect(url_for("payments.run_page", run_id=run.id), 303)
    claims = payable_claims(actor, chosen) if chosen is not None else []
    return render_template(
        "payments/new_run.html", form=form, budgets=budgets, budget=chosen, claims=claims,
        budget_title=budget_title,
        amount_of=expected_amount, left=remaining(chosen) if chosen is not None else None)


@bp.get("/runs/<int:run_id>")
@roles_required(Role.finance)
def run_page(run_id: int):
    run = _run(run_id)
    return render_template("payments/run.html", run=run, progress=progress(run),
                           numbers=voucher_numbers(run), form=FlaskForm())


@bp.get("/runs/<int:run_id>/progress")
@roles_required(Role.finance)
def run_progress(run_id: int):
    return jsonify(progress(_run(run_id)))


@bp.post("/runs/<int:run_id>/cancel")
@roles_required(Role.finance)
def cancel(run_id: int):
    run = _run(run_id)
    if not FlaskForm().validate_on_submit():
        flash(_("The form has expired. Please try again."), "error")
    else:
        try:
            cancel_run(run, actor=_actor())
        except WorkflowError as error:
            flash(error.message, "error")
        else:
            flash(_("The run stops after the vouchers under way."), "success")
    return redirect(url_for("payments.run_page", run_id=run.id), 303)


def _finished_file(run, name: str | None):
    if not run.finished or not name:
        abort(404)
    path = printing.run_folder(run.id) / name
    if not path.is_file():
        abort(404)
    return path


@bp.get("/runs/<int:run_id>/vouchers.pdf")
@roles_required(Role.finance)
def run_pdf(run_id: int):
    run = _run(run_id)
    return send_file(_finished_file(run, run.pdf_name), mimetype="application/pdf",
                     download_name=f"payment-run-{run.id}.pdf")


@bp.get("/runs/<int:run_id>/bank.csv")
@roles_required(Role.finance)
def run_bank_file(run_id: int):
    """The bank transfer file (whole account numbers: shown nowhere else); each download is
    recorded."""
    run = _run(run_id)
    path = _finished_file(run, run.bank_file_name)
    record_event("bank_file_downloaded", actor=_actor(), comment=f"run {run.id}",
                 changes={"run": run.id, "file": run.bank_file_name})
    return send_file(path, mimetype="text/csv", as_attachment=True,
                     download_name=f"payment-run-{run.id}-bank.csv")
