"""API v1 per ../shared/API.md: every fixed path, its error codes, and the whole claim path."""

import io
import uuid

import pytest

from hwc.extensions import db
from tests.factories import claim_body, import_rates, jpeg_bytes


@pytest.fixture
def rates(app, demo):
    with app.app_context():
        import_rates()
        db.session.commit()


def file_claim(officer, body=None, photo=True):
    response = officer.post("/api/v1/claims", json=body or claim_body())
    assert response.status_code == 201, response.get_json()
    code = response.get_json()["code"]
    if photo:
        upload = officer.post(f"/api/v1/claims/{code}/evidence", data={
            "file": (io.BytesIO(jpeg_bytes()), "cow.jpg"), "caption": "carcass"})
        assert upload.status_code == 201, upload.get_json()
    return code


def is_problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == status
    return body


# --- token, me, regions -------------------------------------------------------------------

def test_token_for_good_credentials(client, demo):
    response = client.post("/api/v1/token", json={"username": "officer", "password": demo})
    assert response.status_code == 200
    assert response.get_json()["token"] and response.get_json()["expires_at"]


def test_wrong_credentials_are_401_in_the_callers_language(client, demo):
    response = client.post("/api/v1/token", json={"username": "officer", "password": "nope"},
                           headers={"Accept-Language": "en"})
    assert is_problem(response, 401)["detail"] == "The username or password is not correct."


def ask_token(client, username, password, address="203.0.113.9"):
    return client.post("/api/v1/token", json={"username": username, "password": password},
                       environ_overrides={"REMOTE_ADDR": address},
                       headers={"Accept-Language": "en"})


def test_unknown_and_known_usernames_get_the_same_token_answer(app, client, demo):
    for _ in range(app.config["LOGIN_FREE_ATTEMPTS"] + 2):
        known = ask_token(client, "finance", "guess")
        unknown = ask_token(client, "no-such-user", "guess")
        assert known.status_code == unknown.status_code
        assert known.get_json()["detail"] == unknown.get_json()["detail"]
        assert known.headers.get("Retry-After") == unknown.headers.get("Retry-After")
    assert is_problem(known, 429)


def test_token_failures_from_one_address_do_not_lock_out_another(app, client, demo):
    for _ in range(app.config["LOGIN_FREE_ATTEMPTS"] + 3):
        ask_token(client, "admin", "guess", address="203.0.113.9")
    assert ask_token(client, "admin", demo, address="203.0.113.9").status_code == 429
    assert ask_token(client, "admin", demo, address="198.51.100.7").status_code == 200


@pytest.mark.parametrize(("credentials", "status"), [
    # Not text at all: refused at the edge for any body, naming the field, before any lookup.
    ({"username": "\ud800", "password": "x"}, 422),
    ({"username": "officer", "password": "\ud800"}, 422),
    ({"username": "a\u0000b", "password": "x"}, 422),
    ({"username": "x" * 10_000, "password": "x"}, 401), ({"username": 7, "password": "x"}, 401),
    ({"username": "officer"}, 401),
])
def test_odd_credentials_are_refused_never_500(client, demo, credentials, status):
    import json

    response = client.post("/api/v1/token", data=json.dumps(credentials),
                           content_type="application/json")
    is_problem(response, status)


def test_non_json_token_request_is_400(client):
    is_problem(client.post("/api/v1/token", data="not json", content_type="text/plain"), 400)


def test_requests_without_a_token_are_401(client, demo):
    is_problem(client.get("/api/v1/me"), 401)
    is_problem(client.get("/api/v1/me", headers={"Authorization": "Bearer forged"}), 401)


def test_token_stops_working_after_a_password_reset(api, app):
    from hwc.accounts.models import User
    from hwc.accounts.operations import set_password

    officer = api("officer")
    assert officer.get("/api/v1/me").status_code == 200
    with app.app_context():
        set_password(User.by_username("officer"), "another-long-password", actor=None)
        db.session.commit()
    is_problem(officer.get("/api/v1/me"), 401)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_deleting_the_token_revokes_it(app, client, demo):
    first, second = (client.post("/api/v1/token", json={"username": "officer", "password": demo})
                     .get_json()["token"] for _ in range(2))
    response = client.delete("/api/v1/token", headers=bearer(first))
    assert response.status_code == 204 and response.get_data() == b""
    is_problem(client.get("/api/v1/me", headers=bearer(first)), 401)
    is_problem(client.delete("/api/v1/token", headers=bearer(first)), 401)
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 200


