from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from reports.asset_history import register_providers
        from reports.sql import register_sqlite_functions

        register_providers()

        connection_created.connect(register_sqlite_functions, dispatch_uid="reports-sqlite-functions")
