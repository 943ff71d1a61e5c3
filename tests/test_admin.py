"""The administrator's pages: users, regions and settings, each change audited."""

import pytest
from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import func, select

from hwc.accounts.models import Role, User
from hwc.accounts.views import INVALID_USER_MESSAGES
from hwc.audit.models import AuditEvent
from hwc.audit.trail import verify_chain
from hwc.core.settings import SETTINGS, get_setting
from hwc.extensions import db
from hwc.regions.models import Region, RegionLevel

NEW_PASSWORD = "a-brand-new-password"


@pytest.fixture
def admin(login_as):
    return login_as("admin")


def user_id(app, username: str) -> int:
    with app.app_context():
        return User.by_username(username).id


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action)
            .order_by(AuditEvent.seq)))


def admin_events(app, action: str) -> list[AuditEvent]:
    admin_id = user_id(app, "admin")
    return [e for e in events(app, action) if e.actor_id == admin_id]


def message(app, reason: str) -> str:
    """What the Chinese-speaking demo admin reads for an ``InvalidUser`` reason, as HTML."""
    with app.test_request_context(), force_locale("zh_Hans"):
        return str(escape(str(INVALID_USER_MESSAGES[reason][1])))


def can_log_in(app, username: str, password: str) -> bool:
    response = app.test_client().post("/login", data={"username": username,
                                                      "password": password})
    return response.status_code == 302


