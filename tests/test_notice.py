"""Public notice before payment (公示): an approved claim is listed publicly for some days, cannot
be paid meanwhile, and anyone may object, which sends it back to verification."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from hwc.accounts.models import User
from hwc.audit.models import AuditEvent
from hwc.claims.models import ClaimStatus
from hwc.claims.queues import QueueFilters, queue_query
from hwc.core.db import utcnow
from hwc.extensions import db
from hwc.notice.models import Objection
from hwc.notice.names import mask_name
from hwc.notice.operations import NotOnNotice, lodge_objection
from hwc.workflow.errors import TransitionRefused, WorkflowError
from hwc.workflow.rules import ACTIONS
from hwc.workflow.service import can, perform
from tests.factories import claim_body, make_claim, make_khasansky_claim, set_region_setting

OBJECTION = "The cattle died of disease last winter; I saw it myself."
SHANGHAI = ZoneInfo("Asia/Shanghai")


def on_notice(days=7, **kwargs):
    """A Hunchun claim approved while the county's notice lasts ``days`` days."""
    set_region_setting("CN-JL-HC", "public_notice_days", days)
    return make_claim("approved", **kwargs)


def in_finance_queue(claim) -> bool:
    finance = User.by_username("finance")
    return claim in db.session.scalars(queue_query(finance, QueueFilters())).all()


# The workflow


def test_approval_starts_a_notice_ending_with_the_local_day_n_days_later(ctx, demo):
    claim = on_notice(days=7)
    assert claim.status == ClaimStatus.approved
    local = claim.approved_at.astimezone(SHANGHAI)
    ends = claim.notice_until.astimezone(SHANGHAI)
    assert ends.date() == local.date() + timedelta(days=8)
    assert (ends.hour, ends.minute, ends.second) == (0, 0, 0)


def test_a_claim_on_notice_cannot_be_paid_and_is_not_in_finances_queue(ctx, demo):
    claim = on_notice()
    finance = User.by_username("finance")
    assert not can(finance, "issue_voucher", claim)
    assert not in_finance_queue(claim)
    with pytest.raises(WorkflowError) as refused:
        perform(claim, "issue_voucher", actor=finance)
    assert not isinstance(refused.value, TransitionRefused)
    assert "public notice" in refused.value.message.lower() or "公示" in refused.value.message
    assert claim.status == ClaimStatus.approved


def test_after_the_notice_ends_the_claim_can_be_paid(ctx, demo):
    claim = on_notice()
    claim.notice_until = utcnow() - timedelta(seconds=1)
    db.session.flush()
    finance = User.by_username("finance")
    assert can(finance, "issue_voucher", claim)
    assert in_finance_queue(claim)
    perform(claim, "issue_voucher", actor=finance)
    assert claim.status == ClaimStatus.voucher_issued


def test_without_a_notice_period_approval_sets_no_notice(ctx, demo):
    set_region_setting("CN-JL-HC", "public_notice_days", 0)
    claim = make_claim("approved")
    assert claim.notice_until is None
    assert can(User.by_username("finance"), "issue_voucher", claim)


def test_a_second_approval_starts_the_notice_not_the_first(ctx, demo):
    set_region_setting("CN", "second_approval_above", 0)
    set_region_setting("CN-JL-HC", "public_notice_days", 5)
    claim = make_claim("awaiting_second_approval")
    assert claim.notice_until is None
    perform(claim, "approve", actor=User.by_username("senior"))
    assert claim.status == ClaimStatus.approved
    assert claim.notice_until > utcnow() + timedelta(days=5)


def test_an_objection_sends_the_claim_back_to_verification_on_its_timeline(ctx, demo):
    claim = on_notice()
    objection = lodge_objection(claim.display_code, OBJECTION, contact="Li Wei, +8613900000000")
    assert isinstance(objection, Objection) and objection.claim_id == claim.id
    assert claim.status == ClaimStatus.under_verification
    assert claim.notice_until is None
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.claim_id == claim.id)
                               .order_by(AuditEvent.seq.desc())).first()
    assert (event.action, event.actor_id, event.comment) == ("object", None, OBJECTION)
    assert (event.from_status, event.to_status) == ("approved", "under_verification")


