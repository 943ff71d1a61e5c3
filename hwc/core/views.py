"""The landing page of each role, the language switch, the deployment's settings and the
health check."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hwc.accounts.access import roles_required
from hwc.accounts.models import Role
from hwc.config import LANGUAGES
from hwc.core.forms import SettingsForm, range_message
from hwc.core.i18n import LANGUAGE_COOKIE, match_language
from hwc.core.landing import landing_endpoint
from hwc.core.redirects import safe_redirect_target
from hwc.core.settings import SETTINGS, InvalidSetting, change_settings
from hwc.extensions import db

bp = Blueprint("core", __name__)


@bp.get("/")
def index():
    return redirect(url_for(landing_endpoint(current_user)))


@bp.get("/workspace")
def workspace():
    return render_template("core/workspace.html")


@bp.route("/language", methods=["POST"])
def set_language():
    """Remember the visitor's choice in a cookie, and as a logged-in user's preference."""
    chosen = match_language(request.form.get("language")) or current_app.config[
        "HWC_DEFAULT_LOCALE"
    ]
    if current_user.is_authenticated and chosen in LANGUAGES:
        from hwc.accounts.operations import set_language as set_user_language

        set_user_language(current_user, chosen)
    response = redirect(safe_redirect_target(request.form.get("next")) or url_for("core.index"))
    response.set_cookie(
        LANGUAGE_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@bp.route("/admin/settings", methods=["GET", "POST"])
@roles_required(Role.admin)
def settings():
    if request.method == "GET":
        return render_template("core/settings.html", form=SettingsForm.current())
    form = SettingsForm()
    if not form.validate_on_submit():
        return render_template("core/settings.html", form=form), 422
    try:
        changes = change_settings(form.values(), actor=current_user)
    except InvalidSetting as error:
        db.session.rollback()
        field = form[error.key]
        field.errors = [*field.errors, range_message(SETTINGS[error.key])]
        return render_template("core/settings.html", form=form), 422
    flash(_("The settings were saved.") if changes else _("Nothing was changed."), "info")
    return redirect(url_for("core.settings"))


@bp.get("/healthz")
def health():
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}
