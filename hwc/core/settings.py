"""Deployment settings an administrator changes at run time (deadlines, approval threshold).

Every setting has a range; nothing outside it can be stored, so no claim page or filing ever
meets an absurd deadline, amount or size."""

from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from hwc.extensions import db

MEGABYTE = 1024 * 1024


class SettingSpec(NamedTuple):
    kind: type  # int or Decimal
    default: int | Decimal
    label: object  # a lazy translated string
    minimum: int | Decimal
    maximum: int | Decimal
    places: int = 0  # decimal places a Decimal setting may have


SETTINGS = {
    "report_within_hours": SettingSpec(
        int, 72, _l("Report within (hours after the incident)"), 1, 720),
    "inspect_within_days": SettingSpec(
        int, 7, _l("Inspect within (days after submission)"), 1, 3650),
    "decide_within_days": SettingSpec(
        int, 14, _l("Decide within (days after verification)"), 1, 3650),
    "pay_within_days": SettingSpec(int, 30, _l("Pay within (days after approval)"), 1, 3650),
    "second_approval_above": SettingSpec(
        Decimal, Decimal("10000"), _l("Second approval needed above (amount)"),
        Decimal(0), Decimal(10**12), places=2),
    "duplicate_window_days": SettingSpec(
        int, 30, _l("Duplicate incidents window (days)"), 0, 3650),
    "max_upload_bytes": SettingSpec(
        int, 10 * MEGABYTE, _l("Largest photo upload (bytes)"), 100 * 1024, 50 * MEGABYTE),
    "api_token_hours": SettingSpec(int, 12, _l("API tokens last (hours)"), 1, 720),
}


class InvalidSetting(ValueError):
    """A value that is not a number of the setting's kind; ``args``: (key,)."""

    @property
    def key(self) -> str:
        return self.args[0]


class SettingOutOfRange(InvalidSetting):
    """A number outside the setting's range (or with too many decimal places)."""


class Setting(db.Model):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))

    def __repr__(self) -> str:
        return f"<Setting {self.key}={self.value}>"


def _number(key: str, value) -> Decimal:
    """``value`` as a finite Decimal, or ``InvalidSetting``."""
    if isinstance(value, bool):
        raise InvalidSetting(key)
    try:
        number = Decimal(value) if isinstance(value, int | Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidSetting(key) from None
    if not number.is_finite():
        raise InvalidSetting(key)
    return number


def _as_kind(key: str, number: Decimal) -> int | Decimal:
    return int(number) if SETTINGS[key].kind is int else number


def check_setting(key: str, value) -> int | Decimal:
    """``value`` as the setting's kind, or ``SettingOutOfRange`` (outside the range, or more
    decimal places than the setting has) or ``InvalidSetting`` (not a number, or a fraction
    for a whole-number setting: nothing is rounded)."""
    spec = SETTINGS[key]
    number = _number(key, value)
    if not spec.minimum <= number <= spec.maximum:
        raise SettingOutOfRange(key)
    if spec.kind is int and number != number.to_integral_value():
        raise InvalidSetting(key)
    if spec.kind is Decimal and -number.as_tuple().exponent > spec.places:
        raise SettingOutOfRange(key)
    return _as_kind(key, number)


def get_setting(key: str):
    """The setting's value, typed; its default when nobody has set it. A value stored before
    the ranges existed reads as the nearest end of the range."""
    spec = SETTINGS[key]
    row = db.session.get(Setting, key)
    if row is None:
        return spec.default
    try:
        number = _number(key, row.value)
    except InvalidSetting:
        return spec.default
    return _as_kind(key, min(max(number, Decimal(spec.minimum)), Decimal(spec.maximum)))


def set_setting(key: str, value) -> None:
    """Store a setting; raises ``InvalidSetting`` (or ``SettingOutOfRange``) and stores
    nothing when ``value`` is not a number within the setting's range."""
    typed = check_setting(key, value)
    text = str(typed) if isinstance(typed, int) else format(typed, "f")
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=text))
    else:
        row.value = text
    db.session.flush()


def change_settings(values: dict, *, actor) -> dict:
    """Save the settings whose value differs from the one in force and write one audit event
    naming each (``{key: {"from": …, "to": …}}``); returns those changes. Every value is
    checked before any is stored."""
    from hwc.audit.trail import record_event

    for key, value in values.items():
        check_setting(key, value)
    changes = {}
    for key, value in values.items():
        current = get_setting(key)
        if value != current:
            set_setting(key, value)
            changes[key] = {"from": current, "to": get_setting(key)}
    if changes:
        record_event("settings_changed", actor=actor, changes=changes)
    return changes
