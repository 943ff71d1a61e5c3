"""The village officer's tablet pages, through the Flask test client: every step, every
validation error path, idempotent starts and the receipt."""

import io
import re
import uuid

import pytest

from hwc.claims.models import Claim, ClaimStatus, FilingDraft
from hwc.extensions import db
from tests.factories import jpeg_bytes

CLAIMANT = {"village": "CN-JL-HC-CH-CM", "name": "李秀英", "phone": "+8613800000009",
            "language": "zh_Hans"}
INCIDENT = {"occurred_date": "2026-11-20", "occurred_time": "06:30", "species": "amur_tiger",
            "lat": "43.1", "lon": "130.9", "accuracy": "12", "narrative": "牛被咬死"}
LOSSES = {"rows-0-kind": "livestock", "rows-0-category": "cattle", "rows-0-condition": "dead",
          "rows-0-quantity": "1", "rows-0-unit": "head", "rows-0-claimed_value": "7000",
          "rows-1-kind": "crop", "rows-1-category": "maize", "rows-1-condition": "damaged",
          "rows-1-quantity": "2", "rows-1-unit": "mu"}
EN = {"Accept-Language": "en"}


@pytest.fixture
def officer(login_as):
    client = login_as("officer")
    client.post("/language", data={"language": "en"})
    return client


def errors(response) -> list[str]:
    page = response.get_data(as_text=True)
    return re.findall(r'class="field-error"[^>]*>([^<]+)<', page) + re.findall(
        r'class="flash flash-error"[^>]*>([^<]+)<', page)


def start(client) -> str:
    response = client.get("/file/new")
    assert response.status_code == 302
    return response.headers["Location"].rsplit("/", 1)[0]


def through_losses(client) -> str:
    base = start(client)
    assert client.post(base + "/claimant", data=CLAIMANT).status_code == 302
    assert client.post(base + "/incident", data=INCIDENT).status_code == 302
    assert client.post(base + "/losses", data=LOSSES).status_code == 302
    return base


def test_officer_lands_on_my_claims(officer):
    response = officer.get("/", follow_redirects=True)
    assert "My claims" in response.get_data(as_text=True)


def test_every_step_page_renders(officer):
    base = through_losses(officer)
    for step in ("claimant", "incident", "losses", "photos", "review"):
        assert officer.get(f"{base}/{step}").status_code == 200, step


def test_each_step_is_saved_on_the_server(officer, app):
    base = start(officer)
    officer.post(base + "/claimant", data=CLAIMANT)
    client_uuid = uuid.UUID(base.rsplit("/", 1)[1])
    with app.app_context():
        draft = db.session.query(FilingDraft).filter_by(client_uuid=client_uuid).one()
        assert draft.data["claimant"]["name"] == "李秀英" and draft.claim_id is None
    page = officer.get(base + "/claimant").get_data(as_text=True)
    assert 'value="李秀英"' in page


def test_losses_step_files_the_draft_claim_with_the_same_uuid(officer, app):
    base = through_losses(officer)
    with app.app_context():
        claim = db.session.query(Claim).one()
        assert str(claim.client_uuid) == base.rsplit("/", 1)[1]
        assert claim.status == ClaimStatus.draft and len(claim.items) == 2


def test_opening_the_same_filing_twice_makes_one(officer, app):
    client_uuid = str(uuid.uuid4())
    first = officer.post("/file/new", data={"client_uuid": client_uuid})
    again = officer.post("/file/new", data={"client_uuid": client_uuid})
    assert first.headers["Location"] == again.headers["Location"]
    base = first.headers["Location"].rsplit("/", 1)[0]
    for _retry in range(2):
        assert officer.post(base + "/claimant", data=CLAIMANT).status_code == 302
    with app.app_context():
        assert db.session.query(FilingDraft).count() == 1


def test_submitting_twice_files_one_claim(officer, app):
    base = through_losses(officer)
    officer.post(base + "/photos", data={"photos": [(io.BytesIO(jpeg_bytes()), "a.jpg")],
                                         "upload": "1"}, content_type="multipart/form-data")
    assert officer.post(base + "/review").status_code == 302
    again = officer.post(base + "/review")
    assert again.status_code == 302  # the claim is no longer editable: to its page
    with app.app_context():
        assert db.session.query(Claim).count() == 1
        assert db.session.query(Claim).one().status == ClaimStatus.submitted


