"""Fill an empty HWC database with a realistic national programme, fast, for the benchmarks.

    python bench/generate.py --database-url URL --claims N [--seed 1] [--years 10]

It loads the demo world, adds countries (CN, RU, IN, KE), provinces, 40 counties, 200 townships
and 2,000 villages with their staff, then N claims over ``years`` years with their claimants,
loss items, evidence rows (no image files), vouchers, SMS messages and a verifiable audit chain,
in every status the workflow reaches. Run it with the instance folder (``HWC_INSTANCE_PATH``) of
the servers that will read the database: the audit and voucher keys it signs with live there.
Every generated user's password is ``bench-password``; the benchmarks log in as
``national-inspector``, ``county-inspector``, ``county-approver`` … (see ``NAMED`` in
``bench/generation/world.py``).
"""

import argparse
import importlib.util
import multiprocessing
import os
import random
import secrets
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate
from flask import current_app
from sqlalchemy import func, select, text

from bench.generation.bulk import (
    ORDER,
    Chain,
    Writer,
    fix_sequences,
    last_ids,
    save_voucher_sequences,
)
from bench.generation.rows import Calendar, ChunkMaker, Residents
from bench.generation.world import add_people, add_schedules, build_regions
from hwc import create_app
from hwc.audit.keys import audit_key
from hwc.claims.models import Claim
from hwc.config import normalise_database_url
from hwc.core.db import utcnow
from hwc.demo.world import load_demo
from hwc.extensions import db

PASSWORD = "bench-password"  # noqa: S105 - the documented password of generated users
CHUNK = 10_000
CHILD_TIMEOUT = 900  # seconds to wait for one chunk from the row maker


class NotEmpty(RuntimeError):
    """The database already holds claims: the generator only fills an empty one."""


def generate(database_url: str, claims: int = 20_000, seed: int = 1, years: int = 10, *,
             app=None, chunk: int = CHUNK, echo=print) -> dict:
    """Fill the (empty) database at ``database_url`` with ``claims`` claims and their world;
    returns the counts written per table, the usernames made and the seconds taken. ``app``
    (built for that database) chooses the instance folder whose keys sign the data."""
    if app is None:
        app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
                          "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_hex(16)})
    with app.app_context():
        started = time.perf_counter()
        flask_migrate.upgrade()
        if db.session.scalar(select(func.count()).select_from(Claim)):
            raise NotEmpty("the database already holds claims; give the generator an empty one")
        load_demo(PASSWORD)
        rng = random.Random(seed)  # noqa: S311 - reproducible, not secret
        now = utcnow().replace(microsecond=0)
        calendar = Calendar(now, years)
        counties = build_regions(rng)
        add_schedules(counties, calendar.start.date())
        usernames = add_people(counties, PASSWORD)
        db.session.commit()
        echo(f"world: {len(counties)} counties, "
             f"{sum(len(c.villages) for c in counties)} villages "
             f"({time.perf_counter() - started:.1f} s)")
        counts = _fill(counties, claims, seed, now, calendar, chunk, echo)
        _finish(echo)
        elapsed = time.perf_counter() - started
        rows = sum(counts.values())
        echo(f"{rows:,} rows in {elapsed:.1f} s ({rows / elapsed:,.0f} rows/s)")
        return {"counts": counts, "usernames": usernames, "seconds": round(elapsed, 1),
                "password": PASSWORD}


