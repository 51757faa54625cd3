"""API: /api/v1/review-actions/, the improvement actions of post-incident reviews (staff)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.permissions import IsStaffMember
from core.api_input import StrictCharField, StrictDateField, StrictPrimaryKeyRelatedField
from core.filters import StrictBooleanFilter, StrictFilterSet
from core.time import desk_today
from emergency import selectors, services
from emergency.api.incidents import STAFF
from emergency.models import Incident, ReviewAction


class ReviewActionDetailOutput(serializers.ModelSerializer):
    incident_reference = serializers.CharField(source="incident.reference", read_only=True)
    owner_name = serializers.CharField(source="owner.__str__", read_only=True)
    done = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField(help_text="Open after its due date.")

    class Meta:
        model = ReviewAction
        fields = [
            "id",
            "incident",
            "incident_reference",
            "description",
            "owner",
            "owner_name",
            "due_date",
            "done",
            "done_at",
            "overdue",
            "reminded_at",
            "overdue_reported_at",
        ]

    def get_done(self, review_action) -> bool:
        return review_action.done_at is not None

    def get_overdue(self, review_action) -> bool:
        return review_action.done_at is None and review_action.due_date < desk_today()


class ReviewActionCreateInput(serializers.Serializer):
    incident = StrictPrimaryKeyRelatedField(queryset=Incident.objects.all())
    description = StrictCharField(max_length=300)
    owner = StrictPrimaryKeyRelatedField(queryset=STAFF)
    due_date = StrictDateField()


class ReviewActionUpdateInput(serializers.Serializer):
    description = StrictCharField(max_length=300, required=False)
    owner = StrictPrimaryKeyRelatedField(queryset=STAFF, required=False)
    due_date = StrictDateField(required=False)


class ReviewActionFilter(StrictFilterSet):
    open = StrictBooleanFilter(method="filter_open", help_text="true: not done yet; false: done.")
    overdue = StrictBooleanFilter(method="filter_overdue", help_text="true: open after its due date.")

    class Meta:
        model = ReviewAction
        fields = ["incident", "owner", "open", "overdue"]

    def filter_open(self, queryset, name, value):
        return queryset.filter(done_at__isnull=value)

    def filter_overdue(self, queryset, name, value):
        late = {"done_at__isnull": True, "due_date__lt": desk_today()}
        return queryset.filter(**late) if value else queryset.exclude(**late)


@extend_schema(tags=["incidents"])
class ReviewActionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Improvement actions from post-incident reviews, with their owner, due date and done
    state (staff only). Each change is a line on the incident's timeline; owners are reminded
    before the due date and the managers told when one is overdue."""

    permission_classes = [IsStaffMember]
    serializer_class = ReviewActionDetailOutput
    filterset_class = ReviewActionFilter
    ordering_fields = ["due_date", "done_at"]

    def get_queryset(self):
        return selectors.review_action_list(user=self.request.user)

    def _answer(self, review_action: ReviewAction, code: int = status.HTTP_200_OK) -> Response:
        review_action = self.get_queryset().get(pk=review_action.pk)
        return Response(ReviewActionDetailOutput(review_action).data, status=code)

    def _input(self, serializer_class: type[serializers.Serializer]) -> dict:
        data = serializer_class(data=self.request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    @extend_schema(request=ReviewActionCreateInput, responses={201: ReviewActionDetailOutput})
    def create(self, request):
        """Add an action to a reviewed (or closed) incident."""
        fields = self._input(ReviewActionCreateInput)
        incident = fields.pop("incident")
        created = services.review_action_create(incident_id=incident.pk, actor=request.user, **fields)
        return self._answer(created, status.HTTP_201_CREATED)

    @extend_schema(request=ReviewActionUpdateInput, responses={200: ReviewActionDetailOutput})
    def partial_update(self, request, pk=None):
        """Change the description, owner or due date of an open action."""
        current = self.get_object()
        fields = {
            "description": current.description,
            "owner": current.owner,
            "due_date": current.due_date,
            **self._input(ReviewActionUpdateInput),
        }
        services.review_action_update(action_id=current.pk, actor=request.user, **fields)
        return self._answer(current)

    @extend_schema(request=None, responses={200: ReviewActionDetailOutput})
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        """Mark the action done."""
        current = self.get_object()
        services.review_action_done(action_id=current.pk, actor=request.user)
        return self._answer(current)

    @extend_schema(request=None, responses={200: ReviewActionDetailOutput})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Undo "done": the action is open again."""
        current = self.get_object()
        services.review_action_reopen(action_id=current.pk, actor=request.user)
        return self._answer(current)
