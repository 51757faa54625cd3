"""``manage.py import_data KIND FILE [--dry-run]``, or ``import_data KIND --template OUT.csv``."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import ServiceDeskError
from imports import blanks
from imports.kinds import KINDS
from imports.kinds.base import ERROR
from imports.services import import_file


class Command(BaseCommand):
    help = "Import organisations, projects, contacts, assets, warranties or open tickets from CSV or XLSX."

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", choices=list(KINDS))
        parser.add_argument("file", nargs="?", help="the CSV (UTF-8 or GB18030) or XLSX file")
        parser.add_argument("--dry-run", action="store_true", help="check every row, save nothing")
        parser.add_argument("--template", metavar="OUT", help="write the kind's template (.csv or .xlsx) and stop")
        parser.add_argument("--user", help="the administrator the import is recorded for (default: the first)")
        parser.add_argument("--show", type=int, default=50, help="verdict lines to print (errors first; 0: all)")

    def handle(self, *args, **options) -> None:
        kind = options["kind"]
        if options["template"]:
            out = Path(options["template"])
            out.write_bytes(blanks.template(kind, "xlsx" if out.suffix.lower() == ".xlsx" else "csv"))
            self.stdout.write(_("Template for %(kind)s written to %(file)s.") % {"kind": kind, "file": out})
            self.stdout.write(_("Columns (* required):"))
            self.stdout.write(blanks.template_note(kind))
            return
        if not options["file"]:
            raise CommandError(_("Name the file to import, or --template OUT."))
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No file %(file)s.") % {"file": path})
        actor = self._actor(options["user"])
        try:
            result = import_file(
                actor=actor, kind=kind, content=path.read_bytes(), name=path.name, dry_run=options["dry_run"]
            )
        except ServiceDeskError as error:
            raise CommandError(error.message) from error
        shown = result.sorted_verdicts()
        limit = options["show"] or len(shown)
        for verdict in shown[:limit]:
            if verdict["verdict"] == ERROR:
                self.stdout.write(
                    _("line %(line)s: error: %(errors)s")
                    % {"line": verdict["line"], "errors": "; ".join(verdict["errors"])}
                )
            elif verdict["verdict"] != "unchanged" or options["verbosity"] > 1:
                changes = f" ({', '.join(verdict['changes'])})" if verdict["changes"] else ""
                self.stdout.write(f"line {verdict['line']}: {verdict['verdict']} {verdict['key']}{changes}")
        counts = result.counts
        summary = _("%(kind)s: %(new)d new, %(update)d update, %(unchanged)d unchanged, %(error)d errors.") % {
            "kind": kind,
            **counts,
        }
        if not result.ok:
            raise CommandError(summary + " " + _("Nothing was imported."))
        if options["dry_run"]:
            summary += " " + _("Dry run: nothing was saved.")
        self.stdout.write(self.style.SUCCESS(summary))

    def _actor(self, username: str | None) -> User:
        admins = User.objects.filter(is_active=True).filter(role=User.Role.ADMIN) | User.objects.filter(
            is_active=True, is_superuser=True
        )
        if username:
            actor = admins.filter(username=username).first()
            if actor is None:
                raise CommandError(_("%(user)s is not an active administrator.") % {"user": username})
            return actor
        actor = admins.order_by("pk").first()
        if actor is None:
            raise CommandError(_("The desk has no administrator: create one, or name one with --user."))
        return actor
