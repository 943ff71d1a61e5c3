"""Claim codes: 8 random Crockford base32 symbols and a mod-37 check symbol that catches the
slips a resident makes when reading a code out or typing it on a basic phone."""

import itertools
import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from hwc.claims.codes import (
    ALPHABET,
    CHECK_ALPHABET,
    CodeTypo,
    InvalidCode,
    check_symbol,
    format_code,
    generate_code,
    normalise_code,
)

HIDDEN_CHECK_SYMBOLS = "*~$=U"
bodies = st.text(alphabet=ALPHABET, min_size=8, max_size=8)


def code_of(body: str) -> str:
    return body + check_symbol(body)


def value_of(code: str) -> int:
    value = 0
    for symbol in code[:8]:
        value = value * 32 + ALPHABET.index(symbol)
    return value


def body_with_hidden_check() -> str:
    """A body whose check symbol is one of the five that ``generate_code`` avoids."""
    return next(body for body in (f"7K3M{n:04d}" for n in range(10000))
                if check_symbol(body) in HIDDEN_CHECK_SYMBOLS)


@pytest.fixture(scope="module")
def many_codes():
    return [generate_code() for _ in range(20000)]


# --- shape ----------------------------------------------------------------------------------

def test_check_alphabet_is_crockfords_base32_plus_its_five_check_symbols():
    assert ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    assert CHECK_ALPHABET == ALPHABET + "*~$=U"


def test_a_generated_code_is_nine_symbols_from_the_alphabet():
    code = generate_code()
    assert re.fullmatch(f"[{ALPHABET}]{{9}}", code)


def test_a_generated_codes_last_symbol_is_the_mod_37_check_of_its_body():
    code = generate_code()
    assert code[8] == CHECK_ALPHABET[value_of(code) % 37]
    assert code[8] == check_symbol(code[:8])


def test_a_generated_code_is_accepted_unchanged():
    code = generate_code()
    assert normalise_code(code) == code


def test_a_code_is_displayed_as_two_groups_of_four_and_the_check_symbol():
    assert format_code("ABCDEFGH7") == "ABCD-EFGH-7"


@pytest.mark.parametrize(("body", "check"), [
    ("00000000", "0"), ("00000001", "1"), ("0000000Z", "Z"), ("00000010", "*"),
    ("00000011", "~"), ("00000012", "$"), ("00000013", "="), ("00000014", "U"),
    ("00000015", "0"), ("00000100", "S"),
])
def test_check_symbol_is_the_value_modulo_37(body, check):
    assert check_symbol(body) == check


# --- normalisation --------------------------------------------------------------------------

@given(bodies)
def test_the_displayed_form_normalises_back_to_the_code(body):
    code = code_of(body)
    assert normalise_code(format_code(code)) == code


@given(bodies, st.sampled_from([" ", "-", "  ", " - ", "\t", "."]))
def test_lower_case_and_separators_are_ignored(body, separator):
    code = code_of(body)
    typed = separator.join([code[:4].lower(), code[4:8], code[8:].lower()])
    assert normalise_code(typed) == code


@given(bodies, st.data())
def test_letters_misread_for_zero_and_one_are_folded(body, data):
    code = code_of(body)
    misread = "".join(
        data.draw(st.sampled_from("0Oo")) if s == "0" else
        data.draw(st.sampled_from("1IiLl")) if s == "1" else s
        for s in code)
    assert normalise_code(misread) == code


def test_a_code_with_o_i_and_l_typed_for_zero_and_one_is_accepted():
    code = code_of("0011A1B0")
    assert normalise_code("oOIl-aLBo-" + code[8]) == code


# --- typos ----------------------------------------------------------------------------------

def single_substitutions(code: str):
    for position, original in enumerate(code):
        for symbol in ALPHABET:
            if symbol != original:
                yield code[:position] + symbol + code[position + 1:]


def adjacent_transpositions(code: str):
    for position in range(len(code) - 1):
        a, b = code[position], code[position + 1]
        if a != b:
            yield code[:position] + b + a + code[position + 2:]


