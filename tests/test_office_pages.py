"""The office pages through the Flask test client: queues, the claim page and its actions,
batch approval, evidence in scope, the dashboard and the exports."""

import base64
import csv
import io
import json
import re

import pytest
from openpyxl import load_workbook

from hwc.claims.models import Claim, ClaimStatus
from hwc.claims.queues import PAGE_SIZE
from hwc.extensions import db
from tests.factories import claim_body, make_claim, set_region_setting


@pytest.fixture
def office(login_as):
    def make(username):
        client = login_as(username)
        client.post("/language", data={"language": "en"})
        return client
    return make


@pytest.fixture
def claims(app, demo):
    """One claim in each of several statuses; returns {status: code}."""
    with app.app_context():
        codes = {status: make_claim(status).code
                 for status in ("submitted", "under_verification", "verified", "approved")}
        other = claim_body(village="CN-JL-HC-CH-DA")
        other["incident"]["species"] = "wild_boar"
        codes["boar"] = make_claim("submitted", body=other).code
        db.session.commit()
    return codes


def test_each_role_sees_only_what_waits_on_it(office, claims):
    verifier = office("verifier").get("/queue").get_data(as_text=True)
    assert shown(claims["submitted"]) in verifier
    assert shown(claims["verified"]) not in verifier
    approver = office("approver").get("/queue").get_data(as_text=True)
    assert shown(claims["verified"]) in approver
    assert shown(claims["submitted"]) not in approver
    finance = office("finance").get("/queue").get_data(as_text=True)
    assert shown(claims["approved"]) in finance


def version_of(app, code: str) -> str:
    with app.app_context():
        return str(Claim.by_code(code).version)


def shown(code: str) -> str:
    """The code as pages print it (XXXX-XXXX-C)."""
    return f"{code[:4]}-{code[4:8]}-{code[8:]}"


def next_link(page: str) -> str | None:
    found = re.search(r'href="(/queue\?[^"]*after=[^"]+)"', page)
    return found.group(1).replace("&amp;", "&") if found else None


def codes_on(page: str) -> list[str]:
    return re.findall(r'href="/claims/([0-9A-Z]{9})"', page)


@pytest.mark.parametrize("sort", ["due", "reported", "amount"])
def test_queue_pages_by_keyset_without_gaps_or_repeats(office, app, demo, sort):
    with app.app_context():
        filed = set()
        for n in range(PAGE_SIZE + 5):
            body = claim_body(claimant={"name": f"农户{n}", "phone": f"+86138000{n:05d}",
                                        "language": "zh_Hans"})
            body["losses"][0]["quantity"] = str(1 + n % 4)  # amounts that tie and differ
            filed.add(make_claim("submitted", body=body).code)
        db.session.commit()
    client = office("verifier")
    first = client.get(f"/queue?sort={sort}").get_data(as_text=True)
    second = client.get(next_link(first)).get_data(as_text=True)
    assert len(codes_on(first)) == PAGE_SIZE and len(codes_on(second)) == 5
    assert set(codes_on(first)) | set(codes_on(second)) == filed
    assert next_link(second) is None


def token_of(value) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize("token", [
    "not-base64!", token_of([1, 10**30]), token_of([{"d": "NaN"}, 1]), token_of([None, 1]),
    token_of([{"t": "2026-01-01T00:00:00"}, 1]), token_of([{"t": "2026-01-01T00:00:00+00:00"},
                                                          10**30]),
    token_of([{"d": "1e999999"}, 1]), token_of("[]"),
])
def test_tampered_page_token_starts_from_the_first_page(office, claims, token):
    for sort in ("due", "reported", "amount"):
        response = office("verifier").get(f"/queue?sort={sort}&after={token}")
        assert response.status_code == 200
        assert shown(claims["submitted"]) in response.get_data(as_text=True)


def test_queue_outside_scope_is_empty(office, claims):
    page = office("ru_verifier").get("/queue").get_data(as_text=True)
    assert "Nothing is waiting here." in page


@pytest.mark.parametrize(("query", "present", "absent"), [
    ("species=wild_boar", "boar", "submitted"),
    ("region=CN-JL-HC-CH-DA", "boar", "submitted"),
    ("status=under_verification", "under_verification", "submitted"),
])
def test_queue_filters(office, claims, query, present, absent):
    page = office("verifier").get(f"/queue?{query}").get_data(as_text=True)
    assert shown(claims[present]) in page and shown(claims[absent]) not in page


def test_queue_filter_errors_are_shown_not_500(office, claims):
    response = office("verifier").get("/queue?region=RU-PRI-KHS&date_from=yesterday&status=x")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choose a region in your area." in page and "Use a date such as" in page


