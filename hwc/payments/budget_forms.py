"""Forms of the budget pages: a new budget, and a top-up with its document."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from hwc.claims import money
from hwc.claims.forms import CommentForm
from hwc.payments.budgets import FIRST_YEAR, LAST_YEAR, budgets_for_claim, remaining
from hwc.payments.models import MAX_DOCUMENT_REFERENCE, MAX_FUND, MAX_NOTE


class BudgetForm(FlaskForm):
    region = SelectField(_l("Area"), invalid_choice_message=_l("Choose an area within your own."),
                         validators=[DataRequired(message=_l("Choose the area."))])
    year = StringField(_l("Year"), validators=[DataRequired(message=_l("Give the year."))],
                       render_kw={"inputmode": "numeric", "maxlength": 4,
                                  "min": FIRST_YEAR, "max": LAST_YEAR})
    fund = StringField(_l("Fund"), validators=[
        DataRequired(message=_l("Name the fund.")), Length(max=MAX_FUND)],
        render_kw={"maxlength": MAX_FUND})

    def __init__(self, *args, regions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.region.choices = [(region.code, f"{region.display_name()} ({region.code})")
                               for region in regions]


class TopUpForm(FlaskForm):
    amount = StringField(_l("Amount (negative to correct)"),
                         validators=[DataRequired(message=_l("Give the amount."))],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    document_reference = StringField(
        _l("Reference of the granting document"),
        validators=[DataRequired(message=_l("Give the document's reference.")),
                    Length(max=MAX_DOCUMENT_REFERENCE)],
        render_kw={"maxlength": MAX_DOCUMENT_REFERENCE})
    note = TextAreaField(_l("Note"), validators=[Length(max=MAX_NOTE)])
    document = FileField(_l("The document (PDF, JPEG or PNG; optional)"),
                         render_kw={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/*"})


class IssueVoucherForm(CommentForm):
    """The claim page's "issue voucher" step, with a choice of the budgets that may pay it
    (none offered when there are none: the voucher is issued as ever)."""

    data_fields = ("budget_id",)
    budget_id = SelectField(_l("Pay from the budget"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        found = _claim_budgets()
        self.budget_id.choices = [("", _l("No budget"))] + [
            (str(budget.id), _l("%(fund)s %(year)d (%(left)s left)", fund=budget.fund,
                                year=budget.year, left=money(remaining(budget), budget.currency)))
            for budget in found]
        if not found:
            self.data_fields = ()


def _claim_budgets() -> list:
    """The budgets the viewer may charge the claim of this request's page to."""
    from flask import request
    from flask_login import current_user

    from hwc.claims.codes import InvalidCode, normalise_code
    from hwc.workflow.errors import WorkflowError
    from hwc.workflow.service import get_claim

    code = (request.view_args or {}).get("code")
    try:
        claim = get_claim(normalise_code(code), current_user) if code else None
    except (WorkflowError, InvalidCode):
        claim = None
    return budgets_for_claim(claim, current_user) if claim is not None else []
