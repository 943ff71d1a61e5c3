"""Benchmark: what one uploaded photo costs a worker, in peak memory and time.

Each case runs in a fresh process and reports how far its peak resident memory (VmHWM, Linux)
grew over the same process just before the photo was touched (Python, Pillow and the app loaded,
the file's bytes read). Figures are compared within the run, so the targets are ratios:

- decoding an 8000 × 6000 JPEG with ``Image.draft`` needs at most 0.35 × the memory of decoding it
  at full size;
- ``clean_photo`` of that JPEG needs at most 0.35 × what the pre-fix pipeline (full decode, turn,
  convert, shrink) needed, and eight at once from threads at most 1.5 × one alone;
- the probe's 50 MP one-colour PNG and a 25 MP JPEG with its colours in separate scans are refused
  from their headers, for at most 0.05 × the memory the pre-fix pipeline spent on the PNG;
- the worst photos still accepted, an RGBA PNG and a separate-scans JPEG at the 16.8 MP limit for
  full decoding, cost at most 2 × the 8000 × 6000 JPEG.

Run with ``python bench/uploads.py``; it exits non-zero when a target is missed.
"""

import argparse
import io
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageOps

from tests.factories import grey_jpeg, one_colour_png


def reset_peak() -> float:
    """Start a new peak from the present resident memory (Linux: /proc/self/clear_refs), which
    also keeps the parent's peak out of a fresh process's figure; returns that memory in MB."""
    Path("/proc/self/clear_refs").write_text("5")
    return status_mb("VmRSS")


def status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def pre_fix_pipeline(data: bytes) -> bytes:
    """What ``add_evidence`` did before issue 8: decode at full size, then turn, convert, shrink."""
    image = Image.open(io.BytesIO(data))
    image.load()
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    image.thumbnail((2560, 2560))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def run_case(case: str, path: str, copies: int) -> dict:
    """One case, in this (fresh) process."""
    from flask_babel import force_locale

    from hwc import create_app
    from hwc.claims import photos
    from tests.conftest import make_test_config

    folder = Path(tempfile.mkdtemp(prefix="hwc-bench-uploads-"))
    app = create_app(make_test_config(f"sqlite:///{folder}/bench.sqlite3", folder))
    data = Path(path).read_bytes()

    def full():
        Image.open(io.BytesIO(data)).load()

    def draft():
        image = Image.open(io.BytesIO(data))
        image.draft("RGB", (2560, 1920))
        image.load()

    def clean():
        with app.app_context(), force_locale("en"):
            try:
                photos.clean_photo(data)
            except photos.EvidenceRejected as refused:
                return refused.message
        return "stored"

    work = {"full": full, "draft": draft, "pre-fix": lambda: pre_fix_pipeline(data) and "stored",
            "clean": clean}[case]
    outcomes = []
    before = reset_peak()
    start = time.perf_counter()
    threads = [threading.Thread(target=lambda: outcomes.append(work())) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"ms": (time.perf_counter() - start) * 1000, "mb": status_mb("VmHWM") - before,
            "outcome": outcomes[0] if outcomes else "failed"}


def measure(case: str, path: Path, copies: int = 1) -> dict:
    result = subprocess.run(  # noqa: S603 - this script, with arguments it made
        [sys.executable, __file__, "--case", case, "--path", str(path), "--copies", str(copies)],
        capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def photo_like_jpeg(width: int, height: int) -> bytes:
    """Smooth gradients in three channels: a few MB, like a real photo of that size."""
    channels = [Image.linear_gradient("L").resize((width, height)),
                Image.radial_gradient("L").resize((width, height)),
                Image.linear_gradient("L").rotate(90).resize((width, height))]
    out = io.BytesIO()
    Image.merge("RGB", channels).save(out, format="JPEG", quality=90)
    return out.getvalue()


def saved_png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="hwc-bench-uploads-"))
    inputs = {
        "8000x6000.jpg": photo_like_jpeg(8000, 6000),
        "probe-50mp.png": one_colour_png(10_000, 5_000),
        "separate-scans-25mp.jpg": grey_jpeg(5000, 5000, interleaved=False),
        "rgba-at-limit.png": saved_png(Image.new("RGBA", (4096, 4096), (90, 120, 40, 200))),
        "separate-scans-at-limit.jpg": grey_jpeg(4096, 4096, interleaved=False),
    }
    for name, data in inputs.items():
        (folder / name).write_bytes(data)
        print(f"{name:<26} {len(data) / 1024:8.0f} KB")
    jpeg, png, scans, rgba, scans_at_limit = (folder / name for name in inputs)
    rows = [
        ("8000x6000 JPEG, full decode", "full", jpeg, 1),
        ("8000x6000 JPEG, draft decode", "draft", jpeg, 1),
        ("8000x6000 JPEG, pre-fix pipeline", "pre-fix", jpeg, 1),
        ("8000x6000 JPEG, clean_photo", "clean", jpeg, 1),
        ("8000x6000 JPEG, pre-fix x8 threads", "pre-fix", jpeg, 8),
        ("8000x6000 JPEG, clean_photo x8 threads", "clean", jpeg, 8),
        ("50 MP PNG probe, pre-fix pipeline", "pre-fix", png, 1),
        ("50 MP PNG probe, clean_photo", "clean", png, 1),
        ("25 MP separate scans, clean_photo", "clean", scans, 1),
        ("16.8 MP RGBA PNG (limit), clean_photo", "clean", rgba, 1),
        ("16.8 MP separate scans (limit), clean_photo", "clean", scans_at_limit, 1),
    ]
    figures = {}
    for label, case, path, copies in rows:
        figures[label] = result = measure(case, path, copies)
        print(f"{label:<45} peak +{result['mb']:7.1f} MB  {result['ms']:8.1f} ms  "
              f"{result['outcome']}")

    def ratio(label, baseline):
        return figures[label]["mb"] / max(figures[baseline]["mb"], 1.0)

    targets = [
        ("draft / full decode", ratio("8000x6000 JPEG, draft decode",
                                      "8000x6000 JPEG, full decode"), 0.35),
        ("clean_photo / pre-fix", ratio("8000x6000 JPEG, clean_photo",
                                        "8000x6000 JPEG, pre-fix pipeline"), 0.35),
        ("clean_photo x8 / x1", ratio("8000x6000 JPEG, clean_photo x8 threads",
                                      "8000x6000 JPEG, clean_photo"), 1.5),
        ("PNG probe refused / pre-fix", ratio("50 MP PNG probe, clean_photo",
                                              "50 MP PNG probe, pre-fix pipeline"), 0.05),
        ("separate scans refused / PNG pre-fix", ratio("25 MP separate scans, clean_photo",
                                                       "50 MP PNG probe, pre-fix pipeline"), 0.05),
        ("PNG at the limit / 8000x6000 JPEG", ratio("16.8 MP RGBA PNG (limit), clean_photo",
                                                    "8000x6000 JPEG, clean_photo"), 2.0),
        ("scans at the limit / 8000x6000 JPEG",
         ratio("16.8 MP separate scans (limit), clean_photo", "8000x6000 JPEG, clean_photo"), 2.0),
    ]
    missed = False
    for name, value, target in targets:
        ok = value <= target
        missed |= not ok
        print(f"{name:<40} {value:6.2f}  (target <= {target})  {'ok' if ok else 'MISSED'}")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--case")
    parser.add_argument("--path")
    parser.add_argument("--copies", type=int, default=1)
    arguments = parser.parse_args()
    if arguments.case:
        print(json.dumps(run_case(arguments.case, arguments.path, arguments.copies)))
    else:
        main()
