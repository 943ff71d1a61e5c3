"""``flask hwc rates …``: import a published rate schedule from CSV and list the schedules."""

import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from hwc.core.db import local_date, utcnow
from hwc.extensions import db
from hwc.rates.importer import ScheduleImportError, import_schedule
from hwc.rates.models import RateSchedule
from hwc.rates.service import in_force
from hwc.regions.models import Region

rates_group = AppGroup("rates", help="Import and list rate schedules.")


def _region(code: str) -> Region:
    region = Region.by_code(code)
    if region is None:
        raise click.ClickException(_("There is no region with the code “%(code)s”.", code=code))
    return region


@rates_group.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--region", "region_code", required=True, help="Code of the region it covers.")
@click.option("--effective-from", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="First day the schedule applies (YYYY-MM-DD).")
@click.option("--name", default=None, help="Name of the schedule (default: region and date).")
def import_command(csv_file: Path, region_code: str, effective_from, name: str | None):
    """Import CSV_FILE as the region's schedule. Prints every problem and exits 1 if there is
    any; then nothing is imported."""
    region = _region(region_code)
    try:
        schedule = import_schedule(csv_file.read_bytes(), region=region,
                                   effective_from=effective_from.date(), name=name,
                                   source_name=csv_file.name, actor=None)
    except ScheduleImportError as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(problem.message, err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(ngettext("Imported %(num)d rate into “%(name)s”.",
                        "Imported %(num)d rates into “%(name)s”.",
                        len(schedule.rates), name=schedule.name))


@rates_group.command("list")
@click.option("--region", "region_code", default=None,
              help="Only the schedules of this region and the regions under it.")
def list_command(region_code: str | None):
    """List the schedules; ``*`` marks the one in force today in each region."""
    query = select(RateSchedule).join(RateSchedule.region).order_by(
        Region.path, RateSchedule.effective_from)
    if region_code:
        query = query.where(RateSchedule.region_id.in_(Region.subtree_ids(_region(region_code))))
    schedules = db.session.scalars(query).all()
    current = in_force(schedules, local_date(utcnow()))
    for schedule in schedules:
        mark = "*" if schedule.id in current else " "
        click.echo(f"{mark} {schedule.id:>4}  {schedule.region.code:<20} "
                   f"{schedule.effective_from.isoformat()}  {schedule.currency}  "
                   f"{len(schedule.rates):>3}  {schedule.name}")
