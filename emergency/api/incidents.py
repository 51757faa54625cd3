"""API: /api/v1/incidents/ and the steps of the response process."""

import django_filters
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from accounts.models import User
from core.api_input import (
    ScopedPrimaryKeyField,
    StrictBooleanField,
    StrictCharField,
    StrictDateField,
    StrictPrimaryKeyRelatedField,
)
from core.filters import StrictBooleanFilter, StrictFilterSet
from core.text import validate_one_line
from emergency import presenters, selectors, services
from emergency.models import (
    Grade,
    Incident,
    IncidentDispatch,
    IncidentEntry,
    IncidentResource,
    Level,
    ReviewAction,
)
from tickets.selectors import ticket_list

STAFF = User.objects.staff()


class ResourceOutput(serializers.ModelSerializer):
    checked_by_name = serializers.SerializerMethodField()

    class Meta:
        model = IncidentResource
        fields = ["id", "kind", "description", "quantity", "checked_at", "checked_by", "checked_by_name"]

    def get_checked_by_name(self, resource) -> str | None:
        return str(resource.checked_by) if resource.checked_by_id else None


class DispatchOutput(serializers.ModelSerializer):
    engineer_name = serializers.CharField(source="engineer.__str__", read_only=True)
    arrival_breached = serializers.SerializerMethodField(
        help_text="The on-site arrival target (the plan's, from the dispatch) passed before the engineer arrived."
    )

    class Meta:
        model = IncidentDispatch
        fields = [
            "id",
            "engineer",
            "engineer_name",
            "dispatched_at",
            "expected_arrival_at",
            "arrival_due_at",
            "arrived_at",
            "arrival_breached",
            "work_done",
        ]

    def get_arrival_breached(self, dispatch) -> bool:
        state = selectors.clock_state(dispatch.arrival_due_at, dispatch.arrived_at, timezone.now())
        return state["state"] == "breached"


