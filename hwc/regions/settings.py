"""Settings per region, inherited down the tree: a country, province or county (any region)
sets a regional setting and every place inside it uses that value unless a nearer region sets
its own; a place that nothing above sets uses the deployment's value (``hwc.core.settings``).

``settings_for(region)`` is the one answer to "what is in force here", remembered for the rest
of the request; ``jurisdiction_of(claim)`` asks it for the claim's village."""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hwc.audit.trail import record_event
from hwc.core.money import currency_places, round_money
from hwc.core.settings import (
    REGIONAL_KEYS,
    SETTINGS,
    InvalidSetting,
    cached_settings,
    check_setting,
    forget_cached_settings,
    get_setting,
    get_settings,
    read_stored,
    set_setting,
    stored_text,
)
from hwc.extensions import db
from hwc.regions.models import PATH_SEPARATOR, Region
from hwc.regions.operations import RegionNotFound


class RegionSetting(db.Model):
    """One regional setting set on one region."""

    __tablename__ = "region_settings"
    __table_args__ = (UniqueConstraint("region_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"),
                                           index=True)
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(256))

    region: Mapped[Region] = relationship()

    def __repr__(self) -> str:
        return f"<RegionSetting {self.region_id} {self.key}={self.value}>"


@dataclass(frozen=True)
class Jurisdiction:
    """The regional settings in force in one place, and where each comes from: the code of
    the region that sets it, or None for the deployment's value."""

    values: Mapping[str, object]
    sources: Mapping[str, str | None]
    # The threshold is an amount in the currency in force where it was set.
    threshold_currency: str

    def __getitem__(self, key: str):
        return self.values[key]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.values["time_zone"])

    @property
    def currency(self) -> str:
        return self.values["currency"]

    @property
    def second_approval_above(self) -> Decimal:
        """The threshold, with its currency's places (in ``threshold_currency``)."""
        return round_money(self.values["second_approval_above"], self.threshold_currency)

    def needs_second_approval(self, amount: Decimal, currency: str) -> bool:
        """Whether an amount in ``currency`` lies above the threshold. An amount in another
        currency than the threshold's cannot be compared, so it needs the second approval."""
        if currency != self.threshold_currency:
            return True
        return amount > self.second_approval_above


DEPLOYMENT = "deployment"  # the key of the deployment's values among the cached regions' ids


def _path_codes(region: Region) -> list[str]:
    """The codes from the root down to ``region`` itself."""
    return [code for code in region.path.split(PATH_SEPARATOR) if code]


def _deployment_values() -> dict[str, object]:
    """The deployment's value of each regional setting, read once per request (each claim on
    a page would otherwise read them all again)."""
    cache = cached_settings()
    if DEPLOYMENT not in cache:
        cache[DEPLOYMENT] = get_settings(REGIONAL_KEYS)
    return cache[DEPLOYMENT]


def _resolve(region: Region | None) -> Jurisdiction:
    values = dict(_deployment_values())
    sources: dict[str, str | None] = dict.fromkeys(REGIONAL_KEYS)
    threshold_currency = values["currency"]
    if region is None:
        return Jurisdiction(values, sources, threshold_currency)
    codes = _path_codes(region)
    rows = db.session.execute(
        select(Region.code, RegionSetting.key, RegionSetting.value)
        .join(RegionSetting.region).where(Region.code.in_(codes))).all()
    by_code: dict[str, dict[str, object]] = {}
    for code, key, text in rows:
        if key in SETTINGS and SETTINGS[key].regional:
            value = read_stored(key, text)
            if value is not None:
                by_code.setdefault(code, {})[key] = value
    for code in codes:
        own = by_code.get(code, {})
        for key, value in own.items():
            values[key], sources[key] = value, code
        if "second_approval_above" in own:
            threshold_currency = values["currency"]
    return Jurisdiction(values, sources, threshold_currency)


def settings_for(region: Region | None) -> Jurisdiction:
    """The regional settings in force in ``region`` (None: the deployment's), remembered for
    the rest of the request (or application context)."""
    cache = cached_settings()
    key = region.id if region is not None else None
    if key not in cache:
        cache[key] = _resolve(region)
    return cache[key]


def jurisdiction_of(claim) -> Jurisdiction:
    """The settings in force in the claim's village."""
    return settings_for(claim.village)


