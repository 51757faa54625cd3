"""API: /api/v1/incidents/, /api/v1/risks/, /api/v1/rotas/, /api/v1/on-duty/,
/api/v1/response-plans/ and /api/v1/grading-matrix/."""

import datetime

import django_filters
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import IsStaffMember, ReadAnyWriteStaff, StaffReadManagersWrite
from core.api import WriteThroughServicesMixin
from core.api_input import (
    InputSerializer,
    ScopedPrimaryKeyField,
    StrictBooleanField,
    StrictCharField,
    StrictDateField,
    StrictPrimaryKeyRelatedField,
)
from core.filters import StrictBooleanFilter, StrictFilterSet
from emergency import presenters, rotas, selectors, services
from emergency.models import (
    Grade,
    GradingRule,
    Incident,
    IncidentDispatch,
    IncidentEntry,
    IncidentResource,
    Level,
    PlanResource,
    ResponsePlan,
    ReviewAction,
    Risk,
    Rota,
)
from tickets.selectors import ticket_list

STAFF = User.objects.staff()


# --- incidents ----------------------------------------------------------------------------


class ResourceOutput(serializers.ModelSerializer):
    checked_by_name = serializers.SerializerMethodField()

    class Meta:
        model = IncidentResource
        fields = ["id", "kind", "description", "quantity", "checked_at", "checked_by", "checked_by_name"]

    def get_checked_by_name(self, resource) -> str | None:
        return str(resource.checked_by) if resource.checked_by_id else None


class DispatchOutput(serializers.ModelSerializer):
    engineer_name = serializers.CharField(source="engineer.__str__", read_only=True)

    class Meta:
        model = IncidentDispatch
        fields = ["id", "engineer", "engineer_name", "dispatched_at", "expected_arrival_at", "arrived_at", "work_done"]


class ReviewActionOutput(serializers.ModelSerializer):
    owner_name = serializers.CharField(source="owner.__str__", read_only=True)

    class Meta:
        model = ReviewAction
        fields = ["id", "description", "owner", "owner_name", "due_date", "done_at"]


class PersonOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")
    phone = serializers.CharField()


class TargetOutput(serializers.Serializer):
    state = serializers.ChoiceField(choices=["none", "running", "met", "breached"])
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
    title = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
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

    @extend_schema(request=IncidentArriveInput, responses={200: DispatchOutput})
    @action(detail=True, methods=["post"])
    def arrive(self, request, pk=None):
        """The dispatched engineer is on site."""
        incident = self.get_object()
        dispatch = services.incident_arrive(
            incident_id=incident.pk, actor=request.user, **self._input(IncidentArriveInput)
        )
        return Response(DispatchOutput(dispatch).data)


# --- grading and plans (read here; administrators change them in the admin) --------------


class GradingRuleOutput(serializers.ModelSerializer):
    class Meta:
        model = GradingRule
        fields = ["severity", "scope", "urgency", "grade"]


class PlanResourceOutput(serializers.ModelSerializer):
    class Meta:
        model = PlanResource
        fields = ["kind", "description", "quantity"]


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


# --- risks --------------------------------------------------------------------------------


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


# --- the rota -----------------------------------------------------------------------------


class ShiftOutput(serializers.Serializer):
    rota = serializers.IntegerField(source="rota.pk")
    rota_name = serializers.CharField(source="rota.name")
    user = serializers.IntegerField(source="user.pk")
    name = serializers.CharField(source="user.__str__")
    phone = serializers.CharField(source="user.phone")
    email = serializers.CharField(source="user.email")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    override = serializers.SerializerMethodField()

    def get_override(self, shift) -> bool:
        return shift.override is not None


