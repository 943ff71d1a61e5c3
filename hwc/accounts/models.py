"""Users (one role each, a region scope, a preferred language) and their credentials: login
sessions, API tokens and the count of recent failed logins."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, select
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hwc.core.db import UTCDateTime, utcnow
from hwc.core.enums import TitledEnum, set_titles
from hwc.extensions import db
from hwc.regions.models import Region


class Role(TitledEnum):
    village_officer = "village_officer"
    verifier = "verifier"
    approver = "approver"
    finance = "finance"
    auditor = "auditor"
    admin = "admin"


set_titles(Role, {
    "village_officer": _l("Village officer"), "verifier": _l("Verifier"),
    "approver": _l("Approver"), "finance": _l("Finance officer"), "auditor": _l("Auditor"),
    "admin": _l("Administrator"),
})

# Everyone who works in an office rather than in a village: the office pages are theirs.
OFFICE_ROLES = frozenset({Role.verifier, Role.approver, Role.finance, Role.auditor, Role.admin})


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("senior = false OR role = 'approver'", name="senior_only_approver"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(
        SAEnum(Role, native_enum=False, create_constraint=True, length=32, name="role")
    )
    senior: Mapped[bool] = mapped_column(default=False)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    language: Mapped[str] = mapped_column(String(16), default="zh_Hans")
    full_name: Mapped[str] = mapped_column(String(128), default="")
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region | None] = relationship()

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"

    @property
    def is_active(self) -> bool:
        return self.active

    # The login session this object was loaded through or has just started (not a column):
    # Flask-Login keeps its token, not the user's id, in the session cookie.
    login_session = None  # a LoginSession
    login_session_token = None  # its token (str)

    def get_id(self) -> str:
        if self.login_session_token is None:
            raise RuntimeError("start a login session (hwc.accounts.sessions) before login_user")
        return self.login_session_token

    # UserMixin compares users by get_id(), which is now a session's token: compare the rows.
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, User):
            return NotImplemented
        return self is other or (self.id is not None and self.id == other.id)

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = object.__hash__

    @classmethod
    def by_username(cls, username: str) -> "User | None":
        return db.session.scalar(select(cls).where(cls.username == username.strip().lower()))

    @property
    def is_root(self) -> bool:
        """The deployment's own administrator: an admin bound to no region. Every other admin
        is an admin of a country (or smaller region) and manages only what lies in it."""
        return self.role == Role.admin and self.region_id is None

    @property
    def scope_regions(self) -> list[Region]:
        """The roots of the user's jurisdiction (root: every root region)."""
        if self.is_root:
            return list(db.session.scalars(select(Region).where(Region.parent_id.is_(None))))
        return [self.region] if self.region is not None else []

    def can_see_region(self, region: Region) -> bool:
        return any(region.is_within(root) for root in self.scope_regions)

    def administers(self, region: Region | None) -> bool:
        """True if this user is an administrator whose scope holds ``region``: root holds
        every region and the top level (None); an administrator of a country (or smaller
        region) holds that region and the places within it, nothing above or beside it."""
        if self.role != Role.admin:
            return False
        return self.is_root or (region is not None and self.can_see_region(region))


class LoginThrottle(db.Model):
    """Recent failed logins for one account name from one client address.

    Known and unknown names are counted alike, so the answer never tells which names exist;
    and only the pair waits, so a stranger's failures never keep the real user out."""

    __tablename__ = "login_throttles"
    __table_args__ = (
        UniqueConstraint("account", "address"),
        CheckConstraint("failures >= 0", name="failures_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The username as typed (normalised), or a digest of it when it cannot be a username.
    account: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<LoginThrottle {self.account}@{self.address} {self.failures}>"


class LoginSession(db.Model):
    """One logged-in browser. Its cookie carries a random token; only the token's SHA-256 is
    kept here, and deleting the row (logout, password reset, deactivation, an administrator)
    ends the session even for someone holding a copy of the cookie."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<LoginSession {self.id} user={self.user_id}>"


class ApiToken(db.Model):
    """A bearer token of the JSON API; only its SHA-256 is stored. Deleting the row revokes it."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} user={self.user_id}>"
