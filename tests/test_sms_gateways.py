"""The SMS gateways without Kannel: what the sendsms request carries, how each kind of answer
is read (a real HTTP server answers), and which gateway the configuration picks."""

import urllib.parse

import pytest
from flask import Flask

from hwc.sms.gateways import (
    ConsoleGateway,
    KannelGateway,
    SendResult,
    gateway_from_config,
    needs_ucs2,
)
from tests.kannel import free_ports
from tests.sms_target import serving_target


@pytest.mark.parametrize(("text", "expected"), [
    ("Claim K7M3-Q9X2-T approved: CNY 1,250.00", False),
    ("Prices in € [EUR] {braces} ~ ^ | \\ and @£$¥ ÄÖÑÜäöñüà èéùìò ΔΦΓΛΩΠΨΣΘΞ", False),
    ("", False),
    ("您的索赔已批准", True),
    ("Заявка одобрена", True),
    ("청구가 승인되었습니다", True),
    ("ç is not GSM-7 (only Ç is)", True),
    ("an emoji 🙂", True),
    ("a tab\t", True),
])
def test_only_text_outside_the_gsm7_alphabet_needs_ucs2(text, expected):
    assert needs_ucs2(text) is expected


def sendsms_query(gateway: KannelGateway, text: str, reference: str = "m-1") -> dict:
    url = gateway.request_url("8613800138000", text, reference=reference)
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def test_the_request_asks_for_ucs2_only_when_the_text_needs_it():
    gateway = KannelGateway("http://127.0.0.1:13013/cgi-bin/sendsms", "hwc", "pw")

    chinese = sendsms_query(gateway, "状态：已批准")
    english = sendsms_query(gateway, "Status: approved")

    assert chinese == {"username": "hwc", "password": "pw", "to": "8613800138000",
                       "text": "状态：已批准", "charset": "UTF-8", "coding": "2"}
    assert "coding" not in english and english["charset"] == "UTF-8"
    assert "dlr-url" not in english and "from" not in english


def test_the_delivery_report_address_carries_the_reference_and_kannels_type_escape():
    gateway = KannelGateway("http://127.0.0.1:13013/cgi-bin/sendsms", "hwc", "pw",
                            dlr_url="http://127.0.0.1:8000/sms/dlr/kannel?secret=abc",
                            sender="12345")

    query = sendsms_query(gateway, "Paid", reference="msg-41.7")

    assert query["dlr-mask"] == "31" and query["from"] == "12345"
    assert query["dlr-url"] == (
        "http://127.0.0.1:8000/sms/dlr/kannel?secret=abc&reference=msg-41.7&type=%d")


@pytest.mark.parametrize("reference", ["", "50%", "a b", "id&x=1", "ü", "x" * 65])
def test_a_reference_kannel_could_mangle_is_refused(reference):
    gateway = KannelGateway("http://127.0.0.1:13013/cgi-bin/sendsms", "hwc", "pw",
                            dlr_url="http://127.0.0.1:8000/sms/dlr")
    with pytest.raises(ValueError, match="reference"):
        gateway.send("8613800138000", "Paid", reference=reference)


def test_a_sendsms_address_that_is_not_http_is_refused():
    with pytest.raises(ValueError, match="http"):
        KannelGateway("file:///etc/passwd", "hwc", "pw")


def test_a_refused_connection_is_retryable():
    [port] = free_ports(1)  # nothing listens there
    gateway = KannelGateway(f"http://127.0.0.1:{port}/cgi-bin/sendsms", "hwc", "pw")

    result = gateway.send("8613800138000", "Paid", reference="m-1")

    assert (result.accepted, result.retryable) == (False, True)
    assert "refused" in result.detail.lower()


@pytest.mark.parametrize(("status", "body", "accepted", "retryable"), [
    (202, "0: Accepted for delivery", True, False),
    (202, "3: Queued for later delivery", True, False),  # Kannel keeps it: never send twice
    (503, "Sending failed", False, True),
    (500, "Internal error", False, True),
    (403, "Authorization failed for sendsms", False, False),
    (400, "Sender missing and no global set, rejected", False, False),
])
def test_each_kind_of_answer_is_read_as_kannel_means_it(status, body, accepted, retryable):
    with serving_target() as target:
        target.answer = (status, body)
        gateway = KannelGateway(target.base + "/cgi-bin/sendsms", "hwc", "pw")

        result = gateway.send("8613800138000", "您的索赔已批准", reference="m-9")

        asked = target.requests.get(timeout=5)
    assert (result.accepted, result.retryable) == (accepted, retryable)
    assert body in result.detail and str(status) in result.detail
    assert (asked["text"], asked["coding"]) == ("您的索赔已批准", "2")


def test_the_console_gateway_accepts_everything():
    assert ConsoleGateway().send("1", "anything", reference="m-1") == SendResult(
        accepted=True, retryable=False, detail="console: not sent")


def app_with(**config) -> Flask:
    app = Flask(__name__)
    app.config.update(config)
    return app


def test_the_configuration_picks_the_gateway():
    assert isinstance(gateway_from_config(app_with()), ConsoleGateway)
    assert isinstance(gateway_from_config(app_with(HWC_SMS_BACKEND="console")), ConsoleGateway)

    kannel = gateway_from_config(app_with(
        HWC_SMS_BACKEND="kannel", HWC_KANNEL_SENDSMS_URL="http://127.0.0.1:13013/cgi-bin/sendsms",
        HWC_KANNEL_USER="hwc", HWC_KANNEL_PASSWORD="pw", HWC_SMS_DLR_URL="",
        HWC_SMS_SENDER="12345"))
    assert isinstance(kannel, KannelGateway)
    assert (kannel.username, kannel.password, kannel.dlr_url, kannel.sender) == (
        "hwc", "pw", None, "12345")


@pytest.mark.parametrize(("config", "complaint"), [
    ({"HWC_SMS_BACKEND": "kannel"}, "HWC_KANNEL_SENDSMS_URL"),
    ({"HWC_SMS_BACKEND": "kannel", "HWC_KANNEL_SENDSMS_URL": "http://k/cgi-bin/sendsms",
      "HWC_KANNEL_USER": "hwc"}, "HWC_KANNEL_PASSWORD"),
    ({"HWC_SMS_BACKEND": "smpp"}, "console or kannel"),
])
def test_an_incomplete_or_unknown_backend_stops_with_a_clear_message(config, complaint):
    with pytest.raises(ValueError, match=complaint):
        gateway_from_config(app_with(**config))
