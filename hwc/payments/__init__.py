"""Paying in batches: budgets per region, year and fund; payment runs that the worker issues,
prints and turns into a bank transfer file; the bank's confirmation files taken back."""


def init_app(app) -> None:
    from hwc.payments import models  # noqa: F401 - the tables
