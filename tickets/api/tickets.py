"""API: /api/v1/tickets/ and their actions."""

import django_filters
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Team, User
from core.api_input import (
    InputSerializer,
    ScopedPrimaryKeyField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictPrimaryKeyRelatedField,
)
from core.filters import StrictBooleanFilter, StrictFilterSet, StrictIntegerFilter
from core.representation import RepresentationPlanned
from core.serializer_cache import FieldsBuiltOnce
from core.text import validate_one_line
from customers import selectors as customer_selectors
from customers.models import Organisation, Project
from tickets import escalation, queue_views, selectors, services, sla
from tickets.api.cycles import CycleOutput, LogCallInput
from tickets.models import (
    Comment,
    OnsiteVisit,
    Priority,
    Ticket,
)
from tickets.sla_history import sla_history


class ClockOutput(RepresentationPlanned, serializers.Serializer):
    due_at = serializers.DateTimeField()
    breached = serializers.BooleanField()
    paused = serializers.BooleanField()
    stopped_at = serializers.DateTimeField(allow_null=True)
    remaining_seconds = serializers.IntegerField(
        help_text="Until due (negative: overdue); frozen while paused or stopped."
    )
    escalating = serializers.BooleanField(help_text="Breached, its escalation chain started and not acknowledged.")
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    cycle = serializers.IntegerField(help_text="The SLA cycle of the clock's current run.")
    breaches = serializers.IntegerField(
        help_text="How many times this target was breached on the ticket, earlier update intervals and cycles included."
    )
    cancelled = serializers.BooleanField(help_text="Stopped by a merge: neither met nor breached; not in the reports.")


class VisitOutput(serializers.ModelSerializer):
    engineer_name = serializers.CharField(source="engineer.__str__", read_only=True)

    class Meta:
        model = OnsiteVisit
        fields = [
            "id",
            "engineer",
            "engineer_name",
            "dispatched_at",
            "departed_at",
            "expected_arrival_at",
            "arrived_at",
            "left_site_at",
            "work_done",
        ]


SENDER_VERIFIED_HELP = (
    "Read-only. null: not filed from an email; true: filed from an email whose sender the receiving server "
    "authenticated (MAIL_AUTHSERV_ID); false: the sender was not verified (anyone could have written that From "
    "address)."
)


class TicketOutput(FieldsBuiltOnce, serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)
    reporter_name = serializers.CharField(source="reporter.__str__", read_only=True)
    assignee_name = serializers.SerializerMethodField()
    sla = serializers.SerializerMethodField()
    cycle = serializers.SerializerMethodField()
    cc = serializers.ListField(
        child=serializers.CharField(),
        help_text="Email addresses that receive the public replies, besides the reporter.",
    )

    class Meta:
        model = Ticket
        fields = [
            "id",
            "reference",
            "organisation",
            "organisation_name",
            "project",
            "project_name",
            "asset",
            "reporter",
            "reporter_name",
            "channel",
            "category",
            "priority",
            "status",
            "title",
            "description",
            "occurred_at",
            "location",
            "impact",
            "measures_taken",
            "received_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "assignee",
            "assignee_name",
            "team",
            "next_due_at",
            "rating",
            "rating_comment",
            "cc",
            "sender_verified",
            "merged_into",
            "sla",
            "cycle",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"sender_verified": {"help_text": SENDER_VERIFIED_HELP}}

    def get_assignee_name(self, ticket) -> str | None:
        return str(ticket.assignee) if ticket.assignee_id else None

    @staticmethod
    def _clocks(ticket):
        clocks = getattr(ticket, "started_clocks", None)  # a new ticket's, as ticket_create wrote them
        return ticket.clocks.all() if clocks is None else clocks

    @extend_schema_field(
        serializers.IntegerField(
            help_text="The ticket's SLA cycle: 1, and one more each time it is reopened (see sla-history)."
        )
    )
    def get_cycle(self, ticket) -> int:
        return sla.cycle_of(self._clocks(ticket))

    @extend_schema_field(
        serializers.DictField(
            child=ClockOutput(),
            help_text="One entry per metric: first_response, resolution, onsite_arrival, update.",
        )
    )
    def get_sla(self, ticket) -> dict:
        now = self.context.get("now") or timezone.now()
        clocks = self._clocks(ticket)
        # one clock serializer for every clock of the list: making one per clock (its fields
        # copied each time) cost more than the rest of the ticket's fields together
        output = self.__dict__.get("_clock_output")
        if output is None:
            output = self._clock_output = ClockOutput()
        return {clock.metric: output.to_representation(sla.clock_state(clock, now)) for clock in clocks}


