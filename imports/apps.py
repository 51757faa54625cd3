from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        # the history line of an imported ticket reads "imported (line 12)"
        from imports import presenters
        from tickets.presenters import register_event_line
        from tickets.services.imports import IMPORTED

        register_event_line(IMPORTED, presenters.imported_line)
