"""API: /api/v1/trainings/, the training plans of delivered projects and their topics."""

from decimal import Decimal

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from accounts.permissions import ReadAnyWriteStaff
from core.api import WriteThroughServicesMixin
from core.api_input import (
    InputSerializer,
    ScopedPrimaryKeyField,
    StrictCharField,
    StrictDecimalField,
    StrictIntegerField,
)
from core.filters import StrictBooleanFilter, StrictFilterSet
from training import selectors, services
from training.api.shared import projects
from training.models import Topic, TrainingPlan


class TopicOutput(serializers.ModelSerializer):
    hours = serializers.DecimalField(max_digits=4, decimal_places=1, coerce_to_string=False, read_only=True)

    class Meta:
        model = Topic
        fields = ["id", "kind", "title", "description", "hours", "position"]


class PlanOutput(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    topics = TopicOutput(many=True, read_only=True, help_text="In their order.")

    class Meta:
        model = TrainingPlan
        fields = [
            "id",
            "project",
            "project_name",
            "title",
            "audience",
            "notes",
            "is_active",
            "topics",
            "created_at",
            "updated_at",
        ]


class TopicInput(serializers.Serializer):
    id = StrictIntegerField(
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        help_text="A topic of this plan, to keep it (what is left out stays as it is); leave it out for a new topic.",
    )
    kind = serializers.ChoiceField(choices=Topic.Kind.choices, required=False, help_text="A new topic: custom.")
    title = StrictCharField(max_length=200, required=False, help_text="Required for a new topic.")
    description = StrictCharField(required=False, allow_blank=True)
    hours = StrictDecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=Decimal(0),
        max_value=Decimal(100),
        coerce_to_string=False,
        required=False,
        help_text="At most one decimal; a new topic: 1.",
    )


class PlanInput(InputSerializer):
    project = ScopedPrimaryKeyField(scope=projects)
    topics = TopicInput(
        many=True,
        required=False,
        max_length=100,
        help_text="Replaces the plan's topics, in this order (topics left out are removed); "
        "leave it out to keep them as they are.",
    )

    class Meta:
        model = TrainingPlan
        fields = ["project", "title", "audience", "notes", "is_active", "topics"]

    def validate_topics(self, topics: list[dict]) -> list[dict]:
        # a new topic needs its title (a PATCH would skip a nested required field anyway)
        if any("title" not in topic and "id" not in topic for topic in topics):
            raise serializers.ValidationError(_("Give each new topic a title."))
        ids = [topic["id"] for topic in topics if "id" in topic]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError(_("Give each topic once."))
        return topics


class PlanFilter(StrictFilterSet):
    is_active = StrictBooleanFilter()

    class Meta:
        model = TrainingPlan
        fields = ["project", "is_active"]


@extend_schema(tags=["training"])
@extend_schema_view(
    create=extend_schema(responses={201: PlanOutput}),
    update=extend_schema(responses={200: PlanOutput}),
    partial_update=extend_schema(responses={200: PlanOutput}),
)
class TrainingPlanViewSet(
    WriteThroughServicesMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Training plans of delivered projects: what the customer's people are to learn, as a
    list of topics (system principles, operation, troubleshooting, daily maintenance, custom).
    Customers read their organisation's; staff write them."""

    permission_classes = [ReadAnyWriteStaff]
    input_serializer = PlanInput
    output_serializer = PlanOutput
    filterset_class = PlanFilter
    ordering_fields = ["title", "created_at"]

    def get_queryset(self):
        return selectors.plan_list(user=self.request.user)

    def service_create(self, *, actor, **fields):
        return services.plan_save(actor=actor, **fields)

    def service_update(self, actor, instance, fields):
        return services.plan_save(actor=actor, plan=instance, **fields)
