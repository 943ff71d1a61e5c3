"""Administrators have a scope (issue 9): the demo's ``admin`` manages China's users, regions and
rate schedules, ``ru_admin`` Russia's, and only ``root`` the whole system. A probe across the
border answers 404, as if the target did not exist; a change that would reach across it is
refused with a message and changes nothing."""

import io
from datetime import date

import pytest
from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import func, select

from hwc.accounts.models import Role, User
from hwc.accounts.views import INVALID_USER_MESSAGES
from hwc.audit.models import AuditEvent
from hwc.extensions import db
from hwc.rates.models import RateSchedule
from hwc.regions.forms import PARENT_OUTSIDE_SCOPE, TOP_LEVEL_REFUSED
from hwc.regions.models import Region
from tests.factories import import_rates

NEW_PASSWORD = "a-brand-new-password"
RUB_RATES = "kind,category,condition,unit,basis,rate,cap,currency\n" \
            "livestock,cattle,,head,per_unit,90000,,RUB\n"

# (the admin, a user across the border, that user's region, a region of the admin's own)
MIRRORS = [
    pytest.param("admin", "ru_officer", "RU-PRI-KHS", "CN-JL-HC", id="hunchun-admin"),
    pytest.param("ru_admin", "officer", "CN-JL-HC", "RU-PRI-KHS", id="khasansky-admin"),
]


def user(app, username: str) -> dict:
    """What a change to the user would show: their id, profile, login state and password."""
    with app.app_context():
        found = User.by_username(username)
        return {"id": found.id, "role": found.role, "region": found.region_id,
                "active": found.active, "password": found.password_hash,
                "name": found.full_name}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def actions_by(app, username: str) -> list[str]:
    with app.app_context():
        actor = User.by_username(username)
        return list(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.actor_id == actor.id).order_by(AuditEvent.seq)))


def message(app, text, locale: str) -> str:
    with app.test_request_context(), force_locale(locale):
        return str(escape(str(text)))


def locale_of(username: str) -> str:
    return "ru" if username.startswith("ru_") else "zh_Hans"


def user_data(**overrides) -> dict:
    data = {"username": "inspector2", "full_name": "Inspector", "role": "verifier",
            "region": "CN-JL-HC-MD", "language": "en", "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD}
    data.update(overrides)
    return data


def region_data(**overrides) -> dict:
    data = {"code": "NEW-TOWN", "level": "township", "parent": "CN-JL-HC",
            "name_zh_Hans": "", "name_en": "New town", "name_ru": "", "name_ko": ""}
    data.update(overrides)
    return data


# Users

@pytest.mark.parametrize(("admin", "foreigner", "_abroad", "_home"), MIRRORS)
def test_country_admin_lists_only_the_users_of_their_country(app, login_as, admin, foreigner,
                                                             _abroad, _home):
    page = login_as(admin).get("/admin/users").get_data(as_text=True)
    assert f'data-user="{admin}"' in page
    assert f'data-user="{foreigner}"' not in page
    assert 'data-user="root"' not in page


@pytest.mark.parametrize(("admin", "foreigner", "_abroad", "_home"), MIRRORS)
@pytest.mark.parametrize(("method", "path", "data"), [
    ("GET", "/admin/users/{id}", None),
    ("POST", "/admin/users/{id}", {"full_name": "x", "role": "auditor", "region": "CN",
                                   "language": "en"}),
    ("POST", "/admin/users/{id}/deactivate", None),
    ("POST", "/admin/users/{id}/reactivate", None),
    ("POST", "/admin/users/{id}/password", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}),
    ("POST", "/admin/users/{id}/sessions", None),
])
def test_country_admin_finds_no_user_across_the_border(app, login_as, demo, admin, foreigner,
                                                       _abroad, _home, method, path, data):
    before = user(app, foreigner)
    events = count(app, AuditEvent)
    response = login_as(admin).open(path.format(id=before["id"]), method=method, data=data)
    assert response.status_code == 404
    assert user(app, foreigner) == before
    assert count(app, AuditEvent) == events
    assert login_as(foreigner).get("/workspace").status_code == 200


