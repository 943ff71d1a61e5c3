"""The officer's filings (issue 9, 3.3 and 3.4): an existing claimant is reused, never twinned;
unfinished filings can be deleted by their officer and expire when left empty; photos can be
deleted before submission and each has its own caption."""

import io
import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from hwc.accounts.models import Role, User
from hwc.accounts.operations import create_user
from hwc.audit.models import AuditEvent
from hwc.claims.evidence import add_evidence, delete_evidence, evidence_path
from hwc.claims.filing import save_claimant, save_incident, save_losses, start_filing
from hwc.claims.models import Claim, Claimant, Evidence, FilingDraft
from hwc.core.db import utcnow
from hwc.demo.world import DEFAULT_PASSWORD
from hwc.extensions import db
from hwc.regions.models import Region
from tests.factories import claim_body, jpeg_bytes, make_claim
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


# --- 3.3 drafts ---------------------------------------------------------------------------

def filing_of(base: str):
    client_uuid = uuid.UUID(base.rsplit("/", 1)[1])
    return db.session.scalar(select(FilingDraft).where(FilingDraft.client_uuid == client_uuid))


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_an_officer_deletes_their_own_unfinished_filing_after_confirming(officer, app):
    base = start(officer)
    officer.post(base + "/claimant", data=CLAIMANT)
    confirm = officer.get(base + "/delete")
    assert confirm.status_code == 200 and "Delete this unfinished claim?" in confirm.get_data(
        as_text=True)
    with app.app_context():
        assert filing_of(base) is not None  # asking changes nothing
    response = officer.post(base + "/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith("/mine")
    with app.app_context():
        assert filing_of(base) is None
        [event] = events("delete_filing")
        assert event.actor.username == "officer" and event.claim_id is None
        assert event.changes["client_uuid"] == base.rsplit("/", 1)[1]
        assert "李秀英" not in str(event.changes)  # no personal data in the trail


def test_my_claims_offers_to_delete_each_unfinished_filing(officer):
    base = start(officer)
    officer.post(base + "/claimant", data=CLAIMANT)
    page = officer.get("/mine").get_data(as_text=True)
    assert f'href="{base.removeprefix("http://localhost")}/delete"' in page


def test_another_officers_filing_cannot_be_deleted_and_is_not_revealed(officer, app,
                                                                      login_as):
    base = start(officer)
    officer.post(base + "/claimant", data=CLAIMANT)
    with app.app_context():
        create_user("officer2", DEFAULT_PASSWORD, Role.village_officer,
                    Region.by_code("CN-JL-HC-CH"), actor=None)
        db.session.commit()
    for username in ("officer2", "ru_officer"):
        other = login_as(username)
        assert other.get(base + "/delete").status_code == 404
        response = other.post(base + "/delete")
        assert response.status_code == 404
        assert CLAIMANT["name"] not in response.get_data(as_text=True)
    with app.app_context():
        assert filing_of(base) is not None and not events("delete_filing")


@pytest.mark.parametrize("submitted", [False, True])
def test_a_filing_that_became_a_claim_is_not_deleted_but_refused_with_409(officer, app,
                                                                         submitted):
    base = start(officer)
    file_through_losses(officer, base, CLAIMANT)
    if submitted:
        officer.post(base + "/photos", data={"photos": [(io.BytesIO(jpeg_bytes()), "a.jpg")],
                                             "upload": "1"},
                     content_type="multipart/form-data")
        assert officer.post(base + "/review", data={}).status_code == 302
    response = officer.post(base + "/delete")
    assert response.status_code == 409
    assert "withdraw" in response.get_data(as_text=True)
    with app.app_context():
        assert filing_of(base) is not None and db.session.query(Claim).count() == 1
        assert not events("delete_filing")


def test_office_roles_cannot_delete_filings(officer, login_as, app):
    base = start(officer)
    officer.post(base + "/claimant", data=CLAIMANT)
    assert login_as("verifier").post(base + "/delete").status_code == 403
    with app.app_context():
        assert filing_of(base) is not None


def test_filings_left_empty_past_the_limit_expire_by_command(app, demo, runner):
    from hwc.claims.filing import EMPTY_FILING_DAYS

    with app.app_context():
        officer = User.by_username("officer")
        old = utcnow() - timedelta(days=EMPTY_FILING_DAYS + 1)
        recent = utcnow() - timedelta(days=EMPTY_FILING_DAYS - 1)

        def filing(days_old, *sections):
            draft = start_filing(officer)
            save_claimant(draft, CLAIMANT["village"], CLAIMANT, actor=officer)
            if "incident" in sections:
                save_incident(draft, {"occurred_at": (utcnow() - timedelta(days=30)).isoformat(),
                                      "species": "amur_tiger"}, actor=officer)
            if "losses" in sections:
                save_losses(draft, [{"kind": "livestock", "category": "cattle",
                                     "condition": "dead", "quantity": "1", "unit": "head"}],
                            actor=officer)
            db.session.execute(update(FilingDraft).where(FilingDraft.id == draft.id)
                               .values(updated_at=days_old))
            return draft.client_uuid

        empty_old, empty_recent = filing(old), filing(recent)
        started_old, filed_old = filing(old, "incident"), filing(old, "incident", "losses")
        db.session.commit()
    result = runner.invoke(args=["hwc", "drafts", "expire"])
    assert result.exit_code == 0, result.output
    assert "1" in result.output
    with app.app_context():
        left = set(db.session.scalars(select(FilingDraft.client_uuid)))
        assert left == {empty_recent, started_old, filed_old}
        [event] = events("expire_filing")
        assert event.actor_id is None and event.changes["client_uuid"] == str(empty_old)


# --- 3.4 photos ---------------------------------------------------------------------------

def upload(client, base: str, *colours) -> None:
    response = client.post(base + "/photos", data={
        "photos": [(io.BytesIO(jpeg_bytes(colour)), f"{n}.jpg") for n, colour in
                   enumerate(colours)], "upload": "1"}, content_type="multipart/form-data")
    assert response.status_code == 302, errors(response)


def photos_of(base: str) -> list[Evidence]:
    return list(filing_of(base).claim.evidence)


def test_an_officer_deletes_a_photo_of_a_draft_and_its_files_go_after_the_commit(officer,
                                                                                 app):
    base = start(officer)
    file_through_losses(officer, base, CLAIMANT)
    upload(officer, base, (10, 10, 10), (200, 10, 10))
    with app.app_context():
        first, second = photos_of(base)
        code, first_id, second_id = first.claim.code, first.id, second.id
        stored, sha = evidence_path(first), first.sha256
        assert officer.get(f"/claims/{code}/evidence/{first_id}?thumb=1").status_code == 200
        thumb = stored.with_name(stored.stem + ".thumb.jpg")
        assert stored.exists() and thumb.exists()
    page = officer.get(base + "/photos").get_data(as_text=True)
    assert f'formaction="/claims/{code}/evidence/{first_id}/delete"' in page
    response = officer.post(f"/claims/{code}/evidence/{first_id}/delete",
                            data={"back": "filing"})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        base.removeprefix("http://localhost") + "/photos")
    with app.app_context():
        assert [p.id for p in photos_of(base)] == [second_id]
        assert not stored.exists() and not thumb.exists()
        [event] = events("delete_evidence")
        assert event.changes["sha256"] == sha and event.actor.username == "officer"


