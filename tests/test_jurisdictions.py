"""Each jurisdiction has its own time zone, currency, threshold and deadlines (issue 9, §1):
settings per region inherited down the tree, Khasansky's times in Vladivostok time, its
threshold in roubles, and each country's administrator kept to their own country's settings."""

import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_datetime
from PIL import Image
from sqlalchemy import select

from hwc.accounts.models import User
from hwc.audit.models import AuditEvent
from hwc.claims.deadlines import deadlines, due_day, recompute_due
from hwc.claims.evidence import add_evidence
from hwc.claims.models import Claim, ClaimStatus
from hwc.claims.queues import QueueFilters, queue_query
from hwc.core.settings import REGIONAL_KEYS, get_setting
from hwc.extensions import db
from hwc.regions.models import Region
from hwc.regions.operations import create_region
from hwc.regions.settings import (
    RegionNotFound,
    change_region_settings,
    own_settings,
    settings_for,
)
from hwc.workflow.service import perform
from tests.factories import claim_body, import_rates, make_claim, set_region_setting

VLADIVOSTOK, SHANGHAI = ZoneInfo("Asia/Vladivostok"), ZoneInfo("Asia/Shanghai")
KHASANSKY_VILLAGE = "RU-PRI-KHS-SL"
# A later schedule than the demo's, with round figures: n head of cattle cost n × 10,000 RUB.
KHASANSKY_RATES = ("kind,category,condition,unit,basis,rate,cap,currency\n"
                   "livestock,cattle,dead,head,per_unit,10000,,RUB\n")
RU_PATH = [("submit", "ru_officer", {}), ("start_verification", "ru_verifier", {}),
           ("verify", "ru_verifier", {"findings": "Следы тигра."}), ("approve", "ru_approver", {})]


def cattle(head: int, village: str = KHASANSKY_VILLAGE, **incident) -> dict:
    """A claim body for ``head`` dead cattle in ``village`` (a Russian claimant there)."""
    body = claim_body(village=village, losses=[
        {"kind": "livestock", "category": "cattle", "condition": "dead",
         "quantity": str(head), "unit": "head"}])
    if village.startswith("RU-"):
        body["claimant"] = {"name": "Иван Петров", "phone": "+79241234567", "language": "ru"}
    body["incident"].update(incident)
    return body


def khasansky_claim(head: int = 1, *, steps=RU_PATH, **incident) -> Claim:
    claim = make_claim("draft", officer="ru_officer", body=cattle(head, **incident))
    for action, username, data in steps:
        perform(claim, action, actor=User.by_username(username), **data)
    db.session.flush()
    return claim


def region(code: str) -> Region:
    return Region.by_code(code)


@pytest.fixture
def world(ctx, demo):
    import_rates("RU-PRI-KHS", text=KHASANSKY_RATES, effective_from=date(2026, 1, 2))
    db.session.flush()


# --- settings inherited down the tree -------------------------------------------------------

def test_a_value_set_on_a_country_is_inherited_by_its_villages_and_overridden_by_a_county(
        world):
    set_region_setting("RU", "inspect_within_days", 5)
    village = region(KHASANSKY_VILLAGE)
    assert settings_for(village)["inspect_within_days"] == 5
    assert settings_for(village).sources["inspect_within_days"] == "RU"
    set_region_setting("RU-PRI-KHS", "inspect_within_days", 9)
    assert settings_for(village)["inspect_within_days"] == 9
    assert settings_for(village).sources["inspect_within_days"] == "RU-PRI-KHS"
    assert settings_for(region("RU-PRI"))["inspect_within_days"] == 5
    assert settings_for(region("CN-JL-HC-CH-CM"))["inspect_within_days"] == \
        get_setting("inspect_within_days")
    set_region_setting("RU-PRI-KHS", "inspect_within_days", None)
    assert settings_for(village)["inspect_within_days"] == 5


def test_a_place_nothing_above_sets_uses_the_deployments_values(world):
    island = create_region("XX", "country", {"en": "Elsewhere"})
    village = create_region("XX-V", "village", {"en": "Hamlet"}, island)
    rules = settings_for(village)
    assert rules["time_zone"] == get_setting("time_zone") == "Asia/Shanghai"
    assert rules.currency == "CNY" and rules.sources["currency"] is None


def test_the_demo_sets_each_countrys_zone_currency_and_threshold(world):
    china, russia = settings_for(region("CN-JL-HC-CH-CM")), settings_for(region(KHASANSKY_VILLAGE))
    assert (china.zone, china.currency, china.second_approval_above) == (
        SHANGHAI, "CNY", Decimal("10000.00"))
    assert (russia.zone, russia.currency, russia.second_approval_above) == (
        VLADIVOSTOK, "RUB", Decimal("100000.00"))
    assert russia["voucher_authority"] and china["voucher_authority"]


