"""A payment run's vouchers as one PDF: parts of some tens of vouchers, each one HTML document
with a page break per voucher (one document costs about a third per voucher of separate ones),
rendered in worker processes where there are several, written to disk atomically so that a
restart resumes, and merged at the end."""

import atexit
import hashlib
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from flask import current_app, render_template
from pypdf import PdfWriter

from hwc.vouchers.models import Voucher
from hwc.vouchers.pdf import qr_svg, render_pdf
from hwc.vouchers.printing import voucher_document

RUNS_FOLDER = "payment_runs"
PDF_NAME = "vouchers.pdf"

_pool: ProcessPoolExecutor | None = None


def run_folder(run_id: int) -> Path:
    """Where a run's files live: ``<instance>/payment_runs/<id>/``."""
    return Path(current_app.instance_path) / RUNS_FOLDER / str(run_id)


def part_path(run_id: int, index: int, vouchers: list[Voucher]) -> Path:
    """The file of a run's ``index``-th part, named also by the seals of the vouchers it prints
    (each seal holds a random salt): a file left by anything else — another run that once had
    this id and these numbers in a database since recreated, a part cut differently — is never
    taken for it."""
    digest = hashlib.sha256("\n".join(v.seal for v in vouchers).encode()).hexdigest()[:16]
    return run_folder(run_id) / f"part-{index:05d}-{digest}.pdf"


def write_atomically(path: Path, content: bytes) -> None:
    """``content`` at ``path``, all or nothing: a reader (or a restart) never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(content)
    os.replace(temporary, path)


def vouchers_html(vouchers: list[Voucher]) -> str:
    """One HTML document of the vouchers, each starting on a new page (needs an application
    context: the template and the words are the app's)."""
    pairs = []
    for voucher in vouchers:
        doc = voucher_document(voucher)
        pairs.append((doc, qr_svg(doc.qr_text)))
    return render_template("payments/vouchers_print.html", vouchers=pairs)


def _processes() -> int:
    return current_app.config["HWC_PAYMENT_RUN_PROCESSES"]


def _executor() -> ProcessPoolExecutor:
    """The render processes, started once per worker process and kept: each holds its fonts
    warm. "forkserver": a fork of this (threaded, connected) process would copy its locks."""
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(max_workers=_processes(),
                                    mp_context=multiprocessing.get_context("forkserver"))
        atexit.register(shutdown_renderers)
    return _pool


def shutdown_renderers() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None


def render_parts(documents: list[tuple[Path, Callable[[], str]]]) -> None:
    """Render each (path, build) to its PDF at ``path``, ``build()`` giving its HTML: in parallel
    processes when configured (``HWC_PAYMENT_RUN_PROCESSES`` > 1) — each part handed to them as
    soon as its HTML is built here, so building the next overlaps rendering the last — else
    here."""
    if _processes() > 1 and len(documents) > 1:
        pool = _executor()
        pending = [(path, pool.submit(render_pdf, build())) for path, build in documents]
        for path, future in pending:
            write_atomically(path, future.result())
    else:
        for path, build in documents:
            write_atomically(path, render_pdf(build()))


def merge_parts(run_id: int, parts: list[Path]) -> str:
    """The parts merged into the run's one PDF (written atomically); its file name."""
    writer = PdfWriter()
    for part in parts:
        writer.append(str(part))
    target = run_folder(run_id) / PDF_NAME
    temporary = target.with_name(f".{PDF_NAME}.{os.getpid()}.tmp")
    with temporary.open("wb") as stream:
        writer.write(stream)
    writer.close()
    os.replace(temporary, target)
    return PDF_NAME