def test_a_photo_delete_that_rolls_back_keeps_the_file(app, demo):
    with app.app_context():
        claim = make_claim("draft")
        db.session.commit()
        photo = claim.evidence[0]
        stored = evidence_path(photo)
        delete_evidence(photo, actor=User.by_username("officer"))
        db.session.rollback()
        assert stored.exists()
        db.session.commit()  # a later commit of something else removes nothing
        assert stored.exists() and len(Claim.by_code(claim.code).evidence) == 1


def test_a_photo_of_a_submitted_claim_cannot_be_deleted(officer, app, demo):
    with app.app_context():
        claim = make_claim("submitted")
        db.session.commit()
        code, photo_id, stored = claim.code, claim.evidence[0].id, evidence_path(
            claim.evidence[0])
    response = officer.post(f"/claims/{code}/evidence/{photo_id}/delete")
    assert response.status_code == 403
    assert "can no longer be changed" in response.get_data(as_text=True)
    with app.app_context():
        assert len(Claim.by_code(code).evidence) == 1 and stored.exists()
        assert not events("delete_evidence")


def test_on_a_returned_claim_only_photos_added_since_the_return_can_be_deleted(officer, app,
                                                                              demo):
    with app.app_context():
        claim = make_claim("returned")
        seen = claim.evidence[0].id
        added = add_evidence(claim, jpeg_bytes((1, 99, 1)), actor=User.by_username("officer"))
        db.session.commit()
        code, added_id = claim.code, added.id
    assert officer.post(f"/claims/{code}/evidence/{seen}/delete").status_code == 403
    assert officer.post(f"/claims/{code}/evidence/{added_id}/delete").status_code == 302
    with app.app_context():
        assert [e.id for e in Claim.by_code(code).evidence] == [seen]


