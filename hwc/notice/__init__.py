"""Public notice (公示): approved claims listed publicly for some days before they may be paid,
so that neighbours can object."""


def init_app(app) -> None:
    from hwc.notice import models  # noqa: F401 - the tables
    from hwc.notice.views import bp

    app.register_blueprint(bp)
    app.add_template_global(notice_day, "notice_day")


def notice_day(claim) -> str | None:
    """The last local day of ``claim``'s public notice while it is on notice, else None."""
    from hwc.claims.deadlines import due_day
    from hwc.core.db import utcnow
    from hwc.core.i18n import format_day
    from hwc.regions.settings import jurisdiction_of

    if claim.notice_until is None or claim.notice_until <= utcnow():
        return None
    return format_day(due_day(claim.notice_until, jurisdiction_of(claim).zone))