def test_deleting_a_token_needs_one(client):
    is_problem(client.delete("/api/v1/token"), 401)


def test_token_lifetime_is_a_setting(app, client, demo):
    from datetime import datetime, timedelta

    from hwc.core.db import utcnow
    from hwc.core.settings import set_setting

    with app.app_context():
        set_setting("api_token_hours", 2)
        db.session.commit()
    before = utcnow()
    body = client.post("/api/v1/token", json={"username": "officer", "password": demo}).get_json()
    expires = datetime.fromisoformat(body["expires_at"])
    assert before + timedelta(hours=2) <= expires <= utcnow() + timedelta(hours=2)


def test_an_expired_token_is_refused(app, client, demo):
    from datetime import timedelta

    from hwc.accounts.models import ApiToken
    from hwc.core.db import utcnow

    token = client.post("/api/v1/token", json={"username": "officer", "password": demo}
                        ).get_json()["token"]
    with app.app_context():
        row = db.session.scalars(db.select(ApiToken)).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    is_problem(client.get("/api/v1/me", headers=bearer(token)), 401)


def test_me_describes_the_caller(api):
    me = api("senior").get("/api/v1/me").get_json()
    assert me == {"username": "senior", "role": "approver", "senior": True,
                  "language": "zh_Hans", "regions": ["CN-JL-HC"]}


def test_regions_are_only_those_in_scope(api):
    regions = api("ru_verifier").get("/api/v1/regions", headers={"Accept-Language": "en"})
    codes = {r["code"] for r in regions.get_json()}
    assert "RU-PRI-KHS-KR" in codes and not any(c.startswith("CN") for c in codes)
    kraskino = next(r for r in regions.get_json() if r["code"] == "RU-PRI-KHS-KR")
    assert kraskino == {"code": "RU-PRI-KHS-KR", "name": "Kraskino", "level": "village",
                        "parent": "RU-PRI-KHS"}


# --- creating claims ------------------------------------------------------------------------

def test_officer_creates_a_draft_claim(api):
    response = api("officer").post("/api/v1/claims", json=claim_body())
    assert response.status_code == 201
    claim = response.get_json()
    assert claim["status"] == "draft" and claim["currency"] == "CNY"
    assert claim["amounts"]["claimed"] == "14000.00"
    assert [item["quantity"] for item in claim["losses"]] == ["2", "3.5"]
    assert claim["claimant"]["id_number"].endswith("1234")
    assert "222401196501" not in claim["claimant"]["id_number"]
    assert len(claim["code"]) == 11 and claim["code"][4] == "-" and claim["code"][9] == "-"


def test_the_same_client_uuid_returns_the_same_claim(api):
    officer = api("officer")
    body = claim_body()
    first = officer.post("/api/v1/claims", json=body)
    again = officer.post("/api/v1/claims", json=body)
    assert first.status_code == 201 and again.status_code == 200
    assert first.get_json()["code"] == again.get_json()["code"]
    assert officer.get("/api/v1/claims").get_json()["total"] == 1


def test_only_village_officers_create_claims(api):
    is_problem(api("verifier").post("/api/v1/claims", json=claim_body()), 403)


def test_bad_claim_input_is_422_naming_every_field(api):
    body = claim_body(village="RU-PRI-KHS-KR")
    body["claimant"]["phone"] = "12"
    body["incident"]["species"] = "dragon"
    body["losses"][0]["unit"] = "mu"
    response = api("officer").post("/api/v1/claims", json=body,
                                   headers={"Accept-Language": "en"})
    errors = is_problem(response, 422)["errors"]
    assert {"village", "claimant.phone", "incident.species", "losses[0].unit"} <= set(errors)


@pytest.mark.parametrize(("lat", "lon", "field"), [
    ("1e999", "130.9", "incident.lat"), ("9" * 40, "130.9", "incident.lat"),
    ("43.1", "-999", "incident.lon"), ("43.1", "NaN", "incident.lon"),
    ("43.1", None, "incident.lat"),
])
def test_coordinates_out_of_range_are_422_not_an_error(api, lat, lon, field):
    body = claim_body()
    body["incident"]["lat"], body["incident"]["lon"] = lat, lon
    errors = is_problem(api("officer").post("/api/v1/claims", json=body), 422)["errors"]
    assert list(errors) == [field]


