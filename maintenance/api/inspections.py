"""API: /api/v1/inspection-schedules/, /api/v1/inspections/ (record, complete, cancel, the
customer's sign-off) and /api/v1/return-visits/ (done)."""

import django_filters
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.permissions import ReadAnyWriteManagers, ReadAnyWriteStaff
from core.api import WriteThroughServicesMixin, site_url
from core.api_input import (
    InputSerializer,
    ScopedPrimaryKeyField,
    StrictCharField,
    StrictDateField,
    StrictIntegerField,
    StrictPrimaryKeyRelatedField,
)
from core.filters import StrictBooleanFilter, StrictFilterSet
from maintenance import selectors, services
from maintenance.api.shared import (
    STAFF,
    _active_projects,
    _tickets,
)
from maintenance.models import (
    ChecklistTemplate,
    Inspection,
    InspectionAnswer,
    InspectionPhoto,
    InspectionSchedule,
    ReturnVisit,
)

# --- inspection schedules -----------------------------------------------------------------


class ScheduleOutput(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    engineer_name = serializers.CharField(source="engineer.__str__", read_only=True)
    checklist_name = serializers.CharField(source="checklist.name", read_only=True)

    class Meta:
        model = InspectionSchedule
        fields = [
            "id",
            "project",
            "project_name",
            "name",
            "rule",
            "first_date",
            "engineer",
            "engineer_name",
            "checklist",
            "checklist_name",
            "lead_days",
            "is_active",
            "created_at",
            "updated_at",
        ]


class ScheduleInput(InputSerializer):
    project = ScopedPrimaryKeyField(scope=_active_projects)
    engineer = StrictPrimaryKeyRelatedField(queryset=STAFF)
    checklist = StrictPrimaryKeyRelatedField(queryset=ChecklistTemplate.objects.all())

    class Meta:
        model = InspectionSchedule
        fields = ["project", "name", "rule", "first_date", "engineer", "checklist", "lead_days", "is_active"]


class ScheduleFilter(StrictFilterSet):
    is_active = StrictBooleanFilter()

    class Meta:
        model = InspectionSchedule
        fields = ["project", "engineer", "is_active"]


@extend_schema(tags=["inspections"])
@extend_schema_view(
    create=extend_schema(responses={201: ScheduleOutput}),
    update=extend_schema(responses={200: ScheduleOutput}),
    partial_update=extend_schema(responses={200: ScheduleOutput}),
)
class InspectionScheduleViewSet(
    WriteThroughServicesMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Recurring inspections of a project: an RFC 5545 rule (``FREQ=MONTHLY;INTERVAL=3`` is
    quarterly) from a first date; each visit is created ``lead_days`` ahead. Customers read
    their organisation's; managers and admins write. Stop one with ``is_active`` false."""

    permission_classes = [ReadAnyWriteManagers]
    input_serializer = ScheduleInput
    output_serializer = ScheduleOutput
    filterset_class = ScheduleFilter

    def get_queryset(self):
        return selectors.schedule_list(user=self.request.user)

    def service_create(self, *, actor, **fields):
        return services.schedule_save(**fields)

    def service_update(self, actor, instance, fields):
        return services.schedule_save(schedule=instance, **fields)


# --- inspections and health checks --------------------------------------------------------


class AnswerOutput(serializers.ModelSerializer):
    class Meta:
        model = InspectionAnswer
        fields = ["id", "position", "section", "label", "answer_kind", "unit", "result", "value", "note"]


class PhotoOutput(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = InspectionPhoto
        fields = ["id", "caption", "url", "uploaded_by", "uploaded_at"]

    def get_url(self, photo) -> str:
        return site_url(reverse("maintenance:photo", args=[photo.inspection_id, photo.pk]))


class InspectionOutput(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    engineer_name = serializers.CharField(source="engineer.__str__", read_only=True)
    overdue = serializers.SerializerMethodField(help_text="Still open after its due date.")
    overdue_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="When it was flagged overdue.")
    report_url = serializers.SerializerMethodField(help_text="The PDF report, once the visit is completed.")
    signed_off = serializers.BooleanField(
        source="is_signed_off", read_only=True, help_text="The customer signed the completed report off."
    )

    class Meta:
        model = Inspection
        fields = [
            "id",
            "project",
            "project_name",
            "schedule",
            "kind",
            "title",
            "due_date",
            "engineer",
            "engineer_name",
            "status",
            "overdue",
            "overdue_at",
            "started_at",
            "completed_at",
            "findings",
            "recommendations",
            "report_url",
            "signed_off",
            "signed_off_at",
            "signed_off_name",
            "signed_off_on",
            "sign_off_remarks",
            "created_at",
            "updated_at",
        ]

    # what the visit recorded: a customer gets it once the visit is completed (the selector decides)
    RESULT_FIELDS = ("findings", "recommendations", "answers", "photos")

    def to_representation(self, inspection):
        data = super().to_representation(inspection)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None or not selectors.inspection_results_visible(user=user, inspection=inspection):
            for name in self.RESULT_FIELDS:
                if name in data:
                    data[name] = [] if isinstance(data[name], list) else ""
        return data

    def get_overdue(self, inspection) -> bool:
        return inspection.is_overdue

    def get_report_url(self, inspection) -> str | None:
        if inspection.status != Inspection.Status.COMPLETED:
            return None
        return site_url(reverse("maintenance:inspection_pdf", args=[inspection.pk]))


class InspectionDetailOutput(InspectionOutput):
    answers = AnswerOutput(many=True, read_only=True)
    photos = PhotoOutput(many=True, read_only=True)

    class Meta(InspectionOutput.Meta):
        fields = [*InspectionOutput.Meta.fields, "answers", "photos"]


class HealthCheckInput(serializers.Serializer):
    project = ScopedPrimaryKeyField(scope=_active_projects)
    engineer = StrictPrimaryKeyRelatedField(queryset=STAFF)
    due_date = StrictDateField()
    title = StrictCharField(max_length=200)
    checklist = StrictPrimaryKeyRelatedField(
        queryset=ChecklistTemplate.objects.all(), required=False, allow_null=True, help_text="Copied onto the visit."
    )
    kind = serializers.ChoiceField(choices=Inspection.Kind.choices, default=Inspection.Kind.HEALTH_CHECK)


class AnswerInput(serializers.Serializer):
    id = StrictIntegerField(help_text="An answer id of this visit's checklist.")
    result = serializers.ChoiceField(
        choices=InspectionAnswer.Result.choices, required=False, allow_blank=True, help_text="Pass/fail checks only."
    )
    value = StrictCharField(max_length=500, required=False, allow_blank=True)
    note = StrictCharField(max_length=500, required=False, allow_blank=True)


class InspectionRecordInput(serializers.Serializer):
    answers = AnswerInput(many=True, required=False)
    findings = StrictCharField(required=False, allow_blank=True)
    recommendations = StrictCharField(required=False, allow_blank=True)

    def validate_answers(self, answers: list[dict]) -> list[dict]:
        ids = [answer["id"] for answer in answers]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError(_("Give each answer once."))
        return answers


class InspectionCancelInput(serializers.Serializer):
    reason = StrictCharField()


class InspectionSignOffInput(serializers.Serializer):
    name = StrictCharField(max_length=120, help_text="Who signs, as written on the report.")
    signed_on = StrictDateField(required=False, help_text="The date of the signature; default: today.")
    remarks = StrictCharField(required=False, allow_blank=True, default="")


class InspectionFilter(StrictFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Inspection.Status.choices)
    kind = django_filters.ChoiceFilter(choices=Inspection.Kind.choices)
    overdue = StrictBooleanFilter(method="filter_overdue", help_text="Still open after the due date.")
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")

    class Meta:
        model = Inspection
        fields = ["status", "kind", "project", "engineer", "schedule", "overdue", "due_after", "due_before"]

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(Inspection.overdue_q()) if value else queryset.exclude(Inspection.overdue_q())


@extend_schema(tags=["inspections"])
class InspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Inspection visits and ad hoc health checks. Customers read their organisation's (and
    download the report of a completed one from ``report_url``); staff record them, managers
    cancel them."""

    permission_classes = [ReadAnyWriteStaff]
    filterset_class = InspectionFilter
    ordering_fields = ["due_date", "completed_at"]

    def get_serializer_class(self):
        return InspectionOutput if self.action == "list" else InspectionDetailOutput

    def get_queryset(self):
        queryset = selectors.inspection_list(user=self.request.user)
        return queryset if self.action == "list" else queryset.prefetch_related("answers", "photos")

    def _answer(self, inspection: Inspection, code: int = status.HTTP_200_OK) -> Response:
        inspection = self.get_queryset().get(pk=inspection.pk)
        return Response(InspectionDetailOutput(inspection, context=self.get_serializer_context()).data, status=code)

    def _input(self, serializer_class: type[serializers.Serializer]) -> dict:
        data = serializer_class(data=self.request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    @extend_schema(request=HealthCheckInput, responses={201: InspectionDetailOutput})
    def create(self, request):
        """An ad hoc health check (or an extra inspection) outside any schedule (staff)."""
        inspection = services.health_check_create(actor=request.user, **self._input(HealthCheckInput))
        return self._answer(inspection, status.HTTP_201_CREATED)

    @extend_schema(request=InspectionRecordInput, responses={200: InspectionDetailOutput})
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        """Save answers, findings and recommendations so far; the visit is then in progress."""
        inspection = self.get_object()
        fields = self._input(InspectionRecordInput)
        answers = {
            answer["id"]: {key: answer[key] for key in ("result", "value", "note") if key in answer}
            for answer in fields.pop("answers", [])
        }
        services.inspection_record(inspection_id=inspection.pk, actor=request.user, answers=answers, **fields)
        return self._answer(inspection)

    @extend_schema(request=None, responses={200: InspectionDetailOutput})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Close the visit (every pass/fail check answered, findings written): its report is ready."""
        inspection = self.get_object()
        services.inspection_complete(inspection_id=inspection.pk, actor=request.user)
        return self._answer(inspection)

    @extend_schema(request=InspectionSignOffInput, responses={200: InspectionDetailOutput})
    @action(detail=True, methods=["post"], url_path="sign-off", permission_classes=[IsAuthenticated])
    def sign_off(self, request, pk=None):
        """The customer signs the completed report off (name, date, remarks), once; a user of
        another organisation gets 404, staff 403."""
        inspection = self.get_object()
        services.inspection_sign_off(
            inspection_id=inspection.pk, actor=request.user, **self._input(InspectionSignOffInput)
        )
        return self._answer(inspection)

    @extend_schema(request=InspectionCancelInput, responses={200: InspectionDetailOutput})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel an open visit, saying why (managers)."""
        inspection = self.get_object()
        services.inspection_cancel(
            inspection_id=inspection.pk, actor=request.user, **self._input(InspectionCancelInput)
        )
        return self._answer(inspection)


# --- return visits ------------------------------------------------------------------------


class ReturnVisitOutput(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    ticket_reference = serializers.SerializerMethodField()
    staff_name = serializers.CharField(source="staff.__str__", read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True, help_text="Still planned after its date.")

    class Meta:
        model = ReturnVisit
        fields = [
            "id",
            "project",
            "project_name",
            "schedule",
            "ticket",
            "ticket_reference",
            "scheduled_for",
            "overdue",
            "overdue_at",
            "staff",
            "staff_name",
            "contact_name",
            "status",
            "done_at",
            "notes",
            "satisfaction",
            "suggestions",
            "created_at",
            "updated_at",
        ]

    def get_ticket_reference(self, visit) -> str | None:
        return visit.ticket.reference if visit.ticket_id else None


class ReturnVisitInput(InputSerializer):
    project = ScopedPrimaryKeyField(scope=_active_projects)
    ticket = ScopedPrimaryKeyField(
        scope=_tickets, required=False, allow_null=True, help_text="The ticket followed up (of the same project)."
    )
    staff = StrictPrimaryKeyRelatedField(queryset=STAFF, required=False, help_text="Who calls; default: you.")

    class Meta:
        model = ReturnVisit
        fields = ["project", "ticket", "scheduled_for", "staff", "contact_name"]


class ReturnVisitDoneInput(serializers.Serializer):
    notes = StrictCharField(help_text="What the customer said.")
    satisfaction = StrictIntegerField(
        min_value=1, max_value=5, default=None, allow_null=True, help_text="1 (very dissatisfied) to 5; may be empty."
    )
    suggestions = StrictCharField(required=False, allow_blank=True, default="")
    contact_name = StrictCharField(max_length=120, required=False, allow_blank=True, default="")


class ReturnVisitFilter(StrictFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ReturnVisit.Status.choices)
    overdue = StrictBooleanFilter(method="filter_overdue", help_text="true: still planned after its date.")

    class Meta:
        model = ReturnVisit
        fields = ["status", "project", "ticket", "staff", "schedule", "overdue"]

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(ReturnVisit.overdue_q()) if value else queryset.exclude(ReturnVisit.overdue_q())


@extend_schema(tags=["return-visits"])
@extend_schema_view(
    create=extend_schema(responses={201: ReturnVisitOutput}),
    update=extend_schema(responses={200: ReturnVisitOutput}),
    partial_update=extend_schema(responses={200: ReturnVisitOutput}),
)
class ReturnVisitViewSet(
    WriteThroughServicesMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Scheduled return visits (回访) and what the customer said. Customers read their
    organisation's; staff plan them (a planned one may change) and record them done."""

    permission_classes = [ReadAnyWriteStaff]
    input_serializer = ReturnVisitInput
    output_serializer = ReturnVisitOutput
    filterset_class = ReturnVisitFilter
    ordering_fields = ["scheduled_for", "done_at"]

    def get_queryset(self):
        return selectors.return_visit_list(user=self.request.user)

    def service_create(self, *, actor, **fields):
        fields.setdefault("staff", actor)
        return services.return_visit_save(actor=actor, **fields)

    def service_update(self, actor, instance, fields):
        return services.return_visit_save(visit=instance, actor=actor, **fields)

    @extend_schema(request=ReturnVisitDoneInput, responses={200: ReturnVisitOutput})
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        """The visit was made: notes, the 1-5 satisfaction score and suggestions (staff)."""
        visit = self.get_object()
        data = ReturnVisitDoneInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.return_visit_done(visit_id=visit.pk, actor=request.user, **data.validated_data)
        return self._answer(visit, status.HTTP_200_OK)
