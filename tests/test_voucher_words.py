"""A voucher's amount in words, per language, against strings checked by hand: zeros in the
middle, exact tens of thousands, cents only, the largest amount, rounding half-up first."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from num2words import num2words

from hwc.core.money import MONEY_LIMIT
from hwc.vouchers.words import amount_in_words

LARGEST = "99999999999999.99"

CHINESE_CNY = [
    ("1409.50", "人民币壹仟肆佰零玖元伍角整"),
    ("10005.00", "人民币壹万零伍元整"),
    ("1010.01", "人民币壹仟零壹拾元零壹分"),
    ("100000.05", "人民币壹拾万元零伍分"),
    ("6007.14", "人民币陆仟零柒元壹角肆分"),
    ("100010000.00", "人民币壹亿零壹万元整"),
    ("100000000", "人民币壹亿元整"),
    ("10.50", "人民币壹拾元伍角整"),
    ("10000.00", "人民币壹万元整"),
    ("50000.00", "人民币伍万元整"),
    ("0.50", "人民币伍角整"),
    ("0.05", "人民币伍分"),
    ("0.15", "人民币壹角伍分"),
    ("0.01", "人民币壹分"),
    ("0", "人民币零元整"),
    (LARGEST, "人民币玖拾玖万玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
    ("0.005", "人民币壹分"),
    ("0.004", "人民币零元整"),
    ("1409.495", "人民币壹仟肆佰零玖元伍角整"),
    ("2.675", "人民币贰元陆角捌分"),
    ("2.665", "人民币贰元陆角柒分"),
]


@pytest.mark.parametrize(("amount", "words"), CHINESE_CNY)
def test_yuan_are_written_in_pboc_financial_capitals(amount, words):
    assert amount_in_words(Decimal(amount), "CNY", "zh_Hans") == words


@pytest.mark.parametrize(
    ("amount", "currency", "words"),
    [
        ("12345.67", "RUB", "壹万贰仟叁佰肆拾伍卢布陆拾柒戈比"),
        ("10005.00", "RUB", "壹万零伍卢布整"),
        ("1010.01", "RUB", "壹仟零壹拾卢布壹戈比"),
        ("0.50", "RUB", "伍拾戈比"),
        ("12345", "KRW", "壹万贰仟叁佰肆拾伍韩元整"),
        ("12345.5", "KRW", "壹万贰仟叁佰肆拾陆韩元整"),
        ("1.01", "USD", "壹美元壹美分"),
        ("50000.00", "EUR", "伍万欧元整"),
        ("12345.67", "GBP", "壹万贰仟叁佰肆拾伍 GBP 67/100"),
    ],
)
def test_other_currencies_in_chinese_name_the_currency_and_its_minor_unit(amount, currency, words):
    assert amount_in_words(Decimal(amount), currency, "zh_Hans") == words


RUSSIAN_RUB = [
    ("12345.67", "Двенадцать тысяч триста сорок пять рублей 67 копеек"),
    ("1409.50", "Одна тысяча четыреста девять рублей 50 копеек"),
    ("10005.00", "Десять тысяч пять рублей 00 копеек"),
    ("1010.01", "Одна тысяча десять рублей 01 копейка"),
    ("100000.05", "Сто тысяч рублей 05 копеек"),
    ("10000.00", "Десять тысяч рублей 00 копеек"),
    ("50000.00", "Пятьдесят тысяч рублей 00 копеек"),
    ("0.50", "Ноль рублей 50 копеек"),
    ("0.05", "Ноль рублей 05 копеек"),
    ("0.01", "Ноль рублей 01 копейка"),
    (
        LARGEST,
        "Девяносто девять триллионов девятьсот девяносто девять миллиардов девятьсот "
        "девяносто девять миллионов девятьсот девяносто девять тысяч девятьсот девяносто "
        "девять рублей 99 копеек",
    ),
    ("0.005", "Ноль рублей 01 копейка"),
    ("2.675", "Два рубля 68 копеек"),
    # agreement of рубль with the number
    ("1.00", "Один рубль 00 копеек"),
    ("2.00", "Два рубля 00 копеек"),
    ("5.00", "Пять рублей 00 копеек"),
    ("11.00", "Одиннадцать рублей 00 копеек"),
    ("21.00", "Двадцать один рубль 00 копеек"),
    ("22.00", "Двадцать два рубля 00 копеек"),
    ("25.00", "Двадцать пять рублей 00 копеек"),
    ("111.00", "Сто одиннадцать рублей 00 копеек"),
    ("1001.00", "Одна тысяча один рубль 00 копеек"),
    ("2000.00", "Две тысячи рублей 00 копеек"),
    # agreement of копейка with the number
    ("3.01", "Три рубля 01 копейка"),
    ("3.02", "Три рубля 02 копейки"),
    ("3.05", "Три рубля 05 копеек"),
    ("3.11", "Три рубля 11 копеек"),
    ("3.14", "Три рубля 14 копеек"),
    ("21.01", "Двадцать один рубль 01 копейка"),
    ("3.21", "Три рубля 21 копейка"),
]


@pytest.mark.parametrize(("amount", "words"), RUSSIAN_RUB)
def test_roubles_in_words_with_kopecks_in_figures(amount, words):
    assert amount_in_words(Decimal(amount), "RUB", "ru") == words


@pytest.mark.parametrize(
    ("amount", "currency", "words"),
    [
        ("1409.50", "CNY", "Одна тысяча четыреста девять юаней 50 фэней"),
        ("21.01", "CNY", "Двадцать один юань 01 фэнь"),
        ("2.02", "CNY", "Два юаня 02 фэня"),
        ("12345", "KRW", "Двенадцать тысяч триста сорок пять вон"),
        ("12345.5", "KRW", "Двенадцать тысяч триста сорок шесть вон"),
        ("1", "KRW", "Одна вона"),
        ("2", "KRW", "Две воны"),
        ("21", "KRW", "Двадцать одна вона"),
        ("1.01", "USD", "Один доллар 01 цент"),
        ("22.05", "USD", "Двадцать два доллара 05 центов"),
        ("21.00", "EUR", "Двадцать один евро 00 центов"),
        ("12345.67", "GBP", "Двенадцать тысяч триста сорок пять GBP 67/100"),
    ],
)
def test_other_currencies_in_russian_agree_in_number_and_gender(amount, currency, words):
    assert amount_in_words(Decimal(amount), currency, "ru") == words


KOREAN = [
    ("12345", "KRW", "만이천삼백사십오원"),
    ("12345.5", "KRW", "만이천삼백사십육원"),
    ("1", "KRW", "일원"),
    ("100000000", "KRW", "일억원"),
    ("1409.50", "CNY", "천사백구위안 오십펀"),
    ("10005.00", "CNY", "만오위안"),
    ("1010.01", "CNY", "천십위안 일펀"),
    ("100000.05", "CNY", "십만위안 오펀"),
    ("10000.00", "CNY", "만위안"),
    ("50000.00", "CNY", "오만위안"),
    ("0.50", "CNY", "오십펀"),
    ("0.05", "CNY", "오펀"),
    ("0.01", "CNY", "일펀"),
    ("0.005", "CNY", "일펀"),
    ("2.675", "CNY", "이위안 육십팔펀"),
    (LARGEST, "CNY", "구십구조구천구백구십구억구천구백구십구만구천구백구십구위안 구십구펀"),
    ("12345.67", "RUB", "만이천삼백사십오루블 육십칠코페이카"),
    ("12345.67", "USD", "만이천삼백사십오달러 육십칠센트"),
    ("12345.67", "EUR", "만이천삼백사십오유로 육십칠센트"),
    ("12345.67", "GBP", "만이천삼백사십오 GBP 67/100"),
]


@pytest.mark.parametrize(("amount", "currency", "words"), KOREAN)
def test_korean_amounts_are_closed_up_hangul_with_the_currency_word(amount, currency, words):
    assert amount_in_words(Decimal(amount), currency, "ko") == words


ENGLISH = [
    ("12345.67", "CNY", "Twelve thousand three hundred forty-five yuan and sixty-seven fen"),
    ("1409.50", "CNY", "One thousand four hundred nine yuan and fifty fen"),
    ("10005.00", "CNY", "Ten thousand five yuan only"),
    ("1010.01", "CNY", "One thousand ten yuan and one fen"),
    ("100000.05", "CNY", "One hundred thousand yuan and five fen"),
    ("10000.00", "CNY", "Ten thousand yuan only"),
    ("50000.00", "CNY", "Fifty thousand yuan only"),
    ("0.50", "CNY", "Fifty fen"),
    ("0.05", "CNY", "Five fen"),
    ("0.01", "CNY", "One fen"),
    ("0", "CNY", "Zero yuan only"),
    ("0.005", "CNY", "One fen"),
    ("2.675", "CNY", "Two yuan and sixty-eight fen"),
    (
        LARGEST,
        "CNY",
        "Ninety-nine trillion nine hundred ninety-nine billion nine hundred "
        "ninety-nine million nine hundred ninety-nine thousand nine hundred "
        "ninety-nine yuan and ninety-nine fen",
    ),
    ("1.01", "RUB", "One rouble and one kopeck"),
    ("12345.67", "RUB", "Twelve thousand three hundred forty-five roubles and sixty-seven kopecks"),
    ("21.21", "RUB", "Twenty-one roubles and twenty-one kopecks"),
    ("111.00", "RUB", "One hundred eleven roubles only"),
    ("12345", "KRW", "Twelve thousand three hundred forty-five won only"),
    ("12345.5", "KRW", "Twelve thousand three hundred forty-six won only"),
    ("1.00", "USD", "One dollar only"),
    ("2.02", "USD", "Two dollars and two cents"),
    ("1.01", "EUR", "One euro and one cent"),
    ("50000.00", "EUR", "Fifty thousand euros only"),
    ("12345.67", "GBP", "Twelve thousand three hundred forty-five GBP 67/100"),
]


@pytest.mark.parametrize(("amount", "currency", "words"), ENGLISH)
def test_english_amounts_name_the_currency_and_end_in_only_without_cents(amount, currency, words):
    assert amount_in_words(Decimal(amount), currency, "en") == words


@pytest.mark.parametrize("language", ["zh_Hans", "ru", "ko", "en"])
def test_the_amount_is_rounded_half_up_not_to_even_before_it_is_spelled(language):
    assert amount_in_words(Decimal("2.665"), "CNY", language) == amount_in_words(
        Decimal("2.67"), "CNY", language
    )
    assert amount_in_words(Decimal("0.125"), "RUB", language) == amount_in_words(
        Decimal("0.13"), "RUB", language
    )


def test_a_lower_case_currency_code_is_read_as_the_code():
    assert amount_in_words(Decimal("0.01"), "cny", "zh_Hans") == "人民币壹分"


@pytest.mark.parametrize("amount", [1409.5, 1409, True, "1409.50", None])
def test_an_amount_that_is_not_a_decimal_is_refused(amount):
    with pytest.raises(TypeError):
        amount_in_words(amount, "CNY", "zh_Hans")


@pytest.mark.parametrize(
    "amount",
    [
        "-0.01",
        "-0.004",
        str(MONEY_LIMIT),
        "99999999999999.995",
        "1E+30",
        "NaN",
        "Infinity",
    ],
)
def test_negative_too_large_and_non_finite_amounts_are_refused(amount):
    with pytest.raises(ValueError):
        amount_in_words(Decimal(amount), "CNY", "zh_Hans")


@pytest.mark.parametrize("language", ["zh", "zh_CN", "de", "", "EN"])
def test_a_language_without_amount_words_is_refused(language):
    with pytest.raises(ValueError):
        amount_in_words(Decimal(1), "CNY", language)


@pytest.mark.parametrize("currency", ["XYZ", "", "yuan"])
def test_a_code_that_is_no_currency_is_refused(currency):
    with pytest.raises(ValueError):
        amount_in_words(Decimal(1), currency, "en")


# --- properties --------------------------------------------------------------------------

DIGITS = dict(zip("零壹贰叁肆伍陆柒捌玖", range(10), strict=True))
SMALL_UNITS = {"拾": 10, "佰": 100, "仟": 1000}


def read_capitals(text: str) -> int:
    """A whole number written in financial capitals (玖拾玖万…亿…万…), read back; an
    independent reading, so that the test does not check cn2an against itself."""
    below_yi = section = digit = 0
    total = 0
    for char in text:
        if char in DIGITS:
            digit = DIGITS[char]
        elif char in SMALL_UNITS:
            section += digit * SMALL_UNITS[char]
            digit = 0
        elif char == "万":
            below_yi += (section + digit) * 10_000
            section = digit = 0
        elif char == "亿":
            total = (total + below_yi + section + digit) * 100_000_000
            below_yi = section = digit = 0
        else:
            raise AssertionError(f"not a financial capital: {char!r} in {text!r}")
    return total + below_yi + section + digit


def read_rmb(text: str) -> Decimal:
    """人民币…元…角…分 (整) read back as a Decimal."""
    assert text.startswith("人民币")
    rest = text.removeprefix("人民币").removesuffix("整")
    value = Decimal(0)
    for unit, scale in (("元", Decimal(1)), ("角", Decimal("0.1")), ("分", Decimal("0.01"))):
        if unit in rest:
            part, rest = rest.split(unit, 1)
            value += read_capitals(part) * scale
    assert rest == "", text
    return value


cent_amounts = st.decimals(min_value=0, max_value=MONEY_LIMIT - Decimal("0.01"), places=2)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=cent_amounts)
def test_chinese_capitals_read_back_to_the_same_amount(amount):
    words = amount_in_words(amount, "CNY", "zh_Hans")
    assert read_rmb(words) == amount
    assert not words.endswith("分整")
    # 整 closes the amount exactly when it has no 分
    assert words.endswith("整") == (amount * 100 % 10 == 0)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=cent_amounts)
def test_roubles_agree_with_num2words_own_rouble_wording(amount):
    """num2words' ru currency form (comma before the kopecks, lower case) has the same words,
    cases and kopecks in figures: only its punctuation and capital differ."""
    theirs = num2words(amount, lang="ru", to="currency", currency="RUB", cents=False)
    ours = amount_in_words(amount, "RUB", "ru")
    assert ours == (theirs[:1].upper() + theirs[1:]).replace(",", "")
