"""Payment runs: choosing the payable claims, reserving the budget, the worker issuing, printing
and writing the bank file, a worker killed mid-run, cancelling, scope, and two runs racing for
the last money."""

import csv
import io
import threading
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from hwc.accounts.models import User
from hwc.claims.models import ClaimStatus
from hwc.core.db import utcnow
from hwc.extensions import db
from hwc.jobs.models import Job, JobStatus
from hwc.jobs.queue import run_one
from hwc.payments import printing
from hwc.payments.budgets import BudgetExceeded, funded, remaining
from hwc.payments.models import Budget, BudgetTopUp, ItemState, PaymentRun, RunStatus
from hwc.payments.run_jobs import issued_total
from hwc.payments.runs import (
    RunNotFound,
    RunRefused,
    cancel_run,
    create_run,
    expected_amount,
    get_run,
    payable_claims,
    progress,
)
from hwc.regions.models import Region
from hwc.vouchers.models import Voucher, VoucherStatus
from hwc.workflow.errors import RoleNotAllowed
from hwc.workflow.service import perform
from tests.factories import claim_body, make_claim, make_khasansky_claim
from tests.test_jobs import wait_for, workers  # noqa: F401 - the worker processes' fixture


def crops_only() -> dict:
    """A claim for maize only: it needs no photo, so two hundred are made quickly."""
    body = claim_body()
    body["losses"] = body["losses"][1:]
    return body


def finance() -> User:
    return User.by_username("finance")


def make_budget(amount: Decimal | str = "10000000", region="CN-JL-HC", currency="CNY",
                fund="central") -> Budget:
    region = Region.by_code(region)
    creator = finance() if currency == "CNY" else User.by_username("ru_finance")
    budget = Budget(region_id=region.id, year=2026, fund=fund, currency=currency,
                    created_by_id=creator.id)
    db.session.add(budget)
    db.session.flush()
    db.session.add(BudgetTopUp(budget_id=budget.id, amount=Decimal(amount),
                               document_reference="财政局 2026-1", created_by_id=creator.id))
    db.session.flush()
    return budget


def work_off(limit: int = 1000) -> int:
    """Run due jobs in this process until none is due; how many ran."""
    ran = 0
    while ran < limit and run_one("test-worker") is not None:
        ran += 1
    return ran


def run_until(kind: str) -> None:
    """Run due jobs until one of ``kind`` has run (the text messages go first)."""
    while (job := run_one("test-worker")) is not None and job.kind != kind:
        pass


def run_vouchers(run: PaymentRun) -> list[Voucher]:
    return list(db.session.scalars(select(Voucher).where(
        Voucher.claim_id.in_([item.claim_id for item in run.items])).order_by(Voucher.seq)))


@pytest.fixture
def one_process(app):
    """Render in the worker itself (the process pool is measured, not needed, here)."""
    before = app.config["HWC_PAYMENT_RUN_PROCESSES"]
    app.config["HWC_PAYMENT_RUN_PROCESSES"] = 1
    yield
    app.config["HWC_PAYMENT_RUN_PROCESSES"] = before


# --- choosing and starting --------------------------------------------------------------------

def test_payable_claims_are_the_approved_ones_in_the_budgets_region_oldest_first(ctx, demo):
    first, second = make_claim("approved"), make_claim("approved")
    make_claim("verified")
    make_khasansky_claim("approved")  # roubles, and outside Hunchun
    budget = make_budget()
    assert [claim.code for claim in payable_claims(finance(), budget)] == [first.code,
                                                                           second.code]


def test_a_run_by_hand_reserves_its_claims_and_queues_the_worker(ctx, demo):
    claims = [make_claim("approved") for _ in range(2)]
    budget = make_budget("100000")
    run = create_run(actor=finance(), budget_id=budget.id, codes=[c.display_code for c in claims])
    assert run.status is RunStatus.queued and run.item_count == 2
    assert run.total == sum(expected_amount(c) for c in claims)
    assert remaining(budget) == Decimal("100000") - run.total
    assert db.session.scalar(select(func.count()).where(
        Job.kind == "payments.issue", Job.status == JobStatus.queued)) == 1
    assert payable_claims(finance(), budget) == []  # pending in this run


