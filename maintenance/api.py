"""API of the maintenance module.

- /api/v1/warranty-terms/ (staff read, admins write), /api/v1/warranties/ (with
  ``GET .../<id>/coverage/?date=``), /api/v1/contracts/;
- the coverage of a ticket, /api/v1/tickets/<id>/coverage/, and its billable work,
  /api/v1/tickets/<id>/billable-items/;
- /api/v1/inspection-schedules/, /api/v1/inspections/ (with record, complete and cancel);
- /api/v1/return-visits/ (with done);
- /api/v1/products/, /api/v1/releases/ (with publish) and /api/v1/upgrade-notices/ (with track).

Customers read their own organisation's rows (another organisation's are not found); staff
read everything. Who writes is said per resource. Every write goes through a service.
"""

from decimal import Decimal
from functools import cached_property

import django_filters
from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import ReadAnyWriteManagers, ReadAnyWriteStaff, StaffReadAdminWrite, StaffReadManagersWrite
from accounts.scoping import scope_to_user
from customers.models import InstalledProduct
from maintenance import coverage, selectors, services
from maintenance.models import (
    BillableItem,
    Cause,
    ChecklistTemplate,
    Decision,
    Inspection,
    InspectionAnswer,
    InspectionPhoto,
    InspectionSchedule,
    Product,
    Release,
    ReturnVisit,
    Service,
    ServiceContract,
    UpgradeNotice,
    Warranty,
    WarrantyTerms,
)
from servicedesk.api import WriteThroughServicesMixin
from servicedesk.api_input import (
    InputSerializer,
    ScopedPrimaryKeyField,
    StrictCharField,
    StrictDateField,
    StrictDecimalField,
    StrictIntegerField,
    StrictPrimaryKeyRelatedField,
)
from servicedesk.filters import StrictBooleanFilter, StrictFilterSet
from tickets.models import Ticket
from tickets.selectors import ticket_get, ticket_list

STAFF = User.objects.exclude(role=User.Role.CUSTOMER)
WARRANTY_STATUSES = list(coverage.STATUS_LABELS.items())
TRACK_STATUSES = [
    (value, label)
    for value, label in UpgradeNotice.Status.choices
    if value in (UpgradeNotice.Status.PLANNED, UpgradeNotice.Status.DONE, UpgradeNotice.Status.DECLINED)
]


# --- shared pieces ------------------------------------------------------------------------


def _projects(user: User) -> QuerySet:
    from customers.selectors import project_list

    return project_list(user=user)


def _active_projects(user: User) -> QuerySet:
    return _projects(user).filter(is_active=True)


def _assets(user: User) -> QuerySet[InstalledProduct]:
    return scope_to_user(InstalledProduct.objects.all(), user, organisation_field="project__organisation")


def _tickets(user: User) -> QuerySet[Ticket]:
    return ticket_list(user=user)


def _site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _name(user: User | None) -> str | None:
    return str(user) if user is not None else None


def _query(serializer_class: type[serializers.Serializer], request: Request) -> dict:
    """Query parameters read through a serializer: a bad value is a 400 naming the parameter."""
    data = serializer_class(data=request.query_params.dict())
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


class CauseListField(serializers.ListField):
    child = serializers.ChoiceField(choices=Cause.choices)


class ServiceListField(serializers.ListField):
    child = serializers.ChoiceField(choices=Service.choices)


