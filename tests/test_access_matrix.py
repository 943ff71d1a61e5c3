"""The access matrix: every route of the URL map (pages and API, every method) called as every
role and anonymously, on a claim in the caller's area, one outside it and one that does not
exist, compared with the table below. A route without an entry fails the test, so no new route
escapes review (issue 8)."""

import re
import uuid

import pytest

from hwc.accounts.models import User
from hwc.claims.codes import generate_code
from hwc.claims.filing import start_filing
from hwc.extensions import db
from hwc.rates.models import RateSchedule
from hwc.workflow.service import perform
from tests.factories import claim_body, import_rates, make_claim

ROLES = ("anonymous", "officer", "verifier", "approver", "finance", "auditor", "admin")
TARGETS = ("mine", "foreign", "missing")

# One letter per role, in ROLES order:
#   L  refused as not logged in (a redirect to the login page, or 401)
#   F  403 forbidden          M  404 not found (outside the area answers as if missing)
#   K  reached: the request was handled (2xx, 3xx other than to login, 400, 409 or 422)
# A route with parameters has one string per target (mine, foreign, missing); one string
# means the same for all three.
EXPECTED = {
    # accounts
    ("accounts.login", "GET"): "KKKKKKK",
    ("accounts.login", "POST"): "KKKKKKK",
    ("accounts.logout", "POST"): "LKKKKKK",
    ("accounts.users", "GET"): "LFFFFFK",
    ("accounts.new_user", "GET"): "LFFFFFK",
    ("accounts.new_user", "POST"): "LFFFFFK",
    ("accounts.edit_user", "GET"): ("LFFFFFK", "LFFFFFK", "LFFFFFM"),
    ("accounts.edit_user", "POST"): ("LFFFFFK", "LFFFFFK", "LFFFFFM"),
    ("accounts.deactivate", "POST"): ("LFFFFFK", "LFFFFFK", "LFFFFFM"),
    ("accounts.reactivate", "POST"): ("LFFFFFK", "LFFFFFK", "LFFFFFM"),
    ("accounts.reset_password", "POST"): ("LFFFFFK", "LFFFFFK", "LFFFFFM"),
    ("accounts.end_sessions", "POST"): ("LFFFFFK", "LFFFFFK", "LFFFFFM"),
    # api: tokens and reads
    ("api.token", "POST"): "KKKKKKK",
    ("api.revoke", "DELETE"): "LKKKKKK",
    ("api.me", "GET"): "LKKKKKK",
    ("api.regions", "GET"): "LKKKKKK",
    ("api.openapi", "GET"): "KKKKKKK",
    ("api.public_status", "GET"): ("KKKKKKK", "KKKKKKK", "MMMMMMM"),
    ("api.claims", "GET"): "LKKKKKK",
    ("api.claim", "GET"): ("LKKKKKK", "LMMMMMM", "LMMMMMM"),
    ("api.create", "POST"): "LKFFFFF",
    ("api.evidence_file", "GET"): ("LKKKKKK", "LMMMMMM", "LMMMMMM"),
    ("api.upload_evidence", "POST"): ("LFFFFFF", "LMMMMMM", "LMMMMMM"),  # submitted: nobody
    ("api.transition", "POST"): ("LKKKKKK", "LMMMMMM", "LMMMMMM"),
    # claims: office pages
    ("claims.queue", "GET"): "LFKKKKK",  # an officer's queue is "My claims"
    ("claims.batch_approve", "POST"): "LFFKFFF",
    ("claims.claim_page", "GET"): ("LKKKKKK", "LMMMMMM", "LMMMMMM"),
    ("claims.act", "POST"): ("LFKFFFF", "LMMMMMM", "LMMMMMM"),  # start_verification
    ("claims.acknowledge", "POST"): ("LFKFFFF", "LMMMMMM", "LMMMMMM"),  # who may act on it
    ("claims.evidence_file", "GET"): ("LKKKKKK", "LMMMMMM", "LMMMMMM"),
    # claims: the tablet
    ("claims.my_claims", "GET"): "LKFFFFF",
    ("claims.new_filing", "GET"): "LKFFFFF",
    ("claims.new_filing", "POST"): "LKFFFFF",
    ("claims.file_step", "GET"): ("LKFFFFF", "LKFFFFF", "LKFFFFF"),
    ("claims.file_step", "POST"): ("LKFFFFF", "LKFFFFF", "LKFFFFF"),
    ("claims.edit_claim", "POST"): ("LKFFFFF", "LMFFFFF", "LMFFFFF"),
    ("claims.filed", "GET"): ("LKFFFFF", "LMFFFFF", "LMFFFFF"),
    # core
    ("core.index", "GET"): "LKKKKKK",
    ("core.workspace", "GET"): "LKKKKKK",
    ("core.health", "GET"): "KKKKKKK",
    ("core.set_language", "POST"): "KKKKKKK",
    ("core.settings", "GET"): "LFFFFFK",
    ("core.settings", "POST"): "LFFFFFK",
    # dashboard and exports
    ("dashboard.dashboard", "GET"): "LFKKKKK",
    ("dashboard.export", "GET"): "LFKKKKK",
    # rates and regions (administrators)
    ("rates.index", "GET"): "LFFFFFK",
    ("rates.import_page", "GET"): "LFFFFFK",
    ("rates.import_page", "POST"): "LFFFFFK",
    ("rates.schedule", "GET"): ("LFFFFFK", "LFFFFFK", "LFFFFFM"),
    ("regions.index", "GET"): "LFFFFFK",
    ("regions.new", "GET"): "LFFFFFK",
    ("regions.new", "POST"): "LFFFFFK",
    ("regions.edit", "GET"): ("LFFFFFK", "LFFFFFK", "LFFFFFM"),
    ("regions.edit", "POST"): ("LFFFFFK", "LFFFFFK", "LFFFFFM"),
}