def new_user_data(**overrides) -> dict:
    data = {"username": "inspector2", "full_name": "朴敏 Park Min", "role": "verifier",
            "region": "CN-JL-HC-MD", "language": "ko", "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def profile_data(**overrides) -> dict:
    data = {"full_name": "金成浩 Jin Chenghao", "role": "verifier", "region": "CN-JL-HC",
            "language": "zh_Hans"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def settings_data(**overrides) -> dict:
    """The deployment settings page's fields, each at its default (the test app's time zone
    and currency are the configuration's defaults)."""
    data = {key: str(spec.default) for key, spec in SETTINGS.items()}
    data.update(time_zone="Asia/Shanghai", currency="CNY", office_language="zh_Hans")
    data.update({key: str(value) for key, value in overrides.items()})
    return data


def region_data(**overrides) -> dict:
    data = {"code": "CN-JL-HC-YS", "level": "township", "parent": "CN-JL-HC",
            "name_zh_Hans": "英安镇", "name_en": "Ying'an", "name_ru": "", "name_ko": ""}
    data.update(overrides)
    return data


ADMIN_PAGES = ["/admin/users", "/admin/users/new", "/admin/users/{officer}", "/admin/regions",
               "/admin/regions/new", "/admin/regions/CN-JL-HC", "/admin/regions/CN-JL-HC/settings"]
ADMIN_POSTS = ["/admin/users/new", "/admin/users/{officer}", "/admin/users/{officer}/deactivate",
               "/admin/users/{officer}/reactivate", "/admin/users/{officer}/password",
               "/admin/users/{officer}/sessions",
               "/admin/regions/new", "/admin/regions/CN-JL-HC", "/admin/regions/CN-JL-HC/settings"]


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_pages_open_for_the_admin(app, admin, page):
    response = admin.get(page.format(officer=user_id(app, "officer")))
    assert response.status_code == 200


@pytest.mark.parametrize("page", ADMIN_PAGES)
@pytest.mark.parametrize("username", ["verifier", "approver", "auditor"])
def test_admin_pages_are_forbidden_to_everyone_else(app, login_as, page, username):
    response = login_as(username).get(page.format(officer=user_id(app, "officer")))
    assert response.status_code == 403


@pytest.mark.parametrize("url", ADMIN_POSTS)
def test_admin_changes_are_forbidden_to_everyone_else(app, login_as, url):
    response = login_as("verifier").post(url.format(officer=user_id(app, "officer")),
                                         data={"password": NEW_PASSWORD})
    assert response.status_code == 403
    assert can_log_in(app, "officer", "tiger-demo-2026")
    assert events(app, "user_deactivated") == [] and events(app, "password_reset") == []


def test_user_list_links_each_user_and_shows_who_is_active(app, admin):
    with app.app_context():
        User.by_username("auditor").active = False
        db.session.commit()
    page = admin.get("/admin/users").get_data(as_text=True)
    assert f'href="/admin/users/{user_id(app, "officer")}"' in page
    assert 'href="/admin/users/new"' in page
    assert page.count('class="badge status-withdrawn"') == 1


# Users

def test_new_user_page_offers_translated_roles_and_indented_regions(app, admin):
    page = admin.get("/admin/users/new").get_data(as_text=True)
    with app.test_request_context(), force_locale("zh_Hans"):
        assert Role.finance.title in page
    assert "\u00a0\u00a0\u00a0春化镇 (CN-JL-HC-CH)" in page.replace("&nbsp;", "\u00a0")


def test_admin_creates_a_user_who_can_then_log_in(app, admin):
    response = admin.post("/admin/users/new", data=new_user_data(username="Inspector2"))
    assert response.status_code == 302
    with app.app_context():
        user = User.by_username("inspector2")
        assert user.role == Role.verifier and user.region.code == "CN-JL-HC-MD"
        assert user.language == "ko" and user.full_name == "朴敏 Park Min" and user.active
    assert can_log_in(app, "inspector2", NEW_PASSWORD)
    [event] = admin_events(app, "user_created")
    assert event.actor_role == "admin"
    assert event.changes["user"] == "inspector2" and event.changes["region"] == "CN-JL-HC-MD"
    assert NEW_PASSWORD not in str(event.changes)


def test_root_creates_an_admin_of_no_region(app, login_as):
    response = login_as("root").post("/admin/users/new", data=new_user_data(
        username="admin2", role="admin", region=""))
    assert response.status_code == 302
    with app.app_context():
        assert User.by_username("admin2").is_root


def test_duplicate_username_is_refused_with_a_message(app, admin):
    before = user_count(app)
    response = admin.post("/admin/users/new", data=new_user_data(username="Verifier"))
    assert response.status_code == 422
    assert message(app, "username_taken") in response.get_data(as_text=True)
    assert user_count(app) == before
    assert admin_events(app, "user_created") == []


@pytest.mark.parametrize(("overrides", "reason"), [
    ({"senior": "y"}, "senior"),
    ({"region": ""}, "region"),
    ({"username": "no spaces"}, "username"),
    ({"password": "short", "confirm": "short"}, "password"),
])
def test_invalid_user_is_refused_on_the_right_field(app, admin, overrides, reason):
    before = user_count(app)
    response = admin.post("/admin/users/new", data=new_user_data(**overrides))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    field = INVALID_USER_MESSAGES[reason][0]
    assert f'id="{field}-error">{message(app, reason)}<' in page
    assert user_count(app) == before


def test_passwords_that_differ_are_refused(app, admin):
    before = user_count(app)
    response = admin.post("/admin/users/new", data=new_user_data(confirm="something-else"))
    assert response.status_code == 422 and 'id="confirm-error"' in response.get_data(as_text=True)
    assert user_count(app) == before


def test_senior_may_be_given_to_an_approver(app, admin):
    response = admin.post("/admin/users/new", data=new_user_data(role="approver", senior="y"))
    assert response.status_code == 302
    with app.app_context():
        assert User.by_username("inspector2").senior


def test_admin_changes_a_users_role_and_region(app, admin):
    verifier = user_id(app, "verifier")
    response = admin.post(f"/admin/users/{verifier}", data=profile_data(
        role="approver", senior="y", region="CN-JL-HC-MD", language="ru"))
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, verifier)
        assert (user.role, user.senior, user.region.code, user.language) == (
            Role.approver, True, "CN-JL-HC-MD", "ru")
    [event] = admin_events(app, "user_updated")
    assert event.changes == {
        "user": "verifier", "role": {"from": "verifier", "to": "approver"},
        "senior": {"from": False, "to": True},
        "region": {"from": "CN-JL-HC", "to": "CN-JL-HC-MD"},
        "language": {"from": "zh_Hans", "to": "ru"}}


def test_edit_page_shows_the_users_current_values(app, admin):
    page = admin.get(f"/admin/users/{user_id(app, 'senior')}").get_data(as_text=True)
    assert '<option selected value="approver">' in page
    assert '<option selected value="CN-JL-HC">' in page
    assert 'checked id="senior"' in page


def test_senior_on_a_verifier_is_refused_when_editing(app, admin):
    verifier = user_id(app, "verifier")
    response = admin.post(f"/admin/users/{verifier}", data=profile_data(senior="y"))
    assert response.status_code == 422
    assert message(app, "senior") in response.get_data(as_text=True)
    with app.app_context():
        assert not db.session.get(User, verifier).senior
    assert events(app, "user_updated") == []


def test_admin_cannot_take_away_their_own_admin_role(app, admin):
    own = user_id(app, "admin")
    response = admin.post(f"/admin/users/{own}", data=profile_data(role="auditor"))
    assert response.status_code == 422
    assert message(app, "own_role") in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, own).role == Role.admin


