"""``flask hwc voucher …``: the published keys, key rotation and offline verification."""

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from hwc.audit.keys import AuditKeyError
from hwc.audit.trail import record_event
from hwc.extensions import db
from hwc.regions.models import Region
from hwc.vouchers.keys import (
    PublishedKeysUnreadable,
    VoucherKeyError,
    check_jurisdiction,
    current_fingerprint,
    load_published_keys,
    public_keys,
    published_keys_json,
    rotate_key,
)
from hwc.vouchers.signing import check_seal, matches_payee

voucher_group = AppGroup("voucher", help="Voucher signing keys and offline verification.")

VALID, FORGED, UNREADABLE, OTHER_PAYEE = 0, 1, 2, 3


def _fail(message: str, code: int = UNREADABLE):
    click.echo(message, err=True)
    raise SystemExit(code)


@voucher_group.command("keys")
def keys_command():
    """Print every jurisdiction's public voucher keys (current and retired) as JSON: the file
    ``verify --keys`` reads where there is no connection."""
    try:
        click.echo(published_keys_json())
    except VoucherKeyError as error:
        _fail(str(error))


@voucher_group.command("rotate-key")
@click.argument("jurisdiction")
def rotate_key_command(jurisdiction: str):
    """Give JURISDICTION (a region code; "" for the deployment's own vouchers) a new signing
    key and print its fingerprint. Vouchers signed with the old key still verify."""
    try:
        check_jurisdiction(jurisdiction)
    except ValueError:
        _fail(_("“%(code)s” is not a region code.", code=jurisdiction))
    if jurisdiction and Region.by_code(jurisdiction) is None:
        _fail(_("There is no region with the code “%(code)s”.", code=jurisdiction))
    try:
        old = current_fingerprint(jurisdiction)
        key = rotate_key(jurisdiction)
        record_event("voucher_key_rotated", actor=None, changes={
            "jurisdiction": jurisdiction, "key": {"from": old, "to": key.fingerprint}})
        db.session.commit()
    except (VoucherKeyError, AuditKeyError) as error:
        db.session.rollback()
        _fail(str(error))
    click.echo(key.fingerprint)


@voucher_group.command("verify")
@click.argument("payload_or_url")
@click.option("--keys", "keys_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The published keys (a file printed by “flask hwc voucher keys”); without "
                   "it, this instance's keys. With it, no database and no instance is needed.")
@click.option("--id-number", help="Also say whether the voucher pays the holder of this "
                                  "identity number.")
def verify_command(payload_or_url: str, keys_file: Path | None, id_number: str | None):
    """Check a voucher's QR payload (or its URL) offline against the published keys. Exit 0
    valid, 1 forged, 2 unreadable or no usable keys, 3 valid but the identity number is not the
    payee's. Whether a voucher was paid or voided cannot be known offline."""
    try:
        keys = load_published_keys(keys_file.read_text("utf-8")) if keys_file else public_keys()
    except (OSError, UnicodeDecodeError) as error:
        _fail(_("The published voucher keys cannot be read: %(error)s", error=error))
    except (PublishedKeysUnreadable, VoucherKeyError) as error:
        _fail(str(error))
    verdict = check_seal(payload_or_url, keys)
    if verdict.seal is None:
        _fail(_("unreadable: this is not a voucher's payload or verification URL."))
    seal = verdict.seal
    issuer = seal.jurisdiction or _("this deployment")
    if verdict.valid:
        click.echo(_("valid: signed by %(issuer)s with key %(fingerprint)s.", issuer=issuer,
                     fingerprint=verdict.key.fingerprint))
        if not verdict.key.current:
            click.echo(_("The key has since been rotated out; it still vouches for the vouchers "
                         "it signed."))
    else:
        click.echo(_("FORGED: no published key of %(issuer)s signed this voucher. Do not pay "
                     "against it. What it claims:", issuer=issuer))
    click.echo(_("Voucher number: %(number)s", number=seal.number))
    click.echo(_("Amount: %(amount)s %(currency)s", amount=f"{seal.amount:f}",
                 currency=seal.currency))
    click.echo(_("Issued on: %(date)s", date=seal.issued_on.isoformat()))
    click.echo(_("Issued by: %(issuer)s", issuer=issuer))
    if not verdict.valid:
        raise SystemExit(FORGED)
    code = VALID
    if id_number is not None:
        if matches_payee(seal, id_number):
            click.echo(_("Payee: the identity number matches."))
        else:
            click.echo(_("Payee: the identity number does NOT match; this voucher pays "
                         "someone else."))
            code = OTHER_PAYEE
    click.echo(_("Offline, this check cannot know whether the voucher has been paid or voided: "
                 "ask the issuing office or open the URL for paid/void."))
    raise SystemExit(code)
