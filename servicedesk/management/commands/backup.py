"""python manage.py backup --output FILE: the database, the media files and a manifest in
one archive (``.tar``, or ``.tar.gz``/``.tgz`` compressed). See docs/production.md."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from servicedesk import backups


class Command(BaseCommand):
    help = "Back up the database and the media files into one archive with a manifest."

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="the archive to write, e.g. desk-2026-12-06.tar.gz")

    def handle(self, *args, output, **options):
        path = Path(output)
        try:
            summary = backups.backup(output=path)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Backed up {summary.rows} rows of {summary.tables} tables and {summary.files} files to {path}."
            )
        )
