"""The budget pages: every budget in the area with its sums, one budget with its top-ups and
their documents, and the forms that make a budget and add money to it."""

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hwc.accounts.access import roles_required
from hwc.core.form_errors import show_errors
from hwc.extensions import db
from hwc.payments import budgets as operations
from hwc.payments.budget_forms import BudgetForm, TopUpForm
from hwc.payments.views import bp
from hwc.regions.models import Region
from hwc.workflow.errors import RoleNotAllowed, WorkflowError


def _regions():
    return list(db.session.scalars(select(Region).where(
        Region.id.in_(Region.subtree_ids(*current_user.scope_regions))).order_by(Region.path)))


def _budget(budget_id: int):
    try:
        return operations.get_budget(budget_id, current_user)
    except WorkflowError as error:
        abort(error.status)


def _refused(error: WorkflowError, form) -> None:
    """Roll back, then show the refusal beside its field (or flashed); 404s stay 404s."""
    db.session.rollback()
    if isinstance(error, (operations.BudgetNotFound, RoleNotAllowed)):
        abort(error.status)
    if not error.errors:
        flash(error.message, "error")
    show_errors(form, error.errors)


def render_budgets(form: BudgetForm | None = None, status: int = 200):
    found = operations.budgets_of(current_user)
    return render_template(
        "payments/budgets.html", budgets=found,
        sums={budget.id: operations.budget_summary(budget) for budget in found},
        form=form or BudgetForm(regions=_regions()),
        may_change=operations.may_change_budgets(current_user)), status


@bp.get("/budgets")
@roles_required(*operations.READ_ROLES)
def budgets():
    return render_budgets()


@bp.post("/budgets")
@roles_required(*operations.WRITE_ROLES)
def create_budget():
    form = BudgetForm(regions=_regions())
    if not form.validate_on_submit():
        return render_budgets(form, 422)
    try:
        budget = operations.create_budget(actor=current_user, region_code=form.region.data,
                                          year=form.year.data, fund=form.fund.data)
    except WorkflowError as error:
        _refused(error, form)
        return render_budgets(form, 422)
    flash(_("The budget “%(fund)s” was made.", fund=budget.fund), "success")
    return redirect(url_for("payments.budget", budget_id=budget.id))


def render_budget(budget, form: TopUpForm | None = None, status: int = 200):
    return render_template(
        "payments/budget.html", budget=budget, sums=operations.budget_summary(budget),
        form=form or TopUpForm(), may_change=operations.may_change_budgets(current_user)), status


@bp.get("/budgets/<int:budget_id>")
@roles_required(*operations.READ_ROLES)
def budget(budget_id: int):
    return render_budget(_budget(budget_id))


@bp.post("/budgets/<int:budget_id>/top-ups")
@roles_required(*operations.WRITE_ROLES)
def add_top_up(budget_id: int):
    found = _budget(budget_id)
    form = TopUpForm()
    if not form.validate_on_submit():
        return render_budget(found, form, 422)
    upload = form.document.data
    data = upload.read(operations.max_document_bytes() + 1) if upload else b""
    try:
        operations.top_up(found, actor=current_user, amount=form.amount.data,
                          document_reference=form.document_reference.data,
                          note=form.note.data or "", document=data or None,
                          document_name=(upload.filename or "") if upload else "")
    except WorkflowError as error:
        _refused(error, form)
        return render_budget(_budget(budget_id), form, 422)
    flash(_("The money was added to the budget."), "success")
    return redirect(url_for("payments.budget", budget_id=budget_id))


@bp.get("/budgets/<int:budget_id>/top-ups/<int:top_up_id>/document")
@roles_required(*operations.READ_ROLES)
def top_up_document(budget_id: int, top_up_id: int):
    try:
        entry, data = operations.document_of(_budget(budget_id), top_up_id,
                                             viewer=current_user)
    except WorkflowError as error:
        abort(error.status)
    return Response(data, mimetype=entry.document_type, headers={
        "Content-Disposition": f"attachment; filename=\"{entry.document_name}\"",
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})
