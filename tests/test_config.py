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
