"""Benchmark: the pages whose cost must not grow with history (issue 13, part 2).

Times, server side (the Flask test client, no network), each office queue, the dashboard, the
claim page with its fraud flags, the public status lookups, the SMS reply and the exports, for a
wide-scope (national) user and a county user, on a small history (the baseline) and a large one in
the same run, and each page's ratio between them; then the memory the CSV export of 100,000 claims
takes.
Targets at 1,000,000 claims: p95 under 100 ms on PostgreSQL and 250 ms on SQLite, at most 1.5×
the time at 10,000 claims, the 100,000-claim CSV export under 200 MB.

    python bench/pages.py          # 2,000 against 20,000 claims, SQLite (bench.generate)
    python bench/pages.py --baseline-claims 10000 --claims 1000000
    python bench/pages.py --baseline-url … --database-url postgresql+psycopg://…  # as they are

Prints a table and writes ``bench/results/pages-<backend>.json``.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from hwc import create_app
from hwc.accounts.models import User
from hwc.claims.models import Claim
from hwc.extensions import db
from hwc.regions.models import Region
from tests.conftest import make_test_config

PASSWORD = "bench-password"  # noqa: S105 (the bench users' password, as bench.generate sets it)
RESULTS = Path(__file__).resolve().parent / "results"
NATIONAL, COUNTY = "national", "county"


def build_database(claims: int, folder: Path) -> str:
    from bench.generate import generate

    url = f"sqlite:///{folder}/pages-{claims}.sqlite3"
    generate(url, claims)
    return url


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(function, samples: int) -> dict:
    times = []
    function(0)  # the first call fills caches (templates, compiled SQL): not a sample
    for index in range(samples):
        start = time.perf_counter()
        response = function(index)
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{response.request.path}: HTTP {response.status_code}")
    return summary(times)


def summary(times: list[float]) -> dict:
    return {"p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, .95), 1), "samples": len(times), "times": times}


def logged_in(app, username: str):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"cannot log in as {username} (password {PASSWORD!r})")
    return client


def codes_in_scope(username: str, count: int, seed: int = 7) -> list[str]:
    """``count`` codes of claims spread over the whole history in the user's area, picked by
    random id (no full scan)."""
    user = User.by_username(username)
    top = db.session.scalar(select(func.max(Claim.id)))
    rng, codes = random.Random(seed), []  # noqa: S311 (a sample, not a secret)
    area = Region.subtree_ids(*user.scope_regions)
    while len(codes) < count:
        start = rng.randint(1, top)
        code = db.session.scalar(select(Claim.code).where(
            Claim.id >= start, Claim.village_id.in_(area)).order_by(Claim.id).limit(1))
        if code:
            codes.append(code)
    return codes


def second_page_url(client, path: str) -> str:
    """The queue's next-page link as the first page renders it."""
    import re

    html = client.get(path).get_data(as_text=True)
    found = re.search(r'href="(/queue\?[^"]*after=[^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else path


def measure_pages(app, samples: int) -> dict:
    results = {}
    with app.app_context():
        users = {scope: {role: f"{scope}-{role}" for role in ("inspector", "approver",
                                                              "finance", "auditor")}
                 for scope in (NATIONAL, COUNTY)}
        codes = {scope: codes_in_scope(users[scope]["auditor"], samples + 1)
                 for scope in users}
    public = app.test_client()
    for scope, roles in users.items():
        for role, username in roles.items():
            client = logged_in(app, username)
            results[f"queue {scope} {role}"] = timed(lambda _i, c=client: c.get("/queue"),
                                                      samples)
            nxt = second_page_url(client, "/queue")
            results[f"queue page 2 {scope} {role}"] = timed(
                lambda _i, c=client, url=nxt: c.get(url), samples)
        client = logged_in(app, roles["auditor"])
        results[f"dashboard {scope} auditor"] = timed(lambda _i, c=client: c.get("/dashboard"),
                                                      samples)
        results[f"queue filtered {scope} auditor"] = timed(
            lambda _i, c=client: c.get("/queue?status=submitted&species=wild_boar"), samples)
        for role in ("auditor", "approver"):
            client = logged_in(app, roles[role])
            results[f"claim page {scope} {role}"] = timed(
                lambda i, c=client, s=scope: c.get(f"/claims/{codes[s][i]}"), samples)
        results[f"status page ({scope} codes)"] = timed(
            lambda i, s=scope: public.get(f"/status?code={codes[s][i]}"), samples)
        results[f"api status ({scope} codes)"] = timed(
            lambda i, s=scope: public.get(f"/api/v1/status/{codes[s][i]}"), samples)
        results[f"sms reply ({scope} codes)"] = timed(
            lambda i, s=scope: public.get("/sms/inbound/kannel", query_string={
                "from": f"+8613900{i:06d}", "text": f"CX {codes[s][i]}"}), samples)
    for fmt in ("csv", "xlsx", "geojson"):
        client = logged_in(app, users[COUNTY]["auditor"])
        results[f"export {fmt} county auditor (first 64 KB)"] = timed(
            lambda _i, c=client, f=fmt: first_bytes(c, f"/exports/claims.{f}"), 5)
    return results


class FirstBytes:
    def __init__(self, status_code):
        self.status_code = status_code


def first_bytes(client, path: str, wanted: int = 65536):
    """Read a streamed response until ``wanted`` bytes: the time a user waits for the download
    to start."""
    response = client.get(path, buffered=False)
    got = 0
    for chunk in response.response:
        got += len(chunk)
        if got >= wanted:
            break
    response.close()
    return FirstBytes(response.status_code)


def measure_big_export(app, claims: int) -> dict:
    """The whole CSV export of up to ``claims`` claims by the national auditor: its time and
    the peak Python memory it allocated (tracemalloc), read as a stream."""
    client = logged_in(app, "national-auditor")
    tracemalloc.start()
    start = time.perf_counter()
    response = client.get("/exports/claims.csv", buffered=False)
    size = rows = 0
    for chunk in response.response:
        size += len(chunk)
        rows += chunk.count(b"\n")
    response.close()
    seconds = time.perf_counter() - start
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"rows": rows - 1, "bytes": size, "seconds": round(seconds, 1),
            "peak_python_mb": round(peak / 2**20, 1)}


