"""A database writer cannot quietly rewrite the audit trail: the chain's head and regular
checkpoints are signed with a key kept in the instance folder, and a checkpoint an auditor kept
offline proves history up to it unchanged even against someone who also holds the key."""

import base64
import json
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import delete, inspect, select, text, update

from hwc.audit.models import AuditCheckpoint, AuditEvent, AuditHead
from hwc.audit.trail import record_event, verify_chain
from hwc.extensions import db
from tests.test_audit import recompute_from

EVENTS = AuditEvent.__table__
HEAD = AuditHead.__table__
CHECKPOINTS = AuditCheckpoint.__table__
EVERY = 4
LENGTH = 14  # checkpoints at events 4, 8 and 12


@pytest.fixture(autouse=True)
def _english_and_small_checkpoint_interval(app, monkeypatch):
    """Messages in English whatever the catalogue holds; a checkpoint every few events."""
    monkeypatch.setitem(app.config, "HWC_DEFAULT_LOCALE", "en")
    monkeypatch.setitem(app.config, "HWC_AUDIT_CHECKPOINT_EVERY", EVERY)


def record_history(count: int = LENGTH) -> None:
    for number in range(1, count + 1):
        record_event("settings_changed", comment=f"entry {number}")
    db.session.commit()


@pytest.fixture
def history(ctx):
    record_history()
    assert verify_chain().ok


def tamper(statement) -> None:
    """Change the tables behind the application's back, as a database writer could."""
    db.session.execute(statement)
    db.session.commit()
    db.session.expire_all()


def events() -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


def truncate_and_move_head_back(removed: int) -> int:
    """Delete the newest events and point the head at the new last one (its seq and hash)."""
    chain = events()
    last = chain[-removed - 1]
    tamper(delete(EVENTS).where(EVENTS.c.seq > last.seq))
    tamper(update(HEAD).values(seq=last.seq, hash=last.hash))
    return last.seq


def rewrite_history(seq: int, comment: str = "nothing happened") -> None:
    """Alter one event and recompute every following hash and the head with the app's own
    digest, so that the chain alone looks intact."""
    recompute_from(seq, comment)


def resign_everything() -> None:
    """What an attacker holding the key as well can do: re-sign the head and every stored
    checkpoint over the rewritten events."""
    from hwc.audit.keys import audit_key
    from hwc.audit.signing import sign_checkpoint, sign_head

    key = audit_key()
    db.session.expire_all()
    hashes = dict(db.session.execute(select(AuditEvent.seq, AuditEvent.hash)).all())
    for checkpoint in db.session.scalars(select(AuditCheckpoint)):
        checkpoint.hash = hashes[checkpoint.seq]
        sign_checkpoint(checkpoint, key)
    sign_head(db.session.get(AuditHead, 1), key)
    db.session.commit()


def verify(runner, *args):
    return runner.invoke(args=["hwc", "audit", "verify", *args])


def keep_checkpoint(runner, path: Path) -> dict:
    """Run ``flask hwc audit checkpoint`` and keep its line, as an auditor would, offline."""
    result = runner.invoke(args=["hwc", "audit", "checkpoint"])
    assert result.exit_code == 0, result.output
    line = result.stdout.strip()
    assert "\n" not in line
    with path.open("a", encoding="utf-8") as kept:
        kept.write(line + "\n")
    return json.loads(line)


# --- signed head and regular checkpoints ----------------------------------------------------

def test_every_event_signs_the_new_head(history):
    head = db.session.get(AuditHead, 1)
    assert head.seq == LENGTH
    assert head.signature and head.key_fingerprint


def test_a_checkpoint_is_signed_every_n_events(history):
    checkpoints = db.session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq)).all()
    chain = {event.seq: event.hash for event in events()}
    assert [c.seq for c in checkpoints] == [4, 8, 12]
    assert [c.number for c in checkpoints] == [1, 2, 3]
    assert all(c.hash == chain[c.seq] and c.signature for c in checkpoints)


def test_intact_signed_trail_verifies(history, runner):
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert f"{LENGTH} events" in result.output


