"""Vouchers through the workflow: gap-free numbers in each jurisdiction's format, one live
voucher per claim, payment and void, duty separation, scope, the finance pages and the API."""

import re
import threading
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hwc.accounts.models import Role, User
from hwc.audit.models import AuditEvent
from hwc.claims.models import Claim
from hwc.core.numbering import NumberFormat
from hwc.core.settings import InvalidSetting, check_setting
from hwc.extensions import db
from hwc.regions.models import Region
from hwc.regions.settings import change_region_settings
from hwc.vouchers.models import Voucher, VoucherStatus
from hwc.vouchers.operations import (
    VoucherNotFound,
    get_voucher,
    issue_voucher,
    record_payment,
    reveal_bank_account,
    void_voucher,
)
from hwc.workflow.errors import (
    DutiesNotSeparated,
    InvalidTransition,
    RoleNotAllowed,
    TransitionRefused,
)
from tests.factories import claim_body, make_claim, make_khasansky_claim


def local_today(zone: str) -> date:
    """Today where the voucher is issued: in UTC it may still be yesterday (Hunchun's evening
    is UTC's afternoon)."""
    return datetime.now(ZoneInfo(zone)).date()


def finance(name="finance"):
    return User.by_username(name)


# --- numbers -------------------------------------------------------------------------------

def test_number_formats_are_parsed_not_formatted():
    assert NumberFormat.parse("{prefix}-{year}-{seq:6}").render("HC", date(2026, 11, 25), 123) \
        == "HC-2026-000123"
    monthly = NumberFormat.parse("{prefix}-{year}{month}-{seq:5}")
    assert monthly.monthly and monthly.period(date(2026, 11, 25)) == "2026-11"
    assert monthly.render("HC", date(2026, 1, 2), 7) == "HC-202601-00007"
    for refused in ("{prefix.__class__}-{year}-{seq}", "{year}-{prefix}-{seq}",
                    "{prefix}{year}{seq}", "{prefix}-{seq}", "{prefix}-{year}-{seq}-{seq}",
                    "{prefix}/{year}/{seq}", "{prefix}-{year}-{seq:2}", "{prefix}-{year:4}-{seq}",
                    "{prefix}-{year} {seq}", "{prefix}-{year}-" + "x" * 39 + "-{seq}"):
        assert NumberFormat.parse(refused) is None, refused


def test_a_jurisdiction_sets_prefix_and_format_and_bad_ones_are_refused(ctx, demo):
    assert check_setting("voucher_prefix", "HC") == "HC"
    for key, value in (("voucher_prefix", "hc"), ("voucher_prefix", "H-C"),
                       ("voucher_prefix", "汉"), ("voucher_number_format", "{seq}"),
                       ("office_language", "fr")):
        with pytest.raises(InvalidSetting):
            check_setting(key, value)
    with pytest.raises(InvalidSetting) as refused:  # Khasansky's prefix is taken
        change_region_settings(Region.by_code("CN-JL-HC"), {"voucher_prefix": "KH"},
                               actor=User.by_username("root"))
    assert refused.value.key == "voucher_prefix"


def test_numbers_follow_each_jurisdictions_format_without_gaps(ctx, demo):
    numbers = []
    for _ in range(3):
        claim = make_claim("approved")
        numbers.append(issue_voucher(claim, actor=finance()).number)
    first = int(numbers[0].rsplit("-", 1)[1])
    month = local_today("Asia/Shanghai").strftime("%Y%m")
    assert numbers == [f"HC-{month}-{n:05d}" for n in range(first, first + 3)]
    russian = issue_voucher(make_khasansky_claim(), actor=finance("ru_finance"))
    assert re.fullmatch(rf"KH-{local_today('Asia/Vladivostok').year}-\d{{6}}", russian.number)
    assert russian.currency == "RUB" and russian.authority.startswith("Администрация")


def test_a_void_voucher_keeps_its_number_and_the_reissue_takes_the_next(ctx, demo):
    claim = make_claim("approved")
    first = issue_voucher(claim, actor=finance())
    void_voucher(first, actor=finance(), reason="Payee's name misspelt")
    assert claim.status.value == "approved"
    second = issue_voucher(claim, actor=finance())
    assert first.status is VoucherStatus.void and first.void_reason == "Payee's name misspelt"
    assert second.seq == first.seq + 1 and second.number != first.number
    assert [v.number for v in db.session.query(Voucher).filter_by(claim_id=claim.id)
            .order_by(Voucher.id)] == [first.number, second.number]


