"""The national programme around the demo world: countries with their currencies and time zones,
provinces, counties, townships and villages, the rate schedules, and the people who work in it.

Everything here is small (a few thousand rows) and goes through the app's own operations, so it
is checked like anything an administrator would set up."""

import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from hwc.accounts.models import Role, User
from hwc.accounts.operations import create_user
from hwc.extensions import db
from hwc.rates.importer import import_schedule
from hwc.rates.models import RateSchedule
from hwc.regions.models import Region
from hwc.regions.operations import create_region
from hwc.regions.settings import own_settings, settings_for, store_region_setting

COUNTIES = 40
TOWNSHIPS_PER_COUNTY = 5
VILLAGES_PER_TOWNSHIP = 11


@dataclass(frozen=True)
class Country:
    code: str
    names: dict
    settings: dict  # region settings of the country (the demo sets CN's and RU's)
    provinces: tuple  # (code, English name)
    languages: tuple  # residents' languages, most common first
    phone_prefix: str
    species: dict  # {"livestock": (...), "crop": (...)}: who does which kind of damage
    crop_months: frozenset  # the growing season
    box: tuple  # (lat min, lat max, lon min, lon max) where its villages lie
    schedule: str  # CSV of per-unit rates, in the importer's shape


CN_RATES = """\
kind,category,condition,unit,basis,rate,cap,currency
livestock,cattle,dead,head,per_unit,6000,,CNY
livestock,calf,dead,head,per_unit,2500,,CNY
livestock,horse,dead,head,per_unit,5000,,CNY
livestock,sheep,dead,head,per_unit,800,,CNY
livestock,goat,dead,head,per_unit,700,,CNY
livestock,pig,dead,head,per_unit,1200,,CNY
livestock,bee_hive,damaged,item,per_unit,400,,CNY
crop,maize,,mu,per_unit,450,,CNY
crop,rice,,mu,per_unit,600,,CNY
crop,soybean,,mu,per_unit,380,,CNY
crop,potato,,mu,per_unit,500,,CNY
property,fence,,item,per_unit,200,,CNY
"""

RU_RATES = """\
kind,category,condition,unit,basis,rate,cap,currency
livestock,cattle,dead,head,per_unit,60000,,RUB
livestock,calf,dead,head,per_unit,25000,,RUB
livestock,horse,dead,head,per_unit,55000,,RUB
livestock,sheep,dead,head,per_unit,9000,,RUB
livestock,goat,dead,head,per_unit,8000,,RUB
livestock,deer,dead,head,per_unit,70000,,RUB
livestock,bee_hive,damaged,item,per_unit,6000,,RUB
crop,maize,,ha,per_unit,40000,,RUB
crop,soybean,,ha,per_unit,35000,,RUB
crop,potato,,ha,per_unit,90000,,RUB
property,fence,,item,per_unit,3000,,RUB
"""

IN_RATES = """\
kind,category,condition,unit,basis,rate,cap,currency
livestock,cattle,dead,head,per_unit,30000,,INR
livestock,calf,dead,head,per_unit,10000,,INR
livestock,goat,dead,head,per_unit,6000,,INR
livestock,sheep,dead,head,per_unit,5000,,INR
livestock,pig,dead,head,per_unit,8000,,INR
crop,rice,,ha,per_unit,40000,,INR
crop,maize,,ha,per_unit,30000,,INR
crop,vegetables,,ha,per_unit,60000,,INR
property,house_partial,,m2,per_unit,1500,,INR
property,fence,,item,per_unit,2000,,INR
"""

KE_RATES = """\
kind,category,condition,unit,basis,rate,cap,currency
livestock,cattle,dead,head,per_unit,45000,,KES
livestock,calf,dead,head,per_unit,15000,,KES
livestock,goat,dead,head,per_unit,7000,,KES
livestock,sheep,dead,head,per_unit,6500,,KES
livestock,poultry,dead,head,per_unit,800,,KES
crop,maize,,ha,per_unit,60000,,KES
crop,vegetables,,ha,per_unit,90000,,KES
crop,potato,,ha,per_unit,80000,,KES
property,fence,,item,per_unit,5000,,KES
"""

