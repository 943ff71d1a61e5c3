"""Language and time-zone selection, and the formatting helpers templates use."""

from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import get_timezone_name
from flask import current_app, has_request_context, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from hwc.config import LANGUAGES
from hwc.extensions import babel

LANGUAGE_COOKIE = "hwc_lang"


def language_names() -> list[tuple[str, str]]:
    """Each shipped language with its name written in that language (for the switcher)."""
    return [(code, Locale.parse(code).get_display_name(code)) for code in LANGUAGES]


def name_in_locale(names: dict[str, str] | None, default: str, locale: str | None = None) -> str:
    """From names by locale, the one for ``locale`` (default: the reader's), falling back by
    language, then English, then any name, then ``default``."""
    locale = locale or str(get_locale() or "en")
    names = names or {}
    language = locale.split("_")[0]
    for candidate in (locale, language):
        if names.get(candidate):
            return names[candidate]
    for code, name in names.items():
        if code.split("_")[0] == language and name:
            return name
    return names.get("en") or next((n for n in names.values() if n), default)


def _parse(tag: str) -> Locale | None:
    try:
        return Locale.parse(tag.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def match_language(tag: str | None) -> str | None:
    """The shipped language that serves ``tag`` (``zh-CN`` → ``zh_Hans``), or None."""
    if not tag:
        return None
    wanted = _parse(tag)
    if wanted is None:
        return None
    for code in LANGUAGES:
        offered = Locale.parse(code)
        if offered.language != wanted.language:
            continue
        # A tag without a script (``zh``) takes the language's likely script.
        if offered.script is None or wanted.script in (None, offered.script):
            return code
    return None


def select_locale() -> str:
    """User preference, then the switcher's cookie, then Accept-Language, then the default."""
    if not has_request_context():
        return current_app.config["HWC_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated:
        chosen = match_language(current_user.language)
        if chosen:
            return chosen
    chosen = match_language(request.cookies.get(LANGUAGE_COOKIE))
    if chosen:
        return chosen
    for tag, _quality in request.accept_languages:
        chosen = match_language(tag)
        if chosen:
            return chosen
    return current_app.config["HWC_DEFAULT_LOCALE"]


VIEWER_ZONE = "hwc.viewer_zone"


def viewer_zone() -> ZoneInfo:
    """The time zone in force in the logged-in user's own region (the deployment's for the
    root administrator and for visitors). The regions feature, which keeps the settings, gives
    the answer (``set_viewer_zone``); without it, the deployment's ``HWC_TIMEZONE``."""
    find = current_app.extensions.get(VIEWER_ZONE)
    if find is None:
        return ZoneInfo(current_app.config["HWC_TIMEZONE"])
    region = None
    if has_request_context() and current_user and current_user.is_authenticated:
        region = current_user.region
    return find(region)


def set_viewer_zone(app, find) -> None:
    """Let ``find(region)`` (region: the viewer's own, None for root and visitors) say which
    time zone a viewer reads times in."""
    app.extensions[VIEWER_ZONE] = find


def select_timezone() -> str:
    return viewer_zone().key


def zone_name(zone: tzinfo) -> str:
    """The zone's name in the reader's language ("Vladivostok Time", "海参崴时间")."""
    if getattr(zone, "key", None) == "UTC":
        return "UTC"
    return get_timezone_name(zone, locale=get_locale())


def format_in_zone(moment: datetime | None, zone: ZoneInfo, format: str = "short") -> str:
    """``moment`` as the local time of ``zone`` in the reader's locale; the zone is named
    (with its UTC offset) when it is not the reader's own, so "23:15" never reads as the
    reader's 23:15."""
    if moment is None:
        return ""
    locale = get_locale()
    text = babel_format_datetime(moment, format, tzinfo=zone, locale=locale)
    if zone.key == viewer_zone().key:
        return text
    offset = babel_format_datetime(moment, "ZZZZ", tzinfo=zone, locale=locale)
    return _("%(time)s (%(zone)s, %(offset)s)", time=text, zone=zone_name(zone), offset=offset)


def format_day(day: date | None, format: str = "medium") -> str:
    return "" if day is None else babel_format_date(day, format, locale=get_locale())


def current_language() -> str:
    return str(get_locale())


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.add_template_filter(zone_name, "zone_name")
    app.add_template_filter(format_day, "format_day")
    app.add_template_filter(lambda moment: format_in_zone(moment, viewer_zone()), "viewer_time")

    @app.context_processor
    def inject_languages():
        return {"languages": language_names(), "current_language": current_language}
