"""No 500 from any form: junk posted to every HTML form of the URL map (and put in the query
string of the pages that filter), as a user allowed there. Every refusal carries a message.

``TARGETS`` says, for each endpoint that takes a POST, who may post there, where, and a valid
submission the junk starts from (so it reaches past the first check). A new POST route without an
entry fails ``test_every_form_is_fuzzed``. Bounded and derandomized: the same cases every run."""

import io
import re
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter

from hwc.accounts.models import User
from hwc.claims.evidence import add_evidence
from hwc.claims.filing import save_claimant, save_incident, save_losses, start_filing
from hwc.core.db import utcnow
from hwc.core.edge import MAX_ID
from hwc.extensions import db
from hwc.jobs.models import Job, JobStatus
from hwc.payments.budgets import create_budget, top_up
from hwc.payments.runs import create_run
from hwc.regions.models import Region
from hwc.vouchers.models import Voucher
from tests.factories import HUNCHUN_RATES, import_rates, jpeg_bytes, make_claim
from tests.test_admin import NEW_PASSWORD, new_user_data, profile_data, region_data, settings_data
from tests.test_filing_pages import CLAIMANT, INCIDENT, LOSSES
from tests.test_vocabulary import term_data

EXAMPLES = 25  # per target: a second or two each
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])


@dataclass(frozen=True)
class Target:
    """Where junk goes: ``url`` (with ``{names}`` from the world) as the demo user ``role`` (None:
    anonymous), starting from the ``valid`` submission; ``files`` are its upload fields."""

    role: str | None
    url: str
    valid: dict = field(default_factory=dict)
    files: tuple[str, ...] = ()
    method: str = "POST"


def act(action: str, **fields) -> dict:
    """A valid submission of the claim page's form for ``action`` (its fields are prefixed)."""
    return {f"{action}-{name}": value for name, value in fields.items()}


VERIFY = act("verify", version="{version}", findings="tracks of a tiger", comment="",
             **{"rows-0-quantity": "2", "rows-0-unit_value": "", "rows-1-quantity": "3",
                "rows-1-unit_value": ""})
FILTERS = {"region": "CN-JL-HC-CH", "status": "submitted", "species": "amur_tiger",
           "date_from": "2026-01-01", "date_to": "2026-12-31", "overdue": "1", "sort": "due",
           "after": ""}

