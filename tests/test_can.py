"""One ``can(user, action, claim)`` answers every "may": the queue is what the table gives the
user to do, the batch checkbox follows the guards, and flagged claims pass batch approval only
once their flags are acknowledged on the claim page."""

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from hwc.accounts.models import Role, User
from hwc.audit.models import AuditEvent
from hwc.claims.evidence import add_evidence
from hwc.claims.models import Claim, ClaimStatus
from hwc.extensions import db
from tests.factories import claim_body, jpeg_bytes, make_claim, set_region_setting


@pytest.fixture
def office(login_as):
    def make(username):
        client = login_as(username)
        client.post("/language", data={"language": "en"})
        return client
    return make


def shown(code: str) -> str:
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def checkbox(code: str) -> str:
    return f'name="codes" value="{code}"'


def crop_body(**claimant) -> dict:
    """A claim with a crop loss only (no photo needed), by the default claimant unless given."""
    body = claim_body()
    body["losses"] = body["losses"][1:]
    body["claimant"].update(claimant)
    return body


def test_senior_who_gave_the_first_approval_may_not_tick_it_for_the_second(office, app, demo):
    """The table still lets them reject or send it back, so it stays in their queue."""
    with app.app_context():
        set_region_setting("CN", "second_approval_above", 100)
        claim = make_claim("verified")
        from hwc.workflow.service import perform

        perform(claim, "approve", actor=User.by_username("senior"))
        assert claim.status == ClaimStatus.awaiting_second_approval
        code = claim.code
        db.session.commit()
    page = office("senior").get("/queue").get_data(as_text=True)
    assert shown(code) in page
    assert checkbox(code) not in page
    refused = office("senior").post("/queue/approve", data={"codes": [code]})
    assert "another senior official" in refused.get_data(as_text=True)


def test_verifier_recast_as_approver_gets_no_checkbox_for_the_claim_they_verified(
        office, app, demo):
    with app.app_context():
        code = make_claim("verified").code
        verifier = User.by_username("verifier")
        verifier.role = Role.approver
        db.session.commit()
    page = office("verifier").get("/queue").get_data(as_text=True)
    assert checkbox(code) not in page
    assert shown(code) not in page
    other = office("approver").get("/queue").get_data(as_text=True)
    assert checkbox(code) in other


def flagged_claim(app) -> str:
    """A verified claim with one flag (same resident and animal as an earlier claim)."""
    with app.app_context():
        set_region_setting("CN", "second_approval_above", 100000)
        make_claim("submitted", photo=False, body=crop_body())
        code = make_claim("verified").code
        db.session.commit()
    return code


def flag_codes(page: str) -> list[str]:
    return re.findall(r'data-flag="([a-z_]+)"', page)


def test_approver_queue_row_shows_the_claims_flags(office, app):
    code = flagged_claim(app)
    page = office("approver").get("/queue").get_data(as_text=True)
    row = page[page.index(shown(code)) - 600:page.index(shown(code)) + 1500]
    assert "duplicate_incident" in flag_codes(row)
    assert "Possible duplicate incident" in row


def test_village_officer_sees_no_fraud_flags_on_their_claims(office, app):
    code = flagged_claim(app)
    page = office("officer").get("/mine").get_data(as_text=True)
    assert shown(code) in page
    assert "duplicate_incident" not in page


def test_batch_approval_refuses_a_flagged_claim_and_says_why(office, app):
    code = flagged_claim(app)
    approver = office("approver")
    assert checkbox(code) not in approver.get("/queue").get_data(as_text=True)
    response = approver.post("/queue/approve", data={"codes": [code]})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "✗" in page and "Possible duplicate incident" in page
    assert "acknowledge" in page.lower()
    with app.app_context():
        assert Claim.by_code(code).status == ClaimStatus.verified


def test_acknowledging_the_flags_on_the_claim_page_lets_batch_approval_through(office, app):
    code = flagged_claim(app)
    approver = office("approver")
    claim_page = approver.get(f"/claims/{code}").get_data(as_text=True)
    assert f'action="/claims/{code}/acknowledge-flags"' in claim_page
    response = approver.post(f"/claims/{code}/acknowledge-flags",
                             data={"flags": ["duplicate_incident"]})
    assert response.status_code == 302
    assert checkbox(code) in approver.get("/queue").get_data(as_text=True)
    page = approver.post("/queue/approve", data={"codes": [code]}).get_data(as_text=True)
    assert "✓" in page
    with app.app_context():
        claim = Claim.by_code(code)
        assert claim.status == ClaimStatus.approved
        event = db.session.scalar(select(AuditEvent).where(
            AuditEvent.claim_id == claim.id, AuditEvent.action == "acknowledge_flags"))
        assert event.changes == {"flags": ["duplicate_incident"]}
        assert event.actor.username == "approver"


