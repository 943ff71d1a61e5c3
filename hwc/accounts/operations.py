"""What changes accounts: creating and changing users, passwords, logging in with failure slowing.

An administrator manages only the users of their own region subtree (the root administrator,
bound to no region, manages everyone); each operation checks that itself. Every change an
administrator makes is written to the audit trail in the same transaction."""

import hashlib
import ipaddress
import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from hwc.accounts.models import LoginThrottle, Role, User
from hwc.accounts.sessions import end_all_sessions
from hwc.audit.trail import changed_values, record_event
from hwc.config import LANGUAGES
from hwc.core.db import utcnow
from hwc.extensions import db
from hwc.regions.models import Region

MIN_PASSWORD_LENGTH = 8
MAX_FULL_NAME_LENGTH = 128
USERNAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")


class InvalidUser(ValueError):
    """A user that cannot be created or changed as asked; ``args[0]`` says why:

    ``username`` (malformed), ``username_taken``, ``role``, ``senior`` (only approvers),
    ``region`` (required except for administrators), ``language``, ``full_name`` (too long),
    ``password`` (too short), ``own_account`` (an administrator deactivating themselves),
    ``own_role`` (an administrator taking away their own administrator role), ``region_scope``
    (an area outside the acting administrator's own) and ``root_only`` (an administrator of no
    region, which only the root administrator may create).
    """


class UserNotFound(LookupError):
    """No such user, or one outside the acting administrator's scope: both answer alike, so
    a probe never learns who exists across a border."""


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    wait_seconds: int = 0

    @property
    def ok(self) -> bool:
        return self.user is not None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["HWC_PASSWORD_METHOD"])


