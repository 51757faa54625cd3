"""API: /api/v1/parts/ (the catalogue), /api/v1/stock-locations/ and /api/v1/stock/ (staff
read; managers and admins add and change parts)."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from accounts.permissions import IsStaffMember, StaffReadManagersWrite
from core.api import WriteThroughServicesMixin, user_name
from core.api_input import InputSerializer, StrictDecimalField, StrictIntegerField
from core.filters import StrictBooleanFilter, StrictFilterSet, StrictIntegerFilter
from parts import selectors, services
from parts.models import Part, Stock, StockLocation


class StockOutput(serializers.ModelSerializer):
    part_number = serializers.CharField(source="part.part_number", read_only=True)
    location_name = serializers.CharField(source="location.name", read_only=True)
    available = serializers.IntegerField(read_only=True, help_text="On hand less reserved.")
    low = serializers.BooleanField(
        source="is_low", read_only=True, help_text="Available at or below the low-stock level."
    )

    class Meta:
        model = Stock
        fields = [
            "id",
            "part",
            "part_number",
            "location",
            "location_name",
            "on_hand",
            "reserved",
            "available",
            "low_level",
            "low",
            "updated_at",
        ]


class PartStockOutput(serializers.ModelSerializer):
    location_name = serializers.CharField(source="location.name", read_only=True)
    available = serializers.IntegerField(read_only=True)
    low = serializers.BooleanField(source="is_low", read_only=True)

    class Meta:
        model = Stock
        fields = ["location", "location_name", "on_hand", "reserved", "available", "low_level", "low"]


class PartOutput(serializers.ModelSerializer):
    unit_price = serializers.DecimalField(max_digits=10, decimal_places=2, coerce_to_string=False, read_only=True)
    fits_names = serializers.SlugRelatedField(
        source="fits", many=True, read_only=True, slug_field="name", help_text="The products it fits, by name."
    )
    stock = PartStockOutput(many=True, read_only=True, help_text="Per location.")

    class Meta:
        model = Part
        fields = [
            "id",
            "part_number",
            "name",
            "description",
            "fits",
            "fits_names",
            "unit_price",
            "is_active",
            "stock",
            "created_at",
            "updated_at",
        ]


class PartInput(InputSerializer):
    unit_price = StrictDecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("99999999"),
        coerce_to_string=False,
        required=False,
    )

    class Meta:
        model = Part
        fields = ["part_number", "name", "description", "fits", "unit_price", "is_active"]
        extra_kwargs = {"part_number": {"validators": []}}  # checked by the service


class PartFilter(StrictFilterSet):
    is_active = StrictBooleanFilter()
    fits = StrictIntegerFilter(field_name="fits")

    class Meta:
        model = Part
        fields = ["is_active", "fits"]


@extend_schema(tags=["parts"])
@extend_schema_view(
    create=extend_schema(responses={201: PartOutput}),
    update=extend_schema(responses={200: PartOutput}),
    partial_update=extend_schema(responses={200: PartOutput}),
)
class PartViewSet(
    WriteThroughServicesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The spare parts catalogue with the stock of each part per location (staff read;
    managers and admins write)."""

    permission_classes = [StaffReadManagersWrite]
    input_serializer = PartInput
    output_serializer = PartOutput
    filterset_class = PartFilter

    def get_queryset(self):
        return selectors.part_list()

    def service_create(self, *, actor, **fields):
        return services.part_save(**fields)

    def service_update(self, actor, instance, fields):
        return services.part_save(part=instance, **fields)


class StockLocationOutput(serializers.ModelSerializer):
    engineer_name = serializers.SerializerMethodField()

    class Meta:
        model = StockLocation
        fields = ["id", "name", "kind", "engineer", "engineer_name", "is_active"]

    def get_engineer_name(self, location) -> str | None:
        return user_name(location.engineer)


@extend_schema(tags=["parts"])
class StockLocationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Where stock is kept: warehouses and engineers' vans (staff read; admins set them up)."""

    permission_classes = [IsStaffMember]
    serializer_class = StockLocationOutput
    pagination_class = None

    def get_queryset(self):
        return selectors.location_list()


class StockFilter(StrictFilterSet):
    low = StrictBooleanFilter(method="filter_low", help_text="true: at or below the low-stock level; false: above.")

    class Meta:
        model = Stock
        fields = ["part", "location", "low"]

    def filter_low(self, queryset, name, value):
        return selectors.stock_low(queryset, low=value)


class StockLevelInput(serializers.Serializer):
    low_level = StrictIntegerField(
        min_value=0, max_value=100_000, allow_null=True, help_text="null: no low-stock alert for this row."
    )


@extend_schema(tags=["parts"])
class StockViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Stock per part and location: on hand, reserved, available (staff read). ``?low=true``
    lists what is at or below its low-stock level. Stock changes only by movements; managers and
    admins set the low-stock level (PATCH)."""

    permission_classes = [StaffReadManagersWrite]
    serializer_class = StockOutput
    filterset_class = StockFilter

    def get_queryset(self):
        return selectors.stock_list()

    @extend_schema(request=StockLevelInput, responses={200: StockOutput})
    def partial_update(self, request, pk=None):
        """Set the low-stock level: the managers are told when the available pieces fall to it."""
        row = self.get_object()
        data = StockLevelInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.stock_set_low_level(
            part=row.part, location=row.location, low_level=data.validated_data["low_level"], actor=request.user
        )
        return Response(StockOutput(self.get_queryset().get(pk=row.pk)).data)