def test_deactivation_ends_the_users_session_and_reactivation_restores_login(app, admin,
                                                                             login_as, demo):
    officer = login_as("officer")
    assert officer.get("/workspace").status_code == 200
    officer_id = user_id(app, "officer")
    assert admin.post(f"/admin/users/{officer_id}/deactivate").status_code == 302
    response = officer.get("/workspace")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert not can_log_in(app, "officer", demo)
    assert admin.post(f"/admin/users/{officer_id}/reactivate").status_code == 302
    assert can_log_in(app, "officer", demo)
    [off] = admin_events(app, "user_deactivated")
    [on] = admin_events(app, "user_reactivated")
    assert off.changes["active"] == {"from": True, "to": False}
    assert on.changes["active"] == {"from": False, "to": True}


def test_admin_cannot_deactivate_themselves(app, admin):
    own = user_id(app, "admin")
    response = admin.post(f"/admin/users/{own}/deactivate")
    assert response.status_code == 422
    assert message(app, "own_account") in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, own).active
    assert admin.get("/admin/users").status_code == 200
    assert events(app, "user_deactivated") == []


def test_password_reset_replaces_the_old_password_and_ends_sessions(app, admin, login_as,
                                                                     demo):
    officer = login_as("officer")
    response = admin.post(f"/admin/users/{user_id(app, 'officer')}/password",
                          data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert officer.get("/workspace").status_code == 302
    assert can_log_in(app, "officer", NEW_PASSWORD)
    assert not can_log_in(app, "officer", demo)
    [event] = admin_events(app, "password_reset")
    assert event.changes == {"user": "officer"}


@pytest.mark.parametrize(("password", "confirm"), [("short", "short"),
                                                   (NEW_PASSWORD, "something-else")])
def test_bad_password_reset_changes_nothing(app, admin, demo, password, confirm):
    response = admin.post(f"/admin/users/{user_id(app, 'officer')}/password",
                          data={"password": password, "confirm": confirm})
    assert response.status_code == 422
    assert can_log_in(app, "officer", demo)
    assert events(app, "password_reset") == []


def test_unknown_user_is_not_found(admin):
    assert admin.get("/admin/users/99999").status_code == 404
    assert admin.post("/admin/users/99999/deactivate").status_code == 404
    assert admin.post("/admin/users/99999/sessions").status_code == 404


def api_token(app, username: str, password: str) -> str:
    response = app.test_client().post("/api/v1/token", json={"username": username,
                                                             "password": password})
    return response.get_json()["token"]


def api_me(app, token: str) -> int:
    return app.test_client().get("/api/v1/me",
                                 headers={"Authorization": f"Bearer {token}"}).status_code


def test_admin_ends_a_users_sessions_and_revokes_their_api_tokens(app, admin, login_as, demo):
    officer, token = login_as("officer"), api_token(app, "officer", demo)
    verifier, other_token = login_as("verifier"), api_token(app, "verifier", demo)
    page = admin.get(f"/admin/users/{user_id(app, 'officer')}").get_data(as_text=True)
    assert f'action="/admin/users/{user_id(app, "officer")}/sessions"' in page
    response = admin.post(f"/admin/users/{user_id(app, 'officer')}/sessions")
    assert response.status_code == 302
    assert officer.get("/workspace").status_code == 302
    assert api_me(app, token) == 401
    assert can_log_in(app, "officer", demo)  # ending sessions is not deactivating
    assert verifier.get("/workspace").status_code == 200 and api_me(app, other_token) == 200
    [event] = admin_events(app, "sessions_ended")
    assert event.changes == {"user": "officer", "sessions": 1, "api_tokens": 1}


def test_password_reset_and_deactivation_revoke_api_tokens_too(app, admin, demo):
    officer = user_id(app, "officer")
    token = api_token(app, "officer", demo)
    admin.post(f"/admin/users/{officer}/password",
               data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert api_me(app, token) == 401
    token = api_token(app, "officer", NEW_PASSWORD)
    admin.post(f"/admin/users/{officer}/deactivate")
    admin.post(f"/admin/users/{officer}/reactivate")
    assert api_me(app, token) == 401


@pytest.mark.parametrize("user", [2**31, 2**63, 2**64, 10**30])
def test_user_id_beyond_the_database_integer_is_not_found(admin, user):
    assert admin.get(f"/admin/users/{user}").status_code == 404
    assert admin.post(f"/admin/users/{user}").status_code == 404
    assert admin.post(f"/admin/users/{user}/password").status_code == 404


def test_rate_schedule_id_beyond_the_database_integer_is_not_found(admin):
    assert admin.get(f"/admin/rates/{2**64}").status_code == 404
    assert admin.get(f"/admin/rates/{2**31}").status_code == 404


def test_new_user_without_a_full_name_field_is_created_with_an_empty_name(app, admin):
    data = new_user_data()
    del data["full_name"]
    assert admin.post("/admin/users/new", data=data).status_code == 302
    with app.app_context():
        assert User.by_username("inspector2").full_name == ""


def test_user_edit_without_a_full_name_field_empties_the_name(app, admin):
    officer = user_id(app, "officer")
    data = profile_data(role="village_officer", region="CN-JL-HC-CH")
    del data["full_name"]
    assert admin.post(f"/admin/users/{officer}", data=data).status_code == 302
    with app.app_context():
        assert User.by_username("officer").full_name == ""


# Regions

def test_region_tree_shows_codes_levels_and_names(app, login_as):
    root = login_as("root")  # the whole tree, read in Chinese
    root.post("/language", data={"language": "zh_Hans"})
    page = root.get("/admin/regions").get_data(as_text=True)
    for code in ("CN", "CN-JL-HC-CH-CM", "RU-PRI-KHS-KR"):
        assert f"<code>{code}</code>" in page
    with app.test_request_context(), force_locale("zh_Hans"):
        assert RegionLevel.township.title in page
    assert "珲春市" in page and "Хуньчунь" in page  # the reader's name, then the others
    assert page.index("<code>CN-JL</code>") < page.index("<code>CN-JL-HC</code>")


def test_admin_creates_a_region(app, admin):
    response = admin.post("/admin/regions/new", data=region_data())
    assert response.status_code == 302
    with app.app_context():
        region = Region.by_code("CN-JL-HC-YS")
        assert region.level == RegionLevel.township
        assert region.path == "/CN/CN-JL/CN-JL-HC/CN-JL-HC-YS/"
        assert region.names == {"zh_Hans": "英安镇", "en": "Ying'an"}
    [event] = admin_events(app, "region_created")
    assert event.changes["region"] == "CN-JL-HC-YS" and event.changes["parent"] == "CN-JL-HC"
    assert "英安镇" in admin.get("/admin/regions").get_data(as_text=True)


@pytest.mark.parametrize("overrides", [
    {"code": "CN-JL-HC"},                                 # taken
    {"code": "A/B"},                                      # the path separator
    {"code": ""},
    {"code": "new"},                                      # the new-region page's address
    {"name_zh_Hans": "", "name_en": ""},                  # no name at all
    {"parent": "NOWHERE"},
    {"level": "planet"},
])
def test_bad_new_region_is_refused(app, admin, overrides):
    with app.app_context():
        before = db.session.scalar(select(func.count(Region.id)))
    response = admin.post("/admin/regions/new", data=region_data(**overrides))
    assert response.status_code == 422
    assert "field-error" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Region.id))) == before
    assert events(app, "region_created") == []


