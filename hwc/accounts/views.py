"""Logging in and out, and the administrator's list of users."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from hwc.accounts.access import roles_required
from hwc.accounts.forms import LoginForm
from hwc.accounts.models import Role, User
from hwc.accounts.operations import authenticate
from hwc.extensions import db, limiter

bp = Blueprint("accounts", __name__)


def safe_next(target: str | None) -> str | None:
    """Only same-site paths are followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        result = authenticate(form.username.data, form.password.data)
        db.session.commit()
        if result.ok:
            login_user(result.user)
            return redirect(safe_next(form.next.data) or url_for("core.index"))
        status = 401 if not result.wait_seconds else 429
        if result.wait_seconds:
            minutes = max(1, (result.wait_seconds + 59) // 60)
            flash(
                ngettext(
                    "Too many failed attempts. Try again in %(num)d minute.",
                    "Too many failed attempts. Try again in %(num)d minutes.",
                    minutes,
                ),
                "error",
            )
        else:
            flash(_("The username or password is not correct."), "error")
    elif request.method == "POST":
        status = 400
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.get("/admin/users")
@roles_required(Role.admin)
def users():
    rows = db.session.scalars(select(User).order_by(User.username)).all()
    return render_template("accounts/users.html", users=rows)