def test_a_claim_never_has_two_live_vouchers_even_written_directly(ctx, demo):
    from sqlalchemy.exc import IntegrityError

    voucher = issue_voucher(make_claim("approved"), actor=finance())
    twin = Voucher(**{column.name: getattr(voucher, column.name)
                      for column in Voucher.__table__.columns if column.name != "id"})
    twin.number, twin.seq = voucher.number + "X", voucher.seq + 1000
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(twin)
        db.session.flush()


def test_a_rolled_back_issue_gives_its_number_back(ctx, demo):
    first = issue_voucher(make_claim("approved"), actor=finance())
    claim = make_claim("approved")
    savepoint = db.session.begin_nested()
    issue_voucher(claim, actor=finance())
    savepoint.rollback()
    again = issue_voucher(claim, actor=finance())
    assert again.seq == first.seq + 1


# --- who may ---------------------------------------------------------------------------------

def test_only_finance_in_scope_and_never_the_approver_issues(ctx, demo):
    claim = make_claim("approved")
    with pytest.raises(RoleNotAllowed):
        issue_voucher(claim, actor=User.by_username("approver"))
    from hwc.workflow.errors import ClaimNotFound

    with pytest.raises(ClaimNotFound):
        issue_voucher(claim, actor=finance("ru_finance"))
    approver = User.by_username("approver")  # recast: the approver moves to finance
    approver.role = Role.finance
    with pytest.raises(DutiesNotSeparated):
        issue_voucher(claim, actor=approver)


def test_vouchers_outside_the_area_are_not_found(ctx, demo):
    voucher = issue_voucher(make_claim("approved"), actor=finance())
    assert get_voucher(voucher.number, User.by_username("auditor")) is voucher
    for name in ("ru_finance", "ru_auditor"):
        with pytest.raises(VoucherNotFound):
            get_voucher(voucher.number, User.by_username(name))
    with pytest.raises(VoucherNotFound):
        get_voucher("x" * 5000, finance())


# --- payment and void -----------------------------------------------------------------------

def test_payment_sets_voucher_and_claim_paid_and_a_second_payment_is_409(ctx, demo):
    claim = make_claim("approved")
    voucher = issue_voucher(claim, actor=finance())
    record_payment(voucher, actor=finance(), method="bank", reference="ICBC-778812",
                   paid_on=voucher.issued_on.isoformat())
    assert voucher.status is VoucherStatus.paid and claim.status.value == "paid"
    assert claim.paid_total == voucher.amount == claim.approved_total
    assert (voucher.payment_method.value, voucher.payment_reference) == ("bank", "ICBC-778812")
    with pytest.raises(InvalidTransition):
        record_payment(voucher, actor=finance(), method="cash")
    with pytest.raises(InvalidTransition):
        void_voucher(voucher, actor=finance(), reason="too late")
    event = db.session.query(AuditEvent).filter_by(claim_id=claim.id,
                                                   action="record_payment").one()
    assert event.changes["payment"] == {"method": "bank", "reference": "ICBC-778812",
                                        "paid_on": voucher.issued_on.isoformat()}
    assert "paid_total" in event.changes and event.changes["voucher"]["number"] == voucher.number


def test_a_void_voucher_is_never_paid_even_when_its_claim_has_a_new_one(ctx, demo):
    claim = make_claim("approved")
    old = issue_voucher(claim, actor=finance())
    void_voucher(old, actor=finance(), reason="wrong account")
    new = issue_voucher(claim, actor=finance())
    with pytest.raises(InvalidTransition):
        record_payment(old, actor=finance(), method="cash")
    assert new.status is VoucherStatus.issued and claim.paid_total is None


