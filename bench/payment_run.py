"""Benchmark: a payment run of 1,000 vouchers through the worker — wall time and peak memory.

The run is made by finance over 1,000 approved Hunchun claims (``create_run``, "all payable"),
then worked off in this process exactly as ``flask hwc worker`` does (``run_one`` in a loop):
issuing in chunks (each voucher also queues the payee's text message, sent in the same
loop), printing parts in the render processes, merging them into one PDF and writing
the bank file. Timed: from ``create_run`` to the run being done. Memory: the largest sum of the
resident memory of this process and its children (the render processes), sampled every 50 ms.

The baseline, measured in the same run on the same vouchers: printing them one PDF per voucher
in one process (the median of 20 such renders, times the number of vouchers) — what printing
the run by hand from the voucher pages would take. Targets (issue 12): under 30 s and under
1 GiB on this 2-core machine.

Run with ``python bench/payment_run.py [--claims N]``; it exits non-zero when a target is missed.
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate

from hwc import create_app
from hwc.accounts.models import User
from hwc.extensions import db
from hwc.jobs.queue import run_one
from hwc.payments.models import Budget, BudgetTopUp, RunStatus
from hwc.payments.run_jobs import issued_vouchers
from hwc.payments.runs import create_run
from hwc.regions.models import Region
from hwc.vouchers.printing import voucher_pdf
from tests.conftest import make_test_config
from tests.factories import make_claim

TARGET_SECONDS = 30
TARGET_BYTES = 1024**3


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        parent = queue.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                found.append(child)
                queue.append(child)
    return found


class PeakMemory:
    """The largest resident memory of this process and all its descendants together."""

    def __init__(self, every: float = 0.05):
        self.every, self.peak, self._stop = every, 0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        me = os.getpid()
        while not self._stop.is_set():
            total = _rss(me) + sum(_rss(child) for child in _descendants(me))
            self.peak = max(self.peak, total)
            self._stop.wait(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=1000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hwc-bench-run-"))
    app = create_app(make_test_config(f"sqlite:///{folder}/bench.sqlite3", folder))
    app.config["RATELIMIT_ENABLED"] = False
    with app.app_context():
        flask_migrate.upgrade()
        from hwc.demo.world import load_demo

        load_demo("bench-password")
        db.session.commit()
        print(f"approving {args.claims} claims…", flush=True)
        for n in range(args.claims):
            make_claim("approved")
            if n % 100 == 99:
                db.session.commit()
        finance = User.by_username("finance")
        budget = Budget(region_id=Region.by_code("CN-JL-HC").id, year=2026, fund="bench",
                        currency="CNY", created_by_id=finance.id)
        db.session.add(budget)
        db.session.flush()
        db.session.add(BudgetTopUp(budget_id=budget.id, amount=Decimal(10**11),
                                   document_reference="bench", created_by_id=finance.id))
        db.session.commit()
        print("sending the setup's text messages…", flush=True)
        while run_one("bench-setup") is not None:  # not the run's: the approvals' messages
            pass
        with app.test_request_context(base_url="https://hwc.example"), \
                PeakMemory() as memory:
            started = time.perf_counter()
            run = create_run(actor=finance, budget_id=budget.id, auto=True)
            db.session.commit()
            while run_one("bench-worker") is not None:
                pass
            elapsed = time.perf_counter() - started
        db.session.refresh(run)
        assert run.status is RunStatus.done, run.status
        assert run.issued_count == args.claims, (run.issued_count, run.failed_count)
        vouchers = issued_vouchers(run)
        with app.test_request_context(base_url="https://hwc.example"):
            voucher_pdf(vouchers[0])  # warm up
            samples = []
            for voucher in vouchers[:20]:
                begin = time.perf_counter()
                voucher_pdf(voucher)
                samples.append(time.perf_counter() - begin)
        baseline = statistics.median(samples) * len(vouchers)
    peak = memory.peak
    print(f"payment run of {args.claims} vouchers: {elapsed:.1f} s "
          f"({elapsed / args.claims * 1000:.0f} ms a voucher; target under {TARGET_SECONDS} s)")
    print(f"peak resident memory, worker and render processes: {peak / 1024**2:.0f} MiB "
          f"(target under {TARGET_BYTES // 1024**2} MiB)")
    print(f"baseline, one PDF per voucher in one process: {baseline:.1f} s "
          f"→ the run takes {elapsed / baseline:.2f}× the baseline")
    if elapsed > TARGET_SECONDS * args.claims / 1000 or peak > TARGET_BYTES:
        sys.exit(1)


if __name__ == "__main__":
    main()
