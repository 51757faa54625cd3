"""API: /api/v1/risks/, the risk register of each project."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets

from accounts.permissions import ReadAnyWriteStaff
from core.api import WriteThroughServicesMixin
from core.api_input import (
    InputSerializer,
    StrictPrimaryKeyRelatedField,
)
from core.filters import StrictFilterSet
from emergency import selectors, services
from emergency.api.incidents import STAFF
from emergency.models import (
    Risk,
)


class RiskSerializer(InputSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    owner = StrictPrimaryKeyRelatedField(queryset=STAFF, required=False, allow_null=True)
    owner_name = serializers.SerializerMethodField()
    score = serializers.IntegerField(read_only=True, help_text="likelihood x impact, 1 to 25")
    level = serializers.CharField(read_only=True)

    class Meta:
        model = Risk
        fields = [
            "id",
            "project",
            "project_name",
            "category",
            "title",
            "description",
            "likelihood",
            "impact",
            "score",
            "level",
            "mitigation",
            "owner",
            "owner_name",
            "review_date",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_owner_name(self, risk) -> str | None:
        return str(risk.owner) if risk.owner_id else None


class RiskFilter(StrictFilterSet):
    class Meta:
        model = Risk
        fields = ["project", "category", "status"]


@extend_schema(tags=["risks"])
class RiskViewSet(
    WriteThroughServicesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The risk register per delivered project. Customers read their organisation's; staff
    write. Nothing is deleted: set ``status`` to closed."""

    permission_classes = [ReadAnyWriteStaff]
    input_serializer = RiskSerializer
    output_serializer = RiskSerializer
    filterset_class = RiskFilter
    ordering_fields = ["review_date", "created_at"]

    def get_queryset(self):
        return selectors.risk_list(user=self.request.user)

    def service_create(self, *, actor, **fields):
        return services.risk_save(actor=actor, **fields)

    def service_update(self, actor, instance, fields):
        return services.risk_save(actor=actor, risk=instance, **fields)
