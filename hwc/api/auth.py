"""Bearer tokens: issued for a username and password, stored only as their SHA-256."""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, g, request
from flask_babel import gettext as _
from sqlalchemy import select

from hwc.accounts.models import User
from hwc.api.models import ApiToken
from hwc.api.problems import ApiProblem
from hwc.core.db import utcnow
from hwc.extensions import db

TOKEN_HOURS = 12


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(user: User) -> tuple[str, ApiToken]:
    """A new token for ``user``; only its digest is stored. Call inside the request's
    transaction."""
    token = secrets.token_urlsafe(32)
    hours = current_app.config.get("HWC_API_TOKEN_HOURS", TOKEN_HOURS)
    row = ApiToken(user=user, token_hash=_digest(token), user_nonce=user.session_nonce,
                   expires_at=utcnow() + timedelta(hours=hours))
    db.session.add(row)
    db.session.flush()
    return token, row


def user_for_token(token: str) -> User | None:
    """The token's user if the token is known, unexpired, and the user is active and has not
    changed password since it was issued."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    if row is None or row.expires_at <= utcnow():
        return None
    user = row.user
    if not user.active or not secrets.compare_digest(row.user_nonce, user.session_nonce):
        return None
    return user


def authenticate_request() -> User:
    """The caller of this API request, or a 401 problem."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token else None
    if user is None:
        raise ApiProblem(401, _("Send a valid token: Authorization: Bearer <token>."),
                         kind="unauthenticated", headers={"WWW-Authenticate": "Bearer"})
    g.api_user = user
    return user
