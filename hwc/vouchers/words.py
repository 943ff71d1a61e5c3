"""A voucher's amount in words, in one of the languages a voucher prints (``zh_Hans``, ``ru``,
``ko``, ``en``), as payment documents in that language write it.

The language is the voucher's choice (the payee's or the office's), not the reader's locale, so
nothing here goes through Babel. The number words come from cn2an (Chinese financial capitals)
and num2words (Russian, Korean, English); each wrapper below says what it corrects.

Conventions chosen where practice allows more than one:

- every language: the amount is rounded half-up to the currency's places first; a currency
  without words here is written as the whole units in words, the ISO code and the minor units
  as a fraction in figures (``Twelve thousand three hundred forty-five GBP 67/100``);
- zh_Hans: PBoC capitals, 人民币 before a CNY amount, 整 after 元 and after 角 (PBoC allows
  both), never after 分; no 零元 before a cents-only amount (人民币伍角整, 人民币壹分);
- ru: the whole units in words and the minor units in two figures, as Russian payment
  documents do (``Ноль рублей 50 копеек``, ``Одна тысяча один рубль 00 копеек``);
- ko: plain Hangul words without spaces (no 금 … 정 cheque frame), no leading 일 before 만 or
  천 (만이천삼백사십오원); a zero minor part is left out, a zero whole part too when there are
  minor units (오십펀);
- en: American number words without commas or "and" (one hundred nine); "only" closes an
  amount whose minor part is zero or absent (``Two roubles only``), the minor part follows
  with "and" otherwise; no "zero yuan" before a cents-only amount (``Fifty fen``).
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import cn2an
from num2words import num2words

from hwc.core.money import MONEY_LIMIT, check_currency, currency_places, round_money

LANGUAGES = ("zh_Hans", "ru", "ko", "en")


@dataclass(frozen=True)
class Amount:
    """An amount already rounded to its currency, split into whole and minor units."""

    whole: int
    minor: int
    places: int
    currency: str

    @property
    def minor_fraction(self) -> str:
        """The minor units as a fraction in figures: ``67/100``."""
        return f"{self.minor:0{self.places}d}/{10**self.places}"


def amount_in_words(amount: Decimal, currency: str, language: str) -> str:
    """``amount`` of ``currency`` in words in ``language``, after rounding it half-up to the
    currency's places. ``TypeError`` unless ``amount`` is a ``Decimal``; ``ValueError`` for a
    negative amount, one of ``MONEY_LIMIT`` or more, an unknown currency code or a language
    other than those in ``LANGUAGES``."""
    if language not in SPELLERS:
        raise ValueError(f"no amount in words for language {language!r}")
    return SPELLERS[language](split_amount(amount, check_currency(currency)))


def split_amount(amount: Decimal, currency: str) -> Amount:
    # Money is never a float, and num2words reads a bare int as minor units: refuse both.
    if not isinstance(amount, Decimal):
        raise TypeError(f"an amount is a Decimal, not {type(amount).__name__}")
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"not an amount a voucher pays: {amount}")
    # Checked before rounding too: quantizing a huge Decimal overflows the context.
    if amount >= MONEY_LIMIT or (rounded := round_money(amount, currency)) >= MONEY_LIMIT:
        raise ValueError(f"more than a voucher can pay: {amount}")
    places = currency_places(currency)
    whole = int(rounded)
    minor = int((rounded - whole).scaleb(places))
    return Amount(whole, minor, places, currency)


# --- Chinese -----------------------------------------------------------------------------

CHINESE_UNITS = {  # currency: (name, minor unit or None)
    "RUB": ("卢布", "戈比"),
    "KRW": ("韩元", None),
    "USD": ("美元", "美分"),
    "EUR": ("欧元", "欧分"),
}


def chinese_capitals(number: int) -> str:
    """A whole number in financial capitals (壹万零伍), with cn2an's 零 and 亿/万 grouping."""
    return cn2an.an2cn(str(number), "rmb").removesuffix("元整")


def chinese(amount: Amount) -> str:
    if amount.currency == "CNY":
        # cn2an writes PBoC capitals right (零 for skipped digits, 亿 and 万 groups, no 零元
        # before cents) but truncates extra places, so it gets the already rounded amount as a
        # string; it writes no 整 after 角, which PBoC allows and we choose, so we add it.
        text = cn2an.an2cn(f"{amount.whole}.{amount.minor:02d}", "rmb")
        if text.endswith("角"):
            text += "整"
        return "人民币" + text
    if amount.currency not in CHINESE_UNITS:
        return unknown_currency(chinese_capitals(amount.whole), amount)
    name, minor_unit = CHINESE_UNITS[amount.currency]
    text = ""
    if amount.whole or not amount.minor:
        text = chinese_capitals(amount.whole) + name
    if amount.minor and minor_unit:
        return text + chinese_capitals(amount.minor) + minor_unit
    return text + "整"


