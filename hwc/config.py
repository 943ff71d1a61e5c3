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
        # One Ed25519 key per voucher-issuing jurisdiction; back it up with the instance folder.
        "HWC_VOUCHER_KEYS_PATH": os.environ.get(
            "HWC_VOUCHER_KEYS_PATH", str(Path(instance_path) / "voucher-keys")),
        # Where the public can reach the site (printed in each voucher's QR code); empty: the
        # address the request came in on.
        "HWC_PUBLIC_URL": os.environ.get("HWC_PUBLIC_URL", ""),
        "HWC_AUDIT_CHECKPOINT_EVERY": int(os.environ.get("HWC_AUDIT_CHECKPOINT_EVERY", "100")),
        # Cookies only over HTTPS unless HWC_SECURE_COOKIES=0 (plain http on localhost).
        "SESSION_COOKIE_SECURE": os.environ.get("HWC_SECURE_COOKIES", "1") != "0",
        "REMEMBER_COOKIE_SECURE": os.environ.get("HWC_SECURE_COOKIES", "1") != "0",
        "RATELIMIT_STORAGE_URI": os.environ.get("HWC_RATELIMIT_STORAGE_URI", "memory://"),
        # The gateway's calls (inbound messages, delivery reports) come from these addresses,
        # with this shared secret as ``&secret=`` when it is set.
        "HWC_SMS_GATEWAY_IPS": tuple(os.environ.get(
            "HWC_SMS_GATEWAY_IPS", "127.0.0.1,::1").replace(" ", "").split(",")),
        "HWC_SMS_SECRET": os.environ.get("HWC_SMS_SECRET", ""),
        # How many reverse proxies in front set X-Forwarded-For/-Proto (0: none, the default).
        "HWC_PROXY_FIX": proxy_count(os.environ.get("HWC_PROXY_FIX", "0")),
        # SMS: "console" (development: nothing leaves the machine) or "kannel" (its sendsms
        # URL, e.g. http://127.0.0.1:13013/cgi-bin/sendsms, and a sendsms-user's credentials).
        "HWC_SMS_BACKEND": os.environ.get("HWC_SMS_BACKEND", "console"),
        "HWC_KANNEL_SENDSMS_URL": os.environ.get("HWC_KANNEL_SENDSMS_URL", ""),
        "HWC_KANNEL_USER": os.environ.get("HWC_KANNEL_USER", ""),
        "HWC_KANNEL_PASSWORD": os.environ.get("HWC_KANNEL_PASSWORD", ""),
        # Where Kannel reports delivery (empty: no reports) and the sender it shows (empty:
        # the sendsms-user's default-sender in kannel.conf).
        "HWC_SMS_DLR_URL": os.environ.get("HWC_SMS_DLR_URL", ""),
        "HWC_SMS_SENDER": os.environ.get("HWC_SMS_SENDER", ""),
    }


def proxy_count(text: str) -> int:
    """``HWC_PROXY_FIX`` as a number of proxies; anything else stops the app from starting,
    because trusting the wrong number lets clients choose their own address."""
    if not (text.isascii() and text.isdigit()):
        raise InsecureConfiguration(
            f"HWC_PROXY_FIX must be the number of reverse proxies in front of HWC (0 when "
            f"there is none), not {text!r}."
        )
    return int(text)


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
    # Failed logins, counted in the database per (account name, client address): after
    # LOGIN_FREE_ATTEMPTS failures the pair waits, doubling each time; a pair quiet for
    # LOGIN_FORGET_AFTER_SECONDS starts afresh.
    "LOGIN_FREE_ATTEMPTS": 5,
    "LOGIN_BASE_DELAY_SECONDS": 30,
    "LOGIN_MAX_DELAY_SECONDS": 15 * 60,
    "LOGIN_FORGET_AFTER_SECONDS": 24 * 3600,
    # Per client address, by Flask-Limiter: per worker process unless RATELIMIT_STORAGE_URI
    # (HWC_RATELIMIT_STORAGE_URI) points at shared storage such as Redis.
    "LOGIN_RATE_LIMIT": "30 per minute",
    # When the shared storage (Redis) cannot be reached, each process counts in its own memory
    # and goes back to Redis once it answers again: requests are still limited (per process)
    # rather than failed with 500, or let through unlimited as RATELIMIT_SWALLOW_ERRORS would.
    # Short socket timeouts keep a Redis that hangs from holding every request.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    # A worker decodes one photo at a time; an upload waits this long for its turn, then is
    # refused with "try again in a moment" (503 in the API).
    "HWC_PHOTO_WAIT_SECONDS": 10,
    # Per sending phone number (the SMS service) and per client (the public status page), so
    # codes cannot be tried one after another.
    "HWC_SMS_SENDER_LIMIT": "10 per minute;100 per day",
    "HWC_STATUS_PAGE_LIMIT": "20 per minute;300 per day",
    # Per client: objections to claims on public notice (each sends a claim back to verification).
    "HWC_OBJECTION_LIMIT": "5 per minute;30 per day",
    # The printable notice is rendered for whoever asks: a few a minute per client.
    "HWC_NOTICE_PDF_LIMIT": "6 per minute;120 per day",
}


def apply_proxy_fix(app) -> None:
    """Behind ``HWC_PROXY_FIX`` reverse proxies, take the client's address and scheme from the
    headers they set (Werkzeug's ProxyFix); with none, those headers are ignored, so a client
    cannot choose the address its failed logins are counted under."""
    count = app.config["HWC_PROXY_FIX"]
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def check_secret_key(app) -> None:
    """Refuse the built-in development key unless the app runs in debug or testing mode."""
    if app.config["SECRET_KEY"] == DEV_SECRET_KEY and not (app.debug or app.testing):
        raise InsecureConfiguration(
            "SECRET_KEY is the built-in development key; set SECRET_KEY in the environment "
            "(see README.md) or run with --debug for local development."
        )