COUNTRIES = (
    Country("CN", {}, {}, (("CN-JL", "Jilin"), ("CN-HL", "Heilongjiang"), ("CN-YN", "Yunnan")),
            ("zh_Hans", "zh_Hans", "zh_Hans", "ko"), "+86138",
            {"livestock": ("amur_tiger", "amur_leopard", "asiatic_black_bear", "wolf"),
             "crop": ("wild_boar", "wild_boar", "asiatic_black_bear", "asian_elephant")},
            frozenset(range(5, 11)), (42.0, 48.0, 125.0, 134.0), CN_RATES),
    Country("RU", {}, {}, (("RU-PRI", "Primorsky Krai"), ("RU-KHA", "Khabarovsk Krai")),
            ("ru",), "+7924", {"livestock": ("amur_tiger", "amur_leopard", "brown_bear", "wolf"),
                               "crop": ("wild_boar", "brown_bear")},
            frozenset(range(5, 10)), (42.5, 50.0, 130.5, 138.0), RU_RATES),
    Country("IN", {"en": "India", "zh_Hans": "印度", "ru": "Индия", "ko": "인도"},
            {"time_zone": "Asia/Kolkata", "currency": "INR", "second_approval_above": "100000",
             "office_language": "en"},
            (("IN-MP", "Madhya Pradesh"), ("IN-WB", "West Bengal"), ("IN-KA", "Karnataka")),
            ("en",), "+9198",
            {"livestock": ("tiger", "leopard", "leopard"),
             "crop": ("asian_elephant", "wild_boar", "wild_boar")},
            frozenset(range(6, 13)), (12.0, 24.0, 75.0, 89.0), IN_RATES),
    Country("KE", {"en": "Kenya", "zh_Hans": "肯尼亚", "ru": "Кения", "ko": "케냐"},
            {"time_zone": "Africa/Nairobi", "currency": "KES", "second_approval_above": "200000",
             "office_language": "en"},
            (("KE-NK", "Nakuru"), ("KE-NR", "Narok")), ("en",), "+25471",
            {"livestock": ("leopard", "other", "other"), "crop": ("other", "wild_boar")},
            frozenset({3, 4, 5, 6, 7, 10, 11}), (-2.0, 0.5, 35.0, 37.5), KE_RATES),
)

# Who does what in each county (filing, inspecting, approving, the second approval, paying).
DUTIES = (("officer", Role.village_officer, False), ("inspector", Role.verifier, False),
          ("approver", Role.approver, False), ("senior", Role.approver, True),
          ("finance", Role.finance, False))
# The people the benchmarks log in as: each office role at national scope and in one county.
NAMED = (("inspector", Role.verifier, False), ("approver", Role.approver, False),
         ("senior", Role.approver, True), ("finance", Role.finance, False),
         ("auditor", Role.auditor, False), ("admin", Role.admin, False))
BENCH_COUNTRY = "CN"


@dataclass
class County:
    """A county as the row generator needs it: its villages and the settings in force there."""

    region: Region
    country: Country
    villages: list  # [(id, lat, lon, code)]
    weight: float
    staff: dict = field(default_factory=dict)  # duty -> (user id, role)
    zone: object = None
    rules: object = None  # the Jurisdiction in force
    schedules: list = field(default_factory=list)  # [(effective_from, RateSchedule)] newest first


def _names(english: str) -> dict:
    return {"en": english}


def _ensure(code: str, level: str, names: dict, parent: Region | None) -> Region:
    return Region.by_code(code) or create_region(code, level, names, parent)


