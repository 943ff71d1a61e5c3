"""Finance pays a claim in Chromium on a tablet, in Chinese and in Russian: the queue, the claim
page's steps, the voucher page, and the public check its QR code leads to."""

import re

import pytest

from hwc.extensions import db
from tests.factories import make_claim, make_khasansky_claim
from tests.test_browser import Person, browser, live_server  # noqa: F401 - fixtures

pytestmark = [pytest.mark.browser, pytest.mark.commits]


@pytest.mark.parametrize("side", ["CN", "RU"])
def test_finance_issues_pays_and_the_public_check_follows(browser, live_server,  # noqa: F811
                                                          app, demo, tmp_path, side):
    with app.app_context():
        claim = make_claim("approved") if side == "CN" else make_khasansky_claim("approved")
        db.session.commit()
        code = claim.code
    name, language = ("finance", "zh_Hans") if side == "CN" else ("ru_finance", "ru")
    person = Person(browser, live_server, tmp_path, f"{name}", locale="zh-CN")
    page = person.page
    person.login(name, demo)
    person.switch_language(language)
    page.goto(live_server + "/queue")
    person.shot("queue")
    assert page.locator("[data-days-since-approval]").count() >= 1
    page.goto(f"{live_server}/claims/{code}")
    person.act("issue_voucher")
    assert page.locator("[data-voucher-status=issued]").count() == 1
    person.shot("issued")
    number = page.locator("[data-voucher]").get_attribute("data-voucher")
    page.goto(f"{live_server}/vouchers/{number}")
    person.shot("voucher")
    check = page.locator("a.verify-link").get_attribute("href")
    page.goto(f"{live_server}/claims/{code}")
    panel = page.locator("[data-action=record_payment]")
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    panel.locator("select").select_option("bank")
    panel.locator("input[name='record_payment-reference']").fill("ICBC 6222-778812")
    person.shot("paying")
    with page.expect_navigation():
        panel.locator("button[type=submit]").click()
    assert page.locator("[data-voucher-status=paid]").count() == 1
    person.close()

    visitor = Person(browser, live_server, tmp_path, f"visitor-{side}",
                     locale="ru-RU" if side == "RU" else "ko-KR")
    visitor.page.goto(re.sub(r"^https?://[^/]+", live_server, check, flags=re.I))
    assert visitor.page.locator("[data-verdict=paid]").count() == 1
    visitor.shot("check")
    visitor.close()
