"""``fetch_mail``: poll every active mailbox once, as beat does; ``--file message.eml`` (one or
more, or ``-`` for standard input) files messages from disk through the same code path."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from mail.services import mailboxes_poll, message_ingest


class Command(BaseCommand):
    help = "Read the support mailboxes once, or file email messages from files."

    def add_arguments(self, parser):
        parser.add_argument("--file", nargs="+", metavar="MESSAGE", help="RFC 5322 files (.eml), or - for stdin")

    def handle(self, *args, **options):
        if options["file"]:
            for name in options["file"]:
                try:
                    raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
                except OSError as error:
                    raise CommandError(f"{name}: {error.strerror}") from error
                record, new = message_ingest(raw=raw)
                state = record.get_status_display() if new else "already read"
                ticket = f" {record.ticket.reference}" if record.ticket_id else ""
                self.stdout.write(f"{name}: {state}{ticket}{f' ({record.reason})' if record.reason else ''}")
            return
        results = mailboxes_poll()
        if not results:
            self.stdout.write("No active mailbox: set MAIL_IMAP_HOST or add one in the admin.")
        failed = False
        for name, result in results.items():
            self.stdout.write(
                f"{name}: {result.read} read, {result.new} new" + (f"; {result.error}" if result.error else "")
            )
            failed |= bool(result.error)
        if failed:
            raise CommandError("A mailbox could not be read.")
