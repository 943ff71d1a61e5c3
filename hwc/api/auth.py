"""Bearer tokens: issued for a username and password, stored only as their SHA-256, revoked
by their holder (``DELETE /api/v1/token``) or with every other credential of the user."""

import secrets
from datetime import timedelta

from flask import g, request
from flask_babel import gettext as _
from sqlalchemy import delete, select

from hwc.accounts.models import ApiToken, User
from hwc.accounts.sessions import token_digest
from hwc.api.problems import ApiProblem
from hwc.core.db import utcnow
from hwc.core.settings import get_setting
from hwc.extensions import db


def issue_token(user: User) -> tuple[str, ApiToken]:
    """A new token for ``user`` that lives for the ``api_token_hours`` setting; only its
    digest is stored. Expired tokens (anyone's) are removed on the way. Call inside the
    request's transaction."""
    now = utcnow()
    db.session.execute(delete(ApiToken).where(ApiToken.expires_at <= now))
    token = secrets.token_urlsafe(32)
    row = ApiToken(user=user, token_hash=token_digest(token), created_at=now,
                   expires_at=now + timedelta(hours=get_setting("api_token_hours")))
    db.session.add(row)
    db.session.flush()
    return token, row


def token_row(token: str) -> ApiToken | None:
    """The live token row for ``token``: known, unexpired, and its user active."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if row is None or row.expires_at <= utcnow() or not row.user.active:
        return None
    return row


def revoke_token(row: ApiToken) -> None:
    """The token stops working at once."""
    db.session.delete(row)
    db.session.flush()


def authenticate_request() -> User:
    """The caller of this API request (and its token in ``g.api_token``), or a 401 problem."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    row = token_row(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if row is None:
        raise ApiProblem(401, _("Send a valid token: Authorization: Bearer <token>."),
                         kind="unauthenticated", headers={"WWW-Authenticate": "Bearer"})
    g.api_user, g.api_token = row.user, row
    return row.user
