"""Budgets (issue 12): what they hold, commit, pay and have left; making and topping them up
with a document checked by its content; and issuing a voucher from one without overspending."""

import io
import threading
from decimal import Decimal

import pytest
from pypdf import PdfWriter

from hwc.accounts.models import User
from hwc.claims.models import ClaimStatus
from hwc.extensions import db
from hwc.payments import budgets
from hwc.payments.budgets import (
    BudgetExceeded,
    BudgetNotFound,
    BudgetRefused,
    budget_summary,
    create_budget,
    issue_voucher_from_budget,
    top_up,
)
from hwc.payments.documents import DocumentRefused
from hwc.payments.models import BudgetTopUp, PaymentRun, PaymentRunItem, RunStatus
from hwc.vouchers.models import Voucher
from hwc.vouchers.operations import issue_voucher, record_payment, void_voucher
from hwc.workflow.errors import RoleNotAllowed
from tests.factories import import_rates, make_claim, one_colour_png


def finance() -> User:
    return User.by_username("finance")


def new_budget(amount="100000", fund="Central ecological compensation fund"):
    budget = create_budget(actor=finance(), region_code="CN-JL-HC", year=2025, fund=fund)
    if amount:
        top_up(budget, actor=finance(), amount=amount, document_reference="JCZ-2025-7")
    return budget


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def world(ctx, demo):
    import_rates()


def test_sums_count_issued_and_paid_vouchers_and_pending_items_but_not_void_ones(world):
    budget = new_budget("100000")
    issued, paid, void = (make_claim("approved") for _ in range(3))
    for claim in (issued, paid, void):
        issue_voucher_from_budget(claim, actor=finance(), budget_id=budget.id)
    record_payment(db.session.query(Voucher).filter_by(claim_id=paid.id).one(),
                   actor=finance(), method="cash")
    void_voucher(db.session.query(Voucher).filter_by(claim_id=void.id).one(), actor=finance(),
                 reason="wrong payee")
    run = PaymentRun(region_id=budget.region_id, budget_id=budget.id, currency="CNY",
                     status=RunStatus.issuing, created_by_id=finance().id)
    waiting = make_claim("approved")
    db.session.add(PaymentRunItem(run=run, position=1, claim_id=waiting.id,
                                  amount=Decimal("123.45")))
    db.session.flush()
    amount = issued.approved_total
    sums = budget_summary(budget)
    assert sums["funded"] == Decimal("100000")
    assert sums["paid"] == paid.approved_total
    assert sums["reserved"] == Decimal("123.45")
    assert sums["committed"] == amount + paid.approved_total + Decimal("123.45")
    assert sums["remaining"] == Decimal("100000") - sums["committed"]


@pytest.mark.parametrize(("year", "fund", "field"), [
    (1999, "Fund", "year"), (2101, "Fund", "year"), ("20x5", "Fund", "year"),
    (True, "Fund", "year"), (2025, "   ", "fund"), (2025, "x" * 65, "fund"),
    (2025, "Fund\x00", "fund"), (2025, None, "fund")])
def test_a_budget_needs_a_sensible_year_and_fund(world, year, fund, field):
    with pytest.raises(BudgetRefused) as refused:
        create_budget(actor=finance(), region_code="CN-JL-HC", year=year, fund=fund)
    assert field in refused.value.errors


def test_a_second_budget_of_the_same_fund_and_year_is_refused_with_a_message(world):
    new_budget(None, fund="Provincial fund")
    with pytest.raises(BudgetRefused) as refused:
        create_budget(actor=finance(), region_code="CN-JL-HC", year=2025,
                      fund="  Provincial   fund ")
    assert "fund" in refused.value.errors


def test_a_budget_takes_its_areas_currency(world):
    assert new_budget(None).currency == "CNY"


def test_a_foreign_area_is_not_found_and_other_roles_may_not_make_budgets(world):
    with pytest.raises(BudgetNotFound):
        create_budget(actor=User.by_username("ru_finance"), region_code="CN-JL-HC", year=2025,
                      fund="Spy fund")
    for username in ("verifier", "auditor", "admin"):
        with pytest.raises(RoleNotAllowed):
            create_budget(actor=User.by_username(username), region_code="CN-JL-HC", year=2025,
                          fund="Fund")


