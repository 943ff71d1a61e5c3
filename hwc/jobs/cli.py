"""``flask hwc worker``: a job worker process."""

import click
from flask.cli import with_appcontext

from hwc.jobs.worker import stop_on_signals, work


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the jobs that are due, then exit.")
@click.option("--poll", type=click.FloatRange(min=0.05), default=1.0, show_default=True,
              help="Seconds to wait before looking again when no job is due.")
@click.option("--lease", type=click.FloatRange(min=1), default=None,
              help="Seconds a job is held before another worker may take it over "
                   "(default: HWC_JOB_LEASE_SECONDS). Longer than the longest job.")
@with_appcontext
def worker_command(once: bool, poll: float, lease: float | None) -> None:
    """Run queued jobs until SIGTERM or SIGINT (the job under way finishes first)."""
    with stop_on_signals() as stop:
        ran = work(once=once, poll=poll, lease=lease, stop=stop)
    click.echo(f"{ran} jobs run")
