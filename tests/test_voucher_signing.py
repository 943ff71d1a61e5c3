"""Voucher signing: the keys per jurisdiction in the instance folder, the signed QR payload, and
checking it offline with ``flask hwc voucher verify``."""

import base64
import dataclasses
import json
import os
import stat
import threading
from datetime import date
from decimal import Decimal
from pathlib import Path

import cbor2
import pytest
import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hwc import create_app
from hwc.audit.models import AuditEvent
from hwc.extensions import db
from hwc.vouchers.keys import (
    DEPLOYMENT_DIRECTORY,
    PublishedKeysUnreadable,
    VoucherKey,
    load_published_keys,
    public_keys,
    published_keys_json,
    rotate_key,
    signing_key,
)
from hwc.vouchers.signing import (
    SealUnreadable,
    VoucherSeal,
    check_seal,
    encode_fields,
    matches_payee,
    pack,
    payload_from_text,
    qr_text,
    read_seal,
    seal,
)
from tests.conftest import make_test_config

ID_NUMBER = "22242419900101123X"


def hunchun_voucher(**changes) -> VoucherSeal:
    voucher = VoucherSeal.for_payee(
        number="HC-2026-000123", amount=Decimal("12345.67"), currency="CNY",
        issued_on=date(2026, 11, 25), jurisdiction="CN-JL-HC", id_number=ID_NUMBER)
    return dataclasses.replace(voucher, **changes)


# A key made in memory, for the properties that need no instance folder (Hypothesis runs them
# many times over, which function-scoped fixtures would not survive).
MEMORY_KEY = VoucherKey.of("CN-JL-HC", Ed25519PrivateKey.generate(), date(2026, 11, 1))
MEMORY_KEYS = {"CN-JL-HC": [MEMORY_KEY.public()]}
MEMORY_PAYLOAD = seal(hunchun_voucher(), MEMORY_KEY)
BASE32_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _base32(raw: bytes) -> str:
    return base64.b32encode(raw).decode().rstrip("=")


@pytest.fixture
def keys_path(app, ctx, tmp_path, monkeypatch):
    path = tmp_path / "voucher-keys"
    monkeypatch.setitem(app.config, "HWC_VOUCHER_KEYS_PATH", str(path))
    return path


# --- the payload ---------------------------------------------------------------------------------

def test_a_sealed_voucher_reads_back_and_verifies(keys_path):
    voucher = hunchun_voucher()
    payload = seal(voucher, signing_key("CN-JL-HC"))
    opened = read_seal(payload)
    assert opened.seal == voucher
    assert opened.key_id == bytes.fromhex(signing_key("CN-JL-HC").fingerprint)
    verdict = check_seal(payload, public_keys())
    assert (verdict.outcome, verdict.seal) == ("valid", voucher)
    assert check_seal(f"  {payload.lower()}\n", public_keys()).valid, "lower case, spaces"


def test_the_amount_keeps_its_currencys_places_as_text():
    opened = read_seal(seal(hunchun_voucher(amount=Decimal("1409.5")), MEMORY_KEY))
    assert cbor2.loads(opened.signed)[2] == "1409.50"
    assert opened.seal.amount == Decimal("1409.50")
    with pytest.raises(ValueError, match="places"):
        seal(hunchun_voucher(amount=Decimal("1409.505")), MEMORY_KEY)


def test_an_amount_changed_by_one_cent_is_forged():
    opened = read_seal(MEMORY_PAYLOAD)
    richer = encode_fields(dataclasses.replace(opened.seal, amount=Decimal("12345.68")))
    forged = pack(richer, opened.key_id, opened.signature)
    verdict = check_seal(forged, MEMORY_KEYS)
    assert verdict.outcome == "forged"
    assert verdict.seal.amount == Decimal("12345.68")
    assert check_seal(pack(opened.signed, opened.key_id, opened.signature), MEMORY_KEYS).valid


@settings(max_examples=300)
@given(position=st.integers(0, len(MEMORY_PAYLOAD) - 1),
       letter=st.sampled_from(BASE32_LETTERS + "0189a-/ "))
def test_one_changed_character_is_never_valid(position, letter):
    changed = MEMORY_PAYLOAD[:position] + letter + MEMORY_PAYLOAD[position + 1:]
    if changed.upper() == MEMORY_PAYLOAD:
        return
    assert check_seal(changed, MEMORY_KEYS).outcome in ("forged", "unreadable")