@pytest.mark.parametrize("batch", [1, 3, 5])
def test_verify_reads_events_and_checkpoints_in_batches(history, batch):
    assert verify_chain(batch=batch).ok
    tamper(update(CHECKPOINTS).where(CHECKPOINTS.c.number == 3).values(hash="0" * 64))
    report = verify_chain(batch=batch)
    assert (report.ok, report.bad_seq) == (False, 12)


def test_the_demo_world_verifies_with_its_checkpoints(runner, app):
    from hwc.demo.world import DEFAULT_PASSWORD, load_demo

    with app.app_context():
        load_demo(DEFAULT_PASSWORD)  # at this module's small checkpoint interval
        db.session.commit()
        assert db.session.scalars(select(AuditCheckpoint)).first() is not None
    assert verify(runner).exit_code == 0


# --- a writer without the key ---------------------------------------------------------------

@pytest.mark.parametrize("removed", [1, 3])
def test_truncation_with_the_head_moved_back_is_detected(history, runner, removed):
    truncate_and_move_head_back(removed)
    report = verify_chain()
    assert not report.ok
    assert "head" in report.problem and "signature" in report.problem
    result = verify(runner)
    assert result.exit_code == 1
    assert "signature" in result.output


def test_truncation_past_a_checkpoint_is_detected(history):
    truncate_and_move_head_back(5)  # events 10 to 14 go, and with them the head past 12
    assert not verify_chain().ok


def test_new_events_after_a_truncation_do_not_hide_it(history):
    truncate_and_move_head_back(2)
    record_history(1)
    report = verify_chain()
    assert not report.ok
    assert "head" in report.problem


def test_full_recompute_of_history_is_detected(history, runner):
    rewrite_history(2)
    report = verify_chain()
    assert not report.ok
    assert report.bad_seq == 4
    assert "checkpoint 1" in report.problem
    result = verify(runner)
    assert result.exit_code == 1
    assert "event 4" in result.output


def test_full_recompute_after_the_last_checkpoint_fails_the_heads_signature(history):
    rewrite_history(13)
    report = verify_chain()
    assert not report.ok
    assert "head" in report.problem and "signature" in report.problem


def test_a_removed_checkpoint_is_reported(history):
    tamper(delete(CHECKPOINTS).where(CHECKPOINTS.c.number == 2))
    report = verify_chain()
    assert not report.ok
    assert "checkpoint 2 is missing" in report.problem


def test_removing_the_newest_checkpoint_is_reported(history):
    tamper(delete(CHECKPOINTS).where(CHECKPOINTS.c.number == 3))
    report = verify_chain()
    assert not report.ok
    assert "checkpoint 3 is missing" in report.problem


def test_an_altered_checkpoint_is_reported(history):
    chain = events()
    tamper(update(CHECKPOINTS).where(CHECKPOINTS.c.number == 2)
           .values(seq=9, hash=chain[8].hash))
    report = verify_chain()
    assert not report.ok
    assert "checkpoint 2" in report.problem and "signature" in report.problem


def test_a_checkpoint_beyond_the_head_is_reported(history):
    """Someone with the key re-signs a truncated head but leaves a checkpoint behind it."""
    from hwc.audit.keys import audit_key
    from hwc.audit.signing import sign_head

    truncate_and_move_head_back(4)  # the head goes back to event 10; checkpoint 3 is at 12
    sign_head(db.session.get(AuditHead, 1), audit_key())
    db.session.commit()
    report = verify_chain()
    assert not report.ok
    assert "checkpoint 3" in report.problem and "beyond" in report.problem


def test_an_unsigned_head_is_reported(history):
    tamper(update(HEAD).values(signature=None, key_fingerprint=None))
    report = verify_chain()
    assert not report.ok
    assert "not signed" in report.problem


# --- the key --------------------------------------------------------------------------------

