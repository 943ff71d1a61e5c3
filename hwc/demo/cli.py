"""``flask hwc demo``: load the demo world (idempotent)."""

import click
from flask.cli import with_appcontext

from hwc.demo.claims import load_demo_claims
from hwc.demo.payments import load_demo_payments
from hwc.demo.world import DEFAULT_PASSWORD, load_demo
from hwc.extensions import db


@click.command("demo")
@with_appcontext
@click.option("--password", default=DEFAULT_PASSWORD, show_default=True,
              help="Password of every demo user.")
@click.option("--claims/--no-claims", default=True, show_default=True,
              help="Also file the demo claims and take them through the workflow.")
def demo_command(password, claims):
    """Load (or bring up to date) the demo regions, users, rate schedules and claims."""
    summary = load_demo(password)
    new_claims = load_demo_claims() if claims else 0
    if claims:
        load_demo_payments()
    db.session.commit()
    click.echo(f"demo world ready: {summary['regions']} regions, {summary['users']} users, "
               f"{summary['schedules']} rate schedules, {new_claims} new claims")
