"""The gateway against the real Kannel (bearerbox, smsbox and the fake SMSC on free loopback
ports): UCS-2 both ways, GSM-7 for English, an outage, and delivery reports."""

import queue
import time
from pathlib import Path

import pytest

from hwc.sms.gateways import KannelGateway
from tests.kannel import SHORT_CODE, running_kannel
from tests.sms_target import serving_target

CHINESE = "您的索赔K7M3-Q9X2-T已批准，金额¥1,250.00。"
RUSSIAN = "Ваша заявка K7M3-Q9X2-T одобрена: 1 250,00 ₽."
ENGLISH = "Claim K7M3-Q9X2-T approved: CNY 1,250.00. Reply HELP for help."
PHONE = "8613800138000"


@pytest.fixture
def target():
    with serving_target() as target:
        yield target


@pytest.fixture
def kannel(tmp_path, target):
    with running_kannel(tmp_path, target.base + "/sms/inbound/kannel?from=%p&text=%a") as kannel:
        yield kannel


def gateway_for(kannel, **options) -> KannelGateway:
    return KannelGateway(kannel.sendsms_url, kannel.user, kannel.password, **options)


def settle() -> None:
    """Time for a message that should not come (a double) to show up if it would."""
    time.sleep(0.5)


def test_chinese_and_russian_texts_reach_the_phone_exactly(kannel):
    gateway = gateway_for(kannel)
    assert gateway.send(PHONE, CHINESE, reference="m-1").accepted
    assert gateway.send(PHONE, RUSSIAN, reference="m-2").accepted

    arrived = kannel.wait_for_received(2)
    assert sorted(message.text for message in arrived) == sorted([CHINESE, RUSSIAN])
    assert {(message.receiver, message.coding) for message in arrived} == {(PHONE, "ucs-2")}


def test_an_english_text_goes_as_gsm7(kannel):
    result = gateway_for(kannel).send(PHONE, ENGLISH, reference="m-3")

    assert (result.accepted, result.retryable) == (True, False)
    assert "Accepted" in result.detail
    [message] = kannel.wait_for_received(1)
    assert (message.coding, message.text) == ("text", ENGLISH)


def test_while_bearerbox_is_down_a_send_is_refused_as_retryable_and_arrives_once_after(kannel):
    gateway = gateway_for(kannel)
    kannel.stop_bearerbox()

    refused = gateway.send(PHONE, RUSSIAN, reference="m-4")
    assert (refused.accepted, refused.retryable) == (False, True)
    assert "refused" in refused.detail.lower()

    kannel.start_bearerbox()
    assert gateway.send(PHONE, RUSSIAN, reference="m-4").accepted
    kannel.wait_for_received(1)
    settle()
    assert [message.text for message in kannel.received()] == [RUSSIAN]


@pytest.mark.parametrize("text", ["状态 K7M3Q9X2T", "СТАТУС k7m3-q9x2-t"])
def test_a_message_from_a_phone_reaches_the_app_and_its_reply_the_phone(kannel, target, text):
    kannel.send_from_phone(PHONE, text)

    asked = target.inbound.get(timeout=10)
    assert asked == {"from": PHONE, "text": text}
    [reply] = kannel.wait_for_received(1)
    assert (reply.sender, reply.receiver, reply.coding, reply.text) == (
        SHORT_CODE, PHONE, "ucs-2", "pong " + text)


def test_delivery_reports_come_back_with_the_reference(kannel, target):
    gateway = gateway_for(kannel, dlr_url=target.base + "/sms/dlr?secret=s3cret")

    assert gateway.send(PHONE, CHINESE, reference="msg-41.7").accepted

    reports = [target.reports.get(timeout=10), target.reports.get(timeout=10)]
    assert sorted(report["type"] for report in reports) == ["1", "8"]  # delivered, sent
    assert {(report["reference"], report["secret"]) for report in reports} == {
        ("msg-41.7", "s3cret")}
    settle()
    with pytest.raises(queue.Empty):
        target.reports.get_nowait()


def kannel_groups(path: Path) -> dict[str, dict[str, str]]:
    """A kannel.conf's groups by name (one of each), their values unquoted."""
    groups, current = {}, None
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, value = (part.strip() for part in line.partition("="))
        value = value.strip('"')
        if name == "group":
            current = groups.setdefault(value, {})
        else:
            current[name] = value
    return groups


def test_the_shipped_kannel_conf_keeps_every_measured_trap_covered():
    groups = kannel_groups(Path(__file__).parent.parent / "deploy" / "kannel.conf")

    service = groups["sms-service"]
    assert service["get-url"] == (
        "http://127.0.0.1:8000/sms/inbound/kannel?from=%p&text=%a&secret=CHANGE_ME")
    assert service["accept-x-kannel-headers"] == "true"  # X-Kannel-Coding: 2 replies
    assert groups["smsbox"]["mo-recode"] == "true"  # inbound UCS-2 reaches HWC as UTF-8
    assert groups["core"]["store-type"] == "file"  # queued messages survive a restart
    assert {value for group in groups.values() for name, value in group.items()
            if name.endswith("-interface")} == {"127.0.0.1"}
