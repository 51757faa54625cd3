from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartsConfig(AppConfig):
    name = "parts"
    verbose_name = _("Spare parts and returns")

    def ready(self) -> None:
        # tickets never imports parts: its page learns at start-up to show the parts panel
        from customers.asset_history import register
        from parts import history, panels
        from tickets.panels import register_panel

        register_panel(panels.parts_panel)
        # the asset's service history names the parts replaced in it
        register("part", history.part_lines)
