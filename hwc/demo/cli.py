"""``flask hwc demo``: load the demo world (idempotent)."""

import click
from flask.cli import with_appcontext

from hwc.demo.world import DEFAULT_PASSWORD, load_demo
from hwc.extensions import db


@click.command("demo")
@with_appcontext
@click.option("--password", default=DEFAULT_PASSWORD, show_default=True,
              help="Password of every demo user.")
def demo_command(password):
    """Load (or bring up to date) the demo regions and users."""
    summary = load_demo(password)
    db.session.commit()
    click.echo(f"demo world ready: {summary['regions']} regions, {summary['users']} users, "
               f"{summary['schedules']} rate schedules")