class ReviewActionOutput(serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.__str__", read_only=True)

    class Meta:
        model = ReviewAction
        fields = ["id", "description", "owner", "owner_name", "due_date", "done_at"]


class PersonOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")
    phone = serializers.CharField()


# a target's state, named "StateEnum" in the schema (servicedesk.settings' ENUM_NAME_OVERRIDES)
TARGET_STATES = ["none", "running", "met", "breached"]


class TargetOutput(serializers.Serializer):
    state = serializers.ChoiceField(choices=TARGET_STATES)
    due_at = serializers.DateTimeField(required=False)
    done_at = serializers.DateTimeField(required=False)


def _target(due, done) -> dict:
    state = selectors.clock_state(due, done, timezone.now())
    return {key: state[key] for key in ("state", "due_at", "done_at") if key in state}


class IncidentOutput(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)
    ticket_reference = serializers.SerializerMethodField()
    plan_name = serializers.SerializerMethodField()
    responders = PersonOutput(many=True, read_only=True)
    response_breached = serializers.SerializerMethodField(
        help_text="The response target passed before handling started (or is passing unanswered now)."
    )
    escalating = serializers.SerializerMethodField(
        help_text="The response went unanswered and nobody has acknowledged the escalation yet."
    )
    response = serializers.SerializerMethodField()
    recovery = serializers.SerializerMethodField()
    next_steps = serializers.SerializerMethodField()
    resources = ResourceOutput(many=True, read_only=True)
    dispatches = DispatchOutput(many=True, read_only=True)
    review_actions = ReviewActionOutput(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "organisation",
            "organisation_name",
            "project",
            "project_name",
            "ticket",
            "ticket_reference",
            "asset",
            "title",
            "symptoms",
            "occurred_at",
            "location",
            "scope",
            "measures_taken",
            "reporter_name",
            "reporter_phone",
            "channel",
            "reported_at",
            "status",
            "status_changed_at",
            "next_steps",
            "grade",
            "severity",
            "scope_level",
            "urgency",
            "suggested_grade",
            "grade_reason",
            "assessment",
            "plan_name",
            "responders",
            "response_due_at",
            "response_breached",
            "escalating",
            "acknowledged_at",
            "response",
            "recovery",
            "resources",
            "dispatches",
            "verified_at",
            "verification_note",
            "root_cause",
            "summary",
            "went_well",
            "to_improve",
            "review_actions",
            "closed_at",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, incident):
        data = super().to_representation(incident)
        request = self.context.get("request")
        if request is not None and not presenters.sees_internal(request.user):
            data.update(presenters.INTERNAL_FIELDS)  # the vendor's working notes: empty
        return data

    def get_ticket_reference(self, incident) -> str | None:
        return incident.ticket.reference if incident.ticket_id else None

    def get_plan_name(self, incident) -> str | None:
        return incident.plan.name if incident.plan_id else None

    def get_response_breached(self, incident) -> bool:
        return _target(incident.response_due_at, incident.responded_at)["state"] == "breached"

    def get_escalating(self, incident) -> bool:
        return selectors.escalating(incident)

    @extend_schema_field(TargetOutput)
    def get_response(self, incident) -> dict:
        return _target(incident.response_due_at, incident.responded_at)

    @extend_schema_field(TargetOutput)
    def get_recovery(self, incident) -> dict:
        return _target(incident.recovery_due_at, incident.recovered_at)

    def get_next_steps(self, incident) -> list[str]:
        return list(services.NEXT[incident.status])


class IncidentCreateInput(serializers.Serializer):
    project = ScopedPrimaryKeyField(scope=lambda user: _projects(user))
    ticket = ScopedPrimaryKeyField(
        scope=lambda user: ticket_list(user=user),
        required=False,
        allow_null=True,
        help_text="Promote this ticket: the two are linked both ways, empty fields are taken from it.",
    )
    asset = ScopedPrimaryKeyField(
        scope=lambda user: _assets(user),
        required=False,
        allow_null=True,
        help_text="The installed product the emergency is about (an asset of the project; the promoted "
        "ticket's when empty).",
    )
    title = StrictCharField(
        max_length=200, required=False, allow_blank=True, default="", validators=[validate_one_line]
    )
    symptoms = StrictCharField(required=False, allow_blank=True, default="")
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)
    location = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    scope = StrictCharField(required=False, allow_blank=True, default="", help_text="Who or what is affected.")
    measures_taken = StrictCharField(required=False, allow_blank=True, default="")
    reporter_name = StrictCharField(max_length=120, required=False, allow_blank=True, default="")
    reporter_phone = StrictCharField(max_length=40, required=False, allow_blank=True, default="")


def _projects(user):
    from customers.selectors import project_list

    return project_list(user=user).filter(is_active=True)


def _assets(user):
    from customers.selectors import asset_list

    return asset_list(user=user)


class ReviewActionInput(serializers.Serializer):
    description = StrictCharField(max_length=300)
    owner = StrictPrimaryKeyRelatedField(queryset=STAFF)
    due_date = StrictDateField()


