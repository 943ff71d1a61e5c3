"""``flask hwc audit …``: prove the audit trail is intact, and sign checkpoints to keep offline."""

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import ngettext

from hwc.audit.keys import AuditKeyError, audit_key
from hwc.audit.signing import KeptCheckpointError, checkpoint_line, read_kept_checkpoints
from hwc.audit.trail import CheckpointRefused, verify_chain, write_checkpoint
from hwc.extensions import db

audit_group = AppGroup("audit", help="Check the audit trail and sign checkpoints of it.")


@audit_group.command("verify")
@click.option("--against", "kept_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Also check the checkpoints kept in this file (lines printed by "
                   "“flask hwc audit checkpoint”): history up to each must be unchanged.")
def verify_command(kept_file: Path | None):
    """Exit 0 if the hash chain, the signed head and every checkpoint hold; otherwise name the
    first problem and exit 1. Exit 2 if the key or the kept file cannot be used."""
    try:
        kept = read_kept_checkpoints(kept_file) if kept_file else []
        report = verify_chain(kept=kept)
    except (AuditKeyError, KeptCheckpointError) as error:
        click.echo(str(error), err=True)
        raise SystemExit(2) from None
    if not report.ok:
        click.echo(_("The audit trail is broken at event %(seq)d: %(problem)s",
                     seq=report.bad_seq, problem=report.problem), err=True)
        raise SystemExit(1)
    click.echo(ngettext("The audit trail is intact: %(num)d event.",
                        "The audit trail is intact: %(num)d events.", report.checked))
    if kept:
        click.echo(ngettext("History agrees with %(num)d kept checkpoint.",
                            "History agrees with %(num)d kept checkpoints.", len(kept)))


@audit_group.command("checkpoint")
@click.option("--accept-head", is_flag=True,
              help="Sign the head even though its signature does not hold (after an upgrade "
                   "from an unsigned trail or a lost key, once verify found the chain intact); "
                   "the trail records that it was accepted.")
def checkpoint_command(accept_head: bool):
    """Sign a checkpoint of the chain's head and print it as one JSON line, for an auditor to
    keep outside the database and check later with ``verify --against``."""
    try:
        checkpoint = write_checkpoint(accept_head=accept_head)
        line = checkpoint_line(checkpoint, audit_key())
    except AuditKeyError as error:
        db.session.rollback()
        click.echo(str(error), err=True)
        raise SystemExit(2) from None
    except CheckpointRefused as error:
        db.session.rollback()
        click.echo(str(error), err=True)
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(line)
