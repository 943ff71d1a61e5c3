"""What residents text and are told: the answer to an inbound message, a notification queued in
the same transaction as the step that causes it, and the worker's job that hands it to the
gateway. Every message in and out is stored, with its claim when it has one."""

import re

import phonenumbers
from flask import current_app
from sqlalchemy import select

from hwc.claims.codes import format_code
from hwc.claims.models import Claim, ClaimStatus
from hwc.config import LANGUAGES
from hwc.core.db import local_date, utcnow
from hwc.core.money import round_money
from hwc.extensions import db
from hwc.sms.models import MAX_PHONE, MAX_TEXT, Direction, MessageState, OptOut, SmsMessage

# The steps a resident is told about, by action (approve: only the final approval).
NOTIFIED = ("submit", "return", "approve", "reject", "propose_rejection", "issue_voucher",
            "record_payment")
SEND_JOB = "sms.send"


def normalised_phone(sender: str) -> str:
    """The sender as E.164 when it reads as a phone number, else its digits (bounded): the key
    messages, rate limits and opt-outs are kept under."""
    text = (sender or "").strip()[:64]
    try:
        number = phonenumbers.parse(text if text.startswith("+") else "+" + text, None)
        if phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        pass
    return re.sub(r"[^0-9+]", "", text)[:MAX_PHONE] or "unknown"


def language_of_phone(phone: str) -> str | None:
    """The office language of the jurisdiction a number's country belongs to (its country's
    region, coded as the country is), when there is one."""
    from hwc.regions.models import Region
    from hwc.regions.settings import settings_for

    try:
        country = phonenumbers.region_code_for_number(phonenumbers.parse(phone, None))
    except phonenumbers.NumberParseException:
        return None
    region = Region.by_code(country) if country else None
    return settings_for(region)["office_language"] if region is not None else None


def default_language() -> str:
    return current_app.config["HWC_DEFAULT_LOCALE"]


def amount_text(claim: Claim, language: str) -> str | None:
    """The approved (or paid) amount in the resident's language, once there is one."""
    from babel.numbers import format_currency

    amount = claim.paid_total if claim.paid_total is not None else claim.approved_total
    if amount is None or claim.status in (ClaimStatus.rejected, ClaimStatus.withdrawn):
        return None
    return format_currency(round_money(amount, claim.currency), claim.currency, locale=language)


def _store(direction: Direction, phone: str, text: str, *, state: MessageState, claim=None,
           language=None, topic="") -> SmsMessage:
    message = SmsMessage(direction=direction, phone=phone[:MAX_PHONE], text=text[:MAX_TEXT],
                         state=state, claim=claim, language=language, topic=topic[:32])
    db.session.add(message)
    db.session.flush()
    return message


def answer_inbound(sender: str, text: str) -> SmsMessage:
    """Read a resident's message and store it with the answer; returns the answer (its ``text``
    is what goes back). The answer is in the claimant's language when the code names a claim,
    else in the keyword's, else the deployment's. STOP and START switch notifications off and
    on for the sender's number."""
    from hwc.sms import replies
    from hwc.sms.parser import parse

    phone = normalised_phone(sender)
    inbound = parse(text or "")
    claim = Claim.by_code(inbound.code) if inbound.code and not inbound.typo else None
    language = (claim.claimant.language if claim is not None else None) or \
        inbound.language or language_of_phone(phone) or default_language()
    if language not in LANGUAGES:
        language = default_language()
    _store(Direction.inbound, phone, text or "", state=MessageState.received, claim=claim,
           language=language, topic=inbound.intent)
    if inbound.intent == "stop":
        if db.session.get(OptOut, phone) is None:
            db.session.add(OptOut(phone=phone))
        reply = replies.stopped_reply(language)
    elif inbound.intent == "start":
        opt_out = db.session.get(OptOut, phone)
        if opt_out is not None:
            db.session.delete(opt_out)
        reply = replies.started_reply(language)
    elif inbound.intent == "status" and inbound.typo:
        reply = replies.typo_reply(language)
    elif inbound.intent == "status" and claim is not None:
        reply = status_text(claim, language)
    elif inbound.intent == "status":
        reply = replies.unknown_code_reply(language)
    else:
        reply = replies.help_reply(language)
    return _store(Direction.outbound, phone, reply, state=MessageState.replied, claim=claim,
                  language=language, topic=inbound.intent)