class TransitionInput(serializers.Serializer):
    """``to`` and the data of that step; fields of other steps are ignored."""

    to = serializers.ChoiceField(choices=Incident.Status.choices)
    note = StrictCharField(required=False, allow_blank=True, help_text="Any step: a note for the timeline.")
    public = StrictBooleanField(required=False, default=False, help_text="The note is shown to the customer.")
    grade = serializers.ChoiceField(choices=Grade.choices, required=False, help_text="assessed: required.")
    severity = serializers.ChoiceField(choices=Level.choices, required=False)
    scope_level = serializers.ChoiceField(choices=Level.choices, required=False)
    urgency = serializers.ChoiceField(choices=Level.choices, required=False)
    grade_reason = StrictCharField(
        required=False, allow_blank=True, help_text="assessed: required when the grade differs from the matrix's."
    )
    assessment = StrictCharField(required=False, allow_blank=True, help_text="assessed: the first assessment.")
    responders = StrictPrimaryKeyRelatedField(
        queryset=STAFF, many=True, required=False, help_text="plan_activated: the people assigned."
    )
    engineer = StrictPrimaryKeyRelatedField(queryset=STAFF, required=False, help_text="onsite: who goes.")
    expected_arrival_at = serializers.DateTimeField(required=False, allow_null=True, help_text="onsite.")
    verification_note = StrictCharField(
        required=False, allow_blank=True, help_text="verified by staff: who at the customer confirmed, and how."
    )
    root_cause = StrictCharField(required=False, allow_blank=True, help_text="reviewed: required.")
    summary = StrictCharField(required=False, allow_blank=True, help_text="reviewed: required.")
    went_well = StrictCharField(required=False, allow_blank=True, help_text="reviewed.")
    to_improve = StrictCharField(required=False, allow_blank=True, help_text="reviewed.")
    actions = ReviewActionInput(many=True, required=False, help_text="reviewed: improvement actions.")


class RegradeInput(serializers.Serializer):
    grade = serializers.ChoiceField(choices=Grade.choices)
    grade_reason = StrictCharField()
    severity = serializers.ChoiceField(choices=Level.choices, required=False)
    scope_level = serializers.ChoiceField(choices=Level.choices, required=False)
    urgency = serializers.ChoiceField(choices=Level.choices, required=False)


class EntryInput(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[(IncidentEntry.Kind.NOTE, "note"), (IncidentEntry.Kind.ACTION, "action")], default="note"
    )
    text = StrictCharField()
    public = StrictBooleanField(required=False, default=False)


class EntryOutput(serializers.Serializer):
    """An entry as the reader may see it (``emergency.presenters``): to a customer, no working
    notes in ``data`` and the vendor's people as the service desk."""

    id = serializers.IntegerField(source="pk")
    created_at = serializers.DateTimeField()
    actor = serializers.IntegerField(source="actor_id", allow_null=True)
    actor_name = serializers.CharField(allow_null=True)
    kind = serializers.ChoiceField(choices=IncidentEntry.Kind.choices)
    public = serializers.BooleanField()
    text = serializers.CharField()
    detail = serializers.CharField(help_text="What the entry's data says, in words of the reader's language.")
    data = serializers.DictField()

    def to_representation(self, entry):
        return super().to_representation(presenters.entry_view(entry, self.context["request"].user))


class IncidentAssignInput(serializers.Serializer):
    people = StrictPrimaryKeyRelatedField(queryset=STAFF, many=True)


class ResourceCheckInput(serializers.Serializer):
    checked = StrictBooleanField(default=True)


class IncidentArriveInput(serializers.Serializer):
    work_done = StrictCharField(required=False, allow_blank=True, default="")


class IncidentFilter(StrictFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Incident.Status.choices)
    grade = django_filters.MultipleChoiceFilter(choices=Grade.choices)
    open = StrictBooleanFilter(method="filter_open")

    class Meta:
        model = Incident
        fields = ["status", "grade", "project", "organisation", "open"]

    def filter_open(self, queryset, name, value):
        closed = Incident.Status.CLOSED
        return queryset.exclude(status=closed) if value else queryset.filter(status=closed)


