"""``flask hwc user …``: manage users from the shell."""

import sys

import click
from flask.cli import AppGroup

from hwc.accounts.models import Role
from hwc.accounts.operations import InvalidUser, create_user
from hwc.config import LANGUAGES
from hwc.extensions import db
from hwc.regions.models import Region

user_group = AppGroup("user", help="Manage users.")


@user_group.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--region", "region_code",
              help="Code of the region the user's scope covers. An admin without one is the "
                   "root administrator, who manages the whole system.")
@click.option("--senior", is_flag=True, help="Approver who may give the second approval.")
@click.option("--language", default="zh_Hans", type=click.Choice(LANGUAGES))
@click.option("--full-name", default="")
@click.option("--password-stdin", is_flag=True, required=True,
              help="Read the password from the first line of standard input.")
def create_command(username, role, region_code, senior, language, full_name, password_stdin):
    """Create a user."""
    password = sys.stdin.readline().rstrip("\r\n")
    region = None
    if region_code:
        region = Region.by_code(region_code)
        if region is None:
            raise click.ClickException(f"no region with code {region_code!r}")
    try:
        user = create_user(username, password, role, region, senior=senior, language=language,
                           full_name=full_name, actor=None)
    except InvalidUser as error:
        db.session.rollback()
        raise click.ClickException(f"invalid {error.args[0]}") from None
    db.session.commit()
    click.echo(f"created {user.username} ({user.role})")
