"""The administrator's region pages: the tree, a new region, and changing one."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hwc.accounts.access import roles_required
from hwc.accounts.models import Role
from hwc.extensions import db
from hwc.regions.forms import (
    PARENT_OUTSIDE_SCOPE,
    TOP_LEVEL_REFUSED,
    NewRegionForm,
    RegionForm,
    depth,
)
from hwc.regions.models import Region
from hwc.regions.operations import (
    InvalidRegion,
    ParentOutsideScope,
    RegionNotFound,
    add_region,
    get_region,
    regions_in_scope,
    update_region,
)

bp = Blueprint("regions", __name__)


def get_region_or_404(code: str) -> Region:
    """The region if the current administrator administers it; 404 otherwise, as for a code
    that does not exist."""
    try:
        return get_region(code, actor=current_user)
    except RegionNotFound:
        abort(404)


def outside_scope_message(error: ParentOutsideScope) -> str:
    return str(TOP_LEVEL_REFUSED if error.args[1] is None else PARENT_OUTSIDE_SCOPE)


def chosen_parent(form) -> Region | None:
    return Region.by_code(form.parent.data) if form.parent.data else None


@bp.get("/admin/regions")
@roles_required(Role.admin)
def index():
    return render_template("regions/index.html", regions=regions_in_scope(current_user),
                           depth=depth)


@bp.route("/admin/regions/new", methods=["GET", "POST"])
@roles_required(Role.admin)
def new():
    form = NewRegionForm(actor=current_user)
    if request.method == "GET":
        form.parent.data = request.args.get("parent", "")
    if not form.validate_on_submit():
        return render_template("regions/new.html", form=form), (
            422 if request.method == "POST" else 200)
    code = form.code.data.strip()
    if Region.by_code(code) is not None:
        form.code.errors = [*form.code.errors, _("Another region already has this code.")]
        return render_template("regions/new.html", form=form), 422
    try:
        region = add_region(code, form.level.data, form.names(), chosen_parent(form),
                            actor=current_user)
    except ParentOutsideScope as error:
        db.session.rollback()
        form.parent.errors = [*form.parent.errors, outside_scope_message(error)]
        return render_template("regions/new.html", form=form), 422
    except InvalidRegion:
        db.session.rollback()
        form.code.errors = [*form.code.errors, _("This code cannot be used.")]
        return render_template("regions/new.html", form=form), 422
    flash(_("Region %(code)s was created.", code=region.code), "info")
    return redirect(url_for("regions.index"))


@bp.route("/admin/regions/<code>", methods=["GET", "POST"])
@roles_required(Role.admin)
def edit(code: str):
    region = get_region_or_404(code)
    if request.method == "GET":
        form = RegionForm(formdata=None, actor=current_user, moving=region,
                          level=region.level.value,
                          parent=region.parent.code if region.parent else "",
                          **{f"name_{k}": v for k, v in (region.names or {}).items()})
        return render_template("regions/edit.html", region=region, form=form)
    form = RegionForm(actor=current_user, moving=region)
    if not form.validate_on_submit():
        return render_template("regions/edit.html", region=region, form=form), 422
    try:
        changes = update_region(region, form.level.data, form.names(keeping=region.names),
                                chosen_parent(form), actor=current_user)
    except ParentOutsideScope as error:
        db.session.rollback()
        form.parent.errors = [*form.parent.errors, outside_scope_message(error)]
        return render_template("regions/edit.html", region=region, form=form), 422
    except InvalidRegion:
        db.session.rollback()
        form.parent.errors = [*form.parent.errors,
                              _("A region cannot be placed inside itself or a place within it.")]
        return render_template("regions/edit.html", region=region, form=form), 422
    if changes:
        flash(_("The changes to %(code)s were saved.", code=region.code), "info")
    else:
        flash(_("Nothing was changed."), "info")
    return redirect(url_for("regions.edit", code=region.code))
