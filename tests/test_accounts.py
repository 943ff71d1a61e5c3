"""Logging in and out, failure slowing, CSRF, landing pages and the user CLI."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from hwc.accounts.models import LoginSession, LoginThrottle, Role, User
from hwc.accounts.operations import authenticate, lockout_delay
from hwc.core.db import utcnow
from hwc.demo.world import USERS
from hwc.extensions import db


def test_anonymous_visitor_is_sent_to_login(client, demo):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(("username", "role"), [(u[0], u[1]) for u in USERS])
def test_every_demo_user_can_log_in_and_lands_on_their_role_page(client, auth, demo, username,
                                                                 role):
    response = auth.login(username)
    assert response.status_code == 302
    landing = client.get("/", follow_redirects=True)
    assert landing.status_code == 200
    page = landing.get_data(as_text=True)
    # The header names the role in the user's own language (zh_Hans or ru).
    from flask_babel import force_locale

    with client.application.test_request_context(), force_locale(
        "ru" if username.startswith("ru_") else "zh_Hans"
    ):
        assert Role(role).title in page


def test_wrong_password_gives_a_translated_message(client, auth, demo):
    response = auth.login("officer", "wrong-password", headers={"Accept-Language": "ru"})
    assert response.status_code == 401
    assert "Неверное имя пользователя или пароль." in response.get_data(as_text=True)


def test_wrong_password_message_in_chinese_by_default(client, auth, demo):
    response = auth.login("nobody", "wrong-password")
    assert response.status_code == 401
    assert "用户名或密码不正确。" in response.get_data(as_text=True)


def test_empty_login_form_shows_field_errors(client, demo):
    response = client.post("/login", data={"username": "", "password": ""},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter your username." in page and "Enter your password." in page


def test_logout_ends_the_session(client, auth, demo):
    auth.login("verifier")
    assert client.get("/workspace").status_code == 200
    auth.logout()
    assert client.get("/workspace").status_code == 302


def from_address(address: str) -> dict:
    return {"environ_overrides": {"REMOTE_ADDR": address}}


def answer(response) -> tuple[int, list[str]]:
    """What a login attempt tells the person trying: the status and the messages shown."""
    import re

    page = response.get_data(as_text=True)
    return response.status_code, re.findall(r'class="flash[^"]*"[^>]*>([^<]*)<', page)


def copy_of_the_session_cookie(app, client):
    """A second browser holding the same session cookie as ``client`` (a stolen cookie)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def session_token(client) -> str:
    with client.session_transaction() as session:
        return session["_user_id"]


def test_a_copied_session_cookie_stops_working_after_logout(client, auth, demo, app):
    auth.login("verifier")
    thief = copy_of_the_session_cookie(app, client)
    assert thief.get("/workspace").status_code == 200
    auth.logout()
    response = thief.get("/workspace")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_logging_out_ends_only_that_session(app, login_as):
    laptop, phone = login_as("verifier"), login_as("verifier")
    laptop.post("/logout")
    assert laptop.get("/workspace").status_code == 302
    assert phone.get("/workspace").status_code == 200


def test_the_database_keeps_only_a_digest_of_the_session_token(client, auth, demo, app):
    import hashlib

    auth.login("verifier")
    token = session_token(client)
    with app.app_context():
        [row] = db.session.scalars(select(LoginSession)).all()
        assert row.user.username == "verifier"
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
        assert row.expires_at - row.created_at == timedelta(
            seconds=app.config["PERMANENT_SESSION_LIFETIME"])


def test_an_expired_session_no_longer_lets_anyone_in(client, auth, demo, app):
    auth.login("verifier")
    with app.app_context():
        row = db.session.scalars(select(LoginSession)).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert client.get("/workspace").status_code == 302


def test_using_a_session_keeps_its_last_seen_time(client, auth, demo, app):
    auth.login("verifier")
    long_ago = utcnow() - timedelta(minutes=5)
    with app.app_context():
        db.session.scalars(select(LoginSession)).one().last_seen_at = long_ago
        db.session.commit()
    assert client.get("/workspace").status_code == 200
    with app.app_context():
        assert db.session.scalars(select(LoginSession)).one().last_seen_at > long_ago


def test_a_session_id_from_before_server_side_sessions_is_refused(client, demo, app):
    with app.app_context():
        user_id = User.by_username("verifier").id
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id}:abcdefabcdefabcdefabcdef"
    assert client.get("/workspace").status_code == 302


