"""Configuration: the app refuses to run in production with the development key."""

import pytest

from hwc import create_app
from hwc.config import DEV_SECRET_KEY, InsecureConfiguration, normalise_database_url


def test_app_refuses_the_development_key_in_production(tmp_path):
    with pytest.raises(InsecureConfiguration):
        create_app({"SECRET_KEY": DEV_SECRET_KEY, "HWC_INSTANCE_PATH": str(tmp_path)})


def test_app_accepts_the_development_key_when_testing(tmp_path):
    app = create_app({"SECRET_KEY": DEV_SECRET_KEY, "TESTING": True,
                      "HWC_INSTANCE_PATH": str(tmp_path)})
    assert app.testing


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("HWC_INSTANCE_PATH", str(tmp_path))
    app = create_app({"SECRET_KEY": "k"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/hwc.sqlite3"
    assert app.instance_path == str(tmp_path)


@pytest.mark.parametrize(("url", "expected"), [
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_database_urls_are_normalised(url, expected):
    assert normalise_database_url(url) == expected


def test_settings_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("HWC_DEFAULT_LOCALE", "ru")
    monkeypatch.setenv("HWC_TIMEZONE", "Asia/Vladivostok")
    monkeypatch.setenv("HWC_CURRENCY", "RUB")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    app = create_app({"HWC_INSTANCE_PATH": str(tmp_path)})
    assert (app.config["HWC_DEFAULT_LOCALE"], app.config["HWC_TIMEZONE"],
            app.config["HWC_CURRENCY"], app.config["SECRET_KEY"]) == (
        "ru", "Asia/Vladivostok", "RUB", "from-env")


def throttled_address(app, **request_kwargs) -> str:
    """The client address a failed login is counted under."""
    from hwc.accounts.models import LoginThrottle
    from hwc.extensions import db

    app.test_client().post("/login", data={"username": "nobody", "password": "guess"},
                           **request_kwargs)
    with app.app_context():
        [row] = db.session.scalars(db.select(LoginThrottle)).all()
        return row.address


def test_without_a_proxy_a_client_cannot_choose_its_own_address(app):
    forged = {"headers": {"X-Forwarded-For": "203.0.113.5"},
              "environ_overrides": {"REMOTE_ADDR": "198.51.100.7"}}
    assert throttled_address(app, **forged) == "198.51.100.7"


@pytest.mark.commits
def test_behind_one_proxy_the_client_address_comes_from_it(database_url, tmp_path, monkeypatch):
    from hwc.extensions import db
    from tests.conftest import make_test_config

    monkeypatch.setenv("HWC_PROXY_FIX", "1")
    behind_proxy = create_app(make_test_config(database_url, tmp_path))
    assert behind_proxy.config["HWC_PROXY_FIX"] == 1
    from_proxy = {"headers": {"X-Forwarded-For": "203.0.113.9, 203.0.113.5"},
                  "environ_overrides": {"REMOTE_ADDR": "10.0.0.2"}}
    try:
        assert throttled_address(behind_proxy, **from_proxy) == "203.0.113.5"
    finally:
        with behind_proxy.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("value", ["yes", "-1", "1.5"])
def test_a_bad_proxy_count_stops_the_app_from_starting(tmp_path, monkeypatch, value):
    monkeypatch.setenv("HWC_PROXY_FIX", value)
    with pytest.raises(InsecureConfiguration, match="HWC_PROXY_FIX"):
        create_app({"SECRET_KEY": "k", "HWC_INSTANCE_PATH": str(tmp_path)})
