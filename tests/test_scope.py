"""Jurisdiction holds inside every operation: idempotency keys, filings, flags and the
operations themselves refuse what lies outside the actor's area (issue 8, findings 1–3)."""

import io
from datetime import timedelta

from hwc.accounts.models import User
from hwc.claims.flags import FRAUD_FLAGS
from hwc.claims.models import Claim, FilingDraft
from hwc.core.db import utcnow
from hwc.extensions import db
from tests.factories import claim_body, jpeg_bytes
from tests.test_api import file_claim, is_problem

RU_VILLAGE = "RU-PRI-KHS-SL"
RU_CLAIMANT = {"name": "Иван Петров", "phone": "+79241234567", "language": "ru"}


def ru_body(**overrides) -> dict:
    return claim_body(village=RU_VILLAGE, claimant=dict(RU_CLAIMANT), **overrides)


# --- finding 1 and 2: a foreign client_uuid -----------------------------------------------

def test_foreign_client_uuid_in_the_api_is_409_and_reveals_nothing(api):
    chinese = claim_body()
    file_claim(api("officer"), chinese)
    response = api("ru_officer").post("/api/v1/claims", json=ru_body(
        client_uuid=chinese["client_uuid"]))
    body = is_problem(response, 409)
    text = response.get_data(as_text=True)
    assert "张桂兰" not in text and "+8613800000001" not in text and "code" not in body


