
"""The bank's confirmation file taken back against a payment run: good lines pay their vouchers
once, every other line is reported with its problem, a file that is not a CSV writes nothing,
and only finance in the run's area may import (auditors may read the reports)."""

import io
import re
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from hwc.accounts.models import User
from hwc.audit.models import AuditEvent
from hwc.extensions import db
from hwc.payments.bankfile import live_vouchers
from hwc.payments.confirmations import (
    Problem,
    RunNotFound,
    UnreadableFile,
    import_confirmation,
)
from hwc.payments.models import Confirmation
from hwc.vouchers.models import Voucher, VoucherStatus
from hwc.workflow.errors import RoleNotAllowed
from tests.factories import make_claim, make_khasansky_claim
from tests.test_bank_file import issued_run
from tests.test_browser import Person, browser, live_server  # noqa: F401 - fixtures


def finance(name="finance") -> User:
    return User.by_username(name)


def csv_of(*lines: tuple, header=("reference", "amount", "paid_on", "bank_reference"),
           delimiter=",") -> bytes:
    return "\n".join(delimiter.join(str(cell) for cell in row)
                     for row in (header, *lines)).encode("utf-8")


def good_line(voucher: Voucher, bank_reference="") -> tuple:
    """A line paying ``voucher`` on the day it was issued (its jurisdiction's date: "today" in
    UTC may lie before it, in Vladivostok's morning)."""
    return (voucher.number, f"{voucher.amount:f}", voucher.issued_on.isoformat(), bank_reference)


def problems(confirmation: Confirmation) -> list[tuple[int, str, str]]:
    return [(p["line"], p["reference"], p["problem"]) for p in confirmation.problems]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def run(ctx, demo):
    return issued_run([make_claim("approved") for _ in range(4)])


def test_unknown_and_duplicated_lines_are_reported_and_the_rest_paid_once(run):
    vouchers = live_vouchers(run)
    data = csv_of(good_line(vouchers[0], "ICBC-0001"), good_line(vouchers[1]),
                  ("HC-209901-99999", "10.00", "", ""), good_line(vouchers[2]),
                  good_line(vouchers[1]), good_line(vouchers[3]))
    confirmation = import_confirmation(run, data, "回单.csv", actor=finance())
    assert problems(confirmation) == [(4, "HC-209901-99999", "unknown"),
                                      (6, vouchers[1].number, "duplicate")]
    assert re.search(r"\b3\b", confirmation.problems[1]["detail"])  # names the first line
    assert confirmation.paid_count == 4 and confirmation.line_count == 6
    assert confirmation.paid_total == sum(v.amount for v in vouchers)
    assert {v.status for v in vouchers} == {VoucherStatus.paid}
    assert {v.claim.status.value for v in vouchers} == {"paid"}
    assert vouchers[0].payment_reference == "ICBC-0001"
    assert vouchers[1].payment_reference == "回单.csv:3"
    assert vouchers[0].paid_on == vouchers[0].issued_on
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "confirmation_imported"))
    assert event.changes["paid"] == 4 and event.changes["confirmation"] == confirmation.id


def test_the_same_file_again_pays_nothing_twice(run):
    vouchers = live_vouchers(run)
    data = csv_of(*(good_line(v) for v in vouchers))
    import_confirmation(run, data, "a.csv", actor=finance())
    paid_at = [v.paid_at for v in vouchers]
    payments = count_payments()
    again = import_confirmation(run, data, "a.csv", actor=finance())
    assert again.paid_count == 0 and again.paid_total == 0
    assert [p["problem"] for p in again.problems] == ["already_paid"] * 4
    assert [v.paid_at for v in vouchers] == paid_at
    assert count_payments() == payments


def count_payments() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "record_payment"))


def test_a_different_amount_is_reported_and_not_paid(run):
    voucher = live_vouchers(run)[0]
    data = csv_of((voucher.number, f"{voucher.amount - Decimal('0.01'):f}", "", ""),
                  (voucher.number.lower(), "1", "", ""))
    confirmation = import_confirmation(run, data, "a.csv", actor=finance())
    assert problems(confirmation) == [(2, voucher.number, "amount_mismatch"),
                                      (3, voucher.number.lower(), "unknown")]
    assert voucher.status is VoucherStatus.issued
    assert f"{voucher.amount:f}" in confirmation.problems[0]["detail"]