def routes(app) -> list[tuple[str, str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, rule.rule))
    return found


def test_every_route_has_an_entry(app):
    keys = {(endpoint, method) for endpoint, method, _rule in routes(app)}
    assert not keys - set(EXPECTED), f"add to EXPECTED: {sorted(keys - set(EXPECTED))}"
    assert not set(EXPECTED) - keys, f"stale entries: {sorted(set(EXPECTED) - keys)}"


class Matrix:
    """The world one route is probed in: a Hunchun claim (the demo users' own area), a
    Khasansky one, and for each parameter a value per target."""

    def __init__(self, app):
        with app.app_context():
            import_rates()
            import_rates("RU-PRI-KHS", text="kind,category,condition,unit,basis,rate,cap,"
                         "currency\nlivestock,cattle,,head,per_unit,90000,,RUB\n")
            mine = make_claim("submitted")
            foreign = make_claim("draft", officer="ru_officer", body=claim_body(
                village="RU-PRI-KHS-SL", claimant={"name": "Иван", "phone": "+79241234567",
                                                   "language": "ru"}))
            perform(foreign, "submit", actor=User.by_username("ru_officer"))
            foreign_filing = start_filing(User.by_username("ru_officer"))
            victim = User.by_username("ru_auditor")
            schedule = db.session.scalars(db.select(RateSchedule)).first()
            self.values = {
                "code": (mine.code, foreign.code, generate_code()),
                "evidence_id": (mine.evidence[0].id, foreign.evidence[0].id, 99_999),
                "client_uuid": (str(uuid.uuid4()), str(foreign_filing.client_uuid),
                                str(uuid.uuid4())),
                "step": ("claimant",) * 3,
                "action": ("start_verification",) * 3,
                "user_id": (victim.id, User.by_username("officer").id, 99_999),
                "schedule_id": (schedule.id, schedule.id, 99_999),
                "fmt": ("csv",) * 3,
            }
            self.region_codes = ("CN-JL-HC", "RU-PRI-KHS", "XX-NOWHERE")
            db.session.commit()

    def url(self, rule: str, target: int) -> str:
        def value(match):
            name = match.group(1).split(":")[-1]
            if name == "code" and "/regions/" in rule:
                return self.region_codes[target]
            return str(self.values[name][target])

        return re.sub(r"<([^>]+)>", value, rule)


def category(response) -> str:
    status = response.status_code
    location = response.headers.get("Location", "")
    if status == 401 or (status == 302 and "/login" in location and "next=" in location):
        return "L"
    if status >= 500 or status == 405:
        return "E"
    return {403: "F", 404: "M"}.get(status, "K")


def client_for(app, role: str, password: str):
    client = app.test_client()
    if role == "anonymous":
        return client, {}
    client.post("/login", data={"username": role, "password": password})
    token = client.post("/api/v1/token", json={"username": role, "password": password})
    return client, {"Authorization": f"Bearer {token.get_json()['token']}"}


@pytest.mark.parametrize(("endpoint", "method"), sorted(EXPECTED))
def test_route_answers_each_role_as_the_table_says(app, demo, endpoint, method):
    rule = next(r for e, m, r in routes(app) if (e, m) == (endpoint, method))
    expected = EXPECTED[(endpoint, method)]
    expected = (expected,) * 3 if isinstance(expected, str) else expected
    matrix = Matrix(app)
    got = ["", "", ""]
    for position, role in enumerate(ROLES):
        for target in range(3 if "<" in rule else 1):
            # A fresh session per call: a logout or a deactivation must not leak into the next.
            client, headers = client_for(app, role, demo)
            response = client.open(matrix.url(rule, target), method=method,
                                   headers=headers if rule.startswith("/api/") else {})
            got[target] += category(response)
        del position
    if "<" not in rule:
        got = [got[0]] * 3
    assert tuple(got) == expected, f"{method} {rule}: got {got}, table says {expected}"
