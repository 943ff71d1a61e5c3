"""What residents text and what they read back: the parser over every keyword, language and
malformed input, the segment count, and every reply and notification in every language within
two segments."""

from datetime import date

import pytest
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st

from hwc.claims.codes import check_symbol
from hwc.claims.models import ClaimStatus
from hwc.config import LANGUAGES
from hwc.sms import replies
from hwc.sms.parser import INTENTS, KEYWORDS, MAX_LENGTH, Inbound, keyword, parse
from hwc.sms.segments import encoding, segments
from hwc.workflow.reasons import REASON_TITLES

BODY = "K7M3Q9X2"
CODE = BODY + check_symbol(BODY)  # K7M3Q9X2Z
WRONG_CHECK = BODY + ("A" if CODE[-1] != "A" else "B")
# A code with 0 and 1 in it, to be typed with O, I and L.
FOLDED_BODY = "10K7M1Q0"
FOLDED = FOLDED_BODY + check_symbol(FOLDED_BODY)


def full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else "\u3000" if ch == " " else ch
                   for ch in text)


# The ways a resident may write CODE.
CODE_FORMS = [
    CODE,
    f"{CODE[:4]}-{CODE[4:8]}-{CODE[8]}",
    CODE.lower(),
    f"{CODE[:4]} {CODE[4:8]} {CODE[8]}".lower(),
    f"  {CODE[:4]}   {CODE[4:8]}-{CODE[8]}  ",
    f"{CODE[:4]}–{CODE[4:8]}–{CODE[8]}",  # en dashes from a phone's autocorrect
    f"{CODE[:4]}.{CODE[4:8]}.{CODE[8]}",
    full_width(f"{CODE[:4]}-{CODE[4:8]}-{CODE[8]}"),
    f"({CODE}).",
    f"「{CODE}」。",
    f"#{CODE}!",
    "К7М3-Q9Х2-Z",  # K, M and X typed on a Russian keyboard
]
FOLDED_FORMS = ["IOK7-M1QO-" + FOLDED[8], "lok7m1qo" + FOLDED[8].lower(),
                "LOK7 MIQ0 " + FOLDED[8]]


@pytest.mark.parametrize("text", CODE_FORMS)
def test_a_bare_code_in_any_form_asks_for_its_status(text):
    assert parse(text) == Inbound("status", CODE)


@pytest.mark.parametrize("text", FOLDED_FORMS)
def test_o_i_and_l_are_read_as_zero_and_one(text):
    assert parse(text) == Inbound("status", FOLDED)


STATUS_WORDS = [(word, language) for language, words in KEYWORDS["status"].items()
                for word in words]


@pytest.mark.parametrize(("word", "language"), STATUS_WORDS)
@pytest.mark.parametrize("form", [CODE_FORMS[1], CODE_FORMS[3], CODE_FORMS[7], CODE_FORMS[8]])
def test_every_status_keyword_before_any_form_of_the_code(word, language, form):
    for text in (f"{word} {form}", f"{word.lower()}: {form}", f"{full_width(word)}\u3000{form}"):
        assert parse(text) == Inbound("status", CODE, language), text


@pytest.mark.parametrize("text", ["状态K7M3Q9X2Z", "查询：K7M3-Q9X2-Z", "状态查询 K7M3-Q9X2-Z",
                                  "상태K7M3-Q9X2-Z", "STATUS CHECK K7M3-Q9X2-Z"])
def test_a_chinese_or_korean_keyword_may_run_into_the_code_and_keywords_may_repeat(text):
    assert parse(text).code == CODE


@pytest.mark.parametrize("intent", ["help", "stop", "start"])
def test_every_help_stop_and_start_keyword_in_every_language(intent):
    for language, words in KEYWORDS[intent].items():
        for word in words:
            for text in (word, word.lower(), f" {word}!", full_width(word), f"{word} please"):
                assert parse(text) == Inbound(intent, language=language), text


def test_the_keyword_a_resident_is_told_to_send_is_the_one_the_parser_reads():
    for intent in ("status", "help", "stop", "start"):
        for language in LANGUAGES:
            assert parse(keyword(intent, language)).intent in (intent, "empty")
            assert parse(keyword(intent, language)).language == language


@pytest.mark.parametrize("text", [WRONG_CHECK, f"STATUS {WRONG_CHECK}", f"状态 {WRONG_CHECK}",
                                  WRONG_CHECK.lower(), "K7M3-Q9X2", "K7M3-Q9X2-ZZ"])
def test_a_wrong_check_symbol_or_one_symbol_too_few_or_many_is_a_typo(text):
    inbound = parse(text)
    assert (inbound.intent, inbound.code, inbound.typo) == ("status", None, True)


def test_a_mistyped_code_that_begins_like_a_keyword_does_not_unsubscribe():
    assert parse("END4 5678 X").typo
    assert parse("STOP 5678 X").typo


def test_a_valid_code_wins_over_a_keyword_it_happens_to_spell():
    body = "ST0P1234"  # typed "STOP 1234 …" with O for 0
    code = body + check_symbol(body)
    assert parse("STOP 1234 " + code[8]) == Inbound("status", code)


@pytest.mark.parametrize("text", ["hello", "where is my money", "STOPPED", "STATUS hello",
                                  "СТАТУС привет", "123", "K7M3Q9X2Z9Z9", "状态 你好"])
def test_anything_else_is_unknown(text):
    assert parse(text).intent == "unknown"


def test_the_language_of_an_unknown_request_after_a_keyword_is_the_keywords():
    assert parse("СТАТУС привет").language == "ru"
    assert parse("hello").language is None


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "?", "...", "。", "\u3000", "STATUS",
                                  "状态", None])
def test_nothing_to_look_up_is_empty(text):
    assert parse(text).intent == "empty"


