"""``flask hwc audit verify``: prove the audit trail is intact."""

import click
from flask.cli import AppGroup

from hwc.workflow.audit import verify_chain

audit_group = AppGroup("audit", help="Check the audit trail.")


@audit_group.command("verify")
def verify_command():
    """Exit 0 if the hash chain is intact; otherwise name the first bad event and exit 1."""
    report = verify_chain()
    if report.ok:
        click.echo(f"audit trail intact: {report.checked} events")
        return
    click.echo(f"audit trail broken at event {report.bad_seq}: {report.problem}", err=True)
    raise SystemExit(1)