def test_the_last_letters_spare_bit_cannot_hide_a_second_text_for_one_payload():
    # base32 without padding leaves bits of the last letter unused unless the length is a
    # multiple of 5 bytes; a reader that ignores them reads two texts as one payload.
    last = BASE32_LETTERS.index(MEMORY_PAYLOAD[-1])
    twin = MEMORY_PAYLOAD[:-1] + BASE32_LETTERS[last ^ 1]
    lax = base64.b32decode(twin + "=" * (-len(twin) % 8))
    assert lax == base64.b32decode(MEMORY_PAYLOAD + "=" * (-len(MEMORY_PAYLOAD) % 8))
    with pytest.raises(SealUnreadable):
        read_seal(twin)


@settings(max_examples=300)
@given(st.text(max_size=600))
def test_random_text_is_unreadable(text):
    with pytest.raises(SealUnreadable):
        read_seal(text)
    assert check_seal(text, MEMORY_KEYS).outcome == "unreadable"


@settings(max_examples=300)
@given(st.binary(max_size=400))
def test_random_bytes_in_base32_are_unreadable(raw):
    with pytest.raises(SealUnreadable):
        read_seal(_base32(raw))


CBOR_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=50)
    | st.binary(max_size=70) | st.dates() | st.decimals(allow_nan=False),
    lambda children: st.lists(children, max_size=9) | st.dictionaries(
        st.text(max_size=5), children, max_size=3),
    max_leaves=12)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(fields=CBOR_VALUES, key_id=st.binary(max_size=10), signature=st.binary(max_size=70))
def test_well_formed_cbor_of_the_wrong_shape_is_unreadable_or_forged(fields, key_id, signature):
    text = pack(cbor2.dumps(fields), key_id, signature)
    assert check_seal(text, MEMORY_KEYS).outcome in ("unreadable", "forged")


@pytest.mark.parametrize("tagged", [
    cbor2.CBORTag(35, "(unclosed"),  # a regular expression that does not compile
    cbor2.CBORTag(1, 10**30),  # a timestamp no datetime holds
    cbor2.CBORTag(260, b"\x01\x02\x03"),  # an IP address of three bytes
    cbor2.CBORTag(36, "not MIME"),
    cbor2.CBORTag(28, [1]),  # a shared value
])
def test_cbor_tags_with_their_own_parsers_are_unreadable(tagged):
    inner = cbor2.dumps([1, tagged, "1.00", "CNY", 1, "CN-JL-HC", b"s" * 8, b"h" * 8])
    outer = _base32(cbor2.dumps([tagged, b"k" * 8, b"s" * 64]))
    for text in (pack(inner, b"k" * 8, b"s" * 64), outer):
        with pytest.raises(SealUnreadable):
            read_seal(text)


def test_a_payload_with_bytes_appended_is_unreadable():
    # cbor2 stops after the first item and ignores what follows it.
    raw = base64.b32decode(MEMORY_PAYLOAD + "=" * (-len(MEMORY_PAYLOAD) % 8))
    for tail in (b"\x00", b"\xf6" * 5):
        with pytest.raises(SealUnreadable):
            read_seal(_base32(raw + tail))


def test_a_payload_framed_in_a_longer_cbor_form_is_unreadable():
    opened = read_seal(MEMORY_PAYLOAD)
    longer_length = (bytes([0x83, 0x59]) + len(opened.signed).to_bytes(2, "big") + opened.signed
                     + cbor2.dumps(opened.key_id) + cbor2.dumps(opened.signature))
    assert cbor2.loads(longer_length) == [opened.signed, opened.key_id, opened.signature]
    with pytest.raises(SealUnreadable):
        read_seal(_base32(longer_length))


def test_text_longer_than_any_payload_is_not_read():
    with pytest.raises(SealUnreadable):
        read_seal(MEMORY_PAYLOAD + "A" * 400)


def test_a_typical_payload_is_small():
    assert len(MEMORY_PAYLOAD) <= 224
    assert set(MEMORY_PAYLOAD) <= set(BASE32_LETTERS)


# --- jurisdictions and keys ----------------------------------------------------------------------

def test_a_seal_naming_another_jurisdiction_signed_with_its_genuine_key_is_forged(keys_path):
    hunchun, khasansky = signing_key("CN-JL-HC"), signing_key("RU-PRI-KHS")
    claims_khasansky = encode_fields(hunchun_voucher(jurisdiction="RU-PRI-KHS"))
    payload = pack(claims_khasansky, hunchun.key_id, hunchun.sign(claims_khasansky))
    assert check_seal(payload, public_keys()).outcome == "forged"
    assert check_seal(seal(hunchun_voucher(jurisdiction="RU-PRI-KHS"), khasansky),
                      public_keys()).valid
    with pytest.raises(ValueError, match="cannot seal"):
        seal(hunchun_voucher(jurisdiction="RU-PRI-KHS"), hunchun)