TARGETS: dict[str, list[Target]] = {
    "payments.create_budget": [Target("finance", "/payments/budgets", {
        "region": "CN-JL-HC", "year": "2026", "fund": "Provincial fund"})],
    "payments.add_top_up": [Target("finance", "/payments/budgets/{budget}/top-ups", {
        "amount": "-10.50", "document_reference": "JCZ-1", "note": "", "document": "pdf"},
        files=("document",))],
    "accounts.login": [Target(None, "/login", {"username": "officer", "password": "wrong-one",
                                               "next": "/queue"})],
    "accounts.logout": [Target("officer", "/logout")],
    "core.set_language": [Target("officer", "/language", {"language": "ru", "next": "/mine"})],
    "accounts.new_user": [Target("admin", "/admin/users/new", new_user_data())],
    "accounts.edit_user": [Target("admin", "/admin/users/{officer_id}",
                                  profile_data(role="village_officer",
                                               region="CN-JL-HC-CH"))],
    "accounts.deactivate": [Target("admin", "/admin/users/{officer_id}/deactivate")],
    "accounts.end_sessions": [Target("admin", "/admin/users/{officer_id}/sessions")],
    "accounts.reactivate": [Target("admin", "/admin/users/{officer_id}/reactivate")],
    "accounts.reset_password": [Target("admin", "/admin/users/{officer_id}/password",
                                       {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})],
    "regions.new": [Target("admin", "/admin/regions/new", region_data())],
    "regions.edit": [Target("admin", "/admin/regions/CN-JL-HC-CH",
                            region_data(code=None, parent="CN-JL-HC"))],
    "settings.deployment": [Target("root", "/admin/settings", settings_data(
        voucher_number_format="{{prefix}}-{{year}}-{{seq:6}}"))],
    "settings.region_settings": [Target("admin", "/admin/regions/CN-JL-HC/settings", {
        "time_zone": "Asia/Shanghai", "currency": "CNY", "second_approval_above": "10000",
        "report_within_hours": "72", "inspect_within_days": "7", "decide_within_days": "14",
        "pay_within_days": "30", "duplicate_window_days": "30",
        "voucher_authority": "珲春市林业和草原局", "office_language": "zh_Hans",
        "voucher_prefix": "HC",
        "voucher_number_format": "{{prefix}}-{{year}}{{month}}-{{seq:5}}"})],
    "settings.add_interest_rate": [Target("admin", "/admin/regions/CN-JL-HC/interest-rates", {
        "rate-effective_from": "2026-01-01", "rate-rate": "6.25"})],
    "losses.new": [Target("admin", "/admin/vocabulary/new", term_data()),
                   Target("admin", "/admin/vocabulary/new", term_data(
                       term_type="kind", kind="", code="fishery", region="CN-JL-HC"))],
    "rates.import_page": [Target("admin", "/admin/rates/import",
                                 {"region": "{rates_region}", "effective_from": "2026-01-01",
                                  "name": "2026", "csv_file": "rates"}, files=("csv_file",))],
    "claims.new_filing": [Target("officer", "/file/new", {"client_uuid": "{filed}"})],
    "claims.edit_claim": [Target("officer", "/claims/{submitted}/edit")],
    "claims.delete_photo": [Target("officer", "/claims/{filed_code}/evidence/{filed_photo}/delete",
                                   {"back": "filing"})],
    "claims.delete_filing_page": [Target("officer", "/file/{unfinished}/delete")],
    "claims.file_step": [
        Target("officer", "/file/{fresh}/claimant", CLAIMANT),
        Target("officer", "/file/{fresh}/incident", INCIDENT),
        Target("officer", "/file/{fresh}/losses", LOSSES),
        Target("officer", "/file/{filed}/photos", {"photos": "photo", "upload": "1",
                                                   "caption-{filed_photo}": "a cow"},
               files=("photos",)),
        Target("officer", "/file/{filed}/review", {"client_uuid": "{filed}"}),
    ],
    "claims.act": [
        Target("verifier", "/claims/{under_verification}/act/verify", VERIFY),
        Target("verifier", "/claims/{under_verification}/act/return",
               act("return", version="{version}", comment="which cow?")),
        Target("verifier", "/claims/{under_verification}/act/propose_rejection",
               act("propose_rejection", version="{version}", reason="duplicate",
                   comment="filed twice")),
        Target("approver", "/claims/{verified}/act/approve",
               act("approve", version="{version}", comment="")),
        Target("approver", "/claims/{verified}/act/reject",
               act("reject", version="{version}", reason="not_eligible", comment="no")),
        Target("approver", "/claims/{verified}/act/send_back",
               act("send_back", version="{version}", comment="check again")),
        Target("officer", "/claims/{rejected}/act/appeal",
               act("appeal", version="{version}", comment="it was a tiger")),
        Target("officer", "/claims/{submitted}/act/withdraw",
               act("withdraw", version="{version}", comment="paid by the insurer")),
        Target("verifier", "/claims/{under_verification}/act/{action}",
               act("verify", version="{version}")),
        Target("finance", "/claims/{approved}/act/issue_voucher",
               act("issue_voucher", version="{version}", comment="")),
        Target("finance", "/claims/{approved}/act/issue_voucher",
               act("issue_voucher", version="{version}", comment="", budget_id="{budget}")),
        Target("finance", "/claims/{voucher_issued}/act/record_payment",
               act("record_payment", version="{version}", method="bank", reference="ICBC-1",
                   paid_on="", comment="")),
        Target("finance", "/claims/{voucher_issued}/act/void_voucher",
               act("void_voucher", version="{version}", comment="wrong payee")),
    ],
    "vouchers.show_account": [Target("finance", "/vouchers/{voucher}/account")],
    "sms.phone": [Target(None, "/dev/phone", {"phone": "+8613800000001", "text": "HELP"})],
    "notice.object_to_claim": [Target(None, "/notice/object", {
        "code": "K7M3-Q9X2-T", "reason": "The cattle died of disease last winter.",
        "contact": "+8613900000000"})],
    "jobs.retry_job": [Target("admin", "/admin/jobs/{failed_job}/retry")],
    "payments.confirmations": [Target("finance", "/payments/runs/{run}/confirmations",
                                      {"csv_file": "bank"}, files=("csv_file",))],
    "payments.new_run": [Target("finance", "/payments/runs/new",
                                {"budget": "{budget}", "mode": "chosen", "codes": ["{approved}"]}),
                         Target("finance", "/payments/runs/new",
                                {"budget": "{budget}", "mode": "auto"})],
    "payments.cancel": [Target("finance", "/payments/runs/{run}/cancel")],
    "claims.acknowledge": [Target("verifier", "/claims/{under_verification}/acknowledge-flags",
                                  {"flags": ["duplicate_incident", "reused_photo"]})],
    "claims.batch_approve": [Target("approver", "/queue/approve",
                                    {"codes": ["{verified}", "{submitted}"]})],
    # Pages that read filters from the query string.
    "claims.queue": [Target("verifier", "/queue", FILTERS, method="GET"),
                     Target("auditor", "/queue", {**FILTERS, "sort": "amount"}, method="GET")],
    "dashboard.export": [Target("auditor", "/exports/claims.csv", FILTERS, method="GET")],
}

