"""The settings an administrator changes at run time, their kinds and ranges, and the
deployment's own values.

Most settings are regional (``SettingSpec.regional``): a region may set them and everything
inside it inherits them (``hwc.regions.settings``); the value stored here is the default for
regions that set nothing. The others (largest upload, API token lifetime) hold for the whole
deployment. Every setting has a range; nothing outside it can be stored, so no claim page or
filing ever meets an absurd deadline, amount, size, time zone or currency."""

from decimal import Decimal, InvalidOperation
from functools import cache
from typing import NamedTuple
from zoneinfo import available_timezones

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from hwc.core.money import InvalidCurrency, check_currency
from hwc.extensions import db

MEGABYTE = 1024 * 1024
AUTHORITY_MAX_LENGTH = 200


class SettingSpec(NamedTuple):
    kind: type  # int, Decimal or str
    default: int | Decimal | str | None  # None: the app's ``config_key``
    label: object  # a lazy translated string
    minimum: int | Decimal  # for text: the shortest length
    maximum: int | Decimal  # for text: the longest length
    places: int = 0  # decimal places a Decimal setting may have
    regional: bool = False  # set per region and inherited down the tree
    config_key: str | None = None  # where the default comes from when ``default`` is None


SETTINGS = {
    "time_zone": SettingSpec(
        str, None, _l("Time zone (IANA name, such as Asia/Vladivostok)"), 1, 64,
        regional=True, config_key="HWC_TIMEZONE"),
    "currency": SettingSpec(
        str, None, _l("Currency (ISO 4217 code, such as RUB)"), 3, 3, regional=True,
        config_key="HWC_CURRENCY"),
    "second_approval_above": SettingSpec(
        Decimal, Decimal("10000"), _l("Second approval needed above (amount in the currency)"),
        Decimal(0), Decimal(10**12), places=2, regional=True),
    "report_within_hours": SettingSpec(
        int, 72, _l("Report within (hours after the incident)"), 1, 720, regional=True),
    "inspect_within_days": SettingSpec(
        int, 7, _l("Inspect within (days after submission)"), 1, 3650, regional=True),
    "decide_within_days": SettingSpec(
        int, 14, _l("Decide within (days after verification)"), 1, 3650, regional=True),
    "pay_within_days": SettingSpec(
        int, 30, _l("Pay within (days after approval)"), 1, 3650, regional=True),
    "duplicate_window_days": SettingSpec(
        int, 30, _l("Duplicate incidents window (days)"), 0, 3650, regional=True),
    "voucher_authority": SettingSpec(
        str, "", _l("Authority that issues payment vouchers"), 0, AUTHORITY_MAX_LENGTH,
        regional=True),
    "office_language": SettingSpec(
        str, None, _l("Office language (printed on vouchers beside the payee's)"), 2, 16,
        regional=True, config_key="HWC_DEFAULT_LOCALE"),
    "voucher_prefix": SettingSpec(
        str, "HWC", _l("Voucher number prefix (capital letters and digits, such as HC)"), 1, 12,
        regional=True),
    "voucher_number_format": SettingSpec(
        str, "{prefix}-{year}-{seq:6}",
        _l("Voucher number format ({prefix}, {year}, {month}, {seq} or {seq:6} for six digits; "
           "with {month} the numbers restart every month)"), 10, 64, regional=True),
    "sms_notifications": SettingSpec(
        str, "submit return approve reject issue_voucher record_payment",
        _l("Text the resident on these steps (any of: submit return approve reject "
           "issue_voucher record_payment; \"none\" for none)"), 4, 64, regional=True),
    "public_notice_days": SettingSpec(
        int, 0, _l("Public notice before payment (days; 0: no notice)"), 0, 90, regional=True),
    "interest_day_count": SettingSpec(
        str, "actual/365",
        _l("Late-payment interest day count (actual/365, actual/360 or actual/actual)"), 10, 13,
        regional=True),
    "bank_file_columns": SettingSpec(
        str, "reference payee account amount currency",
        _l("Bank transfer file columns, in order (any of: reference payee account amount "
           "currency claim id_number village)"), 3, 128, regional=True),
    "max_upload_bytes": SettingSpec(
        int, 10 * MEGABYTE, _l("Largest photo upload (bytes)"), 100 * 1024, 50 * MEGABYTE),
    "api_token_hours": SettingSpec(int, 12, _l("API tokens last (hours)"), 1, 720),
}

REGIONAL_KEYS = tuple(key for key, spec in SETTINGS.items() if spec.regional)
DEPLOYMENT_KEYS = tuple(key for key, spec in SETTINGS.items() if not spec.regional)


def _shipped_language(text: str) -> bool:
    from hwc.config import LANGUAGES

    return text in LANGUAGES


def _voucher_format(text: str) -> bool:
    from hwc.core.numbering import NumberFormat

    return NumberFormat.parse(text) is not None


# The steps a resident may be texted about (the SMS notifications setting names a few, or none).
NOTIFIABLE_STEPS = ("submit", "return", "approve", "reject", "issue_voucher", "record_payment")


def _notification_steps(text: str) -> bool:
    words = text.split()
    return words == ["none"] or (bool(words) and set(words) <= set(NOTIFIABLE_STEPS))


