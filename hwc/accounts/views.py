"""Logging in and out, and the administrator's user pages."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user

from hwc.accounts.access import roles_required
from hwc.accounts.forms import ConfirmForm, LoginForm, NewUserForm, PasswordResetForm, UserForm
from hwc.accounts.models import Role, User
from hwc.accounts.operations import (
    MIN_PASSWORD_LENGTH,
    InvalidUser,
    UserNotFound,
    authenticate,
    create_user,
    deactivate_user,
    end_user_sessions,
    get_user,
    reactivate_user,
    set_password,
    update_user,
    users_in_scope,
)
from hwc.accounts.sessions import end_session, open_credentials, start_session
from hwc.core.form_errors import show_errors
from hwc.core.redirects import safe_redirect_target
from hwc.core.transaction import keep_on_error
from hwc.extensions import db, limiter
from hwc.regions.models import Region

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm(next=safe_redirect_target(request.args.get("next")) or "")
    status = 200
    if form.validate_on_submit():
        result = authenticate(form.username.data, form.password.data,
                              address=request.remote_addr)
        if result.ok:
            start_session(result.user)
        keep_on_error()  # a failure must be counted too
        if result.ok:
            login_user(result.user)
            return redirect(safe_redirect_target(form.next.data) or url_for("core.index"))
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
    end_session(current_user)
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("accounts.login"))


# Each reason ``InvalidUser`` gives: the form field it belongs to, and what the admin reads.
INVALID_USER_MESSAGES = {
    "username": ("username", _l("Use up to 64 lowercase letters, digits, dots, hyphens or "
                                "underscores, starting with a letter or digit.")),
    "username_taken": ("username", _l("This username is already taken.")),
    "role": ("role", _l("Choose one of the roles.")),
    "senior": ("senior", _l("Only approvers can be senior approvers.")),
    "region": ("region", _l("Choose the area this user works in; only administrators may "
                            "have none.")),
    "language": ("language", _l("Choose one of the languages.")),
    "full_name": ("full_name", _l("The name is too long.")),
    "password": ("password", _l("The password must have at least %(num)d characters.",
                                num=MIN_PASSWORD_LENGTH)),
    "region_scope": ("region", _l("Choose an area within your own.")),
    "root_only": ("region", _l("Only the administrator of the whole system can create an "
                               "administrator without an area.")),
    "own_role": ("role", _l("You cannot take away your own administrator role.")),
    "own_account": (None, _l("You cannot deactivate your own account.")),
}


def show_invalid_user(form, error: InvalidUser) -> None:
    """Put the reason on the field it concerns (or flash it when no field does)."""
    target, message = INVALID_USER_MESSAGES[error.args[0]]
    show_errors(form, {target or "": [message]})


def chosen_region(form) -> Region | None:
    return Region.by_code(form.region.data) if form.region.data else None


@bp.get("/admin/users")
@roles_required(Role.admin)
def users():
    return render_template("accounts/users.html", users=users_in_scope(current_user))


@bp.route("/admin/users/new", methods=["GET", "POST"])
@roles_required(Role.admin)
def new_user():
    form = NewUserForm(actor=current_user)
    if request.method == "GET":
        form.language.data = current_app.config["HWC_DEFAULT_LOCALE"]
    if not form.validate_on_submit():
        return render_template("accounts/new_user.html", form=form), (
            422 if request.method == "POST" else 200)
    try:
        user = create_user(
            form.username.data, form.password.data, form.role.data, chosen_region(form),
            senior=form.senior.data, language=form.language.data,
            full_name=form.full_name.data.strip(), actor=current_user,
        )
    except InvalidUser as error:
        db.session.rollback()
        show_invalid_user(form, error)
        return render_template("accounts/new_user.html", form=form), 422
    flash(_("User %(username)s was created.", username=user.username), "info")
    return redirect(url_for("accounts.users"))


def get_user_or_404(user_id: int) -> User:
    """The user if the current administrator manages them; 404 for anyone else, as for a user
    who does not exist."""
    try:
        return get_user(user_id, actor=current_user)
    except UserNotFound:
        abort(404)


def render_edit(user: User, form=None, password_form=None, status: int = 200):
    sessions, tokens = open_credentials(user)
    return render_template(
        "accounts/edit_user.html", user=user,
        form=form or UserForm.of(user, actor=current_user),
        password_form=password_form or PasswordResetForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None), open_sessions=sessions, open_tokens=tokens,
    ), status


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.admin)
def edit_user(user_id: int):
    user = get_user_or_404(user_id)
    if request.method == "GET":
        return render_edit(user)
    form = UserForm(actor=current_user)
    if not form.validate_on_submit():
        return render_edit(user, form, status=422)
    try:
        changes = update_user(
            user, role=form.role.data, senior=form.senior.data, region=chosen_region(form),
            language=form.language.data, full_name=form.full_name.data.strip(),
            actor=current_user,
        )
    except InvalidUser as error:
        db.session.rollback()
        show_invalid_user(form, error)
        return render_edit(user, form, status=422)
    if changes:
        flash(_("The changes to %(username)s were saved.", username=user.username), "info")
    else:
        flash(_("Nothing was changed."), "info")
    return redirect(url_for("accounts.edit_user", user_id=user.id))


@bp.post("/admin/users/<int:user_id>/deactivate")
@roles_required(Role.admin)
def deactivate(user_id: int):
    user = get_user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        deactivate_user(user, actor=current_user)
    except InvalidUser as error:
        db.session.rollback()
        show_invalid_user(None, error)
        return render_edit(user, status=422)
    flash(_("%(username)s can no longer log in; their sessions have ended.",
            username=user.username), "info")
    return redirect(url_for("accounts.edit_user", user_id=user.id))


@bp.post("/admin/users/<int:user_id>/reactivate")
@roles_required(Role.admin)
def reactivate(user_id: int):
    user = get_user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    reactivate_user(user, actor=current_user)
    flash(_("%(username)s can log in again.", username=user.username), "info")
    return redirect(url_for("accounts.edit_user", user_id=user.id))


@bp.post("/admin/users/<int:user_id>/password")
@roles_required(Role.admin)
def reset_password(user_id: int):
    user = get_user_or_404(user_id)
    form = PasswordResetForm()
    if not form.validate_on_submit():
        return render_edit(user, password_form=form, status=422)
    try:
        set_password(user, form.password.data, actor=current_user)
    except InvalidUser as error:
        db.session.rollback()
        show_invalid_user(form, error)
        return render_edit(user, password_form=form, status=422)
    flash(_("The password of %(username)s was changed; their sessions have ended.",
            username=user.username), "info")
    return redirect(url_for("accounts.edit_user", user_id=user.id))


@bp.post("/admin/users/<int:user_id>/sessions")
@roles_required(Role.admin)
def end_sessions(user_id: int):
    user = get_user_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    end_user_sessions(user, actor=current_user)
    flash(_("Every session of %(username)s has ended and their API tokens no longer work.",
            username=user.username), "info")
    return redirect(url_for("accounts.edit_user", user_id=user.id))
