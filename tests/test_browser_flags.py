"""Flags in the approver's queue, in Chromium: a warning that appears while the queue is open
stops batch approval, and acknowledging it on the claim page lets the claim through."""

import pytest

from hwc.extensions import db
from tests.factories import claim_body, make_claim, set_region_setting
from tests.test_browser import Person, browser, live_server  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.commits]


def shown(code: str) -> str:
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def test_batch_approval_stops_at_a_flag_until_it_is_acknowledged(browser, live_server,  # noqa: F811
                                                                 app, demo, tmp_path):
    with app.app_context():
        set_region_setting("CN", "second_approval_above", 100000)
        code = make_claim("verified").code
        db.session.commit()
    approver = Person(browser, live_server, tmp_path, "approver", locale="en-GB")
    page = approver.page
    approver.login("approver", demo)
    approver.switch_language("en")
    page.goto(live_server + "/queue")
    row = page.locator("tr", has=page.locator(f"a:text-is('{shown(code)}')"))
    assert row.locator("[data-flag]").count() == 0
    row.locator("input[name=codes]").check()  # ticked before the warning appears

    with app.app_context():  # meanwhile: a second claim for the same resident and animal
        earlier = claim_body()
        earlier["losses"] = earlier["losses"][1:]
        make_claim("submitted", photo=False, body=earlier)
        db.session.commit()
    page.click("text=Approve the selected claims")
    page.wait_for_load_state()
    result = page.locator("tr.failed").inner_text()
    assert shown(code) in result and "Possible duplicate incident" in result
    approver.shot("batch-refused")

    page.click("text=Back to the queue")
    page.wait_for_load_state()
    row = page.locator("tr", has=page.locator(f"a:text-is('{shown(code)}')"))
    assert row.locator("[data-flag=duplicate_incident]").inner_text() == \
        "Possible duplicate incident"
    assert row.locator("input[name=codes]").count() == 0
    approver.shot("queue-flagged")

    row.locator("a.code").click()
    page.wait_for_load_state()
    page.click("text=I have looked at these warnings")
    page.wait_for_load_state()
    assert page.locator(".flags .acknowledged").count() == 1
    approver.shot("acknowledged")

    page.goto(live_server + "/queue")
    row = page.locator("tr", has=page.locator(f"a:text-is('{shown(code)}')"))
    row.locator("input[name=codes]").check()
    page.click("text=Approve the selected claims")
    page.wait_for_load_state()
    assert shown(code) in page.locator("tr.ok").inner_text()
    approver.shot("batch-approved")
    approver.close()
