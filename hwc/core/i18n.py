"""Language and time-zone selection, and the formatting helpers templates use."""

from babel import Locale, UnknownLocaleError
from flask import current_app, has_request_context, request
from flask_babel import get_locale
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


def select_timezone() -> str:
    return current_app.config["HWC_TIMEZONE"]


def current_language() -> str:
    return str(get_locale())


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)

    @app.context_processor
    def inject_languages():
        return {"languages": language_names(), "current_language": current_language}
