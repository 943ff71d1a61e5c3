"""Claim codes a resident can read out and type on a basic phone: 8 random Crockford base32 symbols
plus Crockford's mod-37 check symbol, written in groups as ``7K3M-Q9TX-D``."""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
BODY_LENGTH = 8
# Common misreadings folded to the symbol they stand for, as Crockford specifies.
FOLD = str.maketrans({"O": "0", "I": "1", "L": "1"})


class InvalidCode(ValueError):
    """Not shaped like a claim code at all."""


class CodeTypo(InvalidCode):
    """Shaped like a claim code but its check symbol does not match: most likely a typing slip."""


def _value(body: str) -> int:
    value = 0
    for symbol in body:
        value = value * 32 + ALPHABET.index(symbol)
    return value


def check_symbol(body: str) -> str:
    return CHECK_ALPHABET[_value(body) % 37]


def generate_code() -> str:
    """A new random code (normalised form, no hyphens) from the system CSPRNG.

    Codes whose check symbol would be one of ``* ~ $ = U`` are drawn again, so that a resident
    never has to type a symbol that basic phone keypads hide; such symbols are still accepted.
    """
    while True:
        body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
        check = check_symbol(body)
        if check in ALPHABET:
            return body + check


def normalise_code(text: str) -> str:
    """The code in normalised form (upper case, no separators, O→0, I/L→1).

    Raises ``InvalidCode`` if it cannot be a code and ``CodeTypo`` if the check symbol is wrong.
    """
    cleaned = "".join(ch for ch in (text or "").upper() if ch not in " -_.\t").translate(FOLD)
    if len(cleaned) != BODY_LENGTH + 1:
        raise InvalidCode(text)
    body, check = cleaned[:BODY_LENGTH], cleaned[BODY_LENGTH]
    if any(symbol not in ALPHABET for symbol in body) or check not in CHECK_ALPHABET:
        raise InvalidCode(text)
    if check_symbol(body) != check:
        raise CodeTypo(text)
    return cleaned


def format_code(code: str) -> str:
    """``ABCD-EFGH-C`` for display and printing."""
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"
