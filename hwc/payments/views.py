"""The payments pages' blueprint: payment runs (``run_views``), budgets (``budget_views``) and
the bank's confirmation files (``confirmation_views``) add their views to it."""

from flask import Blueprint

bp = Blueprint("payments", __name__, url_prefix="/payments")