def test_after_rotation_an_old_seal_verifies_and_a_new_one_uses_the_new_key(keys_path):
    old_key = signing_key("CN-JL-HC")
    old_payload = seal(hunchun_voucher(), old_key)
    new_key = rotate_key("CN-JL-HC")
    assert new_key.fingerprint != old_key.fingerprint
    assert signing_key("CN-JL-HC").fingerprint == new_key.fingerprint
    new_payload = seal(hunchun_voucher(number="HC-2026-000124"), signing_key("CN-JL-HC"))
    assert read_seal(new_payload).key_id == new_key.key_id
    keys = public_keys()
    assert [(k.fingerprint, k.current) for k in keys["CN-JL-HC"]] == [
        (old_key.fingerprint, False), (new_key.fingerprint, True)]
    old_verdict = check_seal(old_payload, keys)
    assert old_verdict.valid and old_verdict.key.fingerprint == old_key.fingerprint
    assert check_seal(new_payload, keys).valid


def test_keys_are_created_once_when_many_threads_ask_at_once(app, keys_path):
    start, found = threading.Barrier(8), []

    def first_voucher():
        with app.app_context():
            start.wait()
            found.append(signing_key("CN-JL-HC").fingerprint)

    threads = [threading.Thread(target=first_voucher) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 8 and len(set(found)) == 1
    directory = keys_path / "CN-JL-HC"
    assert [p.name for p in directory.glob("*.pem")] == [f"{found[0]}.pem"]
    assert (directory / "current").read_text().strip() == found[0]


def test_the_key_file_can_be_read_by_its_owner_only(keys_path):
    key = signing_key("CN-JL-HC")
    path = keys_path / "CN-JL-HC" / f"{key.fingerprint}.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == stat.S_IMODE(keys_path.stat().st_mode) \
        == 0o700
    rotated = keys_path / "CN-JL-HC" / f"{rotate_key('CN-JL-HC').fingerprint}.pem"
    assert stat.S_IMODE(rotated.stat().st_mode) == 0o600


def test_the_keys_live_in_the_instance_folder_by_default(app, ctx, monkeypatch):
    from hwc.vouchers.keys import keys_root

    monkeypatch.delitem(app.config, "HWC_VOUCHER_KEYS_PATH", raising=False)
    assert keys_root() == (Path(app.instance_path) / "voucher-keys").resolve()


def test_the_deployments_own_key_has_its_own_directory(keys_path):
    key = signing_key("")
    assert (keys_path / DEPLOYMENT_DIRECTORY / f"{key.fingerprint}.pem").exists()
    payload = seal(hunchun_voucher(jurisdiction=""), key)
    assert check_seal(payload, public_keys()).valid
    assert not check_seal(payload, {"CN-JL-HC": [key.public()]}).valid


@pytest.mark.parametrize("code", ["../CN-JL-HC", "CN/JL", "..", ".", "_deployment", "CN JL",
                                  "x" * 65, "珲春", "CN-JL-HC\n", None])
def test_a_jurisdiction_that_is_not_a_region_code_is_refused(keys_path, code):
    with pytest.raises(ValueError):
        signing_key(code)
    with pytest.raises(ValueError):
        rotate_key(code)
    assert not keys_path.exists() or not any(keys_path.iterdir())


def test_a_key_file_that_is_not_its_name_is_refused(keys_path):
    from hwc.vouchers.keys import VoucherKeyError, _loaded

    key = signing_key("CN-JL-HC")
    other = rotate_key("CN-JL-HC")
    directory = keys_path / "CN-JL-HC"
    (directory / f"{key.fingerprint}.pem").write_bytes(
        (directory / f"{other.fingerprint}.pem").read_bytes())
    _loaded.clear()
    with pytest.raises(VoucherKeyError, match=key.fingerprint):
        public_keys()


def test_published_keys_load_back_as_they_are(keys_path):
    signing_key("CN-JL-HC")
    rotate_key("CN-JL-HC")
    signing_key("RU-PRI-KHS")
    text = published_keys_json()
    assert load_published_keys(text) == public_keys()
    assert "PRIVATE" not in text
    assert set(json.loads(text)["jurisdictions"]) == {"CN-JL-HC", "RU-PRI-KHS"}


def _published(**entry_changes):
    key = MEMORY_KEY.public()
    entry = {"fingerprint": key.fingerprint, "public_key": key.public_key_base64,
             "created": "2026-11-01", "status": "current", **entry_changes}
    return json.dumps({"format": "hwc-voucher-keys", "version": 1,
                       "jurisdictions": {"CN-JL-HC": [entry]}})


@pytest.mark.parametrize("text", [
    "", "[]", "{}", "not json", json.dumps({"format": "hwc-voucher-keys", "version": 2,
                                           "jurisdictions": {}}),
    _published(fingerprint="0000000000000000"),
    _published(public_key="AAAA"),
    _published(public_key="not base64!"),
    _published(created="yesterday"),
    _published(status="trusted"),
    _published().replace('"CN-JL-HC"', '"../etc"'),
    _published().replace('"CN-JL-HC": [', '"CN-JL-HC": "x", "y": ['),
])
def test_published_keys_that_are_not_what_keys_prints_are_refused(text):
    assert load_published_keys(_published()) == MEMORY_KEYS
    with pytest.raises(PublishedKeysUnreadable):
        load_published_keys(text)


# --- the payee -----------------------------------------------------------------------------------

def test_the_payee_matches_their_identity_number_however_it_is_written():
    voucher = hunchun_voucher()
    assert matches_payee(voucher, ID_NUMBER)
    assert matches_payee(voucher, " 222424 19900101 123x ")
    assert not matches_payee(voucher, "222424199001011234")
    assert matches_payee(read_seal(seal(voucher, MEMORY_KEY)).seal, ID_NUMBER.lower())


def test_two_vouchers_for_one_payee_do_not_share_a_hash():
    assert hunchun_voucher().payee_hash != hunchun_voucher().payee_hash


# --- the QR code's text --------------------------------------------------------------------------

def test_a_typical_voucher_url_fits_a_version_10_qr_code_at_level_m():
    text = qr_text(MEMORY_PAYLOAD, "https://hwc.example.org")
    assert text == f"HTTPS://HWC.EXAMPLE.ORG/V/{MEMORY_PAYLOAD}"
    code = segno.make(text, error="m", boost_error=False)
    assert code.mode == "alphanumeric"
    assert code.version <= 10


def test_a_base_url_with_a_path_is_kept_as_given():
    assert qr_text("ABC", "https://Example.org/hwc/") == "https://Example.org/hwc/V/ABC"
    assert qr_text("ABC", "http://localhost:5000/") == "HTTP://LOCALHOST:5000/V/ABC"


@pytest.mark.parametrize("text", [
    MEMORY_PAYLOAD, f" {MEMORY_PAYLOAD.lower()} ",
    f"HTTPS://HWC.EXAMPLE.ORG/V/{MEMORY_PAYLOAD}",
    f"https://hwc.example.org/v/{MEMORY_PAYLOAD.lower()}/",
    f"https://example.org/hwc/V/{MEMORY_PAYLOAD}?lang=ru",
])
def test_the_payload_is_found_in_a_bare_payload_or_a_voucher_url(text):
    assert payload_from_text(text).upper() == MEMORY_PAYLOAD
    assert check_seal(text, MEMORY_KEYS).valid


@pytest.mark.parametrize("text", [f"https://hwc.example.org/claims/{MEMORY_PAYLOAD}",
                                  "https://[::1/v/ABC", "/" * 3000])
def test_a_url_that_is_not_a_voucher_url_is_unreadable(text):
    with pytest.raises(SealUnreadable):
        payload_from_text(text)
    assert check_seal(text, MEMORY_KEYS).outcome == "unreadable"


# --- the commands --------------------------------------------------------------------------------

def test_keys_command_prints_the_published_keys(runner, keys_path):
    signing_key("CN-JL-HC")
    result = runner.invoke(args=["hwc", "voucher", "keys"])
    assert result.exit_code == 0, result.output
    assert load_published_keys(result.output) == public_keys()


def test_rotate_key_command_prints_the_new_key_and_is_audited(runner, keys_path, demo):
    old = signing_key("CN-JL-HC").fingerprint
    result = runner.invoke(args=["hwc", "voucher", "rotate-key", "CN-JL-HC"])
    assert result.exit_code == 0, result.output
    new = result.output.strip()
    assert new == signing_key("CN-JL-HC").fingerprint != old
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "voucher_key_rotated")).one()
    assert event.changes == {"jurisdiction": "CN-JL-HC", "key": {"from": old, "to": new}}