def test_a_threshold_is_in_the_currency_in_force_where_it_was_set(world):
    set_region_setting("RU-PRI-KHS", "currency", "KRW")  # the county changes currency only
    rules = settings_for(region(KHASANSKY_VILLAGE))
    assert (rules.currency, rules.threshold_currency) == ("KRW", "RUB")
    # An amount in another currency than the threshold's cannot be compared: a second look.
    assert rules.needs_second_approval(Decimal(1), "KRW")
    assert not rules.needs_second_approval(Decimal(100000), "RUB")


# --- times in the village's zone ------------------------------------------------------------

@pytest.fixture
def ru_officer(login_as):
    return login_as("ru_officer")


def file_khasansky_incident(client, day="2026-03-01", at="23:15") -> str:
    response = client.get("/file/new")
    base = response.headers["Location"].rsplit("/", 1)[0]
    assert client.post(base + "/claimant", data={
        "village": KHASANSKY_VILLAGE, "name": "Иван Петров", "phone": "+79241234567",
        "language": "ru"}).status_code == 302
    assert client.post(base + "/incident", data={
        "occurred_date": day, "occurred_time": at, "species": "amur_tiger",
        "narrative": "Тигр задрал корову"}).status_code == 302
    assert client.post(base + "/losses", data={
        "rows-0-kind": "livestock", "rows-0-category": "cattle", "rows-0-condition": "dead",
        "rows-0-quantity": "1", "rows-0-unit": "head"}).status_code == 302
    return base


def test_a_khasansky_incident_typed_at_23_15_is_stored_as_13_15_utc_and_read_back_so(
        app, demo, ru_officer):
    base = file_khasansky_incident(ru_officer)
    with app.app_context():
        claim = db.session.scalars(select(Claim)).one()
        assert claim.occurred_at == datetime(2026, 3, 1, 13, 15, tzinfo=UTC)
        assert claim.currency == "RUB"
    page = ru_officer.get(base + "/incident").get_data(as_text=True)
    assert 'value="23:15"' in page and 'value="2026-03-01"' in page


def test_a_khasansky_claims_page_and_timeline_read_in_vladivostok_time(app, demo, ru_officer):
    file_khasansky_incident(ru_officer)
    with app.app_context():
        claim = db.session.scalars(select(Claim)).one()
        code, created = claim.code, claim.created_at
        events = db.session.scalars(select(AuditEvent.created_at).where(
            AuditEvent.claim_id == claim.id)).all()
    page = ru_officer.get(f"/claims/{code}").get_data(as_text=True)
    incident = datetime(2026, 3, 1, 13, 15, tzinfo=UTC)
    assert format_datetime(incident, "medium", tzinfo=VLADIVOSTOK, locale="ru") in page
    assert "23:15" in format_datetime(incident, "medium", tzinfo=VLADIVOSTOK, locale="ru")
    assert "21:15" not in page  # the incident in Shanghai time
    for moment in events:
        assert format_datetime(moment, "short", tzinfo=VLADIVOSTOK, locale="ru") in page
    if created.astimezone(VLADIVOSTOK).hour != created.astimezone(SHANGHAI).hour:
        assert format_datetime(created, "short", tzinfo=SHANGHAI, locale="ru") not in page


def test_a_time_from_another_zone_than_the_viewers_is_named(app, world):
    from hwc.core.i18n import format_in_zone

    moment = datetime(2026, 3, 1, 13, 15, tzinfo=UTC)
    chinese = User.by_username("auditor")
    with app.test_request_context(), pytest.MonkeyPatch.context() as patch:
        patch.setattr("hwc.core.i18n.current_user", chinese)
        from flask_babel import force_locale

        with force_locale("en"):
            assert format_in_zone(moment, SHANGHAI) == "3/1/26, 9:15\u202fPM"
            named = format_in_zone(moment, VLADIVOSTOK)
    assert "11:15\u202fPM" in named and "Vladivostok" in named and "GMT+10:00" in named


def test_the_deadlines_of_a_khasansky_claim_fall_on_vladivostok_days(world):
    claim = khasansky_claim(steps=RU_PATH[:1])
    # 15:30 UTC is 1:30 on 2 March in Vladivostok, still 1 March in Shanghai.
    claim.submitted_at = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
    recompute_due(claim)
    days = get_setting("inspect_within_days")
    last_day = date(2026, 3, 2) + timedelta(days=days)
    assert due_day(claim.due_at, VLADIVOSTOK) == last_day
    assert claim.due_at == datetime.combine(last_day + timedelta(days=1), datetime.min.time(),
                                            VLADIVOSTOK)
    assert deadlines(claim)["inspect_by"] == claim.due_at


