"""The signed payload a voucher's QR code holds, and checking it with nothing but the published
public keys.

The payload is CBOR (RFC 8949) ``[signed, key_id, signature]``:

- ``signed`` (a byte string) is the CBOR array ``[1, number, amount, currency, issued_on,
  jurisdiction, payee_salt, payee_hash]``: the leading 1 is the format's version; the amount is
  text with exactly the currency's places (``"1409.50"``, ``"12000"`` for KRW), never a float;
  ``issued_on`` is the number of days since 1970-01-01; the payee is 8 random bytes of salt and
  the first 8 bytes of SHA-256(salt + identity number), so the voucher names nobody;
- ``key_id`` is the signing key's fingerprint as 8 bytes;
- ``signature`` is the jurisdiction key's Ed25519 signature of exactly the ``signed`` bytes.

The bytes are written in RFC 4648 base32, upper case, without padding. The issue suggested
base45, as the EU's health certificates use, but base45's alphabet holds space, ``/`` and ``%``,
which break a URL path; base32 (A–Z, 2–7) fits both a URL path segment and the QR code's
alphanumeric mode, at about 9 % more length than base45 for the same bytes. A typical voucher
(``HC-2026-000123``, 12345.67 CNY, CN-JL-HC) makes 138 bytes, 221 characters; with
``HTTPS://HWC.EXAMPLE.ORG/V/`` in front the QR code is version 9 at error correction level M.

Reading is strict: one text per payload (upper or lower case, spaces around it allowed), anything
else is ``SealUnreadable``, so a changed character is either unreadable or breaks the signature.
"""

import base64
import binascii
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import NamedTuple
from urllib.parse import urlsplit

import cbor2
from babel.numbers import get_currency_precision

from hwc.audit.keys import SIGNATURE_BYTES
from hwc.vouchers.keys import PublicKey, VoucherKey, check_jurisdiction

VERSION = 1
SALT_BYTES = 8
PAYEE_HASH_BYTES = 8
KEY_ID_BYTES = 8
NUMBER_MAX_LENGTH = 40
MAX_PAYLOAD_TEXT = 512  # a real payload is about 220 characters; longer text is not read at all
MAX_URL_TEXT = 2048
EPOCH = date(1970, 1, 1)
LAST_DAY = (date.max - EPOCH).days
BASE32 = re.compile(r"[A-Z2-7]+")
AMOUNT = re.compile(r"\d{1,18}(\.\d{1,4})?")
CURRENCY = re.compile(r"[A-Z]{3}")


class SealUnreadable(ValueError):
    """The text is not a voucher payload this version can read."""


@dataclass(frozen=True)
class VoucherSeal:
    """What a voucher's QR code vouches for."""

    number: str
    amount: Decimal
    currency: str
    issued_on: date
    jurisdiction: str  # the issuing region's code, "" for the deployment's own vouchers
    payee_salt: bytes  # 8 random bytes, one draw per voucher
    payee_hash: bytes  # payee_digest(identity number, payee_salt)

    @classmethod
    def for_payee(cls, *, number: str, amount: Decimal, currency: str, issued_on: date,
                  jurisdiction: str, id_number: str, salt: bytes | None = None) -> "VoucherSeal":
        """The seal of a voucher paying the holder of ``id_number``, with a fresh salt unless
        one is given (a reprint gives the voucher's own)."""
        salt = os.urandom(SALT_BYTES) if salt is None else salt
        return cls(number, amount, currency, issued_on, jurisdiction, salt,
                   payee_digest(id_number, salt))


class OpenedSeal(NamedTuple):
    seal: VoucherSeal
    key_id: bytes
    signature: bytes
    signed: bytes  # the exact bytes the signature covers


@dataclass(frozen=True)
class Verdict:
    outcome: str  # "valid", "forged" or "unreadable"
    seal: VoucherSeal | None = None  # None when unreadable; when forged, what the forger claims
    key: PublicKey | None = None  # the key that signed it, when valid

    @property
    def valid(self) -> bool:
        return self.outcome == "valid"