@pytest.mark.parametrize("admin", ["admin", "ru_admin"])
@pytest.mark.parametrize("path", ["/admin/users/{id}", "/admin/users/{id}/deactivate",
                                  "/admin/users/{id}/password"])
def test_country_admin_finds_no_root_user(app, login_as, admin, path):
    before = user(app, "root")
    client = login_as(admin)
    response = (client.get if path == "/admin/users/{id}" else client.post)(
        path.format(id=before["id"]), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 404
    assert user(app, "root") == before


@pytest.mark.parametrize(("admin", "_foreigner", "abroad", "home"), MIRRORS)
def test_country_admin_cannot_create_a_user_across_the_border(app, login_as, admin, _foreigner,
                                                              abroad, home):
    client = login_as(admin)
    users = count(app, User)
    response = client.post("/admin/users/new", data=user_data(region=abroad))
    assert response.status_code == 422
    refusal = message(app, INVALID_USER_MESSAGES["region_scope"][1], locale_of(admin))
    assert f'id="region-error">{refusal}<' in response.get_data(as_text=True)
    assert count(app, User) == users
    assert client.post("/admin/users/new", data=user_data(region=home)).status_code == 302
    assert actions_by(app, admin) == ["user_created"]


@pytest.mark.parametrize(("admin", "_foreigner", "abroad", "home"), MIRRORS)
def test_country_admin_cannot_move_their_user_across_the_border(app, login_as, admin,
                                                                _foreigner, abroad, home):
    colleague = "auditor" if admin == "admin" else "ru_auditor"
    before = user(app, colleague)
    response = login_as(admin).post(f"/admin/users/{before['id']}", data={
        "full_name": "x", "role": "auditor", "region": abroad, "language": "en"})
    assert response.status_code == 422
    assert 'id="region-error"' in response.get_data(as_text=True)
    assert user(app, colleague) == before
    assert actions_by(app, admin) == []


@pytest.mark.parametrize("admin", ["admin", "ru_admin"])
def test_country_admin_cannot_create_a_root(app, login_as, admin):
    users = count(app, User)
    response = login_as(admin).post("/admin/users/new", data=user_data(role="admin", region=""))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message(app, INVALID_USER_MESSAGES["root_only"][1], locale_of(admin)) in page
    assert count(app, User) == users


@pytest.mark.parametrize("admin", ["admin", "ru_admin"])
def test_country_admin_cannot_widen_their_own_scope(app, login_as, admin):
    before = user(app, admin)
    client = login_as(admin)
    for region in ("", "RU" if admin == "admin" else "CN"):
        response = client.post(f"/admin/users/{before['id']}", data={
            "full_name": "x", "role": "admin", "region": region, "language": "en"})
        assert response.status_code == 422, region
    assert user(app, admin) == before
    assert actions_by(app, admin) == []


@pytest.mark.parametrize("admin", ["admin", "ru_admin"])
def test_country_admin_cannot_make_a_colleague_root(app, login_as, admin):
    colleague = "auditor" if admin == "admin" else "ru_auditor"
    before = user(app, colleague)
    response = login_as(admin).post(f"/admin/users/{before['id']}", data={
        "full_name": "x", "role": "admin", "region": "", "language": "en"})
    assert response.status_code == 422
    assert message(app, INVALID_USER_MESSAGES["root_only"][1], locale_of(admin)) in (
        response.get_data(as_text=True))
    assert user(app, colleague) == before


def test_a_county_admin_appointed_by_the_country_admin_manages_only_the_county(app, login_as,
                                                                               demo):
    response = login_as("admin").post("/admin/users/new", data=user_data(
        username="hunchun_admin", role="admin", region="CN-JL-HC"))
    assert response.status_code == 302
    county_admin = app.test_client()
    county_admin.post("/login", data={"username": "hunchun_admin", "password": NEW_PASSWORD})
    page = county_admin.get("/admin/users").get_data(as_text=True)
    assert 'data-user="officer"' in page and 'data-user="admin"' not in page
    assert county_admin.get(f"/admin/users/{user(app, 'admin')['id']}").status_code == 404
    assert county_admin.get("/admin/regions/CN-JL").status_code == 404
    assert county_admin.get("/admin/regions/CN-JL-HC").status_code == 200


def test_country_admin_offers_only_areas_of_their_country(login_as):
    page = login_as("admin").get("/admin/users/new").get_data(as_text=True)
    assert 'value="CN-JL-HC-CH"' in page
    assert 'value="RU-PRI-KHS"' not in page and 'value="RU"' not in page


def test_root_manages_users_on_both_sides_of_the_border(app, login_as, demo):
    root = login_as("root")
    page = root.get("/admin/users").get_data(as_text=True)
    for username in ("officer", "ru_officer", "admin", "ru_admin", "root"):
        assert f'data-user="{username}"' in page
    ru_officer, officer = user(app, "ru_officer")["id"], user(app, "officer")["id"]
    assert root.post(f"/admin/users/{ru_officer}", data={
        "full_name": "Ирина", "role": "village_officer", "region": "RU-PRI-KHS-SL",
        "language": "ru"}).status_code == 302
    assert root.post(f"/admin/users/{officer}/deactivate").status_code == 302
    assert root.post(f"/admin/users/{officer}/reactivate").status_code == 302
    assert root.post(f"/admin/users/{ru_officer}/password", data={
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert root.post(f"/admin/users/{ru_officer}/sessions").status_code == 302
    assert root.post("/admin/users/new", data=user_data(
        username="root2", role="admin", region="")).status_code == 302
    with app.app_context():
        assert User.by_username("root2").is_root
        assert User.by_username("ru_officer").region.code == "RU-PRI-KHS-SL"
    assert actions_by(app, "root") == ["user_updated", "user_deactivated", "user_reactivated",
                                       "password_reset", "sessions_ended", "user_created"]


# Regions

@pytest.mark.parametrize(("admin", "_foreigner", "abroad", "home"), MIRRORS)
def test_country_admin_sees_only_the_regions_of_their_country(login_as, admin, _foreigner,
                                                              abroad, home):
    page = login_as(admin).get("/admin/regions").get_data(as_text=True)
    assert f'data-region="{home}"' in page
    assert f'data-region="{abroad}"' not in page


@pytest.mark.parametrize(("admin", "_foreigner", "abroad", "home"), MIRRORS)
def test_country_admin_finds_no_region_across_the_border(app, login_as, admin, _foreigner,
                                                         abroad, home):
    client = login_as(admin)
    assert client.get(f"/admin/regions/{abroad}").status_code == 404
    response = client.post(f"/admin/regions/{abroad}", data=region_data(
        code=None, parent=home, name_en="Taken"))
    assert response.status_code == 404
    with app.app_context():
        assert Region.by_code(abroad).names.get("en") != "Taken"
    assert actions_by(app, admin) == []


@pytest.mark.parametrize(("admin", "_foreigner", "abroad", "home"), MIRRORS)
@pytest.mark.parametrize("where", ["abroad", "top"])
def test_country_admin_cannot_create_a_region_abroad_or_at_the_top(app, login_as, admin,
                                                                   _foreigner, abroad, home,
                                                                   where):
    regions = count(app, Region)
    response = login_as(admin).post("/admin/regions/new", data=region_data(
        parent=abroad if where == "abroad" else ""))
    assert response.status_code == 422
    refusal = PARENT_OUTSIDE_SCOPE if where == "abroad" else TOP_LEVEL_REFUSED
    assert (f'id="parent-error">{message(app, refusal, locale_of(admin))}<'
            in response.get_data(as_text=True))
    assert count(app, Region) == regions
    assert actions_by(app, admin) == []


@pytest.mark.parametrize(("admin", "_foreigner", "abroad", "home"), MIRRORS)
@pytest.mark.parametrize("where", ["abroad", "top"])
def test_country_admin_cannot_move_a_region_out_of_their_country(app, login_as, admin,
                                                                 _foreigner, abroad, home,
                                                                 where):
    with app.app_context():
        path = Region.by_code(home).path
    response = login_as(admin).post(f"/admin/regions/{home}", data=region_data(
        code=None, level="county", parent=abroad if where == "abroad" else ""))
    assert response.status_code == 422
    assert 'id="parent-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert Region.by_code(home).path == path
    assert actions_by(app, admin) == []


@pytest.mark.parametrize(("admin", "country", "name"), [("admin", "CN", "中国"),
                                                        ("ru_admin", "RU", "Россия")])
def test_country_admin_renames_their_own_country(app, login_as, admin, country, name):
    response = login_as(admin).post(f"/admin/regions/{country}", data=region_data(
        code=None, level="country", parent="", name_en=f"{name}!"))
    assert response.status_code == 302
    with app.app_context():
        assert Region.by_code(country).names["en"] == f"{name}!"
        assert Region.by_code(country).parent is None
    assert actions_by(app, admin) == ["region_updated"]


def test_root_creates_a_country_and_moves_a_region_across_it(app, login_as):
    root = login_as("root")
    assert root.post("/admin/regions/new", data=region_data(
        code="KP", level="country", parent="")).status_code == 302
    assert root.post("/admin/regions/RU-PRI-KHS-KR", data=region_data(
        code=None, level="village", parent="KP")).status_code == 302
    with app.app_context():
        assert Region.by_code("KP").parent is None
        assert Region.by_code("RU-PRI-KHS-KR").path == "/KP/RU-PRI-KHS-KR/"
    assert actions_by(app, "root") == ["region_created", "region_updated"]


# Rate schedules

@pytest.fixture
def schedules(app, demo) -> dict[str, int]:
    """A schedule on each side of the border: {region code: schedule id}."""
    with app.app_context():
        ids = {"CN-JL-HC": import_rates(actor=None).id,
               "RU-PRI-KHS": import_rates("RU-PRI-KHS", text=RUB_RATES, actor=None).id}
        db.session.commit()
    return ids


@pytest.mark.parametrize(("admin", "_foreigner", "abroad", "home"), MIRRORS)
def test_country_admin_sees_only_the_schedules_of_their_country(app, login_as, schedules,
                                                                admin, _foreigner, abroad,
                                                                home):
    client = login_as(admin)
    page = client.get("/admin/rates").get_data(as_text=True)
    assert f'href="/admin/rates/{schedules[home]}"' in page
    assert f'href="/admin/rates/{schedules[abroad]}"' not in page
    assert client.get(f"/admin/rates/{schedules[home]}").status_code == 200
    assert client.get(f"/admin/rates/{schedules[abroad]}").status_code == 404


@pytest.mark.parametrize(("admin", "_foreigner", "abroad", "home"), MIRRORS)
def test_country_admin_cannot_import_a_schedule_across_the_border(app, login_as, admin,
                                                                  _foreigner, abroad, home):
    with app.app_context():
        region_id = Region.by_code(abroad).id
    schedules = count(app, RateSchedule)
    response = login_as(admin).post("/admin/rates/import", data={
        "region": str(region_id), "effective_from": "2024-01-01", "name": "Uploaded",
        "csv_file": (io.BytesIO(RUB_RATES.encode()), "rates.csv"),
    }, content_type="multipart/form-data")
    assert response.status_code == 400
    assert 'id="region-error"' in response.get_data(as_text=True)
    assert count(app, RateSchedule) == schedules
    assert actions_by(app, admin) == []


def test_root_sees_and_imports_schedules_on_both_sides(app, login_as, schedules):
    root = login_as("root")
    page = root.get("/admin/rates").get_data(as_text=True)
    for schedule_id in schedules.values():
        assert f'href="/admin/rates/{schedule_id}"' in page
        assert root.get(f"/admin/rates/{schedule_id}").status_code == 200
    with app.app_context():
        region_id = Region.by_code("RU-PRI-KHS-SL").id
    response = root.post("/admin/rates/import", data={
        "region": str(region_id), "effective_from": date(2024, 1, 1).isoformat(),
        "csv_file": (io.BytesIO(RUB_RATES.encode()), "rates.csv"),
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    assert actions_by(app, "root") == ["rates_imported"]


def test_the_command_line_creates_a_root_administrator(app, runner, demo):
    result = runner.invoke(args=["hwc", "user", "create", "--username", "root2", "--role",
                                 "admin", "--password-stdin"], input=NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        created = User.by_username("root2")
        assert created.is_root and created.role == Role.admin
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user_created")
                                  .order_by(AuditEvent.seq.desc()))
        assert event.actor_id is None and event.changes["user"] == "root2"