def test_failures_past_the_free_attempts_lock_even_the_right_password(client, auth, demo, app):
    free = app.config["LOGIN_FREE_ATTEMPTS"]
    for _ in range(free):
        assert auth.login("finance", "wrong-password").status_code == 401
    response = auth.login("finance", "wrong-password", headers={"Accept-Language": "en"})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)
    # The right password does not get in from this address while it waits.
    assert auth.login("finance").status_code == 429
    with app.app_context():
        [throttle] = db.session.scalars(select(LoginThrottle)).all()
        assert (throttle.account, throttle.address) == ("finance", "127.0.0.1")
        assert throttle.failures == free + 1
        throttle.locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert auth.login("finance").status_code == 302
    with app.app_context():
        assert db.session.scalars(select(LoginThrottle)).all() == []


def test_failures_from_one_address_do_not_keep_the_user_out_from_another(client, auth, demo,
                                                                         app):
    stranger, colleague = from_address("203.0.113.9"), from_address("198.51.100.7")
    for _ in range(app.config["LOGIN_FREE_ATTEMPTS"] + 3):
        auth.login("admin", "guess", **stranger)
    assert auth.login("admin", **stranger).status_code == 429
    assert auth.login("admin", **colleague).status_code == 302


def test_unknown_and_known_usernames_get_the_same_answer(app, demo):
    known, unknown = app.test_client(), app.test_client()
    for _ in range(app.config["LOGIN_FREE_ATTEMPTS"] + 2):
        a = known.post("/login", data={"username": "finance", "password": "guess"})
        b = unknown.post("/login", data={"username": "no-such-user", "password": "guess"})
        assert answer(a) == answer(b)
    assert answer(a)[0] == 429


def test_a_deactivated_account_answers_like_a_wrong_password(app, demo):
    with app.app_context():
        User.by_username("auditor").active = False
        db.session.commit()
    right = app.test_client().post("/login", data={"username": "auditor", "password": demo})
    wrong = app.test_client().post("/login", data={"username": "nobody", "password": demo})
    assert answer(right) == answer(wrong) and right.status_code == 401


def test_every_login_path_checks_exactly_one_password_hash(ctx, demo, app, monkeypatch):
    from hwc.accounts import operations

    checks = []

    def counting(stored, password):
        checks.append(stored)
        return check_password_hash(stored, password)

    monkeypatch.setattr(operations, "check_password_hash", counting)
    User.by_username("auditor").active = False
    db.session.flush()
    free = app.config["LOGIN_FREE_ATTEMPTS"]
    attempts = [("finance", demo), ("finance", "guess"), ("no-such-user", "guess"),
                ("auditor", demo), ("x" * 300, "guess"), ("bad\x00name", "guess")]
    attempts += [("verifier", "guess")] * (free + 1) + [("verifier", demo)]
    attempts += [("ghost", "guess")] * (free + 1) + [("ghost", demo)]
    for username, password in attempts:
        before = len(checks)
        authenticate(username, password, address="192.0.2.1")
        assert len(checks) == before + 1, username
    assert not authenticate("verifier", demo, address="192.0.2.1").ok  # still waiting


@pytest.mark.commits
def test_failures_are_shared_by_every_worker_process(app, database_url, tmp_path, demo):
    from hwc import create_app
    from tests.conftest import make_test_config

    other_worker = create_app(make_test_config(database_url, tmp_path))
    for _ in range(app.config["LOGIN_FREE_ATTEMPTS"] + 1):
        app.test_client().post("/login", data={"username": "finance", "password": "guess"})
    response = other_worker.test_client().post("/login", data={"username": "finance",
                                                               "password": demo})
    with other_worker.app_context():
        db.session.remove()
        db.engine.dispose()
    assert response.status_code == 429


def test_each_further_failure_waits_longer(ctx, app):
    free = app.config["LOGIN_FREE_ATTEMPTS"]
    assert lockout_delay(free) == timedelta(0)
    assert lockout_delay(free + 1).total_seconds() == app.config["LOGIN_BASE_DELAY_SECONDS"]
    delays = [lockout_delay(free + i) for i in range(1, 5)]
    assert delays == sorted(delays) and delays[0] < delays[-1]
    assert lockout_delay(free + 50).total_seconds() == app.config["LOGIN_MAX_DELAY_SECONDS"]


def test_deactivated_user_cannot_log_in(ctx, demo):
    user = User.by_username("auditor")
    user.active = False
    db.session.flush()
    assert not authenticate("auditor", demo, address="192.0.2.1").ok