def test_admin_renames_a_region_and_changes_its_level(app, admin):
    response = admin.post("/admin/regions/CN-JL-HC-MD", data=region_data(
        code=None, level="county", name_zh_Hans="马滴达", name_en="Madida", name_ru="Мадида",
        name_ko=""))
    assert response.status_code == 302
    with app.app_context():
        region = Region.by_code("CN-JL-HC-MD")
        assert region.level == RegionLevel.county
        assert region.names == {"zh_Hans": "马滴达", "en": "Madida", "ru": "Мадида"}
    [event] = admin_events(app, "region_updated")
    assert event.changes["level"] == {"from": "township", "to": "county"}
    assert event.changes["names"]["to"] == {"zh_Hans": "马滴达", "en": "Madida", "ru": "Мадида"}
    assert "parent" not in event.changes


def test_admin_moves_a_region_with_its_subtree(app, admin):
    response = admin.post("/admin/regions/CN-JL-HC-CH", data=region_data(
        code=None, parent="CN-JL", name_zh_Hans="春化镇", name_en="Chunhua"))
    assert response.status_code == 302
    with app.app_context():
        assert Region.by_code("CN-JL-HC-CH-CM").path == "/CN/CN-JL/CN-JL-HC-CH/CN-JL-HC-CH-CM/"
    [event] = admin_events(app, "region_updated")
    assert event.changes["parent"] == {"from": "CN-JL-HC", "to": "CN-JL"}


