from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceDeskConfig(AppConfig):
    name = "servicedesk"
    verbose_name = _("Service desk")

    def ready(self) -> None:
        from servicedesk import checks  # noqa: F401  (registers the deploy checks)
