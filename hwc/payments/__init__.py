"""Paying in batches: budgets per region, year and fund; payment runs that the worker issues,
prints and turns into a bank transfer file; the bank's confirmation files taken back."""


def init_app(app) -> None:
    from hwc.claims.views import ACTION_FORMS, ACTION_OPERATIONS
    from hwc.payments import (  # noqa: F401 - the tables and each part's pages
        budget_views,
        confirmation_views,
        models,
        run_views,
    )
    from hwc.payments.budget_forms import IssueVoucherForm
    from hwc.payments.budgets import issue_voucher_from_budget
    from hwc.payments.views import bp

    app.register_blueprint(bp)
    # The claim page's "issue voucher" step may charge the voucher to a budget.
    ACTION_FORMS["issue_voucher"] = IssueVoucherForm
    ACTION_OPERATIONS["issue_voucher"] = (
        lambda claim, _action, **data: issue_voucher_from_budget(claim, **data))