@pytest.mark.parametrize("parent", ["CN-JL-HC-CH", "CN-JL-HC"])
def test_a_region_cannot_move_into_its_own_subtree(app, admin, parent):
    response = admin.post("/admin/regions/CN-JL-HC", data=region_data(
        code=None, level="county", parent=parent, name_zh_Hans="改名"))
    assert response.status_code == 422
    assert 'id="parent-error"' in response.get_data(as_text=True)
    with app.app_context():
        region = Region.by_code("CN-JL-HC")
        assert region.path == "/CN/CN-JL/CN-JL-HC/" and region.names["zh_Hans"] == "珲春市"
    assert events(app, "region_updated") == []


def test_edit_page_disables_the_regions_own_subtree_as_parent(admin):
    page = admin.get("/admin/regions/CN-JL-HC").get_data(as_text=True)
    assert 'disabled value="CN-JL-HC-CH"' in page
    assert '<option selected value="CN-JL">' in page


def test_editing_keeps_names_in_languages_the_form_does_not_show(app, admin):
    with app.app_context():
        region = Region.by_code("CN-JL-HC-JX")
        region.names = {**region.names, "mn": "Жинсин"}
        db.session.commit()
    admin.post("/admin/regions/CN-JL-HC-JX", data=region_data(
        code=None, parent="CN-JL-HC", name_zh_Hans="敬信镇"))
    with app.app_context():
        assert Region.by_code("CN-JL-HC-JX").names == {"zh_Hans": "敬信镇", "en": "Ying'an",
                                                        "mn": "Жинсин"}


def test_unknown_region_is_not_found(admin):
    assert admin.get("/admin/regions/NOWHERE").status_code == 404