def test_a_code_that_is_not_payable_is_refused_by_name_and_nothing_is_written(ctx, demo):
    payable, unapproved = make_claim("approved"), make_claim("verified")
    budget = make_budget()
    with pytest.raises(RunRefused) as refused:
        create_run(actor=finance(), budget_id=budget.id, codes=[payable.code, unapproved.code])
    assert unapproved.code in refused.value.message
    assert db.session.scalar(select(func.count()).select_from(PaymentRun)) == 0
    assert db.session.scalar(select(func.count()).where(Job.kind.like("payments.%"))) == 0


@pytest.mark.parametrize("codes", [[], ["x" * 10_000], [None], "ABC", list(range(5001))])
def test_bad_code_lists_are_refused(ctx, demo, codes):
    make_claim("approved")
    budget = make_budget()
    with pytest.raises(RunRefused):
        create_run(actor=finance(), budget_id=budget.id, codes=codes)


def test_all_payable_stops_at_the_first_claim_that_does_not_fit(ctx, demo):
    claims = [make_claim("approved") for _ in range(3)]
    amount = expected_amount(claims[0])
    budget = make_budget(amount + Decimal("0.01"))
    run = create_run(actor=finance(), budget_id=budget.id, auto=True)
    assert [item.claim_id for item in run.items] == [claims[0].id]
    budget_short = make_budget(amount - Decimal("0.01"), fund="provincial")
    with pytest.raises(RunRefused):
        create_run(actor=finance(), budget_id=budget_short.id, auto=True)


def test_a_run_larger_than_the_money_left_is_refused(ctx, demo):
    claims = [make_claim("approved") for _ in range(2)]
    budget = make_budget(expected_amount(claims[0]))
    with pytest.raises(BudgetExceeded):
        create_run(actor=finance(), budget_id=budget.id, codes=[c.code for c in claims])
    assert db.session.scalar(select(func.count()).select_from(PaymentRun)) == 0


def test_only_finance_starts_a_run(ctx, demo):
    claim = make_claim("approved")
    budget = make_budget()
    with pytest.raises(RoleNotAllowed):
        create_run(actor=User.by_username("approver"), budget_id=budget.id, codes=[claim.code])


def test_a_foreign_or_missing_budget_or_run_is_not_found(ctx, demo):
    make_khasansky_claim("approved")
    foreign = make_budget("100000", region="RU-PRI-KHS", currency="RUB")
    for budget_id in (foreign.id, 999_999, "1", None):
        with pytest.raises(RunNotFound):
            create_run(actor=finance(), budget_id=budget_id, auto=True)
    run = create_run(actor=User.by_username("ru_finance"), budget_id=foreign.id, auto=True)
    with pytest.raises(RunNotFound):
        get_run(run.id, finance())
    with pytest.raises(RunNotFound):
        cancel_run(run, actor=finance())


# --- the worker -------------------------------------------------------------------------------

def test_two_hundred_claims_run_through_the_worker(ctx, demo, app):
    started = time.monotonic()
    claims = [make_claim("approved", photo=False, body=crops_only()) for _ in range(200)]
    print(f"200 approved claims in {time.monotonic() - started:.1f} s")
    budget = make_budget()
    run = create_run(actor=finance(), budget_id=budget.id, auto=True)
    assert run.item_count == 200
    started = time.monotonic()
    work_off()
    print(f"run of 200 in {time.monotonic() - started:.1f} s")
    db.session.refresh(run)
    assert run.status is RunStatus.done and run.finished_at is not None
    assert (run.issued_count, run.failed_count, run.printed_count) == (200, 0, 200)
    vouchers = run_vouchers(run)
    assert sorted(v.claim_id for v in vouchers) == sorted(c.id for c in claims)  # each once
    seqs = [v.seq for v in vouchers]
    assert seqs == list(range(seqs[0], seqs[0] + 200))  # contiguous
    assert all(v.budget_id == budget.id for v in vouchers)
    folder = printing.run_folder(run.id)
    assert len(PdfReader(folder / run.pdf_name).pages) == 200
    rows = list(csv.DictReader(io.StringIO((folder / run.bank_file_name).read_text("utf-8"))))
    assert len(rows) == 200
    assert sum(Decimal(row["amount"]) for row in rows) == run.total == issued_total(run)
    assert remaining(budget) == funded(budget) - run.total
    assert progress(run)["finished"] and progress(run)["done"] == 200


