"""API: /api/v1/rotas/, their shifts and overrides, and who is on duty now."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsStaffMember, StaffReadManagersWrite
from core.api import WriteThroughServicesMixin
from core.api_input import (
    InputSerializer,
    StrictCharField,
    StrictPrimaryKeyRelatedField,
)
from emergency import rotas
from emergency.api.incidents import STAFF
from emergency.models import (
    Rota,
)


class ShiftOutput(serializers.Serializer):
    rota = serializers.IntegerField(source="rota.pk")
    rota_name = serializers.CharField(source="rota.name")
    user = serializers.IntegerField(source="user.pk")
    name = serializers.CharField(source="user.__str__")
    phone = serializers.CharField(source="user.phone")
    email = serializers.CharField(source="user.email")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    override = serializers.SerializerMethodField()

    def get_override(self, shift) -> bool:
        return shift.override is not None


@extend_schema_field({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "09:00"})
class HandoverField(serializers.TimeField):
    """A wall-clock time "HH:MM" in the rota's time zone (not an RFC 3339 time: no seconds, no offset)."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)


class RotaSerializer(InputSerializer):
    members = StrictPrimaryKeyRelatedField(queryset=STAFF, many=True, help_text="The people in turn order (user ids).")
    handover = HandoverField(help_text='"HH:MM" in the rota\'s time zone')
    feed_url = serializers.SerializerMethodField(
        help_text="The caller's own link to the rota's iCalendar feed, for calendar clients (revocable on the "
        "preferences page)."
    )

    class Meta:
        model = Rota
        fields = [
            "id",
            "name",
            "description",
            "timezone",
            "handover",
            "shift_days",
            "starts_on",
            "is_active",
            "members",
            "projects",
            "feed_url",
        ]
        read_only_fields = ["id"]
        extra_kwargs = {
            "name": {"validators": []},
            "projects": {
                "help_text": "The projects whose customers see the liaison on duty (ids); empty: every project."
            },
        }

    def to_representation(self, rota):
        data = super().to_representation(rota)
        data["members"] = [m.user_id for m in rota.members.all()]
        return data

    def get_feed_url(self, rota) -> str:
        return rotas.rota_feed_urls(viewer=self.context["request"].user, rotas=[rota])[rota.pk]


class OverrideInput(serializers.Serializer):
    user = StrictPrimaryKeyRelatedField(queryset=STAFF)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    reason = StrictCharField(max_length=200, required=False, allow_blank=True, default="")


@extend_schema(tags=["rotas"])
@extend_schema_view(
    create=extend_schema(responses={201: RotaSerializer}),
    update=extend_schema(responses={200: RotaSerializer}),
    partial_update=extend_schema(responses={200: RotaSerializer}),
)
class RotaViewSet(
    WriteThroughServicesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """7x24 liaison rotas: staff read, managers change them and add overrides."""

    permission_classes = [StaffReadManagersWrite]
    input_serializer = RotaSerializer
    output_serializer = RotaSerializer
    pagination_class = None

    def get_queryset(self):
        return Rota.objects.prefetch_related("members", "projects")

    def service_create(self, *, actor, **fields):
        return rotas.rota_save(**fields)

    def service_update(self, actor, instance, fields):
        return rotas.rota_save(rota=instance, **fields)

    @extend_schema(
        responses={200: ShiftOutput(many=True)},
        parameters=[
            OpenApiParameter("from", datetime.datetime, description="Default: now."),
            OpenApiParameter("days", int, description="1 to 366 (default 28)."),
        ],
    )
    @action(detail=True, methods=["get"])
    def shifts(self, request, pk=None):
        """Who is on duty when, overrides applied."""
        rota = self.get_object()
        start, days = _window(request.query_params)
        shifts = rotas.rota_shifts(rota, start, start + datetime.timedelta(days=days))
        return Response(ShiftOutput(shifts, many=True).data)

    @extend_schema(request=OverrideInput, responses={201: ShiftOutput(many=True)})
    @action(detail=True, methods=["post"])
    def overrides(self, request, pk=None):
        """Someone covers the rota for a while (leave, a swap); answers the shifts it changes."""
        rota = self.get_object()
        data = OverrideInput(data=request.data)
        data.is_valid(raise_exception=True)
        override = rotas.override_add(rota=rota, actor=request.user, **data.validated_data)
        shifts = rotas.rota_shifts(rota, override.starts_at, override.ends_at)
        return Response(ShiftOutput(shifts, many=True).data, status=status.HTTP_201_CREATED)


def _window(params) -> tuple[datetime.datetime, int]:
    errors = {}
    start = timezone.now()
    if "from" in params:  # present but empty is a mistake, not "now"
        parsed = serializers.DateTimeField()
        try:
            start = parsed.to_internal_value(params["from"])
        except serializers.ValidationError as error:
            errors["from"] = error.detail
        else:
            if not rotas.FIRST_YEAR <= start.year <= rotas.LAST_YEAR:
                errors["from"] = [
                    _("A moment between the years %(first)s and %(last)s.")
                    % {"first": rotas.FIRST_YEAR, "last": rotas.LAST_YEAR}
                ]
    days = params.get("days", "28")
    if not days.isdigit() or not 1 <= int(days) <= 366:
        errors["days"] = [_("A whole number from 1 to %(maximum)d.") % {"maximum": 366}]
    if errors:
        raise ValidationError(errors)
    return start, int(days)


@extend_schema(tags=["rotas"], responses={200: ShiftOutput(many=True)})
class OnDutyView(APIView):
    """Who is on duty now on each active rota, until when, and how to reach them (staff)."""

    permission_classes = [IsStaffMember]

    def get(self, request):
        return Response(ShiftOutput(rotas.on_duty(), many=True).data)
