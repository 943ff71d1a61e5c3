"""The frame every page hangs on: layout, landing pages, language switch, errors, security."""


def init_app(app) -> None:
    from hwc.core import errors, security
    from hwc.core.views import bp

    app.register_blueprint(bp)
    security.init_app(app)
    errors.init_app(app)
