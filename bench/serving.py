"""Benchmark: the public status lookup (JSON and HTML) and the SMS inbound reply served by gunicorn
(2 workers, ``deploy/gunicorn.conf.py``) and loaded by ``wrk``, each against a bare Flask
endpoint served the same way in the same run.

Targets (issue 13): JSON ≥ 0.6×, HTML ≥ 0.5×, SMS ≥ 0.5× the bare endpoint's requests/s, p99 under
50 ms. The requests rotate over a few thousand real claim codes (a wrk Lua script reads them from
a file). Rate limits are switched off in the served app (``RATELIMIT_ENABLED=False`` in the app
factory below): with them on, the status page's 20 a minute per client would answer 429.

    python bench/serving.py                       # 10,000 claims in a fresh SQLite file
    python bench/serving.py --claims 1000000      # a national programme
    python bench/serving.py --database-url postgresql://…   # reuse a generated database

Prints a table and writes ``bench/results/serving.json``.
"""

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results" / "serving.json"
SMS_SECRET = "bench-sms-secret"  # noqa: S105 - a throwaway server on loopback
PHONE = "%2B8613800000001"
ENDPOINTS = {  # name: (path with {code}, its target as a share of the bare endpoint)
    "bare": ("/hello", None),
    "status JSON": ("/api/v1/status/{code}", 0.6),
    "status HTML": ("/status?code={code}", 0.5),
    "SMS reply": (f"/sms/inbound/kannel?from={PHONE}&text={{code}}&secret={SMS_SECRET}", 0.5),
}
P99_TARGET_MS = 50.0

WRK_SCRIPT = """\
local codes = {}
for line in io.lines(os.getenv("HWC_BENCH_CODES")) do codes[#codes + 1] = line end
local template = os.getenv("HWC_BENCH_PATH")
local i = 0
function setup(thread) thread:set("offset", math.random(#codes)) end
function request()
  i = i + 1
  local code = codes[((offset or 0) + i) % #codes + 1]
  return wrk.format("GET", (template:gsub("{code}", code)))
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"errors": %d, "non_2xx": %d}\\n', summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.timeout,
    e.status))
end
"""


# --- the two apps gunicorn serves (``gunicorn "bench.serving:served_app()"``) -----------------

def served_app():
    """HWC as configured by the environment, with rate limits off (see the module docstring)."""
    from hwc import create_app

    return create_app({"RATELIMIT_ENABLED": False})


def bare_app():
    """The baseline: Flask answering a constant, served the same way."""
    from flask import Flask

    app = Flask("bare")
    app.add_url_rule("/hello", "hello", lambda: "hello")
    return app


# --- the data ---------------------------------------------------------------------------------

def sample_codes(database_url: str, count: int) -> list[str]:
    """``count`` codes of real claims, spread over the whole table."""
    from sqlalchemy import create_engine, func, select

    from hwc.claims.models import Claim
    from hwc.config import normalise_database_url

    engine = create_engine(normalise_database_url(database_url))
    with engine.connect() as connection:
        codes = list(connection.scalars(select(Claim.code).order_by(func.random()).limit(count)))
    engine.dispose()
    return codes


