from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceDeskConfig(AppConfig):
    default = True  # the module holds other AppConfig classes too
    name = "servicedesk"
    verbose_name = _("Service desk")

    def ready(self) -> None:
        # the emails' footers show the hotline numbers of customers, an app beside notifications
        from customers.selectors import hotlines_of
        from notifications.services.footer import register_hotlines
        from servicedesk import checks  # noqa: F401  (registers the deploy checks)

        register_hotlines(lambda organisation_id: hotlines_of(organisation_id=organisation_id))


class LoginProtectionConfig(AxesAppConfig):
    """django-axes under a translated name in the admin."""

    verbose_name = _("Login protection")
