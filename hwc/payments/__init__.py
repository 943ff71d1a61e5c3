"""Paying in batches: budgets per region, year and fund; payment runs that the worker issues,
prints and turns into a bank transfer file; the bank's confirmation files taken back."""


def init_app(app) -> None:
    from hwc.payments import (  # noqa: F401 - the tables and each part's pages
        budget_views,
        confirmation_views,
        models,
        run_views,
    )
    from hwc.payments.views import bp

    app.register_blueprint(bp)
