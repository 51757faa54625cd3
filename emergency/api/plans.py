"""API: the grading matrix and the response plans (read here; administrators change them in the admin)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets

from accounts.permissions import IsStaffMember
from emergency import selectors
from emergency.models import (
    GradingRule,
    PlanResource,
    ResponsePlan,
)


class GradingRuleOutput(serializers.ModelSerializer):
    class Meta:
        model = GradingRule
        fields = ["severity", "scope", "urgency", "grade"]


class PlanResourceOutput(serializers.ModelSerializer):
    class Meta:
        model = PlanResource
        fields = ["kind", "description", "quantity", "part"]


class ResponsePlanOutput(serializers.ModelSerializer):
    resources = PlanResourceOutput(many=True, read_only=True)

    class Meta:
        model = ResponsePlan
        fields = [
            "id",
            "grade",
            "name",
            "description",
            "notify_leadership",
            "notify_technical",
            "notify_liaisons",
            "notify_managers",
            "response_minutes",
            "recovery_minutes",
            "onsite_minutes",
            "escalation_policy",
            "calendar",
            "resources",
        ]


@extend_schema(tags=["incidents"])
class GradingMatrixViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The grading matrix: severity x scope x urgency -> grade (staff)."""

    permission_classes = [IsStaffMember]
    serializer_class = GradingRuleOutput
    pagination_class = None
    queryset = GradingRule.objects.all()


@extend_schema(tags=["incidents"])
class ResponsePlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """What each grade starts (staff)."""

    permission_classes = [IsStaffMember]
    serializer_class = ResponsePlanOutput
    pagination_class = None

    def get_queryset(self):
        return selectors.plans()
