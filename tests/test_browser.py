"""The two web faces in a real browser: Debian's Chromium driven by Playwright, at a tablet's
800×1280 portrait viewport. A village officer files a claim in Chinese; a verifier verifies and
an approver approves it in Russian. Screenshots of every step go to the test's tmp dir."""

import os
import shutil
import threading
from decimal import Decimal

import pytest
from babel.numbers import format_currency
from werkzeug.serving import make_server

from tests.conftest import service_missing
from tests.factories import jpeg_bytes

pytestmark = [pytest.mark.browser, pytest.mark.commits]

CHROMIUM = os.environ.get("HWC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
TABLET = {"width": 800, "height": 1280}


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        service_missing(f"Chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_missing("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app, demo, monkeypatch):
    """The app served on a free loopback port, with CSRF protection on as in production."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


class Person:
    """One user in their own browser context (own cookies, own storage)."""

    def __init__(self, browser, base, shots, name, locale="zh-CN", **context):
        self.context = browser.new_context(viewport=TABLET, locale=locale, **context)
        self.page = self.context.new_page()
        self.base, self.shots, self.name, self.count = base, shots, name, 0

    def shot(self, label: str) -> None:
        self.count += 1
        path = self.shots / f"{self.name}-{self.count:02d}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 0

    def login(self, username: str, password: str) -> None:
        self.page.goto(self.base + "/login")
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        self.page.click("button[type=submit]:not(.secondary):not(.outline)")
        self.page.wait_for_load_state()

    def switch_language(self, code: str) -> None:
        self.page.select_option("#language-select", code)
        self.page.click(".language-switch button")
        self.page.wait_for_load_state()

    def act(self, action: str) -> None:
        """Open the action's panel if it is folded, then press its button."""
        panel = self.page.locator(f"[data-action={action}]")
        if panel.get_attribute("open") is None:
            panel.locator("summary").click()
        panel.locator("button[type=submit]").click()
        self.page.wait_for_load_state()

    def close(self):
        self.context.close()


def test_claim_filed_in_chinese_then_verified_and_approved_in_russian(browser, live_server,
                                                                      demo, tmp_path):
    shots = tmp_path / "screenshots"
    shots.mkdir()
    photo = tmp_path / "cattle.jpg"
    photo.write_bytes(jpeg_bytes(size=(640, 480)))

    officer = Person(browser, live_server, shots, "officer", locale="zh-CN",
                     geolocation={"latitude": 43.123456, "longitude": 130.987654,
                                  "accuracy": 15},
                     permissions=["geolocation"])
    page = officer.page
    officer.login("officer", demo)
    assert page.locator("h1").inner_text() == "我的理赔"
    officer.shot("my-claims")
    page.click("a.big-button")
    page.wait_for_url("**/claimant")
    page.select_option("#village", "CN-JL-HC-CH-CM")
    page.fill("#name", "张桂兰")
    page.fill("#phone", "+86 138 0000 0001")
    officer.shot("claimant")
    page.click("button[name=save]")
    page.wait_for_url("**/incident")
    page.fill("#occurred_date", "2026-11-20")
    page.fill("#occurred_time", "06:30")
    page.select_option("#species", "amur_tiger")
    page.click("[data-gps]")
    page.wait_for_function("document.getElementById('lat').value !== ''")
    assert page.input_value("#lat") == "43.123456"
    page.fill("#narrative", "夜里老虎咬死一头牛，踩坏玉米地。")
    officer.shot("incident")
    page.click("button[name=save]")
    page.wait_for_url("**/losses")
    page.select_option("#rows-0-kind", "livestock")
    page.select_option("#rows-0-category", "cattle")
    page.select_option("#rows-0-condition", "dead")
    page.fill("#rows-0-quantity", "1")
    page.select_option("#rows-0-unit", "head")
    page.fill("#rows-0-claimed_value", "7000")
    assert "6,000.00" in page.locator("[data-rate-hint]").first.inner_text()
    page.click("[data-add-row]")
    page.select_option("#rows-1-kind", "crop")
    page.select_option("#rows-1-category", "maize")
    page.select_option("#rows-1-condition", "damaged")
    page.fill("#rows-1-quantity", "2")
    page.select_option("#rows-1-unit", "mu")
    officer.shot("losses")
    page.click("button[name=save]")
    page.wait_for_url("**/photos")
    page.set_input_files("#photos", str(photo))
    assert page.locator("[data-previews] img").count() == 1
    page.click("button[name=upload]")
    page.wait_for_load_state()
    assert page.locator(".thumbs img").count() == 1
    officer.shot("photos")
    page.click("button[name=next]")
    page.wait_for_url("**/review")
    assert "张桂兰" in page.inner_text(".claim-summary")
    officer.shot("review")
    page.click("button[data-once]:not(.secondary)")
    page.wait_for_url("**/filed")
    code = page.inner_text("[data-claim-code]").strip()
    assert len(code) == 11 and code[4] == "-" and code[9] == "-"
    assert page.inner_text("[data-status]") == "已提交"
    officer.shot("filed")
    officer.close()

    verifier = Person(browser, live_server, shots, "verifier", locale="ru-RU")
    page = verifier.page
    verifier.login("verifier", demo)
    verifier.switch_language("ru")
    assert page.locator("h1").inner_text() == "Заявления, ожидающие вас"
    page.click(f"text={code}")
    page.wait_for_load_state()
    verifier.shot("claim")
    verifier.act("start_verification")
    assert page.inner_text("[data-status]") == "На проверке"
    panel = page.locator("[data-action=verify]")
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    page.fill("#verify-rows-0-quantity", "1")
    page.fill("#verify-rows-1-quantity", "2")
    page.fill("#verify-findings", "Следы тигра у загона, туша коровы.")
    verifier.shot("verify-form")
    panel.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.inner_text("[data-status]") == "Проверено"
    expected = format_currency(Decimal("6900.00"), "CNY", locale="ru")
    assert page.inner_text("[data-assessed]") == expected
    verifier.shot("verified")
    verifier.close()

    approver = Person(browser, live_server, shots, "approver", locale="ru-RU")
    page = approver.page
    approver.login("approver", demo)
    approver.switch_language("ru")
    page.click(f"text={code}")
    page.wait_for_load_state()
    approver.act("approve")
    assert page.inner_text("[data-status]") == "Одобрено"
    assert page.inner_text("[data-approved]") == expected
    approver.shot("approved")
    page.click("text=Сводка")
    page.wait_for_load_state()
    assert page.inner_text("[data-kpi=total]") == "1"
    approver.shot("dashboard")
    approver.close()
    assert len(list(shots.glob("*.png"))) >= 12


def test_the_tablet_survives_a_damaged_browser_copy_and_forgets_filings_at_logout(
        browser, live_server, demo, tmp_path):
    officer = Person(browser, live_server, tmp_path, "officer", locale="zh-CN")
    page = officer.page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    officer.login("officer", demo)
    page.goto(live_server + "/file/new")
    page.wait_for_url("**/claimant")
    page.fill("#name", "张桂兰")
    page.fill("#id_number", "222401196501011234")
    keys = "Object.keys(localStorage).filter(k => k.startsWith('hwc-filing-'))"
    [key] = page.evaluate(keys)
    assert "222401196501011234" in page.evaluate(f"localStorage.getItem('{key}')")
    page.evaluate(f"localStorage.setItem('{key}', '{{not json')")
    page.reload()
    assert errors == [], errors
    assert page.evaluate(keys) == []  # the damaged copy is dropped, not left to fail again
    page.fill("#name", "张桂兰")
    assert page.evaluate(keys) == [key]
    page.click("header form[action$='/logout'] button")
    page.wait_for_url("**/login")
    assert page.evaluate(keys) == [], "a shared tablet keeps no filing after logout"
    assert errors == [], errors
    officer.close()