def _encodable(text: str) -> str:
    """``text`` with anything UTF-8 cannot hold (lone surrogates) replaced, so that hashing it
    never fails; no password that can be set contains such characters."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _dummy_hash() -> str:
    # Computed once per process, so unknown usernames cost as much time as known ones.
    cached = current_app.extensions.get("hwc_dummy_hash")
    if cached is None:
        cached = current_app.extensions["hwc_dummy_hash"] = hash_password("not-a-password")
    return cached


def may_manage(actor: User | None, user: User) -> bool:
    """True if ``actor`` may see and change ``user``: the system (None) anyone; an
    administrator the users whose region lies within their scope (root: everyone, including
    the administrators of no region); nobody else anyone."""
    return actor is None or actor.administers(user.region)


def check_manages(actor: User | None, user: User) -> None:
    """Raise ``UserNotFound`` unless ``actor`` may manage ``user``."""
    if not may_manage(actor, user):
        raise UserNotFound(user.id)


def users_in_scope(actor: User) -> list[User]:
    """The users ``actor`` manages, by username (an administrator's own subtree; root: all)."""
    if actor.role != Role.admin:
        return []
    query = select(User).options(selectinload(User.region)).order_by(User.username)
    if not actor.is_root:
        query = query.where(User.region_id.in_(Region.subtree_ids(*actor.scope_regions)))
    return list(db.session.scalars(query))


def get_user(user_id: int, *, actor: User) -> User:
    """The user with this id if ``actor`` manages them; else ``UserNotFound``."""
    user = db.session.get(User, user_id)
    if user is None:
        raise UserNotFound(user_id)
    check_manages(actor, user)
    return user


def _check_area(actor: User | None, region: Region | None) -> None:
    """An administrator places users only within their own scope; only root (or the system)
    places one at the top level, i.e. creates an administrator of the whole system."""
    if actor is not None and not actor.administers(region):
        raise InvalidUser("root_only" if region is None else "region_scope")


def create_user(
    username: str,
    password: str,
    role: Role | str,
    region: Region | None,
    *,
    senior: bool = False,
    language: str = "zh_Hans",
    full_name: str = "",
    actor: User | None,
) -> User:
    """Create an active user; the role is one of ``Role`` and only approvers may be senior.
    ``actor`` (None: the system, e.g. the command line) may place the user only within their
    own scope. The audit trail names ``actor``."""
    username = username.strip().lower()
    if not USERNAME.fullmatch(username):
        raise InvalidUser("username")
    role = _check_profile(role, senior, region, language, full_name)
    _check_area(actor, region)
    if User.by_username(username) is not None:
        raise InvalidUser("username_taken")
    check_password_strength(password)
    user = User(
        username=username, password_hash=hash_password(password), role=role, senior=senior,
        region=region, language=language, full_name=full_name,
    )
    db.session.add(user)
    db.session.flush()
    record_event("user_created", actor=actor, changes={
        "user": user.username, "role": str(role), "senior": senior,
        "region": region.code if region is not None else None, "language": language,
        "full_name": full_name,
    })
    return user


def _check_profile(
    role: Role | str, senior: bool, region: Region | None, language: str, full_name: str
) -> Role:
    """Raise ``InvalidUser`` unless the profile is allowed; return the role as a ``Role``."""
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
    if len(full_name or "") > MAX_FULL_NAME_LENGTH:
        raise InvalidUser("full_name")
    return role


def update_user(
    user: User,
    *,
    role: Role | str,
    senior: bool,
    region: Region | None,
    language: str,
    full_name: str,
    actor: User | None,
) -> dict:
    """Change a user's role, seniority, area, language and name under the rules of
    ``create_user``; an administrator cannot take away their own administrator role, and
    changes only a user within their scope (else ``UserNotFound``). Returns the changes
    (``{field: {"from": …, "to": …}}``), which are audited when there are any."""
    check_manages(actor, user)
    role = _check_profile(role, senior, region, language, full_name)
    _check_area(actor, region)
    if actor is not None and actor.id == user.id and role != user.role:
        raise InvalidUser("own_role")
    before = _profile(user)
    user.role, user.senior, user.region = role, senior, region
    user.language, user.full_name = language, full_name
    db.session.flush()
    after = _profile(user)
    changes = changed_values(before, after)
    if changes:
        record_event("user_updated", actor=actor, changes={"user": user.username, **changes})
    return changes


def _profile(user: User) -> dict:
    return {
        "role": str(user.role), "senior": user.senior,
        "region": user.region.code if user.region is not None else None,
        "language": user.language, "full_name": user.full_name,
    }


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH or _encodable(password) != password:
        raise InvalidUser("password")


def set_password(user: User, password: str, *, actor: User | None) -> None:
    """Set a new password, end every session of the user and revoke their API tokens; the
    audit trail records that it happened, never the password. ``actor`` must manage ``user``
    (else ``UserNotFound``)."""
    check_manages(actor, user)
    check_password_strength(password)
    user.password_hash = hash_password(password)
    end_all_sessions(user)
    forget_failed_logins(user)
    db.session.flush()
    record_event("password_reset", actor=actor, changes={"user": user.username})


def set_language(user: User, language: str) -> None:
    """A user's own choice of language (a preference, not an administrative change)."""
    if language not in LANGUAGES:
        raise InvalidUser("language")
    user.language = language
    db.session.flush()


def deactivate_user(user: User, *, actor: User | None) -> None:
    """Stop the user from logging in, end every session and revoke their API tokens; an
    administrator cannot deactivate themselves, nor anyone outside their scope
    (``UserNotFound``). Deactivating an inactive user changes nothing."""
    check_manages(actor, user)
    if actor is not None and actor.id == user.id:
        raise InvalidUser("own_account")
    if not user.active:
        return
    user.active = False
    end_all_sessions(user)
    db.session.flush()
    record_event("user_deactivated", actor=actor, changes={
        "user": user.username, "active": {"from": True, "to": False}})


def reactivate_user(user: User, *, actor: User | None) -> None:
    """Let a deactivated user log in again, with a clean slate of failed logins; ``actor``
    must manage ``user`` (else ``UserNotFound``). Reactivating an active user changes nothing."""
    check_manages(actor, user)
    if user.active:
        return
    user.active = True
    forget_failed_logins(user)
    db.session.flush()
    record_event("user_reactivated", actor=actor, changes={
        "user": user.username, "active": {"from": False, "to": True}})


def end_user_sessions(user: User, *, actor: User | None) -> tuple[int, int]:
    """An administrator ends every login session of ``user`` and revokes their API tokens
    (a lost phone, a shared computer); the user can still log in. ``actor`` must manage
    ``user`` (else ``UserNotFound``). Audited with the counts; returns them (sessions, tokens)."""
    check_manages(actor, user)
    sessions, tokens = end_all_sessions(user)
    record_event("sessions_ended", actor=actor, changes={
        "user": user.username, "sessions": sessions, "api_tokens": tokens})
    return sessions, tokens


def lockout_delay(failed_logins: int) -> timedelta:
    """How long an (account, address) pair waits after its ``failed_logins``-th failure
    (zero while free)."""
    config = current_app.config
    over = failed_logins - config["LOGIN_FREE_ATTEMPTS"]
    if over <= 0:
        return timedelta(0)
    seconds = min(config["LOGIN_BASE_DELAY_SECONDS"] * 2 ** min(over - 1, 30),
                  config["LOGIN_MAX_DELAY_SECONDS"])
    return timedelta(seconds=seconds)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def account_key(username: str) -> str:
    """The name failures are counted under: the normalised username when it could be one,
    else ``#`` and a digest (so odd input is never stored or looked up as it is)."""
    name = (username or "").strip().lower()
    return name if USERNAME.fullmatch(name) else "#" + _digest(name)


def address_key(address: str | None) -> str:
    """The client address in canonical form, or ``#`` and a digest when it is not one."""
    try:
        return str(ipaddress.ip_address(address or ""))
    except ValueError:
        return "#" + _digest(address or "")


def _throttle(account: str, address: str, *, lock: bool = False) -> LoginThrottle | None:
    query = select(LoginThrottle).where(LoginThrottle.account == account,
                                        LoginThrottle.address == address)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def _record_failure(account: str, address: str, now: datetime) -> timedelta:
    """Count one failure for the pair (safely when several workers count at once) and return
    how long it must wait now. Pairs quiet for ``LOGIN_FORGET_AFTER_SECONDS`` are forgotten."""
    forget_before = now - timedelta(seconds=current_app.config["LOGIN_FORGET_AFTER_SECONDS"])
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.last_failed_at < forget_before))
    row = _throttle(account, address, lock=True)
    if row is None:
        try:
            with db.session.begin_nested():
                row = LoginThrottle(account=account, address=address, failures=0,
                                    last_failed_at=now)
                db.session.add(row)
        except IntegrityError:  # another worker counted the pair's first failure just now
            row = _throttle(account, address, lock=True)
    row.failures += 1
    row.last_failed_at = now
    delay = lockout_delay(row.failures)
    row.locked_until = now + delay if delay else None
    db.session.flush()
    return delay