def test_verify_with_another_key_names_both_fingerprints(history, app, monkeypatch, tmp_path):
    from hwc.audit.keys import audit_key

    ours = audit_key().fingerprint
    monkeypatch.setitem(app.config, "HWC_AUDIT_KEY_PATH", str(tmp_path / "other.pem"))
    theirs = audit_key().fingerprint
    report = verify_chain()
    assert not report.ok
    assert ours in report.problem and theirs in report.problem


def test_key_is_created_with_mode_0600_and_logged(app, ctx, monkeypatch, tmp_path, caplog):
    from hwc.audit.keys import audit_key

    path = tmp_path / "keys" / "audit.pem"
    monkeypatch.setitem(app.config, "HWC_AUDIT_KEY_PATH", str(path))
    key = audit_key()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert key.fingerprint in caplog.text and str(path) in caplog.text
    assert audit_key() is key, "loaded once per process"


def test_default_key_lives_in_the_instance_folder(app):
    assert Path(app.config["HWC_AUDIT_KEY_PATH"]) == Path(app.instance_path) / "audit-ed25519.pem"


def test_key_is_not_in_the_database(history, app):
    from cryptography.hazmat.primitives import serialization

    from hwc.audit.keys import audit_key

    key = audit_key()
    raw = key.private.private_bytes(serialization.Encoding.Raw,
                                    serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
    secrets = {raw.hex(), base64.b64encode(raw).decode(),
               Path(app.config["HWC_AUDIT_KEY_PATH"]).read_text().splitlines()[1]}
    for table in inspect(db.engine).get_table_names():
        for row in db.session.execute(text(f"SELECT * FROM {table}")):  # noqa: S608 - table names
            for value in row:
                assert not any(secret in str(value) for secret in secrets), table


def test_an_unreadable_key_file_is_a_clear_message(history, app, runner, monkeypatch, tmp_path):
    broken = tmp_path / "broken.pem"
    broken.write_text("not a key")
    monkeypatch.setitem(app.config, "HWC_AUDIT_KEY_PATH", str(broken))
    result = verify(runner)
    assert result.exit_code == 2
    assert str(broken) in result.output
    assert "Traceback" not in result.output


# --- checkpoints kept offline ---------------------------------------------------------------

def test_checkpoint_command_prints_one_json_line_and_stores_it(history, runner, tmp_path):
    kept = keep_checkpoint(runner, tmp_path / "kept.jsonl")
    assert kept["seq"] == LENGTH
    assert set(kept) >= {"seq", "hash", "created_at", "signature", "public_key", "fingerprint"}
    stored = db.session.scalar(select(AuditCheckpoint).where(AuditCheckpoint.seq == LENGTH))
    assert (stored.hash, stored.signature) == (kept["hash"], kept["signature"])
    assert verify_chain().ok


def test_checkpoint_twice_at_the_same_head_prints_the_same_checkpoint(history, runner, tmp_path):
    first = keep_checkpoint(runner, tmp_path / "kept.jsonl")
    second = keep_checkpoint(runner, tmp_path / "kept.jsonl")
    assert first == second


def test_verify_against_a_kept_checkpoint_passes_while_history_is_unchanged(
        history, runner, tmp_path):
    keep_checkpoint(runner, tmp_path / "kept.jsonl")
    record_history(3)
    keep_checkpoint(runner, tmp_path / "kept.jsonl")
    result = verify(runner, "--against", str(tmp_path / "kept.jsonl"))
    assert result.exit_code == 0, result.output


def test_rewrite_by_someone_holding_the_key_is_caught_by_a_kept_checkpoint(
        history, runner, tmp_path):
    kept = tmp_path / "kept.jsonl"
    keep_checkpoint(runner, kept)
    rewrite_history(3)
    resign_everything()
    assert verify(runner).exit_code == 0, "the database alone cannot tell"
    result = verify(runner, "--against", str(kept))
    assert result.exit_code == 1
    assert f"event {LENGTH}" in result.output


def test_truncation_by_someone_holding_the_key_is_caught_by_a_kept_checkpoint(
        history, runner, tmp_path):
    kept = tmp_path / "kept.jsonl"
    keep_checkpoint(runner, kept)
    truncate_and_move_head_back(3)
    tamper(delete(CHECKPOINTS).where(CHECKPOINTS.c.seq > LENGTH - 3))
    tamper(update(HEAD).values(checkpoints=2))
    resign_everything()
    assert verify(runner).exit_code == 0
    result = verify(runner, "--against", str(kept))
    assert result.exit_code == 1
    assert f"event {LENGTH}" in result.output


def test_a_forged_kept_checkpoint_is_refused(history, runner, tmp_path):
    kept = keep_checkpoint(runner, tmp_path / "kept.jsonl")
    forged = tmp_path / "forged.jsonl"
    forged.write_text(json.dumps({**kept, "hash": "f" * 64}) + "\n")
    result = verify(runner, "--against", str(forged))
    assert result.exit_code == 2
    assert "signature" in result.output


@pytest.mark.parametrize("content", [
    "", "not json\n", "[1, 2]\n", '{"seq": 1}\n',
    '{"number": 1, "seq": "x", "hash": "a", "created_at": "", "signature": "", '
    '"public_key": "", "fingerprint": ""}\n',
    '{"number": 1, "seq": 1, "hash": "a", "created_at": "2026-01-01T00:00:00Z", '
    '"signature": "%%%", "public_key": "AAAA", "fingerprint": "00"}\n',
])
def test_a_bad_kept_checkpoint_file_is_a_clear_message(history, runner, tmp_path, content):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content)
    result = verify(runner, "--against", str(bad))
    assert result.exit_code == 2
    assert "bad.jsonl" in result.output
    assert "Traceback" not in result.output