@pytest.mark.parametrize(("data", "message"), [
    ({**CLAIMANT, "phone": "12345"}, "Not a valid phone number"),
    ({**CLAIMANT, "name": ""}, "This field is required."),
    ({**CLAIMANT, "village": "RU-PRI-KHS-KR"}, "Not a valid choice"),
    ({**CLAIMANT, "id_number": "!!"}, "Use 4 to 32 letters and digits."),
])
def test_claimant_step_errors(officer, data, message):
    base = start(officer)
    response = officer.post(base + "/claimant", data=data)
    assert response.status_code == 422
    assert any(message in e for e in errors(response)), errors(response)


@pytest.mark.parametrize(("data", "message"), [
    ({**INCIDENT, "occurred_date": ""}, "This field is required."),
    ({**INCIDENT, "occurred_date": "2099-01-01"}, "cannot be in the future"),
    ({**INCIDENT, "species": "dragon"}, "Not a valid choice"),
    ({**INCIDENT, "lat": "95"}, "Must be at most 90"),
    ({**INCIDENT, "lon": ""}, "Give both latitude and longitude"),
    ({**INCIDENT, "lat": "north"}, "Not a valid decimal value"),
])
def test_incident_step_errors(officer, data, message):
    base = start(officer)
    officer.post(base + "/claimant", data=CLAIMANT)
    response = officer.post(base + "/incident", data=data)
    assert response.status_code == 422
    assert any(message in e for e in errors(response)), errors(response)


@pytest.mark.parametrize(("change", "message"), [
    ({"rows-0-quantity": "0"}, "Must be more than zero."),
    ({"rows-0-quantity": "1.5"}, "Count animals in whole numbers."),
    ({"rows-0-unit": "mu"}, "This unit does not fit this kind of loss."),
    ({"rows-1-damage_share": "150"}, "Must be at most 100"),
    ({"rows-0-claimed_value": "lots"}, "Must be a number"),
])
def test_losses_step_errors(officer, change, message):
    base = start(officer)
    officer.post(base + "/claimant", data=CLAIMANT)
    officer.post(base + "/incident", data=INCIDENT)
    response = officer.post(base + "/losses", data={**LOSSES, **change})
    assert response.status_code == 422
    assert any(message in e for e in errors(response)), errors(response)


def test_removed_loss_rows_are_dropped(officer, app):
    base = start(officer)
    officer.post(base + "/claimant", data=CLAIMANT)
    officer.post(base + "/incident", data=INCIDENT)
    officer.post(base + "/losses", data={**LOSSES, "rows-1-remove": "y"})
    with app.app_context():
        assert [i.category for i in db.session.query(Claim).one().items] == ["cattle"]


def test_add_row_without_javascript_adds_an_empty_row(officer):
    base = start(officer)
    officer.post(base + "/claimant", data=CLAIMANT)
    officer.post(base + "/incident", data=INCIDENT)
    page = officer.post(base + "/losses", data={**LOSSES, "add_row": "1"}).get_data(as_text=True)
    assert 'name="rows-2-kind"' in page


def test_losses_page_shows_the_rates_in_force(officer):
    base = start(officer)
    officer.post(base + "/claimant", data=CLAIMANT)
    page = officer.get(base + "/losses").get_data(as_text=True)
    assert 'id="rates-data"' in page and "6,000.00" in page