def test_validation_messages_follow_accept_language(api):
    body = claim_body()
    body["claimant"]["phone"] = "12"
    response = api("officer").post("/api/v1/claims", json=body,
                                   headers={"Accept-Language": "ru"})
    message = is_problem(response, 422)["errors"]["claimant.phone"][0]
    assert "телефон" in message.lower()


def test_russian_village_claims_are_in_roubles(api):
    body = claim_body(village="RU-PRI-KHS-KR")
    body["claimant"]["phone"] = "+79241234567"
    claim = api("ru_officer").post("/api/v1/claims", json=body).get_json()
    assert claim["currency"] == "RUB"


# --- reading claims -------------------------------------------------------------------------

def test_claim_outside_scope_is_404_like_a_missing_one(api):
    code = file_claim(api("officer"))
    is_problem(api("ru_verifier").get(f"/api/v1/claims/{code}"), 404)
    is_problem(api("ru_verifier").get("/api/v1/claims/0000-0000-0"), 404)


def test_code_with_a_wrong_check_symbol_is_a_likely_typo(api):
    code = file_claim(api("officer"))
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    body = is_problem(api("verifier").get(f"/api/v1/claims/{wrong}"), 422)
    assert body["type"].endswith("code-typo")


def test_codes_are_read_in_any_case_and_spacing(api):
    code = file_claim(api("officer"))
    loose = code.replace("-", " ").lower()
    assert api("verifier").get(f"/api/v1/claims/{loose}").status_code == 200


def test_claim_list_filters_by_status_and_region_and_pages(api):
    officer = api("officer")
    file_claim(officer)
    file_claim(officer, body=claim_body(village="CN-JL-HC-CH-DA"))
    verifier = api("verifier")
    assert verifier.get("/api/v1/claims").get_json()["total"] == 2
    assert verifier.get("/api/v1/claims?status=draft").get_json()["total"] == 2
    assert verifier.get("/api/v1/claims?status=approved").get_json()["total"] == 0
    assert verifier.get("/api/v1/claims?region=CN-JL-HC-CH-DA").get_json()["total"] == 1
    assert verifier.get("/api/v1/claims?page=2").get_json()["items"] == []
    assert api("ru_verifier").get("/api/v1/claims").get_json()["total"] == 0
    is_problem(verifier.get("/api/v1/claims?status=nonsense"), 422)
    is_problem(verifier.get("/api/v1/claims?region=RU-PRI-KHS"), 422)
    for page in ("0", "-1", "abc", "²", "9" * 30):
        is_problem(verifier.get(f"/api/v1/claims?page={page}"), 422)



def test_claim_list_reads_the_queue_filters_with_the_queue_messages(api):
    officer = api("officer")
    file_claim(officer)
    boar = claim_body()
    boar["incident"]["species"] = "wild_boar"
    file_claim(officer, body=boar)
    verifier = api("verifier")
    assert verifier.get("/api/v1/claims?species=wild_boar").get_json()["total"] == 1
    assert verifier.get("/api/v1/claims?date_to=2001-01-01").get_json()["total"] == 0
    answer = verifier.get("/api/v1/claims?date_from=9999-12-31&species=dragon",
                          headers={"Accept-Language": "en"})
    is_problem(answer, 422)
    assert answer.get_json()["errors"] == {
        "species": ["Not one of the allowed values."],
        "date_from": ["Use a date between 1970-01-01 and 2100-12-31."]}

# --- evidence -------------------------------------------------------------------------------

def test_evidence_upload_checks_content_not_name(api):
    officer = api("officer")
    code = file_claim(officer, photo=False)
    fake = officer.post(f"/api/v1/claims/{code}/evidence",
                        data={"file": (io.BytesIO(b"<script>alert(1)</script>"), "x.jpg")})
    assert "file" in is_problem(fake, 422)["errors"]
    missing = officer.post(f"/api/v1/claims/{code}/evidence", data={})
    assert "file" in is_problem(missing, 422)["errors"]
    good = officer.post(f"/api/v1/claims/{code}/evidence",
                        data={"file": (io.BytesIO(jpeg_bytes()), "no-extension")})
    assert good.status_code == 201
    photo = officer.get(good.get_json()["url"])
    assert photo.status_code == 200 and photo.data[:2] == b"\xff\xd8"


