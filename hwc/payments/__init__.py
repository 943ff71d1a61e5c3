"""Paying in batches: budgets per region, year and fund; payment runs that the worker issues,
prints and turns into a bank transfer file; the bank's confirmation files taken back."""

import os

# Vouchers issued per job; vouchers per rendered document (part of the combined PDF); vouchers
# printed per job (a job holds SQLite's write lock while it runs); render processes (1: render
# in the worker itself).
RUN_DEFAULTS = {
    "HWC_PAYMENT_RUN_CHUNK": 50,
    "HWC_PAYMENT_RUN_DOC_SIZE": 50,
    "HWC_PAYMENT_RUN_PRINT_BATCH": 200,
    "HWC_PAYMENT_RUN_PROCESSES": 2,
}


def init_app(app) -> None:
    from hwc.claims.views import ACTION_FORMS, ACTION_OPERATIONS
    from hwc.payments import (  # noqa: F401 - the tables, each part's pages, the run's jobs
        budget_views,
        confirmation_views,
        models,
        run_jobs,
        run_views,
    )
    from hwc.payments.budget_forms import IssueVoucherForm
    from hwc.payments.budgets import issue_voucher_from_budget
    from hwc.payments.views import bp

    for name, default in RUN_DEFAULTS.items():
        app.config.setdefault(name, int(os.environ.get(name, default)))
    app.register_blueprint(bp)
    # The claim page's "issue voucher" step may charge the voucher to a budget.
    ACTION_FORMS["issue_voucher"] = IssueVoucherForm
    ACTION_OPERATIONS["issue_voucher"] = (
        lambda claim, _action, **data: issue_voucher_from_budget(claim, **data))

    @app.template_global("budget_panel")
    def budget_panel():
        """For finance's queue: approved claims waiting for a voucher against the money left
        in the budgets of the area, per currency (None for other roles)."""
        from flask_login import current_user

        from hwc.payments.budgets import WRITE_ROLES, unpaid_against_budgets

        if current_user.role not in WRITE_ROLES:
            return None
        return unpaid_against_budgets(current_user)

    @app.template_global("budget_board")
    def budget_board():
        """For the dashboard: each budget in the viewer's area with its sums."""
        from flask_login import current_user

        from hwc.payments.budgets import budget_summary, budgets_of

        return [(budget, budget_summary(budget)) for budget in budgets_of(current_user)]