def test_a_gbk_file_with_semicolons_and_a_bom_less_header_is_read(run):
    vouchers = live_vouchers(run)
    text = "\n".join(["交易 ;reference;amount;bank_reference",
                      *(f"代发工资;{v.number};{v.amount:f};农行{n}" for n, v in
                        enumerate(vouchers[:2]))])
    confirmation = import_confirmation(run, text.encode("gbk"), "gbk.csv", actor=finance())
    assert confirmation.paid_count == 2 and confirmation.problems == []
    assert vouchers[1].payment_reference == "农行1"


def test_a_utf8_file_with_a_bom_and_tabs_is_read(run):
    voucher = live_vouchers(run)[0]
    data = b"\xef\xbb\xbf" + csv_of(good_line(voucher, "B-1"), delimiter="\t")
    assert import_confirmation(run, data, "x.tsv", actor=finance()).paid_count == 1


def test_unreadable_amounts_dates_and_too_long_fields_are_bad_lines(run):
    vouchers = live_vouchers(run)
    data = csv_of((vouchers[0].number, "12,000.00", "", ""),
                  (vouchers[1].number, f"{vouchers[1].amount:f}", "2026-02-30", ""),
                  (vouchers[2].number, f"{vouchers[2].amount:f}", "", "x" * 129),
                  (vouchers[3].number, "NaN"),
                  ("", "1", "", ""))
    confirmation = import_confirmation(run, data, "bad.csv", actor=finance())
    assert [p["problem"] for p in confirmation.problems] == ["bad_line"] * 5
    assert all(p["detail"] for p in confirmation.problems)
    assert confirmation.paid_count == 0


def test_a_line_the_workflow_refuses_is_reported_and_the_others_still_paid(run):
    vouchers = live_vouchers(run)
    before = (vouchers[0].issued_on - timedelta(days=1)).isoformat()
    data = csv_of((vouchers[0].number, f"{vouchers[0].amount:f}", before, ""),
                  good_line(vouchers[1]))
    confirmation = import_confirmation(run, data, "a.csv", actor=finance())
    assert problems(confirmation) == [(2, vouchers[0].number, "refused")]
    assert vouchers[0].issued_on.isoformat() in confirmation.problems[0]["detail"]
    assert vouchers[0].status is VoucherStatus.issued
    assert vouchers[1].status is VoucherStatus.paid


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    b"\xff\xfe\xfa\x00garbage",
    b"",
    b"reference,amount\n",
    b"name,sum\nHC-1,10\n",
    b'reference,amount\n"HC-1,10\n',
    b"x" * (2 * 1024 * 1024 + 1),
    b"reference,amount\n" + b"HC-1,1\n" * 20_001,
])
def test_a_file_that_is_not_a_confirmation_csv_says_so_and_writes_nothing(run, data):
    events, confirmations = count(AuditEvent), count(Confirmation)
    with pytest.raises(UnreadableFile) as refused:
        import_confirmation(run, data, "x.csv", actor=finance())
    assert refused.value.message
    assert (count(AuditEvent), count(Confirmation)) == (events, confirmations)


def test_only_finance_of_the_runs_area_may_import(run):
    data = csv_of(good_line(live_vouchers(run)[0]))
    with pytest.raises(RunNotFound):
        import_confirmation(run, data, "x.csv", actor=finance("ru_finance"))
    for name in ("auditor", "approver"):
        with pytest.raises(RoleNotAllowed):
            import_confirmation(run, data, "x.csv", actor=User.by_username(name))
    assert count(Confirmation) == 0


def test_a_thousand_lines_are_taken_back_in_the_request(ctx, demo):
    claim = make_khasansky_claim("approved")
    run = issued_run([claim], finance="ru_finance", region="RU-PRI-KHS")
    voucher = live_vouchers(run)[0]
    lines = [good_line(voucher)] + [(f"KH-2099-{n:06d}", "1.00", "", "") for n in range(999)]
    started = time.perf_counter()
    confirmation = import_confirmation(run, csv_of(*lines), "big.csv",
                                       actor=finance("ru_finance"))
    elapsed = time.perf_counter() - started
    assert confirmation.paid_count == 1 and len(confirmation.problems) == 999
    assert elapsed < 10, elapsed