def _distinct(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


# --- warranty terms -----------------------------------------------------------------------


class WarrantyTermsOutput(serializers.ModelSerializer):
    covered_causes = CauseListField(read_only=True)
    excluded_causes = CauseListField(read_only=True)
    services_included = ServiceListField(read_only=True)
    excluded_services = ServiceListField(read_only=True)

    class Meta:
        model = WarrantyTerms
        fields = [
            "id",
            "name",
            "duration_months",
            "covered_causes",
            "excluded_causes",
            "services_included",
            "excluded_services",
            "description",
            "created_at",
            "updated_at",
        ]


class WarrantyTermsInput(InputSerializer):
    covered_causes = CauseListField(
        required=False, help_text="Default: product_quality and installation. Causes not listed are excluded."
    )
    services_included = ServiceListField(
        required=False, help_text="Default: everything but major_upgrade. Services not listed are excluded."
    )

    class Meta:
        model = WarrantyTerms
        fields = ["name", "duration_months", "covered_causes", "services_included", "description"]
        extra_kwargs = {"name": {"validators": []}}  # checked by the service, with the object in hand

    def validate_covered_causes(self, values: list[str]) -> list[str]:
        return _distinct(values)

    def validate_services_included(self, values: list[str]) -> list[str]:
        return _distinct(values)


@extend_schema(tags=["warranties"])
@extend_schema_view(
    create=extend_schema(responses={201: WarrantyTermsOutput}),
    update=extend_schema(responses={200: WarrantyTermsOutput}),
    partial_update=extend_schema(responses={200: WarrantyTermsOutput}),
)
class WarrantyTermsViewSet(
    WriteThroughServicesMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Warranty terms: the duration and the causes and services covered. Staff read; admins
    configure them (as they configure calendars and SLA policies). Terms that warranties use
    keep their duration: make new terms for another one."""

    permission_classes = [StaffReadAdminWrite]
    input_serializer = WarrantyTermsInput
    output_serializer = WarrantyTermsOutput
    pagination_class = None

    def get_queryset(self):
        return selectors.terms_list()

    def service_create(self, *, actor, **fields):
        return services.terms_save(**fields)

    def service_update(self, actor, instance, fields):
        return services.terms_save(terms=instance, **fields)


# --- warranties ---------------------------------------------------------------------------


class WarrantyOutput(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    asset_name = serializers.SerializerMethodField()
    terms_name = serializers.CharField(source="terms.name", read_only=True)
    covered_causes = CauseListField(source="terms.covered_causes", read_only=True)
    services_included = ServiceListField(source="terms.services_included", read_only=True)
    end_date = serializers.DateField(read_only=True, help_text="The last day covered.")
    status = serializers.SerializerMethodField()

    class Meta:
        model = Warranty
        fields = [
            "id",
            "project",
            "project_name",
            "asset",
            "asset_name",
            "terms",
            "terms_name",
            "covered_causes",
            "services_included",
            "start_date",
            "end_date",
            "status",
            "notes",
            "created_at",
            "updated_at",
        ]

    def get_asset_name(self, record) -> str | None:
        return str(record.asset) if record.asset_id else None

    @extend_schema_field(serializers.ChoiceField(choices=WARRANTY_STATUSES))
    def get_status(self, record) -> str:
        return coverage.warranty_status(record, timezone.localdate())


class WarrantyInput(serializers.Serializer):
    project = ScopedPrimaryKeyField(scope=_projects)
    terms = StrictPrimaryKeyRelatedField(queryset=WarrantyTerms.objects.all())
    start_date = StrictDateField(
        required=False, allow_null=True, help_text="Default: the project's final acceptance date."
    )
    asset = ScopedPrimaryKeyField(
        scope=_assets, required=False, allow_null=True, help_text="An installed product of the project; empty: all."
    )
    notes = StrictCharField(required=False, allow_blank=True)


class WarrantyFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=WARRANTY_STATUSES, method="filter_status")

    class Meta:
        model = Warranty
        fields = ["status", "project", "terms", "asset"]

    def filter_status(self, queryset, name, value):
        return queryset.filter(coverage.status_filter(value, timezone.localdate()))


class CoverageCheckQuery(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="YYYY-MM-DD; default: today.")
    cause = serializers.ChoiceField(
        choices=Cause.choices,
        required=False,
        help_text="Also judge a fault of this cause on that day, if the warranty is in force then: the free/billable "
        "verdict for a repair at the warranty's project (and asset), which the covered causes of the warranty (or of "
        "a service contract in force) decide.",
    )


class CoverageCheckOutput(serializers.Serializer):
    covered = serializers.BooleanField()
    reason = serializers.CharField()


@extend_schema(tags=["warranties"])
@extend_schema_view(
    create=extend_schema(responses={201: WarrantyOutput}),
    update=extend_schema(responses={200: WarrantyOutput}),
    partial_update=extend_schema(responses={200: WarrantyOutput}),
)
class WarrantyViewSet(
    WriteThroughServicesMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Warranties of delivered projects (or one installed asset). A warranty starts on the
    project's final acceptance date unless ``start_date`` is given, and ``end_date`` is its last
    day covered. Customers read their organisation's; managers and admins write."""

    permission_classes = [ReadAnyWriteManagers]
    input_serializer = WarrantyInput
    output_serializer = WarrantyOutput
    filterset_class = WarrantyFilter
    ordering_fields = ["end_date", "start_date"]

    def get_queryset(self):
        return selectors.warranty_list(user=self.request.user)

    def service_create(self, *, actor, **fields):
        return services.warranty_save(**fields)

    def service_update(self, actor, instance, fields):
        if self.request.method == "PATCH":
            current = {"project": instance.project, "terms": instance.terms, "start_date": instance.start_date}
            fields = {**current, "asset": instance.asset, "notes": instance.notes, **fields}
        return services.warranty_save(warranty=instance, **fields)

    @extend_schema(parameters=[CoverageCheckQuery], responses={200: CoverageCheckOutput})
    @action(detail=True, methods=["get"])
    def coverage(self, request, pk=None):
        """Whether the warranty covers a day, and why."""
        record = self.get_object()
        query = _query(CoverageCheckQuery, request)
        day = query.get("date") or timezone.localdate()
        covered, reason = coverage.warranty_in_force(record, day)
        if covered and "cause" in query:
            found = coverage.verdict(
                project_id=record.project_id,
                asset_id=record.asset_id,
                on=day,
                cause=query["cause"],
                service=Service.REPAIR,
            )
            covered, reason = found.free, found.reason
        return Response(CoverageCheckOutput({"covered": covered, "reason": reason}).data)


# --- service contracts --------------------------------------------------------------------


class ContractOutput(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    asset_name = serializers.SerializerMethodField()
    covered_causes = CauseListField(read_only=True)
    services_included = ServiceListField(read_only=True)
    end_date = serializers.DateField(read_only=True, help_text="The last day covered.")
    status = serializers.SerializerMethodField()

    class Meta:
        model = ServiceContract
        fields = [
            "id",
            "number",
            "project",
            "project_name",
            "asset",
            "asset_name",
            "start_date",
            "end_date",
            "status",
            "service_level",
            "price_terms",
            "covered_causes",
            "services_included",
            "notes",
            "created_at",
            "updated_at",
        ]

    def get_asset_name(self, record) -> str | None:
        return str(record.asset) if record.asset_id else None

    @extend_schema_field(serializers.ChoiceField(choices=WARRANTY_STATUSES))
    def get_status(self, record) -> str:
        return coverage.warranty_status(record, timezone.localdate())


class ContractInput(InputSerializer):
    project = ScopedPrimaryKeyField(scope=_projects)
    asset = ScopedPrimaryKeyField(scope=_assets, required=False, allow_null=True)
    covered_causes = CauseListField(required=False, help_text="Default: product_quality and installation.")
    services_included = ServiceListField(required=False, help_text="Default: everything but major_upgrade.")

    class Meta:
        model = ServiceContract
        fields = [
            "number",
            "project",
            "asset",
            "start_date",
            "end_date",
            "service_level",
            "price_terms",
            "covered_causes",
            "services_included",
            "notes",
        ]
        extra_kwargs = {"number": {"validators": []}, "end_date": {"help_text": "The last day covered."}}

    def validate_covered_causes(self, values: list[str]) -> list[str]:
        return _distinct(values)

    def validate_services_included(self, values: list[str]) -> list[str]:
        return _distinct(values)


class ContractFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=WARRANTY_STATUSES, method="filter_status")

    class Meta:
        model = ServiceContract
        fields = ["status", "project", "asset", "number"]

    def filter_status(self, queryset, name, value):
        return queryset.filter(coverage.status_filter(value, timezone.localdate()))


@extend_schema(tags=["warranties"])
@extend_schema_view(
    create=extend_schema(responses={201: ContractOutput}),
    update=extend_schema(responses={200: ContractOutput}),
    partial_update=extend_schema(responses={200: ContractOutput}),
)
class ContractViewSet(
    WriteThroughServicesMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Paid service contracts (period, service level, price terms, what they cover). Customers
    read their organisation's; managers and admins write. Nothing is deleted: a decided
    ticket coverage may point at a contract."""

    permission_classes = [ReadAnyWriteManagers]
    input_serializer = ContractInput
    output_serializer = ContractOutput
    filterset_class = ContractFilter
    ordering_fields = ["end_date", "start_date"]

    def get_queryset(self):
        return selectors.contract_list(user=self.request.user)

    def service_create(self, *, actor, **fields):
        return services.contract_save(**fields)

    def service_update(self, actor, instance, fields):
        return services.contract_save(contract=instance, **fields)


# --- the coverage of a ticket and its billable work ---------------------------------------


class TicketCoverageOutput(serializers.Serializer):
    decided = serializers.BooleanField(
        help_text="false: nobody has attributed the root cause yet; decision and reason are then the provisional "
        "verdict for a fault of unknown cause."
    )
    cause = serializers.ChoiceField(choices=Cause.choices, allow_null=True)
    decision = serializers.ChoiceField(choices=Decision.choices)
    reason = serializers.CharField()
    warranty = serializers.IntegerField(allow_null=True, help_text="The warranty the verdict rests on.")
    contract = serializers.IntegerField(allow_null=True, help_text="The service contract the verdict rests on.")
    decided_by = serializers.IntegerField(allow_null=True)
    decided_by_name = serializers.CharField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)


class TicketCoverageInput(serializers.Serializer):
    cause = serializers.ChoiceField(choices=Cause.choices, help_text="The root cause the engineer attributes.")


def _coverage_answer(ticket: Ticket) -> dict:
    decided = selectors.ticket_coverage(ticket_id=ticket.pk)
    if decided is None:
        found = services.ticket_verdict(ticket, None)
        return {
            "decided": False,
            "cause": None,
            "decision": found.decision,
            "reason": found.reason,
            "warranty": found.warranty.pk if found.warranty else None,
            "contract": found.contract.pk if found.contract else None,
            "decided_by": None,
            "decided_by_name": None,
            "decided_at": None,
        }
    return {
        "decided": True,
        "cause": decided.cause,
        "decision": decided.decision,
        "reason": decided.reason,
        "warranty": decided.warranty_id,
        "contract": decided.contract_id,
        "decided_by": decided.decided_by_id,
        "decided_by_name": _name(decided.decided_by),
        "decided_at": decided.updated_at,
    }


def _require_staff(user: User) -> None:
    if not user.is_staff_member:
        raise PermissionDenied(_("Only staff can do this."))


@extend_schema(tags=["tickets"])
class TicketCoverageView(APIView):
    """Free or billable: the coverage of a fault ticket, from the warranty or contract in force
    on the day it was received. Customers read their organisation's; staff decide."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: TicketCoverageOutput})
    def get(self, request, ticket_id: int):
        """The decided coverage, or (``decided`` false) the provisional verdict."""
        ticket = ticket_get(user=request.user, pk=ticket_id)
        return Response(TicketCoverageOutput(_coverage_answer(ticket)).data)

    @extend_schema(request=TicketCoverageInput, responses={200: TicketCoverageOutput})
    def post(self, request, ticket_id: int):
        """Record the root cause and decide (staff); deciding again replaces the decision."""
        ticket = ticket_get(user=request.user, pk=ticket_id)
        _require_staff(request.user)
        data = TicketCoverageInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.coverage_decide(ticket_id=ticket.pk, actor=request.user, cause=data.validated_data["cause"])
        return Response(TicketCoverageOutput(_coverage_answer(ticket)).data)


class BillableItemOutput(serializers.ModelSerializer):
    quantity = serializers.DecimalField(max_digits=8, decimal_places=2, coerce_to_string=False, read_only=True)
    recorded_by_name = serializers.CharField(source="recorded_by.__str__", read_only=True)

    class Meta:
        model = BillableItem
        fields = ["id", "ticket", "kind", "description", "quantity", "recorded_by", "recorded_by_name", "recorded_at"]


class BillableItemInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=BillableItem.Kind.choices)
    description = StrictCharField(max_length=200)
    quantity = StrictDecimalField(
        max_digits=8,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("99999"),
        coerce_to_string=False,
        help_text="Hours for labour, pieces for parts (at most two decimals).",
    )


@extend_schema(tags=["tickets"], parameters=[OpenApiParameter("ticket_id", int, OpenApiParameter.PATH)])
class BillableItemViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Billable work on a ticket: labour hours and parts. Customers read their organisation's;
    staff record and remove."""

    permission_classes = [IsAuthenticated]
    serializer_class = BillableItemOutput
    pagination_class = None
    lookup_url_kwarg = "item_id"
    lookup_value_regex = "[0-9]+"

    @cached_property
    def ticket(self) -> Ticket:
        return ticket_get(user=self.request.user, pk=self.kwargs["ticket_id"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no ticket
            return BillableItem.objects.none()
        return selectors.billable_items(ticket_id=self.ticket.pk)

    @extend_schema(request=BillableItemInput, responses={201: BillableItemOutput})
    def create(self, request, ticket_id=None):
        ticket = self.ticket
        _require_staff(request.user)
        data = BillableItemInput(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.billable_item_add(ticket_id=ticket.pk, actor=request.user, **data.validated_data)
        item = self.get_queryset().get(pk=item.pk)
        return Response(BillableItemOutput(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[OpenApiParameter("item_id", int, OpenApiParameter.PATH)])
    def destroy(self, request, ticket_id=None, item_id=None):
        item = self.get_object()
        _require_staff(request.user)
        services.billable_item_remove(item=item, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


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
        return _site_url(reverse("maintenance:photo", args=[photo.inspection_id, photo.pk]))


class InspectionOutput(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    engineer_name = serializers.CharField(source="engineer.__str__", read_only=True)
    overdue = serializers.SerializerMethodField(help_text="Still open after its due date.")
    overdue_at = serializers.DateTimeField(read_only=True, allow_null=True, help_text="When it was flagged overdue.")
    report_url = serializers.SerializerMethodField(help_text="The PDF report, once the visit is completed.")

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
            "created_at",
            "updated_at",
        ]

    def get_overdue(self, inspection) -> bool:
        return inspection.is_open and inspection.due_date < timezone.localdate()

    def get_report_url(self, inspection) -> str | None:
        if inspection.status != Inspection.Status.COMPLETED:
            return None
        return _site_url(reverse("maintenance:inspection_pdf", args=[inspection.pk]))


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
        late = Q(status__in=Inspection.OPEN_STATUSES, due_date__lt=timezone.localdate())
        return queryset.filter(late) if value else queryset.exclude(late)


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

    class Meta:
        model = ReturnVisit
        fields = [
            "id",
            "project",
            "project_name",
            "ticket",
            "ticket_reference",
            "scheduled_for",
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

    class Meta:
        model = ReturnVisit
        fields = ["status", "project", "ticket", "staff"]


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


# --- products, releases and upgrade notices -----------------------------------------------


class ProductOutput(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "name", "description", "created_at", "updated_at"]


class ProductInput(InputSerializer):
    class Meta:
        model = Product
        fields = ["name", "description"]
        extra_kwargs = {"name": {"validators": []}}  # checked by the service, with the object in hand


@extend_schema(tags=["releases"])
@extend_schema_view(
    create=extend_schema(responses={201: ProductOutput}),
    update=extend_schema(responses={200: ProductOutput}),
    partial_update=extend_schema(responses={200: ProductOutput}),
)
class ProductViewSet(
    WriteThroughServicesMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The products the vendor ships (staff read; managers and admins write). A project runs a
    product when one of its installed products has the same name."""

    permission_classes = [StaffReadManagersWrite]
    input_serializer = ProductInput
    output_serializer = ProductOutput
    pagination_class = None

    def get_queryset(self):
        return Product.objects.all()

    def service_create(self, *, actor, **fields):
        return services.product_save(**fields)

    def service_update(self, actor, instance, fields):
        return services.product_save(product=instance, **fields)


class UpgradeNoticeOutput(serializers.ModelSerializer):
    product_name = serializers.CharField(source="release.product.name", read_only=True)
    version = serializers.CharField(source="release.version", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)
    installed_product_name = serializers.CharField(source="installed_product.name", read_only=True)
    serial_number = serializers.CharField(source="installed_product.serial_number", read_only=True)
    done_by_name = serializers.SerializerMethodField()

    class Meta:
        model = UpgradeNotice
        fields = [
            "id",
            "release",
            "product_name",
            "version",
            "project",
            "project_name",
            "installed_product",
            "installed_product_name",
            "serial_number",
            "from_version",
            "decision",
            "reason",
            "status",
            "planned_for",
            "done_at",
            "done_by",
            "done_by_name",
            "notes",
            "created_at",
            "updated_at",
        ]

    def get_done_by_name(self, notice) -> str | None:
        return _name(notice.done_by) if notice.done_by_id else None


class ReleaseOutput(serializers.ModelSerializer):
    product_name = serializers.CharField(source="product.name", read_only=True)
    notices = UpgradeNoticeOutput(
        many=True, read_only=True, help_text="Where the release went (customers: their own projects only)."
    )

    class Meta:
        model = Release
        fields = [
            "id",
            "product",
            "product_name",
            "version",
            "released_on",
            "kind",
            "security_advisory",
            "notes",
            "published_at",
            "notices",
            "created_at",
            "updated_at",
        ]


class ReleaseInput(InputSerializer):
    class Meta:
        model = Release
        fields = ["product", "version", "released_on", "kind", "security_advisory", "notes"]
        validators: list = []  # (product, version) is checked by the service


class PublishOutput(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many notices this call made.")
    notices = UpgradeNoticeOutput(many=True, help_text="Every notice of the release.")


class ReleaseFilter(StrictFilterSet):
    security_advisory = StrictBooleanFilter()
    published = StrictBooleanFilter(field_name="published_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Release
        fields = ["product", "kind", "security_advisory", "published"]


@extend_schema(tags=["releases"])
class ReleaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Releases of the products (version, date, kind, security advisory, notes). Staff read
    every release; a customer those that reached its projects, with only its own notices.
    Managers and admins record and publish them."""

    permission_classes = [ReadAnyWriteManagers]
    serializer_class = ReleaseOutput
    filterset_class = ReleaseFilter
    ordering_fields = ["released_on"]

    def get_queryset(self):
        return selectors.release_list(user=self.request.user)

    @extend_schema(request=ReleaseInput, responses={201: ReleaseOutput})
    def create(self, request):
        """Record a release; it reaches nobody until it is published."""
        data = ReleaseInput(data=request.data)
        data.is_valid(raise_exception=True)
        release = services.release_save(**data.validated_data)
        release = self.get_queryset().get(pk=release.pk)
        return Response(ReleaseOutput(release).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: PublishOutput})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Send the release to every active project that runs its product at another version,
        each with the free/paid decision of the warranty or contract in force today. Publishing
        again reaches only the installations it has not reached."""
        release = self.get_object()
        count = services.release_publish(release_id=release.pk, actor=request.user)
        release = self.get_queryset().get(pk=release.pk)
        return Response(PublishOutput({"count": count, "notices": release.notices.all()}).data)


class NoticeTrackInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=TRACK_STATUSES, help_text="done and declined are final.")
    planned_for = StrictDateField(required=False, allow_null=True, help_text="planned: required.")
    notes = StrictCharField(required=False, allow_blank=True)


class NoticeFilter(StrictFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=UpgradeNotice.Status.choices)

    class Meta:
        model = UpgradeNotice
        fields = ["status", "decision", "release", "project"]


@extend_schema(tags=["releases"])
class UpgradeNoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A release reaching one installed product of a project, the free/paid decision and the
    upgrade's progress. Customers read their organisation's; staff track the upgrade."""

    permission_classes = [ReadAnyWriteStaff]
    serializer_class = UpgradeNoticeOutput
    filterset_class = NoticeFilter

    def get_queryset(self):
        return selectors.notice_list(user=self.request.user).select_related("done_by")

    @extend_schema(request=NoticeTrackInput, responses={200: UpgradeNoticeOutput})
    @action(detail=True, methods=["post"])
    def track(self, request, pk=None):
        """Planned (for a date), done (the project now runs the release) or declined."""
        notice = self.get_object()
        data = NoticeTrackInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.notice_update(notice_id=notice.pk, actor=request.user, **data.validated_data)
        notice = self.get_queryset().get(pk=notice.pk)
        return Response(UpgradeNoticeOutput(notice).data)
