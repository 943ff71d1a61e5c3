"""Logging in and out, failure slowing, CSRF, landing pages and the user CLI."""

from datetime import timedelta

import pytest

from hwc.accounts.models import Role, User
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


def test_failures_past_the_free_attempts_lock_even_the_right_password(client, auth, demo, app):
    free = app.config["LOGIN_FREE_ATTEMPTS"]
    for _ in range(free):
        assert auth.login("finance", "wrong-password").status_code == 401
    response = auth.login("finance", "wrong-password", headers={"Accept-Language": "en"})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)
    # The right password does not get in while the account waits.
    assert auth.login("finance").status_code == 429
    with app.app_context():
        user = User.by_username("finance")
        assert user.failed_logins == free + 1
        user.locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert auth.login("finance").status_code == 302
    with app.app_context():
        assert User.by_username("finance").failed_logins == 0


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
    assert not authenticate("auditor", demo).ok


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
        set_password(User.by_username("approver"), "a-new-long-password")
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
        assert authenticate("inspector2", "long-enough-password").ok


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
