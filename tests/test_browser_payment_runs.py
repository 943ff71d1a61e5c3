"""Finance starts a payment run in Chinese in Chromium on a tablet and watches its progress bar
reach the end while a worker works beside the live server; then the files are there."""

import csv
import io
import threading

import pytest

from hwc.extensions import db
from hwc.jobs.worker import work
from tests.factories import make_claim
from tests.test_browser import Person, browser, live_server  # noqa: F401 - fixtures
from tests.test_payment_runs import crops_only, make_budget

pytestmark = [pytest.mark.browser, pytest.mark.commits]


@pytest.fixture
def worker(app):
    """A worker loop in a thread beside the live server, stopped afterwards."""
    stop = threading.Event()

    def loop():
        with app.app_context():
            work(poll=0.2, stop=stop)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join(60)


def test_finance_starts_a_run_in_chinese_and_sees_it_done(browser, live_server,  # noqa: F811
                                                          app, demo, tmp_path, worker):
    with app.app_context():
        for _ in range(12):
            make_claim("approved", photo=False, body=crops_only())
        make_budget()
        db.session.commit()
    person = Person(browser, live_server, tmp_path, "finance", locale="zh-CN")
    page = person.page
    person.login("finance", demo)
    person.switch_language("zh_Hans")
    page.goto(live_server + "/payments/runs/new")
    assert page.locator("[data-payable] tbody tr").count() == 12
    person.shot("new-run")
    with page.expect_navigation():
        page.click("[data-start-run]")
    assert page.locator("progress[data-progress]").count() == 1
    person.shot("running")
    page.wait_for_selector("[data-phase=done]", timeout=120_000)
    assert page.locator("progress[data-progress]").get_attribute("value") == "12"
    assert page.locator("[data-item-state=issued]").count() == 12
    assert page.locator("[data-download-pdf]").is_visible()
    person.shot("done")
    # The bank pays; its confirmation file goes back through the run's page: all twelve paid.
    href = page.locator("[data-download-bank]").get_attribute("href")
    bank = page.request.get(live_server + href)
    assert bank.status == 200
    rows = list(csv.DictReader(io.StringIO(bank.text())))
    assert len(rows) == 12
    confirmation = tmp_path / "回单.csv"
    confirmation.write_text("reference,amount\n" + "".join(
        f"{row['reference']},{row['amount']}\n" for row in rows), encoding="utf-8")
    page.click("[data-confirmations]")
    page.set_input_files("input[type=file]", str(confirmation))
    with page.expect_navigation():
        page.click("form:has(input[type=file]) [type=submit]")
    assert page.locator("[data-paid-count]").get_attribute("data-paid-count") == "12"
    assert page.locator("[data-problem]").count() == 0
    person.shot("confirmation-report")
    page.set_viewport_size({"width": 1400, "height": 900})
    person.shot("done-desktop")
    person.close()
