"""Language selection order, translated pages, and the catalogues' completeness."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from hwc import PROJECT_ROOT
from hwc.config import LANGUAGES
from hwc.core.i18n import match_language

CATALOGUES = PROJECT_ROOT / "translations"
LOGIN_TITLE = {"en": "Log in", "zh_Hans": "登录", "ru": "Вход", "ko": "로그인"}


def page_language(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


@pytest.mark.parametrize(("header", "language"), [
    ("zh-CN", "zh_Hans"), ("zh-CN,zh;q=0.9,en;q=0.8", "zh_Hans"), ("ru", "ru"),
    ("ru-RU,ru;q=0.9", "ru"), ("ko", "ko"), ("ko-KR", "ko"), ("en-US", "en"),
    ("de-DE,ru;q=0.5", "ru"),
])
def test_login_page_follows_accept_language(client, header, language):
    response = client.get("/login", headers={"Accept-Language": header})
    assert page_language(response) == language.replace("_", "-")
    assert f"<h1>{LOGIN_TITLE[language]}</h1>" in response.get_data(as_text=True)


def test_without_any_preference_the_default_locale_is_used(client):
    assert page_language(client.get("/login")) == "zh-Hans"


def test_traditional_chinese_is_not_served_simplified(client):
    assert match_language("zh-TW") is None
    assert page_language(client.get("/login", headers={"Accept-Language": "zh-TW"})) == "zh-Hans"


def test_cookie_choice_beats_accept_language(client):
    response = client.post("/language", data={"language": "ko", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = client.get("/login", headers={"Accept-Language": "ru"})
    assert page_language(page) == "ko"


def test_user_preference_beats_cookie_and_accept_language(client, auth, demo):
    client.post("/language", data={"language": "ko", "next": "/login"})
    auth.login("ru_verifier")
    page = client.get("/workspace", headers={"Accept-Language": "en"})
    assert page_language(page) == "ru"


def test_switching_language_while_logged_in_saves_the_preference(client, auth, demo, app):
    from hwc.accounts.models import User

    auth.login("officer")
    client.post("/language", data={"language": "en", "next": "/workspace"})
    with app.app_context():
        assert User.by_username("officer").language == "en"
    assert page_language(client.get("/workspace")) == "en"


def test_language_switch_refuses_foreign_redirects(client):
    response = client.post("/language", data={"language": "ru", "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_unknown_language_choice_falls_back_to_default(client):
    client.post("/language", data={"language": "xx-invalid"})
    assert page_language(client.get("/login", headers={"Accept-Language": "ru"})) == "zh-Hans"


# --- the catalogues -------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
PLACEHOLDER_NAME = re.compile(r"%\((\w+)\)")


def catalogue(language: str):
    with open(CATALOGUES / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_is_complete_and_has_no_fuzzy_entry(language):
    problems = []
    for message in catalogue(language):
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(f"untranslated: {message.id!r}")
    assert problems == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder(language):
    problems = []
    for message in catalogue(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) != wanted:
                problems.append(f"{message.id!r} → {string!r}")
    assert problems == []


# ``_('…')`` and ``{% trans %}`` in templates always %-format the text (Jinja's "newstyle"
# gettext), even without variables: a lone "%" there (in the message or in a translation) is
# a format error or, worse, silently eats the next characters ("% a" is a conversion).
TEMPLATE_MESSAGE = re.compile(r"""\b_\(\s*(['"])(.*?)\1\s*[,)]""")


def template_messages() -> set[str]:
    found = set()
    for path in (PROJECT_ROOT / "templates").rglob("*.html"):
        found |= {text for _quote, text in TEMPLATE_MESSAGE.findall(path.read_text("utf-8"))}
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_template_messages_survive_formatting_in_every_language(language):
    in_templates = template_messages()
    assert len(in_templates) > 100  # the pattern finds them
    problems = []
    for message in catalogue(language):
        if not isinstance(message.id, str) or message.id not in in_templates:
            continue
        for text in (message.id, message.string):
            names = dict.fromkeys(PLACEHOLDER_NAME.findall(text), 1)
            try:
                formatted = text % names
            except (ValueError, TypeError, KeyError) as error:
                problems.append(f"{message.id!r} → {text!r}: {error}")
                continue
            if "%" in text.replace("%%", "") and not names:
                problems.append(f"{message.id!r} → {text!r}: a lone % ({formatted!r})")
    assert problems == []


def message_ids(path: Path) -> set:
    with open(path, "rb") as handle:
        return {m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(handle) if m.id}


def test_messages_pot_is_up_to_date_with_the_code(tmp_path):
    fresh = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    "babel.cfg", "-k", "_l", "-o", str(fresh), "."],
                   cwd=PROJECT_ROOT, check=True, capture_output=True)
    committed = message_ids(CATALOGUES / "messages.pot")
    extracted = message_ids(fresh)
    assert sorted(map(str, extracted - committed)) == [], "run `make translations`"
    assert sorted(map(str, committed - extracted)) == [], "run `make translations`"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_covers_every_extracted_message(language):
    missing = message_ids(CATALOGUES / "messages.pot") - message_ids(
        CATALOGUES / language / "LC_MESSAGES" / "messages.po")
    assert sorted(map(str, missing)) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_compiles(language, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "compile", "--statistics", "-i",
         str(CATALOGUES / language / "LC_MESSAGES" / "messages.po"), "-o",
         str(tmp_path / "messages.mo"), "-l", language],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "messages.mo").stat().st_size > 0
