"""Residents and the SMS service through the app (the console backend): the inbound endpoint,
notifications queued with each step and sent by the worker's job, STOP and START, delivery
reports, the public status page and the phone simulator."""

import re

import pytest

from hwc.accounts.models import User
from hwc.claims.codes import format_code, generate_code
from hwc.claims.models import Claim
from hwc.extensions import db
from hwc.jobs.models import Job
from hwc.sms.models import Direction, MessageState, OptOut, SmsMessage
from hwc.sms.service import normalised_phone, send_queued
from hwc.workflow.service import perform
from tests.factories import claim_body, make_claim

PHONE = "+8613800000001"  # the claimant of claim_body()


@pytest.fixture
def limited(app, tmp_path):
    """A client of an app with Flask-Limiter on, as in production (the suite's app has it off),
    on the same database; the limiter is switched off again afterwards."""
    from hwc import create_app
    from hwc.extensions import limiter
    from tests.conftest import make_test_config

    config = make_test_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    limited_app = create_app({**config, "RATELIMIT_ENABLED": True})
    limiter.reset()
    yield limited_app.test_client()
    limiter.reset()
    limiter.enabled = False


def inbound(client, text, sender=PHONE, **extra):
    return client.get("/sms/inbound/kannel", query_string={"from": sender, "text": text,
                                                           **extra})


def outbound_of(claim):
    return [m for m in db.session.query(SmsMessage).filter_by(claim_id=claim.id)
            .order_by(SmsMessage.id) if m.direction is Direction.outbound]


def test_a_bare_code_gets_the_status_in_the_claimants_language(app, demo, client):
    with app.app_context():
        claim = make_claim("submitted")
        db.session.commit()
        code = claim.display_code
    for typed in (code, code.replace("-", "").lower(), f"  状态 {code} ", f"STATUS {code}"):
        answer = inbound(client, typed)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        assert answer.content_type == "text/plain; charset=utf-8"
        assert answer.headers["X-Kannel-Coding"] == "2"  # Chinese: UCS-2
        text = answer.get_data(as_text=True)
        assert code in text and "张桂兰" not in text and "222401" not in text


def test_an_unknown_code_and_a_typo_are_told_apart(app, demo, client):
    with app.app_context():
        code = make_claim("submitted").code
        db.session.commit()
    last = code[-1]
    typo = code[:-1] + ("X" if last != "X" else "Y")
    answers = {inbound(client, f"STATUS {typo}").get_data(as_text=True),
               inbound(client, f"STATUS {format_code(generate_code())}").get_data(as_text=True)}
    assert len(answers) == 2  # a typo is not "no such claim"


def test_the_gateway_alone_may_call_and_with_the_secret_when_one_is_set(app, demo, client,
                                                                          monkeypatch):
    answer = client.get("/sms/inbound/kannel", query_string={"from": PHONE, "text": "HELP"},
                        environ_overrides={"REMOTE_ADDR": "203.0.113.7"})
    assert answer.status_code == 403
    monkeypatch.setitem(app.config, "HWC_SMS_SECRET", "s3cret")
    assert inbound(client, "HELP").status_code == 403
    assert inbound(client, "HELP", secret="wrong").status_code == 403
    assert inbound(client, "HELP", secret="s3cret").status_code == 200


def test_each_sender_is_rate_limited(app, demo, limited):
    client = limited
    for _ in range(10):
        assert inbound(client, "HELP", sender="+79241230199").status_code == 200
    assert inbound(client, "HELP", sender="+79241230199").status_code == 429
    assert inbound(client, "HELP", sender="+79241230188").status_code == 200


def test_steps_queue_notifications_the_worker_sends_once_and_stop_silences(app, demo, client):
    with app.app_context():
        claim = make_claim("submitted")
        queued = outbound_of(claim)
        assert [m.topic for m in queued] == ["submit"]
        assert queued[0].state is MessageState.queued
        job = db.session.query(Job).filter_by(kind="sms.send").one()
        assert job.payload == {"message_id": queued[0].id}
        send_queued(job.payload, job)
        send_queued(job.payload, job)  # a second run after a crash does nothing more
        assert queued[0].state is MessageState.sent
        db.session.commit()
        claim_id, phone = claim.id, normalised_phone(claim.claimant.phone)
    assert inbound(client, "STOP").status_code == 200
    with app.app_context():
        assert db.session.get(OptOut, phone) is not None
        claim = db.session.get(Claim, claim_id)
        perform(claim, "start_verification", actor=User.by_username("verifier"))
        perform(claim, "return", actor=User.by_username("verifier"), comment="photo please")
        assert [m.topic for m in outbound_of(claim)] == ["submit"], "no notice after STOP"
        db.session.commit()
    assert inbound(client, "START").status_code == 200
    with app.app_context():
        assert db.session.get(OptOut, phone) is None


