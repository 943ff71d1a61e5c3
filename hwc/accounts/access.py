"""Role checks for pages: deny with 403 unless the user holds one of the roles."""

from functools import wraps

from flask import abort
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

        return wrapped

    return decorator