def test_post_without_csrf_token_is_refused(client, auth, demo, app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = auth.login("officer")
    assert response.status_code == 400
    assert client.get("/workspace").status_code == 302  # not logged in


def test_login_with_csrf_token_from_the_form_works(client, demo, app, monkeypatch):
    import re

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": "officer", "password": demo,
                                           "csrf_token": token})
    assert response.status_code == 302


def test_password_reset_ends_existing_sessions(client, auth, demo, app):
    from hwc.accounts.operations import set_password

    auth.login("approver")
    assert client.get("/workspace").status_code == 200
    with app.app_context():
        set_password(User.by_username("approver"), "a-new-long-password", actor=None)
        db.session.commit()
    assert client.get("/workspace").status_code == 302


def test_next_parameter_only_follows_local_paths(client, demo):
    response = client.post("/login?next=https://evil.example/", data={
        "username": "officer", "password": demo, "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_only_admin_sees_the_user_list(login_as):
    assert login_as("admin").get("/admin/users").status_code == 200
    assert login_as("verifier").get("/admin/users").status_code == 403


def test_session_cookie_is_http_only(client, auth, demo):
    response = auth.login("officer")
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_forbid_framing_and_foreign_scripts(client, demo):
    response = client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_cli_creates_a_user_with_password_from_stdin(runner, app, demo):
    result = runner.invoke(args=["hwc", "user", "create", "--username", "Inspector2",
                                 "--role", "verifier", "--region", "CN-JL-HC-MD",
                                 "--language", "ko", "--password-stdin"],
                           input="long-enough-password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = User.by_username("inspector2")
        assert user.role == Role.verifier and user.region.code == "CN-JL-HC-MD"
        assert user.language == "ko"
        assert authenticate("inspector2", "long-enough-password", address="192.0.2.1").ok


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "verifier", "--region", "NOWHERE"], "no region"),
    (["--role", "verifier", "--senior", "--region", "CN-JL-HC"], "invalid senior"),
    (["--role", "verifier"], "invalid region"),
])
def test_cli_refuses_bad_users(runner, demo, args, message):
    result = runner.invoke(args=["hwc", "user", "create", "--username", "x1", *args,
                                 "--password-stdin"], input="long-enough-password\n")
    assert result.exit_code != 0
    assert message in result.output


def test_cli_refuses_short_password(runner, demo):
    result = runner.invoke(args=["hwc", "user", "create", "--username", "x2", "--role",
                                 "auditor", "--region", "CN", "--password-stdin"], input="short\n")
    assert result.exit_code != 0 and "invalid password" in result.output


# Redirect targets that come from the request

# Each of these would send a browser to another site, crash the redirect, or is a path
# no page of ours links to; every one must land on the start page instead.
HOSTILE_TARGETS = [
    "/\t/evil.example", "/\t\t/evil.example", "/\n/evil.example", "/\r/evil.example",
    "/\r\nSet-Cookie:x=1", "\t//evil.example", "\x00//evil.example", "\x01//evil.example",
    "/\x0b/evil.example", "/\x0c/evil.example", "/\x7f/evil.example", "//evil.example",
    "///evil.example", "////evil.example", "/\\evil.example", "\\\\evil.example",
    "\\/evil.example", "/\\/evil.example", "https://evil.example/", "http:evil.example",
    "HTTPS://evil.example", "javascript:alert(1)", "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>", "%2F%2Fevil.example", "/%2F/evil.example",
    "/%2f%2fevil.example", "/%5Cevil.example", "/%09/evil.example", "/%0d%0aSet-Cookie:x=1",
    " /evil.example", " //evil.example", "/evil.example ", "/\u00a0/evil.example",
    "/\u2028/evil.example", "/\u200b/evil.example", "/\u3000/evil.example",
    "\uff0f\uff0fevil.example", "\uff3c\uff3cevil.example", "evil.example", "", "?x=//evil",
]
SAFE_TARGETS = ["/", "/foo", "/claims/X?y=1", "/queue?status=submitted&page=2",
                "/workspace#top", "/admin/regions/CN-JL-HC"]


def where_a_browser_goes(location: str) -> str:
    """The host a browser would open for ``location`` from one of our pages: like a browser,
    drop tabs and newlines, strip leading control characters and spaces, and read backslashes
    as slashes."""
    from urllib.parse import urljoin, urlsplit

    cleaned = location.lstrip("".join(map(chr, range(0x21))))
    cleaned = cleaned.translate({ord("\t"): None, ord("\n"): None, ord("\r"): None})
    return urlsplit(urljoin("http://localhost/login", cleaned.replace("\\", "/"))).netloc


