"""API: /api/v1/incidents/<id>/time-entries/: the time spent on an incident, with its totals.
Staff only: a customer gets 404 for another organisation's incident and 403 for their own."""

from functools import cached_property

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from core.api_input import StrictBooleanField, StrictCharField, StrictIntegerField
from core.api_totals import TimeTotalsPagination
from emergency import selectors, services
from emergency.models import Incident, IncidentTimeEntry
from tickets.models import MAX_MINUTES


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


class IncidentTimeEntryInput(serializers.Serializer):
    minutes = StrictIntegerField(help_text=f"Whole minutes, 1 to {MAX_MINUTES}.")
    worked_at = serializers.DateTimeField(required=False, help_text="When the work was done; now if left out.")
    billable = StrictBooleanField(default=False)
    note = StrictCharField(max_length=500, required=False, allow_blank=True, default="")


class IncidentTimeEntryUpdateInput(serializers.Serializer):
    minutes = StrictIntegerField(required=False, help_text=f"Whole minutes, 1 to {MAX_MINUTES}.")
    worked_at = serializers.DateTimeField(required=False)
    billable = StrictBooleanField(required=False)
    note = StrictCharField(max_length=500, required=False, allow_blank=True)


ENTRY_ID = OpenApiParameter("entry_id", int, OpenApiParameter.PATH)


@extend_schema(tags=["incidents"], parameters=[OpenApiParameter("incident_id", int, OpenApiParameter.PATH)])
class IncidentTimeEntryViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Time spent on an incident (staff): the entries, newest first, with the minutes in all,
    billable and not; record, change and delete (its author or a manager)."""

    permission_classes = [IsAuthenticated]
    serializer_class = IncidentTimeEntryOutput
    pagination_class = TimeTotalsPagination
    filter_backends: list = []  # newest first, no search: the list is one incident's
    lookup_url_kwarg = "entry_id"
    lookup_value_regex = "[0-9]+"

    @cached_property
    def incident(self) -> Incident:
        incident = selectors.incident_get(user=self.request.user, pk=self.kwargs["incident_id"])  # 404 first
        if not self.request.user.is_staff_member:
            raise PermissionDenied(_("Only staff can do this."))
        return incident

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no incident
            return IncidentTimeEntry.objects.none()
        return IncidentTimeEntry.objects.filter(incident=self.incident).select_related("engineer")

    def list(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        self.paginator.totals = queryset.totals()
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(IncidentTimeEntryOutput(page, many=True).data)

    @extend_schema(request=IncidentTimeEntryInput, responses={201: IncidentTimeEntryOutput})
    def create(self, request, *args, **kwargs):
        incident = self.incident
        data = IncidentTimeEntryInput(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.incident_time_entry_add(actor=request.user, incident_id=incident.pk, **data.validated_data)
        return Response(IncidentTimeEntryOutput(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[ENTRY_ID], request=IncidentTimeEntryUpdateInput, responses={200: IncidentTimeEntryOutput}
    )
    def partial_update(self, request, *args, **kwargs):
        entry = self.get_object()
        data = IncidentTimeEntryUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.incident_time_entry_update(
            actor=request.user, entry_id=entry.pk, incident_id=self.incident.pk, **data.validated_data
        )
        return Response(IncidentTimeEntryOutput(entry).data)

    @extend_schema(parameters=[ENTRY_ID])
    def destroy(self, request, *args, **kwargs):
        entry = self.get_object()
        services.incident_time_entry_delete(actor=request.user, entry_id=entry.pk, incident_id=self.incident.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
