"""Rate limits kept in shared storage (Redis, ``HWC_RATELIMIT_STORAGE_URI``): when the storage
cannot be reached, each process keeps counting in its own memory instead of failing requests.
(That the limits are shared while Redis is up is shown by ``test_two_servers.py``.)"""

import socket

import pytest

from hwc import create_app
from hwc.extensions import limiter
from tests.conftest import make_test_config


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def app_with_redis_down(app, tmp_path):
    """An app with Flask-Limiter on and its storage a Redis that is not running."""
    config = make_test_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path)
    down = create_app({**config, "RATELIMIT_ENABLED": True,
                       "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{closed_port()}/0"})
    yield down
    # The limiter is one object shared by every app of the session: give it back working
    # storage and switched off, as the suite's app has it.
    limiter._storage_dead = False
    limiter.enabled = False


def test_a_redis_outage_answers_requests_and_still_limits_them_per_process(app_with_redis_down):
    client = app_with_redis_down.test_client()
    answers = [client.get("/status").status_code for _ in range(21)]
    assert answers == [200] * 20 + [429]  # HWC_STATUS_PAGE_LIMIT: 20 a minute, in memory