# --- pages (each request outside the test's own context: its own user) ----------------------

@pytest.fixture
def paged(app, demo):
    """A committed run of two vouchers: its id and a file with one good line, one unknown line
    and the good line again."""
    with app.app_context():
        run = issued_run([make_claim("approved") for _ in range(2)])
        vouchers = live_vouchers(run)
        data = csv_of(good_line(vouchers[0]), ("HC-209901-99999", "10.00", "", ""),
                      good_line(vouchers[0]))
        db.session.commit()
        return run.id, data


def upload(client, run_id, data: bytes, name="bank.csv"):
    return client.post(f"/payments/runs/{run_id}/confirmations",
                       data={"csv_file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_finance_uploads_and_reads_the_reconciliation_report(app, paged, login_as):
    run_id, data = paged
    client = login_as("finance")
    response = upload(client, run_id, data)
    assert response.status_code == 302
    page = client.get(response.headers["Location"], headers={"Accept-Language": "en"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-paid-count="1"' in text
    assert text.count('data-problem="unknown"') == 1 and "HC-209901-99999" in text
    assert text.count('data-problem="duplicate"') == 1
    with app.test_request_context(), force_locale(User.by_username("finance").language):
        assert str(Problem.duplicate.title) in text  # in finance's own language
    listing = client.get(f"/payments/runs/{run_id}/confirmations").get_data(as_text=True)
    assert "bank.csv" in listing
    auditor = login_as("auditor")
    assert auditor.get(response.headers["Location"]).status_code == 200
    assert "bank.csv" in auditor.get(f"/payments/runs/{run_id}/confirmations").get_data(
        as_text=True)
    assert upload(auditor, run_id, data).status_code == 403


def test_garbage_upload_gets_a_message_and_writes_nothing(app, paged, login_as):
    run_id, _data = paged
    response = upload(login_as("finance"), run_id, b"\x00\x01\x02\xff" * 50)
    assert response.status_code == 422
    assert 'class="flash flash-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert count(Confirmation) == 0


def test_a_foreign_run_is_not_found_and_a_village_officer_is_forbidden(app, paged, login_as):
    run_id, data = paged
    ru, officer = login_as("ru_finance"), login_as("officer")
    assert ru.get(f"/payments/runs/{run_id}/confirmations").status_code == 404
    assert upload(ru, run_id, data).status_code == 404
    assert officer.get(f"/payments/runs/{run_id}/confirmations").status_code == 403
    assert upload(officer, run_id, data).status_code == 403
    location = upload(login_as("finance"), run_id, data).headers["Location"]
    assert ru.get(location).status_code == 404
    assert officer.get(location).status_code == 403
    assert login_as("finance").get("/payments/confirmations/99999").status_code == 404


@pytest.mark.browser
@pytest.mark.commits
def test_finance_takes_a_file_back_in_chinese_and_reads_the_report(browser, live_server,  # noqa: F811
                                                                   app, demo, tmp_path):
    with app.app_context():
        run = issued_run([make_claim("approved") for _ in range(2)])
        vouchers = live_vouchers(run)
        data = csv_of(good_line(vouchers[0], "ICBC-20261125-001"),
                      ("HC-209901-99999", "10.00", "", ""), good_line(vouchers[0]),
                      (vouchers[1].number, "1.00", "", ""))
        db.session.commit()
        run_id = run.id
    bank = tmp_path / "回单.csv"
    bank.write_bytes(data)
    person = Person(browser, live_server, tmp_path, "finance", locale="zh-CN")
    person.login("finance", demo)
    person.switch_language("zh_Hans")
    person.page.goto(f"{live_server}/payments/runs/{run_id}/confirmations")
    person.page.set_input_files("#csv_file", str(bank))
    person.page.click("form[enctype] button[type=submit]")
    person.page.wait_for_load_state()
    assert person.page.locator("[data-paid-count='1']").count() == 1
    assert person.page.locator("tr[data-problem]").count() == 3
    person.shot("reconciliation")