def test_overdue_filter(office, claims, app):
    from datetime import timedelta

    from hwc.core.db import utcnow

    with app.app_context():
        claim = Claim.by_code(claims["submitted"])
        claim.due_at = utcnow() - timedelta(days=1)
        db.session.commit()
    page = office("verifier").get("/queue?overdue=1").get_data(as_text=True)
    assert shown(claims["submitted"]) in page
    assert shown(claims["boar"]) not in page and "Overdue" in page


def test_queue_keyset_pagination_visits_every_claim_once(office, app, demo):
    with app.app_context():
        codes = {make_claim("submitted").code for _ in range(42)}
        db.session.commit()
    client, seen, url = office("verifier"), [], "/queue?sort=reported"
    while url:
        page = client.get(url).get_data(as_text=True)
        seen += [c for c in codes if shown(c) in page]
        marker = 'href="/queue?'
        url = None
        if "Next page" in page:
            start = page.index(marker, page.index("Next page") - 300) + 6
            url = page[start:page.index('"', start)].replace("&amp;", "&")
    assert sorted(seen) == sorted(codes)


def test_claim_page_shows_actions_allowed_to_this_user_only(office, claims):
    page = office("verifier").get(f"/claims/{claims['under_verification']}").get_data(
        as_text=True)
    assert 'data-action="verify"' in page and 'data-action="return"' in page
    assert 'data-action="approve"' not in page
    auditor = office("auditor").get(f"/claims/{claims['under_verification']}").get_data(
        as_text=True)
    assert "data-action=" not in auditor and "Timeline" in auditor


def test_claim_page_masks_the_identity_number(office, claims):
    page = office("auditor").get(f"/claims/{claims['submitted']}").get_data(as_text=True)
    assert "1234" in page and "222401196501011234" not in page


def test_claim_outside_scope_is_404(office, claims):
    assert office("ru_auditor").get(f"/claims/{claims['submitted']}").status_code == 404


def test_claim_code_in_loose_form_redirects_to_the_normal_one(office, claims):
    code = claims["submitted"]
    response = office("auditor").get(f"/claims/{shown(code).lower()}")
    assert response.status_code == 302 and response.headers["Location"].endswith(code)


def test_verify_form_computes_the_amount(office, claims, app):
    client = office("verifier")
    code = claims["under_verification"]
    response = client.post(f"/claims/{code}/act/verify", data={
        "verify-version": version_of(app, code),
        "verify-rows-0-quantity": "1", "verify-rows-1-quantity": "2",
        "verify-findings": "tracks"})
    assert response.status_code == 302
    with app.app_context():
        claim = Claim.by_code(code)
        assert claim.status == ClaimStatus.verified and str(claim.assessed_total) == "6900.00"


@pytest.mark.parametrize(("action", "data", "message"), [
    ("return", {}, "This field is required."),
    ("propose_rejection", {"propose_rejection-comment": "x",
                           "propose_rejection-reason": "nonsense"}, "Not a valid choice"),
    ("verify", {"verify-rows-0-quantity": "-3"},
     "Row 1 (Cattle), assessed quantity: Must be at least 0."),
    ("verify", {"verify-rows-0-quantity": "1", "verify-rows-1-quantity": "2",
                "verify-rows-2-quantity": "5"}, "Not the position of a loss."),
    ("verify", {"verify-rows-0-quantity": "abc"},
     "Row 1 (Cattle), assessed quantity: Must be a number, such as 12 or 3.5."),
])
def test_action_form_errors_keep_the_claim_unchanged(office, claims, app, action, data,
                                                     message):
    code = claims["under_verification"]
    response = office("verifier").post(f"/claims/{code}/act/{action}", data={
        f"{action}-version": version_of(app, code), **data})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert Claim.by_code(code).status == ClaimStatus.under_verification