DAY_COUNTS = ("actual/365", "actual/360", "actual/actual")
BANK_FILE_COLUMNS = ("reference", "payee", "account", "amount", "currency", "claim",
                     "id_number", "village")


def _bank_file_columns(text: str) -> bool:
    words = text.split()
    return bool(words) and set(words) <= set(BANK_FILE_COLUMNS) and len(set(words)) == len(words)


# Text settings with a shape of their own, each a test of the stripped text.
TEXT_CHECKS = {
    "sms_notifications": _notification_steps,
    "office_language": _shipped_language,
    "voucher_prefix": lambda text: text.isascii() and text.isalnum() and text == text.upper(),
    "voucher_number_format": _voucher_format,
    "interest_day_count": lambda text: text in DAY_COUNTS,
    "bank_file_columns": _bank_file_columns,
}


class InvalidSetting(ValueError):
    """A value that is not a number of the setting's kind; ``args``: (key,)."""

    @property
    def key(self) -> str:
        return self.args[0]


class SettingOutOfRange(InvalidSetting):
    """A number outside the setting's range (or with too many decimal places)."""


class Setting(db.Model):
    """A deployment-wide value (or the default of a regional setting), by key."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))

    def __repr__(self) -> str:
        return f"<Setting {self.key}={self.value}>"


@cache
def time_zone_names() -> frozenset[str]:
    """Every IANA time zone name this system knows (from ``zoneinfo``)."""
    return frozenset(available_timezones())


def default_value(key: str):
    """What a setting is when neither the deployment nor any region has set it."""
    spec = SETTINGS[key]
    if spec.default is None:
        return current_app.config[spec.config_key]
    return spec.default


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


def _check_text(key: str, value) -> str:
    spec = SETTINGS[key]
    if not isinstance(value, str):
        raise InvalidSetting(key)
    text = value.strip()
    if not spec.minimum <= len(text) <= spec.maximum:
        raise SettingOutOfRange(key)
    if not text.isprintable():
        raise InvalidSetting(key)
    if key == "time_zone" and text not in time_zone_names():
        raise InvalidSetting(key)
    if key in TEXT_CHECKS and not TEXT_CHECKS[key](text):
        raise InvalidSetting(key)
    if key == "currency":
        try:
            return check_currency(text)
        except InvalidCurrency:
            raise InvalidSetting(key) from None
    return text


def check_setting(key: str, value, *, places: int | None = None) -> int | Decimal | str:
    """``value`` as the setting's kind, or ``SettingOutOfRange`` (outside the range, or more
    decimal places than the setting has, or ``places`` when given: an amount in a currency
    has that currency's) or ``InvalidSetting`` (not a number, or a fraction for a
    whole-number setting: nothing is rounded; an unknown time zone or currency)."""
    spec = SETTINGS[key]
    if spec.kind is str:
        return _check_text(key, value)
    number = _number(key, value)
    if not spec.minimum <= number <= spec.maximum:
        raise SettingOutOfRange(key)
    if spec.kind is int and number != number.to_integral_value():
        raise InvalidSetting(key)
    if spec.kind is Decimal and -number.as_tuple().exponent > (
            spec.places if places is None else places):
        raise SettingOutOfRange(key)
    return _as_kind(key, number)


def read_stored(key: str, text: str):
    """A stored value, typed; None when it cannot be read. A number stored before the ranges
    existed reads as the nearest end of the range."""
    spec = SETTINGS[key]
    if spec.kind is str:
        try:
            return _check_text(key, text)
        except InvalidSetting:
            return None
    try:
        number = _number(key, text)
    except InvalidSetting:
        return None
    return _as_kind(key, min(max(number, Decimal(spec.minimum)), Decimal(spec.maximum)))


def stored_text(value) -> str:
    """How a checked value is written to a settings table."""
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def forget_cached_settings() -> None:
    """Drop the settings remembered in this application context (after any change)."""
    from flask import g

    g.pop("hwc_settings", None)


def cached_settings() -> dict:
    """The settings remembered in this application context (one request), by region id."""
    from flask import g

    if "hwc_settings" not in g:
        g.hwc_settings = {}
    return g.hwc_settings


def get_setting(key: str):
    """The deployment's value of a setting, typed; its default when nobody has set it. For a
    regional setting this is what a region that sets nothing inherits: ask
    ``hwc.regions.settings.settings_for(region)`` for the value in force in a place."""
    row = db.session.get(Setting, key)
    value = read_stored(key, row.value) if row is not None else None
    return default_value(key) if value is None else value


def get_settings(keys) -> dict:
    """``get_setting`` for several keys, read in one query."""
    keys = list(keys)
    stored = dict(db.session.execute(select(Setting.key, Setting.value)
                                     .where(Setting.key.in_(keys))).all())
    values = {}
    for key in keys:
        value = read_stored(key, stored[key]) if key in stored else None
        values[key] = default_value(key) if value is None else value
    return values


def set_setting(key: str, value) -> None:
    """Store a deployment setting; raises ``InvalidSetting`` (or ``SettingOutOfRange``) and
    stores nothing when ``value`` is not within the setting's range."""
    text = stored_text(check_setting(key, value))
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=text))
    else:
        row.value = text
    db.session.flush()
    forget_cached_settings()