def test_a_rolled_back_step_queues_nothing(app, demo):
    with app.app_context():
        savepoint = db.session.begin_nested()
        make_claim("submitted")
        savepoint.rollback()
        assert db.session.query(SmsMessage).count() == 0
        assert db.session.query(Job).count() == 0


def test_a_delivery_report_marks_the_message_delivered(app, demo, client):
    with app.app_context():
        claim = make_claim("submitted")
        message = outbound_of(claim)[0]
        send_queued({"message_id": message.id})
        db.session.commit()
        reference = message.id
    assert client.get("/sms/dlr/kannel", query_string={"reference": reference, "type": 1}
                      ).status_code == 204
    assert client.get("/sms/dlr/kannel", query_string={"reference": "x", "type": 1}
                      ).status_code == 404
    with app.app_context():
        assert db.session.get(SmsMessage, reference).state is MessageState.delivered


def test_the_public_status_page_shows_the_status_and_nothing_personal(app, demo, client):
    with app.app_context():
        claim = make_claim("approved", body=claim_body())
        db.session.commit()
        code = claim.display_code
    page = client.get("/status", query_string={"code": code.lower().replace("-", " ")},
                      headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert 'data-status="approved"' in page and code in page
    assert "张桂兰" not in page and "222401" not in page
    wrong_check = "Y" if code.endswith("Z") else "Z"
    typo = client.get("/status", query_string={"code": code[:-1] + wrong_check},
                      headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "typing mistake" in typo
    assert "/status" in client.get("/login").get_data(as_text=True)


def test_the_status_page_is_rate_limited_per_client(app, demo, limited):
    client = limited
    for _ in range(20):
        assert client.get("/status", query_string={"code": "nothing"}).status_code == 200
    assert client.get("/status", query_string={"code": "nothing"}).status_code == 429


def test_the_phone_simulator_texts_and_shows_every_message_to_the_number(app, demo, client):
    with app.app_context():
        claim = make_claim("submitted")
        db.session.commit()
        code = claim.display_code
    sent = client.post("/dev/phone", data={"phone": PHONE, "text": code})
    assert sent.status_code == 302
    screen = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert len(re.findall(r'data-sms="outbound"', screen)) == 2  # the notice and the answer
    assert screen.count(code) >= 2


def test_the_phone_simulator_is_not_there_with_a_real_gateway(app, demo, client, monkeypatch):
    monkeypatch.setitem(app.config, "HWC_SMS_BACKEND", "kannel")
    assert client.get("/dev/phone").status_code == 404


@pytest.mark.parametrize("text", ["", " ", "\x00", "x" * 5000, "状态", "STATUS", "СТАТУС 0",
                                  "상태 ☃", "%00", "STOP STOP", "http://x"])
def test_junk_from_a_phone_always_gets_an_answer(app, demo, client, text):
    answer = inbound(client, text, sender="+79241230177")
    assert answer.status_code in (200, 400)
    if answer.status_code == 200:
        assert answer.get_data(as_text=True).strip()


def test_a_jurisdiction_switches_notifications_off_per_step(app, demo):
    from tests.factories import set_region_setting

    with app.app_context():
        set_region_setting("CN-JL-HC", "sms_notifications", "approve record_payment")
        claim = make_claim("submitted")
        assert outbound_of(claim) == []  # "received" is switched off in Hunchun
        perform(claim, "start_verification", actor=User.by_username("verifier"))
        perform(claim, "verify", actor=User.by_username("verifier"))
        perform(claim, "approve", actor=User.by_username("approver"))
        perform(claim, "approve", actor=User.by_username("senior"))
        assert [m.topic for m in outbound_of(claim)] == ["approve"]
        set_region_setting("CN-JL-HC", "sms_notifications", "none")
        assert outbound_of(make_claim("submitted")) == []


def test_an_unknown_code_without_a_keyword_is_answered_in_the_language_of_the_numbers_country(
        app, demo, client):
    russian = inbound(client, format_code(generate_code()), sender="+79241230155")
    chinese = inbound(client, format_code(generate_code()), sender="+8613800000155")
    assert re.search("[а-яА-Я]", russian.get_data(as_text=True))
    assert re.search("[\u4e00-\u9fff]", chinese.get_data(as_text=True))


def test_the_notifications_setting_takes_steps_or_none():
    from hwc.core.settings import InvalidSetting, check_setting

    assert check_setting("sms_notifications", " approve  paid ".replace("paid", "reject")) == \
        "approve  reject"
    for refused in ("approve fly", "none approve", "", "APPROVE"):
        with pytest.raises(InvalidSetting):
            check_setting("sms_notifications", refused)


def test_the_phone_simulator_cannot_be_used_to_try_codes_without_limit(app, demo, limited):
    for _ in range(20):
        assert limited.post("/dev/phone", data={"phone": "+79241230166",
                                                "text": "HELP"}).status_code == 302
    assert limited.post("/dev/phone", data={"phone": "+79241230166",
                                            "text": "HELP"}).status_code == 429