def test_same_client_uuid_from_the_same_officer_still_returns_the_claim(api):
    body = claim_body()
    officer = api("officer")
    first = officer.post("/api/v1/claims", json=body)
    again = officer.post("/api/v1/claims", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["code"] == again.get_json()["code"]


def test_foreign_client_uuid_of_another_officer_in_the_same_area_is_409(api, app):
    body = claim_body()
    file_claim(api("officer"), body)
    with app.app_context():
        from hwc.accounts.operations import create_user

        create_user("officer2", "a-long-password", "village_officer",
                    User.by_username("officer").region, actor=None)
        db.session.commit()
    second = app.test_client()
    token = second.post("/api/v1/token", json={"username": "officer2",
                                               "password": "a-long-password"}).get_json()
    response = second.post("/api/v1/claims", json=body,
                           headers={"Authorization": f"Bearer {token['token']}"})
    is_problem(response, 409)


def test_foreign_filing_uuid_on_the_tablet_shows_nothing_and_changes_nothing(
        api, login_as, app):
    chinese = claim_body()
    code = file_claim(api("officer"), chinese)
    ru_officer = login_as("ru_officer")
    for path in (f"/file/new?client_uuid={chinese['client_uuid']}",
                 f"/file/{chinese['client_uuid']}/claimant",
                 f"/file/{chinese['client_uuid']}/losses",
                 f"/file/{chinese['client_uuid']}/photos",
                 f"/file/{chinese['client_uuid']}/review"):
        response = ru_officer.get(path, follow_redirects=True)
        page = response.get_data(as_text=True)
        assert response.status_code == 409, path  # a client UUID taken: make a new one
        assert "张桂兰" not in page and "夜间老虎" not in page, path
    posted = ru_officer.post(f"/file/{chinese['client_uuid']}/losses", data={
        "rows-0-kind": "crop", "rows-0-category": "maize", "rows-0-condition": "damaged",
        "rows-0-quantity": "999", "rows-0-unit": "ha", "rows-0-claimed_value": "99999"})
    assert posted.status_code == 409
    photo = ru_officer.post(f"/file/{chinese['client_uuid']}/photos", data={
        "photos": [(io.BytesIO(jpeg_bytes()), "x.jpg")], "upload": "1"},
        content_type="multipart/form-data")
    assert photo.status_code == 409
    with app.app_context():
        claim = Claim.by_code(code.replace("-", ""))
        assert [str(i.unit) for i in claim.items] == ["head", "mu"]
        assert len(claim.evidence) == 1
        assert db.session.query(FilingDraft).filter(
            FilingDraft.officer_id == User.by_username("ru_officer").id).count() == 0


def test_another_officers_unfinished_filing_is_not_opened(login_as, app):
    officer = login_as("officer")
    base = officer.get("/file/new").headers["Location"].rsplit("/", 1)[0]
    officer.post(base + "/claimant", data={
        "village": "CN-JL-HC-CH-CM", "name": "李秀英", "phone": "+8613800000009",
        "language": "zh_Hans"})
    client_uuid = base.rsplit("/", 1)[1]
    ru_officer = login_as("ru_officer")
    new = ru_officer.post("/file/new", data={"client_uuid": client_uuid})
    assert new.status_code == 409  # was an IntegrityError: a 500
    page = ru_officer.get(f"/file/{client_uuid}/claimant").get_data(as_text=True)
    assert "李秀英" not in page


def test_opening_a_new_filing_with_get_writes_nothing(login_as, app):
    officer = login_as("officer")
    response = officer.get("/file/new")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.query(FilingDraft).count() == 0


def test_opening_a_claim_for_editing_with_get_writes_nothing(api, login_as, app):
    code = file_claim(api("officer"))
    officer = login_as("officer")
    assert officer.get(f"/claims/{code}/edit").status_code == 405
    with app.app_context():
        assert db.session.query(FilingDraft).count() == 0
    assert officer.post(f"/claims/{code}/edit").status_code == 302


# --- finding 3: flags are facts for the office, not oracles for the filer -----------------

def test_shared_identity_number_across_the_border_is_no_oracle_for_the_filer(api):
    file_claim(api("officer"))  # 222401196501011234
    ru = api("ru_officer")
    body = ru_body()
    body["claimant"]["id_number"] = "222401196501011234"
    code = file_claim(ru, body)
    photo = jpeg_bytes()  # the same photo as on the Chinese claim
    ru.post(f"/api/v1/claims/{code}/evidence", data={"file": (io.BytesIO(photo), "a.jpg")})
    flags = ru.get(f"/api/v1/claims/{code}").get_json()["flags"]
    assert not FRAUD_FLAGS & {flag["code"] for flag in flags}, flags  # the filer sees none


def test_office_sees_a_match_outside_its_area_without_identifying_it(api, app):
    chinese_code = file_claim(api("officer"))
    ru = api("ru_officer")
    body = ru_body()
    body["claimant"]["id_number"] = "222401196501011234"
    code = file_claim(ru, body)
    ru.act(code, "submit")
    flags = api("ru_verifier").get(f"/api/v1/claims/{code}").get_json()["flags"]
    shared = [flag for flag in flags if flag["code"] == "shared_id_number"]
    assert shared, flags
    assert chinese_code not in str(flags) and "张桂兰" not in str(flags)


def test_reused_photo_never_names_a_claim_outside_the_viewers_area(api):
    photo = jpeg_bytes(color=(1, 2, 3))
    officer = api("officer")
    chinese_code = officer.post("/api/v1/claims", json=claim_body()).get_json()["code"]
    officer.post(f"/api/v1/claims/{chinese_code}/evidence",
                 data={"file": (io.BytesIO(photo), "a.jpg")})
    ru = api("ru_officer")
    code = ru.post("/api/v1/claims", json=ru_body()).get_json()["code"]
    ru.post(f"/api/v1/claims/{code}/evidence", data={"file": (io.BytesIO(photo), "a.jpg")})
    ru.act(code, "submit")
    for viewer in (ru, api("ru_verifier"), api("ru_auditor")):
        text = str(viewer.get(f"/api/v1/claims/{code}").get_json()["flags"])
        assert chinese_code not in text and chinese_code.replace("-", "") not in text
    flags = api("ru_verifier").get(f"/api/v1/claims/{code}").get_json()["flags"]
    assert "reused_photo" in {flag["code"] for flag in flags}
    mine = api("verifier").get(f"/api/v1/claims/{chinese_code}").get_json()["flags"]
    assert code not in str(mine)


# --- finding 5: an incident before the first rate schedule --------------------------------

def test_claim_for_an_incident_before_any_rate_schedule_is_filed(api):
    occurred = (utcnow() - timedelta(days=2000)).replace(microsecond=0)
    body = claim_body()
    body["incident"]["occurred_at"] = occurred.isoformat()
    response = api("officer").post("/api/v1/claims", json=body)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["currency"] == "CNY"


# --- escaping: what residents and officers type is shown as text, never run ----------------

XSS = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def test_typed_text_is_escaped_on_every_page_that_shows_it(api, login_as):
    body = claim_body()
    body["claimant"]["name"] = "张" + XSS[:100]
    body["incident"]["narrative"] = XSS
    code = file_claim(api("officer"), body).replace("-", "")
    api("officer").act(code, "submit")
    claim_pages = [login_as("verifier").get(f"/claims/{code}"),
                   login_as("officer").get(f"/claims/{code}")]
    lists = [login_as("verifier").get("/queue"), login_as("officer").get("/mine")]
    for page in claim_pages + lists:
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "<script>alert(1)" not in html and "<img src=x" not in html
    for page in claim_pages:
        assert "&lt;script&gt;alert(1)" in page.get_data(as_text=True)
