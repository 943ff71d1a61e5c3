"""Rate schedules: CSV import, lookup by region and date, and the amount of a loss item."""


def init_app(app) -> None:
    from hwc.rates import models  # noqa: F401 - registers the tables
    from hwc.rates.views import bp

    app.register_blueprint(bp)