@pytest.mark.parametrize("data, field", [
    ({"method": "cheque"}, "method"),
    ({"method": "bank"}, "reference"),  # a transfer has a reference
    ({"method": "mobile", "reference": "x" * 129}, "reference"),
    ({"method": "cash", "paid_on": "2026-02-30"}, "paid_on"),
    ({"method": "cash", "paid_on": (date.today() + timedelta(days=2)).isoformat()}, "paid_on"),
    ({"method": "cash", "paid_on": "2001-01-01"}, "paid_on"),
    ({"method": "cash", "reference": 12}, "reference"),
])
def test_bad_payment_details_are_refused_and_nothing_is_paid(ctx, demo, data, field):
    voucher = issue_voucher(make_claim("approved"), actor=finance())
    with pytest.raises(TransitionRefused) as refused:
        record_payment(voucher, actor=finance(), **data)
    assert field in refused.value.errors
    assert voucher.status is VoucherStatus.issued


def test_a_void_needs_its_reason(ctx, demo):
    voucher = issue_voucher(make_claim("approved"), actor=finance())
    with pytest.raises(TransitionRefused):
        void_voucher(voucher, actor=finance(), reason="  ")
    assert voucher.status is VoucherStatus.issued


def test_showing_the_whole_account_is_for_finance_and_recorded(ctx, demo):
    claim = make_claim("approved", body=claim_body(claimant={
        "name": "张桂兰", "phone": "+8613800000001", "language": "zh_Hans",
        "bank_account": "6222020200112233445"}))
    voucher = issue_voucher(claim, actor=finance())
    assert reveal_bank_account(voucher, actor=finance()) == "6222020200112233445"
    with pytest.raises(RoleNotAllowed):
        reveal_bank_account(voucher, actor=User.by_username("auditor"))
    viewed = db.session.query(AuditEvent).filter_by(claim_id=claim.id,
                                                    action="bank_account_viewed").all()
    assert [(e.actor.username, e.changes["voucher"]) for e in viewed] == [
        ("finance", voucher.number)]


# --- pages ------------------------------------------------------------------------------------