def test_photo_upload_rejects_non_images_and_keeps_the_rest(officer, app):
    base = through_losses(officer)
    response = officer.post(base + "/photos", data={
        "photos": [(io.BytesIO(b"MZ\x90\x00 not an image"), "virus.jpg"),
                   (io.BytesIO(jpeg_bytes()), "cow.jpg")], "upload": "1"},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert any("not a photo" in e for e in errors(response))
    with app.app_context():
        assert len(db.session.query(Claim).one().evidence) == 1


def test_photos_and_review_need_the_losses_first(officer):
    base = start(officer)
    unsaved = officer.get(base + "/review")
    assert unsaved.status_code == 302 and unsaved.headers["Location"].endswith("/claimant")
    officer.post(base + "/claimant", data=CLAIMANT)
    response = officer.get(base + "/review")
    assert response.status_code == 302 and response.headers["Location"].endswith("/losses")


def test_submit_without_photo_for_livestock_is_refused_on_the_review_page(officer):
    base = through_losses(officer)
    response = officer.post(base + "/review")
    assert response.status_code == 422
    assert any("at least one photo" in e for e in errors(response))


def test_receipt_shows_the_code_large(officer, app):
    base = through_losses(officer)
    officer.post(base + "/photos", data={"photos": [(io.BytesIO(jpeg_bytes()), "a.jpg")],
                                         "upload": "1"}, content_type="multipart/form-data")
    response = officer.post(base + "/review", follow_redirects=True)
    with app.app_context():
        claim = db.session.query(Claim).one()
    page = response.get_data(as_text=True)
    assert f'data-claim-code>{claim.display_code}<' in page
    assert 'data-status="submitted"' in page


def test_my_claims_lists_returned_claims_first(officer, app):
    from tests.factories import make_claim

    with app.app_context():
        submitted = make_claim("submitted")
        returned = make_claim("returned")
        db.session.commit()
        codes = (submitted.display_code, returned.display_code)
    page = officer.get("/mine").get_data(as_text=True)
    assert page.index(codes[1]) < page.index(codes[0])
    assert "Waiting on you" in page


def test_returned_claim_is_edited_and_resubmitted(officer, app):
    from tests.factories import make_claim

    with app.app_context():
        code = make_claim("returned").code
        db.session.commit()
    edit = officer.post(f"/claims/{code}/edit")
    base = edit.headers["Location"].rsplit("/", 1)[0]
    assert officer.post(base + "/losses", data={**LOSSES, "rows-0-quantity": "3"}
                        ).status_code == 302
    assert officer.post(base + "/review").status_code == 302
    with app.app_context():
        claim = Claim.by_code(code)
        assert claim.status == ClaimStatus.submitted and claim.items[0].quantity == 3


def test_other_officers_filings_are_refused_without_showing_them(officer, login_as):
    base = start(officer)
    officer.post(base + "/claimant", data=CLAIMANT)
    other = login_as("ru_officer")
    response = other.get(base + "/claimant")
    assert response.status_code == 409
    assert CLAIMANT["name"] not in response.get_data(as_text=True)


def test_office_roles_cannot_file(login_as):
    assert login_as("verifier").get("/file/new").status_code == 403
    assert login_as("verifier").get("/mine").status_code == 403


@pytest.mark.parametrize("day", ["0001-01-01", "1900-01-01", "1999-12-31"])
def test_incident_dates_before_2000_are_refused_with_a_message(officer, app, day):
    base = start(officer)
    officer.post(base + "/claimant", data=CLAIMANT)
    response = officer.post(base + "/incident", data={**INCIDENT, "occurred_date": day,
                                                      "occurred_time": "00:10"})
    assert response.status_code == 422
    assert any("cannot be before 2000-01-01" in e for e in errors(response)), errors(response)
    with app.app_context():
        assert "incident" not in db.session.query(FilingDraft).one().data


def test_a_draft_stored_with_an_incident_in_year_one_still_opens(officer, app):
    """Drafts saved before incident times were bounded must not stay broken."""
    base = start(officer)
    officer.post(base + "/claimant", data=CLAIMANT)
    with app.app_context():
        draft = db.session.query(FilingDraft).one()
        draft.data = {**draft.data, "incident": {
            "occurred_at": "0001-01-01T00:10:00+08:00", "species": "amur_tiger",
            "narrative": "old"}}
        db.session.commit()
    page = officer.get(base + "/incident")
    assert page.status_code == 200 and "old" in page.get_data(as_text=True)
    response = officer.post(base + "/losses", data=LOSSES)
    assert response.status_code == 422
    assert any("cannot be before 2000-01-01" in e for e in errors(response)), errors(response)
    assert officer.post(base + "/incident", data=INCIDENT).status_code == 302
    assert officer.post(base + "/losses", data=LOSSES).status_code == 302


def test_nul_characters_in_a_form_are_refused_with_a_message(officer, app):
    base = start(officer)
    officer.post(base + "/claimant", data=CLAIMANT)
    response = officer.post(base + "/incident", data={**INCIDENT, "narrative": "bear\x00"})
    assert response.status_code == 400
    assert "Contains a NUL character, which is not text." in response.get_data(as_text=True)
    with app.app_context():
        assert "incident" not in db.session.query(FilingDraft).one().data


def test_surrogate_bytes_in_a_form_arrive_as_text(officer, app):
    """Forms cannot carry a lone surrogate: bytes that are not UTF-8 stay percent-encoded."""
    from urllib.parse import urlencode

    base = start(officer)
    officer.post(base + "/claimant", data=CLAIMANT)
    body = urlencode({**INCIDENT, "narrative": "X"}).replace("narrative=X",
                                                             "narrative=%ED%A0%80")
    response = officer.post(base + "/incident", input_stream=io.BytesIO(body.encode()),
                            content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302
    with app.app_context():
        narrative = db.session.query(FilingDraft).one().data["incident"]["narrative"]
    assert narrative == "%ED%A0%80"


def test_a_returned_claims_question_stands_at_the_top_of_the_claim_and_of_each_step(
        officer, app):
    from tests.factories import make_claim

    with app.app_context():
        claim = make_claim("returned")
        code = claim.code
        db.session.commit()
    question = "Please add a photo of the carcass."  # the comment PATH["returned"] gives
    page = officer.get(f"/claims/{code}").get_data(as_text=True)
    assert 'class="open-question"' in page
    assert page.index('class="open-question"') < page.index(question) < page.index("<h2")
    base = officer.post(f"/claims/{code}/edit").headers["Location"].rsplit("/", 1)[0]
    for step in ("claimant", "incident", "losses", "photos", "review"):
        html = officer.get(f"{base}/{step}").get_data(as_text=True)
        assert 'class="open-question"' in html and question in html, step
        assert html.index(question) < html.index("<form", html.index("<main")), step


def test_editing_a_claim_filed_elsewhere_starts_from_what_it_holds(officer, app):
    from tests.factories import make_claim

    with app.app_context():
        code = make_claim("returned").code  # filed through the operations, as the API does
        db.session.commit()
    base = officer.post(f"/claims/{code}/edit").headers["Location"].rsplit("/", 1)[0]
    claimant = officer.get(base + "/claimant").get_data(as_text=True)
    assert 'value="张桂兰"' in claimant and 'value="+8613800000001"' in claimant
    assert "222401196501011234" not in claimant  # shown only masked, never refilled
    assert officer.post(base + "/claimant", data={
        "village": "CN-JL-HC-CH-CM", "name": "张桂兰", "phone": "+8613800000001",
        "language": "zh_Hans"}).status_code == 302
    with app.app_context():
        assert Claim.by_code(code).claimant.id_number == "222401196501011234"
    incident = officer.get(base + "/incident").get_data(as_text=True)
    assert "夜间老虎咬死两头牛" in incident and 'value="43.1234"' in incident
    losses = officer.get(base + "/losses").get_data(as_text=True)
    assert 'name="rows-0-quantity" type="text" value="2"' in losses.replace("inputmode", "")\
        or re.search(r'name="rows-0-quantity"[^>]*value="2"', losses)
    assert re.search(r'<option selected value="cattle">|<option value="cattle" selected', losses)


def test_phone_examples_are_of_the_villages_own_country(login_as):
    ru_officer = login_as("ru_officer")
    base = ru_officer.get("/file/new").headers["Location"].rsplit("/", 1)[0]
    page = ru_officer.get(base + "/claimant").get_data(as_text=True)
    assert "+7 912" in page and "+86" not in page
    refused = ru_officer.post(base + "/claimant", data={
        "village": "RU-PRI-KHS-SL", "name": "Иван", "phone": "12", "language": "ru"})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "+7912" in text and "+86" not in text
