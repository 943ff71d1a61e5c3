"""Fault drills (issue 13): real services fail while work is under way, and nothing is lost or
doubled. Each drill is bounded in time (a few seconds to about twenty, under a minute at worst).

- PostgreSQL restarted while claims are filed through the API (PostgreSQL only): a throwaway
  cluster of its own, served by gunicorn with two workers; every claim answered 201 is stored,
  every other one was a clean 503 and succeeds when retried with its ``client_uuid``, once; the
  same app processes answer afterwards.
- A worker killed in the middle of an SMS batch (SIGKILL as a message reaches the gateway, before
  the worker reads its answer), then started again: each of 60 messages reaches the gateway
  once.
- A worker killed in the middle of a payment run: ``tests/test_payment_runs.py``,
  ``test_a_worker_killed_mid_run_is_restarted_and_no_voucher_is_issued_twice``.
- Kannel's bearerbox down for the length of a batch: ``tests/test_sms_kannel.py``,
  ``test_while_bearerbox_is_down_notifications_wait_and_each_arrives_once``.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from hwc import PROJECT_ROOT, create_app
from hwc.demo.world import DEFAULT_PASSWORD
from hwc.extensions import db
from hwc.jobs.models import Job, JobStatus
from hwc.jobs.queue import enqueue
from hwc.sms.models import Direction, MessageState, SmsMessage
from hwc.sms.service import SEND_JOB
from tests.conftest import BACKEND, make_test_config, service_missing
from tests.factories import claim_body
from tests.pg_cluster import PostgresUnavailable, ThrowawayCluster
from tests.test_jobs import wait_for, workers  # noqa: F401 - worker processes (the real command)

START_TIMEOUT = 30.0



def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children_of(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.add(int(entry.name))
    return found


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it has not exited after a few seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# --- a database out of reach is "busy, try again", never a crash -------------------------------

@pytest.mark.commits  # its own app and database: the shared session is not bound to the test's
def test_an_api_call_while_the_database_is_out_of_reach_is_a_503_problem_to_retry(tmp_path):
    nowhere = f"postgresql+psycopg://hwc@/hwc?host={tmp_path}/no-server-here&connect_timeout=2"
    app = create_app(make_test_config(nowhere, tmp_path))
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answered as in production
    with app.app_context():
        try:
            response = app.test_client().post(
                "/api/v1/claims", json=claim_body(), headers={
                    "Authorization": "Bearer some-token", "Accept-Language": "en"})
        finally:
            db.engine.dispose()
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    assert response.headers["Retry-After"] == "2"
    assert response.get_json()["detail"] == "The system is busy. Please try again in a moment."


# --- PostgreSQL restarted while claims are filed through the API --------------------------------

@dataclass
class Answer:
    body: dict
    status: int | None  # None: no HTTP answer at all
    headers: dict
    payload: dict | None
    after_restart: bool = False


def call(url: str, *, body: dict | None = None,
         token: str | None = None) -> tuple[int | None, dict, dict | None]:
    """One HTTP request to the app on loopback, POST with a JSON ``body`` or GET: (status or
    None when there was no answer, headers, JSON or None)."""
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body else None)  # noqa: S310
    request.add_header("Accept-Language", "en")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=15) as response:
            return response.status, dict(response.headers), json.loads(response.read() or "null")
    except urllib.error.HTTPError as error:
        raw = error.read()
        error.close()
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = {"not json": raw[:500].decode("utf-8", "replace")}
        return error.code, dict(error.headers), payload
    except (urllib.error.URLError, OSError):
        return None, {}, None


class Filer(threading.Thread):
    """A village officer's tablet filing claims one after another, each with its own
    ``client_uuid``, until told to stop."""

    def __init__(self, base: str, token: str):
        super().__init__(daemon=True)
        self.base, self.token = base, token
        self.answers: list[Answer] = []
        self.stop = threading.Event()
        self.restarted = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            body = claim_body()
            status, headers, payload = call(self.base + "/api/v1/claims", body=body,
                                            token=self.token)
            self.answers.append(Answer(body, status, headers, payload,
                                       after_restart=self.restarted.is_set()))
            self.stop.wait(0.02)

    def count(self, status: int, *, after_restart: bool = False) -> int:
        return sum(1 for a in list(self.answers)
                   if a.status == status and (a.after_restart or not after_restart))


@pytest.fixture
def own_postgres():
    """A PostgreSQL cluster of this test's own (the suite's shared one is never restarted)."""
    if BACKEND != "postgresql":
        pytest.skip("the restart drill is for PostgreSQL; SQLite has no server to restart")
    try:
        cluster = ThrowawayCluster()
    except PostgresUnavailable as error:
        service_missing(f"cannot start a throwaway PostgreSQL cluster: {error}")
    try:
        url = cluster.start()
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, KeyError) as error:
        cluster.stop()
        service_missing(f"cannot start a throwaway PostgreSQL cluster: {error}")
    try:
        yield cluster, url
    finally:
        cluster.stop()


def app_environment(url: str, instance: Path) -> dict:
    return {**os.environ, "DATABASE_URL": url, "HWC_INSTANCE_PATH": str(instance),
            "SECRET_KEY": "fault-drill-secret-key", "HWC_SECURE_COOKIES": "0",
            "HWC_PASSWORD_METHOD": "pbkdf2:sha256:1000", "FLASK_APP": "wsgi"}


# ``flask db upgrade`` and ``flask hwc demo --no-claims`` in one process (half the start-up).
PREPARE = """
import sys
import flask_migrate
from hwc.demo.world import load_demo
from hwc.extensions import db
from wsgi import app
with app.app_context():
    flask_migrate.upgrade()
    load_demo(sys.argv[1])
    db.session.commit()
