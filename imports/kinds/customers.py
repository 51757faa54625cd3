"""Organisations, delivered projects and installed assets."""

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import InstalledProduct, Organisation, Project
from imports.kinds.base import Column, Kind, Plan, RowError, Verdict, as_bool, as_date, as_int
from imports.kinds.common import Seen, Writes, judge, need, text

ACTIVE = Column("active", gettext_lazy("Active: yes or no (empty: yes for a new row)."), "yes")


def _active(row: dict[str, str], present: set[str], values: dict[str, Any]) -> None:
    if "active" in present:
        values["is_active"] = as_bool(row.get("active", "") or "yes", "active")


def organisations_by_code(codes) -> dict[str, Organisation]:
    return {o.code: o for o in Organisation.objects.filter(code__in={c for c in codes if c})}


def projects_by_code(codes) -> dict[str, Project]:
    return {p.code: p for p in Project.objects.filter(code__in={c for c in codes if c}).select_related("organisation")}


class Organisations(Kind):
    name = "organisations"
    label = gettext_lazy("Organisations")
    columns = [
        Column("code", gettext_lazy("Short unique code (letters, digits, - and _): the key."), "acme", True, True),
        Column("name", gettext_lazy("The organisation's name, unique."), "Acme Power Ltd", True),
        Column("address", gettext_lazy("Postal address."), "1 Harbour Road, Shanghai"),
        Column("phone", gettext_lazy("Phone number."), "+86 21 5555 0100"),
        Column("email", gettext_lazy("Email address."), "it@acme.example"),
        Column("notes", gettext_lazy("Notes."), ""),
        ACTIVE,
    ]

    def plan(self, rows, *, actor, present) -> Plan:
        existing = organisations_by_code(row.get("code", "") for _line, row in rows)
        names = dict(
            Organisation.objects.filter(name__in={row.get("name", "") for _line, row in rows}).values_list(
                "name", "code"
            )
        )
        codes, seen_names, writes, verdicts = Seen(), Seen(), Writes(Organisation), []
        for line, row in rows:
            verdict = Verdict(line, key=row.get("code", ""))
            verdicts.append(verdict)
            try:
                code, name = need(row, "code"), need(row, "name")
                codes.check(code, line, _("Organisation %(code)s") % {"code": code})
                seen_names.check(name, line, _("The name %(name)s") % {"name": name})
                if names.get(name, code) != code:
                    raise RowError(
                        _("The name %(name)s belongs to organisation %(code)s.") % {"name": name, "code": names[name]}
                    )
                values: dict[str, Any] = {"code": code, "name": name}
                for column in ("address", "phone", "email", "notes"):
                    text(row, column, present, values)
                _active(row, present, values)
            except RowError as error:
                verdict.error(str(error))
                continue
            judge(verdict, instance=existing.get(code), make=Organisation, values=values, writes=writes, exclude=[])
        return Plan(verdicts, lambda: writes.write(actor))


class Projects(Kind):
    name = "projects"
    label = gettext_lazy("Delivered projects")
    columns = [
        Column("code", gettext_lazy("Short unique code of the project: the key."), "acme-scada", True, True),
        Column("organisation", gettext_lazy("The organisation's code."), "acme", True),
        Column("name", gettext_lazy("The project's name, unique within the organisation."), "SCADA upgrade", True),
        Column("description", gettext_lazy("Description."), ""),
        Column("site_address", gettext_lazy("Site address."), "Plant 2, 8 River Road"),
        Column(
            "final_acceptance_date",
            gettext_lazy("Date of final acceptance, YYYY-MM-DD: the free warranty starts then."),
            "2025-06-30",
        ),
        Column(
            "emergency_response_minutes",
            gettext_lazy("Emergency response target in minutes (empty: the desk's default)."),
            "",
        ),
        ACTIVE,
    ]

    def plan(self, rows, *, actor, present) -> Plan:
        existing = projects_by_code(row.get("code", "") for _line, row in rows)
        organisations = organisations_by_code(row.get("organisation", "") for _line, row in rows)
        taken = {
            (organisation_id, name): code
            for organisation_id, name, code in Project.objects.filter(
                organisation__in=organisations.values(), name__in={row.get("name", "") for _line, row in rows}
            ).values_list("organisation_id", "name", "code")
        }
        codes, names, writes, verdicts = Seen(), Seen(), Writes(Project), []
        for line, row in rows:
            verdict = Verdict(line, key=row.get("code", ""))
            verdicts.append(verdict)
            try:
                code, name = need(row, "code"), need(row, "name")
                organisation = organisations.get(need(row, "organisation"))
                if organisation is None:
                    raise RowError(_("Unknown organisation code %(code)s.") % {"code": row["organisation"]})
                codes.check(code, line, _("Project %(code)s") % {"code": code})
                names.check((organisation.pk, name), line, _("The name %(name)s") % {"name": name})
                project = existing.get(code)
                if project is not None and project.organisation_id != organisation.pk:
                    raise RowError(
                        _("Project %(code)s belongs to organisation %(organisation)s: a project does not move.")
                        % {"code": code, "organisation": project.organisation.code}
                    )
                if taken.get((organisation.pk, name), code) != code:
                    raise RowError(
                        _("%(organisation)s already has a project named %(name)s.")
                        % {"organisation": organisation.code, "name": name}
                    )
                values: dict[str, Any] = {"code": code, "name": name, "organisation": organisation}
                for column in ("description", "site_address"):
                    text(row, column, present, values)
                if "final_acceptance_date" in present:
                    values["final_acceptance_date"] = as_date(row["final_acceptance_date"], "final_acceptance_date")
                if "emergency_response_minutes" in present:
                    minutes = row["emergency_response_minutes"]
                    values["emergency_response_minutes"] = as_int(minutes, "emergency_response_minutes")
                _active(row, present, values)
            except RowError as error:
                verdict.error(str(error))
                continue
            judge(
                verdict,
                instance=project,
                make=Project,
                values=values,
                writes=writes,
                exclude=["organisation", "customer_liaison", "sla_policy"],
            )
        return Plan(verdicts, lambda: writes.write(actor))


