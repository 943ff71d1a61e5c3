"""Two app servers and two workers on one PostgreSQL and one Redis, as in production
(``deploy/``): rate limits hold across servers, a session opened on one works on the other, and
a payment run and the SMS outbox are each processed once by the two workers.

The servers are real ``gunicorn`` processes with ``deploy/gunicorn.conf.py``, the workers real
``flask hwc worker`` processes, all configured only through the environment (as systemd gives
it from ``hwc.env``) and all killed when the module is done. PostgreSQL only: on SQLite the
processes would take turns at one file, which is not the deployment this shows."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from hwc import PROJECT_ROOT
from hwc.extensions import db
from hwc.jobs.models import Job, JobStatus
from hwc.payments.models import PaymentRun, RunStatus
from hwc.sms.models import Direction, MessageState, SmsMessage
from tests.conftest import BACKEND, service_missing
from tests.factories import make_claim
from tests.sms_target import serving_target
from tests.test_jobs import wait_for
from tests.test_payment_runs import crops_only, make_budget, run_vouchers

START_TIMEOUT = 30.0
REDIS_SERVER = os.environ.get("HWC_REDIS_SERVER", "redis-server")
SECRET = "two-servers-shared-secret"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]



@dataclass
class Deployment:
    """What the fixture started: the two servers' addresses, the fake Kannel that counts
    sends, and every process (to kill)."""

    servers: list[str] = field(default_factory=list)
    processes: list[subprocess.Popen] = field(default_factory=list)
    logs: Path | None = None
    kannel: object = None

    def start(self, name: str, command: list[str], env: dict) -> subprocess.Popen:
        # Output to files, never to pipes nobody reads (a full pipe would stall the process).
        with open(self.logs / f"{name}.log", "wb") as log:
            process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(process)
        return process

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)  # gunicorn's own workers too
        for process in self.processes:
            process.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:  # not listening yet, or its workers still starting
        return False


def _redis_answers(port: int) -> bool:
    import redis

    try:
        return redis.Redis(port=port, socket_timeout=1).ping()
    except redis.ConnectionError:
        return False


@pytest.fixture(scope="module")
def deployment(app, database_url, tmp_path_factory):
    if BACKEND != "postgresql":
        pytest.skip("the two-server deployment runs on PostgreSQL (HWC_TEST_DB=postgresql)")
    if shutil.which(REDIS_SERVER) is None:
        service_missing(f"{REDIS_SERVER} is not installed (Debian: apt-get install redis-server)")
    if shutil.which("gunicorn", path=str(Path(sys.executable).parent)) is None:
        service_missing("gunicorn is not installed in this virtualenv")
    folder = tmp_path_factory.mktemp("two-servers")
    running = Deployment(logs=folder)
    with serving_target() as kannel:
        running.kannel = kannel
        try:
            redis_port = free_port()
            running.start("redis", [REDIS_SERVER, "--port", str(redis_port),
                                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                    "--dir", str(folder)], dict(os.environ))
            wait_for(lambda: _redis_answers(redis_port), START_TIMEOUT, "redis-server")
            env = {
                **os.environ,
                "DATABASE_URL": database_url,
                "SECRET_KEY": SECRET,
                "HWC_INSTANCE_PATH": str(folder / "instance"),
                "HWC_AUDIT_KEY_PATH": app.config["HWC_AUDIT_KEY_PATH"],
                "HWC_VOUCHER_KEYS_PATH": app.config["HWC_VOUCHER_KEYS_PATH"],
                "HWC_SECURE_COOKIES": "0",
                "HWC_RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{redis_port}/0",
                "HWC_SMS_BACKEND": "kannel",
                "HWC_KANNEL_SENDSMS_URL": f"{kannel.base}/cgi-bin/sendsms",
                "HWC_KANNEL_USER": "hwc",
                "HWC_KANNEL_PASSWORD": "kannel-password",
                "HWC_SMS_DLR_URL": f"{kannel.base}/sms/dlr?secret=x",
                "HWC_PAYMENT_RUN_CHUNK": "5",  # several chunks, so both workers take part
                "HWC_PAYMENT_RUN_PROCESSES": "1",
                "HWC_JOB_BACKOFF_SECONDS": "1",
            }
            env.pop("FLASK_DEBUG", None)
            for name in ("a", "b"):
                port = free_port()
                running.start(f"web-{name}", [
                    sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py",
                    "--bind", f"127.0.0.1:{port}", "--workers", "2", "wsgi:app"], env)
                running.servers.append(f"http://127.0.0.1:{port}")
            for name in ("1", "2"):
                running.start(f"worker-{name}", [
                    sys.executable, "-m", "flask", "--app", "wsgi", "hwc", "worker",
                    "--poll", "0.1", "--lease", "60"], env)
            for name, server in zip("ab", running.servers, strict=True):
                try:
                    wait_for(lambda s=server: _answers(f"{s}/healthz"), START_TIMEOUT,
                             f"server {name}")
                except AssertionError:
                    raise AssertionError(running.log(f"web-{name}")) from None
            yield running
        finally:
            running.stop()


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    return found.group(1)


def logged_in(server: str, username: str, password: str) -> requests.Session:
    """A browser that fetched the login form from ``server`` and posted it."""
    browser = requests.Session()
    form = browser.get(f"{server}/login", timeout=10)
    answer = browser.post(f"{server}/login", timeout=10, allow_redirects=False, data={
        "username": username, "password": password, "csrf_token": csrf_token(form.text)})
    assert answer.status_code == 302, answer.text[:500]
    return browser


def _scalar(app, query):
    with app.app_context():
        try:
            return db.session.scalar(query)
        finally:
            db.session.remove()


def jobs_left(app) -> int:
    return _scalar(app, select(func.count()).where(
        Job.status.in_([JobStatus.queued, JobStatus.running])))


def sends(kannel) -> list[int]:
    """The message references of every sendsms request the fake Kannel got since last asked."""
    found = []
    while not kannel.requests.empty():
        args = kannel.requests.get()
        report_url = urlsplit(args["dlr-url"])
        found.append(int(parse_qs(report_url.query)["reference"][0]))
    return found


# --- (a) rate limits ----------------------------------------------------------------------------

@pytest.mark.commits
def test_the_status_page_limit_is_shared_by_both_servers(deployment):
    a, b = deployment.servers
    answers = [requests.get(f"{(a, b)[i % 2]}/status", timeout=10).status_code
               for i in range(20)]
    assert answers == [200] * 20  # HWC_STATUS_PAGE_LIMIT: 20 a minute per client, 10 on each
    assert requests.get(f"{a}/status", timeout=10).status_code == 429
    assert requests.get(f"{b}/status", timeout=10).status_code == 429


# --- (b) sessions -------------------------------------------------------------------------------

@pytest.mark.commits
def test_a_session_opened_on_one_server_works_on_the_other(deployment, demo):
    a, b = deployment.servers
    on_a = logged_in(a, "finance", demo)
    on_b = requests.Session()
    assert on_b.get(f"{b}/payments/runs", timeout=10, allow_redirects=False).status_code == 302
    on_b.cookies.update(on_a.cookies)  # the load balancer sends the next request to B
    page = on_b.get(f"{b}/payments/runs", timeout=10, allow_redirects=False)
    assert page.status_code == 200
    # A form fetched on B is accepted on A: the CSRF token is the same session's.
    logout = on_b.post(f"{a}/logout", timeout=10, allow_redirects=False,
                       data={"csrf_token": csrf_token(page.text)})
    assert logout.status_code == 302
    assert on_b.get(f"{b}/payments/runs", timeout=10, allow_redirects=False).status_code == 302


# --- (c) a payment run --------------------------------------------------------------------------

@pytest.mark.commits
def test_a_payment_run_started_on_one_server_is_issued_once_by_two_workers(deployment, demo,
                                                                            app):
    a, _b = deployment.servers
    with app.app_context():
        claims = [make_claim("approved", photo=False, body=crops_only()) for _ in range(20)]
        claim_ids = sorted(claim.id for claim in claims)
        budget_id = make_budget().id
        db.session.commit()
    finance = logged_in(a, "finance", demo)
    form = finance.get(f"{a}/payments/runs/new?budget={budget_id}", timeout=10)
    started = finance.post(f"{a}/payments/runs/new", timeout=30, allow_redirects=False, data={
        "budget": budget_id, "mode": "auto", "csrf_token": csrf_token(form.text)})
    assert started.status_code == 303, started.text[:500]
    run_id = int(started.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    wait_for(lambda: _scalar(app, select(PaymentRun.status).where(PaymentRun.id == run_id))
             is RunStatus.done, 50, "the run finished")
    with app.app_context():
        run = db.session.get(PaymentRun, run_id)
        assert (run.issued_count, run.failed_count) == (20, 0)
        vouchers = run_vouchers(run)
        assert sorted(v.claim_id for v in vouchers) == claim_ids  # each claim once
        seqs = [v.seq for v in vouchers]
        assert seqs == list(range(seqs[0], seqs[0] + 20))  # numbers contiguous
        db.session.remove()
    wait_for(lambda: jobs_left(app) == 0, 30, "the run's text messages sent")
    assert all(process.poll() is None for process in deployment.processes)  # nobody died


# --- (d) the SMS outbox -------------------------------------------------------------------------

@pytest.mark.commits
def test_notifications_caused_on_both_servers_are_each_sent_once(deployment, demo, app):
    a, b = deployment.servers
    sends(deployment.kannel)  # forget what earlier tests sent
    with app.app_context():
        codes = [make_claim("submitted", photo=False, body=crops_only()).code
                 for _ in range(12)]
        db.session.commit()
    token = requests.post(f"{a}/api/v1/token", timeout=10,
                          json={"username": "verifier", "password": demo}).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    for i, code in enumerate(codes):
        server = (a, b)[i % 2]
        for body in ({"action": "start_verification"},
                     {"action": "return", "comment": "a clearer photo, please"}):
            answer = requests.post(f"{server}/api/v1/claims/{code}/transitions",
                                   json=body, headers=headers, timeout=10)
            assert answer.status_code == 200, answer.text
    wait_for(lambda: jobs_left(app) == 0, 30, "the outbox empty")
    with app.app_context():
        outbound = list(db.session.execute(select(SmsMessage.id, SmsMessage.topic,
                                                  SmsMessage.state)
                                           .where(SmsMessage.direction == Direction.outbound)))
        db.session.remove()
    assert Counter(topic for _id, topic, _state in outbound) == {"submit": 12, "return": 12}
    assert {state for _id, _topic, state in outbound} == {MessageState.sent}
    sent = sends(deployment.kannel)
    assert sorted(sent) == sorted(message_id for message_id, _t, _s in outbound)  # once each
