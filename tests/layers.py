"""A contract type for import-linter (`make lint`, pyproject.toml): an app reaches another app
only through its public modules.

Each app's public surface is its ``models`` (for foreign keys and the querysets of its rows),
``services`` (writes) and ``selectors`` (reads), packages included, plus the extension points a
contract names with the reason. The roof (``servicedesk``: URLs, the admin site, the API router)
and the demo (``demo``: it seeds through services only, but wires the pieces) may import more:
they are the ``allowed_importers``.
"""

from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class PublicSurfaceContract(Contract):
    type_name = "public_surface"

    apps = fields.ListField(subfield=fields.StringField())
    public = fields.ListField(subfield=fields.StringField())
    # "app.module: why" for each module outside ``public`` that other apps may import
    extension_points = fields.ListField(subfield=fields.StringField(), required=False)
    allowed_importers = fields.ListField(subfield=fields.StringField(), required=False)

    def _public(self) -> set[str]:
        points = {entry.split(":", 1)[0].strip() for entry in self.extension_points or []}
        return {f"{app}.{module}" for app in self.apps for module in self.public} | points

    def check(self, graph, verbose: bool) -> ContractCheck:
        public = self._public()
        allowed = set(self.allowed_importers or [])
        broken = []
        for app in self.apps:
            for importer in sorted(graph.find_descendants(app) | {app}):
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    target = imported.split(".")[0]
                    if target == app or target not in self.apps or app in allowed:
                        continue
                    if imported == target or any(imported == p or imported.startswith(f"{p}.") for p in public):
                        continue
                    details = graph.get_import_details(importer=importer, imported=imported)
                    lines = ", ".join(str(detail["line_number"]) for detail in details)
                    broken.append((importer, imported, lines))
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, imported, lines in check.metadata["broken"]:
            output.print_error(f"{importer} -> {imported} (l. {lines})", bold=False)
        output.new_line()
        output.print(
            "Reach the other app through its models, services or selectors; or, for a hook it offers "
            "at start-up, name the module under extension_points with the reason."
        )
