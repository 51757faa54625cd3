"""API: /api/v1/warranty-terms/, /api/v1/warranties/ (with the coverage check), /api/v1/contracts/,
and the coverage and billable work of a ticket (/api/v1/tickets/<id>/coverage/, .../billable-items/)."""

from decimal import Decimal
from functools import cached_property

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import ReadAnyWriteManagers, StaffReadAdminWrite
from core.api import WriteThroughServicesMixin, user_name
from core.api_input import (
    InputSerializer,
    ScopedPrimaryKeyField,
    StrictCharField,
    StrictDateField,
    StrictDecimalField,
    StrictPrimaryKeyRelatedField,
)
from core.filters import StrictFilterSet
from core.time import desk_today
from maintenance import coverage, selectors, services
from maintenance.api.shared import (
    WARRANTY_STATUSES,
    CauseListField,
    ServiceListField,
    _assets,
    _distinct,
    _projects,
    _query,
)
from maintenance.models import (
    BillableItem,
    Cause,
    Decision,
    Service,
    ServiceContract,
    Warranty,
    WarrantyTerms,
)
from tickets.models import Ticket
from tickets.selectors import ticket_get

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
        return coverage.warranty_status(record, desk_today())


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
        return queryset.filter(coverage.status_filter(value, desk_today()))


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
        day = query.get("date") or desk_today()
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
        return coverage.warranty_status(record, desk_today())


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
        return queryset.filter(coverage.status_filter(value, desk_today()))


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
        "decided_by_name": user_name(decided.decided_by),
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
