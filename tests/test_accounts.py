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
