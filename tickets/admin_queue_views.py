"""The admin of saved queue views: read-only (views are made and changed on the queue page and
through /api/v1/queue-views/, where the service checks who may)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from tickets.models import QueueView


@admin.register(QueueView)
class QueueViewAdmin(ReadOnlyAdmin):
    list_display = ["name", "owner", "team", "sort", "position", "updated_at"]
    list_filter = ["team"]
    search_fields = ["name", "owner__username"]
    list_select_related = ["owner", "team"]
