"""API: /api/v1/return-visit-schedules/, the recurring return visits of each project."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from accounts.permissions import ReadAnyWriteManagers
from core.api import WriteThroughServicesMixin
from core.api_input import InputSerializer, ScopedPrimaryKeyField, StrictPrimaryKeyRelatedField
from core.filters import StrictBooleanFilter, StrictFilterSet
from maintenance import selectors, services
from maintenance.api.shared import STAFF, _active_projects
from maintenance.models import ReturnVisitSchedule


class ReturnVisitScheduleOutput(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    staff_name = serializers.CharField(source="staff.__str__", read_only=True)

    class Meta:
        model = ReturnVisitSchedule
        fields = [
            "id",
            "project",
            "project_name",
            "name",
            "rule",
            "first_date",
            "staff",
            "staff_name",
            "lead_days",
            "remind_days",
            "is_active",
            "created_at",
            "updated_at",
        ]


class ReturnVisitScheduleInput(InputSerializer):
    project = ScopedPrimaryKeyField(scope=_active_projects)
    staff = StrictPrimaryKeyRelatedField(queryset=STAFF)

    class Meta:
        model = ReturnVisitSchedule
        fields = ["project", "name", "rule", "first_date", "staff", "lead_days", "remind_days", "is_active"]


class ReturnVisitScheduleFilter(StrictFilterSet):
    is_active = StrictBooleanFilter()

    class Meta:
        model = ReturnVisitSchedule
        fields = ["project", "staff", "is_active"]


@extend_schema(tags=["return-visits"])
@extend_schema_view(
    create=extend_schema(responses={201: ReturnVisitScheduleOutput}),
    update=extend_schema(responses={200: ReturnVisitScheduleOutput}),
    partial_update=extend_schema(responses={200: ReturnVisitScheduleOutput}),
)
class ReturnVisitScheduleViewSet(
    WriteThroughServicesMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Recurring return visits of a project, as inspection schedules: an RFC 5545 rule from a
    first date; each visit is created ``lead_days`` ahead, its maker reminded ``remind_days``
    before and it is flagged overdue when its date passes undone. Customers read their
    organisation's; managers and admins write. Stop one with ``is_active`` false."""

    permission_classes = [ReadAnyWriteManagers]
    input_serializer = ReturnVisitScheduleInput
    output_serializer = ReturnVisitScheduleOutput
    filterset_class = ReturnVisitScheduleFilter

    def get_queryset(self):
        return selectors.return_visit_schedule_list(user=self.request.user)

    def service_create(self, *, actor, **fields):
        return services.return_visit_schedule_save(actor=actor, **fields)

    def service_update(self, actor, instance, fields):
        return services.return_visit_schedule_save(schedule=instance, actor=actor, **fields)
