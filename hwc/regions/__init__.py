"""Regions: the tree of places (country → … → village) that scopes users, claims and rates."""


def init_app(app) -> None:
    from hwc.regions.models import Region
    from hwc.regions.settings_views import bp as settings_bp
    from hwc.regions.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(settings_bp)

    from hwc.core.i18n import set_viewer_zone
    from hwc.regions.settings import settings_for

    set_viewer_zone(app, lambda region: settings_for(region).zone)

    @app.template_filter("region_name")
    def region_name(region: Region | None) -> str:
        return region.display_name() if region is not None else ""
