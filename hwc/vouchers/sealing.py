"""A voucher's seal: its signed payload, made with the issuing jurisdiction's key when the
voucher is issued, and what a scanned seal says about the voucher it names."""

import os
from dataclasses import dataclass

from sqlalchemy import select

from hwc.extensions import db
from hwc.vouchers.keys import public_keys, signing_key
from hwc.vouchers.models import Voucher, VoucherStatus
from hwc.vouchers.signing import VoucherSeal, check_seal, payee_digest, seal

SALT_BYTES = 8


def seal_voucher(voucher: Voucher) -> tuple[str, str]:
    """The signed payload of a new voucher and the fingerprint of the key that signed it."""
    key = signing_key(voucher.issuer)
    salt = os.urandom(SALT_BYTES)
    fields = VoucherSeal(
        number=voucher.number, amount=voucher.amount, currency=voucher.currency,
        issued_on=voucher.issued_on, jurisdiction=voucher.issuer, payee_salt=salt,
        payee_hash=payee_digest(voucher.claim.claimant.id_number or "", salt))
    return seal(fields, key), key.fingerprint


@dataclass(frozen=True)
class Finding:
    """What the public page says: ``valid`` (issued, not yet paid), ``paid``, ``void`` or
    ``forged`` (a bad signature, another jurisdiction's key, a seal no voucher carries, or a
    payload that cannot be read), with the sealed values when the seal holds."""

    outcome: str
    fields: VoucherSeal | None = None


def examine(payload: str) -> Finding:
    verdict = check_seal(payload, public_keys())
    if verdict.outcome != "valid":
        return Finding("forged")
    sealed = verdict.seal
    voucher = db.session.scalar(select(Voucher).where(Voucher.number == sealed.number))
    if voucher is None or (voucher.amount, voucher.currency, voucher.issuer) != (
            sealed.amount, sealed.currency, sealed.jurisdiction):
        return Finding("forged")
    outcome = {VoucherStatus.issued: "valid", VoucherStatus.paid: "paid",
               VoucherStatus.void: "void"}[voucher.status]
    return Finding(outcome, verdict.seal)