"""


@pytest.fixture
def served_app(own_postgres, tmp_path):
    """The app migrated and given the demo world on its own database, served by gunicorn with
    two workers on a loopback port: (base URL, the gunicorn process, the cluster, its URL)."""
    cluster, url = own_postgres
    env = app_environment(url, tmp_path / "instance")
    prepare = subprocess.run([sys.executable, "-c", PREPARE, DEFAULT_PASSWORD], cwd=PROJECT_ROOT,
                             env=env, capture_output=True, text=True, timeout=120)
    assert prepare.returncode == 0, prepare.stderr[-2000:]
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--timeout", "30", "--graceful-timeout", "5", "wsgi:app"],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: call(base + "/api/v1/status/X")[0] is not None
                 and len(children_of(server.pid)) == 2, START_TIMEOUT, "gunicorn to answer")
        yield base, server, cluster, url
    finally:
        started = time.monotonic()
        stop_process(server)
        print(f"gunicorn stopped in {time.monotonic() - started:.1f} s")
        log.close()


def claims_per_uuid(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT client_uuid, count(*) FROM claims GROUP BY client_uuid")).all()
    finally:
        engine.dispose()
    return {str(client_uuid): count for client_uuid, count in rows}


def test_postgresql_restarted_while_claims_are_filed_loses_and_doubles_nothing(served_app,
                                                                               tmp_path):
    base, server, cluster, url = served_app
    status, _headers, payload = call(base + "/api/v1/token", body={
        "username": "officer", "password": DEFAULT_PASSWORD})
    assert status == 200, payload
    token = payload["token"]
    gunicorn_workers = children_of(server.pid)
    filer = Filer(base, token)
    filer.start()
    try:
        wait_for(lambda: filer.count(201) >= 5, 30, "claims filed before the restart")
        cluster.stop_server("fast")  # every session ended, every open transaction rolled back
        time.sleep(1.0)  # the tablet keeps filing against a database that is not there
        cluster.start_server()
        filer.restarted.set()
        wait_for(lambda: filer.count(201, after_restart=True) >= 5, 30,
                 "claims filed after the restart")
    finally:
        filer.stop.set()
        filer.join(timeout=20)
    assert not filer.is_alive()
    log = (tmp_path / "gunicorn.log").read_text()

    refused = [a for a in filer.answers if a.status != 201]
    assert refused, "no request met the outage: the drill did not test anything"
    for answer in refused:
        assert answer.status == 503, (answer.status, answer.payload, log[-3000:])
        assert answer.headers.get("Content-Type") == "application/problem+json"
        assert answer.headers.get("Retry-After", "").isdigit()
        assert answer.payload["status"] == 503 and answer.payload["detail"]
    for answer in refused:  # the tablet sends each again, with the same client_uuid
        status, _headers, payload = call(base + "/api/v1/claims", body=answer.body,
                                         token=token)
        assert status in (200, 201), payload  # 200: it had been stored after all

    stored = claims_per_uuid(url)
    sent = [a.body["client_uuid"] for a in filer.answers]
    assert set(stored) == set(sent)  # every one stored, the 201s and the retried
    assert set(stored.values()) == {1}  # none twice
    assert children_of(server.pid) == gunicorn_workers and server.poll() is None  # not restarted
    status, _headers, payload = call(base + "/api/v1/me", token=token)
    assert status == 200 and payload["username"] == "officer"
    print(f"\n{len(filer.answers)} claims filed, {len(refused)} answered 503 during the "
          f"restart and retried")


# --- a worker killed in the middle of an SMS batch --------------------------------------------

class SendsmsSink:
    """Kannel's ``sendsms`` as the worker sees it, counting what arrives: each request is
    recorded when it comes in, held ``hold`` seconds (a gateway's round trip), then accepted
    ("0: Accepted for delivery", as smsbox answers). ``on_arrival(n)`` runs as the n-th request
    comes in, before it is answered."""

    def __init__(self, hold: float):
        self.hold = hold
        self.arrived: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.on_arrival = lambda n: None
        self.url = ""

    @Request.application
    def __call__(self, request: Request) -> Response:
        with self.lock:
            self.arrived.append((request.args.get("to", ""), request.args.get("text", "")))
            count = len(self.arrived)
        self.on_arrival(count)
        time.sleep(self.hold)
        return Response("0: Accepted for delivery", status=202, content_type="text/plain")


@pytest.fixture
def sendsms_sink():
    sink = SendsmsSink(hold=0.05)
    server = make_server("127.0.0.1", 0, sink, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    sink.url = f"http://127.0.0.1:{server.server_port}/cgi-bin/sendsms"
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def queue_notifications(count: int) -> list[str]:
    """``count`` notifications queued as ``notify`` queues them (a stored message and its send
    job, in one transaction); their texts, each different."""
    texts = []
    for n in range(count):
        message = SmsMessage(direction=Direction.outbound, phone=f"+86138000{n:05d}",
                             text=f"Claim HC26-{n:04d}: submitted", state=MessageState.queued,
                             language="en", topic="submit")
        db.session.add(message)
        db.session.flush()
        enqueue(SEND_JOB, {"message_id": message.id}, dedupe_key=f"sms:{message.id}")
        texts.append(message.text)
    db.session.commit()
    return texts


def message_states(app) -> dict[MessageState, int]:
    with app.app_context():
        try:
            return dict(db.session.execute(select(SmsMessage.state, func.count())
                                           .group_by(SmsMessage.state)).all())
        finally:
            db.session.remove()


@pytest.mark.commits
def test_a_worker_killed_while_sending_a_batch_sends_each_message_once(app, workers,  # noqa: F811
                                                                        sendsms_sink,
                                                                        monkeypatch):
    for name, value in (("HWC_SMS_BACKEND", "kannel"),
                        ("HWC_KANNEL_SENDSMS_URL", sendsms_sink.url),
                        ("HWC_KANNEL_USER", "hwc"), ("HWC_KANNEL_PASSWORD", "drill")):
        monkeypatch.setenv(name, value)  # the worker processes' settings
    with app.app_context():
        texts = queue_notifications(60)
    first = workers.start("--lease", "2")
    # SIGKILL as the 20th message reaches the gateway, before its answer is read: the worst
    # moment, the gateway has it and the worker has not recorded that.
    sendsms_sink.on_arrival = lambda n: n == 20 and os.kill(first.pid, signal.SIGKILL)
    wait_for(lambda: first.poll() is not None, 30, "the first worker killed")
    killed_at = time.monotonic()
    assert len(sendsms_sink.arrived) == 20
    workers.start("--lease", "2")
    wait_for(lambda: MessageState.queued not in message_states(app)
             and len(sendsms_sink.arrived) >= 60, 30, "every message handed over")
    time.sleep(0.5)  # a message sent twice would arrive now
    arrived = [text for _to, text in sendsms_sink.arrived]
    assert sorted(arrived) == sorted(texts)  # each once: none lost, none doubled
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(
            Job.kind == SEND_JOB, Job.status != JobStatus.done)) == 0
        db.session.remove()
    print(f"\nthe batch finished {time.monotonic() - killed_at:.1f} s after the kill")