@pytest.mark.parametrize(("data", "message"), [
    ({"verify-rows-0-quantity": "1", "verify-rows-1-quantity": "abc"},
     "Row 2 (Maize), assessed quantity: Must be a number, such as 12 or 3.5."),
    ({"verify-rows-0-quantity": "-3", "verify-rows-1-quantity": "2"},
     "Row 1 (Cattle), assessed quantity: Must be at least 0."),
    ({"verify-rows-0-quantity": "1", "verify-rows-0-unit_value": "x",
      "verify-rows-1-quantity": "2"},
     "Row 1 (Cattle), value of one unit: Must be a number, such as 12 or 3.5."),
])
def test_verifier_errors_name_the_loss_row_that_is_wrong(office, claims, app, data, message):
    code = claims["under_verification"]
    response = office("verifier").post(f"/claims/{code}/act/verify", data={
        "verify-version": version_of(app, code), **data})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_a_loss_without_a_rate_is_named_by_its_row(office, app, demo):
    body = claim_body()
    body["losses"].append({"kind": "livestock", "category": "horse", "condition": "injured",
                           "quantity": "1", "unit": "head"})
    with app.app_context():
        code = make_claim("under_verification", body=body).code
        db.session.commit()
    response = office("verifier").post(f"/claims/{code}/act/verify", data={
        "verify-version": version_of(app, code), "verify-rows-0-quantity": "1",
        "verify-rows-1-quantity": "2", "verify-rows-2-quantity": "1"})
    assert response.status_code == 422
    assert "Row 3 (Horse): no rate in the schedule for this loss." in response.get_data(
        as_text=True)


@pytest.mark.parametrize("version", ["", "1", "abc", "²"])
def test_action_from_an_out_of_date_or_version_less_form_is_refused(office, claims, app,
                                                                    version):
    code = claims["under_verification"]  # version 3 by now: created, submitted, started
    response = office("verifier").post(f"/claims/{code}/act/verify", data={
        "verify-version": version, "verify-rows-0-quantity": "1",
        "verify-rows-1-quantity": "2"})
    assert response.status_code == 409
    assert "Someone else changed this claim in the meantime" in response.get_data(as_text=True)
    with app.app_context():
        assert Claim.by_code(code).status == ClaimStatus.under_verification


def test_forbidden_action_is_refused(office, claims, app):
    code = claims["under_verification"]
    response = office("approver").post(f"/claims/{code}/act/approve", data={
        "approve-version": version_of(app, code)})
    assert response.status_code == 409  # an approver's action, but not in this status
    with app.app_context():
        assert Claim.by_code(code).status == ClaimStatus.under_verification


def test_batch_approval_reports_each_claim(office, app, demo):
    with app.app_context():
        set_region_setting("CN", "second_approval_above", 100000)
        good = [make_claim("verified", photo=False, body=unflagged_body(n)).code
                for n in range(2)]
        pending = make_claim("submitted").code
        db.session.commit()
    response = office("approver").post("/queue/approve", data={"codes": [*good, pending]})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.count("✓") == 2 and page.count("✗") == 1
    with app.app_context():
        assert all(Claim.by_code(c).status == ClaimStatus.approved for c in good)
        assert Claim.by_code(pending).status == ClaimStatus.submitted


def unflagged_body(n: int) -> dict:
    """A crop claim of its own resident: nothing in it raises a warning."""
    body = claim_body()
    body["claimant"] = {"name": f"Resident {n}", "phone": f"+86138000001{n:02d}",
                        "language": "zh_Hans"}
    body["losses"] = body["losses"][1:]
    return body


def test_only_approvers_batch_approve(office, claims):
    assert office("verifier").post("/queue/approve", data={"codes": []}).status_code == 403


def test_evidence_thumbnails_only_in_scope(office, claims, app):
    with app.app_context():
        claim = Claim.by_code(claims["submitted"])
        url = f"/claims/{claim.code}/evidence/{claim.evidence[0].id}?thumb=1"
    response = office("auditor").get(url)
    assert response.status_code == 200 and response.data[:2] == b"\xff\xd8"
    assert office("ru_auditor").get(url).status_code == 404


def test_dashboard_counts_claims_in_scope(office, claims):
    page = office("auditor").get("/dashboard").get_data(as_text=True)
    assert 'data-kpi="total">5<' in page
    table = page[page.index("<tbody>"):page.index("</tbody>")]
    rows = re.findall(r"<tr><td[^>]*>([^<]+)</td><td[^>]*>(\d+)</td>", table)
    assert rows == [("Submitted", "2"), ("Under verification", "1"), ("Verified", "1"),
                    ("Approved", "1")]
    assert 'data-kpi="total">0<' in office("ru_auditor").get("/dashboard").get_data(
        as_text=True)