class TicketListOutput(RepresentationPlanned, TicketOutput):
    # The list's TicketOutput: the same fields and values, each read through a plan made once
    # per page (core.representation). No docstring: the schema names TicketOutput.
    pass


class CCField(serializers.ListField):
    """A CC list: email addresses, at most ``MAX_CC`` (the service checks and normalises them)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Email addresses that receive the public replies, besides the reporter.")
        super().__init__(child=StrictCharField(max_length=254), max_length=services.MAX_CC, **kwargs)


class TicketCreateInput(FieldsBuiltOnce, InputSerializer):
    project = StrictPrimaryKeyRelatedField(queryset=Project.objects.select_related("organisation"))
    reporter = StrictPrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, help_text="Staff only: who reported it."
    )
    received_at = serializers.DateTimeField(
        required=False, help_text="Staff only: when the report reached us (not in the future)."
    )
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)
    cc = CCField(required=False)
    asset = ScopedPrimaryKeyField(
        scope=customer_selectors.asset_list,
        required=False,
        allow_null=True,
        help_text="The installed product the fault is about (an asset of the project; find it by "
        "GET /api/v1/assets/?serial=).",
    )

    class Meta:
        model = Ticket
        fields = [
            "project",
            "asset",
            "title",
            "description",
            "priority",
            "category",
            "channel",
            "occurred_at",
            "location",
            "impact",
            "measures_taken",
            "received_at",
            "reporter",
            "cc",
        ]
        extra_kwargs = {"channel": {"required": False}, "title": {"validators": [validate_one_line]}}


class TicketCCInput(serializers.Serializer):
    cc = CCField(help_text="The whole CC list (empty: nobody besides the reporter).")


class TicketUpdateInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Ticket.Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)


class CommentInput(serializers.Serializer):
    body = StrictCharField()
    public = StrictBooleanField(default=True, help_text="false: an internal note (staff only).")
    time_minutes = StrictIntegerField(
        required=False, help_text="Staff: the time spent, whole minutes from 1 to 1440, recorded with the reply."
    )
    billable = StrictBooleanField(default=False, help_text="Staff: whether that time is billable.")


class CommentOutput(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.__str__", read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "author", "author_name", "body", "public", "sender_verified", "created_at"]
        extra_kwargs = {"sender_verified": {"help_text": SENDER_VERIFIED_HELP.replace("filed", "added")}}


class AssignInput(serializers.Serializer):
    assignee = StrictPrimaryKeyRelatedField(queryset=User.objects.all(), allow_null=True)
    team = StrictPrimaryKeyRelatedField(queryset=Team.objects.all(), allow_null=True, required=False)


class DispatchInput(serializers.Serializer):
    engineer = StrictPrimaryKeyRelatedField(queryset=User.objects.all())
    expected_arrival_at = serializers.DateTimeField(required=False, allow_null=True)
    departed_at = serializers.DateTimeField(required=False, allow_null=True)


class ArriveInput(serializers.Serializer):
    arrived_at = serializers.DateTimeField(required=False, help_text="Default: now.")


class TicketFilter(StrictFilterSet):
    # one IN (...) rather than OR-ed equalities: the planner then proves the queue's partial index
    status = django_filters.MultipleChoiceFilter(choices=Ticket.Status.choices, method="filter_in")
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices, method="filter_in")
    assignee = django_filters.ModelChoiceFilter(queryset=User.objects.staff())
    organisation = django_filters.ModelChoiceFilter(queryset=Organisation.objects.all())
    project = django_filters.ModelChoiceFilter(queryset=Project.objects.all())
    breached = StrictBooleanFilter(method="filter_breached")
    due_before = django_filters.IsoDateTimeFilter(field_name="next_due_at", lookup_expr="lt")
    view = django_filters.CharFilter(method="filter_view", help_text=queue_views.VIEW_HELP)
    queue_view = StrictIntegerFilter(method="filter_view", help_text=queue_views.QUEUE_VIEW_HELP)

    class Meta:
        model = Ticket
        fields = ["status", "priority", "assignee", "organisation", "project", "breached", "due_before"]

    def filter_view(self, queryset, name, value):
        ordered = "ordering" in self.request.query_params  # an explicit ?ordering= wins over the view's sort
        asked = "status" in self.request.query_params
        user, key = self.request.user, str(value)
        return queue_views.api_filter(queryset, user=user, key=key, name=name, ordered=ordered, statuses_asked=asked)

    def filter_in(self, queryset, name, value):
        return queryset.filter(**{f"{name}__in": value}) if value else queryset

    def filter_breached(self, queryset, name, value):
        clocks = selectors.breached_clocks().filter(ticket=OuterRef("pk"))
        return queryset.filter(Exists(clocks)) if value else queryset.exclude(Exists(clocks))


@extend_schema(tags=["tickets"])
class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tickets (fault reports) with their SLA clocks. Customers see and file their organisation's
    tickets; staff see all. The list is ordered by the nearest due moment."""

    filterset_class = TicketFilter
    serializer_class = TicketOutput
    search_fields = ["reference", "title"]
    ordering_fields = ["next_due_at", "received_at", "priority", "updated_at"]

    def get_queryset(self):
        queryset = selectors.ticket_list(user=self.request.user)
        if "ordering" not in self.request.query_params:
            queryset = selectors.queue_order(queryset)
        return queryset

    def list(self, request, *args, **kwargs):
        # the page as a deferred join (selectors.PagedByIds), its clocks read at one moment
        related = ("organisation", "project", "reporter", "assignee")  # the names shown; the team by id
        queryset = selectors.listed(self.filter_queryset(self.get_queryset()), related=related)
        page = self.paginate_queryset(selectors.PagedByIds(queryset))
        context = {**self.get_serializer_context(), "now": timezone.now()}
        return self.get_paginated_response(TicketListOutput(page, many=True, context=context).data)

    def _answer(self, ticket, code=status.HTTP_200_OK):
        ticket = self.get_queryset().get(pk=ticket.pk)
        return Response(TicketOutput(ticket, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        request=TicketCreateInput,
        responses={201: TicketOutput},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Any unique string (e.g. a UUID). Sending the same key again returns the ticket the "
                "first request created instead of filing a second one: retry safely after a timeout.",
            )
        ],
    )
    def create(self, request):
        data = TicketCreateInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        project = fields.pop("project")
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 100:
            raise serializers.ValidationError({"Idempotency-Key": [_("At most 100 characters.")]})
        ticket = services.ticket_create(actor=request.user, project=project, request_key=key or None, **fields)
        if not hasattr(ticket, "started_clocks"):
            return self._answer(ticket, status.HTTP_201_CREATED)  # a repeated key: the ticket as it is now
        # a new ticket, as written, with the clocks it started: answered without reading it back
        ticket.organisation = project.organisation
        answer = TicketOutput(ticket, context=self.get_serializer_context()).data
        return Response(answer, status=status.HTTP_201_CREATED)

    @extend_schema(request=TicketUpdateInput, responses={200: TicketOutput})
    def partial_update(self, request, pk=None):
        ticket = self.get_object()
        data = TicketUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.ticket_update(ticket_id=ticket.pk, actor=request.user, **data.validated_data)
        return self._answer(ticket)

    @extend_schema(methods=["GET"], responses={200: CommentOutput(many=True)})
    @extend_schema(methods=["POST"], request=CommentInput, responses={201: CommentOutput})
    @action(detail=True, methods=["get", "post"])
    def comments(self, request, pk=None):
        """Replies (and, for staff, internal notes) of the ticket; POST adds one."""
        ticket = self.get_object()
        if request.method == "GET":
            comments = ticket.comments.select_related("author").order_by("created_at", "pk")
            if request.user.is_customer:
                comments = comments.filter(public=True)
            page = self.paginate_queryset(comments)
            return self.get_paginated_response(CommentOutput(page, many=True).data)
        data = CommentInput(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.comment_add_with_time(ticket_id=ticket.pk, actor=request.user, **data.validated_data)
        return Response(CommentOutput(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AssignInput, responses={200: TicketOutput})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        ticket = self.get_object()
        data = AssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.ticket_assign(ticket_id=ticket.pk, actor=request.user, **data.validated_data)
        return self._answer(ticket)

    @extend_schema(request=DispatchInput, responses={201: VisitOutput})
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_engineer(self, request, pk=None):  # not "dispatch": that is the view's own method
        """Send an engineer on site: starts the on-site arrival clock."""
        ticket = self.get_object()
        data = DispatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        visit = services.ticket_dispatch(ticket_id=ticket.pk, actor=request.user, **data.validated_data)
        return Response(VisitOutput(visit).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ArriveInput, responses={200: VisitOutput})
    @action(detail=True, methods=["post"])
    def arrive(self, request, pk=None):
        """The engineer arrived on site: stops the on-site arrival clock."""
        ticket = self.get_object()
        data = ArriveInput(data=request.data)
        data.is_valid(raise_exception=True)
        visit = services.ticket_arrive(ticket_id=ticket.pk, actor=request.user, **data.validated_data)
        return Response(VisitOutput(visit).data)

    @extend_schema(request=TicketCCInput, responses={200: TicketOutput})
    @action(detail=True, methods=["post"])
    def cc(self, request, pk=None):
        """Replace the CC list: who else gets the public replies by email (staff, or a contact
        of the ticket's organisation)."""
        ticket = self.get_object()
        data = TicketCCInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.ticket_set_cc(ticket_id=ticket.pk, actor=request.user, cc=data.validated_data["cc"])
        return self._answer(ticket)

    @extend_schema(request=None, responses={200: TicketOutput})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """Take the escalation: its chain stops; the history says who and when (staff)."""
        ticket = self.get_object()
        escalation.ticket_acknowledge(ticket_id=ticket.pk, actor=request.user)
        return self._answer(ticket)

    @extend_schema(responses={200: CycleOutput(many=True)})
    @action(detail=True, methods=["get"], url_path="sla-history", url_name="sla-history", pagination_class=None)
    def sla_history(self, request, pk=None):
        """The ticket's SLA cycles, the first first: reopening a resolved ticket starts a new one.
        Each with the outcome of every metric (met, breached, how many breaches)."""
        ticket = self.get_object()
        clocks = list(ticket.clocks.select_related("calendar"))
        return Response(CycleOutput(sla_history(ticket, clocks=clocks), many=True).data)

    @extend_schema(request=LogCallInput, responses={201: CommentOutput})
    @action(detail=True, methods=["post"], url_path="log-call", url_name="log-call")
    def log_call(self, request, pk=None):
        """Log a call with the customer (staff): a public reply marked as a call, not mailed. It
        meets the first response and restarts the update target."""
        ticket = self.get_object()
        data = LogCallInput(data=request.data)
        data.is_valid(raise_exception=True)
        comment = services.ticket_log_call(ticket_id=ticket.pk, actor=request.user, **data.validated_data)
        return Response(CommentOutput(comment).data, status=status.HTTP_201_CREATED)