def test_evidence_is_served_only_in_scope(api):
    officer = api("officer")
    code = file_claim(officer)
    url = officer.get(f"/api/v1/claims/{code}").get_json()["evidence"][0]["url"]
    assert api("auditor").get(url).status_code == 200
    is_problem(api("ru_auditor").get(url), 404)


def test_auditor_cannot_upload_evidence(api):
    code = file_claim(api("officer"))
    response = api("auditor").post(f"/api/v1/claims/{code}/evidence",
                                   data={"file": (io.BytesIO(jpeg_bytes()), "a.jpg")})
    is_problem(response, 403)


# --- transitions: the whole path and every refusal -------------------------------------------

def test_a_claim_goes_from_draft_to_approved_through_the_api(api, rates, runner):
    officer, verifier = api("officer"), api("verifier")
    approver, senior = api("approver"), api("senior")
    code = file_claim(officer)
    assert officer.act(code, "submit").get_json()["status"] == "submitted"
    assert verifier.act(code, "start_verification").get_json()["status"] == "under_verification"
    verified = verifier.act(code, "verify", findings="pug marks of a tiger",
                            assessed=[{"index": 0, "quantity": "2"},
                                      {"index": 1, "quantity": "3"}]).get_json()
    assert verified["status"] == "verified"
    assert verified["amounts"]["assessed"] == "13350.00"  # 2 × 6000 + 3 mu × 450
    assert verified["losses"][1]["rate"] == {"basis": "per_unit", "rate": "450", "cap": None,
                                             "unit": "mu"}
    assert verified["rate_schedule"]["region"] == "CN-JL-HC"
    first = approver.act(code, "approve").get_json()
    assert first["status"] == "awaiting_second_approval"  # above the 10000 threshold
    final = senior.act(code, "approve", comment="ok").get_json()
    assert final["status"] == "approved" and final["amounts"]["approved"] == "13350.00"
    statuses = [e["to_status"] for e in final["events"] if e["action"] != "add_evidence"]
    assert statuses == ["draft", "submitted", "under_verification", "verified",
                        "awaiting_second_approval", "approved"]
    result = runner.invoke(args=["hwc", "audit", "verify"])
    assert result.exit_code == 0, result.output  # 0: the audit chain is intact


def test_forbidden_steps_answer_with_the_documented_codes(api, rates):
    officer, verifier, approver = api("officer"), api("verifier"), api("approver")
    code = file_claim(officer)
    is_problem(verifier.act(code, "start_verification"), 409)      # still a draft
    is_problem(approver.act(code, "submit"), 403)                  # wrong role
    is_problem(api("ru_officer").act(code, "submit"), 404)         # outside scope
    is_problem(officer.act(code, "fly"), 422)                      # unknown action
    officer.act(code, "submit")
    is_problem(officer.act(code, "submit"), 409)                   # already submitted
    verifier.act(code, "start_verification")
    is_problem(verifier.act(code, "return"), 422)                  # comment required
    is_problem(verifier.act(code, "propose_rejection", comment="x", reason="bad"), 422)
    is_problem(verifier.act(code, "verify", assessed=[{"index": 9, "quantity": "1"}]), 422)
    is_problem(verifier.act(code, "verify", assessed=[{"index": 0, "quantity": "-1"}]), 422)
    is_problem(approver.act(code, "approve"), 409)                 # not verified yet
    verifier.act(code, "verify")
    is_problem(approver.act(code, "approve", version=1), 409)      # stale row version
    is_problem(verifier.act(code, "approve"), 403)                 # verifier cannot approve
    assert approver.act(code, "approve").status_code == 200
    is_problem(approver.act(code, "approve"), 403)                 # second needs a senior
    senior = api("senior")
    assert senior.act(code, "approve").status_code == 200
    is_problem(officer.act(code, "withdraw", comment="too late"), 409)  # approved already


def test_non_senior_approver_cannot_give_the_second_approval(api, rates):
    officer, verifier, approver = api("officer"), api("verifier"), api("approver")
    code = file_claim(officer)
    officer.act(code, "submit")
    verifier.act(code, "start_verification")
    verifier.act(code, "verify")
    approver.act(code, "approve")
    body = is_problem(approver.act(code, "approve"), 403)
    assert body["detail"]


def test_submit_without_photo_for_livestock_is_refused(api):
    officer = api("officer")
    code = file_claim(officer, photo=False)
    body = is_problem(officer.act(code, "submit"), 422)
    assert "evidence" in body["errors"]