class Assets(Kind):
    name = "assets"
    label = gettext_lazy("Installed assets")
    columns = [
        Column("project", gettext_lazy("The project's code."), "acme-scada", True, True),
        Column(
            "serial_number",
            gettext_lazy("Serial number, unique within the project (letter case ignored): the key with the project."),
            "SN-0001",
            True,
            True,
        ),
        Column("name", gettext_lazy("The product."), "RTU-500 controller", True),
        Column("version", gettext_lazy("Version."), "2.4"),
        Column("quantity", gettext_lazy("Quantity (empty: 1)."), "1"),
        Column("location", gettext_lazy("Where it stands: building, room, rack."), "Building 2, rack 4"),
        Column("installed_on", gettext_lazy("Installation date, YYYY-MM-DD."), "2025-05-20"),
        Column("accepted_on", gettext_lazy("Acceptance date, YYYY-MM-DD (not before installation)."), "2025-06-30"),
        Column("notes", gettext_lazy("Notes."), ""),
    ]

    def plan(self, rows, *, actor, present) -> Plan:
        projects = projects_by_code(row.get("project", "") for _line, row in rows)
        existing = {
            (asset.project_id, asset.serial_number.strip().casefold()): asset
            for asset in InstalledProduct.objects.filter(project__in=projects.values()).exclude(serial_number="")
        }
        keys, writes, verdicts = Seen(), Writes(InstalledProduct), []
        for line, row in rows:
            serial = row.get("serial_number", "").strip()
            verdict = Verdict(line, key=f"{row.get('project', '')}/{serial}")
            verdicts.append(verdict)
            try:
                project = projects.get(need(row, "project"))
                if project is None:
                    raise RowError(_("Unknown project code %(code)s.") % {"code": row["project"]})
                need(row, "serial_number")
                need(row, "name")
                keys.check((project.pk, serial.casefold()), line, _("Serial number %(serial)s") % {"serial": serial})
                values: dict[str, Any] = {"project": project, "serial_number": serial, "name": row["name"]}
                for column in ("version", "location", "notes"):
                    text(row, column, present, values)
                if "quantity" in present:
                    values["quantity"] = as_int(row["quantity"], "quantity") or 1
                for column in ("installed_on", "accepted_on"):
                    if column in present:
                        values[column] = as_date(row[column], column)
                asset = existing.get((project.pk, serial.casefold()))
                installed = values.get("installed_on", getattr(asset, "installed_on", None))
                accepted = values.get("accepted_on", getattr(asset, "accepted_on", None))
                if installed and accepted and accepted < installed:
                    raise RowError(_("An asset cannot be accepted before it was installed."))
                if asset is not None:
                    values["serial_number"] = asset.serial_number  # the same asset: letter case kept
            except RowError as error:
                verdict.error(str(error))
                continue
            judge(verdict, instance=asset, make=InstalledProduct, values=values, writes=writes, exclude=["project"])
        return Plan(verdicts, lambda: writes.write(actor))
