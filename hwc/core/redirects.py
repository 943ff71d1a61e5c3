"""Where a redirect may go when the target comes from the request (``next`` after logging in,
after switching language): only to a path on this site.

Nothing is stripped or repaired: a target that is not plainly a same-site path is refused,
and the caller goes to its default page instead. Browsers and Werkzeug drop tabs and newlines
and read backslashes as slashes, so ``/<TAB>/evil.example`` would become ``//evil.example``;
that is why any control character, space or backslash anywhere refuses the whole target.
"""

import unicodedata
from urllib.parse import unquote, urlsplit

MAX_TARGET_LENGTH = 2000


def _is_unsafe(character: str) -> bool:
    # C*: control, format, surrogate, private use, unassigned; Z*: every kind of space.
    return unicodedata.category(character)[0] in "CZ" or character.isspace()


def _looks_like_a_local_path(text: str) -> bool:
    return (
        text.startswith("/")
        and not text.startswith("//")
        and "\\" not in text
        and not any(_is_unsafe(character) for character in text)
    )


def safe_redirect_target(value: object) -> str | None:
    """``value`` itself when it is a path on this site (``/claims/X?y=1``), else None.

    Refused: anything not a string, empty or longer than ``MAX_TARGET_LENGTH``; anything not
    starting with exactly one ``/``; any scheme or host; any backslash, control character,
    format character or space; and a path whose percent-decoding would be refused too
    (``/%2F/evil.example``, ``/%09/evil.example``)."""
    if not isinstance(value, str) or not value or len(value) > MAX_TARGET_LENGTH:
        return None
    if not _looks_like_a_local_path(value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    # A proxy or server may decode the path once more; it must still be a local path then.
    if not _looks_like_a_local_path(unquote(parts.path)):
        return None
    return value