def test_returned_claim_is_resubmitted_with_changes(api, rates):
    officer, verifier = api("officer"), api("verifier")
    code = file_claim(officer)
    officer.act(code, "submit")
    verifier.act(code, "start_verification")
    verifier.act(code, "return", comment="how many cattle exactly?")
    body = claim_body()
    body["losses"][0]["quantity"] = "3"
    body["losses"][0]["claimed_value"] = "21000"
    response = officer.act(code, "resubmit", losses=body["losses"])
    claim = response.get_json()
    assert response.status_code == 200 and claim["status"] == "submitted"
    assert claim["losses"][0]["quantity"] == "3" and claim["amounts"]["claimed"] == "21000.00"
    bad = claim_body()["losses"]
    bad[0]["quantity"] = "0"
    verifier.act(code, "start_verification")
    verifier.act(code, "return", comment="again")
    assert "losses[0].quantity" in is_problem(officer.act(code, "resubmit", losses=bad),
                                              422)["errors"]


def test_transition_body_must_be_json_with_an_action(api):
    officer = api("officer")
    code = file_claim(officer)
    is_problem(officer.post(f"/api/v1/claims/{code}/transitions", data="x",
                            content_type="text/plain"), 400)
    is_problem(officer.act(code, None), 422)


# --- public status and the OpenAPI document -------------------------------------------------

def test_public_status_has_nothing_personal(api, client):
    code = file_claim(api("officer"))
    response = client.get(f"/api/v1/status/{code}", headers={"Accept-Language": "ru"})
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"code", "status", "status_label", "updated_at"}
    assert body["status"] == "draft" and body["status_label"] == "Черновик"
    is_problem(client.get("/api/v1/status/0000-0000-0"), 404)


def test_public_status_reports_a_typo(api, client):
    code = file_claim(api("officer"))
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert is_problem(client.get(f"/api/v1/status/{wrong}"), 422)["type"].endswith("code-typo")


def test_unknown_api_path_is_a_problem_document(client):
    is_problem(client.get("/api/v1/nothing-here"), 404)


def test_wrong_method_is_405(api):
    is_problem(api("officer").client.delete("/api/v1/me"), 405)


def openapi_paths(document):
    return {(path, method.upper()) for path, item in document["paths"].items()
            for method in item}