# --- junk --------------------------------------------------------------------------------

ODD = ["", " ", "\t", "NaN", "nan", "sNaN", "Infinity", "-Infinity", "1e999", "-1e999", "-1",
       "1e-999999", "999999999999", "0E-1000000",
       "0", "-0", "0.0000001", "9" * 40, "1" + "0" * 400, "1_000", "١٢", "²", "0x10", "1,5",
       "0001-01-01", "9999-12-31", "1969-12-31", "2026-02-30", "00:00", "24:00", "23:59:60",
       "on", "y", "true", "None", "null", "[]", "{}", "'; DROP TABLE users; --",
       "<script>alert(1)</script>", "\x00", "a\x00b", "\ufeff", "\u202e", "x" * 10_000,
       "//evil.example", "/%09/evil.example", "\r\nSet-Cookie: a=b"]
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)  # control chars too
JUNK = st.one_of(st.sampled_from(ODD), TEXT,
                 st.integers(min_value=-(10**30), max_value=10**30).map(str),
                 st.floats().map(repr))
MISSING = object()
CHANGE = st.one_of(JUNK, st.just(MISSING), st.lists(JUNK, min_size=2, max_size=3))
UPLOAD = st.one_of(st.binary(max_size=300), st.sampled_from([
    b"", jpeg_bytes(), HUNCHUN_RATES.encode(), "\ufeffkind,category\n".encode(),
    HUNCHUN_RATES.replace("6000", "1e999").encode(), b"\xff\xfe\x00\x00",
    HUNCHUN_RATES.replace("6000", "-1").encode(), HUNCHUN_RATES.encode("utf-16"),
    "reference;amount;paid_on\nHC-1;1e999;2026-02-30\n".encode("gbk")]))


def junked(valid: dict, changes: dict, extra: dict) -> dict:
    data = {**valid, **extra}
    for name, change in changes.items():
        if change is MISSING:
            data.pop(name, None)
        else:
            data[name] = change
    return data


def submissions(target: Target):
    names = sorted(target.valid) or ["x"]
    return st.builds(junked, st.just(target.valid),
                     st.dictionaries(st.sampled_from(names), CHANGE, max_size=len(names)),
                     st.dictionaries(TEXT, JUNK, max_size=2))


# --- what an answer must be --------------------------------------------------------------

MESSAGE = re.compile(
    r'class="(?:field-error|flash flash-error)"[^>]*>\s*[^<\s]'   # a form error or a flash
    r'|<h1>\d{3}</h1>\s*<p>\s*[^<\s]'                              # the error page
    r'|class="import-problems"')                                   # the rate import's list


def assert_answer_is_not_an_error(response, data) -> None:
    shown = repr(data)[:400]
    assert response.status_code < 500, shown
    if 400 <= response.status_code < 500:
        assert MESSAGE.search(response.get_data(as_text=True)), (response.status_code, shown)


# --- the world the forms act on ------------------------------------------------------------

