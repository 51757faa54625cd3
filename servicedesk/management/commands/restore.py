"""python manage.py restore FILE: a backup into an empty database and media root. Refuses a
database with tables, a media root with files, a damaged archive, and one made by a newer
version of the desk. Run ``migrate`` afterwards when the code is newer than the backup."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from servicedesk import backups


class Command(BaseCommand):
    help = "Restore a backup (manage.py backup) into an empty database and media root."

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the archive written by manage.py backup")

    def handle(self, *args, archive, **options):
        try:
            summary = backups.restore(archive_path=Path(archive))
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {summary.rows} rows of {summary.tables} tables and {summary.files} files. "
                "Run `python manage.py migrate` if this version of the desk is newer than the backup."
            )
        )
