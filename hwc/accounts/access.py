"""Role checks for pages: deny with 403 unless the user holds one of the roles. The roles a view
declares are also what ``can_open`` answers, so navigation offers exactly the pages a user may
open."""

from functools import wraps

from flask import abort, current_app
from flask_login import current_user

from hwc.accounts.models import Role


def roles_required(*roles: Role):
    """Decorate a view so that only users with one of ``roles`` reach it."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated or current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.roles = frozenset(roles)
        return wrapped

    return decorator


def can_open(user, endpoint: str) -> bool:
    """Whether ``user`` may open the page at ``endpoint``: logged in, and holding one of the
    roles its view declares with ``roles_required`` (a view that declares none is open to every
    logged-in user and checks each record itself)."""
    view = current_app.view_functions.get(endpoint)
    if view is None or not user.is_authenticated:
        return False
    roles = getattr(view, "roles", None)
    return roles is None or user.role in roles
