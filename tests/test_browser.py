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

try:
    from playwright.sync_api import expect  # waits for the page, unlike a bare count()
except ImportError:  # the browser fixture says what is missing
    expect = None
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
    expect(page.locator(".thumbs img")).to_have_count(1)  # the step is saved in the page
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
    keys = "Object.keys(localStorage).filter(k => k.startsWith('hwc-filing-'))"
    [key] = page.evaluate(keys)
    assert "张桂兰" in page.evaluate(f"localStorage.getItem('{key}')")
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


def test_the_officer_captions_each_photo_and_deletes_one_on_a_tablet(browser, live_server,
                                                                     demo, app, tmp_path):
    from datetime import timedelta

    from hwc.accounts.models import User
    from hwc.claims.evidence import add_evidence, evidence_path
    from hwc.claims.filing import save_claimant, save_incident, save_losses, start_filing
    from hwc.claims.models import Claim
    from hwc.core.db import utcnow
    from hwc.extensions import db

    with app.app_context():
        user = User.by_username("officer")
        filing = start_filing(user)
        save_claimant(filing, "CN-JL-HC-CH-CM", {"name": "张桂兰", "phone": "+8613800000001",
                                                 "language": "zh_Hans"}, actor=user)
        save_incident(filing, {"occurred_at": (utcnow() - timedelta(hours=5)).isoformat(),
                               "species": "amur_tiger"}, actor=user)
        claim = save_losses(filing, [{"kind": "livestock", "category": "cattle",
                                      "condition": "dead", "quantity": "1", "unit": "head"}],
                            actor=user)
        cow, fence = (add_evidence(claim, jpeg_bytes(colour, size=(640, 480)), actor=user)
                      for colour in ((120, 90, 40), (30, 160, 60)))
        db.session.commit()
        code, cow_id, fence_id, cow_file = claim.code, cow.id, fence.id, evidence_path(cow)
        photos_url = f"{live_server}/file/{filing.client_uuid}/photos"

    officer = Person(browser, live_server, tmp_path, "officer", locale="en-GB")
    page = officer.page
    officer.login("officer", demo)
    officer.switch_language("en")
    page.goto(photos_url)
    assert page.locator("[data-photo]").count() == 2
    page.fill(f"#caption-{cow_id}", "The dead cow")
    page.fill(f"#caption-{fence_id}", "Tracks by the fence")
    for photo in (cow_id, fence_id):  # every control fits the tablet's width
        box = page.locator(f"[data-photo='{photo}'] button").bounding_box()
        assert box and box["x"] + box["width"] <= 800 and box["height"] >= 44
    officer.shot("captions")
    page.click("button[name=captions]")
    expect(page.locator(".flash-success")).to_contain_text("Captions saved.")
    assert page.input_value(f"#caption-{cow_id}") == "The dead cow"
    assert page.input_value(f"#caption-{fence_id}") == "Tracks by the fence"
    with page.expect_navigation():  # a plain post that comes back to the same address
        page.locator(f"[data-photo='{cow_id}'] button").click()
    assert page.locator("[data-photo]").count() == 1
    assert page.locator(f"[data-photo='{fence_id}']").count() == 1
    assert "The photo was deleted." in page.inner_text("body")
    officer.shot("photo-deleted")
    officer.close()
    with app.app_context():
        assert [(e.id, e.caption) for e in Claim.by_code(code).evidence] == [
            (fence_id, "Tracks by the fence")]
        assert not cow_file.exists()


FILING_KEYS = "Object.keys(localStorage).filter(k => k.startsWith('hwc-filing-'))"
FILING_COPIES = ("Object.keys(localStorage).filter(k => k.startsWith('hwc-filing-'))"
                 ".map(k => localStorage.getItem(k)).join('\\n')")


def fill_claimant(page):
    page.select_option("#village", "CN-JL-HC-CH-CM")
    page.fill("#name", "张桂兰")
    page.fill("#phone", "+86 138 0000 0001")
    page.fill("#id_number", "222401196501011234")
    page.fill("#bank_account", "6222020200112233445")