def status_text(claim: Claim, language: str) -> str:
    from hwc.regions.settings import jurisdiction_of
    from hwc.sms import replies

    updated = local_date(claim.updated_at or claim.created_at, jurisdiction_of(claim).zone)
    return replies.status_reply(format_code(claim.code), claim.status,
                                amount_text=amount_text(claim, language), updated_on=updated,
                                language=language)


def notify(claim: Claim, *, action: str, to_status: ClaimStatus, **_) -> SmsMessage | None:
    """Queue the resident's notification of a step, in the step's own transaction (a step
    rolled back sends nothing); none for a number that texted STOP, or a step not told."""
    from hwc.jobs.queue import enqueue
    from hwc.sms import replies

    if action not in NOTIFIED or (action == "approve" and to_status != ClaimStatus.approved):
        return None
    from hwc.regions.settings import jurisdiction_of

    step = "reject" if action == "propose_rejection" else action
    if step not in jurisdiction_of(claim)["sms_notifications"].split():
        return None  # this jurisdiction does not text residents about this step
    phone = normalised_phone(claim.claimant.phone)
    if db.session.get(OptOut, phone) is not None:
        return None
    language = claim.claimant.language if claim.claimant.language in LANGUAGES else \
        default_language()
    text = replies.notification(action, format_code(claim.code), amount_text(claim, language),
                                language, reason=claim.reason)
    if text is None:
        return None
    message = _store(Direction.outbound, phone, text, state=MessageState.queued, claim=claim,
                     language=language, topic=action)
    enqueue(SEND_JOB, {"message_id": message.id}, dedupe_key=f"sms:{message.id}")
    return message


class GatewayBusy(RuntimeError):
    """The gateway could not take the message now (down, refusing, 5xx): the job retries."""


# What a message keeps when its worker stopped between handing it over and reading the answer.
UNCONFIRMED = ("the worker stopped while handing this message to the gateway: not sent again, "
               "as the gateway may have it; a delivery report will settle it")


def send_queued(payload: dict, job=None) -> None:
    """The worker's job: hand one queued message to the gateway, at most once. The message is
    marked ``sending`` and committed before the hand-over; a run that finds that mark (its
    worker was killed between the gateway taking the message and the answer being stored)
    does not send it again but notes why, so one message is never sent twice. A gateway that
    answers it did not take the message (down, refusing) puts it back in the queue for the
    job's retry. Running it again after it finished does nothing."""
    from hwc.jobs.queue import checkpoint
    from hwc.sms.gateways import gateway_from_config

    message = db.session.get(SmsMessage, payload.get("message_id"))
    if message is not None and message.state is MessageState.sending:
        message.detail = UNCONFIRMED
        return
    if message is None or message.state is not MessageState.queued:
        return
    message.state = MessageState.sending
    checkpoint(job)
    result = gateway_from_config(current_app).send(message.phone, message.text,
                                                   reference=str(message.id))
    message.detail = (result.detail or "")[:255]
    if result.accepted:
        message.state, message.sent_at = MessageState.sent, utcnow()
    elif result.retryable:  # the job keeps the gateway's word as its error, and retries
        message.state = MessageState.queued
        checkpoint(job)
        raise GatewayBusy(result.detail)
    else:
        message.state = MessageState.failed


# Kannel's delivery report types: 1 delivered, 2 failed, 4 buffered, 8 sent to the SMSC, 16
# refused by the SMSC.
DLR_STATES = {1: MessageState.delivered, 2: MessageState.failed, 16: MessageState.failed}


def delivery_report(reference: str, kind: str) -> bool:
    """Record a delivery report for the message ``reference`` names; False when none does."""
    if not (reference or "").isdigit() or not (kind or "").isdigit() or len(reference) > 18:
        return False
    message = db.session.scalar(select(SmsMessage).where(
        SmsMessage.id == int(reference), SmsMessage.direction == Direction.outbound))
    if message is None:
        return False
    state = DLR_STATES.get(int(kind))
    if state is MessageState.delivered:
        message.state, message.delivered_at = state, utcnow()
    elif state is MessageState.failed and message.state is not MessageState.delivered:
        message.state = state
    return True


def messages_of(claim: Claim) -> list[SmsMessage]:
    return list(db.session.scalars(select(SmsMessage).where(SmsMessage.claim_id == claim.id)
                                   .order_by(SmsMessage.id)))


def conversation(phone: str, limit: int = 50) -> list[SmsMessage]:
    """The latest messages to and from one number, oldest first (the phone simulator)."""
    rows = db.session.scalars(select(SmsMessage).where(
        SmsMessage.phone == normalised_phone(phone)).order_by(SmsMessage.id.desc()).limit(limit))
    return list(reversed(list(rows)))