def normalise_id_number(id_number: str) -> str:
    """An identity number as it is hashed: without spaces anywhere, upper case (the check
    character X of a Chinese resident identity number)."""
    return "".join(id_number.split()).upper()


# An identity number has little variety (a region, a birth date, a few digits) and the salt
# travels in the payload, so the digest is slow to compute: scrypt, about 60 ms per guess, so
# that a printed code does not give its payee's number away to a search of every likely one.
SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def payee_digest(id_number: str, salt: bytes) -> bytes:
    return hashlib.scrypt(normalise_id_number(id_number).encode(), salt=salt,
                          dklen=PAYEE_HASH_BYTES, **SCRYPT)


def matches_payee(seal: VoucherSeal, id_number: str) -> bool:
    """Whether the voucher pays the holder of ``id_number``."""
    return hmac.compare_digest(payee_digest(id_number, seal.payee_salt), seal.payee_hash)


def amount_text(amount: Decimal, currency: str) -> str:
    """The amount with exactly the currency's places; ValueError if it has more (money is never
    rounded silently here) or is negative or not a number."""
    places = Decimal(1).scaleb(-get_currency_precision(currency))
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount < 0:
        raise ValueError(f"not an amount: {amount!r}")
    exact = amount.quantize(places)
    if exact != amount:
        raise ValueError(f"{amount} has more places than {currency} allows")
    return f"{exact:f}"


# --- writing -------------------------------------------------------------------------------------

def encode_fields(voucher: VoucherSeal) -> bytes:
    """The bytes a seal's signature covers."""
    return cbor2.dumps([
        VERSION, voucher.number, amount_text(voucher.amount, voucher.currency), voucher.currency,
        (voucher.issued_on - EPOCH).days, voucher.jurisdiction, voucher.payee_salt,
        voucher.payee_hash,
    ])


def pack(signed: bytes, key_id: bytes, signature: bytes) -> str:
    """The payload text of signed fields, the key's id and its signature."""
    return base64.b32encode(cbor2.dumps([signed, key_id, signature])).decode("ascii").rstrip("=")


def seal(voucher: VoucherSeal, key: VoucherKey) -> str:
    """The signed payload of ``voucher``, signed with ``key`` (its jurisdiction's own: ValueError
    otherwise, and for fields a reader would refuse)."""
    if key.jurisdiction != voucher.jurisdiction:
        raise ValueError(f"the key of {key.jurisdiction!r} cannot seal a voucher of "
                         f"{voucher.jurisdiction!r}")
    signed = encode_fields(voucher)
    if decode_fields(signed) != voucher:
        raise ValueError(f"the voucher {voucher.number!r} cannot be read back as sealed")
    return pack(signed, key.key_id, key.sign(signed))


# --- reading -------------------------------------------------------------------------------------

def read_seal(text: str) -> OpenedSeal:
    """The seal in a payload text, not yet checked; ``SealUnreadable`` for anything that is not
    exactly what ``seal`` writes (lower case and surrounding spaces aside)."""
    if not isinstance(text, str) or len(text) > MAX_PAYLOAD_TEXT:
        raise SealUnreadable("too long to be a voucher payload")
    letters = text.strip().upper()
    if not BASE32.fullmatch(letters):
        raise SealUnreadable("not base32")
    try:
        raw = base64.b32decode(letters + "=" * (-len(letters) % 8))
    except (binascii.Error, ValueError) as error:
        raise SealUnreadable("not base32") from error
    if base64.b32encode(raw).decode("ascii").rstrip("=") != letters:
        raise SealUnreadable("base32 with stray bits")  # one payload, one text
    outer = _cbor(raw)
    if (not isinstance(outer, list) or len(outer) != 3
            or not all(type(part) is bytes for part in outer)
            or len(outer[1]) != KEY_ID_BYTES or len(outer[2]) != SIGNATURE_BYTES
            or cbor2.dumps(outer) != raw):  # cbor2 ignores trailing bytes; one form only
        raise SealUnreadable("not a signed voucher payload")
    signed, key_id, signature = outer
    return OpenedSeal(decode_fields(signed), key_id, signature, signed)


