"""API: /api/v1/queue-views/, the saved views of the queue (staff only): the caller's own and
those shared with the caller's teams, each with how many tickets it holds. The tickets of a
view: /api/v1/tickets/?queue_view=<id> (or ?view=<id>)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from accounts.models import Team
from accounts.permissions import IsStaffMember
from core.api import WriteThroughServicesMixin, user_name
from core.api_input import StrictCharField, StrictIntegerField, StrictPrimaryKeyRelatedField
from tickets import queue_views, services
from tickets.models import QueueView

_SORT_CHOICES = [*queue_views.SORTS, *(f"-{key}" for key in queue_views.SORTS)]


class QueueViewOutput(serializers.ModelSerializer):
    owner_name = serializers.SerializerMethodField()
    team_name = serializers.CharField(source="team.name", read_only=True, allow_null=True, default=None)
    filters = serializers.DictField(
        help_text="statuses, priorities, organisations, projects, assignee, team, sla, categories, channels, q "
        "(docs/queue.md)."
    )
    columns = serializers.ListField(child=serializers.ChoiceField(choices=list(queue_views.COLUMNS)))
    sort = serializers.ChoiceField(choices=_SORT_CHOICES)
    count = serializers.SerializerMethodField(help_text="How many tickets the view holds now (kept up to 30 s).")
    can_change = serializers.SerializerMethodField(help_text="Whether the caller may change or delete it.")

    class Meta:
        model = QueueView
        fields = [
            "id",
            "name",
            "owner",
            "owner_name",
            "team",
            "team_name",
            "filters",
            "columns",
            "sort",
            "position",
            "count",
            "can_change",
            "created_at",
            "updated_at",
        ]

    def get_owner_name(self, view) -> str | None:
        return user_name(view.owner)

    def get_count(self, view) -> int:
        counts = self.context.get("counts")
        if counts is None or view.pk not in counts:
            counts = queue_views.view_counts([view], user=self.context["request"].user)
        return counts[view.pk]

    def get_can_change(self, view) -> bool:
        return services.queue_view_may_change(actor=self.context["request"].user, view=view)


class QueueViewInput(serializers.Serializer):
    name = StrictCharField(max_length=80)
    team = StrictPrimaryKeyRelatedField(
        queryset=Team.objects.filter(is_active=True),
        allow_null=True,
        required=False,
        help_text="Share with this team (one you are a member of); null: personal.",
    )
    filters = serializers.DictField(required=False, help_text="See docs/queue.md; checked against the known filters.")
    columns = serializers.ListField(
        child=serializers.ChoiceField(choices=list(queue_views.COLUMNS)),
        required=False,
        max_length=len(queue_views.COLUMNS),
    )
    sort = serializers.ChoiceField(choices=_SORT_CHOICES, required=False)
    position = StrictIntegerField(min_value=0, max_value=32767, required=False)


@extend_schema(tags=["tickets"])
@extend_schema_view(
    create=extend_schema(request=QueueViewInput, responses={201: QueueViewOutput}),
    update=extend_schema(request=QueueViewInput, responses={200: QueueViewOutput}),
    partial_update=extend_schema(request=QueueViewInput, responses={200: QueueViewOutput}),
)
class QueueViewViewSet(
    WriteThroughServicesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Saved views of the queue: filters, columns and a sort under a name, personal or shared with
    a team. Staff see their own and their teams' shared views; the owner changes and deletes a
    view, and a manager or admin a shared one."""

    permission_classes = [IsStaffMember]
    input_serializer = QueueViewInput
    output_serializer = QueueViewOutput
    queryset = QueueView.objects.none()  # the schema's model; get_queryset scopes

    def get_queryset(self):
        return queue_views.visible_views(user=self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        counts = queue_views.view_counts(list(page), user=request.user)
        context = {**self.get_serializer_context(), "counts": counts}
        return self.get_paginated_response(QueueViewOutput(page, many=True, context=context).data)

    def service_create(self, *, actor, **fields):
        return services.queue_view_create(actor=actor, **fields)

    def service_update(self, actor, instance, fields):
        return services.queue_view_update(actor=actor, view=instance, **fields)

    def destroy(self, request, *args, **kwargs):
        services.queue_view_delete(actor=request.user, view=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
