"""Money: ``Decimal`` rounded half-up to the places Babel's currency data gives (CNY 2, KRW 0)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import get_currency_precision, is_currency

# Decimal input the quantity and money columns hold: 12 digits before the point, 6 after.
MAX_INTEGER_DIGITS = 12
MAX_PLACES = 6
# Every money column (Numeric(16, 2)) holds less than this; no compensation comes near it.
MONEY_LIMIT = Decimal(10) ** 14


class InvalidCurrency(ValueError):
    pass


def check_currency(code: str) -> str:
    code = (code or "").strip().upper()
    if len(code) != 3 or not is_currency(code):
        raise InvalidCurrency(code)
    return code


def currency_places(currency: str) -> int:
    return get_currency_precision(currency)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half-up to the currency's minor unit."""
    places = currency_places(currency)
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def money_string(amount: Decimal | None, currency: str) -> str | None:
    """The API's form: a string with exactly the currency's decimal places (``"12000.00"``)."""
    if amount is None:
        return None
    return f"{round_money(amount, currency):f}"


def parse_decimal(text) -> Decimal:
    """A finite Decimal from user input (``"1 200,50"`` is refused: one format, no guessing)."""
    if isinstance(text, bool) or text is None:
        raise InvalidOperation(text)
    if isinstance(text, float):
        text = repr(text)
    value = Decimal(str(text).strip())
    if not value.is_finite():
        raise InvalidOperation(text)
    return value


class NumberRefused(ValueError):
    """Input that is not a number HWC keeps; ``message`` says why, in the reader's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def read_number(value, *, minimum=None, maximum=None, positive: bool = False) -> Decimal:
    """The number a person or a client typed (text or a JSON number), within the bounds given
    and within what the quantity and money columns keep (``fits_columns``); ``NumberRefused``
    with the reason otherwise. The one reading of decimal input, for forms and the API alike."""
    from flask_babel import gettext as _

    try:
        number = parse_decimal(value)
    except (InvalidOperation, ValueError):
        raise NumberRefused(_("Must be a number, such as 12 or 3.5.")) from None
    if positive and number <= 0:
        raise NumberRefused(_("Must be more than zero."))
    if minimum is not None and number < minimum:
        raise NumberRefused(_("Must be at least %(min)s.", min=minimum))
    if maximum is not None and number > maximum:
        raise NumberRefused(_("Must be at most %(max)s.", max=maximum))
    if not fits_columns(number):
        raise NumberRefused(_("Too many digits."))
    return number


def fits_columns(number: Decimal) -> bool:
    """Whether ``number`` has at most ``MAX_INTEGER_DIGITS`` digits before the point and
    ``MAX_PLACES`` after: what the database keeps of a quantity or an amount."""
    return number.adjusted() < MAX_INTEGER_DIGITS and number.as_tuple().exponent >= -MAX_PLACES
