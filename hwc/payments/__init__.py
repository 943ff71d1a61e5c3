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
    from hwc.payments import (  # noqa: F401 - the tables, each part's pages, the run's jobs
        budget_views,
        confirmation_views,
        models,
        run_jobs,
        run_views,
    )
    from hwc.payments.views import bp

    for name, default in RUN_DEFAULTS.items():
        app.config.setdefault(name, int(os.environ.get(name, default)))
    app.register_blueprint(bp)
