"""The dashboard (claims and amounts by status, species, month, township; time to payment;
overdue steps) and the exports of a filtered queue (CSV, XLSX, GeoJSON)."""


def init_app(app) -> None:
    from hwc.dashboard import tallies  # noqa: F401 - the rollups' table and flush hooks
    from hwc.dashboard.views import bp

    app.register_blueprint(bp)
