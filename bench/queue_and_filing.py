"""Benchmark: filing claims through the API and paging the office queue with many claims.

Targets (figures in README.md), with 5,000 claims in the county, one process, SQLite: filing a
claim (create + photo + submit) under 150 ms at the median; the verifier's queue page and a claim
page under 250 ms; the dashboard under 1 s; each export of the whole queue under 5 s.
Run with ``make bench`` (or ``python bench/queue_and_filing.py --claims 5000``).
"""

import argparse
import io
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate

from hwc import create_app
from hwc.extensions import db
from tests.conftest import make_test_config
from tests.factories import claim_body, jpeg_bytes


def timed(function, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = function()
        samples.append((time.perf_counter() - start) * 1000)
        if response is not None and response.status_code != 200:
            raise SystemExit(f"{response.request.path}: HTTP {response.status_code}")
    return samples


def report(name: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p90 = samples[int(len(samples) * 0.9) - 1]
    print(f"{name:<40} median {statistics.median(samples):7.1f} ms   p90 {p90:7.1f} ms   "
          f"(n={len(samples)})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=5000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hwc-bench-"))
    app = create_app(make_test_config(f"sqlite:///{folder}/bench.sqlite3", folder))
    with app.app_context():
        flask_migrate.upgrade()
        from hwc.demo.world import load_demo

        load_demo("bench-password")
        db.session.commit()
    client = app.test_client()

    def token(username):
        response = client.post("/api/v1/token", json={"username": username,
                                                      "password": "bench-password"})
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    officer = token("officer")
    photo = jpeg_bytes(size=(1600, 1200))

    def file_one():
        code = client.post("/api/v1/claims", json=claim_body(), headers=officer).get_json()["code"]
        client.post(f"/api/v1/claims/{code}/evidence", headers=officer,
                    data={"file": (io.BytesIO(photo), "p.jpg")})
        return client.post(f"/api/v1/claims/{code}/transitions", json={"action": "submit"},
                           headers=officer)

    filing = timed(file_one, 50)
    report("file a claim (create, photo, submit)", filing)
    print(f"filling to {args.claims} claims…", flush=True)
    crop_only = [{"kind": "crop", "category": "maize", "condition": "damaged",
                  "quantity": "2", "unit": "mu"}]
    for n in range(args.claims - 50):
        body = claim_body(losses=crop_only)
        body["claimant"] = {"name": f"农户{n}", "phone": f"+86138{n:08d}",
                            "language": "zh_Hans"}
        code = client.post("/api/v1/claims", json=body,
                           headers=officer).get_json()["code"]
        client.post(f"/api/v1/claims/{code}/transitions", json={"action": "submit"},
                    headers=officer)
    browser = app.test_client()
    browser.post("/login", data={"username": "verifier", "password": "bench-password"})
    report(f"verifier queue page ({args.claims} claims)",
           timed(lambda: browser.get("/queue"), 30))
    report("dashboard", timed(lambda: browser.get("/dashboard"), 10))
    report("claim page", timed(lambda: browser.get(f"/claims/{code.replace('-', '')}"), 30))
    for fmt in ("csv", "xlsx", "geojson"):
        report(f"{fmt.upper()} export of the queue",
               timed(lambda fmt=fmt: browser.get(f"/exports/claims.{fmt}"), 5))
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak resident memory of the process: {peak_kib / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
