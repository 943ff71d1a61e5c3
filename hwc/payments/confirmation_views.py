"""Pages of the payments feature (confirmation_views)."""

from hwc.payments.views import bp  # noqa: F401
