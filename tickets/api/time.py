"""API: /api/v1/tickets/<id>/time-entries/: the time spent on a ticket, with its totals. Staff
only: a customer gets 404 for another organisation's ticket and 403 for their own."""

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
from tickets.models import MAX_MINUTES, Ticket, TimeEntry


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


@extend_schema(tags=["tickets"], parameters=[OpenApiParameter("ticket_id", int, OpenApiParameter.PATH)])
class TicketTimeEntryViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Time spent on a ticket (staff): the entries, newest first, with the minutes in all,
    billable and not; record, change (author or manager) and delete (author or manager).
    Billable time on a ticket that is not covered becomes billable labour."""

    permission_classes = [IsAuthenticated]
    serializer_class = TimeEntryOutput
    pagination_class = TimeTotalsPagination
    filter_backends: list = []  # newest first, no search: the list is one ticket's
    lookup_url_kwarg = "entry_id"
    lookup_value_regex = "[0-9]+"

    @cached_property
    def ticket(self) -> Ticket:
        ticket = selectors.ticket_get(user=self.request.user, pk=self.kwargs["ticket_id"])  # 404 first
        require_staff(self.request.user)
        return ticket

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no ticket
            return TimeEntry.objects.none()
        return TimeEntry.objects.filter(ticket=self.ticket).select_related("engineer")

    def list(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        self.paginator.totals = queryset.totals()
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(TimeEntryOutput(page, many=True).data)

    @extend_schema(request=TimeEntryInput, responses={201: TimeEntryOutput})
    def create(self, request, *args, **kwargs):
        ticket = self.ticket
        data = TimeEntryInput(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.time_entry_add(actor=request.user, ticket_id=ticket.pk, **data.validated_data)
        return Response(TimeEntryOutput(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[ENTRY_ID], request=TimeEntryUpdateInput, responses={200: TimeEntryOutput})
    def partial_update(self, request, *args, **kwargs):
        entry = self.get_object()
        data = TimeEntryUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.time_entry_update(
            actor=request.user, entry_id=entry.pk, ticket_id=self.ticket.pk, **data.validated_data
        )
        return Response(TimeEntryOutput(entry).data)

    @extend_schema(parameters=[ENTRY_ID])
    def destroy(self, request, *args, **kwargs):
        entry = self.get_object()
        services.time_entry_delete(actor=request.user, entry_id=entry.pk, ticket_id=self.ticket.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