# Settings of the deployment (the root administrator's)

NUMERIC_SETTINGS = [key for key, spec in SETTINGS.items() if spec.kind is not str]


@pytest.fixture
def root(login_as):
    return login_as("root")


def root_events(app, action: str) -> list[AuditEvent]:
    root_id = user_id(app, "root")
    return [e for e in events(app, action) if e.actor_id == root_id]

def test_settings_page_shows_the_values_in_force(app, root):
    page = root.get("/admin/settings").get_data(as_text=True)
    assert 'name="report_within_hours"' in page and 'value="72"' in page


def test_settings_change_persists_and_is_audited(app, root):
    response = root.post("/admin/settings", data=settings_data(
        inspect_within_days=10, second_approval_above="25000.50"))
    assert response.status_code == 302
    with app.app_context():
        assert get_setting("inspect_within_days") == 10
        assert str(get_setting("second_approval_above")) == "25000.50"
        assert get_setting("report_within_hours") == 72
    [event] = root_events(app, "settings_changed")
    assert event.changes == {
        "inspect_within_days": {"from": 7, "to": 10},
        "second_approval_above": {"from": "10000", "to": "25000.50"}}


def test_saving_unchanged_settings_writes_no_event(app, root):
    assert root.post("/admin/settings", data=settings_data()).status_code == 302
    assert events(app, "settings_changed") == []


@pytest.mark.parametrize(("key", "value"), [
    ("inspect_within_days", "soon"), ("inspect_within_days", "-1"),
    ("second_approval_above", "-0.01"), ("second_approval_above", "lots"),
    ("second_approval_above", "Infinity"), ("pay_within_days", ""),
    ("max_upload_bytes", "1" + "0" * 40),
])
def test_bad_settings_are_refused_and_nothing_is_saved(app, root, key, value):
    response = root.post("/admin/settings", data=settings_data(
        **{key: value, "report_within_hours": 48}))
    assert response.status_code == 422
    assert f'id="{key}-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert get_setting("report_within_hours") == 72
        assert get_setting(key) == SETTINGS[key].default
    assert events(app, "settings_changed") == []


def range_numbers(app, key: str) -> list[str]:
    """The ends of the allowed range as the Chinese-speaking demo admin reads them."""
    from flask_babel import format_decimal

    spec = SETTINGS[key]
    with app.test_request_context(), force_locale("zh_Hans"):
        return [format_decimal(spec.minimum), format_decimal(spec.maximum)]


def field_error(page: str, key: str) -> str:
    import re

    found = re.search(rf'<small class="field-error" id="{key}-error">([^<]*)</small>', page)
    assert found, f"no error shown for {key}"
    return found.group(1)