def test_a_claim_that_became_unpayable_fails_alone(ctx, demo, one_process):
    claims = [make_claim("approved") for _ in range(3)]
    budget = make_budget()
    run = create_run(actor=finance(), budget_id=budget.id, auto=True)
    perform(claims[1], "issue_voucher", actor=finance())  # paid some other way meanwhile
    work_off()
    db.session.refresh(run)
    states = [item.state for item in run.items]
    assert states == [ItemState.issued, ItemState.failed, ItemState.issued]
    assert run.items[1].error
    assert run.status is RunStatus.done and run.failed_count == 1
    assert len(PdfReader(printing.run_folder(run.id) / run.pdf_name).pages) == 2


def test_a_cancelled_run_stops_and_prints_what_was_issued(ctx, demo, app, one_process):
    app.config["HWC_PAYMENT_RUN_CHUNK"] = 2
    try:
        claims = [make_claim("approved") for _ in range(5)]
        budget = make_budget()
        run = create_run(actor=finance(), budget_id=budget.id, auto=True)
        run_until("payments.issue")  # the first chunk of two
        cancel_run(run, actor=finance())
        work_off()
    finally:
        app.config["HWC_PAYMENT_RUN_CHUNK"] = 50
    db.session.refresh(run)
    assert run.status is RunStatus.cancelled
    assert [item.state for item in run.items] == [ItemState.issued] * 2 + \
        [ItemState.cancelled] * 3
    assert [c.status for c in claims[2:]] == [ClaimStatus.approved] * 3
    assert remaining(budget) == funded(budget) - run.items[0].amount - run.items[1].amount
    assert len(PdfReader(printing.run_folder(run.id) / run.pdf_name).pages) == 2
    with pytest.raises(RunRefused):
        cancel_run(run, actor=finance())


def test_a_part_already_printed_is_not_rendered_again(ctx, demo, app, one_process,
                                                      monkeypatch):
    app.config["HWC_PAYMENT_RUN_DOC_SIZE"] = 1
    try:
        [make_claim("approved") for _ in range(2)]
        run = create_run(actor=finance(), budget_id=make_budget().id, auto=True)
        run_until("payments.issue")  # issues both
        first = run_vouchers(run)[:1]
        printing.write_atomically(printing.part_path(run.id, 0, first), _one_page_pdf())
        rendered = []
        original = printing.render_parts
        monkeypatch.setattr(printing, "render_parts",
                            lambda documents: rendered.extend(documents) or original(documents))
        work_off()
    finally:
        app.config["HWC_PAYMENT_RUN_DOC_SIZE"] = 50
    assert [path.name[:10] for path, _html in rendered] == ["part-00001"]


def test_a_part_left_by_another_run_with_the_same_id_is_not_taken(ctx, demo, one_process):
    """Run ids and voucher numbers come round again when a database is recreated beside the
    same instance folder (and after each test's rollback): a part file printed for other
    vouchers with the same numbers is never merged into this run."""
    make_claim("approved")
    run = create_run(actor=finance(), budget_id=make_budget().id, auto=True)
    run_until("payments.issue")
    voucher = run_vouchers(run)[0]
    earlier = Voucher(number=voucher.number, seal=voucher.seal + "-another-salt")
    printing.write_atomically(printing.part_path(run.id, 0, [earlier]), _one_page_pdf())
    work_off()
    db.session.refresh(run)
    text = PdfReader(printing.run_folder(run.id) / run.pdf_name).pages[0].extract_text()
    assert "already printed" not in text and run_vouchers(run)[0].number in text


def _one_page_pdf() -> bytes:
    from hwc.vouchers.pdf import render_pdf

    return render_pdf("<p>already printed</p>")


# --- a real worker, killed mid-run ------------------------------------------------------------

def _run_state(app, run_id: int) -> tuple[RunStatus, int]:
    with app.app_context():
        try:
            run = db.session.get(PaymentRun, run_id)
            return run.status, run.issued_count
        finally:
            db.session.remove()