def test_openapi_document_matches_the_routes(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
            routes |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert openapi_paths(document) == routes


def test_openapi_lists_every_workflow_action(client):
    from hwc.workflow.rules import ACTIONS

    document = client.get("/api/v1/openapi.json").get_json()
    action = document["components"]["schemas"]["Transition"]["properties"]["action"]
    assert action["enum"] == list(ACTIONS)


def test_api_responses_are_not_cached(api):
    assert api("officer").get("/api/v1/me").headers["Cache-Control"] == "no-store"


def test_client_uuid_is_a_uuid(api):
    body = claim_body(client_uuid="not-a-uuid")
    assert "client_uuid" in is_problem(api("officer").post("/api/v1/claims", json=body),
                                       422)["errors"]
    body = claim_body(client_uuid=str(uuid.uuid4()))
    assert api("officer").post("/api/v1/claims", json=body).status_code == 201


@pytest.mark.parametrize("request_", [
    ("post", "/api/v1/token", {"json": {"username": "officer", "password": "nope"}}),
    ("get", "/api/v1/me", {}),
    ("get", "/api/v1/status/7K3MQ9TXD", {}),
    ("get", "/api/v1/openapi.json", {}),
    ("get", "/api/v1/nothing-here", {}),
])
def test_every_api_response_says_no_store(client, demo, request_):
    method, path, kwargs = request_
    response = getattr(client, method)(path, **kwargs)
    assert response.headers["Cache-Control"] == "no-store", response.status_code


def test_a_new_token_is_never_stored(client, demo):
    response = client.post("/api/v1/token", json={"username": "officer", "password": demo})
    assert response.headers["Cache-Control"] == "no-store"


# --- bad input at the edge is a problem document, never a 500 ------------------------------

HUGE_ID = 2**64


def test_evidence_id_beyond_the_database_integer_is_404(api):
    officer = api("officer")
    code = file_claim(officer)
    is_problem(officer.get(f"/api/v1/claims/{code}/evidence/{HUGE_ID}"), 404)
    is_problem(officer.get(f"/api/v1/claims/{code}/evidence/{2**63}"), 404)
    is_problem(officer.get(f"/api/v1/claims/{code}/evidence/{2**31}"), 404)


@pytest.mark.parametrize("key", ["actor", "claim", "action_", "version_", "flag", "assessed"])
def test_keys_an_action_does_not_take_are_refused_by_name(api, key):
    officer, verifier = api("officer"), api("verifier")
    code = file_claim(officer)
    officer.act(code, "submit")
    verifier.act(code, "start_verification")
    response = verifier.post(f"/api/v1/claims/{code}/transitions",
                             json={"action": "return", "comment": "which cow?", key: 1},
                             headers={"Accept-Language": "en"})
    assert is_problem(response, 422)["errors"] == {key: ["This action does not take this field."]}
    assert verifier.get(f"/api/v1/claims/{code}").get_json()["status"] == "under_verification"


def test_each_action_takes_its_own_fields(api, rates):
    officer, verifier = api("officer"), api("verifier")
    code = file_claim(officer)
    officer.act(code, "submit", comment="filed at the village office")
    version = verifier.act(code, "start_verification").get_json()["version"]
    claim = verifier.act(code, "verify", findings="tracks", version=version,
                         assessed=[{"index": 0, "quantity": "1"}]).get_json()
    assert claim["status"] == "verified" and claim["amounts"]["assessed"] == "7575.00"


@pytest.mark.parametrize("path", ["/api/v1/token", "/api/v1/claims",
                                  "/api/v1/claims/{code}/transitions"])
@pytest.mark.parametrize("body", ["[" * 100_000, '{"a":' * 100_000, "[" * 33 + "]" * 33])
def test_deeply_nested_json_is_a_400_problem(api, path, body):
    officer = api("officer")
    code = file_claim(officer)
    response = officer.post(path.format(code=code), data=body, content_type="application/json",
                            headers={"Accept-Language": "en"})
    assert "nested too deeply" in is_problem(response, 400)["detail"]


@pytest.mark.parametrize("body", ['{"username": NaN, "password": "x"}',
                                  '{"username": "a", "password": -Infinity}',
                                  '{"username": "a", "password": "x"', b'{"username": "\xff"}'])
def test_json_that_is_not_json_is_a_400_problem(client, body):
    response = client.post("/api/v1/token", data=body, content_type="application/json",
                           headers={"Accept-Language": "en"})
    assert "not valid JSON" in is_problem(response, 400)["detail"]


def test_json_nested_within_the_limit_is_read(api):
    officer = api("officer")
    body = claim_body()
    body["incident"]["narrative"] = "[" * 200  # brackets inside a string are text
    body["extra"] = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
    assert officer.post("/api/v1/claims", json=body).status_code == 201


@pytest.mark.parametrize(("where", "name"), [
    (lambda b: b["incident"].update(narrative="tiger \ud800 attack"), "incident.narrative"),
    (lambda b: b["claimant"].update(name="\udfff"), "claimant.name"),
    (lambda b: b["losses"][1].update(description="a\udc00b"), "losses[1].description"),
    (lambda b: b.update({"\ud800": "key"}), ""),
])
def test_lone_surrogates_are_refused_naming_the_field(api, where, name):
    body = claim_body()
    where(body)
    raw = __import__("json").dumps(body)  # escapes the surrogate as \ud800, as a client would
    response = api("officer").post("/api/v1/claims", data=raw, content_type="application/json",
                                   headers={"Accept-Language": "en"})
    problem = is_problem(response, 422)
    assert problem["errors"] == {name: ["Contains a character that is not valid text "
                                        "(a lone surrogate)."]}


def test_lone_surrogate_in_the_token_request_is_refused(client):
    response = client.post("/api/v1/token", data='{"username": "\\ud800", "password": "x"}',
                           content_type="application/json")
    is_problem(response, 422)


@pytest.mark.parametrize("occurred_at", ["0001-01-01T00:00:00+08:00", "1900-01-01T00:00:00+08:00",
                                         "1999-12-31T23:59:59+00:00",
                                         "9999-12-31T23:59:59-14:00"])
def test_incident_times_outside_the_sane_range_are_422(api, occurred_at):
    body = claim_body()
    body["incident"]["occurred_at"] = occurred_at
    response = api("officer").post("/api/v1/claims", json=body, headers={"Accept-Language": "en"})
    assert list(is_problem(response, 422)["errors"]) == ["incident.occurred_at"]


def test_incident_time_on_the_earliest_day_is_accepted(api, app):
    from datetime import date

    with app.app_context():
        import_rates(effective_from=date(1999, 1, 1))
        db.session.commit()
    body = claim_body()
    body["incident"]["occurred_at"] = "2000-01-01T00:00:00+00:00"
    assert api("officer").post("/api/v1/claims", json=body).status_code == 201


@pytest.mark.parametrize(("where", "name"), [
    (lambda b: b["incident"].update(narrative="tiger\x00attack"), "incident.narrative"),
    (lambda b: b["claimant"].update(name="\x00"), "claimant.name"),
    (lambda b: b.update(village="CN-JL-HC-CH-CM\x00"), "village"),
])
def test_nul_characters_are_refused_naming_the_field(api, where, name):
    body = claim_body()
    where(body)
    response = api("officer").post("/api/v1/claims", json=body, headers={"Accept-Language": "en"})
    assert is_problem(response, 422)["errors"] == {name: [
        "Contains a NUL character, which is not text."]}


def test_nul_characters_in_the_query_string_are_a_400_problem(api):
    response = api("verifier").get("/api/v1/claims?region=CN%00", headers={"Accept-Language": "en"})
    assert is_problem(response, 400)["errors"] == {"region": [
        "Contains a NUL character, which is not text."]}


def test_a_multipart_part_without_a_readable_name_is_no_error(api):
    officer = api("officer")
    code = file_claim(officer, photo=False)
    body = b'--b\r\nContent-Disposition: form-data; name="\\"\r\n\r\nnull\r\n--b--\r\n'
    response = officer.post(f"/api/v1/claims/{code}/evidence", data=body,
                            content_type="multipart/form-data; boundary=b")
    assert "file" in is_problem(response, 422)["errors"]


@pytest.mark.parametrize(("quantity", "unit_value", "field"), [
    ("1e-999999", None, "assessed[0].quantity"), ("0E-1000000", None, "assessed[0].quantity"),
    ("1", "0.0000001", "assessed[0].unit_value"),
    ("1", "123456789012.123456789", "assessed[0].unit_value"),
    ("9999999999999", None, "assessed[0].quantity"),
])
def test_assessed_numbers_beyond_what_is_stored_are_422(api, rates, quantity, unit_value,
                                                        field):
    officer, verifier = api("officer"), api("verifier")
    code = file_claim(officer)
    officer.act(code, "submit")
    verifier.act(code, "start_verification")
    response = verifier.act(code, "verify", assessed=[{"index": 0, "quantity": quantity,
                                                       "unit_value": unit_value}])
    assert field in is_problem(response, 422)["errors"]
    assert verifier.get(f"/api/v1/claims/{code}").get_json()["status"] == "under_verification"


def test_an_assessed_amount_too_large_to_pay_is_422(api, rates):
    officer, verifier = api("officer"), api("verifier")
    code = file_claim(officer)
    officer.act(code, "submit")
    verifier.act(code, "start_verification")
    response = verifier.post(f"/api/v1/claims/{code}/transitions", json={
        "action": "verify", "assessed": [{"index": 0, "quantity": "999999999999"}]},
        headers={"Accept-Language": "en"})
    assert is_problem(response, 422)["errors"] == {
        "losses[0]": ["Row 1 (Cattle): the assessed amount is too large."]}


@pytest.mark.parametrize(("number", "message"), [
    ("1000000000000", "Too many digits."), ("0.0000001", "Too many digits."),
    ("-3", "Must be at least 0."), ("abc", "Must be a number, such as 12 or 3.5."),
])
def test_a_number_gets_the_same_answer_when_filed_and_when_assessed(api, rates, number,
                                                                      message):
    officer, verifier = api("officer"), api("verifier")
    en = {"Accept-Language": "en"}
    body = claim_body()
    body["losses"][0]["claimed_value"] = number
    filed = officer.post("/api/v1/claims", json=body, headers=en)
    assert is_problem(filed, 422)["errors"]["losses[0].claimed_value"] == [message]
    code = file_claim(officer)
    officer.act(code, "submit")
    verifier.act(code, "start_verification")
    assessed = verifier.post(f"/api/v1/claims/{code}/transitions", headers=en, json={
        "action": "verify", "assessed": [{"index": 0, "unit_value": number}]})
    assert is_problem(assessed, 422)["errors"]["assessed[0].unit_value"] == [
        f"Row 1 (Cattle), value of one unit: {message}"]  # the same, said of its loss row
