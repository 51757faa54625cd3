"""``manage.py backup`` and ``manage.py restore``: a populated desk (the demo desk: tickets with
attachments, SLA clocks, history, incidents, quality review PDFs) restored into a fresh database
and media root holds every row and every file's bytes; what must be refused is refused, with
nothing changed."""

import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from servicedesk import backups
from tests.production.stack import ROOT, Database
from tests.workers import database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def restore_into(database: Database, media: Path, archive: Path) -> subprocess.CompletedProcess:
    """``manage.py restore`` in a process of its own, configured for the new database."""
    env = {key: value for key, value in os.environ.items() if key not in ("DJANGO_SETTINGS_MODULE", "REDIS_URL")}
    env.update(DEBUG="true", DATABASE_URL=database.url, MEDIA_ROOT=str(media), VAR_DIR=str(media.parent / "var"))
    return subprocess.run(
        [sys.executable, "manage.py", "restore", str(archive)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def rows_of(cursor, table: str) -> list[tuple]:
    cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')  # noqa: S608 (the models' tables)
    return cursor.fetchall()


def target_cursor(database: Database):
    """A plain driver cursor (the same types on both sides, whatever Django decodes)."""
    if database.url.startswith("sqlite:///"):
        return sqlite3.connect(database.url.removeprefix("sqlite:///")).cursor()
    import psycopg2

    return psycopg2.connect(database.url).cursor()


@pytest.fixture
def backed_up(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", verbosity=0)
    archive = tmp_path / "desk.tar.gz"
    call_command("backup", output=str(archive))
    return archive


@pytest.fixture
def fresh_database(tmp_path):
    database = Database.fresh(tmp_path / "target")
    (tmp_path / "target").mkdir(exist_ok=True)
    yield database
    if database.drop:
        database.drop()


def test_a_populated_desk_comes_back_row_for_row_and_byte_for_byte(backed_up, fresh_database, tmp_path, settings):
    from tickets.models import Attachment, SLAClock, Ticket, TicketEvent

    with tarfile.open(backed_up) as archive:
        manifest = json.load(archive.extractfile("manifest.json"))
    assert manifest["engine"] == connection.vendor and manifest["app_version"]
    # every app's applied migrations, up to its newest on disk
    leaves = dict(MigrationLoader(connection).graph.leaf_nodes())
    assert {app: manifest["migrations"][app][-1] for app in leaves} == leaves
    assert manifest["tables"]["tickets_ticket"] == Ticket.objects.count() > 150
    assert SLAClock.objects.exists() and TicketEvent.objects.exists() and Attachment.objects.exists()
    media = sorted(p.relative_to(settings.MEDIA_ROOT) for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())
    assert any(p.suffix == ".pdf" for p in media) and any(p.suffix == ".eml" for p in media)  # reviews, emails
    assert sorted(name for name in manifest["files"] if name.startswith("media/")) == [f"media/{p}" for p in media]

    restored_media = tmp_path / "restored-media"
    result = restore_into(fresh_database, restored_media, backed_up)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Restored {sum(manifest['tables'].values())} rows" in result.stdout

    cursor, source = target_cursor(fresh_database), target_cursor(Database(url=database_url()))
    for table in manifest["tables"]:
        assert rows_of(cursor, table) == rows_of(source, table), table
    for path in media:
        assert (restored_media / path).read_bytes() == (Path(settings.MEDIA_ROOT) / path).read_bytes(), path
    assert sorted(p.relative_to(restored_media) for p in restored_media.rglob("*") if p.is_file()) == media

    # a second restore into what is now a populated desk is refused, and changes nothing
    again = restore_into(fresh_database, tmp_path / "other-media", backed_up)
    assert again.returncode != 0 and "is not empty" in again.stderr
    assert not (tmp_path / "other-media").exists() or not any((tmp_path / "other-media").iterdir())


def rewrite(archive: Path, out: Path, change) -> Path:
    """A copy of ``archive`` with ``change(name, bytes) -> bytes`` applied to each member."""
    with tarfile.open(archive) as source, tarfile.open(out, "w:gz") as target:
        for member in source.getmembers():
            data = change(member.name, source.extractfile(member).read())
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    return out


def test_an_archive_of_a_newer_version_is_refused(backed_up, fresh_database, tmp_path):
    def future(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["migrations"]["tickets"].append("0099_from_the_future")
        return json.dumps(manifest).encode()

    result = restore_into(fresh_database, tmp_path / "m", rewrite(backed_up, tmp_path / "newer.tar.gz", future))
    assert result.returncode != 0
    assert "newer version" in result.stderr and "tickets.0099_from_the_future" in result.stderr
    assert not target_tables(fresh_database)


def test_a_damaged_archive_is_refused_before_anything_is_written(backed_up, fresh_database, tmp_path):
    def damage(name: str, data: bytes) -> bytes:
        return data[:-1] + bytes([data[-1] ^ 1]) if name.endswith(".pdf") else data

    result = restore_into(fresh_database, tmp_path / "m", rewrite(backed_up, tmp_path / "bad.tar.gz", damage))
    assert result.returncode != 0 and "does not match its checksum" in result.stderr
    assert not target_tables(fresh_database)
    assert not (tmp_path / "m").exists()


def test_a_non_empty_media_root_is_refused(backed_up, fresh_database, tmp_path):
    media = tmp_path / "busy-media"
    (media / "attachments").mkdir(parents=True)
    (media / "attachments" / "old.txt").write_text("someone else's")
    result = restore_into(fresh_database, media, backed_up)
    assert result.returncode != 0 and "holds files" in result.stderr
    assert not target_tables(fresh_database)


def target_tables(database: Database) -> list[str]:
    cursor = target_cursor(database)
    if database.url.startswith("sqlite:///"):
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return [row[0] for row in cursor.fetchall()]


def test_something_that_is_no_backup_is_refused(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    with pytest.raises(backups.BackupError, match="Cannot read"):
        backups.restore(archive_path=tmp_path / "missing.tar")
    (tmp_path / "plain.tar").write_bytes(b"not a tar file at all" * 100)
    with pytest.raises(backups.BackupError, match="Cannot read"):
        backups.restore(archive_path=tmp_path / "plain.tar")
