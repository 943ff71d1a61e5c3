"""``flask hwc tallies …``: check the dashboard's rollups against a count from scratch, and
rebuild them (after loading data around the application, e.g. a bulk import)."""

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from hwc.dashboard.tallies import computed_cells, rebuild_tallies, stored_cells
from hwc.extensions import db

tallies_group = AppGroup("tallies", help="The dashboard's rollups.")


@tallies_group.command("check")
def check_command():
    """Count every cell from scratch and compare; exit 1 naming the cells that differ."""
    connection = db.session.connection()
    stored, computed = stored_cells(connection), computed_cells(connection)
    wrong = sorted(key for key in stored.keys() | computed.keys()
                   if stored.get(key) != computed.get(key))
    for key in wrong[:20]:
        click.echo(_("%(cell)s: stored %(stored)s, counted %(counted)s", cell=key,
                     stored=stored.get(key), counted=computed.get(key)))
    if wrong:
        raise click.ClickException(_(
            "%(wrong)d of %(cells)d cells differ; run: flask hwc tallies rebuild",
            wrong=len(wrong), cells=len(computed)))
    click.echo(_("All %(cells)d cells agree with the claims and vouchers.", cells=len(computed)))


@tallies_group.command("rebuild")
def rebuild_command():
    """Replace every cell by one counted from the claims and vouchers (one transaction)."""
    cells = rebuild_tallies()
    db.session.commit()
    click.echo(_("%(cells)d cells rebuilt.", cells=cells))
