from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaintenanceConfig(AppConfig):
    name = "maintenance"
    verbose_name = _("Warranty and maintenance")

    def ready(self) -> None:
        # tickets never imports maintenance: its page learns at start-up to show the coverage
        from maintenance import panels
        from tickets.models import TicketEvent
        from tickets.panels import register_panel
        from tickets.presenters import register_event_line

        register_panel(panels.coverage_panel)
        register_event_line(TicketEvent.Kind.COVERAGE, panels.coverage_line)
        # parts never imports maintenance: it learns at start-up that issued parts may be billed
        from maintenance.parts_billing import bill_issued_part
        from parts.services import register_issued

        register_issued(bill_issued_part)
        # nor does tickets: billable time on an uncovered ticket becomes labour
        from maintenance.time_billing import bill_time_entry, withdraw_time_entry
        from tickets.services import register_time_billing

        register_time_billing(recorded=bill_time_entry, withdrawn=withdraw_time_entry)
