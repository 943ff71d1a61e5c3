"""Role checks for pages: deny with 403 unless the user holds one of the roles. The roles a view
declares are also what ``can_open`` answers, so navigation offers exactly the pages a user may
open."""

from functools import wraps

from flask import abort, current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from hwc.accounts.models import Role


def roles_required(*roles: Role, root: bool = False):
    """Decorate a view so that only users with one of ``roles`` reach it (and with ``root``,
    only the root administrator)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not may_enter(current_user, wrapped):
                abort(403)
            return view(*args, **kwargs)

        wrapped.roles = frozenset(roles)
        wrapped.root_only = root
        return wrapped

    return decorator


def may_enter(user, view) -> bool:
    if not user.is_authenticated:
        return False
    roles = getattr(view, "roles", None)
    if roles is not None and user.role not in roles:
        return False
    return user.is_root or not getattr(view, "root_only", False)


def can_open(user, endpoint: str) -> bool:
    """Whether ``user`` may open the page at ``endpoint``: logged in, and holding one of the
    roles its view declares with ``roles_required`` (a view that declares none is open to every
    logged-in user and checks each record itself)."""
    view = current_app.view_functions.get(endpoint)
    return view is not None and may_enter(user, view)


# The menu, in order: (endpoint, title). Each entry shows only to those who may open it.
MENU = (
    ("claims.my_claims", _l("My claims")), ("claims.new_filing", _l("New claim")),
    ("accounts.users", _l("Users")), ("regions.index", _l("Regions")),
    ("rates.index", _l("Rates")), ("losses.index", _l("Loss vocabulary")),
    ("settings.deployment", _l("Settings")), ("jobs.index", _l("Jobs")),
    ("claims.queue", _l("Queue")), ("payments.runs", _l("Payment runs")),
    ("payments.budgets", _l("Budgets")),
    ("dashboard.dashboard", _l("Dashboard")),
)


def navigation(user) -> list[tuple[str, str]]:
    """The menu for ``user`` as (url, title): the pages they may open; an administrator of a
    region finds its settings where root finds the deployment's."""
    entries = []
    for endpoint, title in MENU:
        if can_open(user, endpoint):
            entries.append((url_for(endpoint), title))
        elif endpoint == "settings.deployment" and user.is_authenticated and \
                user.region is not None and can_open(user, "settings.region_settings"):
            entries.append((url_for("settings.region_settings", code=user.region.code), title))
    return entries