def self_signed_line(seq: int) -> str:
    """A checkpoint line signed with a key of its own, as anyone could write one."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from hwc.audit.keys import AuditKey
    from hwc.audit.signing import checkpoint_message

    key = AuditKey.of(Ed25519PrivateKey.generate())
    fields = {"number": 1, "seq": seq, "hash": "a" * 64, "created_at": "2026-01-01T00:00:00Z"}
    signature = key.sign(checkpoint_message(*fields.values()))
    return json.dumps({**fields, "signature": signature, "public_key": key.public_key_base64,
                       "fingerprint": key.fingerprint}) + "\n"


@pytest.mark.parametrize("seq", [LENGTH + 100, 2**31 - 1])
def test_a_kept_checkpoint_beyond_the_chain_says_the_chain_was_cut_back(
        history, runner, tmp_path, seq):
    kept = tmp_path / "kept.jsonl"
    kept.write_text(self_signed_line(seq))
    result = verify(runner, "--against", str(kept))
    assert result.exit_code == 1, result.output
    assert f"event {seq}" in result.output


def test_a_kept_checkpoint_with_an_impossible_sequence_number_is_a_clear_message(
        history, runner, tmp_path):
    kept = tmp_path / "kept.jsonl"
    kept.write_text(self_signed_line(2**31))
    result = verify(runner, "--against", str(kept))
    assert result.exit_code == 2, result.output
    assert "kept.jsonl" in result.output


def test_a_missing_kept_checkpoint_file_is_a_clear_message(history, runner, tmp_path):
    result = verify(runner, "--against", str(tmp_path / "nowhere.jsonl"))
    assert result.exit_code == 2
    assert "nowhere.jsonl" in result.output


# --- after an upgrade or a lost key ---------------------------------------------------------

def test_checkpoint_refuses_a_head_that_does_not_verify(history, runner):
    truncate_and_move_head_back(1)
    result = runner.invoke(args=["hwc", "audit", "checkpoint"])
    assert result.exit_code == 1
    assert "verify" in result.output


def test_accepting_an_unsigned_head_signs_it_and_records_that_in_the_trail(history, runner):
    tamper(update(HEAD).values(signature=None, key_fingerprint=None))
    result = runner.invoke(args=["hwc", "audit", "checkpoint", "--accept-head"])
    assert result.exit_code == 0, result.output
    assert events()[-1].action == "accept_audit_head"
    assert verify(runner).exit_code == 0