def test_a_verifier_deletes_only_photos_they_added_while_verifying(app, demo, login_as):
    with app.app_context():
        claim = make_claim("under_verification")
        officers = claim.evidence[0].id
        own = add_evidence(claim, jpeg_bytes((5, 5, 250)), actor=User.by_username("verifier"))
        db.session.commit()
        code, own_id = claim.code, own.id
    verifier = login_as("verifier")
    page = verifier.get(f"/claims/{code}").get_data(as_text=True)
    assert f"/claims/{code}/evidence/{own_id}/delete" in page
    assert f"/claims/{code}/evidence/{officers}/delete" not in page
    assert verifier.post(f"/claims/{code}/evidence/{officers}/delete").status_code == 403
    assert login_as("ru_verifier").post(
        f"/claims/{code}/evidence/{own_id}/delete").status_code == 404
    assert verifier.post(f"/claims/{code}/evidence/{own_id}/delete").status_code == 302
    with app.app_context():
        assert [e.id for e in Claim.by_code(code).evidence] == [officers]


def test_each_photo_has_its_own_caption(officer, app):
    base = start(officer)
    file_through_losses(officer, base, CLAIMANT)
    upload(officer, base, (10, 10, 10), (200, 10, 10))
    with app.app_context():
        first, second = (p.id for p in photos_of(base))
    response = officer.post(base + "/photos", data={
        f"caption-{first}": "the dead cow", f"caption-{second}": "tracks by the fence",
        "captions": "1"}, content_type="multipart/form-data")
    assert response.status_code == 302, errors(response)
    with app.app_context():
        assert [p.caption for p in photos_of(base)] == ["the dead cow", "tracks by the fence"]
        changes = [e.changes for e in events("caption_evidence")]
        assert {"evidence_id": first, "caption": {"from": "", "to": "the dead cow"}} in changes
    page = officer.get(base + "/photos").get_data(as_text=True)
    assert 'value="the dead cow"' in page and 'value="tracks by the fence"' in page
    assert "Captions saved." in page  # the officer is told; a fetched save does not navigate
    assert 'name="caption"' not in page  # no caption for a whole batch any more


def test_a_caption_too_long_is_refused_beside_its_photo_and_nothing_changes(officer, app):
    base = start(officer)
    file_through_losses(officer, base, CLAIMANT)
    upload(officer, base, (10, 10, 10), (200, 10, 10))
    with app.app_context():
        first, second = (p.id for p in photos_of(base))
    response = officer.post(base + "/photos", data={
        f"caption-{first}": "fine", f"caption-{second}": "x" * 256, "captions": "1"},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert any("At most 255 characters" in e for e in errors(response)), errors(response)
    with app.app_context():
        assert [p.caption for p in photos_of(base)] == ["", ""]