def assert_stays_on_the_site(response, target: str, *, followed: bool) -> None:
    if "\x00" in target:  # a NUL in any form field is refused at the edge, before any redirect
        assert response.status_code == 400 and "Location" not in response.headers, target
        return
    assert response.status_code == 302, (target, response.status_code)
    location = response.headers["Location"]
    assert where_a_browser_goes(location) == "localhost", (target, location)
    assert location == (target if followed else "/"), (target, location)


def log_in_with_next(app, demo, target: str):
    return app.test_client().post("/login", data={"username": "officer", "password": demo,
                                                  "next": target})


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_login_never_redirects_off_the_site_or_fails(app, demo, target):
    assert_stays_on_the_site(log_in_with_next(app, demo, target), target, followed=False)


@pytest.mark.parametrize("target", SAFE_TARGETS)
def test_login_follows_a_same_site_path(app, demo, target):
    assert_stays_on_the_site(log_in_with_next(app, demo, target), target, followed=True)


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_language_switch_never_redirects_off_the_site_or_fails(client, target):
    response = client.post("/language", data={"language": "en", "next": target})
    assert_stays_on_the_site(response, target, followed=False)


@pytest.mark.parametrize("target", SAFE_TARGETS)
def test_language_switch_follows_a_same_site_path(client, target):
    response = client.post("/language", data={"language": "en", "next": target})
    assert_stays_on_the_site(response, target, followed=True)


def test_login_page_drops_a_hostile_next_from_the_address(client, demo):
    page = client.get("/login?next=%2F%09%2Fevil.example").get_data(as_text=True)
    assert 'id="next" name="next" type="hidden" value=""' in page
    response = client.get("/login?next=%2Fqueue%3Fstatus%3Dsubmitted")
    assert 'value="/queue?status=submitted"' in response.get_data(as_text=True)


def test_the_login_redirect_brings_the_visitor_back_to_the_page_asked_for(client, auth, demo):
    response = client.get("/workspace?tab=1")
    assert response.status_code == 302
    login_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="/workspace?tab=1"' in login_page
    response = client.post("/login", data={"username": "officer", "password": demo,
                                           "next": "/workspace?tab=1"})
    assert response.headers["Location"] == "/workspace?tab=1"


@pytest.mark.parametrize("target", [*HOSTILE_TARGETS, "/\ud800", "/" + "a" * 5000, None, 7])
def test_safe_redirect_target_refuses_every_hostile_value(target):
    from hwc.core.redirects import safe_redirect_target

    assert safe_redirect_target(target) is None


@pytest.mark.parametrize("target", [*SAFE_TARGETS, "/regions/\u5b89\u56fe"])
def test_safe_redirect_target_keeps_same_site_paths(target):
    from hwc.core.redirects import safe_redirect_target

    assert safe_redirect_target(target) == target


# Headers

HSTS = "max-age=31536000; includeSubDomains"


@pytest.fixture
def secure_cookies(app, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    monkeypatch.setitem(app.config, "REMEMBER_COOKIE_SECURE", True)


def test_secure_deployments_tell_browsers_to_use_https_only(app, secure_cookies):
    response = app.test_client().get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == HSTS


def test_plain_http_deployments_send_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


@pytest.mark.parametrize("path", ["/workspace", "/dashboard", "/exports/claims.csv",
                                  "/admin/users"])
def test_pages_for_a_logged_in_user_are_never_stored(login_as, path):
    username = "admin" if path.startswith("/admin") else "verifier"
    response = login_as(username).get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_the_answer_to_a_login_is_never_stored(client, auth, demo):
    assert auth.login("officer").headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached_even_when_logged_in(login_as):
    response = login_as("verifier").get("/static/css/hwc.css")
    response.close()
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_language_cookie_is_secure_when_cookies_are(app, secure_cookies):
    response = app.test_client().post("/language", data={"language": "en", "next": "/login"},
                                      base_url="https://localhost")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("hwc_lang=en") and "Secure" in cookie


def test_language_cookie_works_over_plain_http_when_cookies_may(client):
    cookie = client.post("/language", data={"language": "en"}).headers["Set-Cookie"]
    assert cookie.startswith("hwc_lang=en") and "Secure" not in cookie


def test_users_compare_by_their_row_not_their_session(ctx, demo):
    from hwc.accounts.sessions import start_session

    officer = User.by_username("officer")
    start_session(officer)
    db.session.expunge(officer)
    again = User.by_username("officer")
    assert officer == again and officer is not again
    assert officer != User.by_username("verifier")


def test_login_page_promises_no_public_status_page_before_there_is_one(client):
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "status page" not in page
