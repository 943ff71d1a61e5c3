"""Benchmark: what one voucher PDF costs, as a ratio to the least any PDF with its fonts costs.

Both are timed in the same process and run, after a warm-up: the median of
``render_voucher_pdf`` of a three-line bilingual voucher (a Chinese office paying a
Russian-speaking payee), against the median of ``render_pdf`` of a minimal page with the voucher's
stylesheet and fonts and one character each of Latin, Cyrillic, Han and Hangul, in regular and
bold like the voucher. Embedding the four font subsets is a floor that every such PDF pays, so the
ratio measures what the voucher itself adds. Target: at most 2×.

Run with ``python bench/voucher_pdf.py``; it exits non-zero when the target is missed.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hwc import create_app
from hwc.vouchers.pdf import render_pdf, render_voucher_pdf
from tests.conftest import make_test_config
from tests.voucher_samples import sample_document

TARGET = 2.0

MINIMAL_PAGE = """<!doctype html>
<html lang="zh-Hans"><head><meta charset="utf-8">
<link rel="stylesheet" href="css/voucher.css"></head>
<body><p>A Ж 中 한</p><p><b>A Ж 中 한</b></p></body></html>"""


def median_ms(function, runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hwc-bench-vouchers-"))
    app = create_app(make_test_config(f"sqlite:///{folder}/bench.sqlite3", folder))
    voucher = sample_document("zh_Hans", "ru", lines=3)
    with app.app_context():
        for _ in range(3):  # warm up: fontconfig, pango's font maps, the template
            render_voucher_pdf(voucher)
            render_pdf(MINIMAL_PAGE)
        # Alternate the two so that a change in the machine's load falls on both alike.
        voucher_ms, minimal_ms = [], []
        for _ in range(args.runs):
            voucher_ms.append(median_ms(lambda: render_voucher_pdf(voucher), 1))
            minimal_ms.append(median_ms(lambda: render_pdf(MINIMAL_PAGE), 1))
    voucher_median = statistics.median(voucher_ms)
    minimal_median = statistics.median(minimal_ms)
    ratio = voucher_median / minimal_median
    print(f"{'voucher PDF, 3 lines, zh/ru':<48} median {voucher_median:7.1f} ms   (n={args.runs})")
    print(f"{'minimal page, same fonts, A Ж 中 한':<48} median {minimal_median:7.1f} ms   "
          f"(n={args.runs})")
    print(f"{'ratio':<48} {ratio:14.2f} ×   (target ≤ {TARGET:.1f} ×)")
    if ratio > TARGET:
        raise SystemExit(f"the voucher costs {ratio:.2f} × the minimal page (target ≤ {TARGET} ×)")


if __name__ == "__main__":
    main()
