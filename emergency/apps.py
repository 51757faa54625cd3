from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmergencyConfig(AppConfig):
    name = "emergency"
    verbose_name = _("Emergency plan")

    def ready(self) -> None:
        # tickets never imports emergency: the escalation engine learns at start-up that it
        # may open incidents and whom the rota has on duty
        from emergency import rotas, services
        from tickets import escalation

        escalation.register_action("open_incident", services.incident_from_escalation)
        escalation.register_on_duty(rotas.on_duty_users)
        # the escalation policies the response plans name run incidents' chains, not tickets'
        escalation.register_reserved_policies(services.reserved_escalation_policies)
        # the ticket page's panel of the incidents a ticket is linked to
        from emergency.link_panels import incident_links_panel
        from tickets.panels import register_panel

        register_panel(incident_links_panel)
