"""API: /api/v1/tickets/<id>/time-entries/: the time spent on a ticket, with its totals. Staff
only: a customer gets 404 for another organisation's ticket and 403 for their own.

Emergency's incident time (``/api/v1/incidents/<id>/time-entries/``) subclasses
``TimeEntryViewSetBase`` and takes the same input (an extension point, pyproject.toml)."""

from functools import cached_property

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api_input import StrictBooleanField, StrictCharField, StrictIntegerField
from core.api_totals import TimeTotalsPagination
from tickets import selectors, services
from tickets.models import MAX_MINUTES, Ticket, TimeEntry, TimeEntryBase


class TimeEntryOutput(serializers.ModelSerializer):
    engineer_name = serializers.CharField(source="engineer.__str__", read_only=True)

    class Meta:
        model = TimeEntry
        fields = ["id", "ticket", "engineer", "engineer_name", "minutes", "worked_at", "billable", "note", "created_at"]


class TimeEntryInput(serializers.Serializer):
    minutes = StrictIntegerField(help_text=f"Whole minutes, 1 to {MAX_MINUTES}.")
    worked_at = serializers.DateTimeField(required=False, help_text="When the work was done; now if left out.")
    billable = StrictBooleanField(default=False)
    note = StrictCharField(max_length=500, required=False, allow_blank=True, default="")


class TimeEntryUpdateInput(serializers.Serializer):
    minutes = StrictIntegerField(required=False, help_text=f"Whole minutes, 1 to {MAX_MINUTES}.")
    worked_at = serializers.DateTimeField(required=False)
    billable = StrictBooleanField(required=False)
    note = StrictCharField(max_length=500, required=False, allow_blank=True)


def require_staff(user) -> None:
    if not user.is_staff_member:
        raise PermissionDenied(_("Only staff can do this."))


ENTRY_ID = OpenApiParameter("entry_id", int, OpenApiParameter.PATH)


class TimeEntryViewSetBase(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """The time spent on one subject (a ticket here, an incident in emergency), staff only: the
    entries newest first with the totals of the whole list; record, change and delete through
    the subject's services. A subclass names the subject and its services."""

    permission_classes = [IsAuthenticated]
    pagination_class = TimeTotalsPagination
    filter_backends: list = []  # newest first, no search: the list is one subject's
    lookup_url_kwarg = "entry_id"
    lookup_value_regex = "[0-9]+"
    model: type[TimeEntryBase]
    output: type[serializers.ModelSerializer]

    @cached_property
    def subject(self):
        """The ticket or incident the user may see (404 first), then 403 for a customer."""
        raise NotImplementedError

    def entries(self):
        raise NotImplementedError

    def add(self, data: dict) -> TimeEntryBase:
        raise NotImplementedError

    def change(self, entry: TimeEntryBase, data: dict) -> TimeEntryBase:
        raise NotImplementedError

    def remove(self, entry: TimeEntryBase) -> None:
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no subject
            return self.model.objects.none()
        return self.entries().select_related("engineer")

    def get_serializer_class(self):
        return self.output

    def list(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        self.paginator.totals = queryset.totals()
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.output(page, many=True).data)

    def create(self, request, *args, **kwargs):
        self.subject  # noqa: B018 (404, then 403, before the input is read)
        data = TimeEntryInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(self.output(self.add(data.validated_data)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        entry = self.get_object()
        data = TimeEntryUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(self.output(self.change(entry, data.validated_data)).data)

    @extend_schema(parameters=[ENTRY_ID])
    def destroy(self, request, *args, **kwargs):
        self.remove(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["tickets"], parameters=[OpenApiParameter("ticket_id", int, OpenApiParameter.PATH)])
class TicketTimeEntryViewSet(TimeEntryViewSetBase):
    """Time spent on a ticket (staff): the entries, newest first, with the minutes in all,
    billable and not; record, change (author or manager) and delete (author or manager).
    Billable time on a ticket that is not covered becomes billable labour."""

    model = TimeEntry
    output = TimeEntryOutput

    @cached_property
    def subject(self) -> Ticket:
        ticket = selectors.ticket_get(user=self.request.user, pk=self.kwargs["ticket_id"])  # 404 first
        require_staff(self.request.user)
        return ticket

    def entries(self):
        return TimeEntry.objects.filter(ticket=self.subject)

    def add(self, data: dict) -> TimeEntry:
        return services.time_entry_add(actor=self.request.user, ticket_id=self.subject.pk, **data)

    def change(self, entry: TimeEntry, data: dict) -> TimeEntry:
        return services.time_entry_update(actor=self.request.user, entry_id=entry.pk, ticket_id=self.subject.pk, **data)

    def remove(self, entry: TimeEntry) -> None:
        services.time_entry_delete(actor=self.request.user, entry_id=entry.pk, ticket_id=self.subject.pk)

    @extend_schema(request=TimeEntryInput, responses={201: TimeEntryOutput})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(parameters=[ENTRY_ID], request=TimeEntryUpdateInput, responses={200: TimeEntryOutput})
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)