# --- serving and loading ----------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(factory: str, env: dict, log: Path) -> tuple[subprocess.Popen, str]:
    """gunicorn with the production settings and 2 workers (as the load notes measured)."""
    port = free_port()
    with open(log, "wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own command line
            [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py",
             "--bind", f"127.0.0.1:{port}", "--workers", "2", f"bench.serving:{factory}"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return process, f"http://127.0.0.1:{port}"


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_until_answering(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer 200 within {timeout} s")


def load(base: str, path: str, codes_file: Path, script: Path, args) -> dict:
    """One wrk run; requests/s, p50 and p99 in ms."""
    env = {**os.environ, "HWC_BENCH_CODES": str(codes_file), "HWC_BENCH_PATH": path}
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
               "--latency", "-s", str(script), base]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True,  # noqa: S603
                            timeout=args.duration + 60).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    figures = json.loads(line[len("RESULT "):])
    if figures["errors"] or figures["non_2xx"]:
        raise SystemExit(f"{path}: {figures['errors']} socket errors, {figures['non_2xx']} "
                         f"answers other than 2xx/3xx\n{output}")
    return {"requests_per_s": round(figures["requests"] / (figures["duration_us"] / 1e6), 1),
            "p50_ms": round(figures["p50_us"] / 1000, 2),
            "p99_ms": round(figures["p99_us"] / 1000, 2), "requests": figures["requests"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--database-url", help="a database already generated (kept as it is)")
    parser.add_argument("--codes", type=int, default=5000, help="claim codes to rotate over")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    folder = Path(tempfile.mkdtemp(prefix="hwc-serving-"))
    database_url = args.database_url
    if database_url is None:
        database_url = f"sqlite:///{folder}/bench.sqlite3"
        started = time.perf_counter()
        from bench.generate import generate

        os.environ.setdefault("HWC_INSTANCE_PATH", str(folder / "instance"))
        generate(database_url, args.claims)
        print(f"{args.claims:,} claims generated in {time.perf_counter() - started:.0f} s")
    codes = sample_codes(database_url, args.codes)
    codes_file, script = folder / "codes.txt", folder / "rotate.lua"
    codes_file.write_text("\n".join(codes) + "\n")
    script.write_text(WRK_SCRIPT)
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench-secret-key",
           "HWC_INSTANCE_PATH": str(folder / "instance"), "HWC_SECURE_COOKIES": "0",
           "HWC_SMS_SECRET": SMS_SECRET, "HWC_SMS_GATEWAY_IPS": "127.0.0.1,::1",
           "HWC_LOG_LEVEL": "warning"}
    results, servers = {}, []
    try:
        bare, bare_base = serve("bare_app()", env, folder / "bare.log")
        app, app_base = serve("served_app()", env, folder / "app.log")
        servers += [bare, app]
        wait_until_answering(f"{bare_base}/hello")
        wait_until_answering(f"{app_base}/healthz")
        for name, (path, _target) in ENDPOINTS.items():
            base = bare_base if name == "bare" else app_base
            wait_until_answering(base + path.replace("{code}", codes[0]))  # and warm
            results[name] = load(base, path, codes_file, script, args)
    finally:
        for process in servers:
            stop(process)
    report(results, args, database_url)
    shutil.rmtree(folder, ignore_errors=True)


def report(results: dict, args, database_url: str) -> None:
    bare = results["bare"]["requests_per_s"]
    print(f"\n{'endpoint':<14}{'requests/s':>12}{'× bare':>9}{'target':>9}{'p50 ms':>9}"
          f"{'p99 ms':>9}  met")
    for name, (_path, target) in ENDPOINTS.items():
        figures = results[name]
        ratio = figures["requests_per_s"] / bare
        figures["ratio_to_bare"] = round(ratio, 2)
        if target is not None:
            figures["target_ratio"] = target
            figures["met"] = ratio >= target and figures["p99_ms"] < P99_TARGET_MS
        print(f"{name:<14}{figures['requests_per_s']:>12,.0f}{ratio:>9.2f}"
              f"{'' if target is None else f'≥ {target}':>9}{figures['p50_ms']:>9.1f}"
              f"{figures['p99_ms']:>9.1f}  "
              f"{'' if target is None else ('yes' if figures['met'] else 'NO')}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "when": time.strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.node()}, {os.cpu_count()} cores, {platform.platform()}",
        "database": database_url.split(":", 1)[0] + (":(given)" if args.database_url else ""),
        "claims": None if args.database_url else args.claims,
        "wrk": f"-t{args.threads} -c{args.connections} -d{args.duration}s",
        "gunicorn": "2 workers, deploy/gunicorn.conf.py", "p99_target_ms": P99_TARGET_MS,
        "endpoints": results}, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten to {args.json}")


if __name__ == "__main__":
    main()
