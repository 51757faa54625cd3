"""API: /api/v1/notifications/ and /api/v1/me/notification-preferences/, the caller's own.
Webhooks are configured in the admin (personal ones also in the preferences page)."""

import datetime
import re

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_input import StrictBooleanField
from core.filters import StrictBooleanFilter, StrictFilterSet, StrictIntegerFilter
from notifications import services
from notifications.models import Notification, Preference


class NotificationOutput(serializers.ModelSerializer):
    ticket = serializers.IntegerField(source="ticket_id", allow_null=True, help_text="The ticket it is about.")
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "reason",
            "title",
            "body",
            "url",
            "ticket",
            "reference",
            "urgent",
            "read",
            "read_at",
            "created_at",
        ]

    def get_read(self, notification) -> bool:
        return notification.read_at is not None


class NotificationFilter(StrictFilterSet):
    unread = StrictBooleanFilter(field_name="read_at", lookup_expr="isnull", label="Only unread (true) or read (false)")
    ticket = StrictIntegerFilter(field_name="ticket_id", label="About this ticket (its id)")

    class Meta:
        model = Notification
        fields = ["reason"]


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's notifications, newest first: what the bell shows. ``reason`` is one of
    ``sla_warning``, ``sla_breach``, ``escalation``, ``acknowledged`` or a ticket event
    (``ticket_created``, ``ticket_status``, ``ticket_assigned``, ``ticket_reply``,
    ``ticket_dispatched``)."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationOutput
    filterset_class = NotificationFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Notification.objects.none()
        return Notification.objects.filter(recipient=self.request.user)

    @extend_schema(request=None, responses={200: NotificationOutput})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark one notification read."""
        notification = services.notification_read(user=request.user, notification_id=self.get_object().pk)
        return Response(NotificationOutput(notification).data)

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("ReadAll", {"marked": serializers.IntegerField(help_text="How many were unread.")})
        },
    )
    @action(detail=False, methods=["post"], url_path="read-all", url_name="read-all")
    def read_all(self, request):
        """Mark all of the caller's notifications read."""
        marked = services.notifications_read_all(user=request.user)
        return Response({"marked": marked})


@extend_schema_field(
    {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "22:00", "nullable": True}
)
class WallClockField(serializers.Field):
    """A local wall-clock time "HH:MM" (no offset: the user's time zone applies)."""

    default_error_messages = {"invalid": _('Use "HH:MM", from "00:00" to "23:59".')}

    def to_internal_value(self, data):
        match = re.fullmatch(r"([01][0-9]|2[0-3]):([0-5][0-9])", data) if isinstance(data, str) else None
        if match is None:
            self.fail("invalid")
        return datetime.time(int(match[1]), int(match[2]))

    def to_representation(self, value):
        return value.strftime("%H:%M")


class PreferenceSerializer(serializers.ModelSerializer):
    email = StrictBooleanField(required=False, help_text="Email besides the bell.")
    webhook = StrictBooleanField(required=False, help_text="The personal webhook, if one is set up.")
    quiet_from = WallClockField(required=False, allow_null=True)
    quiet_until = WallClockField(
        required=False,
        allow_null=True,
        help_text="Quiet hours in the user's time zone: email and webhook messages wait until then, "
        "alerts to the emergency groups do not. Both or neither.",
    )

    class Meta:
        model = Preference
        fields = ["email", "webhook", "quiet_from", "quiet_until"]

    def validate(self, data):
        merged = {field: data.get(field, getattr(self.instance, field)) for field in self.Meta.fields}
        if (merged["quiet_from"] is None) != (merged["quiet_until"] is None):
            raise serializers.ValidationError({"quiet_until": [_("Give both ends of the quiet hours, or neither.")]})
        return merged


@extend_schema(tags=["notifications"])
class PreferenceView(APIView):
    """The caller's notification channels. The bell always gets everything."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: PreferenceSerializer})
    def get(self, request):
        return Response(PreferenceSerializer(services.preference_for(request.user)).data)

    @extend_schema(request=PreferenceSerializer, responses={200: PreferenceSerializer})
    def patch(self, request):
        data = PreferenceSerializer(services.preference_for(request.user), data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        preference = services.preference_save(user=request.user, **data.validated_data)
        return Response(PreferenceSerializer(preference).data)