def decode_fields(signed: bytes) -> VoucherSeal:
    """The fields in a seal's signed bytes; ``SealUnreadable`` unless each is well formed."""
    fields = _cbor(signed)
    if not isinstance(fields, list) or len(fields) != 8 or fields[0] != VERSION \
            or type(fields[0]) is not int:
        raise SealUnreadable("not a version 1 voucher seal")
    _version, number, amount, currency, days, jurisdiction, salt, payee_hash = fields
    if not (type(number) is str and 0 < len(number) <= NUMBER_MAX_LENGTH
            and number.isprintable()
            and type(currency) is str and CURRENCY.fullmatch(currency)
            and type(amount) is str and AMOUNT.fullmatch(amount)
            and type(days) is int and 0 <= days <= LAST_DAY
            and type(jurisdiction) is str
            and type(salt) is bytes and len(salt) == SALT_BYTES
            and type(payee_hash) is bytes and len(payee_hash) == PAYEE_HASH_BYTES):
        raise SealUnreadable("a field of the seal is malformed")
    try:
        check_jurisdiction(jurisdiction)
        value = Decimal(amount)
        if amount_text(value, currency) != amount:
            raise SealUnreadable("the amount does not have its currency's places")
    except (ValueError, InvalidOperation) as error:
        raise SealUnreadable("a field of the seal is malformed") from error
    return VoucherSeal(number, value, currency, EPOCH + timedelta(days=days), jurisdiction,
                       salt, payee_hash)


def _cbor(data: bytes):
    try:
        return cbor2.loads(data, allow_indefinite=False, allow_duplicate_keys=False, max_depth=3)
    except Exception as error:
        # cbor2 runs semantic tags' own parsers (dates, regular expressions, MIME, IP
        # addresses…); cbor2 6 wraps their errors in CBORDecodeError, but whatever any parser
        # raises on hostile bytes, in any cbor2 that setup.cfg allows, is an unreadable payload.
        raise SealUnreadable("not CBOR") from error


def check_seal(text: str, keys: dict[str, list[PublicKey]]) -> Verdict:
    """Whether the payload (or a ``…/V/<payload>`` URL) is a voucher its jurisdiction signed:
    "valid" only when the key id names one of THAT jurisdiction's keys (current or retired) and
    the signature holds; another jurisdiction's genuine key makes it "forged"."""
    try:
        opened = read_seal(payload_from_text(text))
    except SealUnreadable:
        return Verdict("unreadable")
    for key in keys.get(opened.seal.jurisdiction, []):
        if hmac.compare_digest(key.key_id, opened.key_id) and key.verifies(opened.signed,
                                                                           opened.signature):
            return Verdict("valid", opened.seal, key)
    return Verdict("forged", opened.seal)


# --- the QR code's text --------------------------------------------------------------------------

def qr_text(payload: str, base_url: str) -> str:
    """The URL a voucher's QR code holds, ``<base_url>/V/<payload>``. At the root of a host the
    scheme and host are written in upper case (they are case-insensitive), so that the whole
    text fits the QR code's compact alphanumeric mode; a base URL with a path is kept as given."""
    parts = urlsplit(base_url)
    if parts.path in ("", "/") and not (parts.query or parts.fragment):
        return f"{parts.scheme.upper()}://{parts.netloc.upper()}/V/{payload}"
    return f"{base_url.rstrip('/')}/V/{payload}"


def payload_from_text(text: str) -> str:
    """The payload in a bare payload or a ``…/v/<payload>`` URL, in any case;
    ``SealUnreadable`` for a URL that does not end so."""
    text = text.strip()
    if len(text) > MAX_URL_TEXT:
        raise SealUnreadable("too long to be a voucher URL")
    if "/" not in text:
        return text
    try:
        path = urlsplit(text).path.rstrip("/")
    except ValueError as error:
        raise SealUnreadable("not a URL") from error
    head, _, payload = path.rpartition("/")
    if head.lower() != "v" and not head.lower().endswith("/v"):
        raise SealUnreadable("not a voucher URL")
    return payload
