"""Users: one role each, a region scope, a preferred language."""

import secrets
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


def new_session_nonce() -> str:
    return secrets.token_urlsafe(16)


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
    # Changing it (password reset, deactivation) ends every session of the user.
    session_nonce: Mapped[str] = mapped_column(String(32), default=new_session_nonce)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region | None] = relationship()

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    @classmethod
    def from_session_id(cls, session_id: str) -> "User | None":
        user_id, _, nonce = session_id.partition(":")
        if not (user_id.isascii() and user_id.isdigit()):
            return None
        user = db.session.get(cls, int(user_id))
        if user is None or not user.active or not secrets.compare_digest(user.session_nonce, nonce):
            return None
        return user

    @classmethod
    def by_username(cls, username: str) -> "User | None":
        return db.session.scalar(select(cls).where(cls.username == username.strip().lower()))

    @property
    def scope_regions(self) -> list[Region]:
        """The roots of the user's jurisdiction (admins: every root region)."""
        if self.role == Role.admin:
            return list(db.session.scalars(select(Region).where(Region.parent_id.is_(None))))
        return [self.region] if self.region is not None else []

    def can_see_region(self, region: Region) -> bool:
        return any(region.is_within(root) for root in self.scope_regions)


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
