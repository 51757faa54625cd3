"""Open tickets from the old system, written by ``tickets.services.tickets_import``.

The key is the ``reference``: the old system's is kept (it must not look like the desk's own
series, ``SD-…``, unless the desk already holds that ticket); without one the ticket gets the
next reference of the year's series, and is recognised on a second import by its request key
(the hash of its project, received moment, title and reporter).
"""

import hashlib
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from customers.models import InstalledProduct
from imports.kinds.base import (
    NEW,
    UNCHANGED,
    UPDATE,
    Column,
    Kind,
    Plan,
    RowError,
    Verdict,
    as_choice,
    as_datetime,
)
from imports.kinds.common import Seen, need
from imports.kinds.customers import projects_by_code
from tickets import services as ticket_services
from tickets.models import Priority, Ticket

REFERENCE_LENGTH = Ticket._meta.get_field("reference").max_length


def request_key(project: str, received: str, title: str, reporter: str) -> str:
    digest = hashlib.sha256("\x1f".join((project, received, title, reporter)).encode()).hexdigest()
    return f"import:{digest[:40]}"


class Tickets(Kind):
    name = "tickets"
    label = gettext_lazy("Open tickets")
    columns = [
        Column(
            "reference",
            gettext_lazy("The old system's reference, kept (empty: the desk gives the next SD- number): the key."),
            "OLD-1042",
            False,
            True,
        ),
        Column("project", gettext_lazy("The project's code."), "acme-scada", True),
        Column("title", gettext_lazy("Title, one line."), "Controller offline after power cut", True),
        Column("description", gettext_lazy("Symptoms."), "RTU 3 does not answer since 08:10.", True),
        Column(
            "received_at",
            gettext_lazy("When the report was received, YYYY-MM-DD HH:MM in the desk's time zone."),
            "2026-01-05 09:30",
            True,
        ),
        Column(
            "reporter",
            gettext_lazy("Username or email of a contact of the organisation (empty: you)."),
            "",
        ),
        Column("priority", gettext_lazy("low, normal, high or urgent (empty: normal)."), "high"),
        Column("category", gettext_lazy("fault, question, request, change or complaint (empty: fault)."), "fault"),
        Column("channel", gettext_lazy("How it came: hotline, email, portal… (empty: hotline)."), "hotline"),
        Column("status", gettext_lazy("new, acknowledged or in_progress (empty: new)."), "new"),
        Column("occurred_at", gettext_lazy("When it happened, YYYY-MM-DD HH:MM."), ""),
        Column("location", gettext_lazy("Where."), ""),
        Column("impact", gettext_lazy("Scope of impact."), ""),
        Column("measures_taken", gettext_lazy("Measures already taken."), ""),
        Column("asset_serial", gettext_lazy("Serial number of the asset concerned, of the same project."), ""),
        Column("assignee", gettext_lazy("Username of the engineer it is assigned to."), ""),
    ]

    def _prefetch(self, rows) -> dict[str, Any]:
        values = [row for _line, row in rows]
        projects = projects_by_code(row.get("project", "") for row in values)
        names = {row.get(c, "") for row in values for c in ("reporter", "assignee")} - {""}
        people = User.objects.annotate(email_lower=Lower("email")).filter(
            Q(username__in=names) | Q(email_lower__in={n.lower() for n in names if "@" in n}, role=User.Role.CUSTOMER)
        )
        by_name: dict[str, list[User]] = {}
        for user in people:
            by_name.setdefault(user.username, []).append(user)
            if user.is_customer and user.email:
                by_name.setdefault(user.email.lower(), []).append(user)
        assets = {
            (asset.project_id, asset.serial_number.strip().casefold()): asset
            for asset in InstalledProduct.objects.filter(project__in=projects.values()).exclude(serial_number="")
        }
        references = {row.get("reference", "") for row in values} - {""}
        keys = {
            request_key(
                row.get("project", ""), row.get("received_at", ""), row.get("title", ""), row.get("reporter", "")
            )
            for row in values
            if not row.get("reference")
        }
        existing = {
            (t.reference if t.reference in references else t.request_key): t
            for t in Ticket.objects.filter(Q(reference__in=references) | Q(request_key__in=keys))
        }
        return {"projects": projects, "people": by_name, "assets": assets, "existing": existing}

    def _person(self, found: dict, name: str, column: str) -> User:
        matches = {user.pk: user for user in found.get(name, []) + found.get(name.lower(), [])}
        if len(matches) > 1:
            raise RowError(_("%(column)s: several users are %(name)s.") % {"column": column, "name": name})
        if not matches:
            raise RowError(_("%(column)s: no user %(name)s.") % {"column": column, "name": name})
        return next(iter(matches.values()))

    def plan(self, rows, *, actor, present) -> Plan:
        found = self._prefetch(rows)
        keys, verdicts, items, changes = Seen(), [], [], []
        for line, row in rows:
            reference = row.get("reference", "")
            verdict = Verdict(line, key=reference)
            verdicts.append(verdict)
            try:
                item = self._item(row, actor, found)
                key = reference or item.request_key
                keys.check(key, line, _("This ticket"))
                if len(reference) > REFERENCE_LENGTH:
                    raise RowError(_("reference: at most %(count)d characters.") % {"count": REFERENCE_LENGTH})
                ticket = found["existing"].get(key)
                if ticket is None and reference.upper().startswith("SD-"):
                    raise RowError(
                        _("reference: SD-… is the desk's own series; leave it empty and the desk numbers the ticket.")
                    )
                if ticket is not None:
                    verdict.key = ticket.reference
                    values = {
                        name: row[name]
                        for name in ticket_services.imports.UPDATABLE_FIELDS
                        if name in present and getattr(ticket, name) != row[name]
                    }
                    if values:
                        verdict.verdict, verdict.changes = UPDATE, sorted(values)
                        changes.append((ticket, values))
                    else:
                        verdict.verdict = UNCHANGED
                    continue
                for problem in ticket_services.ticket_import_problems(item=item):
                    verdict.error(problem)
                if verdict.verdict != "error":
                    verdict.verdict = NEW
                    item.source = {"line": line}
                    items.append(item)
            except RowError as error:
                verdict.error(str(error))

        def apply() -> None:
            ticket_services.tickets_import_update(actor=actor, changes=changes)
            created = ticket_services.tickets_import(actor=actor, items=items)
            by_line = {item.source["line"]: ticket for item, ticket in zip(items, created, strict=True)}
            for verdict in verdicts:
                if verdict.line in by_line:
                    verdict.key = by_line[verdict.line].reference

        return Plan(verdicts, apply)

    def _item(self, row: dict[str, str], actor: User, found: dict) -> ticket_services.ImportedTicket:
        project = found["projects"].get(need(row, "project"))
        if project is None:
            raise RowError(_("Unknown project code %(code)s.") % {"code": row["project"]})
        title, description = need(row, "title"), need(row, "description")
        received = as_datetime(need(row, "received_at"), "received_at")
        reporter = self._person(found["people"], row["reporter"], "reporter") if row.get("reporter") else actor
        assignee = self._person(found["people"], row["assignee"], "assignee") if row.get("assignee") else None
        asset = None
        if serial := row.get("asset_serial", "").strip():
            asset = found["assets"].get((project.pk, serial.casefold()))
            if asset is None:
                raise RowError(
                    _("Project %(project)s has no asset with serial number %(serial)s.")
                    % {"project": project.code, "serial": serial}
                )
        status = as_choice(row.get("status", ""), Ticket.Status, "status", default=Ticket.Status.NEW)
        key = None
        if not row.get("reference"):
            key = request_key(row["project"], row["received_at"], title, row.get("reporter", ""))
        return ticket_services.ImportedTicket(
            project=project,
            reporter=reporter,
            title=title,
            description=description,
            received_at=received,
            reference=row.get("reference", ""),
            request_key=key,
            priority=as_choice(row.get("priority", ""), Priority, "priority", default=Priority.NORMAL),
            category=as_choice(row.get("category", ""), Ticket.Category, "category", default=Ticket.Category.FAULT),
            channel=as_choice(row.get("channel", ""), Ticket.Channel, "channel", default=Ticket.Channel.HOTLINE),
            status=status,
            occurred_at=as_datetime(row.get("occurred_at", ""), "occurred_at"),
            location=row.get("location", ""),
            impact=row.get("impact", ""),
            measures_taken=row.get("measures_taken", ""),
            asset=asset,
            assignee=assignee,
        )