@pytest.mark.parametrize("amount", ["abc", "NaN", "Infinity", "1.001", "0", "", None,
                                    "1e20", "-sNaN"])
def test_a_top_up_refuses_amounts_that_are_not_money_of_the_currency(world, amount):
    budget = new_budget(None)
    with pytest.raises(BudgetRefused) as refused:
        top_up(budget, actor=finance(), amount=amount, document_reference="R-1")
    assert "amount" in refused.value.errors
    assert db.session.query(BudgetTopUp).count() == 0


def test_a_top_up_needs_its_documents_reference(world):
    budget = new_budget(None)
    with pytest.raises(BudgetRefused) as refused:
        top_up(budget, actor=finance(), amount="10", document_reference="  ")
    assert "document_reference" in refused.value.errors


def test_a_correction_may_not_leave_less_than_is_committed(world):
    budget = new_budget("100000")
    claim = make_claim("approved")
    issue_voucher_from_budget(claim, actor=finance(), budget_id=budget.id)
    spare = Decimal("100000") - claim.approved_total
    with pytest.raises(BudgetRefused):
        top_up(budget, actor=finance(), amount=-(spare + Decimal("0.01")),
               document_reference="FIX-1")
    top_up(budget, actor=finance(), amount=-spare, document_reference="FIX-2")
    assert budget_summary(budget)["remaining"] == 0


def test_a_png_named_pdf_is_kept_as_a_png(world):
    budget = new_budget(None)
    entry = top_up(budget, actor=finance(), amount="10", document_reference="R-1",
                   document=one_colour_png(20, 20), document_name="grant.pdf")
    assert entry.document_type == "image/png" and entry.document_name.endswith(".png")
    assert (budgets.documents_dir() / entry.document_name).read_bytes() == one_colour_png(20, 20)


def test_a_real_pdf_is_kept_as_a_pdf(world):
    entry = top_up(new_budget(None), actor=finance(), amount="10", document_reference="R-1",
                   document=pdf_bytes(), document_name="grant.pdf")
    assert entry.document_type == "application/pdf"


@pytest.mark.parametrize("data", [b"just some text, named grant.pdf",
                                  b"%PDF-1.7\nnot really a pdf at all", b"GIF89a" + b"\0" * 40,
                                  one_colour_png(20, 20)[:40]])
def test_a_file_that_is_not_a_pdf_or_an_image_is_refused(world, data):
    budget = new_budget(None)
    with pytest.raises(DocumentRefused):
        top_up(budget, actor=finance(), amount="10", document_reference="R-1", document=data,
               document_name="grant.pdf")
    assert db.session.query(BudgetTopUp).filter_by(budget_id=budget.id).count() == 0


def test_the_document_is_served_in_the_area_only(app, client, login_as, demo):
    with app.app_context():
        budget = new_budget(None)
        entry = top_up(budget, actor=finance(), amount="10", document_reference="R-1",
                       document=pdf_bytes(), document_name="grant.pdf")
        db.session.commit()
        url = f"/payments/budgets/{budget.id}/top-ups/{entry.id}/document"
    response = login_as("finance").get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert login_as("auditor").get(url).status_code == 200
    assert login_as("ru_finance").get(url).status_code == 404
    assert login_as("ru_auditor").get(url).status_code == 404


def test_issuing_from_a_budget_charges_it(world):
    budget = new_budget("100000")
    claim = make_claim("approved")
    voucher = issue_voucher_from_budget(claim, actor=finance(), budget_id=str(budget.id))
    assert voucher.budget_id == budget.id
    assert budget_summary(budget)["committed"] == voucher.amount


def test_issuing_from_a_budget_with_too_little_left_writes_nothing(world):
    claim = make_claim("approved")
    budget = new_budget(str(claim.approved_total - Decimal("0.01")))
    with pytest.raises(BudgetExceeded):
        issue_voucher_from_budget(claim, actor=finance(), budget_id=budget.id)
    db.session.expire_all()
    assert claim.status == ClaimStatus.approved
    assert db.session.query(Voucher).filter_by(claim_id=claim.id).count() == 0


def test_a_foreign_budget_is_not_found_when_issuing(world):
    claim = make_claim("approved")
    ru_budget = create_budget(actor=User.by_username("ru_finance"), region_code="RU-PRI-KHS",
                              year=2025, fund="Fund")
    with pytest.raises(BudgetNotFound):
        issue_voucher_from_budget(claim, actor=finance(), budget_id=ru_budget.id)


