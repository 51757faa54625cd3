"""API: /api/v1/assets/, the installed products of the delivered projects, with their serial
numbers and warranty status, and ``GET /api/v1/assets/<id>/history/``, the service history of
one asset.

It lives in maintenance (not customers) because the warranty status is maintenance's: customers
is a lower layer. Everyone signed in reads within their scope (a customer its organisation's
assets; another organisation's is a 404); staff create and change, through the customers
services (a serial number names one asset of a project: a duplicate is a 400).
"""

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.permissions import ReadAnyWriteStaff
from core.api import WriteThroughServicesMixin
from core.api_input import InputSerializer, ScopedPrimaryKeyField, StrictCharField
from core.filters import StrictFilterSet, StrictIntegerFilter
from core.time import desk_today
from customers import selectors as customer_selectors
from customers import services as customer_services
from customers.asset_history import asset_history
from customers.models import InstalledProduct
from maintenance import coverage
from maintenance.api.shared import WARRANTY_STATUSES, _active_projects

ASSET_WARRANTY_STATUSES = [*WARRANTY_STATUSES, (coverage.NO_WARRANTY, "No warranty")]


class AssetWarrantyOutput(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=ASSET_WARRANTY_STATUSES,
        help_text="Today: the asset's own warranty in force before its project's; none: no warranty at all.",
    )
    end_date = serializers.DateField(allow_null=True, help_text="The last day covered.")
    scope = serializers.ChoiceField(
        choices=[("asset", "asset"), ("project", "project")],
        allow_null=True,
        help_text="asset: a warranty of this asset; project: the whole project's.",
    )
    warranty = serializers.IntegerField(allow_null=True)


class AssetOutput(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    organisation = serializers.IntegerField(source="project.organisation_id", read_only=True)
    organisation_name = serializers.CharField(source="project.organisation.name", read_only=True)
    product = serializers.CharField(source="name", read_only=True)
    warranty = serializers.SerializerMethodField()

    class Meta:
        model = InstalledProduct
        fields = [
            "id",
            "project",
            "project_name",
            "organisation",
            "organisation_name",
            "product",
            "version",
            "serial_number",
            "quantity",
            "location",
            "installed_on",
            "accepted_on",
            "notes",
            "warranty",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(AssetWarrantyOutput)
    def get_warranty(self, asset: InstalledProduct) -> dict:
        found = self.context.get("warranties", {}).get(asset.pk)
        if found is None:
            found = coverage.asset_warranties([asset], desk_today())[asset.pk]
        return {
            "status": found.status,
            "end_date": found.end_date,
            "scope": found.scope,
            "warranty": found.warranty.pk if found.warranty else None,
        }


class AssetUpdateInput(InputSerializer):
    product = StrictCharField(source="name", max_length=200)

    class Meta:
        model = InstalledProduct
        fields = [
            "product",
            "version",
            "serial_number",
            "quantity",
            "location",
            "installed_on",
            "accepted_on",
            "notes",
        ]


class AssetCreateInput(AssetUpdateInput):
    project = ScopedPrimaryKeyField(scope=_active_projects)

    class Meta(AssetUpdateInput.Meta):
        fields = ["project", *AssetUpdateInput.Meta.fields]


class AssetHistoryEntryOutput(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField(help_text="ticket, incident, inspection, upgrade, part, ...")
    object_id = serializers.IntegerField(help_text="The id of the record in its own resource.")
    reference = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField(help_text="The record's status, in words.")
    url = serializers.CharField(help_text="The record's page.")


class AssetFilter(StrictFilterSet):
    serial = django_filters.CharFilter(
        field_name="serial_number", lookup_expr="iexact", help_text="The serial number, in any letter case."
    )
    project = StrictIntegerFilter(field_name="project_id")

    class Meta:
        model = InstalledProduct
        fields = ["serial", "project"]


@extend_schema(tags=["assets"])
@extend_schema_view(
    create=extend_schema(request=AssetCreateInput, responses={201: AssetOutput}),
    update=extend_schema(request=AssetUpdateInput, responses={200: AssetOutput}),
    partial_update=extend_schema(request=AssetUpdateInput, responses={200: AssetOutput}),
)
class AssetViewSet(
    WriteThroughServicesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Assets: the installed products of the delivered projects, with serial number, location,
    installation and acceptance dates and warranty status. Customers read their organisation's;
    staff create and change them. ``?serial=`` finds an asset by serial number."""

    permission_classes = [ReadAnyWriteStaff]
    input_serializer = AssetCreateInput
    output_serializer = AssetOutput
    filterset_class = AssetFilter
    search_fields = ["name", "serial_number", "location"]
    ordering_fields = ["name", "serial_number", "installed_on", "accepted_on", "created_at"]

    def get_queryset(self) -> QuerySet[InstalledProduct]:
        return customer_selectors.asset_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action in {"update", "partial_update"}:
            return AssetUpdateInput
        return super().get_serializer_class()

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {**self.get_serializer_context(), "warranties": coverage.asset_warranties(page, desk_today())}
        return self.get_paginated_response(AssetOutput(page, many=True, context=context).data)

    def update(self, request, *args, partial=False, **kwargs):
        instance = self.get_object()
        data = AssetUpdateInput(instance, data=request.data, partial=partial, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        instance = self.service_update(request.user, instance, data.validated_data)
        return self._answer(instance, 200)

    def service_create(self, *, actor, project, **fields):
        return customer_services.asset_create(actor=actor, project=project, **fields)

    def service_update(self, actor, instance, fields):
        return customer_services.asset_update(actor=actor, asset=instance, **fields)

    @extend_schema(responses={200: AssetHistoryEntryOutput(many=True)}, filters=False)
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None):
        """Every ticket and incident naming the asset, the completed inspections of its project,
        its upgrades and the parts replaced in it, oldest first (what the caller may see)."""
        asset = self.get_object()
        entries = asset_history(asset=asset, user=request.user)
        return Response(AssetHistoryEntryOutput(entries, many=True).data)
