"""The queue page's per-row work: the warnings of a whole page of claims are read in a fixed
number of queries, with the same result as each claim's own, and the region filter offers a
bounded list (issue 13)."""

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from hwc.accounts.models import User
from hwc.claims.flags import claim_flags, page_flags
from hwc.claims.models import Claim
from hwc.extensions import db
from tests.factories import claim_body, make_claim, make_khasansky_claim

VILLAGES = ("CN-JL-HC-CH-CM", "CN-JL-HC-CH-DA", "CN-JL-HC-CH-CC")


@pytest.fixture
def office(login_as):
    def make(username):
        client = login_as(username)
        client.post("/language", data={"language": "en"})
        return client
    return make


def file_claims(count: int, start: int = 0) -> list[Claim]:
    """``count`` submitted claims over the same villages, every second one by the same claimant
    (duplicate incidents, a shared identity number) and each with the same photo."""
    claims = []
    for n in range(start, start + count):
        who = n if n % 2 == 0 else 1
        body = claim_body(village=VILLAGES[n % len(VILLAGES)], claimant={
            "name": f"农户{who}", "phone": f"+86138000{who:05d}",
            "language": "zh_Hans", "id_number": "222401196501011234"})
        claims.append(make_claim("submitted", body=body))
    return claims


@contextmanager
def counted_statements(app):
    with app.app_context():
        engine = db.engine
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def queue_statements(app, client) -> int:
    with counted_statements(app) as statements:
        response = client.get("/queue?sort=reported")
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("username", ["verifier", "admin"])
def test_a_queue_page_reads_the_same_number_of_statements_for_5_rows_as_for_25(
        office, app, demo, username):
    client = office(username)
    with app.app_context():
        file_claims(5)
        db.session.commit()
    queue_statements(app, client)  # the first request fills the application's caches
    few = queue_statements(app, client)
    with app.app_context():
        file_claims(25, start=5)
        db.session.commit()
    queue_statements(app, client)
    many = queue_statements(app, client)
    print(f"{username}: {few} statements for 5 rows, {many} for 25")
    assert many == few


def test_the_flags_of_a_page_are_each_claims_own_flags(ctx, demo):
    claims = file_claims(4)
    late = claim_body(claimant={"name": "迟报", "phone": "+8613900000009",
                                "language": "zh_Hans"})
    late["incident"]["occurred_at"] = "2024-01-01T08:00:00+00:00"
    late["losses"][1]["category"] = "ginseng"  # no rate in the demo schedules
    claims.append(make_claim("submitted", body=late))
    make_khasansky_claim("submitted")
    claims = list(db.session.scalars(db.select(Claim)))
    seen = set()
    for username in ("verifier", "admin", "ru_verifier"):
        viewer = User.by_username(username)
        mine = [c for c in claims if viewer.can_see_region(c.village)]
        batched = page_flags(mine, viewer=viewer)
        for claim in mine:
            assert batched[claim.id] == claim_flags(claim, viewer=viewer), claim.code
            seen |= {flag.code for flag in batched[claim.id]}
    assert seen >= {"duplicate_incident", "reused_photo", "shared_id_number", "late_report",
                    "no_rate"}, seen