@pytest.fixture
def world(app, demo):
    """The ids, codes and filings the targets' URLs name, and each claim's row version."""
    with app.app_context():
        import_rates()
        claims = {status: make_claim(status) for status in
                  ("submitted", "under_verification", "verified", "rejected", "approved",
                   "voucher_issued")}
        officer = User.by_username("officer")
        fresh, filed = start_filing(officer), start_filing(officer)
        unfinished = start_filing(officer)
        save_claimant(filed, CLAIMANT["village"], CLAIMANT, actor=officer)
        save_incident(filed, {"occurred_at": (utcnow() - timedelta(days=1)).isoformat(),
                              "species": "amur_tiger"}, actor=officer)
        save_losses(filed, [{"kind": "livestock", "category": "cattle", "condition": "dead",
                             "quantity": "1", "unit": "head"}], actor=officer)
        photo = add_evidence(filed.claim, jpeg_bytes(), actor=officer)
        failed_job = Job(kind="sms.send", payload={}, status=JobStatus.failed, attempts=8,
                         max_attempts=8)
        db.session.add(failed_job)
        finance = User.by_username("finance")
        budget = create_budget(actor=finance, region_code="CN-JL-HC", year=2026, fund="Fund")
        top_up(budget, actor=finance, amount="10000000", document_reference="R-1")
        run = create_run(actor=finance, budget_id=budget.id, codes=[make_claim("approved").code])
        db.session.commit()
        return {"officer_id": officer.id, "rates_region": Region.by_code("CN-JL-HC").id,
                "fresh": fresh.client_uuid, "filed": filed.client_uuid,
                "unfinished": unfinished.client_uuid, "filed_code": filed.claim.code,
                "filed_photo": photo.id, "failed_job": failed_job.id, "budget": budget.id,
                "run": run.id, "voucher": db.session.scalar(
                    db.select(Voucher.number).where(
                        Voucher.claim_id == claims["voucher_issued"].id)),
                **{status: claim.code for status, claim in claims.items()},
                "versions": {claim.code: claim.version for claim in claims.values()}}


def filled(value, world: dict, version: int):
    if isinstance(value, list):
        return [filled(item, world, version) for item in value]
    if isinstance(value, str) and "{" in value and "}" in value:
        return value.format(**world, version=version, action="{action}")
    return value


def login(app, username: str | None, password: str):
    client = app.test_client()
    if username is not None:
        assert client.post("/login", data={"username": username,
                                           "password": password}).status_code == 302
    return client


CASES = [pytest.param(endpoint, target, id=f"{endpoint}:{target.url}")
         for endpoint, targets in TARGETS.items() for target in targets]


@pytest.mark.parametrize(("endpoint", "target"), CASES)
def test_junk_in_a_form_gets_no_server_error_and_refusals_say_why(app, demo, world, endpoint,
                                                                  target):
    code = next((world[key] for key in ("under_verification", "verified", "rejected",
                                        "submitted", "approved", "voucher_issued")
                 if f"{{{key}}}" in target.url), None)
    version = world["versions"].get(code, 1)
    client = login(app, target.role, demo)
    valid = {filled(name, world, version): filled(value, world, version)
             for name, value in target.valid.items()}

    @FUZZ
    @given(data=submissions(Target(target.role, target.url, valid, target.files)),
           uploads=st.lists(UPLOAD, min_size=1, max_size=2),
           action=st.sampled_from(["verify", "fly", "submit", "approve", "x" * 300, "%00"]))
    def answers_without_error(data, uploads, action):
        url = target.url.format(**world, action=action)
        if target.method == "GET":
            response = client.get(url, query_string=data)
        else:
            for name in target.files:
                if name in data:
                    data[name] = [(io.BytesIO(raw), f"{name}.{n}") for n, raw in
                                  enumerate(uploads)]
            response = client.post(url, data=data, content_type="multipart/form-data"
                                   if target.files else None)
        assert_answer_is_not_an_error(response, data)

    answers_without_error()


# --- no route escapes --------------------------------------------------------------------

def test_every_form_is_fuzzed(app):
    posts = {rule.endpoint for rule in app.url_map.iter_rules()
             if "POST" in rule.methods and not rule.endpoint.startswith("api.")}
    missing = posts - set(TARGETS)
    assert not missing, f"add these endpoints to TARGETS in {__name__}: {sorted(missing)}"
    assert set(TARGETS) - posts == {"claims.queue", "dashboard.export"}


def test_every_integer_in_a_url_is_bounded_by_the_database(app):
    bounded = []
    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            if isinstance(converter, IntegerConverter):
                assert converter.max is not None and converter.max <= MAX_ID, (rule.rule, name)
                bounded.append(rule.endpoint)
    assert {"accounts.edit_user", "rates.schedule", "claims.evidence_file"} <= set(bounded)