def open_app(url: str, folder: Path):
    config = make_test_config(url, folder)
    config["TESTING"] = False
    app = create_app(config)
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Claim))
        backend = db.engine.dialect.name
    print(f"{total:,} claims on {backend}", flush=True)
    return app, {"claims": total, "backend": backend, "pages": {}, "csv_export": None}


def measure_alternately(apps: list, samples: int, rounds: int = 5) -> None:
    """Each app's pages in turn, ``rounds`` times, so that the machine's load (shared cores)
    weighs on the small and the large history alike; the samples of the rounds are pooled."""
    per_round = max(2, samples // rounds)
    for _round in range(rounds):
        for app, figures in apps:
            for name, measured in measure_pages(app, per_round).items():
                pooled = figures["pages"].setdefault(name, [])
                pooled.extend(measured["times"])
    for _app, figures in apps:
        figures["pages"] = {name: {k: v for k, v in summary(times).items() if k != "times"}
                            for name, times in figures["pages"].items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--baseline-claims", type=int, default=2_000,
                        help="the small history each page is compared with (10000 for the "
                        "issue's ratio at a million)")
    parser.add_argument("--database-url", help="measure this database instead of building one")
    parser.add_argument("--baseline-url", help="and this one as the small history")
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--no-export", action="store_true", help="skip the big CSV export")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="hwc-bench-pages-"))
    os.environ.setdefault("HWC_INSTANCE_PATH", str(folder))  # the generator's keys: not the user's
    small_url = args.baseline_url or build_database(args.baseline_claims, folder)
    big_url = args.database_url or build_database(args.claims, folder)
    (small_app, small), (big_app, big) = open_app(small_url, folder), open_app(big_url, folder)
    measure_alternately([(small_app, small), (big_app, big)], args.samples)
    if not args.no_export:
        big["csv_export"] = measure_big_export(big_app, 100_000)
    print(f"\n{'page':<48} {small['claims']:>9,} claims p95 {big['claims']:>11,} claims p95"
          f"   ratio (target ≤ 1.5)")
    for name, figures in big["pages"].items():
        base = small["pages"].get(name)
        ratio = figures["p95_ms"] / base["p95_ms"] if base and base["p95_ms"] else None
        figures["ratio_to_baseline"] = round(ratio, 2) if ratio else None
        print(f"{name:<48} {base['p95_ms'] if base else float('nan'):>12.1f} ms "
              f"{figures['p95_ms']:>17.1f} ms   {ratio or float('nan'):5.2f}")
    export = big["csv_export"]
    if export:
        print(f"CSV export of {export['rows']:,} claims: {export['seconds']} s, "
              f"{export['bytes']:,} bytes, peak Python memory {export['peak_python_mb']} MB "
              "(target < 200 MB)")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"pages-{big['backend']}.json"
    out.write_text(json.dumps({"baseline": small, "measured": big}, indent=2) + "\n")
    print(f"written {out}")


if __name__ == "__main__":
    main()
