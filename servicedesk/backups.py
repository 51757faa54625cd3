"""Backups that restore: the database, the media files and a manifest in one tar archive.

``backup`` writes ``manifest.json`` (app version, migration state, rows per table, the
SHA-256 of every file in the archive), ``database.dump`` (PostgreSQL's custom format, taken by
``pg_dump`` in the very snapshot the rows were counted in) or ``database.sqlite3`` (SQLite's
online backup), and ``media/`` (attachments, photos, PDFs).

``restore`` checks the archive against its manifest first, refuses a database that has tables
or a media root that has files, and an archive whose migrations the code does not know (made
by a newer version); then it restores, and counts the rows again. docs/production.md tells how
to use them.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
POSTGRES_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
MEDIA = "media"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """Why a backup or a restore cannot go on; nothing was changed."""


@dataclass(frozen=True)
class Summary:
    tables: int
    rows: int
    files: int


def app_version() -> str:
    with open(Path(settings.BASE_DIR) / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]["version"]


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    return vendor


def _tables() -> list[str]:
    """The tables of every installed model (many-to-many tables too) that exist."""
    existing = set(connection.introspection.table_names())
    names = {model._meta.db_table for model in apps.get_models(include_auto_created=True)}
    return sorted((names | {MigrationRecorder.Migration._meta.db_table}) & existing)


def _counts(cursor) -> dict[str, int]:
    quote = connection.ops.quote_name
    counts = {}
    for table in _tables():
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 (names from the models)
        counts[table] = cursor.fetchone()[0]
    return counts


def _migrations(cursor) -> dict[str, list[str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env() -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for pg_dump and pg_restore."""
    db = settings.DATABASES["default"]
    arguments = ["--dbname", db["NAME"]]
    if db.get("HOST"):
        arguments += ["--host", db["HOST"]]
    if db.get("PORT"):
        arguments += ["--port", str(db["PORT"])]
    if db.get("USER"):
        arguments += ["--username", db["USER"]]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return arguments, env