def test_an_over_long_text_is_cut_before_it_is_read():
    assert parse(CODE + " " * MAX_LENGTH + "x").code == CODE
    assert parse("x" * 10_000_000).intent == "unknown"
    assert parse("\ufdfa" * 1_000_000).intent == "unknown"  # expands 18-fold under NFKC


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.characters(codec=None), max_size=3 * MAX_LENGTH))
def test_any_text_is_read_without_error(text):
    assert parse(text).intent in INTENTS


PIECES = sorted({word for by_language in KEYWORDS.values() for words in by_language.values()
                 for word in words} | {CODE, WRONG_CHECK, "-", " ", "O", "I", "L", "：", "。"})


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=8))
def test_keywords_codes_and_junk_mixed_are_read_without_error(pieces):
    inbound = parse("".join(pieces))
    assert inbound.intent in INTENTS
    assert inbound.code is None or len(inbound.code) == 9
    assert not (inbound.code and inbound.typo)


# Segments

@pytest.mark.parametrize(("text", "kind", "count"), [
    ("a" * 160, "gsm7", 1),
    ("a" * 161, "gsm7", 2),
    ("a" * 306, "gsm7", 2),
    ("a" * 307, "gsm7", 3),
    ("€" * 80, "gsm7", 1),  # an extension character counts 2
    ("€" * 81, "gsm7", 2),
    ("{[~]}" * 16, "gsm7", 1),
    ("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉÄÖÑÜ§¿äöñüà" * 4, "gsm7", 1),
    ("中" * 70, "ucs2", 1),
    ("中" * 71, "ucs2", 2),
    ("中" * 134, "ucs2", 2),
    ("中" * 135, "ucs2", 3),
    ("a" * 69 + "₽", "ucs2", 1),  # one character outside GSM-7 makes all of it UCS-2
    ("a" * 70 + "ç", "ucs2", 2),  # ç is not in GSM-7 (only Ç is)
    ("😀" * 35, "ucs2", 1),  # outside the BMP: two UTF-16 units each
    ("😀" * 36, "ucs2", 2),
    ("", "gsm7", 1),
])
def test_segments_of_known_texts(text, kind, count):
    assert (encoding(text), segments(text)) == (kind, count)


# Every text a resident reads, in every language, with the longest realistic values.

LONG_CODE = "K7M3-Q9X2-T"
AMOUNTS = ["99,999,999.00 ₽", "99 999 999,00 ₽", "¥99,999,999.00", "₩99,999,999,999",
           "CNY 99,999,999.00"]
DATES = [date(2026, month, 28) for month in range(1, 13)] + [date(2026, 9, 30)]


def every_text(language):
    """(template, text) for every reply and notification with every long value."""
    for status in ClaimStatus:
        for amount in AMOUNTS:
            for day in DATES:
                yield (f"status_reply/{status.value}",
                       replies.status_reply(LONG_CODE, status, None, amount, day, language))
        yield f"status_reply/{status.value}", replies.status_reply(LONG_CODE, status,
                                                                   language=language)
    for name in ("typo_reply", "unknown_code_reply", "help_reply", "stopped_reply",
                 "started_reply"):
        yield name, getattr(replies, name)(language)
    for action in replies.NOTIFIED_ACTIONS:
        for amount in AMOUNTS:
            for reason in [None, *REASON_TITLES]:
                yield (f"notification/{action}",
                       replies.notification(action, LONG_CODE, amount, language, reason=reason))


def longest_by_template(language):
    longest = {}
    for name, text in every_text(language):
        if name not in longest or (segments(text), len(text)) > (segments(longest[name]),
                                                                  len(longest[name])):
            longest[name] = text
    return longest


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_in_every_language_fits_in_two_segments(ctx, language):
    longest = longest_by_template(language)
    too_long = {name: text for name, text in longest.items() if segments(text) > 2}
    assert not too_long
    for name, text in sorted(longest.items(), key=lambda item: -segments(item[1])):
        if segments(text) > 1:
            print(f"{language} {name}: {segments(text)} segments, {len(text)} chars: {text}")


def test_english_texts_with_a_gsm_amount_fit_in_one_segment(ctx):
    for name, text in every_text("en"):
        if "₽" not in text and "₩" not in text:
            assert segments(text) == 1, (name, text)


def test_the_amount_is_told_only_once_the_claim_is_approved(ctx):
    day = date(2026, 11, 25)
    assert "1,200.00" not in replies.status_reply(LONG_CODE, "verified", None, "1,200.00", day,
                                                  "en")
    assert "1,200.00" in replies.status_reply(LONG_CODE, "approved", None, "1,200.00", day, "en")


def test_a_status_reply_says_the_code_status_date_and_next_step(ctx):
    text = replies.status_reply(LONG_CODE, ClaimStatus.returned, None, None, date(2026, 11, 25),
                                "en")
    assert LONG_CODE in text and "Returned" in text and "2026" in text
    with force_locale("en"):  # the lazy text in the reply's language, not the reader's
        assert str(replies.NEXT_STEPS[ClaimStatus.returned]) in text


def test_steps_a_resident_is_not_told_about_have_no_notification(ctx):
    assert replies.notification("start_verification", LONG_CODE, None, "en") is None
    assert replies.notification("verify", LONG_CODE, None, "en") is None


def test_help_and_stop_replies_name_the_keywords_of_their_language(ctx):
    for language in LANGUAGES:
        assert keyword("stop", language) in replies.help_reply(language)
        assert keyword("start", language) in replies.stopped_reply(language)
        assert keyword("stop", language) in replies.started_reply(language)


def test_an_unknown_language_falls_back_to_the_default(ctx, app):
    assert replies.typo_reply("xx") == replies.typo_reply(app.config["HWC_DEFAULT_LOCALE"])