def test_a_step_saved_offline_keeps_what_was_typed_and_saves_itself_when_back_online(
        browser, live_server, demo, tmp_path):
    officer = Person(browser, live_server, tmp_path, "officer", locale="zh-CN")
    page = officer.page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    officer.login("officer", demo)
    page.goto(live_server + "/file/new")
    page.wait_for_url("**/claimant")
    step_url = page.url
    fill_claimant(page)
    officer.context.set_offline(True)
    page.click("button[name=save]")
    status = page.locator("[data-save-status]")
    page.wait_for_selector("[data-save-status][data-state=waiting]", timeout=10000)
    assert status.inner_text() == status.get_attribute("data-msg-waiting")  # "Not saved yet…"
    assert status.get_attribute("aria-live") == "polite"
    officer.shot("offline")
    assert page.url == step_url
    assert page.input_value("#name") == "张桂兰"
    assert page.input_value("#id_number") == "222401196501011234"
    assert page.input_value("#bank_account") == "6222020200112233445"
    assert "222401196501011234" in page.evaluate(FILING_COPIES), "kept while the save waits"

    officer.context.set_offline(False)
    page.wait_for_url("**/incident")
    assert page.evaluate(FILING_KEYS) == [], "the server has the step: no copy is left"
    page.goto(step_url)
    assert page.input_value("#name") == "张桂兰"
    assert page.input_value("#phone") == "+86 138 0000 0001"
    assert errors == [], errors
    officer.close()


def test_identity_number_and_bank_account_stay_in_the_browser_only_while_a_save_waits(
        browser, live_server, demo, tmp_path):
    officer = Person(browser, live_server, tmp_path, "officer", locale="zh-CN")
    page = officer.page
    officer.login("officer", demo)
    page.goto(live_server + "/file/new")
    page.wait_for_url("**/claimant")
    fill_claimant(page)
    copies = page.evaluate(FILING_COPIES)
    assert "张桂兰" in copies, "the name is kept while typing (a reload keeps it)"
    assert "222401196501011234" not in copies
    assert "6222020200112233445" not in copies
    page.click("button[name=save]")
    page.wait_for_url("**/incident")
    assert page.evaluate(FILING_KEYS) == [], "a saved step leaves nothing in the browser"
    page.fill("#narrative", "夜里老虎咬死一头牛")
    assert page.evaluate(FILING_KEYS) != []
    page.click("button[name=save]")
    expect(page.locator('[aria-invalid="true"]').first).to_be_visible()  # the step is refused
    assert "夜里老虎" in page.evaluate(FILING_COPIES), "a refused step keeps its copy"
    assert "222401196501011234" not in page.evaluate(FILING_COPIES)
    officer.close()


def test_a_khasansky_claim_reads_in_vladivostok_time_in_russian_and_chinese(
        browser, live_server, app, demo, tmp_path):
    """The incident typed as 23:15 in Slavyanka reads 23:15 for the Russian office (in
    Russian or Chinese), and 23:15 with the zone named for the root administrator, whose own
    zone is the deployment's (Shanghai)."""
    from hwc.extensions import db
    from tests.factories import claim_body, make_claim

    with app.app_context():
        body = claim_body(village="RU-PRI-KHS-SL", claimant={
            "name": "Иван Петров", "phone": "+79241234567", "language": "ru"})
        body["incident"]["occurred_at"] = "2026-03-01T23:15:00+10:00"
        claim = make_claim("draft", officer="ru_officer", body=body)
        code = claim.code
        db.session.commit()
    shots = tmp_path / "screenshots"
    shots.mkdir()
    for name, username, language in [("ru-officer", "ru_officer", "ru"),
                                     ("ru-officer-zh", "ru_officer", "zh_Hans"),
                                     ("root-zh", "root", "zh_Hans")]:
        person = Person(browser, live_server, shots, name, locale="ru-RU")
        person.login(username, demo)
        person.switch_language(language)
        person.page.goto(f"{live_server}/claims/{code}")
        when = person.page.locator("[data-occurred-at]").inner_text()
        assert "23:15" in when, when
        named = "GMT+10:00" in when
        assert named == (username == "root"), when
        person.shot("claim")
        person.close()