def test_the_objection_appears_on_the_claim_page_timeline(app, demo, login_as):
    with app.app_context():
        claim = on_notice()
        lodge_objection(claim.code, OBJECTION)
        db.session.commit()
        code = claim.code
    page = login_as("verifier").get(f"/claims/{code}").get_data(as_text=True)
    assert OBJECTION in page


def test_reverification_and_reapproval_start_a_new_notice(ctx, demo):
    claim = on_notice()
    lodge_objection(claim.code, OBJECTION)
    perform(claim, "verify", actor=User.by_username("verifier"), findings="checked again")
    perform(claim, "approve", actor=User.by_username("approver"))
    if claim.status == ClaimStatus.awaiting_second_approval:
        perform(claim, "approve", actor=User.by_username("senior"))
    assert claim.status == ClaimStatus.approved
    assert claim.notice_until > utcnow()
    assert not can(User.by_username("finance"), "issue_voucher", claim)


def test_no_logged_in_role_can_object(ctx, demo):
    assert "object" in ACTIONS
    claim = on_notice()
    for user in db.session.scalars(select(User)):
        assert not can(user, "object", claim), user.username
        with pytest.raises(WorkflowError):
            perform(claim, "object", actor=user, comment=OBJECTION)
    assert claim.status == ClaimStatus.approved


def test_an_objection_to_a_claim_not_on_notice_is_refused_like_an_unknown_code(ctx, demo):
    set_region_setting("CN-JL-HC", "public_notice_days", 0)
    claim = make_claim("approved")
    with pytest.raises(NotOnNotice) as not_on_notice:
        lodge_objection(claim.code, OBJECTION)
    with pytest.raises(NotOnNotice) as unknown:
        lodge_objection("ZZZZZZZZZ", OBJECTION)
    assert not_on_notice.value.message == unknown.value.message
    assert claim.status == ClaimStatus.approved
    assert db.session.scalar(select(Objection.id)) is None


def test_a_claim_whose_notice_has_ended_takes_no_objection(ctx, demo):
    claim = on_notice()
    claim.notice_until = utcnow() - timedelta(minutes=1)
    with pytest.raises(NotOnNotice):
        lodge_objection(claim.code, OBJECTION)
    assert claim.status == ClaimStatus.approved


@pytest.mark.parametrize("reason", ["too short", "x" * 2001, "          "])
def test_an_objection_needs_a_reason_of_10_to_2000_characters(ctx, demo, reason):
    claim = on_notice()
    with pytest.raises(TransitionRefused):
        lodge_objection(claim.code, reason)
    assert claim.status == ClaimStatus.approved


# Masking names


@pytest.mark.parametrize(("name", "masked"), [
    ("张三明", "张*明"), ("张三", "张*"), ("欧阳修文", "欧*文"), ("Иван Петров", "И* П*"),
    ("Anna Maria Schmidt", "A* M* S*"), ("  张三  ", "张*"), ("张", "*"), ("", ""),
])
def test_mask_name_examples(name, masked):
    assert mask_name(name) == masked


NAMES = st.text(st.characters(categories=("L",)), min_size=1, max_size=8)


@given(st.one_of(NAMES, st.lists(NAMES, min_size=1, max_size=4).map(" ".join)))
def test_mask_name_never_shows_a_whole_name_of_two_or_more_letters(name):
    masked = mask_name(name)
    if len(name) >= 2:
        assert masked != name
        assert name not in masked
    if any(len(word) >= 2 for word in name.split()):
        assert sum(ch.isalpha() for ch in masked) < sum(ch.isalpha() for ch in name)
