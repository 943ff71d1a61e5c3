"""Pages whose cost does not grow with history: the queue of those who watch a wide area reads
claims in the order of an index, and the exports stream (issue 13)."""

import csv
import io
import json

import pytest
from sqlalchemy import event, text

from hwc.accounts.models import User
from hwc.claims import queues
from hwc.claims.filters import QueueFilters
from hwc.claims.models import Claim
from hwc.claims.queues import PAGE_SIZE, queue_query, sort_key, wide_area
from hwc.dashboard import exports
from hwc.extensions import db
from hwc.payments.budgets import unpaid_against_budgets
from tests.factories import make_claim

# SQLite's statistics (``ANALYZE``) of a database of 1,000,000 claims over ten years in 1,500
# villages: the planner then chooses as it would there. The test's transaction undoes them.
MILLION_CLAIMS_STATS = [
    ("claims", "ix_claims_reported_at_id", "1000000 185 1"),
    ("claims", "ix_claims_village_id", "1000000 662"),
    ("claims", "ix_claims_status_due_at", "1000000 125000 1137"),
    ("claims", "ix_claims_status", "1000000 125000"),
    ("claims", "ix_claims_notice_until", "1000000 8850"),
    ("claims", "ix_claims_claimant_id", "1000000 4"),
    ("workflow_events", "ix_workflow_events_claim_id", "4998868 5"),
    ("regions", "ix_regions_parent_id", "1704 9"),
]


def pretend_a_million_claims() -> None:
    db.session.execute(text("ANALYZE"))
    db.session.execute(text("DELETE FROM sqlite_stat1 WHERE tbl IN "
                            "('claims', 'workflow_events', 'regions')"))
    for table, index, stat in MILLION_CLAIMS_STATS:
        db.session.execute(text("INSERT INTO sqlite_stat1 VALUES (:t, :i, :s)"),
                           {"t": table, "i": index, "s": stat})
    db.session.execute(text("ANALYZE sqlite_schema"))  # reads the statistics again


def first_page_plan(username: str, sort: str = "reported") -> str:
    """The database's plan for the first page of ``username``'s queue in ``sort`` order."""
    user = User.by_username(username)
    column, _ascending = sort_key(sort)
    statement = (queue_query(user, QueueFilters(sort=sort))
                 .order_by(column.desc(), Claim.id.desc()).limit(PAGE_SIZE + 1))
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    if db.engine.dialect.name == "sqlite":
        pretend_a_million_claims()
        rows = db.session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        return "\n".join(row[-1] for row in rows)
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    db.session.execute(text("SET LOCAL enable_sort = off"))
    return "\n".join(row[0] for row in db.session.execute(text(f"EXPLAIN {compiled}")))


def test_a_country_watches_a_wide_area_and_a_township_does_not(ctx, demo, monkeypatch):
    monkeypatch.setattr(queues, "WIDE_AREA_SHARE", 0.5)  # the demo world has a dozen villages
    assert wide_area(User.by_username("admin"))
    assert not wide_area(User.by_username("officer"))


def test_the_wide_area_queue_reads_claims_in_report_order_without_sorting_them(ctx, demo):
    plan = first_page_plan("admin")
    assert "ix_claims_reported_at_id" in plan, plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan and "Sort" not in plan, plan


@pytest.mark.parametrize("username", ["verifier", "approver", "finance"])
def test_what_waits_on_someone_is_read_through_the_status_index(ctx, demo, username):
    """Open claims are few whatever the history; the area's claims are not."""
    plan = first_page_plan(username, sort="due")
    assert "ix_claims_status" in plan, plan
    assert "ix_claims_village_id" not in plan and "SCAN claims" not in plan, plan


def plan_of_statement(marker: str, call) -> str:
    """The plan of the statement containing ``marker`` that ``call()`` runs."""
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    statement, parameters = next(s for s in statements if marker in s[0])
    connection = db.session.connection()
    if db.engine.dialect.name == "sqlite":
        pretend_a_million_claims()
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return "\n".join(row[-1] for row in rows)
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
    return "\n".join(row[0] for row in rows)


def test_the_budget_panel_counts_approved_claims_through_the_status_index(ctx, demo):
    finance = User.by_username("finance")
    plan = plan_of_statement("GROUP BY claims.currency", lambda: unpaid_against_budgets(finance))
    assert "ix_claims_status" in plan, plan
    assert "ix_claims_village_id" not in plan and "SCAN claims" not in plan, plan


@pytest.fixture
def two_claims(app, demo):
    with app.app_context():
        codes = [make_claim("submitted").code for _ in range(2)]
        db.session.commit()
    return codes


def test_csv_export_streams_its_rows_in_pieces_with_the_same_content(login_as, two_claims,
                                                                    monkeypatch):
    client = login_as("auditor")
    whole = client.get("/exports/claims.csv").data
    monkeypatch.setattr(exports, "CHUNK_BYTES", 1)  # each row its own piece
    response = client.get("/exports/claims.csv", buffered=False)
    assert response.is_streamed
    pieces = list(response.response)
    response.close()
    assert len(pieces) >= 3  # the header, then each claim as it is read
    assert pieces[0].startswith("\ufeff".encode()) and pieces[0].count(b"\n") == 1
    assert b"".join(pieces) == whole
    rows = list(csv.reader(io.StringIO(whole.decode("utf-8-sig"))))
    assert {row[0].replace("-", "") for row in rows[1:]} >= set(two_claims)


def test_geojson_export_streamed_in_pieces_is_one_valid_document(login_as, two_claims,
                                                                monkeypatch):
    client = login_as("auditor")
    whole = json.loads(client.get("/exports/claims.geojson").data)
    monkeypatch.setattr(exports, "CHUNK_BYTES", 1)
    response = client.get("/exports/claims.geojson", buffered=False)
    pieces = list(response.response)
    response.close()
    assert len(pieces) >= 3
    assert json.loads(b"".join(pieces)) == whole
    assert len(whole["features"]) >= 2


def test_the_first_piece_of_an_export_comes_before_the_claims_are_all_read(login_as,
                                                                           two_claims,
                                                                           monkeypatch):
    """A generator response: the rows are read while the download runs, not before it."""
    read = []
    original = exports.columns

    def counting_columns():
        (header, code), *others = original()

        def counted_code(claim):
            read.append(claim.id)
            return code(claim)

        return [(header, counted_code), *others]

    monkeypatch.setattr(exports, "columns", counting_columns)
    monkeypatch.setattr(exports, "CHUNK_BYTES", 1)
    response = login_as("auditor").get("/exports/claims.csv", buffered=False)
    stream = iter(response.response)
    next(stream)  # the header
    assert read == []
    second = next(stream)
    assert len(read) == 1 and second.count(b"\n") == 1
    rest = b"".join(stream)
    response.close()
    assert len(read) == 1 + rest.count(b"\n") >= 2
