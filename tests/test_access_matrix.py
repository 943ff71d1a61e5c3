"""The access matrix: every route of the URL map (pages and API, every method) called as every
role (the demo's China admin ``admin`` and the whole system's ``root`` among them) and
anonymously, on a claim, user, region or schedule in the caller's area, one outside it and one
that does not exist, compared with the table below. A route without an entry fails the test,
so no new route escapes review (issue 8)."""

import re
import uuid
from decimal import Decimal

import pytest

from hwc.accounts.models import User
from hwc.claims.codes import generate_code
from hwc.claims.filing import start_filing
from hwc.extensions import db
from hwc.jobs.models import Job, JobStatus
from hwc.payments.budgets import create_budget, top_up
from hwc.payments.models import Budget, BudgetTopUp, Confirmation, PaymentRun
from hwc.payments.runs import create_run
from hwc.regions.models import Region
from hwc.vouchers.operations import issue_voucher
from hwc.workflow.service import perform
from tests.factories import (
    claim_body,
    import_rates,
    make_claim,
    make_khasansky_claim,
    one_colour_png,
)

ROLES = ("anonymous", "officer", "verifier", "approver", "finance", "auditor", "admin", "root")
TARGETS = ("mine", "foreign", "missing")

# One letter per role, in ROLES order:
#   L  refused as not logged in (a redirect to the login page, or 401)
#   F  403 forbidden          M  404 not found (outside the area answers as if missing)
#   K  reached: the request was handled (2xx, 3xx other than to login, 400, 409 or 422)
# A route with parameters has one string per target (mine, foreign, missing); one string
# means the same for all three.
EXPECTED = {
    # accounts
    ("accounts.login", "GET"): "KKKKKKKK",
    ("accounts.login", "POST"): "KKKKKKKK",
    ("accounts.logout", "POST"): "LKKKKKKK",
    ("accounts.users", "GET"): "LFFFFFKK",
    ("accounts.new_user", "GET"): "LFFFFFKK",
    ("accounts.new_user", "POST"): "LFFFFFKK",
    ("accounts.edit_user", "GET"): ("LFFFFFKK", "LFFFFFMK", "LFFFFFMM"),
    ("accounts.edit_user", "POST"): ("LFFFFFKK", "LFFFFFMK", "LFFFFFMM"),
    ("accounts.deactivate", "POST"): ("LFFFFFKK", "LFFFFFMK", "LFFFFFMM"),
    ("accounts.reactivate", "POST"): ("LFFFFFKK", "LFFFFFMK", "LFFFFFMM"),
    ("accounts.reset_password", "POST"): ("LFFFFFKK", "LFFFFFMK", "LFFFFFMM"),
    ("accounts.end_sessions", "POST"): ("LFFFFFKK", "LFFFFFMK", "LFFFFFMM"),
    # api: tokens and reads
    ("api.token", "POST"): "KKKKKKKK",
    ("api.revoke", "DELETE"): "LKKKKKKK",
    ("api.me", "GET"): "LKKKKKKK",
    ("api.regions", "GET"): "LKKKKKKK",
    ("api.openapi", "GET"): "KKKKKKKK",
    ("api.public_status", "GET"): ("KKKKKKKK", "KKKKKKKK", "MMMMMMMM"),
    ("api.claims", "GET"): "LKKKKKKK",
    ("api.claim", "GET"): ("LKKKKKKK", "LMMMMMMK", "LMMMMMMM"),
    ("api.create", "POST"): "LKFFFFFF",
    ("api.evidence_file", "GET"): ("LKKKKKKK", "LMMMMMMK", "LMMMMMMM"),
    ("api.upload_evidence", "POST"): ("LFFFFFFF", "LMMMMMMF", "LMMMMMMM"),  # submitted: nobody
    ("api.transition", "POST"): ("LKKKKKKK", "LMMMMMMK", "LMMMMMMM"),
    # api: vouchers (the claim probed is submitted: finance reaches the step and hears 409)
    ("api.issue_claim_voucher", "POST"): ("LFFFKFFF", "LMMMMMMF", "LMMMMMMM"),
    ("api.voucher", "GET"): ("LKKKKKKK", "LMMMMMMK", "LMMMMMMM"),
    ("api.voucher_pdf", "GET"): ("LKKKKKKK", "LMMMMMMK", "LMMMMMMM"),
    ("api.voucher_payment", "POST"): ("LFFFKFFF", "LMMMMMMF", "LMMMMMMM"),
    ("api.voucher_void", "POST"): ("LFFFKFFF", "LMMMMMMF", "LMMMMMMM"),
    # claims: office pages
    ("claims.queue", "GET"): "LFKKKKKK",  # an officer's queue is "My claims"
    ("claims.batch_approve", "POST"): "LFFKFFFF",
    ("claims.claim_page", "GET"): ("LKKKKKKK", "LMMMMMMK", "LMMMMMMM"),
    ("claims.act", "POST"): ("LFKFFFFF", "LMMMMMMF", "LMMMMMMM"),  # start_verification
    ("claims.acknowledge", "POST"): ("LFKFFFFF", "LMMMMMMF", "LMMMMMMM"),  # who may act on it
    ("claims.evidence_file", "GET"): ("LKKKKKKK", "LMMMMMMK", "LMMMMMMM"),
    ("claims.delete_photo", "POST"): ("LFFFFFFF", "LMMMMMMF", "LMMMMMMM"),  # submitted: nobody
    # claims: the tablet
    ("claims.my_claims", "GET"): "LKFFFFFF",
    ("claims.new_filing", "GET"): "LKFFFFFF",
    ("claims.new_filing", "POST"): "LKFFFFFF",
    ("claims.file_step", "GET"): ("LKFFFFFF", "LKFFFFFF", "LKFFFFFF"),
    ("claims.file_step", "POST"): ("LKFFFFFF", "LKFFFFFF", "LKFFFFFF"),
    ("claims.delete_filing_page", "GET"): "LMFFFFFF",  # mine: a UUID with no filing
    ("claims.delete_filing_page", "POST"): "LMFFFFFF",
    ("claims.edit_claim", "POST"): ("LKFFFFFF", "LMFFFFFF", "LMFFFFFF"),
    ("claims.filed", "GET"): ("LKFFFFFF", "LMFFFFFF", "LMFFFFFF"),
    # vouchers: the office's pages, and the public check anyone reaches from the QR code
    ("vouchers.voucher_page", "GET"): ("LFKKKKKK", "LFMMMMMK", "LFMMMMMM"),
    ("vouchers.voucher_file", "GET"): ("LFKKKKKK", "LFMMMMMK", "LFMMMMMM"),
    ("vouchers.show_account", "POST"): ("LFFFKFFF", "LFMMMMMF", "LFMMMMMM"),
    ("vouchers.verify_page", "GET"): "KKKKKKKK",
    ("vouchers.verify_page_upper", "GET"): "KKKKKKKK",
    # sms: the gateway's calls (checked by address and secret), the public status page, the
    # phone simulator (console backend only, as in the tests); a report for no message is 404
    ("sms.inbound_kannel", "GET"): "KKKKKKKK",
    ("sms.delivery", "GET"): "MMMMMMMM",
    ("sms.status_page", "GET"): "KKKKKKKK",
    ("sms.phone", "GET"): "KKKKKKKK",
    ("sms.phone", "POST"): "KKKKKKKK",
    # the public notice (公示): public pages; the form answers 422 to the empty post
    ("notice.index", "GET"): "KKKKKKKK",
    ("notice.pdf", "GET"): "KKKKKKKK",
    ("notice.object_to_claim", "GET"): "KKKKKKKK",
    ("notice.object_to_claim", "POST"): "KKKKKKKK",
    # core
    ("core.index", "GET"): "LKKKKKKK",
    ("core.workspace", "GET"): "LKKKKKKK",
    ("core.health", "GET"): "KKKKKKKK",
    ("core.set_language", "POST"): "KKKKKKKK",
    # dashboard and exports
    ("dashboard.dashboard", "GET"): "LFKKKKKK",
    ("dashboard.export", "GET"): "LFKKKKKK",
    # the job queue (administrators; jobs belong to no region)
    ("jobs.index", "GET"): "LFFFFFKK",
    ("jobs.retry_job", "POST"): ("LFFFFFKK", "LFFFFFKK", "LFFFFFMM"),
    # loss vocabulary, rates and regions (administrators)
    ("losses.index", "GET"): "LFFFFFKK",
    ("losses.new", "GET"): "LFFFFFKK",
    ("losses.new", "POST"): "LFFFFFKK",
    ("rates.index", "GET"): "LFFFFFKK",
    ("rates.import_page", "GET"): "LFFFFFKK",
    ("rates.import_page", "POST"): "LFFFFFKK",
    ("rates.schedule", "GET"): ("LFFFFFKK", "LFFFFFMK", "LFFFFFMM"),
    ("regions.index", "GET"): "LFFFFFKK",
    ("regions.new", "GET"): "LFFFFFKK",
    ("regions.new", "POST"): "LFFFFFKK",
    ("regions.edit", "GET"): ("LFFFFFKK", "LFFFFFMK", "LFFFFFMM"),
    ("regions.edit", "POST"): ("LFFFFFKK", "LFFFFFMK", "LFFFFFMM"),
    # payment runs (finance; a run outside the area, or missing, is not found; a run's files
    # are there only once it is done)
    ("payments.runs", "GET"): "LFFFKFFF",
    ("payments.new_run", "GET"): "LFFFKFFF",
    ("payments.new_run", "POST"): "LFFFKFFF",
    ("payments.run_page", "GET"): ("LFFFKFFF", "LFFFMFFF", "LFFFMFFF"),
    ("payments.run_progress", "GET"): ("LFFFKFFF", "LFFFMFFF", "LFFFMFFF"),
    ("payments.cancel", "POST"): ("LFFFKFFF", "LFFFMFFF", "LFFFMFFF"),
    ("payments.run_pdf", "GET"): ("LFFFMFFF", "LFFFMFFF", "LFFFMFFF"),
    ("payments.run_bank_file", "GET"): ("LFFFMFFF", "LFFFMFFF", "LFFFMFFF"),
    # settings: a region's for the administrators of its area, the deployment's for root only
    ("settings.region_settings", "GET"): ("LFFFFFKK", "LFFFFFMK", "LFFFFFMM"),
    ("settings.region_settings", "POST"): ("LFFFFFKK", "LFFFFFMK", "LFFFFFMM"),
    ("settings.add_interest_rate", "POST"): ("LFFFFFKK", "LFFFFFMK", "LFFFFFMM"),
    ("settings.deployment", "GET"): "LFFFFFFK",
    ("settings.deployment", "POST"): "LFFFFFFK",
    # payments: the bank's confirmation files (finance imports; auditors read the reports)
    ("payments.confirmations", "GET"): ("LFFFKKFF", "LFFFMMFF", "LFFFMMFF"),
    ("payments.confirmations", "POST"): ("LFFFKFFF", "LFFFMMFF", "LFFFMMFF"),
    ("payments.confirmation", "GET"): ("LFFFKKFF", "LFFFMMFF", "LFFFMMFF"),
    # budgets: finance keeps them, auditors read them (an empty post is refused with 422)
    ("payments.budgets", "GET"): "LFFFKKFF",
    ("payments.create_budget", "POST"): "LFFFKFFF",
    ("payments.budget", "GET"): ("LFFFKKFF", "LFFFMMFF", "LFFFMMFF"),
    ("payments.add_top_up", "POST"): ("LFFFKFFF", "LFFFMFFF", "LFFFMFFF"),
    ("payments.top_up_document", "GET"): ("LFFFKKFF", "LFFFMMFF", "LFFFMMFF"),
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


def empty_run(region_code: str, username: str) -> PaymentRun:
    """A payment run of the region with no items yet, against a budget of its own."""
    user, region = User.by_username(username), Region.by_code(region_code)
    budget = Budget(region=region, year=2026, fund="matrix", currency="CNY",
                    created_by_id=user.id)
    run = PaymentRun(region=region, budget=budget, currency="CNY", created_by_id=user.id)
    db.session.add_all([budget, run])
    db.session.flush()
    return run


def _payment_run(username: str, claim, region_code: str, currency: str):
    """A run (not yet worked on) paying ``claim`` from a new budget of ``region_code``."""
    actor = User.by_username(username)
    budget = Budget(region_id=Region.by_code(region_code).id, year=2026, fund="matrix",
                    currency=currency, created_by_id=actor.id)
    db.session.add(budget)
    db.session.flush()
    db.session.add(BudgetTopUp(budget_id=budget.id, amount=Decimal(10_000_000),
                               document_reference="matrix", created_by_id=actor.id))
    return create_run(actor=actor, budget_id=budget.id, codes=[claim.code])


def budget_with_document(username: str, region_code: str):
    actor = User.by_username(username)
    budget = create_budget(actor=actor, region_code=region_code, year=2025, fund="Fund")
    top_up(budget, actor=actor, amount="1000", document_reference="R-1",
           document=one_colour_png(8, 8), document_name="grant.png")
    return budget


class Matrix:
    """The world one route is probed in: a Hunchun claim, user, region and schedule (the demo
    users' own area), Khasansky ones, and for each parameter a value per target."""

    def __init__(self, app):
        with app.app_context():
            schedule = import_rates()
            foreign_schedule = import_rates(
                "RU-PRI-KHS", text="kind,category,condition,unit,basis,rate,cap,"
                "currency\nlivestock,cattle,,head,per_unit,90000,,RUB\n")
            mine = make_claim("submitted")
            foreign = make_claim("draft", officer="ru_officer", body=claim_body(
                village="RU-PRI-KHS-SL", claimant={"name": "Иван", "phone": "+79241234567",
                                                   "language": "ru"}))
            perform(foreign, "submit", actor=User.by_username("ru_officer"))
            foreign_filing = start_filing(User.by_username("ru_officer"))
            vouchers = (issue_voucher(make_claim("approved"), actor=User.by_username("finance")),
                        issue_voucher(make_khasansky_claim("approved"),
                                      actor=User.by_username("ru_finance")))
            runs = [_payment_run("finance", make_claim("approved"), "CN-JL-HC", "CNY"),
                    _payment_run("ru_finance", make_khasansky_claim("approved"), "RU-PRI-KHS",
                                 "RUB")]
            confirmations = [Confirmation(run_id=run.id, file_name="bank.csv", sha256="0" * 64,
                                          created_by_id=run.created_by_id) for run in runs]
            db.session.add_all(confirmations)
            failed_jobs = [Job(kind="sms.send", payload={}, status=JobStatus.failed,
                               attempts=8, max_attempts=8) for _ in range(2)]
            db.session.add_all(failed_jobs)
            db.session.flush()
            budgets = [budget_with_document(username, region) for username, region in
                       (("finance", "CN-JL-HC"), ("ru_finance", "RU-PRI-KHS"))]
            # Users whom no probe logs in as: a deactivation or a new password harms no one.
            victim, foreign_victim = User.by_username("senior"), User.by_username("ru_auditor")
            self.values = {
                "code": (mine.code, foreign.code, generate_code()),
                "evidence_id": (mine.evidence[0].id, foreign.evidence[0].id, 99_999),
                "client_uuid": (str(uuid.uuid4()), str(foreign_filing.client_uuid),
                                str(uuid.uuid4())),
                "step": ("claimant",) * 3,
                "action": ("start_verification",) * 3,
                "user_id": (victim.id, foreign_victim.id, 99_999),
                "schedule_id": (schedule.id, foreign_schedule.id, 99_999),
                "fmt": ("csv",) * 3,
                "number": (vouchers[0].number, vouchers[1].number, "HC-209901-99999"),
                "run_id": (runs[0].id, runs[1].id, 99_999),
                "confirmation_id": (confirmations[0].id, confirmations[1].id, 99_999),
                "job_id": (failed_jobs[0].id, failed_jobs[1].id, 99_999),
                "payload": (vouchers[0].seal, vouchers[1].seal, "FORGED" * 10),
                "budget_id": (budgets[0].id, budgets[1].id, 99_999),
                "top_up_id": (budgets[0].top_ups[0].id, budgets[1].top_ups[0].id, 99_999),
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
            response.close()  # a streamed export holds its request's context until closed
        del position
    if "<" not in rule:
        got = [got[0]] * 3
    assert tuple(got) == expected, f"{method} {rule}: got {got}, table says {expected}"
