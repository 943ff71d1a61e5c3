"""The settings pages: a region's own settings (what it sets, what it inherits and from where)
for the administrators whose area holds it, and the deployment's for the root administrator."""

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_currency, format_date, format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from hwc.accounts.access import roles_required
from hwc.accounts.models import Role
from hwc.claims import quantity
from hwc.core.form_errors import show_errors
from hwc.core.money import currency_places
from hwc.core.settings import REGIONAL_KEYS, InvalidSetting
from hwc.extensions import db
from hwc.regions.models import Region
from hwc.regions.settings import (
    Jurisdiction,
    NotRoot,
    RegionNotFound,
    change_region_settings,
    change_settings,
    own_settings,
    settings_for,
)
from hwc.regions.settings_forms import (
    DeploymentSettingsForm,
    LateInterestRateForm,
    RegionSettingsForm,
    setting_message,
)
from hwc.regions.views import get_region_or_404
from hwc.vouchers.interest import RateRefused, add_late_interest_rate, region_rates

bp = Blueprint("settings", __name__)


def shown_value(jurisdiction: Jurisdiction, key: str) -> str:
    """A value in force as the reader reads it."""
    value = jurisdiction[key]
    if key == "second_approval_above":
        return format_currency(jurisdiction.second_approval_above,
                               jurisdiction.threshold_currency)
    if isinstance(value, int | Decimal):
        return format_decimal(value)
    return value or "—"


def source_name(code: str | None) -> str:
    if code is None:
        return _("the deployment's default")
    region = Region.by_code(code)
    return region.display_name() if region is not None else code


def inheritance_hints(region: Region) -> dict[str, str]:
    """For each regional key, what is in force and where it comes from."""
    here, above = settings_for(region), settings_for(region.parent)
    hints = {}
    for key in REGIONAL_KEYS:
        if here.sources[key] == region.code:
            hints[key] = _("Set here. Leave empty to use %(value)s from %(source)s.",
                           value=shown_value(above, key), source=source_name(above.sources[key]))
        else:
            hints[key] = _("Empty: %(value)s from %(source)s is in force.",
                           value=shown_value(here, key), source=source_name(here.sources[key]))
    return hints


def render_region_page(region: Region, form, status: int = 200, rate_form=None):
    rate_form = rate_form or LateInterestRateForm(formdata=None, prefix="rate")
    return render_template("regions/settings.html", region=region, form=form,
                           hints=inheritance_hints(region), rates=region_rates(region),
                           rate_form=rate_form), status


def region_form(region: Region) -> RegionSettingsForm:
    return RegionSettingsForm(formdata=None, data=own_settings(region),
                              inherited_currency=settings_for(region.parent).currency)


@bp.route("/admin/regions/<code>/settings", methods=["GET", "POST"])
@roles_required(Role.admin)
def region_settings(code: str):
    region = get_region_or_404(code)
    inherited_currency = settings_for(region.parent).currency
    if request.method == "GET":
        return render_region_page(region, region_form(region))
    form = RegionSettingsForm(inherited_currency=inherited_currency)
    if not form.validate_on_submit():
        return render_region_page(region, form, 422)
    try:
        changes = change_region_settings(region, form.values(), actor=current_user)
    except RegionNotFound:
        db.session.rollback()
        abort(404)
    except InvalidSetting as error:
        db.session.rollback()
        places = currency_places(form.currency_in_force()) \
            if error.key == "second_approval_above" else None
        show_errors(form, {error.key: [setting_message(error.key, places)]})
        return render_region_page(region, form, 422)
    flash(_("The settings of %(region)s were saved.", region=region.display_name())
          if changes else _("Nothing was changed."), "info")
    return redirect(url_for("settings.region_settings", code=region.code))


@bp.route("/admin/regions/<code>/interest-rates", methods=["POST"])
@roles_required(Role.admin)
def add_interest_rate(code: str):
    region = get_region_or_404(code)
    rate_form = LateInterestRateForm(prefix="rate")
    if not rate_form.validate_on_submit():
        return render_region_page(region, region_form(region), 422, rate_form)
    try:
        row = add_late_interest_rate(region, actor=current_user,
                                     effective_from=rate_form.effective_from.data,
                                     rate=rate_form.rate.data)
    except RegionNotFound:
        db.session.rollback()
        abort(404)
    except RateRefused as error:
        db.session.rollback()
        show_errors(rate_form, {error.field: [error.message]})
        return render_region_page(region, region_form(region), 422, rate_form)
    flash(_("From %(day)s the late-payment interest in %(region)s is %(rate)s %% a year.",
            day=format_date(row.effective_from), region=region.display_name(),
            rate=quantity(row.rate)), "info")
    return redirect(url_for("settings.region_settings", code=region.code) + "#interest-rates")


@bp.route("/admin/settings", methods=["GET", "POST"])
@roles_required(Role.admin, root=True)
def deployment():
    if request.method == "GET":
        return render_template("regions/deployment_settings.html",
                               form=DeploymentSettingsForm.current())
    form = DeploymentSettingsForm()
    if not form.validate_on_submit():
        return render_template("regions/deployment_settings.html", form=form), 422
    try:
        changes = change_settings(form.values(), actor=current_user)
    except NotRoot:
        db.session.rollback()
        abort(403)
    except InvalidSetting as error:
        db.session.rollback()
        show_errors(form, {error.key: [setting_message(error.key)]})
        return render_template("regions/deployment_settings.html", form=form), 422
    flash(_("The settings were saved.") if changes else _("Nothing was changed."), "info")
    return redirect(url_for("settings.deployment"))