def test_a_khasansky_claims_page_shows_its_due_day_in_vladivostok(app, demo, login_as):
    with app.app_context():
        claim = khasansky_claim(steps=RU_PATH[:1])
        claim.submitted_at = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
        recompute_due(claim)
        code = claim.code
        db.session.commit()
    page = login_as("ru_verifier").get(f"/claims/{code}").get_data(as_text=True)
    last_day = date(2026, 3, 2) + timedelta(days=7)  # the deployment's default
    assert format_date(last_day, "medium", locale="ru") in page


def photo_taken_at(text: str) -> bytes:
    image = Image.new("RGB", (32, 24), (90, 120, 40))
    exif = image.getexif()
    exif.get_ifd(0x8769)[36867] = text  # DateTimeOriginal, no offset: the camera's local time
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_a_photos_time_without_an_offset_is_read_in_the_villages_zone(world):
    claim = khasansky_claim(steps=[])
    evidence = add_evidence(claim, photo_taken_at("2026:03:01 23:15:00"),
                            actor=User.by_username("ru_officer"))
    assert evidence.captured_at == datetime(2026, 3, 1, 13, 15, tzinfo=UTC)


def test_queue_date_filters_are_the_viewers_days(world):
    claim = khasansky_claim(steps=RU_PATH[:1])
    claim.occurred_at = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)  # 2 March in Vladivostok
    db.session.flush()
    verifier = User.by_username("ru_verifier")

    def listed(**filters) -> bool:
        return claim in db.session.scalars(queue_query(verifier, QueueFilters(**filters))).all()

    assert listed(date_from=date(2026, 3, 2), date_to=date(2026, 3, 2))
    assert not listed(date_to=date(2026, 3, 1))


def test_the_api_gives_a_claims_times_in_its_villages_zone(app, demo, ru_officer):
    file_khasansky_incident(ru_officer)
    token = app.test_client().post("/api/v1/token", json={
        "username": "ru_officer", "password": demo}).get_json()["token"]
    with app.app_context():
        code = db.session.scalars(select(Claim)).one().display_code
    body = app.test_client().get(f"/api/v1/claims/{code}",
                                 headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["time_zone"] == "Asia/Vladivostok"
    assert body["occurred_at"] == "2026-03-01T23:15:00+10:00"


# --- currency and threshold -----------------------------------------------------------------

def test_a_new_claim_takes_its_villages_currency(world):
    assert khasansky_claim(steps=[]).currency == "RUB"
    assert make_claim("draft", body=cattle(1, village="CN-JL-HC-CH-CM")).currency == "CNY"


@pytest.mark.parametrize(("head", "status"), [
    (8, ClaimStatus.approved),                    # 80,000 RUB
    (10, ClaimStatus.approved),                   # exactly 100,000 RUB
    (15, ClaimStatus.awaiting_second_approval),   # 150,000 RUB
])
def test_a_khasansky_claims_threshold_is_in_roubles(world, head, status):
    claim = khasansky_claim(head)
    assert (claim.currency, claim.assessed_total) == ("RUB", Decimal(head * 10000))
    assert claim.status == status


def test_a_12000_yuan_claim_in_hunchun_needs_a_second_approval(world):
    claim = make_claim("approved", body=cattle(2, village="CN-JL-HC-CH-CM"))  # 2 × 6,000 CNY
    assert (claim.currency, claim.assessed_total) == ("CNY", Decimal("12000.00"))
    assert claim.second_approved_by.username == "senior"


# --- the settings pages ---------------------------------------------------------------------

def form_of(own: dict) -> dict:
    """The region settings page's fields as a browser posts them (empty: inherit)."""
    return {key: "" if value is None else str(value) for key, value in own.items()}


KEYS = REGIONAL_KEYS  # every field of a region's settings page


def page_data(app, code: str, **changes) -> dict:
    with app.app_context():
        own = own_settings(region(code))
    return form_of({key: own.get(key) for key in KEYS} | changes)


@pytest.mark.parametrize("code", ["RU", "RU-PRI-KHS", KHASANSKY_VILLAGE])
def test_the_hunchun_admin_cannot_see_or_change_khasansky_settings(app, demo, login_as, code):
    admin = login_as("admin")
    with app.app_context():
        before = own_settings(region(code))
    assert admin.get(f"/admin/regions/{code}/settings").status_code == 404
    response = admin.post(f"/admin/regions/{code}/settings", data=page_data(
        app, code, second_approval_above="1", time_zone="Asia/Shanghai", currency="CNY"))
    assert response.status_code == 404
    assert admin.post("/admin/settings", data={"second_approval_above": "1"}).status_code == 403
    with app.app_context():
        assert own_settings(region(code)) == before
        assert db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "region_setting_changed")) is None


