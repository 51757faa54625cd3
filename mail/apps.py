from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "mail"
    verbose_name = _("Email intake")

    def ready(self) -> None:
        # tickets never imports mail: its page learns at start-up to show the CC addresses to approve
        from django.core import checks

        from mail import panels
        from mail.checks import unverified_senders
        from tickets.panels import register_panel

        register_panel(panels.cc_requests_panel)
        checks.register(unverified_senders, checks.Tags.security, deploy=True)