# --- Russian -----------------------------------------------------------------------------

RUSSIAN_UNITS = {  # currency: (forms for 1, 2, 5 of the unit; its gender; forms of the minor unit)
    "RUB": (("рубль", "рубля", "рублей"), "m", ("копейка", "копейки", "копеек")),
    # фэнь declines like юань ("1 юань = 100 фэней", as Russian references write it)
    "CNY": (("юань", "юаня", "юаней"), "m", ("фэнь", "фэня", "фэней")),
    "USD": (("доллар", "доллара", "долларов"), "m", ("цент", "цента", "центов")),
    "EUR": (("евро", "евро", "евро"), "m", ("цент", "цента", "центов")),
    "KRW": (("вона", "воны", "вон"), "f", None),
}


def russian_form(number: int, forms: tuple[str, str, str]) -> str:
    """The noun after ``number``: 1, 21 рубль; 2–4, 22 рубля; 0, 5–20, 25, 111 рублей."""
    one, few, many = forms
    if 11 <= number % 100 <= 14:
        return many
    return {1: one, 2: few, 3: few, 4: few}.get(number % 10, many)


def russian(amount: Amount) -> str:
    # num2words' own ru currency form puts a comma before the kopecks and knows neither CNY nor
    # KRW; its cardinals are right, with the gender we pass (одна вона, одна тысяча), so we take
    # those and add the nouns in the case the number asks for.
    if amount.currency not in RUSSIAN_UNITS:
        text = unknown_currency(num2words(amount.whole, lang="ru"), amount)
        return capitalised(text)
    forms, gender, minor_forms = RUSSIAN_UNITS[amount.currency]
    number = num2words(amount.whole, lang="ru", gender=gender)
    text = f"{number} {russian_form(amount.whole, forms)}"
    if minor_forms:
        text += f" {amount.minor:0{amount.places}d} {russian_form(amount.minor, minor_forms)}"
    return capitalised(text)


# --- Korean ------------------------------------------------------------------------------

KOREAN_UNITS = {  # currency: (unit, minor unit or None); Korean nouns take no plural
    "KRW": ("원", None),
    "CNY": ("위안", "펀"),
    "RUB": ("루블", "코페이카"),
    "USD": ("달러", "센트"),
    "EUR": ("유로", "센트"),
}


def korean_number(number: int) -> str:
    # num2words ko spaces the groups (만 이천삼백사십오); amounts are written closed up, as its
    # own KRW currency form does, so that nothing can be slipped in between.
    return num2words(number, lang="ko").replace(" ", "")


def korean(amount: Amount) -> str:
    if amount.currency not in KOREAN_UNITS:
        return unknown_currency(korean_number(amount.whole), amount)
    unit, minor_unit = KOREAN_UNITS[amount.currency]
    parts = []
    if amount.whole or not amount.minor:
        parts.append(korean_number(amount.whole) + unit)
    if amount.minor and minor_unit:
        parts.append(korean_number(amount.minor) + minor_unit)
    return " ".join(parts)


# --- English -----------------------------------------------------------------------------

ENGLISH_UNITS = {  # currency: ((singular, plural), (singular, plural) of the minor unit or None)
    "CNY": (("yuan", "yuan"), ("fen", "fen")),
    "RUB": (("rouble", "roubles"), ("kopeck", "kopecks")),
    "USD": (("dollar", "dollars"), ("cent", "cents")),
    "EUR": (("euro", "euros"), ("cent", "cents")),
    "KRW": (("won", "won"), None),
}


def english_number(number: int) -> str:
    # num2words en writes British "one thousand, four hundred and nine"; amounts on documents
    # are written without the commas and the "and" (one thousand four hundred nine), which also
    # keeps "and" for joining the minor part.
    return " ".join(
        word for word in num2words(number, lang="en").replace(",", "").split() if word != "and"
    )


def english(amount: Amount) -> str:
    if amount.currency not in ENGLISH_UNITS:
        return capitalised(unknown_currency(english_number(amount.whole), amount))
    (unit, units), minor_forms = ENGLISH_UNITS[amount.currency]
    whole = f"{english_number(amount.whole)} {unit if amount.whole == 1 else units}"
    if not (amount.minor and minor_forms):
        return capitalised(f"{whole} only")
    minor_unit, minor_units = minor_forms
    minor = f"{english_number(amount.minor)} {minor_unit if amount.minor == 1 else minor_units}"
    return capitalised(f"{whole} and {minor}" if amount.whole else minor)


# --- shared ------------------------------------------------------------------------------


def unknown_currency(whole_in_words: str, amount: Amount) -> str:
    text = f"{whole_in_words} {amount.currency}"
    return f"{text} {amount.minor_fraction}" if amount.places else text


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


SPELLERS: dict[str, Callable[[Amount], str]] = {
    "zh_Hans": chinese,
    "ru": russian,
    "ko": korean,
    "en": english,
}