def own_settings(region: Region) -> dict[str, object]:
    """The values ``region`` itself sets (not those it inherits), typed."""
    rows = db.session.scalars(select(RegionSetting).where(RegionSetting.region_id == region.id))
    own = {}
    for row in rows:
        if row.key in REGIONAL_KEYS:
            value = read_stored(row.key, row.value)
            if value is not None:
                own[row.key] = value
    return own


def _inherited_currency(region: Region) -> str:
    return settings_for(region.parent).currency


def check_region_settings(region: Region, values: Mapping[str, object]) -> dict[str, object]:
    """The region's own settings once ``values`` apply (None or blank: inherit; a key not
    given keeps the region's own value), checked and typed. Raises ``InvalidSetting`` (or
    ``SettingOutOfRange``) naming the first wrong key. The threshold may have no more places
    than the currency that will be in force in ``region``."""
    values = own_settings(region) | dict(values)
    typed: dict[str, object] = {}
    for key in REGIONAL_KEYS:
        value = values.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            typed[key] = None
        elif key != "second_approval_above":
            typed[key] = check_setting(key, value)
    if typed.get("voucher_prefix") and _prefix_taken(region, typed["voucher_prefix"]):
        raise InvalidSetting("voucher_prefix")
    if "second_approval_above" not in typed:
        currency = typed["currency"] or _inherited_currency(region)
        typed["second_approval_above"] = check_setting(
            "second_approval_above", values["second_approval_above"],
            places=currency_places(currency))
    return typed


def _prefix_taken(region: Region, prefix: str) -> bool:
    """Whether another region sets ``prefix``: each issuing jurisdiction numbers its own
    vouchers, without gaps, so no two share a prefix."""
    return db.session.scalar(select(RegionSetting.id).where(
        RegionSetting.key == "voucher_prefix", RegionSetting.value == prefix,
        RegionSetting.region_id != region.id).limit(1)) is not None


def store_region_setting(region: Region, key: str, value) -> None:
    """Set (or with None, clear) one of ``region``'s own settings, checked; no audit event:
    for the demo loader and for operations that write their own."""
    row = db.session.scalar(select(RegionSetting).where(
        RegionSetting.region_id == region.id, RegionSetting.key == key))
    if value is None:
        if row is not None:
            db.session.delete(row)
    else:
        text = stored_text(check_setting(key, value))
        if row is None:
            db.session.add(RegionSetting(region=region, key=key, value=text))
        else:
            row.value = text
    db.session.flush()
    forget_cached_settings()


def change_region_settings(region: Region, values: Mapping[str, object], *, actor) -> dict:
    """Set the region's own settings to ``values`` (None or blank: inherit from above again;
    a key not given stays as it is). Only an administrator whose area holds the region may
    (``RegionNotFound`` otherwise, as for a region that does not exist). Every value is
    checked before any is stored; each change is one audit event naming the region, the key,
    and the region's own value before and after (None: inherited). Returns
    ``{key: {"from": …, "to": …}}``."""
    if not actor.administers(region):
        raise RegionNotFound(region.code)
    typed = check_region_settings(region, values)
    before = own_settings(region)
    changes = {}
    for key in REGIONAL_KEYS:
        if before.get(key) != typed[key]:
            store_region_setting(region, key, typed[key])
            changes[key] = {"from": before.get(key), "to": typed[key]}
            record_event("region_setting_changed", actor=actor, changes={
                "region": region.code, "key": key, "from": before.get(key), "to": typed[key]})
    return changes


class NotRoot(PermissionError):
    """Only the root administrator changes the deployment's own settings."""


def change_settings(values: dict, *, actor) -> dict:
    """Save the deployment settings whose value differs from the one in force and write one
    audit event naming each (``{key: {"from": …, "to": …}}``); returns those changes. Every
    value is checked before any is stored. Only the root administrator may (``NotRoot``)."""
    if not getattr(actor, "is_root", False):
        raise NotRoot()
    typed = {key: check_setting(key, value) for key, value in values.items()}
    changes = {}
    for key, value in typed.items():
        current = get_setting(key)
        if value != current:
            set_setting(key, value)
            changes[key] = {"from": current, "to": get_setting(key)}
    if changes:
        record_event("settings_changed", actor=actor, changes=changes)
    return changes
