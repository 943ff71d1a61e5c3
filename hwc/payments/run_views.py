"""Pages of the payments feature (run_views)."""

from hwc.payments.views import bp  # noqa: F401
