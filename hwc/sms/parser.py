"""Reading what a resident texts: a claim code, alone or after a status keyword, or one of the
HELP, STOP and START keywords, in any shipped language. Never raises."""

import re
import unicodedata
from dataclasses import dataclass

from hwc.claims.codes import BODY_LENGTH, CodeTypo, InvalidCode, normalise_code

# Longer texts are cut here before anything else is done with them.
MAX_LENGTH = 1000
INTENTS = ("status", "help", "stop", "start", "empty", "unknown")

# Keywords by intent and language, matched in upper case after NFKC. The first of each list is
# the one the texts tell residents to send (``keyword``). Stop words include the carriers'
# usual set (STOP, END, CANCEL, UNSUBSCRIBE, QUIT, STOPALL), so no one is held by a synonym.
KEYWORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "status": {
        "en": ("STATUS", "STAT", "CHECK", "CLAIM", "CODE"),
        "zh_Hans": ("状态", "查询", "查", "进度", "狀態", "查詢"),
        "ru": ("СТАТУС", "СТАТ", "ПРОВЕРКА", "ЗАЯВКА", "КОД"),
        "ko": ("상태", "조회", "확인"),
    },
    "help": {
        "en": ("HELP", "INFO"),
        "zh_Hans": ("帮助", "幫助", "说明", "帮忙"),
        "ru": ("ПОМОЩЬ", "СПРАВКА", "ИНФО"),
        "ko": ("도움말", "도움", "안내"),
    },
    "stop": {
        "en": ("STOP", "STOPALL", "END", "CANCEL", "UNSUBSCRIBE", "QUIT"),
        "zh_Hans": ("退订", "退訂", "停止", "取消"),
        "ru": ("СТОП", "ОТПИСАТЬСЯ", "ОТПИСКА", "ХВАТИТ"),
        "ko": ("중지", "수신거부", "거부", "정지"),
    },
    "start": {
        "en": ("START", "UNSTOP", "SUBSCRIBE", "RESUME"),
        "zh_Hans": ("订阅", "訂閱", "开始", "恢复"),
        "ru": ("СТАРТ", "ПОДПИСАТЬСЯ", "ПОДПИСКА", "ВОЗОБНОВИТЬ"),
        "ko": ("시작", "수신", "재개"),
    },
}
# Longest first, so that STOPALL is not read as STOP followed by "ALL".
_KEYWORD_ORDER = sorted(((word, intent, language)
                         for intent, by_language in KEYWORDS.items()
                         for language, words in by_language.items() for word in words),
                        key=lambda entry: -len(entry[0]))

# What may stand between the groups of a code ("K7M3-Q9X2-T", "K7M3 Q9X2 T", "K7M3/Q9X2/T").
_SEPARATORS = re.compile(r"[\s\-_./,·‐‑‒–—―−ー]+")
# Cyrillic letters that look like the Latin ones of a code, as a phone set to Russian types them.
_LOOKALIKES = str.maketrans("АВЕКМНОРСТХУЗ", "ABEKMHOPCTXY3")
# Check symbols a code may end with although they are punctuation.
_CHECK_PUNCTUATION = "*~$="


@dataclass(frozen=True)
class Inbound:
    """What a text asks for. ``intent == "status"`` with ``code`` set: look that claim up;
    with ``typo`` set (``code`` None): it is shaped like a code but does not check out.
    ``language`` is the keyword's language, None when no keyword was used."""

    intent: str
    code: str | None = None
    language: str | None = None
    typo: bool = False


def keyword(intent: str, language: str) -> str:
    """The keyword a resident is told to send for ``intent`` in ``language``."""
    by_language = KEYWORDS[intent]
    return by_language.get(language, by_language["en"])[0]


def parse(text: str) -> Inbound:
    """What ``text`` asks for. Total: any string (or None) gives an ``Inbound``."""
    cleaned = _clean(text)
    if not cleaned:
        return Inbound("empty")
    bare = _read_code(cleaned)
    if bare is not None and not bare.typo:
        return bare
    found = _keyword_at_start(cleaned)
    # A mistyped code that happens to begin like a keyword ("END4 5678 X") is still a code:
    # above all, it must not unsubscribe the resident. Words alone ("END PLEASE") are not.
    mistyped_code = bare is not None and any(ch.isdigit() for ch in cleaned)
    if found is not None and not (mistyped_code and found[2]):
        intent, language, rest = found
        if intent != "status":
            return Inbound(intent, language=language)
        rest = _strip_status_keywords(rest)
        if not rest:
            return Inbound("empty", language=language)
        code = _read_code(rest)
        if code is None:
            return Inbound("unknown", language=language)
        return Inbound("status", code.code, language, code.typo)
    return bare or Inbound("unknown")


def _clean(text) -> str:
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFKC", text[:MAX_LENGTH])[:MAX_LENGTH]
    return _trim(text.upper())


def _trim(text: str) -> str:
    """``text`` without the punctuation, symbols and spaces around it ("「K7M3…」。"), except a
    check symbol at its end."""
    start, end = 0, len(text)
    while start < end and _is_edge(text[start]):
        start += 1
    while end > start and _is_edge(text[end - 1]) and text[end - 1] not in _CHECK_PUNCTUATION:
        end -= 1
    return text[start:end]


def _is_edge(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PSZC"


def _read_code(text: str) -> Inbound | None:
    """The code ``text`` consists of, a typo when it is nearly one, else None."""
    squeezed = _SEPARATORS.sub("", text).translate(_LOOKALIKES)
    try:
        return Inbound("status", normalise_code(squeezed))
    except CodeTypo:
        return Inbound("status", typo=True)
    except InvalidCode:
        pass
    # One symbol missing or one too many: still a code the resident meant to send.
    if (abs(len(squeezed) - (BODY_LENGTH + 1)) == 1 and any(ch.isdigit() for ch in squeezed)
            and _looks_like_code(squeezed)):
        return Inbound("status", typo=True)
    return None


def _looks_like_code(text: str) -> bool:
    return bool(re.fullmatch(r"[0-9A-Z*~$=]+", text)) and text.isascii()


def _keyword_at_start(text: str) -> tuple[str, str, str] | None:
    for word, intent, language in _KEYWORD_ORDER:
        if text.startswith(word) and _ends_word(text, len(word)):
            return intent, language, _trim(text[len(word):])
    return None


def _strip_status_keywords(text: str) -> str:
    """``状态查询 …`` and ``STATUS CHECK …``: a second status keyword adds nothing."""
    while True:
        found = _keyword_at_start(text)
        if found is None or found[0] != "status":
            return text
        text = found[2]


def _ends_word(text: str, end: int) -> bool:
    """A Latin or Cyrillic keyword must end where its word does (STOP, not STOPPED, nor the
    start of a code like END4…); a Chinese or Korean one may run straight into the code
    (状态K7M3Q9X2Z)."""
    if end >= len(text) or not _is_alphabetic(text[end - 1]):
        return True
    return not text[end].isalnum()


def _is_alphabetic(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith(("LATIN", "CYRILLIC"))
