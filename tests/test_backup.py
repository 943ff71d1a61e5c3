"""``flask hwc backup`` and ``flask hwc restore``: a round trip into a fresh database and fresh
instance folders keeps every row, every evidence file, the audit trail's proofs and the vouchers'
seals; a tampered archive and a target already in use are refused with nothing written."""

import hashlib
import io
import json
import shutil
import sqlite3
import tarfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from hwc import create_app
from hwc.audit.keys import audit_key
from hwc.audit.models import AuditEvent
from hwc.audit.signing import checkpoint_line, read_kept_checkpoints
from hwc.audit.trail import verify_chain, write_checkpoint
from hwc.backup.operations import make_backup
from hwc.claims.evidence import evidence_path
from hwc.claims.models import Claim, ClaimStatus, Evidence
from hwc.extensions import db
from hwc.vouchers.keys import public_keys
from hwc.vouchers.models import Voucher
from hwc.vouchers.sealing import examine
from hwc.vouchers.signing import check_seal
from tests.conftest import make_test_config
from tests.factories import make_claim

ARCHIVE_REFUSED, TARGET_NOT_EMPTY = 1, 2


@pytest.fixture
def fresh_url(database_url, tmp_path):
    """The address of a new, empty database beside the test database: a second SQLite file,
    or a second database on the test's PostgreSQL cluster (dropped afterwards)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"hwc_restore_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture
def fresh_app(fresh_url, tmp_path):
    """An app on the empty database with its own, empty instance folder (its own keys)."""
    target = create_app(make_test_config(fresh_url, tmp_path / "restored-instance"))
    yield target
    with target.app_context():
        db.session.remove()
        db.engine.dispose()


def every_row() -> dict[str, list[dict]]:
    """Every row of every table, in primary-key order."""
    rows = {}
    for table in db.metadata.sorted_tables:
        query = select(table).order_by(*table.primary_key.columns)
        rows[table.name] = [dict(row) for row in db.session.execute(query).mappings()]
    return rows


def restore(app, archive: Path, *extra: str):
    """``flask hwc restore`` on ``app`` (in its own context: a command runs in the context
    already pushed, and the ``ctx`` fixture pushes the test database's)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=["hwc", "restore", str(archive), *extra])


def files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


@pytest.mark.commits
def test_a_restored_instance_holds_every_row_file_proof_and_seal(app, demo, fresh_app,
                                                                  tmp_path):
    with app.app_context():
        for status in ClaimStatus:
            make_claim(status)
        checkpoint = write_checkpoint()
        kept = tmp_path / "kept-checkpoints.jsonl"
        kept.write_text(checkpoint_line(checkpoint, audit_key()) + "\n", encoding="utf-8")
        db.session.commit()
        before = every_row()
        photos = {row.stored_name: evidence_path(row).read_bytes()
                  for row in db.session.scalars(select(Evidence))}
        assert {claim["status"] for claim in before["claims"]} >= set(ClaimStatus)
        assert before["vouchers"] and before["audit_checkpoints"] and photos

    bank_file = Path(app.instance_path) / "payment_runs" / "999999" / "bank.csv"
    bank_file.parent.mkdir(parents=True)
    bank_file.write_bytes(b"account,amount\n6222020200112233445,1409.50\n")
    archive = tmp_path / "backup.tar"
    try:
        result = app.test_cli_runner().invoke(args=["hwc", "backup", "--output", str(archive)])
    finally:
        shutil.rmtree(bank_file.parent)
    assert result.exit_code == 0, result.output
    assert archive.stat().st_mode & 0o777 == 0o600
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
        assert event.action == "backup_made"
        assert event.changes["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()

    result = restore(fresh_app, archive)
    assert result.exit_code == 0, result.output
    with fresh_app.app_context():
        after = every_row()
        assert after["claims"] == before["claims"]
        assert after == before
        for stored_name, content in photos.items():
            evidence = db.session.scalar(select(Evidence).where(
                Evidence.stored_name == stored_name))
            assert evidence_path(evidence).read_bytes() == content
        report = verify_chain(kept=read_kept_checkpoints(kept))
        assert report.ok, report.problem
        assert report.checked == len(before["workflow_events"])
        for voucher in db.session.scalars(select(Voucher)):
            assert check_seal(voucher.seal, public_keys()).valid
            assert examine(voucher.seal).outcome in ("valid", "paid")
        assert (Path(fresh_app.config["HWC_AUDIT_KEY_PATH"]).stat().st_mode & 0o777) == 0o600
        restored_bank_file = Path(fresh_app.instance_path).joinpath(
            *bank_file.relative_to(app.instance_path).parts)
        assert restored_bank_file.read_bytes() == b"account,amount\n6222020200112233445,1409.50\n"
        # The restored instance goes on: new rows get new ids, new events extend the chain.
        make_claim("submitted")
        db.session.commit()
        assert verify_chain().ok


def tamper_with_a_photo(archive: Path) -> None:
    """Change one byte of an evidence photo inside the archive, in place."""
    with tarfile.open(archive) as tar:
        photo = next(m for m in tar.getmembers() if m.name.startswith("uploads/"))
    with open(archive, "r+b") as file:
        file.seek(photo.offset_data + photo.size // 2)
        byte = file.read(1)
        file.seek(-1, io.SEEK_CUR)
        file.write(bytes([byte[0] ^ 0xFF]))


def add_an_unlisted_key(archive: Path) -> None:
    """Append a voucher key that the manifest does not list (someone planting a key)."""
    planted = b"-----BEGIN PRIVATE KEY-----\n"
    with tarfile.open(archive, "a") as tar:
        info = tarfile.TarInfo("voucher-keys/_deployment/0123456789abcdef.pem")
        info.size = len(planted)
        tar.addfile(info, io.BytesIO(planted))


def add_an_escaping_member(archive: Path) -> None:
    with tarfile.open(archive, "a") as tar:
        info = tarfile.TarInfo("uploads/../../escaped.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))


def make_the_manifest_say(archive: Path, **changes) -> None:
    """Rewrite the archive with the manifest changed (its sums still hold)."""
    with tarfile.open(archive) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    with tarfile.open(archive, "w") as tar:
        for member, content in members:
            if member.name == "manifest.json":
                content = json.dumps({**json.loads(content), **changes}).encode()
                member.size = len(content)
            tar.addfile(member, io.BytesIO(content))


@pytest.mark.parametrize("spoil", [
    tamper_with_a_photo,
    add_an_unlisted_key,
    add_an_escaping_member,
    lambda archive: make_the_manifest_say(archive, version=99),
    lambda archive: make_the_manifest_say(
        archive, dialect="postgresql" if db.engine.dialect.name == "sqlite" else "sqlite"),
], ids=["altered photo", "unlisted key", "path out of the archive", "unknown format version",
        "other kind of database"])
def test_a_spoilt_archive_is_refused_and_nothing_is_written(app, ctx, demo, fresh_app,
                                                            tmp_path, spoil):
    make_claim("submitted")  # a photo in the uploads
    archive = tmp_path / "backup.tar"
    make_backup(archive)
    spoil(archive)

    result = restore(fresh_app, archive)

    assert result.exit_code == ARCHIVE_REFUSED, result.output
    with fresh_app.app_context():
        assert inspect(db.engine).get_table_names() == []
    assert files_under(tmp_path / "restored-instance") == []
    assert not (tmp_path / "escaped.txt").exists()


def test_a_database_in_use_is_refused_and_left_as_it_was(app, ctx, demo, tmp_path):
    archive = tmp_path / "backup.tar"
    make_backup(archive)
    db.session.commit()  # inside the test's transaction: a savepoint
    claims = db.session.scalars(select(Claim.id)).all()

    result = restore(app, archive)

    assert result.exit_code == TARGET_NOT_EMPTY, result.output
    assert "--force" in result.output
    assert db.session.scalars(select(Claim.id)).all() == claims


def test_a_different_audit_key_in_the_target_is_refused(app, ctx, demo, fresh_app, tmp_path):
    archive = tmp_path / "backup.tar"
    make_backup(archive)
    with fresh_app.app_context():
        audit_key()  # the empty instance makes a key of its own
    key_file = Path(fresh_app.config["HWC_AUDIT_KEY_PATH"])
    theirs = key_file.read_bytes()

    result = restore(fresh_app, archive)

    assert result.exit_code == TARGET_NOT_EMPTY, result.output
    assert key_file.read_bytes() == theirs
    assert not (tmp_path / "restored-instance" / "uploads").exists()
    with fresh_app.app_context():
        assert inspect(db.engine).get_table_names() == []


@pytest.mark.commits  # the sessions of a rolled-back test all use the test database
def test_force_restores_over_an_instance_in_use(app, demo, fresh_app, tmp_path):
    archive = tmp_path / "backup.tar"
    with app.app_context():
        make_backup(archive)
        db.session.commit()
    first = restore(fresh_app, archive)
    assert first.exit_code == 0, first.output
    with fresh_app.app_context():
        make_claim("submitted")  # the restored instance goes on, then is restored over
        db.session.commit()
        audit_key_file = Path(fresh_app.config["HWC_AUDIT_KEY_PATH"])
    audit_key_file.write_bytes(b"another key")

    assert restore(fresh_app, archive).exit_code == TARGET_NOT_EMPTY
    result = restore(fresh_app, archive, "--force")

    assert result.exit_code == 0, result.output
    with fresh_app.app_context():
        assert db.session.scalar(select(func.count(Claim.id))) == 0  # the demo world's
        assert audit_key_file.read_bytes() != b"another key"
        assert verify_chain().ok


def test_a_sqlite_target_locked_by_a_running_server_is_given_up_on(
        app, ctx, demo, fresh_app, fresh_url, tmp_path, monkeypatch):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's lock; pg_restore waits for PostgreSQL's own lock timeout")
    archive = tmp_path / "backup.tar"
    make_backup(archive)
    monkeypatch.setattr("hwc.backup.database.SQLITE_WAIT_SECONDS", 0.5, raising=False)
    server = sqlite3.connect(make_url(fresh_url).database, isolation_level=None)
    try:
        server.execute("BEGIN EXCLUSIVE")  # a server in the middle of writing

        result = restore(fresh_app, archive, "--force")
    finally:
        server.close()

    assert result.exit_code == 3, result.output
    assert "SQLite" in result.output and "HWC" in result.output  # "…locked…: stop HWC…"
