"""Warranties of a project or of one of its assets, saved by ``maintenance.services.warranties_import``
(``warranty_save``'s rules: the end date follows from the terms' duration, as in the admin and
the API)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import InstalledProduct
from imports.kinds.base import NEW, UNCHANGED, UPDATE, Column, Kind, Plan, RowError, Verdict, as_date
from imports.kinds.common import Seen, need
from imports.kinds.customers import projects_by_code
from maintenance import services as maintenance_services
from maintenance.models import Warranty, WarrantyTerms


class Warranties(Kind):
    name = "warranties"
    label = gettext_lazy("Warranties")
    columns = [
        Column("project", gettext_lazy("The project's code."), "acme-scada", True, True),
        Column(
            "asset_serial",
            gettext_lazy("Serial number of the asset it covers (empty: the whole project)."),
            "",
            False,
            True,
        ),
        Column(
            "terms", gettext_lazy("The name of the warranty terms, as in the admin."), "Standard 2-year warranty", True
        ),
        Column(
            "start_date",
            gettext_lazy("First day covered, YYYY-MM-DD (empty: the project's final acceptance date)."),
            "2025-06-30",
            False,
            True,
        ),
        Column("notes", gettext_lazy("Notes."), ""),
    ]

    def plan(self, rows, *, actor, present) -> Plan:
        projects = projects_by_code(row.get("project", "") for _line, row in rows)
        assets = {
            (asset.project_id, asset.serial_number.strip().casefold()): asset
            for asset in InstalledProduct.objects.filter(
                project__in=projects.values(),
            ).exclude(serial_number="")
        }
        terms = {t.name: t for t in WarrantyTerms.objects.filter(name__in={row.get("terms", "") for _l, row in rows})}
        existing = {
            (w.project_id, w.asset_id, w.start_date): w for w in Warranty.objects.filter(project__in=projects.values())
        }
        keys, verdicts, saves = Seen(), [], []
        for line, row in rows:
            verdict = Verdict(line, key="/".join(v for v in (row.get("project", ""), row.get("asset_serial", "")) if v))
            verdicts.append(verdict)
            try:
                project = projects.get(need(row, "project"))
                if project is None:
                    raise RowError(_("Unknown project code %(code)s.") % {"code": row["project"]})
                asset = None
                if serial := row.get("asset_serial", "").strip():
                    asset = assets.get((project.pk, serial.casefold()))
                    if asset is None:
                        raise RowError(
                            _("Project %(project)s has no asset with serial number %(serial)s.")
                            % {"project": project.code, "serial": serial}
                        )
                chosen = terms.get(need(row, "terms"))
                if chosen is None:
                    raise RowError(_("Unknown warranty terms %(name)s.") % {"name": row["terms"]})
                start = as_date(row.get("start_date", ""), "start_date") or project.final_acceptance_date
                if start is None:
                    raise RowError(_("The project has no final acceptance date: give the start date."))
                key = (project.pk, getattr(asset, "pk", None), start)
                keys.check(key, line, _("This warranty"))
                verdict.key = f"{verdict.key}@{start.isoformat()}"
                notes = row.get("notes", "") if "notes" in present else None
                warranty = existing.get(key)
                if warranty is not None:
                    changes = [name for name, new in (("terms", chosen.pk), ("notes", notes)) if new is not None]
                    changes = [
                        name
                        for name in changes
                        if (warranty.terms_id if name == "terms" else warranty.notes)
                        != (chosen.pk if name == "terms" else notes)
                    ]
                    if not changes:
                        verdict.verdict = UNCHANGED
                        continue
                    verdict.verdict, verdict.changes = UPDATE, changes
                    notes = warranty.notes if notes is None else notes
                else:
                    verdict.verdict = NEW
                item = maintenance_services.ImportedWarranty(
                    warranty=warranty,
                    project=project,
                    terms=chosen,
                    start_date=start,
                    asset=asset,
                    notes=notes or "",
                )
                for problem in maintenance_services.warranty_import_problems(item=item):
                    raise RowError(problem)
                saves.append(item)
            except RowError as error:
                verdict.error(str(error))

        def apply() -> None:
            maintenance_services.warranties_import(actor=actor, items=saves)

        return Plan(verdicts, apply)