@pytest.mark.parametrize("key", NUMERIC_SETTINGS)
@pytest.mark.parametrize("value", [10**15, -1])
def test_settings_outside_their_range_are_refused_naming_the_range(app, root, key, value):
    other = "report_within_hours" if key != "report_within_hours" else "pay_within_days"
    response = root.post("/admin/settings", data=settings_data(**{key: value, other: 48}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = field_error(page, key)
    assert all(number in error for number in range_numbers(app, key)), error
    with app.app_context():
        assert get_setting(key) == SETTINGS[key].default
        assert get_setting(other) == SETTINGS[other].default
    assert events(app, "settings_changed") == []


@pytest.mark.parametrize("value", ["NaN", "sNaN", "-nan", "Infinity", "-Inf"])
def test_settings_that_are_not_finite_numbers_are_refused_naming_the_range(app, root, value):
    response = root.post("/admin/settings",
                          data=settings_data(second_approval_above=value))
    assert response.status_code == 422
    error = field_error(response.get_data(as_text=True), "second_approval_above")
    assert all(n in error for n in range_numbers(app, "second_approval_above")), error
    assert events(app, "settings_changed") == []


@pytest.mark.parametrize("key", NUMERIC_SETTINGS)
def test_no_caller_can_store_a_setting_outside_its_range(ctx, key):
    from hwc.core.settings import Setting, SettingOutOfRange, set_setting

    spec = SETTINGS[key]
    for value in (10**15, spec.maximum + 1, spec.minimum - 1):
        with pytest.raises(SettingOutOfRange):
            set_setting(key, value)
    assert db.session.get(Setting, key) is None
    set_setting(key, spec.maximum)
    assert get_setting(key) == spec.maximum


@pytest.mark.parametrize("key", NUMERIC_SETTINGS)
def test_an_absurd_value_already_stored_reads_as_the_nearest_bound(ctx, key):
    from hwc.core.settings import Setting

    db.session.add(Setting(key=key, value=str(10**15)))
    db.session.flush()
    assert get_setting(key) == SETTINGS[key].maximum


@pytest.mark.parametrize(("value", "status", "stored"), [
    ("0.001", 422, None), ("1." + "0" * 300 + "1", 422, None), ("1e3", 302, 1000),
    ("1" * 300, 422, None)])
def test_amount_settings_take_at_most_two_decimal_places(app, root, value, status, stored):
    response = root.post("/admin/settings", data=settings_data(second_approval_above=value))
    assert response.status_code == status
    with app.app_context():
        amount = get_setting("second_approval_above")
    assert amount == (stored if stored is not None else SETTINGS["second_approval_above"].default)


# The audit trail

def test_every_admin_change_is_audited_and_the_chain_holds(app, admin):
    officer = user_id(app, "officer")
    admin.post("/admin/users/new", data=new_user_data())
    admin.post(f"/admin/users/{officer}", data=profile_data(role="village_officer",
                                                             region="CN-JL-HC-CH"))
    admin.post(f"/admin/users/{officer}/deactivate")
    admin.post(f"/admin/users/{officer}/reactivate")
    admin.post(f"/admin/users/{officer}/password",
               data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    admin.post(f"/admin/users/{officer}/sessions")
    admin.post("/admin/regions/new", data=region_data())
    admin.post("/admin/regions/CN-JL-HC-YS", data=region_data(code=None, level="village"))
    admin.post("/admin/regions/CN-JL-HC/settings",
               data={"pay_within_days": "20", "voucher_authority": "珲春市林业和草原局",
                     "voucher_prefix": "HC",
                     "voucher_number_format": "{prefix}-{year}{month}-{seq:5}"})
    admin_id = user_id(app, "admin")
    with app.app_context():
        actions = list(db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.actor_id == admin_id)
            .order_by(AuditEvent.seq)))
        assert verify_chain().ok
    assert actions == ["user_created", "user_updated", "user_deactivated", "user_reactivated",
                       "password_reset", "sessions_ended", "region_created", "region_updated",
                       "region_setting_changed"]


def test_admin_changes_need_the_forms_csrf_token(app, admin, monkeypatch):
    import re

    officer = user_id(app, "officer")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert admin.post(f"/admin/users/{officer}/deactivate").status_code == 400
    with app.app_context():
        assert db.session.get(User, officer).active
    page = admin.get(f"/admin/users/{officer}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = admin.post(f"/admin/users/{officer}/deactivate", data={"csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        assert not db.session.get(User, officer).active


@pytest.mark.parametrize("url", ["/admin/regions/CN%00", "/admin/users/new?x=%00"])
def test_nul_characters_in_the_url_are_refused_with_a_message(admin, url):
    response = admin.get(url)  # the demo admin reads Chinese
    assert response.status_code == 400
    assert "包含 NUL 字符，这不是有效的文本。" in response.get_data(as_text=True)


def test_rate_schedules_are_labelled_as_schedules_not_as_people(admin):
    """姓名 is a person's name; a schedule's name is its title."""
    for path in ("/admin/rates", "/admin/rates/import"):
        page = admin.get(path).get_data(as_text=True)  # the demo admin reads Chinese
        assert "姓名" not in page, path
        assert "标准名称" in page, path