def test_a_flag_that_appears_after_the_acknowledgement_needs_its_own(office, app):
    code = flagged_claim(app)
    approver = office("approver")
    approver.post(f"/claims/{code}/acknowledge-flags", data={"flags": ["duplicate_incident"]})
    with app.app_context():
        other = make_claim("draft", photo=False, body=crop_body(name="Другой",
                                                                phone="+8613800000099"))
        add_evidence(other, jpeg_bytes(), actor=User.by_username("officer"))  # the same photo
        db.session.commit()
    assert checkbox(code) not in approver.get("/queue").get_data(as_text=True)
    page = approver.post("/queue/approve", data={"codes": [code]}).get_data(as_text=True)
    assert "Photo used on another claim" in page
    with app.app_context():
        assert Claim.by_code(code).status == ClaimStatus.verified


@pytest.mark.parametrize("username, status", [("auditor", 403), ("officer", 403),
                                              ("ru_approver", 404)])
def test_only_someone_who_may_act_on_the_claim_acknowledges_its_flags(office, app, username,
                                                                      status):
    code = flagged_claim(app)
    response = office(username).post(f"/claims/{code}/acknowledge-flags",
                                     data={"flags": ["duplicate_incident"]})
    assert response.status_code == status
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "acknowledge_flags")) is None


# --- no role or status rule outside the table ---------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
STATUS_NAMES = "|".join(status.value for status in ClaimStatus)
ROLE_NAMES = "|".join(role.value for role in Role)
RULES = [
    re.compile(r"\brole\s*(==|!=|\bin\b|\bnot\s+in\b)"),
    re.compile(r"\bstatus\s*(==|!=|\bin\b|\bnot\s+in\b)\s*[(\['\"]"),
    re.compile(r"\bstatus\s*(==|!=|\bin\b|\bnot\s+in\b)\s*(ClaimStatus|S)\."),
    re.compile(rf"['\"]({STATUS_NAMES}|{ROLE_NAMES})['\"]\s*(==|!=|\bin\b)"),
    re.compile(rf"(==|!=|\bin\b)\s*\(?\s*['\"]({STATUS_NAMES}|{ROLE_NAMES})['\"]"),
    re.compile(r"\b(EDITABLE_STATUSES|BEFORE_APPROVAL|SENIOR_LEVEL|WAITING_ON)\b"),
    re.compile(r"\b(current_user|user|actor|api_user)\.senior\b"),
    re.compile(r"\bRole\.\w+"),
]
# Lines that name a role or ``senior`` without deciding anything about a claim: page access
# declared at the route (what ``can_open`` reads), and a user's title printed.
ALLOWED = [
    re.compile(r"^\s*@roles_required\("),
    re.compile(r"^OFFICER = Role\.village_officer$"),  # the tablet pages' @roles_required
    re.compile(r"\{% if (current_user|user)\.senior %\} · \{\{ _\('senior'\) \}\}"),
]


def rule_lines() -> list[str]:
    files = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("hwc/*/views.py"),
             *ROOT.glob("hwc/*/*_views.py")]
    found = []
    for path in files:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if any(rule.search(line) for rule in RULES) and \
                    not any(allowed.search(line) for allowed in ALLOWED):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_views_and_templates_hold_no_role_or_status_rule():
    assert rule_lines() == []


@pytest.mark.parametrize("line", [
    "{% if current_user.role == 'village_officer' %}",
    "{{ 'waiting' if claim.status in ('returned', 'draft') }}",
    "if current_user.role not in (Role.auditor, Role.admin):",
    "{% if claim.status == 'verified' or current_user.senior %}",
    "if claim.status == ClaimStatus.returned:",
    "if draft.claim.status not in EDITABLE_STATUSES:",
])
def test_the_rule_finder_finds_the_rules_it_was_written_for(line):
    assert any(rule.search(line) for rule in RULES)
