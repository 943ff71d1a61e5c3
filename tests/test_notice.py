"""Public notice before payment (公示): an approved claim is listed publicly for some days, cannot
be paid meanwhile, and anyone may object, which sends it back to verification."""

import subprocess
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale, ngettext
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from hwc.accounts.models import User
from hwc.audit.models import AuditEvent
from hwc.claims.models import Claim, ClaimStatus
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
from tests.test_sms import limited  # noqa: F401 - the fixture

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


# The public pages

CLAIMANT = {"name": "张桂兰", "phone": "+8613800000001", "language": "zh_Hans",
            "id_number": "222401196501011234", "bank_account": "6222020200112233445"}
PERSONAL = (CLAIMANT["name"], CLAIMANT["phone"], "13800000001", CLAIMANT["id_number"],
            CLAIMANT["bank_account"], "3445", "1234")


def a_claim_on_notice(app, **body) -> str:
    with app.app_context():
        claim = on_notice(body=claim_body(claimant=CLAIMANT, **body))
        db.session.commit()
        return claim.display_code


@pytest.mark.parametrize("who", [None, "officer", "finance", "auditor"])
def test_the_public_list_shows_the_masked_name_and_nothing_personal(app, demo, login_as, who):
    code = a_claim_on_notice(app)
    client = login_as(who) if who else app.test_client()
    page = client.get("/notice")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert code in html and "张*兰" in html
    for value in PERSONAL:
        assert value not in html, value


def test_the_public_list_is_filtered_by_region(app, demo, client):
    code = a_claim_on_notice(app)
    with app.app_context():
        set_region_setting("RU-PRI-KHS", "public_notice_days", 3)
        make_khasansky_claim("approved")
        db.session.commit()
    everywhere = client.get("/notice").get_data(as_text=True)
    assert code in everywhere and "И* П*" in everywhere
    village = client.get("/notice?region=CN-JL-HC-CH-CM").get_data(as_text=True)
    assert code in village and "И* П*" not in village
    russia = client.get("/notice?region=RU-PRI-KHS").get_data(as_text=True)
    assert code not in russia and "И* П*" in russia
    assert 'value="CN-JL-HC-CH"' in everywhere  # the township is offered
    assert client.get("/notice?region=" + "X" * 5000).status_code == 404
    assert client.get("/notice?page=99999999999").status_code == 200


def test_a_claim_whose_notice_ended_leaves_the_list(app, demo, client):
    code = a_claim_on_notice(app)
    with app.app_context():
        claim = db.session.scalar(select(Claim).where(Claim.notice_until.is_not(None)))
        claim.notice_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert code not in client.get("/notice").get_data(as_text=True)


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_the_pdf_of_a_region_shows_the_masked_name_in_the_office_language(app, demo, client,
                                                                           tmp_path):
    code = a_claim_on_notice(app)
    answer = client.get("/notice.pdf?region=CN-JL-HC-CH-CM")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    text = pdf_text(answer.data, tmp_path)
    assert code in text and "张*兰" in text
    for value in PERSONAL:
        assert value not in text, value
    assert client.get("/notice.pdf?region=NOWHERE").status_code == 404


def test_the_printed_notice_is_bounded_and_says_how_many_more_there_are(app, demo, client,
                                                                        tmp_path, monkeypatch):
    from hwc.notice import views

    monkeypatch.setattr(views, "MAX_PDF_ROWS", 2)
    codes = [a_claim_on_notice(app) for _ in range(3)]
    text = pdf_text(client.get("/notice.pdf?region=CN-JL-HC").data, tmp_path)
    assert sum(code in text for code in codes) == 2
    with app.test_request_context(), force_locale("zh_Hans"):  # Hunchun's office language
        more = ngettext("%(num)d more claim is on notice here: print the list of each smaller "
                        "area.", "%(num)d more claims are on notice here: print the list of each "
                        "smaller area.", 1)
    assert "".join(more.split()) in "".join(text.split())


def test_the_printed_notice_is_rate_limited(app, demo, limited):  # noqa: F811 - the fixture
    for _ in range(6):
        assert limited.get("/notice.pdf?region=NOWHERE").status_code == 404
    assert limited.get("/notice.pdf?region=NOWHERE").status_code == 429


def test_the_claim_page_says_until_when_the_claim_is_on_notice(app, demo, login_as):
    code = a_claim_on_notice(app)
    page = login_as("finance").get(f"/claims/{code}", follow_redirects=True).get_data(as_text=True)
    assert "data-notice" in page


# The objection form


def test_an_objection_through_the_form_reopens_the_claim(app, demo, client):
    code = a_claim_on_notice(app)
    answer = client.post("/notice/object", data={"code": code.lower(), "reason": OBJECTION,
                                                 "contact": "+8613900000000"})
    assert answer.status_code == 200
    assert code in answer.get_data(as_text=True)
    with app.app_context():
        claim = db.session.scalar(select(Claim).where(Claim.code == code.replace("-", "")))
        assert claim.status == ClaimStatus.under_verification
        assert db.session.scalar(select(Objection.contact)) == "+8613900000000"


def test_unknown_code_and_code_not_on_notice_get_the_same_answer(app, demo, client):
    with app.app_context():
        set_region_setting("CN-JL-HC", "public_notice_days", 0)
        paid_soon = make_claim("approved").display_code
        db.session.commit()
    answers = [client.post("/notice/object", data={"code": code, "reason": OBJECTION})
               for code in (paid_soon, "K7M3-Q9X2-T", "nonsense")]
    assert {a.status_code for a in answers} == {422}
    bodies = {a.get_data(as_text=True).replace(paid_soon, "").replace("K7M3-Q9X2-T", "")
              .replace("nonsense", "") for a in answers}
    assert len(bodies) == 1
    with app.app_context():
        assert db.session.scalar(select(Objection.id)) is None


def test_the_objection_form_is_rate_limited(app, demo, limited):  # noqa: F811 - the fixture
    for _ in range(5):
        assert limited.post("/notice/object", data={"code": "x", "reason": "y"}).status_code == 422
    assert limited.post("/notice/object", data={"code": "x", "reason": "y"}).status_code == 429
    assert limited.get("/notice").status_code == 200