def test_dashboard_shows_rejected_and_withdrawn_amounts_apart_from_the_others(office, app,
                                                                             demo):
    """Rejected and withdrawn claims are neither summed with the live ones nor dropped: they
    have their own table, with what was claimed."""
    from decimal import Decimal

    from hwc.accounts.models import User
    from hwc.dashboard.stats import build_dashboard
    from hwc.workflow.service import perform

    with app.app_context():
        make_claim("approved")  # assessed 2 × 6000 + 3.5 mu × 450 = 13575.00
        make_claim("rejected")  # claimed 14000.00
        withdrawn_body = claim_body()
        withdrawn_body["losses"][0]["claimed_value"] = "5000"
        withdrawn = make_claim("submitted", body=withdrawn_body)
        perform(withdrawn, "withdraw", actor=User.by_username("officer"),
                comment="paid by the insurer")
        db.session.commit()
        board = build_dashboard(User.by_username("auditor"))
        assert [(str(s), c, n, a) for s, c, n, a in board.amount_rows] == [
            ("approved", "CNY", 1, Decimal("13575.00"))]
        assert [(str(s), c, n, a) for s, c, n, a in board.set_aside_rows] == [
            ("rejected", "CNY", 1, Decimal("14000.00")),
            ("withdrawn", "CNY", 1, Decimal("5000.00"))]
    page = office("auditor").get("/dashboard").get_data(as_text=True)
    live = page[page.index("<tbody>"):page.index("</tbody>")]
    assert "Rejected" not in live and "Withdrawn" not in live
    set_aside = page[page.index('data-set-aside'):]
    set_aside = set_aside[:set_aside.index("</table>")]
    rows = re.findall(r"<tr><td>([^<]+)</td><td>(\d+)</td><td[^>]*>([^<]+)</td>", set_aside)
    assert rows == [("Rejected", "1", "CN¥14,000.00"), ("Withdrawn", "1", "CN¥5,000.00")]


def test_dashboard_without_claims_says_so_instead_of_empty_charts(office, claims):
    full = office("auditor").get("/dashboard").get_data(as_text=True)
    empty = office("ru_auditor").get("/dashboard").get_data(as_text=True)
    assert "data-empty-chart" not in full and 'data-chart="status"' in full
    for name in ("status", "species", "month", "township"):
        assert f'data-empty-chart="{name}"' in empty
        assert f'data-chart="{name}"' not in empty
    assert 'data-chart="overdue"' in empty  # the steps are there, each at zero


def chart_data(page: str) -> dict:
    start = page.index('id="charts-data">') + len('id="charts-data">')
    return json.loads(page[start:page.index("</script>", start)])


def test_dashboard_charts_carry_translated_figures(claims, login_as):
    client = login_as("auditor")
    client.post("/language", data={"language": "ru"})
    charts = chart_data(client.get("/dashboard").get_data(as_text=True))
    assert set(charts) == {"status", "species", "month", "township", "overdue"}
    assert charts["status"]["title"] == "Заявления по статусам"
    species = dict(zip(charts["species"]["labels"], charts["species"]["values"], strict=True))
    assert species == {"Амурский тигр": 4, "Кабан": 1}
    assert sum(charts["month"]["values"]) == 5
    assert dict(zip(charts["township"]["labels"], charts["township"]["values"],
                    strict=True)) == {"Чуньхуа": 5}


def test_csv_export_has_translated_headers_and_the_filtered_claims(office, claims):
    client = office("verifier")
    response = client.get("/exports/claims.csv?species=wild_boar")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "Claim code" and len(rows) == 2
    assert rows[1][0] == shown(claims["boar"])


def test_xlsx_export_opens_in_a_spreadsheet(office, claims):
    response = office("auditor").get("/exports/claims.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.cell(1, 1).value == "Claim code" and sheet.max_row == 6


def test_geojson_export_has_incident_points(office, claims):
    data = json.loads(office("auditor").get("/exports/claims.geojson").data)
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 5
    assert data["features"][0]["geometry"]["coordinates"] == [130.9876, 43.1234]


def test_exports_neutralise_spreadsheet_formulas(office, app, demo):
    body = claim_body()
    body["claimant"]["name"] = "=HYPERLINK(\"http://evil\")"
    with app.app_context():
        make_claim("submitted", body=body)
        db.session.commit()
    text = office("auditor").get("/exports/claims.csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_officers_do_not_see_the_dashboard(office):
    assert office("officer").get("/dashboard").status_code == 403


# --- bounds at the edge: ids, dates and page tokens -----------------------------------------

def test_evidence_id_beyond_the_database_integer_is_404(office, claims):
    for evidence_id in (2**31, 2**63, 2**64, 10**30):
        response = office("auditor").get(f"/claims/{claims['submitted']}/evidence/{evidence_id}")
        assert response.status_code == 404


@pytest.mark.parametrize("query", ["date_from=0001-01-01", "date_to=9999-12-31",
                                   "date_from=1969-12-31", "date_to=2101-01-01",
                                   "date_from=0001-01-01&date_to=9999-12-31"])
def test_queue_dates_outside_the_sane_range_are_refused_with_a_message(office, claims, query):
    response = office("verifier").get(f"/queue?{query}")
    assert response.status_code == 200
    assert "Use a date between 1970-01-01 and 2100-12-31." in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["date_from=2000-01-01", "date_to=2100-12-31",
                                   "date_from=1970-01-01"])
def test_queue_dates_at_the_bounds_filter(office, claims, query):
    page = office("verifier").get(f"/queue?{query}").get_data(as_text=True)
    assert shown(claims["submitted"]) in page and "Use a date" not in page


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson"])
@pytest.mark.parametrize("query", ["date_from=0001-01-01", "date_to=9999-12-31",
                                   "date_from=tomorrow"])
def test_exports_with_bad_filters_go_back_to_the_queue_that_names_them(office, claims, fmt,
                                                                        query):
    client = office("auditor")
    response = client.get(f"/exports/claims.{fmt}?{query}&species=wild_boar")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/queue?")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Use a date" in page


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+05:00", "0001-01-01T00:00:00+00:00",
                                    "9999-12-31T23:59:59-05:00", "9999-12-31T23:59:59+00:00",
                                    "1969-12-31T23:59:59+00:00", "2026-01-01T00:00:00+99:00"])
