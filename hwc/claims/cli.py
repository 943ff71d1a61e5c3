"""``flask hwc drafts …``: housekeeping of the filings left unfinished on tablets."""

import click
from flask.cli import AppGroup
from flask_babel import ngettext

from hwc.claims.filing import EMPTY_FILING_DAYS, expire_empty_filings
from hwc.extensions import db

drafts_group = AppGroup("drafts", help="Housekeeping of unfinished filings.")


@drafts_group.command("expire")
@click.option("--days", type=click.IntRange(min=1, max=3650), default=EMPTY_FILING_DAYS,
              show_default=True, help="Remove empty filings not saved for this many days.")
def expire_command(days: int):
    """Remove the filings never saved past the claimant step and left for DAYS days (each
    removal is in the audit trail). Run it daily from cron."""
    removed = expire_empty_filings(days)
    db.session.commit()
    click.echo(ngettext("%(num)d empty filing removed.", "%(num)d empty filings removed.",
                        removed))
