"""The worker's side of a payment run: ``payments.issue`` issues the next chunk of vouchers,
``payments.print`` renders the next parts of the combined PDF and, last, merges them and writes
the bank file. Each job's changes commit with the job itself and queue the next job in the same
transaction, so a worker killed mid-chunk leaves nothing behind and the chunk runs again."""

from contextlib import nullcontext
from functools import partial

from flask import current_app
from sqlalchemy import func, select

from hwc.core.db import utcnow
from hwc.extensions import db
from hwc.jobs.queue import enqueue, handler
from hwc.payments import printing
from hwc.payments.budgets import charge
from hwc.payments.models import MAX_NOTE, ItemState, PaymentRun, PaymentRunItem, RunStatus
from hwc.vouchers.models import Voucher
from hwc.vouchers.operations import issue_voucher
from hwc.workflow.errors import WorkflowError

BANK_FILE_NAME = "bank.csv"


def _locked_run(run_id) -> PaymentRun | None:
    return db.session.scalar(select(PaymentRun).where(PaymentRun.id == run_id)
                             .with_for_update().execution_options(populate_existing=True))


def _pending(run: PaymentRun, limit: int | None = None) -> list[PaymentRunItem]:
    query = (select(PaymentRunItem).where(PaymentRunItem.run_id == run.id,
                                          PaymentRunItem.state == ItemState.pending)
             .order_by(PaymentRunItem.position))
    return list(db.session.scalars(query.limit(limit) if limit else query))


def _issue(item: PaymentRunItem, run: PaymentRun) -> None:
    """The item's voucher, charged to the run's budget, in a savepoint: a claim that can no
    longer be paid fails alone, with the reason, and takes no voucher number."""
    try:
        with db.session.begin_nested():
            voucher = issue_voucher(item.claim, actor=run.created_by)
            charge(voucher, run.budget, already_reserved=item.amount)
    except WorkflowError as error:
        item.state, item.error = ItemState.failed, (error.message or str(error))[:MAX_NOTE]
        run.failed_count += 1
        return
    item.state, item.voucher_id = ItemState.issued, voucher.id
    run.issued_count += 1


def _start_printing(run: PaymentRun, payload: dict) -> None:
    run.status = RunStatus.printing
    enqueue("payments.print", {**payload, "part": 0},
            dedupe_key=f"payment-run:{run.id}:print:0")


@handler("payments.issue")
def issue_chunk(payload: dict, job) -> None:
    """Issue the next chunk of the run's waiting claims (``HWC_PAYMENT_RUN_CHUNK``), then queue
    the next chunk, or the printing. A run asked to stop cancels its waiting claims instead."""
    run = _locked_run(payload["run_id"])
    if run is None or run.status not in (RunStatus.queued, RunStatus.issuing):
        return
    if run.status is RunStatus.queued:
        run.status, run.started_at = RunStatus.issuing, utcnow()
    if run.cancel_requested:
        for item in _pending(run):
            item.state = ItemState.cancelled
        db.session.flush()
        _start_printing(run, payload)
        return
    chunk = _pending(run, current_app.config["HWC_PAYMENT_RUN_CHUNK"])
    for item in chunk:
        _issue(item, run)
    db.session.flush()
    following = _pending(run, 1)
    if following:
        enqueue("payments.issue", payload,
                dedupe_key=f"payment-run:{run.id}:issue:{following[0].position}")
    else:
        _start_printing(run, payload)


def issued_vouchers(run: PaymentRun) -> list[Voucher]:
    return list(db.session.scalars(
        select(Voucher).join(PaymentRunItem, PaymentRunItem.voucher_id == Voucher.id)
        .where(PaymentRunItem.run_id == run.id, PaymentRunItem.state == ItemState.issued)
        .order_by(PaymentRunItem.position)))


def _request_context(payload: dict):
    """The vouchers' QR links need the site's address: the one the run was started from."""
    if current_app.config.get("HWC_PUBLIC_URL"):
        return nullcontext()
    return current_app.test_request_context(
        "/", base_url=payload.get("public_url") or "http://localhost")


@handler("payments.print")
def print_parts(payload: dict, job) -> None:
    """Render the next parts of the combined PDF (``HWC_PAYMENT_RUN_PRINT_BATCH`` vouchers per
    job, ``HWC_PAYMENT_RUN_DOC_SIZE`` per part; a part already on disk is kept), then queue the
    next job; after the last part, merge them, write the bank file and finish the run."""
    run = _locked_run(payload["run_id"])
    if run is None or run.status is not RunStatus.printing:
        return
    size = current_app.config["HWC_PAYMENT_RUN_DOC_SIZE"]
    per_job = max(current_app.config["HWC_PAYMENT_RUN_PRINT_BATCH"] // size, 1)
    vouchers = issued_vouchers(run)
    chunks = [vouchers[start:start + size] for start in range(0, len(vouchers), size)]
    paths = [printing.part_path(run.id, index, chunk)
             for index, chunk in enumerate(chunks)]
    part_count = len(chunks)
    first = payload.get("part", 0)
    parts = range(first, min(first + per_job, part_count))
    documents = [(paths[index], partial(printing.vouchers_html, chunks[index]))
                 for index in parts if not paths[index].exists()]
    with _request_context(payload):
        printing.render_parts(documents)
    run.printed_count = min(parts.stop * size, len(vouchers))
    if parts.stop < part_count:
        enqueue("payments.print", {**payload, "part": parts.stop},
                dedupe_key=f"payment-run:{run.id}:print:{parts.stop}")
        return
    run.pdf_name = printing.merge_parts(run.id, paths) if part_count else None
    printing.write_atomically(printing.run_folder(run.id) / BANK_FILE_NAME, _bank_file(run))
    run.bank_file_name = BANK_FILE_NAME
    run.status = RunStatus.cancelled if run.cancel_requested else RunStatus.done
    run.finished_at = utcnow()


def _bank_file(run: PaymentRun) -> bytes:
    """The bank transfer file (``hwc.payments.bankfile``)."""
    from hwc.payments.bankfile import bank_file

    return bank_file(run)


def issued_total(run: PaymentRun):
    """What the run's issued vouchers come to."""
    return db.session.scalar(
        select(func.coalesce(func.sum(Voucher.amount), 0))
        .join(PaymentRunItem, PaymentRunItem.voucher_id == Voucher.id)
        .where(PaymentRunItem.run_id == run.id, PaymentRunItem.state == ItemState.issued))