def _fill(counties, claims, seed, now, calendar, chunk, echo) -> dict:
    ids = last_ids()
    chain = Chain(audit_key(), current_app.config["HWC_AUDIT_CHECKPOINT_EVERY"])
    db.session.commit()  # no transaction of the session stays open beside the writer's
    residents = Residents(counties, claims, ids["claimants"] + 1, calendar.start)
    writer = Writer(db.engine)
    checkpoints = []
    maker = ChunkMaker(counties=counties, claims=claims, seed=seed, now=now,
                       calendar=calendar, residents=residents, ids=ids)
    maker.read_schedules()
    try:
        batch = []
        for row in residents.rows():
            batch.append(row)
            if len(batch) == chunk:
                writer.write("claimants", batch)
                batch = []
        writer.write("claimants", batch)
        writer.commit()
        started = time.perf_counter()
        vouchers_last: dict = {}
        for first, out in made_in_child(maker, claims, chunk, vouchers_last):
            events, reached = chain.link(out.pop("workflow_events"), ids["workflow_events"] + 1)
            ids["workflow_events"] += len(events)
            checkpoints += reached
            out["workflow_events"] = events
            for name in ORDER:
                if name in out:
                    writer.write(name, out[name])
            writer.commit()
            done = min(claims, first + chunk)
            echo(f"{done:,} claims ({done / (time.perf_counter() - started):,.0f} claims/s)")
    finally:
        writer.close()
    # The session read (rate schedules, keys) during the fill: a fresh transaction, so SQLite
    # does not refuse to write from a snapshot older than the writer's commits.
    db.session.rollback()
    chain.save_checkpoints(checkpoints)
    chain.sign_head()
    save_voucher_sequences(vouchers_last)
    if db.engine.dialect.name == "postgresql":
        fix_sequences()
    db.session.commit()
    return dict(writer.written, audit_checkpoints=len(checkpoints))


def made_in_child(maker, claims: int, chunk: int, vouchers_last: dict):
    """``(first, rows)`` of each chunk, made in a forked process while this one hashes and
    writes the chunk before (the two halves take about as long); fills ``vouchers_last`` with
    the last voucher number of each prefix and period at the end. The maker holds no database
    connection: its rate schedules were read before the fork."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=2)
    child = context.Process(target=_make_chunks, args=(current_app._get_current_object(), maker,
                                                       claims, chunk, queue), daemon=True)
    child.start()
    try:
        for first in range(0, claims, chunk):
            kind, payload = queue.get(timeout=CHILD_TIMEOUT)
            if kind == "error":
                raise RuntimeError(f"the row maker failed:\n{payload}")
            yield first, payload
        kind, payload = queue.get(timeout=CHILD_TIMEOUT)
        if kind == "error":
            raise RuntimeError(f"the row maker failed:\n{payload}")
        vouchers_last.update(payload)
        child.join(timeout=CHILD_TIMEOUT)
    finally:
        if child.is_alive():
            child.kill()
            child.join(timeout=10)


def _make_chunks(app, maker, claims: int, chunk: int, queue) -> None:
    try:
        with app.app_context():
            db.engine.dispose(close=False)  # the parent's connections stay the parent's
            for first in range(0, claims, chunk):
                queue.put(("rows", maker.make(first, min(claims, first + chunk))))
            queue.put(("vouchers", maker.vouchers.last))
    except BaseException:  # reported to the parent, which raises it
        queue.put(("error", traceback.format_exc()))


def _finish(echo) -> None:
    """The dashboard's rollups (when the tallies module exists), then fresh planner statistics."""
    if importlib.util.find_spec("hwc.dashboard.tallies") is not None:
        from hwc.dashboard.tallies import rebuild_tallies

        started = time.perf_counter()
        rebuild_tallies()
        db.session.commit()
        echo(f"tallies rebuilt ({time.perf_counter() - started:.1f} s)")
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True,
                        help="SQLAlchemy URL of an empty (or not yet migrated) database")
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--years", type=int, default=10)
    args = parser.parse_args()
    if args.claims < 1 or args.years < 1:
        parser.error("--claims and --years must be at least 1")
    try:
        result = generate(args.database_url, args.claims, args.seed, args.years)
    except NotEmpty as error:
        raise SystemExit(str(error)) from None
    for name, count in result["counts"].items():
        print(f"{name:<20} {count:>12,}")
    print("users:", " ".join(result["usernames"]), f"(password {result['password']})")


if __name__ == "__main__":
    main()
