"""A worker process for the tests: ``python -m tests.job_worker DATABASE_URL INSTANCE_DIR
[flask hwc worker options]`` runs the real ``flask hwc worker`` command against the test
database, with the test handlers registered."""

import sys
from pathlib import Path

import tests.job_handlers  # noqa: F401 - registers the test handlers
from hwc import create_app
from hwc.jobs.cli import worker_command
from tests.conftest import make_test_config


def main() -> None:
    database_url, instance, *options = sys.argv[1:]
    app = create_app(make_test_config(database_url, Path(instance)))
    with app.app_context():
        print("ready", flush=True)  # the test waits for this before it enqueues
        worker_command.main(args=options, prog_name="flask hwc worker")


if __name__ == "__main__":
    main()
