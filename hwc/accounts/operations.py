"""What changes accounts: creating users, passwords, logging in with failure slowing."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from hwc.accounts.models import Role, User, new_session_nonce
from hwc.config import LANGUAGES
from hwc.core.db import utcnow
from hwc.extensions import db
from hwc.regions.models import Region

MIN_PASSWORD_LENGTH = 8
USERNAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")


class InvalidUser(ValueError):
    """A user that cannot be created or changed as asked; ``args[0]`` says which field."""


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    wait_seconds: int = 0

    @property
    def ok(self) -> bool:
        return self.user is not None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["HWC_PASSWORD_METHOD"])


def _dummy_hash() -> str:
    # Computed once per process, so unknown usernames cost as much time as known ones.
    cached = current_app.extensions.get("hwc_dummy_hash")
    if cached is None:
        cached = current_app.extensions["hwc_dummy_hash"] = hash_password("not-a-password")
    return cached


def create_user(
    username: str,
    password: str,
    role: Role | str,
    region: Region | None,
    *,
    senior: bool = False,
    language: str = "zh_Hans",
    full_name: str = "",
) -> User:
    """Create an active user; the role is one of ``Role`` and only approvers may be senior."""
    username = username.strip().lower()
    if not USERNAME.fullmatch(username):
        raise InvalidUser("username")
    if User.by_username(username) is not None:
        raise InvalidUser("username_taken")
    try:
        role = Role(role)
    except ValueError:
        raise InvalidUser("role") from None
    if senior and role != Role.approver:
        raise InvalidUser("senior")
    if role != Role.admin and region is None:
        raise InvalidUser("region")
    if language not in LANGUAGES:
        raise InvalidUser("language")
    check_password_strength(password)
    user = User(
        username=username, password_hash=hash_password(password), role=role, senior=senior,
        region=region, language=language, full_name=full_name,
    )
    db.session.add(user)
    db.session.flush()
    return user


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidUser("password")


def set_password(user: User, password: str) -> None:
    """Set a new password and end every session of the user."""
    check_password_strength(password)
    user.password_hash = hash_password(password)
    user.session_nonce = new_session_nonce()
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()


def set_language(user: User, language: str) -> None:
    if language not in LANGUAGES:
        raise InvalidUser("language")
    user.language = language
    db.session.flush()


def deactivate_user(user: User) -> None:
    user.active = False
    user.session_nonce = new_session_nonce()
    db.session.flush()


def lockout_delay(failed_logins: int) -> timedelta:
    """How long an account waits after its ``failed_logins``-th failure (zero while free)."""
    config = current_app.config
    over = failed_logins - config["LOGIN_FREE_ATTEMPTS"]
    if over <= 0:
        return timedelta(0)
    seconds = min(config["LOGIN_BASE_DELAY_SECONDS"] * 2 ** min(over - 1, 30),
                  config["LOGIN_MAX_DELAY_SECONDS"])
    return timedelta(seconds=seconds)


def authenticate(username: str, password: str, *, now: datetime | None = None) -> LoginResult:
    """Check a login. Failures are counted; past the free attempts the account must wait, longer
    after each further failure, and while it waits not even the right password lets anyone in."""
    now = now or utcnow()
    user = User.by_username(username or "")
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
        return LoginResult(None)
    if user.locked_until is not None and user.locked_until > now:
        return LoginResult(None, wait_seconds=int((user.locked_until - now).total_seconds()) + 1)
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        user.failed_logins += 1
        delay = lockout_delay(user.failed_logins)
        user.locked_until = now + delay if delay else None
        db.session.flush()
        return LoginResult(None, wait_seconds=int(delay.total_seconds()))
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.flush()
    return LoginResult(user)
