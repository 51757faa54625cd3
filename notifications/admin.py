from django.contrib import admin

from core.admin import ReadOnlyAdmin, ServiceSavedMixin, fields_of
from notifications import services
from notifications.models import Delivery, Notification, Preference, Webhook


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Deliveries and their errors, for admins to see what did not go out."""

    list_display = ["created_at", "channel", "address", "subject", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status", "channel"]
    search_fields = ["address", "subject", "key", "last_error"]
    readonly_fields = [field.name for field in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Webhook)
class WebhookAdmin(ServiceSavedMixin, admin.ModelAdmin):
    """Saved by ``services.webhook_save``."""

    list_display = ["name", "format", "team", "user", "is_active"]
    list_filter = ["format", "is_active"]
    search_fields = ["name", "url"]

    def service_save(self, request, obj, data):
        return services.webhook_save(webhook=obj, **fields_of(data, services.WEBHOOK_FIELDS))


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "reason", "title", "urgent", "read_at"]
    list_filter = ["reason", "urgent"]
    search_fields = ["title", "reference", "recipient__username"]
    readonly_fields = [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Preference)
class PreferenceAdmin(ReadOnlyAdmin):
    """Each person sets their own on their preferences page (``services.preference_save``)."""

    list_display = ["user", "email", "webhook", "quiet_from", "quiet_until"]
