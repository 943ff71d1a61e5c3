"""The administrator's vocabulary pages: the terms that apply in their area, and a new one."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hwc.accounts.access import roles_required
from hwc.accounts.models import Role
from hwc.core.form_errors import show_errors
from hwc.extensions import db
from hwc.losses.forms import TermForm
from hwc.losses.operations import InvalidTerm, add_term
from hwc.losses.vocabulary import terms_seen_by
from hwc.regions.models import Region

bp = Blueprint("losses", __name__)


@bp.get("/admin/vocabulary")
@roles_required(Role.admin)
def index():
    return render_template("losses/index.html", terms=terms_seen_by(current_user))


@bp.route("/admin/vocabulary/new", methods=["GET", "POST"])
@roles_required(Role.admin)
def new():
    kinds = [term for term in terms_seen_by(current_user) if term.term_type == "kind"]
    form = TermForm(user=current_user, kinds=kinds)
    if not form.validate_on_submit():
        return render_template("losses/new.html", form=form), (
            422 if request.method == "POST" else 200)
    region = Region.by_code(form.region.data) if form.region.data else None
    try:
        term = add_term(form.term_type.data, form.code.data, form.names(),
                        kind=form.kind.data or None, region=region, actor=current_user)
    except InvalidTerm as error:
        db.session.rollback()
        show_errors(form, {error.field: [error.message]})
        return render_template("losses/new.html", form=form), 422
    flash(_("“%(name)s” was added.", name=term.display_name()), "info")
    return redirect(url_for("losses.index"))
