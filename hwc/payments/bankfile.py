"""The bank transfer file of a payment run: one CSV row per live voucher, the columns a region
chooses (``bank_file_columns``), for the bank's software to read."""

import csv
import io
from collections.abc import Callable

from sqlalchemy import select

from hwc.core.money import money_string
from hwc.core.spreadsheet import safe_cell
from hwc.extensions import db
from hwc.payments.models import ItemState, PaymentRun, PaymentRunItem
from hwc.regions.settings import settings_for
from hwc.vouchers.models import Voucher, VoucherStatus

ENCODING = "utf-8"


def _village(voucher: Voucher, language: str) -> str:
    return voucher.claim.village.display_name(language)


def _cells(language: str) -> dict[str, Callable[[Voucher], str]]:
    """The value of each column (``hwc.core.settings.BANK_FILE_COLUMNS``) for one voucher."""
    return {
        "reference": lambda v: v.number,
        "payee": lambda v: v.claim.claimant.name,
        "account": lambda v: v.claim.claimant.bank_account or "",
        "amount": lambda v: money_string(v.amount, v.currency),
        "currency": lambda v: v.currency,
        "claim": lambda v: v.claim.display_code,
        "id_number": lambda v: v.claim.claimant.id_number or "",
        "village": lambda v: _village(v, language),
    }


def live_vouchers(run: PaymentRun) -> list[Voucher]:
    """The run's vouchers that may still be paid or are paid (issued items whose voucher is
    not void), in the run's order."""
    return list(db.session.scalars(
        select(Voucher).join(PaymentRunItem, PaymentRunItem.voucher_id == Voucher.id)
        .where(PaymentRunItem.run_id == run.id, PaymentRunItem.state == ItemState.issued,
               Voucher.status != VoucherStatus.void)
        .order_by(PaymentRunItem.position)))


def bank_file(run: PaymentRun) -> bytes:
    """The run's transfer orders as CSV: a header row, then one row per live voucher in the
    run's order, the columns and their order as ``bank_file_columns`` says in the run's region.

    The header names are the fixed English machine names of the setting (``reference``,
    ``payee``, ``account``…), never translated: the bank's software reads them. The account is
    the whole account (the file is for the bank; pages mask it); amounts are plain decimals
    with exactly the currency's places. Text cells that a spreadsheet would run as a formula
    are neutralised with a leading apostrophe.

    Encoding: UTF-8 without a byte-order mark. GBK (which many Chinese banks' older import
    tools expect) cannot write every payee's name — rare Han characters in names, Hangul of
    Korean residents — and one deployment serves both sides of the border; a BOM would become
    part of the first header name in a bank's parser. A bank that needs GBK gets a converted
    copy (``iconv -f UTF-8 -t GB18030``), which is a choice to make per bank, not per run."""
    jurisdiction = settings_for(run.region)
    columns = jurisdiction["bank_file_columns"].split()
    cells = _cells(jurisdiction["office_language"])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for voucher in live_vouchers(run):
        writer.writerow([cells[column](voucher) if column == "amount"
                         else safe_cell(cells[column](voucher)) for column in columns])
    return out.getvalue().encode(ENCODING)