def test_issuing_without_a_budget_works_as_before(world):
    claim = make_claim("approved")
    assert issue_voucher_from_budget(claim, actor=finance()).budget_id is None


@pytest.mark.commits
def test_two_charges_at_once_for_the_last_money_never_overspend(app, demo):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite has one writer at a time; the row lock is PostgreSQL's")
    with app.app_context():
        import_rates()
        claims = [make_claim("approved") for _ in range(2)]
        vouchers = [issue_voucher(claim, actor=finance()) for claim in claims]
        budget = new_budget(str(max(v.amount for v in vouchers)))
        ids, budget_id = [v.id for v in vouchers], budget.id
        db.session.commit()
    barrier, outcomes = threading.Barrier(2), []

    def charge_one(voucher_id):
        with app.app_context():
            voucher = db.session.get(Voucher, voucher_id)
            budget = db.session.get(budgets.Budget, budget_id)
            barrier.wait()
            try:
                budgets.charge(voucher, budget)
                db.session.commit()
                outcomes.append("charged")
            except BudgetExceeded:
                db.session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=charge_one, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["charged", "refused"]
    with app.app_context():
        assert budget_summary(db.session.get(budgets.Budget, budget_id))["remaining"] >= 0


def test_the_claim_page_offers_the_budgets_and_issues_from_the_chosen_one(app, login_as, demo):
    with app.app_context():
        import_rates()
        claim = make_claim("approved")
        budget = new_budget("100000")
        create_budget(actor=User.by_username("ru_finance"), region_code="RU-PRI-KHS", year=2025,
                      fund="Foreign fund")
        code, version, budget_id = claim.code, claim.version, budget.id
        db.session.commit()
    page = login_as("finance")
    html = page.get(f"/claims/{code}").get_data(as_text=True)
    assert 'name="issue_voucher-budget_id"' in html and "Foreign fund" not in html
    response = page.post(f"/claims/{code}/act/issue_voucher", data={
        "issue_voucher-version": version, "issue_voucher-budget_id": str(budget_id),
        "issue_voucher-comment": "from the central fund"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        voucher = db.session.query(Voucher).filter_by(budget_id=budget_id).one()
        assert voucher.claim.code == code


def test_the_budget_pages_make_a_budget_and_add_money_with_a_document(app, login_as, demo):
    page = login_as("finance")
    response = page.post("/payments/budgets", data={"region": "CN-JL-HC", "year": "2026",
                                                    "fund": "Provincial fund"})
    assert response.status_code == 302
    url = response.headers["Location"]
    again = page.post("/payments/budgets", data={"region": "CN-JL-HC", "year": "2026",
                                                 "fund": "Provincial fund"})
    assert again.status_code == 422
    refused = page.post(f"{url}/top-ups", data={"amount": "NaN", "document_reference": "R"})
    assert refused.status_code == 422
    added = page.post(f"{url}/top-ups", data={
        "amount": "5000.50", "document_reference": "JCZ-7",
        "document": (io.BytesIO(pdf_bytes()), "grant.pdf")}, content_type="multipart/form-data")
    assert added.status_code == 302
    assert "5,000.50" in page.get(url).get_data(as_text=True)
    assert login_as("auditor").post(f"{url}/top-ups", data={
        "amount": "1", "document_reference": "R"}).status_code == 403


def test_finances_queue_weighs_approved_claims_against_the_money_left(app, login_as, demo):
    with app.app_context():
        import_rates()
        claim = make_claim("approved")
        new_budget(str(claim.approved_total - 1))
        db.session.commit()
    html = login_as("finance").get("/queue").get_data(as_text=True)
    assert 'class="budget-panel"' in html and 'class="short"' in html
    assert 'class="budget-panel"' not in login_as("verifier").get("/queue").get_data(as_text=True)


def test_the_dashboard_shows_each_budgets_sums_in_the_area_only(app, login_as, demo):
    with app.app_context():
        import_rates()
        new_budget("777")
        db.session.commit()
    assert "Central ecological compensation fund" in \
        login_as("auditor").get("/dashboard").get_data(as_text=True)
    assert "Central ecological compensation fund" not in \
        login_as("ru_auditor").get("/dashboard").get_data(as_text=True)
