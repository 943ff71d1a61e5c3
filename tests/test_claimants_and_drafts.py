"""The officer's filings (issue 9, 3.3 and 3.4): an existing claimant is reused, never twinned;
unfinished filings can be deleted by their officer and expire when left empty; photos can be
deleted before submission and each has its own caption."""

import re

import pytest
from sqlalchemy import func, select

from hwc.claims.models import Claim, Claimant
from hwc.extensions import db
from tests.factories import claim_body, make_claim
from tests.test_filing_pages import CLAIMANT, INCIDENT, LOSSES, errors, start


@pytest.fixture
def officer(login_as):
    client = login_as("officer")
    client.post("/language", data={"language": "en"})
    return client


def claimant_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(Claimant))


def file_through_losses(client, base: str, claimant: dict) -> None:
    assert client.post(base + "/claimant", data=claimant).status_code == 302
    assert client.post(base + "/incident", data=INCIDENT).status_code == 302
    assert client.post(base + "/losses", data=LOSSES).status_code == 302


@pytest.fixture
def known(app, demo):
    """张桂兰 of Chunming (+86 138 0000 0001, identity number …1234), with one claim."""
    with app.app_context():
        claim = make_claim("submitted")
        db.session.commit()
        return claim.claimant_id


# --- 3.3 claimants ----------------------------------------------------------------------

def test_picking_an_existing_claimant_files_for_that_record_and_makes_no_twin(officer, app,
                                                                             known):
    base = start(officer)
    # The village of the incident is another one than the claimant's home: still one record.
    file_through_losses(officer, base, {"village": "CN-JL-HC-CH-DA", "existing": str(known),
                                        "name": "", "phone": "", "language": "zh_Hans"})
    with app.app_context():
        assert claimant_rows() == 1
        newest = db.session.scalars(select(Claim).order_by(Claim.id.desc())).first()
        assert newest.claimant_id == known


def test_a_claimant_outside_the_officers_area_cannot_be_picked(officer, app, known):
    with app.app_context():
        foreign = make_claim("draft", officer="ru_officer", body=claim_body(
            village="RU-PRI-KHS-SL", claimant={"name": "Иван", "phone": "+79241234567",
                                               "language": "ru"}))
        db.session.commit()
        foreign_id = foreign.claimant_id
    base = start(officer)
    response = officer.post(base + "/claimant", data={**CLAIMANT, "existing": str(foreign_id)})
    assert response.status_code == 404
    assert "Иван" not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Claimant)) == 2


@pytest.mark.parametrize("typed", [
    {"name": "张桂兰", "phone": "138 0000 0001"},  # the phone, written the national way
    {"name": " 张桂兰 ", "phone": "+8613912345678", "id_number": "2224-0119-6501-011234"},
])
def test_typing_a_known_phone_or_identity_number_with_the_same_name_reuses_the_record(
        officer, app, known, typed):
    base = start(officer)
    file_through_losses(officer, base, {"village": "CN-JL-HC-CH-DA", "language": "zh_Hans",
                                        **typed})
    with app.app_context():
        assert claimant_rows() == 1
        newest = db.session.scalars(select(Claim).order_by(Claim.id.desc())).first()
        assert newest.claimant_id == known
        assert newest.claimant.phone == "+86" + typed["phone"].replace(" ", "").removeprefix(
            "+86")


def test_typing_a_known_phone_with_another_name_asks_before_adding_a_second_person(
        officer, app, known):
    base = start(officer)
    typed = {"village": "CN-JL-HC-CH-CM", "name": "李四", "phone": "+8613800000001",
             "language": "zh_Hans"}
    response = officer.post(base + "/claimant", data=typed)
    assert response.status_code == 422
    assert any("张桂兰" in e and "already on record" in e for e in errors(response)), \
        errors(response)
    assert 'name="different_person"' in response.get_data(as_text=True)
    with app.app_context():
        assert claimant_rows() == 1
    file_through_losses(officer, base, {**typed, "different_person": "y"})
    with app.app_context():
        assert claimant_rows() == 2
        newest = db.session.scalars(select(Claim).order_by(Claim.id.desc())).first()
        assert newest.claimant.name == "李四" and newest.claimant_id != known


def test_the_api_files_for_a_picked_claimant_and_refuses_one_outside_the_area(api, app,
                                                                            known):
    officer = api("officer")
    body = claim_body(village="CN-JL-HC-CH-DA", claimant={
        "id": known, "name": "张桂兰", "phone": "+8613800000001"})
    assert officer.post("/api/v1/claims", json=body).status_code == 201
    with app.app_context():
        assert claimant_rows() == 1
    ru = api("ru_officer")
    body = claim_body(village="RU-PRI-KHS-SL", claimant={
        "id": known, "name": "张桂兰", "phone": "+8613800000001"})
    assert ru.post("/api/v1/claims", json=body).status_code == 404
    with app.app_context():
        assert claimant_rows() == 1


def test_the_claimant_step_remembers_the_picked_claimant(officer, app, known):
    base = start(officer)
    officer.post(base + "/claimant", data={"village": "CN-JL-HC-CH-CM", "existing": str(known),
                                           "language": "zh_Hans"})
    page = officer.get(base + "/claimant").get_data(as_text=True)
    assert re.search(rf'<option (selected )?value="{known}"( selected)?>', page).group(1) or \
        re.search(rf'<option (selected )?value="{known}"( selected)?>', page).group(2)
