"""How a text travels by SMS: in the GSM 7-bit alphabet when every character is in it, else in
UCS-2, and how many segments (each billed as one message) that takes."""

import math

# Registers the "gsm03.38" codec (3GPP TS 23.038 basic set and extension table, an extension
# character encoded as an escape plus its code, so one byte per septet).
import gsm0338  # noqa: F401

GSM7, UCS2 = "gsm7", "ucs2"
# Characters in one segment, and in each segment of a concatenated message (whose user-data
# header takes 7 septets or 3 UCS-2 characters).
SINGLE = {GSM7: 160, UCS2: 70}
CONCATENATED = {GSM7: 153, UCS2: 67}


def encoding(text: str) -> str:
    """``"gsm7"`` when every character is in the GSM 03.38 alphabet, else ``"ucs2"``."""
    try:
        text.encode("gsm03.38")
    except UnicodeError:
        return UCS2
    return GSM7


def length(text: str) -> int:
    """The text's length in its encoding's units: septets (an extension character such as € or
    { counts 2) or UTF-16 code units (a character outside the BMP counts 2)."""
    if encoding(text) == GSM7:
        return len(text.encode("gsm03.38"))
    return len(text.encode("utf-16-be", "surrogatepass")) // 2


def segments(text: str) -> int:
    """How many segments ``text`` is sent in (an empty text still costs one)."""
    kind, units = encoding(text), length(text)
    if units <= SINGLE[kind]:
        return 1
    return math.ceil(units / CONCATENATED[kind])
