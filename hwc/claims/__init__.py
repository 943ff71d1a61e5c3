"""Claims: claimants, claims, loss items and evidence, and the pages that file and show them."""

from decimal import Decimal

from flask_babel import format_currency, format_decimal
from flask_babel import gettext as _

from hwc.losses.vocabulary import unit_title


def money(amount: Decimal | None, currency: str) -> str:
    """An amount in the reader's locale with the currency's places (¥13,350.00, 50 000 ₽)."""
    if amount is None:
        return "—"
    from hwc.core.money import round_money

    return format_currency(round_money(amount, currency), currency)


def quantity(value: Decimal | None) -> str:
    return "—" if value is None else format_decimal(value.normalize(), format="#,##0.####")


def rate_text(rate_value, basis, cap, unit, currency) -> str:
    unit_name = unit_title(unit)
    if str(basis) == "per_unit":
        return _("%(amount)s per %(unit)s", amount=money(rate_value, currency), unit=unit_name)
    if cap is not None:
        return _("%(percent)s%% of the value, at most %(cap)s per %(unit)s",
                 percent=quantity(rate_value), cap=money(cap, currency), unit=unit_name)
    return _("%(percent)s%% of the value", percent=quantity(rate_value))


def init_app(app) -> None:
    from hwc.claims import filing_views, models, views  # noqa: F401 - routes register themselves
    from hwc.claims.blueprint import bp

    app.register_blueprint(bp)
    from hwc.claims.flags import unacknowledged_flags
    from hwc.workflow.rules import BATCH_APPROVE
    from hwc.workflow.service import add_condition

    add_condition(app, BATCH_APPROVE,  # a warning stops batch approval until acknowledged
                  lambda user, claim: not unacknowledged_flags(claim, viewer=user))
    app.add_template_filter(money, "money")
    app.add_template_filter(quantity, "quantity")

    @app.context_processor
    def claim_helpers():
        from flask_login import current_user

        from hwc.workflow.service import can

        return {"status_title": lambda code: models.ClaimStatus(code).title,
                "may": lambda action, claim: can(current_user, action, claim)}

    @app.template_global("days_since")
    def days_since(moment) -> int:
        """Whole days from ``moment`` until now (how long an approved claim has waited)."""
        from hwc.core.db import utcnow

        return max((utcnow() - moment).days, 0)

    @app.template_filter("claim_time")
    def claim_time(moment, claim, format="short"):
        """A time of ``claim`` in its village's time zone (named when not the reader's)."""
        from hwc.core.i18n import format_in_zone
        from hwc.regions.settings import jurisdiction_of

        return format_in_zone(moment, jurisdiction_of(claim).zone, format)

    @app.template_filter("claim_due_day")
    def claim_due_day(moment, claim):
        """The last local day (in the claim's village) of a deadline that ends at ``moment``."""
        from hwc.claims.deadlines import due_day
        from hwc.core.i18n import format_day
        from hwc.regions.settings import jurisdiction_of

        return format_day(due_day(moment, jurisdiction_of(claim).zone)) if moment else ""

    @app.template_filter("rate_text")
    def item_rate_text(item, currency):
        return rate_text(item.rate_value, item.rate_basis, item.rate_cap, item.rate_unit,
                         currency)

    @app.template_filter("schedule_rate_text")
    def schedule_rate_text(rate, currency):
        return rate_text(rate.rate, rate.basis, rate.cap, rate.unit, currency)
