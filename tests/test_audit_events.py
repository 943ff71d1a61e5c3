"""Audit event kinds: every event is of a listed kind, and timelines read as past events."""

import re
from pathlib import Path

import pytest

from hwc.audit.events import EventKind, UnknownEventKind
from hwc.audit.trail import record_event
from hwc.workflow.rules import ACTIONS
from tests.factories import make_claim

SOURCE = Path(__file__).resolve().parent.parent / "hwc"


def test_record_event_refuses_a_kind_that_is_not_listed(ctx, demo):
    with pytest.raises(UnknownEventKind):
        record_event("photo_delted")


@pytest.mark.parametrize("action", ACTIONS)
def test_every_workflow_action_is_an_event_kind_with_a_past_title(action):
    kind = EventKind(action)
    assert kind.title and kind.title != action


def test_every_kind_the_code_records_is_listed():
    recorded = set()
    for path in SOURCE.rglob("*.py"):
        recorded |= set(re.findall(r"""(?:record_event|_append)\(\s*(?:head,\s*)?["'](\w+)["']""",
                                   path.read_text(encoding="utf-8")))
    assert recorded, "the pattern no longer finds record_event calls"
    assert recorded <= {kind.value for kind in EventKind}


def timeline(page: str) -> str:
    return re.search(r'<section class="timeline">.*?</section>', page, re.S).group(0)


@pytest.fixture
def returned_claim(app, demo):
    from hwc.extensions import db

    with app.app_context():
        claim = make_claim("returned")
        db.session.commit()
        return claim.code


def test_the_claim_timeline_says_what_happened_and_who_did_it(login_as, returned_claim):
    officer = login_as("officer")
    officer.post("/language", data={"language": "en"})
    page = timeline(officer.get(f"/claims/{returned_claim}").get_data(as_text=True))
    for title in ("Filed", "Submitted", "Verification started", "Returned for more information"):
        assert f">{title}<" in page
    assert ">Submit<" not in page and ">Return for information<" not in page
    assert re.search(r"Submitted</strong>\s*by [^<]+", page)


def test_the_api_timeline_gives_each_event_its_title(api, returned_claim):
    response = api("officer").get(f"/api/v1/claims/{returned_claim}",
                                  headers={"Accept-Language": "en"})
    events = response.get_json()["events"]
    assert [e["title"] for e in events if e["action"] in ("submit", "return")] == [
        "Submitted", "Returned for more information"]