def test_every_single_symbol_substitution_is_a_typo():
    for _ in range(300):
        code = generate_code()
        for typo in single_substitutions(code):
            with pytest.raises(CodeTypo):
                normalise_code(typo)


def test_every_adjacent_transposition_is_a_typo():
    for _ in range(300):
        code = generate_code()
        for typo in adjacent_transpositions(code):
            with pytest.raises(CodeTypo):
                normalise_code(typo)


@given(bodies, st.integers(0, 8), st.sampled_from(ALPHABET))
def test_any_substitution_in_any_valid_code_is_caught(body, position, symbol):
    code = code_of(body)
    assume(code[position] != symbol)
    with pytest.raises(CodeTypo):
        normalise_code(code[:position] + symbol + code[position + 1:])


def test_a_typo_is_also_an_invalid_code_for_callers_that_only_catch_that():
    code = generate_code()
    typo = code[:8] + next(s for s in ALPHABET if s != code[8])
    with pytest.raises(InvalidCode):
        normalise_code(typo)


# --- not a code at all ----------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "", None, "ABCD", "ABCD-EFGH", "ABCDEFGH12", "ABCD-EFGH-12", "ABCDEFGHJKMN",
])
def test_wrong_length_is_an_invalid_code_not_a_typo(text):
    with pytest.raises(InvalidCode) as caught:
        normalise_code(text)
    assert not isinstance(caught.value, CodeTypo)


@pytest.mark.parametrize("text", [
    "ABCDUFGH7",   # U is a check symbol only
    "ABCD*FGH7",   # so is *
    "ABCDEFGH#",   # not a check symbol
    "ABCDEFGH!",
    "ÄBCDEFGH7",
    "中BCDEFGH7",
    "ABC+EFGH7",
])
def test_illegal_symbols_are_an_invalid_code_not_a_typo(text):
    with pytest.raises(InvalidCode) as caught:
        normalise_code(text)
    assert not isinstance(caught.value, CodeTypo)


@given(st.text(max_size=20))
def test_any_text_either_normalises_to_a_valid_code_or_raises_invalid_code(text):
    try:
        code = normalise_code(text)
    except InvalidCode:
        return
    assert len(code) == 9
    assert check_symbol(code[:8]) == code[8]


# --- generation -----------------------------------------------------------------------------

def test_generated_codes_are_unique(many_codes):
    assert len(set(many_codes)) == len(many_codes)


def test_generated_codes_are_not_sequential(many_codes):
    values = [value_of(code) for code in many_codes]
    rises = sum(b > a for a, b in itertools.pairwise(values))
    assert 0.45 < rises / (len(values) - 1) < 0.55
    close = sum(abs(b - a) < 2**30 for a, b in itertools.pairwise(values))
    assert close < len(values) // 100


def test_generated_codes_use_every_symbol_in_every_position(many_codes):
    for position in range(8):
        assert {code[position] for code in many_codes} == set(ALPHABET)


def test_generated_codes_never_end_with_a_symbol_keypads_hide(many_codes):
    assert not {code[8] for code in many_codes} & set(HIDDEN_CHECK_SYMBOLS)


def test_generated_check_symbols_cover_the_rest_of_the_alphabet(many_codes):
    assert {code[8] for code in many_codes} == set(ALPHABET)


def test_a_code_whose_check_symbol_keypads_hide_is_still_accepted():
    body = body_with_hidden_check()
    code = body + check_symbol(body)
    assert code[8] in HIDDEN_CHECK_SYMBOLS
    assert normalise_code(format_code(code).lower()) == code


@pytest.mark.parametrize("check", list(HIDDEN_CHECK_SYMBOLS))
def test_each_hidden_check_symbol_is_accepted_where_it_is_the_right_one(check):
    body = next(b for b in (f"{n:08d}" for n in range(100)) if check_symbol(b) == check)
    assert normalise_code(body + check.lower()) == body + check
