"""HWC: the human-wildlife conflict compensation case system."""

from pathlib import Path

from flask import Flask

from hwc.config import (
    DEFAULTS,
    apply_proxy_fix,
    check_secret_key,
    instance_path_from_env,
    settings_from_env,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the application; ``config`` overrides the environment (tests use it)."""
    from hwc.core.transaction import HWCFlask

    app = HWCFlask(
        __name__,
        instance_path=(config or {}).get("HWC_INSTANCE_PATH") or instance_path_from_env(),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.update(DEFAULTS)
    app.config.update(settings_from_env(app.instance_path))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PROJECT_ROOT / "translations")
    if config:
        app.config.update(config)
    check_secret_key(app)
    apply_proxy_fix(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from hwc.core import edge

    edge.init_app(app)  # before any route is added: it bounds <int:…> in URLs

    from hwc import extensions
    from hwc.core.db import init_sqlite
    from hwc.core.transaction import init_session_events

    init_sqlite()
    init_session_events()
    extensions.db.init_app(app)
    extensions.migrate.init_app(
        app, extensions.db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True
    )
    extensions.csrf.init_app(app)
    extensions.login.init_app(app)
    extensions.limiter.init_app(app)

    from hwc.core import i18n

    i18n.init_app(app)

    from hwc import (
        accounts,
        api,
        audit,
        claims,
        core,
        dashboard,
        jobs,
        losses,
        notice,
        payments,
        rates,
        regions,
        sms,
        vouchers,
        workflow,
    )
    from hwc.core import settings  # noqa: F401 - registers the settings table

    for feature in (core, accounts, regions, audit, losses, claims, rates, workflow, jobs,
                    vouchers, payments, notice, sms, api, dashboard):
        feature.init_app(app)

    from hwc.cli import init_app as init_cli

    init_cli(app)
    return app