@extend_schema(tags=["incidents"])
class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Emergency incidents. Staff see all and run the response process; customers report and
    follow their organisation's incidents (public timeline entries only) and confirm recovery."""

    serializer_class = IncidentOutput
    filterset_class = IncidentFilter
    search_fields = ["reference", "title"]
    ordering_fields = ["reported_at", "status_changed_at"]
    ordering = ["-reported_at"]

    def get_queryset(self):
        return selectors.incident_list(user=self.request.user).prefetch_related(
            "resources__checked_by", "dispatches__engineer", "review_actions__owner"
        )

    def _answer(self, incident, code=status.HTTP_200_OK):
        incident = self.get_queryset().get(pk=incident.pk)
        return Response(IncidentOutput(incident, context=self.get_serializer_context()).data, status=code)

    def _input(self, serializer_class):
        data = serializer_class(data=self.request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return dict(data.validated_data)

    @extend_schema(request=IncidentCreateInput, responses={201: IncidentOutput})
    def create(self, request):
        """Record an incident (status ``reported``); the three emergency groups are told at once."""
        fields = self._input(IncidentCreateInput)
        incident = services.incident_create(actor=request.user, **fields)
        return self._answer(incident, status.HTTP_201_CREATED)

    @extend_schema(request=TransitionInput, responses={200: IncidentOutput})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move to the next step of the response process; a step out of order is a 400."""
        incident = self.get_object()
        fields = self._input(TransitionInput)
        if "actions" in fields:
            fields["actions"] = [dict(a) for a in fields["actions"]]
        services.incident_transition(incident_id=incident.pk, actor=request.user, **fields)
        return self._answer(incident)

    @extend_schema(
        responses={200: EntryOutput(many=True)},
        parameters=[OpenApiParameter("after", int, description="Only entries after this entry id.")],
    )
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        """Every step, grade, note and action in order, with its actor (customers: the public ones)."""
        incident = self.get_object()
        after = request.query_params.get("after")
        if after is not None and not after.isdigit():
            raise ValidationError({"after": [_("A whole number.")]})
        entries = selectors.timeline(incident=incident, user=request.user, after=int(after) if after else None)
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(EntryOutput(page, many=True, context={"request": request}).data)

    @extend_schema(request=EntryInput, responses={201: EntryOutput})
    @action(detail=True, methods=["post"])
    def log(self, request, pk=None):
        """Add a note or an action taken to the timeline (staff)."""
        incident = self.get_object()
        entry = services.incident_log(incident_id=incident.pk, actor=request.user, **self._input(EntryInput))
        return Response(EntryOutput(entry, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RegradeInput, responses={200: IncidentOutput})
    @action(detail=True, methods=["post"])
    def grade(self, request, pk=None):
        """Re-grade before closure, with a reason; an active plan follows the new grade."""
        incident = self.get_object()
        services.incident_regrade(incident_id=incident.pk, actor=request.user, **self._input(RegradeInput))
        return self._answer(incident)

    @extend_schema(request=IncidentAssignInput, responses={200: IncidentOutput})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        incident = self.get_object()
        services.incident_assign(incident_id=incident.pk, actor=request.user, **self._input(IncidentAssignInput))
        return self._answer(incident)

    @extend_schema(request=ResourceCheckInput, responses={200: ResourceOutput})
    @action(detail=True, methods=["post"], url_path=r"resources/(?P<resource_id>[0-9]+)/check", url_name="check")
    def check_resource(self, request, pk=None, resource_id=None):
        """Check a plan resource off as in place (``"checked": false`` undoes it)."""
        incident = self.get_object()
        resource = services.resource_check(
            incident_id=incident.pk, resource_id=int(resource_id), actor=request.user, **self._input(ResourceCheckInput)
        )
        return Response(ResourceOutput(resource).data)

    @extend_schema(request=None, responses={200: IncidentOutput})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Take the escalation of an unanswered incident (staff): no further steps are taken."""
        incident = self.get_object()
        services.incident_acknowledge(incident_id=incident.pk, actor=request.user)
        return self._answer(incident)

    @extend_schema(request=IncidentArriveInput, responses={200: DispatchOutput})
    @action(detail=True, methods=["post"])
    def arrive(self, request, pk=None):
        """The dispatched engineer is on site."""
        incident = self.get_object()
        dispatch = services.incident_arrive(
            incident_id=incident.pk, actor=request.user, **self._input(IncidentArriveInput)
        )
        return Response(DispatchOutput(dispatch).data)
