"""The app with the real Kannel (bearerbox, smsbox, the fake SMSC on loopback ports): a resident
texts a code and reads the answer in Chinese or Russian; a workflow step's notification reaches
the phone through the worker's job and its delivery report comes back; while bearerbox is down
notifications wait, and each arrives exactly once when it is back."""

import time

import pytest
from sqlalchemy import select

from hwc.accounts.models import User
from hwc.extensions import db
from hwc.jobs.queue import run_one
from hwc.sms.models import Direction, MessageState, SmsMessage
from hwc.workflow.service import perform
from tests.factories import claim_body, make_claim, make_khasansky_claim
from tests.kannel import running_kannel
from tests.test_browser import live_server  # noqa: F401 - fixture

pytestmark = [pytest.mark.commits]


@pytest.fixture
def kannel(app, live_server, tmp_path, monkeypatch):  # noqa: F811
    get_url = live_server + "/sms/inbound/kannel?from=%p&text=%a"
    with running_kannel(tmp_path, get_url) as kannel:
        for key, value in (("HWC_SMS_BACKEND", "kannel"),
                           ("HWC_KANNEL_SENDSMS_URL", kannel.sendsms_url),
                           ("HWC_KANNEL_USER", kannel.user),
                           ("HWC_KANNEL_PASSWORD", kannel.password),
                           ("HWC_SMS_DLR_URL", live_server + "/sms/dlr/kannel"),
                           ("HWC_JOB_BACKOFF_SECONDS", 0.05),
                           # tries every 0.05 s or so may run up many attempts while Kannel
                           # restarts on a slow machine: none may end "failed" in the drill
                           ("HWC_JOB_MAX_ATTEMPTS", 1000)):
            monkeypatch.setitem(app.config, key, value)
        yield kannel


def drain(app) -> int:
    """Run every due job, as a worker would; how many ran."""
    ran = 0
    with app.app_context():
        while run_one("test-worker") is not None:
            ran += 1
    return ran


def wait(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


@pytest.mark.parametrize("side", ["CN", "RU"])
def test_a_resident_texts_a_code_and_reads_the_status_in_their_language(app, demo, kannel,
                                                                          side):
    with app.app_context():
        claim = make_claim("submitted") if side == "CN" else make_khasansky_claim("submitted")
        db.session.commit()
        code, phone = claim.display_code, claim.claimant.phone.lstrip("+")
    before = len(kannel.received())
    kannel.send_from_phone(phone, ("状态 " if side == "CN" else "СТАТУС ") + code.lower())
    wait(lambda: any(code in m.text and m.receiver == phone
                     for m in kannel.received()[before:]))
    reply = next(m for m in kannel.received()[before:] if code in m.text)
    with app.app_context():
        stored = db.session.scalars(select(SmsMessage).where(
            SmsMessage.state == MessageState.replied)).all()
        assert reply.text in [m.text for m in stored]
        assert stored[-1].language == ("zh_Hans" if side == "CN" else "ru")
    assert reply.coding == "ucs-2"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in reply.text) if side == "CN" else \
        any("\u0400" <= ch <= "\u04ff" for ch in reply.text)


def test_a_steps_notification_reaches_the_phone_and_its_delivery_report_comes_back(
        app, demo, kannel):
    with app.app_context():
        claim = make_claim("submitted")
        db.session.commit()
        text = db.session.scalars(select(SmsMessage.text).where(
            SmsMessage.claim_id == claim.id, SmsMessage.direction == Direction.outbound)).one()
    assert drain(app) == 1
    kannel.wait_for_received(1)
    assert [m.text for m in kannel.received()] == [text]

    def delivered():
        with app.app_context():
            return db.session.scalar(select(SmsMessage.state).where(
                SmsMessage.text == text)) is MessageState.delivered

    wait(delivered)


def test_while_bearerbox_is_down_notifications_wait_and_each_arrives_once(app, demo, kannel):
    kannel.stop_bearerbox()
    with app.app_context():
        claims = [make_claim("submitted", body=claim_body(claimant={
            "name": "张桂兰", "phone": f"+861380000010{n}", "language": "zh_Hans"}))
            for n in range(3)]
        perform(claims[0], "start_verification", actor=User.by_username("verifier"))
        perform(claims[0], "return", actor=User.by_username("verifier"), comment="photo")
        db.session.commit()
    drain(app)  # every send is refused: the jobs wait for a later try
    with app.app_context():
        assert db.session.query(SmsMessage).filter_by(state=MessageState.queued).count() == 4
    kannel.start_bearerbox()
    time.sleep(0.2)  # past the first backoff
    deadline = time.monotonic() + 30
    while len(kannel.received()) < 4 and time.monotonic() < deadline:
        drain(app)
        time.sleep(0.3)
    kannel.wait_for_received(4)
    time.sleep(0.5)  # a double would show up now
    texts = [m.text for m in kannel.received()]
    assert len(texts) == 4 == len(set(texts))
    with app.app_context():
        assert db.session.query(SmsMessage).filter_by(state=MessageState.queued).count() == 0
