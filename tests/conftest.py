"""Fixtures: one app per test session on SQLite or PostgreSQL (``HWC_TEST_DB``), each test in a
transaction rolled back afterwards (or, marked ``commits``, on the committed database), the demo
world loaded once, and clients logged in as any demo user."""

import os
import subprocess

import flask_migrate
import pytest
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import text

from hwc import create_app
from hwc.demo.world import DEFAULT_PASSWORD, load_demo
from hwc.extensions import db
from hwc.losses.models import LossTerm
from hwc.losses.seed import seed_rows
from tests.pg_cluster import PostgresUnavailable, ThrowawayCluster

IN_CI = os.environ.get("CI") == "true"
BACKEND = os.environ.get("HWC_TEST_DB", "sqlite")


def pytest_report_header(config):
    return f"HWC test database: {BACKEND}"


def service_missing(reason: str):
    """A missing system service fails the run in CI and skips locally."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing service is a failure)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if BACKEND == "sqlite":
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "hwc-test.sqlite3")
        return
    if BACKEND != "postgresql":
        raise pytest.UsageError(f"HWC_TEST_DB must be sqlite or postgresql, not {BACKEND!r}")
    if os.environ.get("HWC_TEST_DATABASE_URL"):
        yield os.environ["HWC_TEST_DATABASE_URL"]
        return
    try:
        cluster = ThrowawayCluster()
        url = cluster.start()
    except (PostgresUnavailable, subprocess.CalledProcessError, KeyError) as error:
        service_missing(f"cannot start a throwaway PostgreSQL cluster: {error}")
    yield url
    cluster.stop()


def make_test_config(database_url: str, tmp_path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "HWC_INSTANCE_PATH": str(tmp_path),
        "HWC_UPLOAD_PATH": str(tmp_path / "uploads"),
        "HWC_DEFAULT_LOCALE": "zh_Hans",
        "HWC_PASSWORD_METHOD": "pbkdf2:sha256:1000",  # cheap hashing keeps the suite fast
        "WTF_CSRF_ENABLED": False,  # the CSRF tests switch it on
        "RATELIMIT_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
    }


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app(make_test_config(database_url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "commits: the test needs real commits seen by other connections (threads, a "
        "live server, a second app): it runs outside the rolled-back transaction, on the "
        "committed database, which is emptied and given the demo world back afterwards")


def empty_tables(connection, *, truncate: bool = False) -> None:
    """Delete every row (the schema stays). ``truncate`` (PostgreSQL) is faster but locks every
    table against all other connections until the transaction ends: only for a committed one."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if truncate and connection.dialect.name == "postgresql":
        connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for name in tables:
            connection.execute(text(f"DELETE FROM {name}"))  # noqa: S608 - table names
    # As ``flask db upgrade`` leaves it: the migrations seed the loss vocabulary.
    connection.execute(LossTerm.__table__.insert(), seed_rows())


def _honour_bind(session, mapper=None, clause=None, bind=None, **kwargs):
    """Flask-SQLAlchemy picks the app's engine even when the session was given a connection to
    join; the tests' sessions join the test's connection."""
    if bind is None and session.bind is not None:
        return session.bind
    return FlaskSession.get_bind(session, mapper=mapper, clause=clause, bind=bind, **kwargs)


@pytest.fixture(scope="session")
def _demo_committed(app):
    """The committed database holds the demo world, loaded once per session."""
    db.session.session_factory.class_.get_bind = _honour_bind
    with app.app_context():
        load_demo(DEFAULT_PASSWORD)
        db.session.commit()


@pytest.fixture(autouse=True)
def _isolated(request, app, _demo_committed):
    """Each test runs in a transaction that is rolled back afterwards: every session (the test's
    own and each request's) joins it, and a commit releases a savepoint instead. A test that does
    not ask for ``demo`` starts from empty tables (emptied inside that transaction)."""
    wants_demo = "demo" in request.fixturenames
    if request.node.get_closest_marker("commits"):
        yield from _committing(app, wants_demo)
        return
    with app.app_context():
        db.session.remove()
        connection = db.engine.connect()
    outer = connection.begin()
    if not wants_demo:
        empty_tables(connection)
    factory = db.session.session_factory
    original = dict(factory.kw)
    factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield
    finally:
        factory.kw.clear()
        factory.kw.update(original)
        with app.app_context():
            db.session.remove()
        outer.rollback()
        connection.close()


def _committing(app, wants_demo: bool):
    """The old way, for tests marked ``commits``: real commits, then the demo world restored."""
    if not wants_demo:
        with app.app_context(), db.engine.begin() as connection:
            empty_tables(connection, truncate=True)
    yield
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            empty_tables(connection, truncate=True)
        load_demo(DEFAULT_PASSWORD)
        db.session.commit()
        db.session.remove()


@pytest.fixture
def ctx(app):
    """An application context for tests that call operations and models directly."""
    with app.app_context():
        yield
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app):
    """The demo world (regions and one user per role on each side of the border): loaded once
    per session; a test that does not ask for it sees empty tables."""
    return DEFAULT_PASSWORD


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username: str, password: str = DEFAULT_PASSWORD, **kwargs):
        return self._client.post(
            "/login", data={"username": username, "password": password}, **kwargs
        )

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login_as(app, demo):
    """``login_as("verifier")`` gives a fresh test client logged in as that demo user."""

    def make(username: str):
        new_client = app.test_client()
        response = AuthActions(new_client).login(username)
        assert response.status_code == 302, f"login as {username} failed"
        return new_client

    return make


@pytest.fixture
def api(app, demo):
    """``api("verifier")`` → a client whose requests carry that demo user's bearer token."""

    class Api:
        def __init__(self, username):
            self.client = app.test_client()
            response = self.client.post("/api/v1/token",
                                        json={"username": username, "password": demo})
            assert response.status_code == 200, response.get_json()
            self.headers = {"Authorization": f"Bearer {response.get_json()['token']}"}

        def get(self, path, **kw):
            return self.client.get(path, headers={**self.headers, **kw.pop("headers", {})}, **kw)

        def post(self, path, **kw):
            return self.client.post(path, headers={**self.headers, **kw.pop("headers", {})},
                                    **kw)

        def act(self, code, action, **data):
            return self.post(f"/api/v1/claims/{code}/transitions", json={"action": action,
                                                                        **data})

    return Api