def build_regions(rng: random.Random) -> list[County]:
    """The countries, provinces, counties (the demo's two among them), townships and villages."""
    generated = COUNTIES - 2
    counties: list[County] = []
    provinces = [(country, code, name) for country in COUNTRIES
                 for code, name in country.provinces]
    for country in COUNTRIES:
        root = _ensure(country.code, "country", country.names, None)
        own = own_settings(root)
        for key, value in country.settings.items():
            if key not in own:
                store_region_setting(root, key, value)
    for n in range(generated):
        country, province_code, province_name = provinces[n % len(provinces)]
        province = _ensure(province_code, "province", _names(province_name),
                           Region.by_code(country.code))
        code = f"{province_code}-G{n + 1:02d}"
        county = _ensure(code, "county", _names(f"{province_name} county {n + 1}"), province)
        authority = f"{province_name} county {n + 1} forestry bureau"
        for key, value in (("voucher_prefix", f"G{n + 1:02d}"), ("voucher_authority", authority)):
            if key not in own_settings(county):
                store_region_setting(county, key, value)
        villages = []
        for t in range(TOWNSHIPS_PER_COUNTY):
            township = _ensure(f"{code}-T{t + 1}", "township",
                               _names(f"Township {n + 1}.{t + 1}"), county)
            for v in range(VILLAGES_PER_TOWNSHIP):
                village = _ensure(f"{code}-T{t + 1}-V{v + 1:02d}", "village",
                                  _names(f"Village {n + 1}.{t + 1}.{v + 1}"), township)
                villages.append(village)
        counties.append(County(county, country, villages, rng.paretovariate(1.5)))
    for code, country in (("CN-JL-HC", COUNTRIES[0]), ("RU-PRI-KHS", COUNTRIES[1])):
        county = Region.by_code(code)
        villages = list(db.session.scalars(
            select(Region).where(Region.id.in_(Region.subtree_ids(county)),
                                 Region.level == "village")))
        counties.append(County(county, country, villages, 1.0))
    db.session.flush()
    for county in counties:
        lat0, lat1, lon0, lon1 = county.country.box
        lat, lon = rng.uniform(lat0, lat1), rng.uniform(lon0, lon1)
        county.villages = [(v.id, lat + rng.uniform(-0.3, 0.3), lon + rng.uniform(-0.3, 0.3),
                            v.code) for v in county.villages]
        county.rules = settings_for(county.region)
        county.zone = county.rules.zone
    return counties


def add_schedules(counties: list[County], start: date) -> None:
    """A per-unit schedule for each country in force from ``start``; each county then prices
    with the newest schedule in force on the day, its own (the demo's) before its country's."""
    for country in COUNTRIES:
        root = Region.by_code(country.code)
        exists = db.session.scalar(select(RateSchedule).where(
            RateSchedule.region_id == root.id, RateSchedule.effective_from == start))
        if exists is None:
            import_schedule(country.schedule, region=root, effective_from=start,
                            name=f"{country.code} national compensation rates",
                            source_name="bench/generate.py", actor=None)
    db.session.flush()
    for county in counties:
        found = []
        for region in [county.region, *county.region.ancestors()]:
            found += db.session.scalars(select(RateSchedule)
                                        .where(RateSchedule.region_id == region.id)).all()
        county.schedules = sorted(((s.effective_from, s) for s in found if s.rates),
                                  key=lambda pair: pair[0], reverse=True)


def schedule_rates(schedule: RateSchedule) -> dict:
    """{kind: [(category, condition, unit, rate)]} of a schedule's per-unit rates."""
    rates: dict = {}
    for rate in schedule.rates:
        if rate.basis.value == "per_unit" and rate.condition in (None, "dead", "damaged"):
            rates.setdefault(rate.kind, []).append(
                (rate.category, rate.condition or "damaged", rate.unit, Decimal(rate.rate)))
    return rates


def add_people(counties: list[County], password: str) -> list[str]:
    """The named users (national-…, county-…) and each county's staff; returns the usernames.

    Only the named users' passwords are hashed one by one; the county staff share the hash of
    ``county-officer`` (the same password)."""
    national = Region.by_code(BENCH_COUNTRY)
    bench_county = next(c for c in counties if c.country.code == BENCH_COUNTRY
                        and c.region.code != "CN-JL-HC")
    usernames = []
    for scope, region in (("national", national), ("county", bench_county.region)):
        for name, role, senior in NAMED:
            username = f"{scope}-{name}"
            if User.by_username(username) is None:
                create_user(username, password, role, region, senior=senior, language="en",
                            full_name=f"{scope.title()} {name}", actor=None)
            usernames.append(username)
    if User.by_username("county-officer") is None:
        create_user("county-officer", password, Role.village_officer, bench_county.region,
                    language="en", full_name="County officer", actor=None)
    usernames.append("county-officer")
    password_hash = User.by_username("county-officer").password_hash
    for county in counties:
        for duty, role, senior in DUTIES:
            username = f"{county.region.code.lower()}-{duty}"
            if county is bench_county and duty != "officer":
                username = f"county-{duty}"
            elif county is bench_county:
                username = "county-officer"
            user = User.by_username(username)
            if user is None:
                user = User(username=username, password_hash=password_hash, role=role,
                            senior=senior, region=county.region, language="en",
                            full_name=f"{county.region.code} {duty}")
                db.session.add(user)
                db.session.flush()
            county.staff[duty] = (user.id, role.value)
    return usernames