@pytest.mark.commits
def test_a_worker_killed_mid_run_is_restarted_and_no_voucher_is_issued_twice(
        app, demo, workers, monkeypatch):  # noqa: F811 - the fixture
    monkeypatch.setenv("HWC_PAYMENT_RUN_CHUNK", "5")
    monkeypatch.setenv("HWC_PAYMENT_RUN_PROCESSES", "1")
    with app.app_context():
        for _ in range(60):
            make_claim("approved", photo=False, body=crops_only())
        run_id = create_run(actor=finance(), budget_id=make_budget().id, auto=True).id
        db.session.commit()
    first = workers.start("--lease", "2")
    wait_for(lambda: _run_state(app, run_id)[1] >= 10, 30, "some vouchers issued")
    first.kill()  # SIGKILL, most likely in the middle of a chunk
    workers.start("--lease", "2")
    wait_for(lambda: _run_state(app, run_id)[0] is RunStatus.done, 60, "the run finished")
    with app.app_context():
        run = db.session.get(PaymentRun, run_id)
        assert run.issued_count == 60 and run.failed_count == 0
        vouchers = run_vouchers(run)
        live = [v.claim_id for v in vouchers if v.status is not VoucherStatus.void]
        assert len(live) == len(set(live)) == 60  # no claim has two live vouchers
        seqs = [v.seq for v in vouchers]
        assert seqs == list(range(seqs[0], seqs[0] + 60))
        folder = workers.instance / printing.RUNS_FOLDER / str(run.id)  # the worker's own
        assert len(PdfReader(folder / run.pdf_name).pages) == 60
        db.session.remove()


# --- two runs racing for the last money ---------------------------------------------------------

@pytest.mark.commits
def test_two_runs_racing_for_the_last_money_never_overspend(app, demo):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: there is no race to lose")
    with app.app_context():
        claims = [make_claim("approved", photo=False, body=crops_only()) for _ in range(2)]
        amount = expected_amount(claims[0])
        budget_id = make_budget(amount * 3 / 2).id  # room for one of the two claims
        codes = [claim.code for claim in claims]
        db.session.commit()
    barrier, outcomes = threading.Barrier(2), []

    def start(code: str) -> None:
        with app.app_context():
            barrier.wait()
            try:
                create_run(actor=finance(), budget_id=budget_id, codes=[code])
                db.session.commit()
                outcomes.append("started")
            except BudgetExceeded:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=start, args=(code,)) for code in codes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["refused", "started"]
    with app.app_context():
        budget = db.session.get(Budget, budget_id)
        assert remaining(budget) >= 0
        db.session.remove()


def test_a_run_reserves_issues_and_pays_late_claims_with_their_interest(ctx, demo, one_process):
    """A claim approved past its statutory days is reserved, issued and put in the bank file at
    its approved amount plus the interest owed (6 % a year, 10 days late)."""
    from hwc.regions.settings import jurisdiction_of
    from hwc.vouchers.interest import add_late_interest_rate

    add_late_interest_rate(Region.by_code("CN-JL-HC"), actor=User.by_username("root"),
                           effective_from=date(2000, 1, 1), rate=Decimal(6))
    late, on_time = make_claim("approved"), make_claim("approved")
    late.approved_at = utcnow() - timedelta(days=jurisdiction_of(late)["pay_within_days"] + 10)
    db.session.flush()
    budget = make_budget()
    run = create_run(actor=finance(), budget_id=budget.id, codes=[late.code, on_time.code])
    owed = (late.approved_total * 6 / 100 * 10 / 365).quantize(Decimal("0.01"))
    assert [item.amount for item in run.items] == [late.approved_total + owed,
                                                   on_time.approved_total]
    work_off()
    db.session.refresh(run)
    vouchers = run_vouchers(run)
    assert [(v.principal, v.interest) for v in vouchers] == [
        (late.approved_total, owed), (on_time.approved_total, Decimal("0.00"))]
    rows = list(csv.DictReader(io.StringIO(
        (printing.run_folder(run.id) / run.bank_file_name).read_text("utf-8"))))
    assert [Decimal(row["amount"]) for row in rows] == [v.amount for v in vouchers]
    assert remaining(budget) == funded(budget) - sum(v.amount for v in vouchers)