@extend_schema_field({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "09:00"})
class HandoverField(serializers.TimeField):
    """A wall-clock time "HH:MM" in the rota's time zone (not an RFC 3339 time: no seconds, no offset)."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)


class RotaSerializer(InputSerializer):
    members = StrictPrimaryKeyRelatedField(queryset=STAFF, many=True, help_text="The people in turn order (user ids).")
    handover = HandoverField(help_text='"HH:MM" in the rota\'s time zone')
    feed_url = serializers.SerializerMethodField(help_text="The rota's iCalendar feed, for calendar clients.")

    class Meta:
        model = Rota
        fields = [
            "id",
            "name",
            "description",
            "timezone",
            "handover",
            "shift_days",
            "starts_on",
            "is_active",
            "members",
            "feed_url",
        ]
        read_only_fields = ["id"]
        extra_kwargs = {"name": {"validators": []}}

    def to_representation(self, rota):
        data = super().to_representation(rota)
        data["members"] = [m.user_id for m in rota.members.all()]
        return data

    def get_feed_url(self, rota) -> str:
        return rotas.feed_url("rota", rota.pk)


class OverrideInput(serializers.Serializer):
    user = StrictPrimaryKeyRelatedField(queryset=STAFF)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    reason = StrictCharField(max_length=200, required=False, allow_blank=True, default="")


@extend_schema(tags=["rotas"])
@extend_schema_view(
    create=extend_schema(responses={201: RotaSerializer}),
    update=extend_schema(responses={200: RotaSerializer}),
    partial_update=extend_schema(responses={200: RotaSerializer}),
)
class RotaViewSet(
    WriteThroughServicesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """7x24 liaison rotas: staff read, managers change them and add overrides."""

    permission_classes = [StaffReadManagersWrite]
    input_serializer = RotaSerializer
    output_serializer = RotaSerializer
    pagination_class = None

    def get_queryset(self):
        return Rota.objects.prefetch_related("members")

    def service_create(self, *, actor, **fields):
        return rotas.rota_save(**fields)

    def service_update(self, actor, instance, fields):
        return rotas.rota_save(rota=instance, **fields)

    @extend_schema(
        responses={200: ShiftOutput(many=True)},
        parameters=[
            OpenApiParameter("from", datetime.datetime, description="Default: now."),
            OpenApiParameter("days", int, description="1 to 366 (default 28)."),
        ],
    )
    @action(detail=True, methods=["get"])
    def shifts(self, request, pk=None):
        """Who is on duty when, overrides applied."""
        rota = self.get_object()
        start, days = _window(request.query_params)
        shifts = rotas.rota_shifts(rota, start, start + datetime.timedelta(days=days))
        return Response(ShiftOutput(shifts, many=True).data)

    @extend_schema(request=OverrideInput, responses={201: ShiftOutput(many=True)})
    @action(detail=True, methods=["post"])
    def overrides(self, request, pk=None):
        """Someone covers the rota for a while (leave, a swap); answers the shifts it changes."""
        rota = self.get_object()
        data = OverrideInput(data=request.data)
        data.is_valid(raise_exception=True)
        override = rotas.override_add(rota=rota, actor=request.user, **data.validated_data)
        shifts = rotas.rota_shifts(rota, override.starts_at, override.ends_at)
        return Response(ShiftOutput(shifts, many=True).data, status=status.HTTP_201_CREATED)


def _window(params) -> tuple[datetime.datetime, int]:
    errors = {}
    start = timezone.now()
    if "from" in params:  # present but empty is a mistake, not "now"
        parsed = serializers.DateTimeField()
        try:
            start = parsed.to_internal_value(params["from"])
        except serializers.ValidationError as error:
            errors["from"] = error.detail
        else:
            if not rotas.FIRST_YEAR <= start.year <= rotas.LAST_YEAR:
                errors["from"] = [
                    _("A moment between the years %(first)s and %(last)s.")
                    % {"first": rotas.FIRST_YEAR, "last": rotas.LAST_YEAR}
                ]
    days = params.get("days", "28")
    if not days.isdigit() or not 1 <= int(days) <= 366:
        errors["days"] = [_("A whole number from 1 to %(maximum)d.") % {"maximum": 366}]
    if errors:
        raise ValidationError(errors)
    return start, int(days)


@extend_schema(tags=["rotas"], responses={200: ShiftOutput(many=True)})
class OnDutyView(APIView):
    """Who is on duty now on each active rota, until when, and how to reach them (staff)."""

    permission_classes = [IsStaffMember]

    def get(self, request):
        return Response(ShiftOutput(rotas.on_duty(), many=True).data)