def forget_failed_logins(user: User) -> None:
    """A fresh start for the account from every address (password reset, reactivation)."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.account == user.username))


def authenticate(username: str, password: str, *, address: str | None,
                 now: datetime | None = None) -> LoginResult:
    """Check a login from the client ``address``.

    Every path costs one password hash and gives the same answers for names that exist and
    names that do not. Failures are counted per (name, address): past the free attempts the
    pair waits, longer after each further failure, and while it waits not even the right
    password lets it in; the same account from another address is not affected.
    Call inside the request's transaction and commit it whatever the result."""
    now = now or utcnow()
    dummy = _dummy_hash()  # computed before the lookup, so its first cost falls on any name
    account, address = account_key(username), address_key(address)
    user = None if account.startswith("#") else User.by_username(account)
    stored = user.password_hash if user is not None else dummy
    password_ok = check_password_hash(stored, _encodable(password or ""))
    throttle = _throttle(account, address)
    if throttle is not None and throttle.locked_until is not None and throttle.locked_until > now:
        return LoginResult(None, wait_seconds=math.ceil((throttle.locked_until - now)
                                                        .total_seconds()))
    if not password_ok or user is None or not user.active:
        delay = _record_failure(account, address, now)
        return LoginResult(None, wait_seconds=int(delay.total_seconds()))
    if throttle is not None:
        db.session.delete(throttle)
    user.last_login_at = now
    db.session.flush()
    return LoginResult(user)
