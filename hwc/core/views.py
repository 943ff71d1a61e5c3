"""The landing page of each role, the language switch and the health check."""

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from hwc.config import LANGUAGES
from hwc.core.i18n import LANGUAGE_COOKIE, match_language
from hwc.core.landing import landing_endpoint
from hwc.core.redirects import safe_redirect_target
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


@bp.get("/healthz")
def health():
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}
