"""API: /api/v1/calendars/, /api/v1/sla-policies/, /api/v1/escalation-policies/."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets

from accounts.models import Team
from accounts.permissions import StaffReadAdminWrite
from core.api_input import InputSerializer, StrictCharField, StrictPrimaryKeyRelatedField
from customers.models import Project
from tickets import calendars, escalation, policies, selectors
from tickets.models import (
    BusinessCalendar,
    EscalationPolicy,
    EscalationStep,
    SLAPolicy,
    SLATarget,
)
from tickets.worktime import format_hhmm, parse_hhmm


@extend_schema_field({"type": "string", "pattern": "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$", "example": "09:00"})
class HHMMField(serializers.Field):
    """A wall-clock time "HH:MM", "24:00" allowed, stored as minutes after midnight."""

    default_error_messages = {"invalid": _('Use "HH:MM", from "00:00" to "24:00".')}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return parse_hhmm(data)
        except ValueError:
            self.fail("invalid")

    def to_representation(self, value):
        return format_hhmm(value)


class CalendarHoursSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(min_value=0, max_value=6, help_text="0 = Monday ... 6 = Sunday")
    start = HHMMField(source="start_minute")
    end = HHMMField(source="end_minute")


class CalendarDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=["holiday", "workday"])
    name = StrictCharField(max_length=120, required=False, allow_blank=True, default="")


class CalendarSerializer(serializers.ModelSerializer):
    hours = CalendarHoursSerializer(many=True)
    days = CalendarDaySerializer(many=True, required=False)
    name = StrictCharField(max_length=120)
    timezone = StrictCharField(max_length=64)
    description = StrictCharField(required=False, allow_blank=True, default="")
    country = StrictCharField(
        max_length=2,
        required=False,
        allow_blank=True,
        default="",
        help_text="ISO 3166 code whose public holidays are imported every December for the coming year.",
    )

    class Meta:
        model = BusinessCalendar
        fields = ["id", "name", "timezone", "country", "description", "hours", "days", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


@extend_schema(tags=["calendars"])
class CalendarViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Business calendars: working hours per weekday in a time zone, holidays and make-up working days."""

    permission_classes = [StaffReadAdminWrite]
    serializer_class = CalendarSerializer
    queryset = selectors.calendar_list()

    def perform_create(self, serializer):
        serializer.instance = self._save(serializer.validated_data)

    def perform_update(self, serializer):
        data = {**CalendarSerializer(serializer.instance).data, **serializer.initial_data}
        full = CalendarSerializer(data=data)
        full.is_valid(raise_exception=True)
        serializer.instance = self._save(full.validated_data, serializer.instance)

    def _save(self, data, calendar=None):
        return calendars.calendar_save(
            calendar=calendar,
            name=data["name"],
            timezone_name=data["timezone"],
            country=data.get("country", ""),
            description=data.get("description", ""),
            hours=data["hours"],
            days=data.get("days", []),
        )


class SLATargetSerializer(InputSerializer):
    calendar = StrictPrimaryKeyRelatedField(queryset=BusinessCalendar.objects.all())

    class Meta:
        model = SLATarget
        fields = ["priority", "metric", "minutes", "calendar"]


class SLAPolicySerializer(InputSerializer):
    targets = SLATargetSerializer(many=True)

    class Meta:
        model = SLAPolicy
        fields = [
            "id",
            "name",
            "description",
            "is_default",
            "warn_at_percent",
            "acknowledgement_stops_first_response",
            "targets",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"name": {"validators": []}}


@extend_schema(tags=["sla-policies"])
class SLAPolicyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """SLA policies: targets per priority and metric, each on a calendar."""

    permission_classes = [StaffReadAdminWrite]
    serializer_class = SLAPolicySerializer
    queryset = selectors.policy_list()

    def perform_create(self, serializer):
        serializer.instance = policies.policy_save(**serializer.validated_data)

    def perform_update(self, serializer):
        policy = serializer.instance
        current = {
            "name": policy.name,
            "description": policy.description,
            "is_default": policy.is_default,
            "warn_at_percent": policy.warn_at_percent,
            "acknowledgement_stops_first_response": policy.acknowledgement_stops_first_response,
            "targets": [
                {"priority": t.priority, "metric": t.metric, "minutes": t.minutes, "calendar": t.calendar}
                for t in policy.targets.select_related("calendar")
            ],
        }
        serializer.instance = policies.policy_save(policy=policy, **{**current, **serializer.validated_data})


class EscalationStepSerializer(InputSerializer):
    team = StrictPrimaryKeyRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)
    action = serializers.ChoiceField(choices=escalation.offered_actions())

    class Meta:
        model = EscalationStep
        fields = ["action", "delay_minutes", "team", "group"]


class EscalationPolicySerializer(InputSerializer):
    steps = EscalationStepSerializer(many=True)
    project = StrictPrimaryKeyRelatedField(queryset=Project.objects.all(), required=False, allow_null=True)

    class Meta:
        model = EscalationPolicy
        fields = [
            "id",
            "name",
            "description",
            "priority",
            "metric",
            "project",
            "repeat_count",
            "repeat_after_minutes",
            "is_active",
            "steps",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"name": {"validators": []}}

    def validate_steps(self, steps):
        if not steps:
            raise serializers.ValidationError(_("A policy needs at least one step."))
        return steps


@extend_schema(tags=["escalation-policies"])
class EscalationPolicyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """What happens after a breach: ordered steps (notify the assignee, a team, a group, the
    team lead, the managers, the on-duty liaison; raise the priority), each a delay after the
    previous one, repeated ``repeat_count`` more times. Chosen by project, priority and metric,
    the most specific first (empty matches any)."""

    permission_classes = [StaffReadAdminWrite]
    serializer_class = EscalationPolicySerializer
    queryset = EscalationPolicy.objects.prefetch_related("steps").order_by("name")

    def perform_create(self, serializer):
        serializer.instance = policies.escalation_policy_save(**serializer.validated_data)

    def perform_update(self, serializer):
        policy = serializer.instance
        fields = ["name", "description", "priority", "metric", "project", "repeat_count", "repeat_after_minutes"]
        current = {field: getattr(policy, field) for field in [*fields, "is_active"]}
        current["steps"] = [
            {"action": s.action, "delay_minutes": s.delay_minutes, "team": s.team, "group": s.group}
            for s in policy.steps.all()
        ]
        serializer.instance = policies.escalation_policy_save(policy=policy, **{**current, **serializer.validated_data})