@pytest.mark.parametrize("code", ["CN-JL-XX", "../CN-JL-HC"])
def test_rotate_key_command_refuses_what_is_not_a_region(runner, keys_path, demo, code):
    result = runner.invoke(args=["hwc", "voucher", "rotate-key", code])
    assert result.exit_code == 2
    assert code in result.output and "Traceback" not in result.output
    assert not keys_path.exists() or not any(keys_path.iterdir())


@pytest.fixture
def offline(app, keys_path, tmp_path):
    """A published keys file from this instance, and a fresh app (English) with no keys and no
    database it could reach: what a bank clerk has."""
    keys_file = tmp_path / "hwc-voucher-keys.json"
    signing_key("CN-JL-HC")
    keys_file.write_text(published_keys_json(), encoding="utf-8")
    clerk_folder = tmp_path / "clerk"
    clerk = create_app({**make_test_config(f"sqlite:///{tmp_path}/missing/none.sqlite3",
                                           clerk_folder), "HWC_DEFAULT_LOCALE": "en"})

    def verify(*args):
        # In the clerk's own app: the CLI would otherwise run in the test's app (Flask reuses
        # the app context it finds), with the test's database and default language.
        with clerk.app_context():
            return clerk.test_cli_runner().invoke(
                args=["hwc", "voucher", "verify", *args, "--keys", str(keys_file)])

    yield verify
    assert not (clerk_folder / "voucher-keys").exists(), "the clerk's instance made no keys"
    assert not (tmp_path / "missing").exists()


