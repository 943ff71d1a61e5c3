"""Login sessions kept on the server, and ending them.

Flask-Login's user id in the (signed) session cookie is a random token; the database holds its
SHA-256 in ``login_sessions``. A session lives while its row does, and at most
``PERMANENT_SESSION_LIFETIME``; logging out deletes the row, so a copied cookie stops working.
"""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, select

from hwc.accounts.models import ApiToken, LoginSession, User
from hwc.core.db import utcnow
from hwc.extensions import db

# How stale a session's last-seen time may get before a request refreshes it.
SEEN_RESOLUTION = timedelta(minutes=1)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def start_session(user: User) -> str:
    """A new login session for ``user``, ready for ``flask_login.login_user``; returns its
    token. Sessions past their expiry (anyone's) are removed on the way."""
    now = utcnow()
    db.session.execute(delete(LoginSession).where(LoginSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    row = LoginSession(user=user, token_hash=token_digest(token), created_at=now,
                       last_seen_at=now,
                       expires_at=now + current_app.permanent_session_lifetime)
    db.session.add(row)
    db.session.flush()
    user.login_session, user.login_session_token = row, token
    return token


def user_for_session(token: str) -> User | None:
    """The user of the live session ``token`` names, or None (no such session, expired, or the
    user deactivated)."""
    row = db.session.scalar(select(LoginSession).where(
        LoginSession.token_hash == token_digest(token)))
    if row is None or row.expires_at <= utcnow() or not row.user.active:
        return None
    user = row.user
    user.login_session, user.login_session_token = row, token
    return user


def note_activity(user: User) -> None:
    """Refresh the last-seen time of the user's session (at most once a minute). Commits, so
    call it before the request changes anything else."""
    row = user.login_session
    now = utcnow()
    if row is not None and row.last_seen_at < now - SEEN_RESOLUTION:
        row.last_seen_at = now
        db.session.commit()


def end_session(user: User) -> None:
    """End the session the user is using now (logging out)."""
    if user.login_session is not None:
        db.session.execute(delete(LoginSession).where(LoginSession.id == user.login_session.id))
        user.login_session = user.login_session_token = None


def end_all_sessions(user: User) -> tuple[int, int]:
    """End every login session of ``user`` and revoke every API token; returns how many of
    each there were."""
    sessions = db.session.execute(
        delete(LoginSession).where(LoginSession.user_id == user.id)).rowcount
    tokens = db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id)).rowcount
    return sessions, tokens


def open_credentials(user: User) -> tuple[int, int]:
    """How many live login sessions and unexpired API tokens ``user`` has."""
    now = utcnow()
    sessions = db.session.scalar(select(func.count(LoginSession.id)).where(
        LoginSession.user_id == user.id, LoginSession.expires_at > now))
    tokens = db.session.scalar(select(func.count(ApiToken.id)).where(
        ApiToken.user_id == user.id, ApiToken.expires_at > now))
    return sessions, tokens
