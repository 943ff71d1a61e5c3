"""Pages of the payments feature (budget_views)."""

from hwc.payments.views import bp  # noqa: F401
