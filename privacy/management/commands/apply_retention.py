"""Apply the retention policy now (the daily beat task does the same); ``--dry-run`` prints what
would go and removes nothing."""

from django.core.management.base import BaseCommand

from privacy.services.retention import retention_apply


class Command(BaseCommand):
    help = "Remove closed tickets' attachments and original emails past their retention (docs/personal-data.md)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print what would be removed; remove nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        run = retention_apply(dry_run=dry_run)
        verb = "Would remove" if dry_run else "Removed"
        if not run.attachment_days and not run.original_email_days:
            self.stdout.write(
                "Retention is off: RETENTION_ATTACHMENT_DAYS and RETENTION_ORIGINAL_EMAIL_DAYS are empty."
            )
        for item in run.removed:
            self.stdout.write(f"{verb} {item['kind'].replace('_', ' ')} {item['name']} of {item['ticket']}")
        self.stdout.write(
            f"{verb} {run.attachments_removed} attachments and {run.original_emails_removed} original emails "
            f"({run.bytes_freed} bytes); {len(run.errors)} errors. Run {run.pk}."
        )
        for error in run.errors:
            self.stderr.write(f"{error['kind']} {error['id']}: {error['error']}")