def test_no_caller_can_change_settings_outside_their_area(world):
    with pytest.raises(RegionNotFound):
        change_region_settings(region("RU-PRI-KHS"), {"inspect_within_days": 1},
                               actor=User.by_username("admin"))
    with pytest.raises(RegionNotFound):  # not an administrator
        change_region_settings(region("RU-PRI-KHS"), {"inspect_within_days": 1},
                               actor=User.by_username("ru_auditor"))
    assert "inspect_within_days" not in own_settings(region("RU-PRI-KHS"))


def test_the_russian_admin_changes_khasansky_settings_one_event_per_key(app, demo, login_as):
    ru_admin = login_as("ru_admin")
    response = ru_admin.post("/admin/regions/RU-PRI-KHS/settings", data=page_data(
        app, "RU-PRI-KHS", inspect_within_days="10", second_approval_above="120000"))
    assert response.status_code == 302
    with app.app_context():
        rules = settings_for(region(KHASANSKY_VILLAGE))
        assert (rules["inspect_within_days"], rules.second_approval_above) == (
            10, Decimal("120000.00"))
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "region_setting_changed").order_by(AuditEvent.seq)).all()
        assert [e.changes for e in events] == [
            {"region": "RU-PRI-KHS", "key": "second_approval_above", "from": None,
             "to": "120000"},
            {"region": "RU-PRI-KHS", "key": "inspect_within_days", "from": None, "to": 10}]
        assert {e.actor.username for e in events} == {"ru_admin"}


def test_the_page_shows_where_an_inherited_value_comes_from_and_clearing_inherits_again(
        app, demo, login_as):
    ru_admin = login_as("ru_admin")
    ru_admin.post("/language", data={"language": "en"})
    page = ru_admin.get("/admin/regions/RU-PRI-KHS/settings").get_data(as_text=True)
    assert "Asia/Vladivostok from Russia is in force" in page
    ru_admin.post("/admin/regions/RU-PRI-KHS/settings",
                  data=page_data(app, "RU-PRI-KHS", pay_within_days="20"))
    page = ru_admin.get("/admin/regions/RU-PRI-KHS/settings").get_data(as_text=True)
    assert "Set here. Leave empty to use 30 from the deployment" in page
    ru_admin.post("/admin/regions/RU-PRI-KHS/settings",
                  data=page_data(app, "RU-PRI-KHS", pay_within_days=""))
    with app.app_context():
        assert "pay_within_days" not in own_settings(region("RU-PRI-KHS"))
        assert settings_for(region(KHASANSKY_VILLAGE))["pay_within_days"] == 30


@pytest.mark.parametrize(("key", "value", "message"), [
    ("time_zone", "Mars/Olympus_Mons", "IANA"),
    ("time_zone", "../../etc/passwd", "IANA"),
    ("currency", "XYZ", "ISO 4217"),
    ("second_approval_above", "100000.001", "decimal places"),
    ("second_approval_above", "-1", "from 0"),
    ("inspect_within_days", "0", "from 1"),
    ("voucher_authority", "x" * 201, "200"),
    ("voucher_authority", "line\nbreak", "line breaks"),
])
def test_bad_region_settings_are_refused_with_a_message_and_nothing_is_stored(
        app, demo, login_as, key, value, message):
    ru_admin = login_as("ru_admin")
    ru_admin.post("/language", data={"language": "en"})
    response = ru_admin.post("/admin/regions/RU/settings", data=page_data(
        app, "RU", **{key: value, "pay_within_days": "20"}))
    assert response.status_code == 422
    error = re.search(rf'id="{key}-error">([^<]*)<', response.get_data(as_text=True))
    assert error and message in error.group(1), error
    with app.app_context():
        assert "pay_within_days" not in own_settings(region("RU"))


def test_a_threshold_has_the_places_of_its_regions_currency(app, demo, login_as):
    ru_admin = login_as("ru_admin")
    ru_admin.post("/language", data={"language": "en"})
    response = ru_admin.post("/admin/regions/RU-PRI-KHS/settings", data=page_data(
        app, "RU-PRI-KHS", currency="KRW", second_approval_above="1000000.50"))
    assert response.status_code == 422
    assert "at most 0 decimal places" in response.get_data(as_text=True)
    response = ru_admin.post("/admin/regions/RU-PRI-KHS/settings", data=page_data(
        app, "RU-PRI-KHS", currency="KRW", second_approval_above="1000000"))
    assert response.status_code == 302


def test_an_operation_changes_only_the_settings_it_is_given(world):
    khasansky = region("RU-PRI-KHS")
    before = own_settings(khasansky)
    change_region_settings(khasansky, {"inspect_within_days": 4},
                           actor=User.by_username("ru_admin"))
    assert own_settings(khasansky) == before | {"inspect_within_days": 4}
    change_region_settings(khasansky, {"inspect_within_days": None},
                           actor=User.by_username("ru_admin"))
    assert own_settings(khasansky) == before