def test_page_tokens_with_extreme_dates_start_from_the_first_page(office, claims, moment):
    for sort in ("due", "reported"):
        response = office("verifier").get(f"/queue?sort={sort}&after="
                                          + token_of([{"t": moment}, 1]))
        assert response.status_code == 200
        assert shown(claims["submitted"]) in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["fmt=x", "endpoint=x", "_scheme=javascript", "_method=POST",
                                   "_external=1", "_anchor=x", "after=&fmt=csv"])
def test_queue_and_export_links_carry_only_the_filters(office, claims, query):
    client = office("auditor")
    response = client.get(f"/queue?species=amur_tiger&{query}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'href="/exports/claims.csv?species=amur_tiger"' in page
    assert "javascript:" not in page
    assert client.get(f"/exports/claims.csv?date_from=x&{query}").headers["Location"] == \
        "/queue?date_from=x"


def test_nul_characters_in_queue_filters_are_refused_with_a_message(office, claims):
    response = office("verifier").get("/queue?region=CN-JL%00")
    assert response.status_code == 400
    assert "Contains a NUL character, which is not text." in response.get_data(as_text=True)


@pytest.mark.parametrize(("code_of", "action", "message"), [
    ("verified", "propose_rejection", "This cannot be done while the claim is “Verified”."),
    ("under_verification", "reject", "Your role may not do this."),
    ("under_verification", "fly", "Unknown action."),
])
def test_an_invalid_form_for_an_unavailable_action_says_why(office, claims, code_of, action,
                                                           message):
    """The page shows no form for an action that cannot be taken, so a stale or crafted post
    with bad fields must say why rather than answer a page without any message."""
    code = claims[code_of]
    response = office("verifier").post(f"/claims/{code}/act/{action}",
                                       data={f"{action}-reason": "nonsense"})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


@pytest.fixture
def approved_at_nothing(app, demo):
    """An approved claim whose losses were assessed at nothing: approved 0.00 of 14,000 claimed."""
    from hwc.accounts.models import User
    from hwc.workflow.service import perform

    with app.app_context():
        claim = make_claim("under_verification")
        perform(claim, "verify", actor=User.by_username("verifier"), findings="Nothing lost.",
                assessed=[{"index": 0, "quantity": "0"}, {"index": 1, "quantity": "0"}])
        perform(claim, "approve", actor=User.by_username("approver"))
        db.session.commit()
        assert claim.approved_total == 0 and claim.claimed_total > 0
        return claim.code


def test_an_approved_nothing_shows_as_nothing_everywhere_not_the_claimed_amount(
        app, office, api, approved_at_nothing):
    from hwc.claims.queues import sort_key

    finance = office("finance")
    queue = finance.get("/queue").get_data(as_text=True)
    row = re.search(rf"{shown(approved_at_nothing)}.*?</tr>", queue, re.S).group(0)
    assert re.search(r'class="amount"[^>]*>\D*0\.00\s*<', row), row
    assert "14,000" not in row
    board = finance.get("/dashboard").get_data(as_text=True)
    assert "14,000" not in board
    amounts = api("finance").get(f"/api/v1/claims/{approved_at_nothing}").get_json()["amounts"]
    assert amounts["current"] == "0.00"
    with app.app_context():
        claim = Claim.by_code(approved_at_nothing)
        assert claim.current_amount == 0
        assert db.session.scalar(db.select(sort_key("amount")[0]).where(
            Claim.id == claim.id)) == 0