def _run(command: list[str], env: dict[str, str] | None = None) -> None:
    try:
        result = subprocess.run(command, capture_output=True, text=True, env=env)  # noqa: S603 (pg_dump, pg_restore)
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} is not installed (Debian package postgresql-client).") from error
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def backup(*, output: Path) -> Summary:
    """Write the archive to ``output`` (by way of a temporary file beside it)."""
    engine = _engine()
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="backup-") as work:
        work_dir = Path(work)
        if engine == "postgresql":
            database_file = work_dir / POSTGRES_DUMP
            arguments, env = _pg_env()
            # the rows are counted in the snapshot pg_dump copies: the manifest matches the dump
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                counts, migrations = _counts(cursor), _migrations(cursor)
                _run(
                    [
                        "pg_dump",
                        *arguments,
                        "--format=custom",
                        "--no-owner",
                        "--no-privileges",
                        f"--snapshot={snapshot}",
                        f"--file={database_file}",
                    ],
                    env,
                )
        else:
            database_file = work_dir / SQLITE_COPY
            connection.ensure_connection()
            target = sqlite3.connect(database_file)
            try:
                connection.connection.backup(target)  # SQLite's online backup, consistent
            finally:
                target.close()
            copy = sqlite3.connect(database_file)
            try:
                counts, migrations = _counts(copy.cursor()), _migrations(copy.cursor())
            finally:
                copy.close()
        media = sorted(path for path in media_root.rglob("*") if path.is_file()) if media_root.exists() else []
        files = {database_file.name: {"sha256": _sha256(database_file), "size": database_file.stat().st_size}}
        for path in media:
            files[f"{MEDIA}/{path.relative_to(media_root).as_posix()}"] = {
                "sha256": _sha256(path),
                "size": path.stat().st_size,
            }
        manifest = {
            "format": FORMAT,
            "app_version": app_version(),
            "created_at": timezone.now().isoformat(),
            "engine": engine,
            "database": database_file.name,
            "migrations": migrations,
            "tables": counts,
            "files": files,
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(f".{output.name}.partial")
        with tarfile.open(partial, "w:gz" if output.name.endswith(("gz", ".tgz")) else "w") as archive:
            body = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime = len(body), int(timezone.now().timestamp())
            archive.addfile(info, io.BytesIO(body))
            archive.add(database_file, arcname=database_file.name)
            for path in media:
                archive.add(path, arcname=f"{MEDIA}/{path.relative_to(media_root).as_posix()}")
        partial.replace(output)
    return Summary(tables=len(counts), rows=sum(counts.values()), files=len(media))


def _read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        manifest = json.load(archive.extractfile(MANIFEST))
    except (KeyError, AttributeError, ValueError) as error:
        raise BackupError("Not a backup of the service desk: it has no readable manifest.") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    return manifest


def _check_migrations(manifest: dict) -> None:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(
        f"{app}.{name}" for app, names in manifest["migrations"].items() for name in names if (app, name) not in known
    )
    if unknown:
        raise BackupError(
            "The backup was made by a newer version of the desk (app version "
            f"{manifest['app_version']}): this code does not know its migrations {', '.join(unknown[:10])}. "
            "Restore it with that version or a later one."
        )


def _check_empty_target() -> None:
    tables = connection.introspection.table_names()
    if tables:
        raise BackupError(
            f"The database {settings.DATABASES['default']['NAME']} is not empty ({len(tables)} tables): "
            "restore into a new, empty database."
        )
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.exists() and any(path.is_file() for path in media_root.rglob("*")):
        raise BackupError(f"The media root {media_root} holds files: restore into an empty one.")


def _unpack(archive: tarfile.TarFile, manifest: dict, into: Path) -> None:
    """Extract every file the manifest lists into ``into``, checking sizes and checksums."""
    members = {member.name: member for member in archive.getmembers() if member.isfile()}
    missing = sorted(set(manifest["files"]) - set(members))
    if missing:
        raise BackupError(f"The archive lacks {len(missing)} of its files, e.g. {missing[0]}.")
    for name, expected in manifest["files"].items():
        target = into / name
        if not target.resolve().is_relative_to(into.resolve()):
            raise BackupError(f"Refusing a file outside the archive's folders: {name}.")
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.extractfile(members[name]) as source, open(target, "wb") as sink:
            shutil.copyfileobj(source, sink, CHUNK)
        if target.stat().st_size != expected["size"] or _sha256(target) != expected["sha256"]:
            raise BackupError(f"{name} does not match its checksum in the manifest: the archive is damaged.")


def _open(archive_path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(archive_path)
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"Cannot read {archive_path}: {error}") from error


def restore(*, archive_path: Path) -> Summary:
    """Restore the archive into the configured (empty) database and media root."""
    engine = _engine()
    with _open(archive_path) as archive, tempfile.TemporaryDirectory(prefix="restore-") as work:
        manifest = _read_manifest(archive)
        if manifest["engine"] != engine:
            raise BackupError(f"The backup is of a {manifest['engine']} database; the desk is configured for {engine}.")
        _check_migrations(manifest)
        _check_empty_target()
        unpacked = Path(work)
        _unpack(archive, manifest, unpacked)
        database_file = unpacked / manifest["database"]
        if engine == "postgresql":
            arguments, env = _pg_env()
            connection.close()
            _run(
                [
                    "pg_restore",
                    *arguments,
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    str(database_file),
                ],
                env,
            )
        else:
            connection.ensure_connection()
            source = sqlite3.connect(database_file)
            try:
                source.backup(connection.connection)
            finally:
                source.close()
        media_root = Path(settings.MEDIA_ROOT)
        media_root.mkdir(parents=True, exist_ok=True)
        restored_media = unpacked / MEDIA
        files = 0
        if restored_media.exists():
            for path in sorted(restored_media.rglob("*")):
                if path.is_file():
                    target = media_root / path.relative_to(restored_media)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.move(path, target)
                    files += 1
    with connection.cursor() as cursor:
        counts = _counts(cursor)
    if counts != manifest["tables"]:
        differ = sorted(t for t in set(counts) | set(manifest["tables"]) if counts.get(t) != manifest["tables"].get(t))
        raise BackupError(f"The restored rows differ from the manifest in {', '.join(differ[:10])}.")
    return Summary(tables=len(counts), rows=sum(counts.values()), files=files)
