"""Public notice (公示): approved claims listed publicly for some days before they may be paid,
so that neighbours can object."""


def init_app(app) -> None:
    from hwc.notice import models  # noqa: F401 - the tables
    from hwc.notice.views import bp

    app.register_blueprint(bp)