def test_verify_offline_with_a_keys_file_in_an_app_without_keys_or_database(offline):
    payload = seal(hunchun_voucher(), signing_key("CN-JL-HC"))
    result = offline(qr_text(payload, "https://hwc.example.org"))
    assert result.exit_code == 0, result.output
    for shown in ("valid", "HC-2026-000123", "12345.67 CNY", "2026-11-25", "CN-JL-HC",
                  signing_key("CN-JL-HC").fingerprint, "paid/void"):
        assert shown in result.output


def test_verify_offline_says_forged_with_exit_1(offline):
    opened = read_seal(seal(hunchun_voucher(), signing_key("CN-JL-HC")))
    richer = encode_fields(dataclasses.replace(opened.seal, amount=Decimal("12345.68")))
    result = offline(pack(richer, opened.key_id, opened.signature))
    assert result.exit_code == 1, result.output
    assert "FORGED" in result.output and "12345.68" in result.output


@pytest.mark.parametrize("text", ["not a voucher", "https://hwc.example.org/V/AAAA"])
def test_verify_offline_says_unreadable_with_exit_2(offline, text):
    result = offline(text)
    assert result.exit_code == 2
    assert "unreadable" in result.output and "Traceback" not in result.output


def test_verify_offline_says_whether_the_identity_number_is_the_payees(offline):
    payload = seal(hunchun_voucher(), signing_key("CN-JL-HC"))
    matching = offline(payload, "--id-number", "22242419900101123x")
    assert matching.exit_code == 0, matching.output
    assert "matches" in matching.output
    other = offline(payload, "--id-number", "222424199001011234")
    assert other.exit_code == 3, other.output
    assert "does NOT match" in other.output


def test_verify_with_a_keys_file_it_cannot_use_exits_2(app, runner, keys_path, tmp_path):
    payload = seal(hunchun_voucher(), signing_key("CN-JL-HC"))
    broken = tmp_path / "keys.json"
    broken.write_text('{"format": "something else"}')
    for keys_file in (broken, tmp_path / "absent.json"):
        result = runner.invoke(args=["hwc", "voucher", "verify", payload,
                                     "--keys", str(keys_file)])
        assert result.exit_code == 2
        assert "Traceback" not in result.output


def test_verify_without_a_keys_file_uses_the_instances_keys(runner, keys_path):
    payload = seal(hunchun_voucher(), signing_key("CN-JL-HC"))
    assert runner.invoke(args=["hwc", "voucher", "verify", payload]).exit_code == 0
    other_key = VoucherKey.of("CN-JL-HC", Ed25519PrivateKey.generate(), date.today())
    impostor = seal(hunchun_voucher(), other_key)
    assert runner.invoke(args=["hwc", "voucher", "verify", impostor]).exit_code == 1
    assert os.listdir(keys_path) == ["CN-JL-HC"]
