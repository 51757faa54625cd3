"""API: /api/v1/incidents/<id>/time-entries/: the time spent on an incident, with its totals.
Staff only: a customer gets 404 for another organisation's incident and 403 for their own. The
list, input and rules are the tickets' (``tickets.api.time.TimeEntryViewSetBase``)."""

from functools import cached_property

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied

from emergency import selectors, services
from emergency.models import Incident, IncidentTimeEntry
from tickets.api.time import ENTRY_ID, TimeEntryInput, TimeEntryUpdateInput, TimeEntryViewSetBase


class IncidentTimeEntryOutput(serializers.ModelSerializer):
    engineer_name = serializers.CharField(source="engineer.__str__", read_only=True)

    class Meta:
        model = IncidentTimeEntry
        fields = [
            "id",
            "incident",
            "engineer",
            "engineer_name",
            "minutes",
            "worked_at",
            "billable",
            "note",
            "created_at",
        ]


@extend_schema(tags=["incidents"], parameters=[OpenApiParameter("incident_id", int, OpenApiParameter.PATH)])
class IncidentTimeEntryViewSet(TimeEntryViewSetBase):
    """Time spent on an incident (staff): the entries, newest first, with the minutes in all,
    billable and not; record, change and delete (its author or a manager)."""

    model = IncidentTimeEntry
    output = IncidentTimeEntryOutput

    @cached_property
    def subject(self) -> Incident:
        incident = selectors.incident_get(user=self.request.user, pk=self.kwargs["incident_id"])  # 404 first
        if not self.request.user.is_staff_member:
            raise PermissionDenied(_("Only staff can do this."))
        return incident

    def entries(self):
        return IncidentTimeEntry.objects.filter(incident=self.subject)

    def add(self, data: dict) -> IncidentTimeEntry:
        return services.incident_time_entry_add(actor=self.request.user, incident_id=self.subject.pk, **data)

    def change(self, entry: IncidentTimeEntry, data: dict) -> IncidentTimeEntry:
        return services.incident_time_entry_update(
            actor=self.request.user, entry_id=entry.pk, incident_id=self.subject.pk, **data
        )

    def remove(self, entry: IncidentTimeEntry) -> None:
        services.incident_time_entry_delete(actor=self.request.user, entry_id=entry.pk, incident_id=self.subject.pk)

    @extend_schema(request=TimeEntryInput, responses={201: IncidentTimeEntryOutput})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(parameters=[ENTRY_ID], request=TimeEntryUpdateInput, responses={200: IncidentTimeEntryOutput})
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)