def test_finance_sees_approved_claims_oldest_approval_first_and_issues_from_the_claim_page(
        app, demo, login_as):
    with app.app_context():  # (a page request outside the test's own context: its own user)
        older, newer = make_claim("approved"), make_claim("approved")
        older.approved_at -= timedelta(days=9)
        db.session.commit()
        older_code, newer_code = older.display_code, newer.display_code
        code, version = older.code, older.version
    page = login_as("finance")
    queue = page.get("/queue", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert queue.index(older_code) < queue.index(newer_code)
    assert 'data-days-since-approval="9"' in queue
    assert 'data-action="issue_voucher"' in page.get(f"/claims/{code}").get_data(as_text=True)
    response = page.post(f"/claims/{code}/act/issue_voucher",
                         data={"issue_voucher-version": str(version)})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        claim = Claim.by_code(code)
        version = claim.version
        number = db.session.query(Voucher.number).filter_by(claim_id=claim.id).scalar()
    claim_page = page.get(f"/claims/{code}").get_data(as_text=True)
    assert number in claim_page and 'data-action="record_payment"' in claim_page
    assert "银行转账" in claim_page and "Bank transfer" not in claim_page  # in her language
    response = page.post(f"/claims/{code}/act/record_payment", data={
        "record_payment-version": str(version), "record_payment-method": "cash",
        "record_payment-reference": "", "record_payment-paid_on": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Voucher).filter_by(number=number).one().status is \
            VoucherStatus.paid


def test_the_voucher_page_masks_the_account_until_finance_asks(app, demo, login_as):
    with app.app_context():
        claim = make_claim("approved", body=claim_body(claimant={
            "name": "张桂兰", "phone": "+8613800000001", "language": "zh_Hans",
            "bank_account": "6222020200112233445"}))
        number = issue_voucher(claim, actor=finance()).number
        db.session.commit()
    page = login_as("finance")
    shown = page.get(f"/vouchers/{number}").get_data(as_text=True)
    assert "6222020200112233445" not in shown and "3445" in shown
    whole = page.post(f"/vouchers/{number}/account").get_data(as_text=True)
    assert "6222020200112233445" in whole
    auditor = login_as("auditor")
    assert "6222020200112233445" not in auditor.get(f"/vouchers/{number}").get_data(
        as_text=True)
    assert auditor.post(f"/vouchers/{number}/account").status_code == 403
    assert login_as("ru_finance").get(f"/vouchers/{number}").status_code == 404
    assert page.get(f"/vouchers/{number}.pdf").content_type == "application/pdf"


def test_the_public_page_says_valid_then_paid_and_forged_for_one_changed_character(
        app, demo, client):
    with app.app_context():
        voucher = issue_voucher(make_claim("approved"), actor=finance())
        seal, number, name = voucher.seal, voucher.number, voucher.claim.claimant.name
        db.session.commit()

    def verdict(payload):
        page = client.get(f"/v/{payload}", headers={"Accept-Language": "en"})
        assert page.status_code == 200
        return re.search(r'data-verdict="(\w+)"', page.get_data(as_text=True)).group(1)

    assert verdict(seal) == "valid" and verdict(seal.lower()) == "valid"
    changed = seal[:20] + ("A" if seal[20] != "A" else "B") + seal[21:]
    assert verdict(changed) == "forged"
    assert verdict("x" * 600) == "forged" and verdict("<script>") == "forged"
    page = client.get(f"/V/{seal}").get_data(as_text=True)
    assert number in page and name not in page
    with app.app_context():
        record_payment(get_voucher(number, finance()), actor=finance(), method="cash")
        db.session.commit()
    assert verdict(seal) == "paid"


# --- API --------------------------------------------------------------------------------------

def test_the_api_issues_shows_prints_pays_and_voids_as_fixed(ctx, demo, api):
    claim = make_claim("approved")
    money = api("finance")
    issued = money.post(f"/api/v1/claims/{claim.code}/voucher")
    assert issued.status_code == 201, issued.get_json()
    body = issued.get_json()
    assert {"number", "amount", "currency", "status", "pdf_url", "verify_url"} <= set(body)
    assert body["status"] == "issued" and body["amount"] == f"{claim.approved_total:.2f}"
    number = body["number"]
    assert money.post(f"/api/v1/claims/{claim.code}/voucher").status_code == 409
    assert money.get(f"/api/v1/vouchers/{number}").get_json()["number"] == number
    assert api("ru_finance").get(f"/api/v1/vouchers/{number}").status_code == 404
    assert api("approver").post(f"/api/v1/vouchers/{number}/payment",
                                json={"method": "cash"}).status_code == 403
    refused = money.post(f"/api/v1/vouchers/{number}/payment",
                         json={"method": "bank", "amount": "1"})
    assert refused.status_code == 422 and "amount" in refused.get_json()["errors"]
    paid = money.post(f"/api/v1/vouchers/{number}/payment",
                      json={"method": "mobile", "reference": "M-PESA QX7"})
    assert paid.status_code == 200 and paid.get_json()["status"] == "paid"
    assert money.post(f"/api/v1/vouchers/{number}/payment",
                      json={"method": "cash"}).status_code == 409
    assert money.post(f"/api/v1/vouchers/{number}/void",
                      json={"reason": "late"}).status_code == 409


def test_the_api_voids_with_a_reason_and_the_claim_gets_a_new_number(ctx, demo, api):
    claim = make_claim("approved")
    money = api("finance")
    number = money.post(f"/api/v1/claims/{claim.code}/voucher").get_json()["number"]
    assert money.post(f"/api/v1/vouchers/{number}/void", json={}).status_code == 422
    void = money.post(f"/api/v1/vouchers/{number}/void", json={"reason": "wrong payee"})
    assert void.status_code == 200 and void.get_json()["status"] == "void"
    again = money.post(f"/api/v1/claims/{claim.code}/voucher")
    assert again.status_code == 201 and again.get_json()["number"] != number


# --- concurrency (real commits, one connection per thread) ---------------------------------

@pytest.mark.commits
def test_concurrent_issues_get_contiguous_numbers_and_one_payment_wins(app, demo):
    with app.app_context():
        codes = [make_claim("approved").code for _ in range(6)]
        db.session.commit()
    clients = []
    for _ in codes:
        client = app.test_client()
        token = client.post("/api/v1/token", json={"username": "finance", "password": demo})
        clients.append((client, {"Authorization": f"Bearer {token.get_json()['token']}"}))
    numbers, statuses, barrier = [], [], threading.Barrier(len(codes))

    def issue(code, client, headers):
        barrier.wait()
        response = client.post(f"/api/v1/claims/{code}/voucher", headers=headers)
        numbers.append(response.get_json().get("number") or response.status_code)

    run_together([(issue, (code, *client)) for code, client in zip(codes, clients, strict=True)])
    seqs = sorted(int(str(n).rsplit("-", 1)[1]) for n in numbers)
    assert seqs == list(range(seqs[0], seqs[0] + len(codes))), numbers
    barrier = threading.Barrier(len(clients))
    target = sorted(numbers)[0]

    def pay(client, headers):
        barrier.wait()
        statuses.append(client.post(f"/api/v1/vouchers/{target}/payment", headers=headers,
                                    json={"method": "cash"}).status_code)

    run_together([(pay, client) for client in clients])
    assert sorted(statuses) == [200] + [409] * (len(clients) - 1)
    with app.app_context():
        paid = db.session.query(AuditEvent).filter_by(action="record_payment").count()
        assert paid == 1


def run_together(calls):
    threads = [threading.Thread(target=function, args=args) for function, args in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


# --- done when: an approved claim's voucher, read as a person and a bank clerk would -------------

def printed(client, number: str, tmp_path) -> tuple[str, str]:
    """The PDF's text (pdftotext) and what its QR code reads (pdftoppm + zbarimg)."""
    from tests.test_voucher_pdf import run

    response = client.get(f"/vouchers/{number}.pdf")
    assert response.status_code == 200 and response.content_type == "application/pdf"
    path = tmp_path / f"{number}.pdf"
    path.write_bytes(response.data)
    text = " ".join(run("pdftotext", "-layout", str(path), "-").split())
    run("pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / number))
    (image,) = tmp_path.glob(f"{number}*.png")
    return text, run("zbarimg", "--raw", "-q", str(image)).strip()


@pytest.mark.parametrize("side", ["CN", "RU"])
def test_an_approved_claims_voucher_reads_right_and_its_code_says_valid_paid_forged(
        app, demo, login_as, client, tmp_path, side):
    with app.app_context():
        claim = make_claim("approved") if side == "CN" else make_khasansky_claim("approved")
        payer = "finance" if side == "CN" else "ru_finance"
        voucher = issue_voucher(claim, actor=finance(payer))
        db.session.commit()
        number, name, code = voucher.number, claim.claimant.name, claim.display_code
        amount = voucher.amount
    money = login_as(payer)
    text, scanned = printed(money, number, tmp_path)
    assert number in text and name in text and code in text
    from hwc.vouchers.words import amount_in_words

    if side == "CN":  # the office's language and the payee's are both Chinese here
        assert "付款凭证" in text and amount_in_words(amount, "CNY", "zh_Hans") in text
        assert f"{amount:,.2f}" in text
    else:
        assert "Сумма прописью" in text and amount_in_words(amount, "RUB", "ru") in text
        assert f"{amount:,.2f}".replace(",", " ").replace(".", ",") in text.replace("\u00a0", " ")
    path = "/" + scanned.split("/", 3)[3]  # the QR holds the public URL of the check
    assert path.startswith("/V/")

    def verdict(url):
        page = client.get(url).get_data(as_text=True)
        return re.search(r'data-verdict="(\w+)"', page).group(1)

    assert verdict(path) == "valid"
    with app.app_context():
        record_payment(get_voucher(number, finance(payer)), actor=finance(payer),
                       method="bank", reference="TX-1")
        db.session.commit()
    assert verdict(path) == "paid"
    last = path[-1]
    assert verdict(path[:-1] + ("A" if last != "A" else "B")) == "forged"


def test_a_chinese_office_pays_a_russian_speaker_in_both_languages(app, demo, login_as,
                                                                     tmp_path):
    with app.app_context():
        claim = make_claim("approved", body=claim_body(claimant={
            "name": "Иван Ли", "phone": "+8613800000077", "language": "ru"}))
        number = issue_voucher(claim, actor=finance()).number
        total = claim.approved_total
        db.session.commit()
    text, _scanned = printed(login_as("finance"), number, tmp_path)
    from hwc.vouchers.words import amount_in_words

    assert amount_in_words(total, "CNY", "zh_Hans") in text
    assert amount_in_words(total, "CNY", "ru") in text
    assert "Иван Ли" in text
