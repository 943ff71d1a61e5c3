"""Every role's main pages at a tablet's 800×1280 in every shipped language: nothing runs off
the page or hides behind a scroll, no text is clipped or split inside a word, and everything a
finger taps is at least 44 px tall. One browser, one login per user; screenshots go to the
test's tmp dir (look at them: a measurement does not see everything)."""

import uuid

import pytest
from sqlalchemy import select, update

from hwc.accounts.models import User
from hwc.claims.filing import filing_for_claim
from hwc.claims.models import Claim
from hwc.config import LANGUAGES
from hwc.demo.claims import NAMESPACE, load_demo_claims
from hwc.extensions import db
from hwc.rates.models import RateSchedule
from tests import test_browser
from tests.test_browser import Person

# The browser tests' fixtures: one Chromium, the app on a loopback port.
browser = test_browser.browser
live_server = test_browser.live_server

pytestmark = [pytest.mark.browser, pytest.mark.commits]

TAP = 44

# Everything wrong with the page as a person at this width would see it.
MEASURE = r"""(tap) => {
  const problems = [];
  const width = window.innerWidth;
  // Shown to the eye: not inside anything hidden, clipped away or shrunk to a point (text kept
  // for screen readers only).
  const visible = (el) => {
    if (el.closest('[hidden], .skip-link, template, script')) return false;
    for (let up = el; up && up !== document.body; up = up.parentElement) {
      const box = up.getBoundingClientRect();
      if (box.width <= 1 || box.height <= 1) return false;
      const style = getComputedStyle(up);
      if (style.clip !== 'auto' || style.visibility === 'hidden') return false;
    }
    return true;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.className ? '.' +
    String(el.className).trim().split(/\s+/).join('.') : '') + ' "' +
    (el.innerText || el.value || '').trim().slice(0, 40) + '"';
  if (document.documentElement.scrollWidth > width) {
    problems.push(`page is ${document.documentElement.scrollWidth}px wide`);
  }
  for (const el of document.querySelectorAll('body *')) {
    if (!visible(el)) continue;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (box.right > width + 1) problems.push(`runs off the page: ${name(el)}`);
    const tag = el.tagName;
    if (['INPUT', 'TEXTAREA', 'SELECT', 'IMG', 'CANVAS', 'OPTION'].includes(tag)) continue;
    if (style.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`clipped or scrolled: ${name(el)} ${el.scrollWidth}>${el.clientWidth}`);
    }
  }
  // A select whose chosen text is wider than the box shows it cut off.
  const probe = document.createElement('span');
  probe.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap';
  document.body.appendChild(probe);
  for (const select of document.querySelectorAll('select')) {
    if (!visible(select) || select.selectedIndex < 0) continue;
    const style = getComputedStyle(select);
    probe.style.font = style.font;
    probe.textContent = select.options[select.selectedIndex].text;
    const room = select.clientWidth - parseFloat(style.paddingLeft) -
      parseFloat(style.paddingRight);
    if (probe.getBoundingClientRect().width > room + 1) {
      problems.push(`select cut off: ${name(select)}`);
    }
  }
  probe.remove();
  // No word is split over two lines in tabs, buttons and headers.
  const words = document.querySelectorAll(
    'nav.steps li, button, [role=button], th, td, label, dt, summary, .badge, h1, h2');
  const running = ['TD', 'LABEL', 'DT', 'H1', 'H2'];
  for (const el of words) {
    if (!visible(el)) continue;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!visible(node.parentElement)) continue;
      const re = /\S+/g;
      for (let m = re.exec(node.data); m; m = re.exec(node.data)) {
        if (/[-/·(（]/.test(m[0])) continue;  // codes and compounds may break at - / · (
        // Chinese running text breaks between characters; short labels and tabs must not.
        if (running.includes(el.tagName) && /\p{Script=Han}/u.test(m[0])) continue;
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0)
          .map((r) => Math.round(r.top)));
        if (tops.size > 1) problems.push(`word split: "${m[0]}" in ${name(el)}`);
      }
    }
  }
  // Tap targets: buttons, links shown as buttons, step tabs, checkboxes with their label.
  const targets = document.querySelectorAll(
    'button, [role=button], input[type=submit], summary, nav.steps li a, nav.steps li span,' +
    ' input[type=checkbox], .site-header nav a');
  for (let el of targets) {
    if (el.type === 'checkbox') el = el.closest('label') || el;
    if (!visible(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.height < tap - 0.5) {
      problems.push(`tap target ${Math.round(box.height)}px: ${name(el)}`);
    }
  }
  return problems;
}"""


def pages(codes: dict, filing: str, schedule: int) -> dict:
    """The pages each demo user works on, by user."""
    steps = [f"/file/{filing}/{step}" for step in
             ("claimant", "incident", "losses", "photos", "review")]
    return {
        "officer": ["/mine", *steps, f"/claims/{codes['cn-8']}"],
        "verifier": ["/queue", f"/claims/{codes['cn-5']}", "/dashboard"],
        "approver": ["/queue", f"/claims/{codes['cn-4']}"],
        "ru_senior": ["/queue", f"/claims/{codes['ru-7']}"],
        "admin": ["/admin/users", "/admin/rates", f"/admin/rates/{schedule}", "/admin/regions",
                  "/admin/regions/CN/settings", "/admin/vocabulary", "/dashboard"],
    }


@pytest.fixture
def world(app, demo):
    """The demo claims, and a filing open on the Hunchun draft so that every step shows."""
    with app.app_context():
        load_demo_claims()
        codes = {}
        for key in ("cn-4", "cn-5", "cn-8", "cn-10", "ru-7"):
            claim = db.session.scalar(select(Claim).where(
                Claim.client_uuid == uuid.uuid5(NAMESPACE, key)))
            codes[key] = claim.code
        draft = db.session.scalar(select(Claim).where(Claim.code == codes["cn-10"]))
        filing = filing_for_claim(draft, User.by_username("officer"))
        schedule = db.session.scalar(select(RateSchedule.id).order_by(RateSchedule.id))
        db.session.commit()
        return pages(codes, str(filing.client_uuid), schedule)


def speak(app, language: str) -> None:
    with app.app_context():
        db.session.execute(update(User).values(language=language))
        db.session.commit()


def test_every_page_fits_a_tablet_in_every_language(app, browser, live_server, demo, world,
                                                     tmp_path):
    people = {username: Person(browser, live_server, tmp_path, username)
              for username in world}
    for username, person in people.items():
        person.login(username, demo)
    problems = []
    for language in LANGUAGES:
        speak(app, language)
        for username, paths in world.items():
            person = people[username]
            for path in paths:
                response = person.page.goto(live_server + path)
                assert response.status == 200, f"{username} {path}: {response.status}"
                label = f"{language}-{path.strip('/').replace('/', '_')[-32:]}"
                person.shot(label)
                found = person.page.evaluate(MEASURE, TAP)
                problems += [f"{language} {username} {path}: {p}" for p in found]
    for person in people.values():
        person.close()
    assert problems == [], "\n".join(problems[:80]) + f"\n({len(problems)} in all)"
