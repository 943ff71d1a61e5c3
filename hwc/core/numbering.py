"""Document number formats a jurisdiction sets, such as ``{prefix}-{year}-{seq:6}``.

A format is parsed here rather than handed to ``str.format``: an administrator types it, and
``str.format`` would let ``{prefix.__class__}`` reach into objects. The numbers it makes go into
URL paths and QR codes, so the literal characters are letters, digits, ``-``, ``_`` and ``.``.
"""

import re
from dataclasses import dataclass
from datetime import date

PLACEHOLDER = re.compile(r"\{(prefix|year|month|seq)(?::([1-9]))?\}")
LITERAL = re.compile(r"[A-Za-z0-9._-]*")
DEFAULT_SEQ_DIGITS = 6
MIN_SEQ_DIGITS = 3
MAX_NUMBER_LENGTH = 64  # what a number column holds
# The longest each placeholder can print: a 12-character prefix, a sequence past its padding.
LONGEST = {"prefix": 12, "year": 4, "month": 2, "seq": 10}


@dataclass(frozen=True)
class NumberFormat:
    """A parsed format: literal text and placeholders in order. ``{prefix}`` comes first and is
    followed by ``-``, ``_`` or ``.``, so two prefixes (capitals and digits) never make the same
    number; ``{year}`` and ``{seq}`` appear once; with ``{month}`` the sequence restarts monthly."""

    parts: tuple[tuple[str, str], ...]  # ("text", "-") or ("prefix"|"year"|"month"|"seq", digits)

    @classmethod
    def parse(cls, text: str) -> "NumberFormat | None":
        """The format, or None when ``text`` is not a valid one."""
        parts: list[tuple[str, str]] = []
        position = 0
        for match in PLACEHOLDER.finditer(text):
            literal = text[position:match.start()]
            if literal:
                parts.append(("text", literal))
            name, digits = match.group(1), match.group(2)
            if digits and name != "seq":
                return None
            parts.append((name, digits or ""))
            position = match.end()
        if text[position:]:
            parts.append(("text", text[position:]))
        names = [name for name, _ in parts if name != "text"]
        literals = "".join(value for name, value in parts if name == "text")
        if not LITERAL.fullmatch(literals):
            return None
        if names.count("prefix") != 1 or names.count("year") != 1 or names.count("seq") != 1 \
                or names.count("month") > 1:
            return None
        if parts[0][0] != "prefix" or len(parts) < 2 or parts[1][0] != "text" \
                or parts[1][1][0] not in "-_.":
            return None
        seq_digits = next(value for name, value in parts if name == "seq")
        if seq_digits and int(seq_digits) < MIN_SEQ_DIGITS:
            return None
        if len(literals) + sum(LONGEST[name] for name in names) > MAX_NUMBER_LENGTH:
            return None
        return cls(tuple(parts))

    @property
    def monthly(self) -> bool:
        return any(name == "month" for name, _ in self.parts)

    def period(self, day: date) -> str:
        """The sequence a number issued on ``day`` belongs to: ``2026`` or ``2026-11``."""
        return f"{day:%Y-%m}" if self.monthly else f"{day:%Y}"

    def render(self, prefix: str, day: date, seq: int) -> str:
        pieces = []
        for name, value in self.parts:
            if name == "text":
                pieces.append(value)
            elif name == "prefix":
                pieces.append(prefix)
            elif name == "year":
                pieces.append(f"{day:%Y}")
            elif name == "month":
                pieces.append(f"{day:%m}")
            else:
                pieces.append(str(seq).zfill(int(value or DEFAULT_SEQ_DIGITS)))
        return "".join(pieces)
