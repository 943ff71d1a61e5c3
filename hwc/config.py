"""Configuration read from the environment; every setting is documented in README.md."""

import os
from pathlib import Path

DEV_SECRET_KEY = "hwc-development-key-not-for-production"  # noqa: S105 - refused outside debug/testing

LANGUAGES = ("en", "zh_Hans", "ru", "ko")


class InsecureConfiguration(RuntimeError):
    """The application was asked to start with a setting that is unsafe in production."""


def instance_path_from_env() -> str | None:
    path = os.environ.get("HWC_INSTANCE_PATH")
    return str(Path(path).resolve()) if path else None


def settings_from_env(instance_path: str) -> dict:
    """The settings that come from the environment, with their defaults."""
    default_db = "sqlite:///" + str(Path(instance_path) / "hwc.sqlite3")
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(
            os.environ.get("DATABASE_URL", default_db)
        ),
        "HWC_DEFAULT_LOCALE": os.environ.get("HWC_DEFAULT_LOCALE", "zh_Hans"),
        "HWC_TIMEZONE": os.environ.get("HWC_TIMEZONE", "Asia/Shanghai"),
        "HWC_CURRENCY": os.environ.get("HWC_CURRENCY", "CNY"),
        "HWC_UPLOAD_PATH": str(Path(instance_path) / "uploads"),
        "HWC_PASSWORD_METHOD": os.environ.get("HWC_PASSWORD_METHOD", "scrypt"),
        # The key that signs the audit trail lives outside the database (created if missing).
        "HWC_AUDIT_KEY_PATH": os.environ.get(
            "HWC_AUDIT_KEY_PATH", str(Path(instance_path) / "audit-ed25519.pem")),
        "HWC_AUDIT_CHECKPOINT_EVERY": int(os.environ.get("HWC_AUDIT_CHECKPOINT_EVERY", "100")),
        # Cookies only over HTTPS unless HWC_SECURE_COOKIES=0 (plain http on localhost).
        "SESSION_COOKIE_SECURE": os.environ.get("HWC_SECURE_COOKIES", "1") != "0",
        "REMEMBER_COOKIE_SECURE": os.environ.get("HWC_SECURE_COOKIES", "1") != "0",
        "RATELIMIT_STORAGE_URI": os.environ.get("HWC_RATELIMIT_STORAGE_URI", "memory://"),
    }


def normalise_database_url(url: str) -> str:
    """Accept the common ``postgres://`` spellings and pick the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


DEFAULTS = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": 8 * 3600,
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
    "BABEL_DEFAULT_TIMEZONE": "UTC",
    # Failed logins: after LOGIN_FREE_ATTEMPTS failures the account waits, doubling each time.
    "LOGIN_FREE_ATTEMPTS": 5,
    "LOGIN_BASE_DELAY_SECONDS": 30,
    "LOGIN_MAX_DELAY_SECONDS": 15 * 60,
    "LOGIN_RATE_LIMIT": "30 per minute",
}


def check_secret_key(app) -> None:
    """Refuse the built-in development key unless the app runs in debug or testing mode."""
    if app.config["SECRET_KEY"] == DEV_SECRET_KEY and not (app.debug or app.testing):
        raise InsecureConfiguration(
            "SECRET_KEY is the built-in development key; set SECRET_KEY in the environment "
            "(see README.md) or run with --debug for local development."
        )
