"""API: /api/v1/archive/, the service archive of an organisation or a project (everything
that happened, newest first), paged. Staff read any; a customer its own organisation's
(another's is not found)."""

import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView

from core.api import site_url
from core.time import desk_zone
from customers.selectors import organisation_get, project_get
from reports import archive
from reports.api.shared import MAX_ID, empty_errors
from reports.archive_rows import detail_text, linked
from reports.filters import FIRST_DAY, LAST_DAY

KIND_CHOICES = list(archive.KINDS.items())


# --- input and output -----------------------------------------------------------------------


class _FromTo(serializers.Serializer):
    def get_fields(self):
        days = f"{FIRST_DAY:%Y-%m-%d} to {LAST_DAY:%Y-%m-%d}"
        return {
            **super().get_fields(),
            "from": serializers.DateField(required=False, help_text=f"First day, inclusive ({days})."),
            "to": serializers.DateField(required=False, help_text=f"Last day, inclusive ({days})."),
        }


class ArchiveQuery(_FromTo):
    organisation = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="The organisation's archive (or give a project)."
    )
    project = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="The project's archive (or give an organisation)."
    )
    kind = serializers.ListField(
        child=serializers.ChoiceField(choices=KIND_CHOICES),
        required=False,
        max_length=len(archive.KINDS),
        help_text="Only these kinds (repeat the parameter); default all.",
    )

    def validate(self, data: dict) -> dict:
        errors = {}
        for name in ("from", "to"):
            if name in data and not FIRST_DAY <= data[name] <= LAST_DAY:
                errors[name] = [_("A day from %(first)s to %(last)s.") % {"first": FIRST_DAY, "last": LAST_DAY}]
        if not errors and data.get("from") and data.get("to") and data["from"] > data["to"]:
            errors["to"] = [_("The range ends before it starts.")]
        if not data.get("organisation") and not data.get("project"):
            errors["non_field_errors"] = [_("Name an organisation or a project.")]
        if errors:
            raise ValidationError(errors)
        return data


class ArchiveEntryOutput(serializers.Serializer):
    at = serializers.DateTimeField(
        source="e_at", help_text="When it happened; for an all-day entry, midnight UTC of its day."
    )
    all_day = serializers.SerializerMethodField(help_text="The entry has a day, not a time (warranty periods).")
    day = serializers.SerializerMethodField(
        help_text="Its day: in the desk's time zone, or the all-day entry's own day."
    )
    kind = serializers.ChoiceField(source="e_kind", choices=KIND_CHOICES)
    kind_label = serializers.SerializerMethodField()
    id = serializers.IntegerField(source="e_id", help_text="The id of the ticket, incident, inspection, … it is.")
    reference = serializers.CharField(source="e_reference", allow_blank=True)
    title = serializers.CharField(source="e_title", allow_blank=True)
    detail = serializers.SerializerMethodField(
        help_text="Ticket: its status; incident: its grade; inspection: its kind; return visit: the satisfaction "
        "(1 to 5); patch: the release's kind; training: the format; coverage: the decision."
    )
    detail_label = serializers.SerializerMethodField(help_text="The detail in words, as the archive page shows it.")
    project = serializers.IntegerField(source="e_project")
    project_name = serializers.CharField(source="e_project_name")
    url = serializers.SerializerMethodField(help_text="Its page, when the caller may open it; else empty.")

    def get_all_day(self, entry: dict) -> bool:
        return entry["e_kind"] in archive.ALL_DAY

    def get_day(self, entry: dict) -> datetime.date:
        zone = datetime.UTC if entry["e_kind"] in archive.ALL_DAY else desk_zone()
        return timezone.localtime(entry["e_at"], zone).date()

    def get_kind_label(self, entry: dict) -> str:
        return str(archive.KINDS[entry["e_kind"]])

    def get_detail(self, entry: dict) -> str:
        return "" if entry["e_detail"] is None else str(entry["e_detail"])

    def get_detail_label(self, entry: dict) -> str:
        return detail_text(entry["e_kind"], entry["e_detail"])

    def get_url(self, entry: dict) -> str:
        return self.context["links"].get((entry["e_kind"], entry["e_id"]), "")


# --- view -----------------------------------------------------------------------------------


@extend_schema(tags=["reports"], parameters=[ArchiveQuery], responses={200: ArchiveEntryOutput(many=True)})
class ArchiveView(GenericAPIView):
    """The service archive of an organisation or a project: tickets, incidents, inspections,
    return visits, patches, trainings, warranty periods and coverage decisions, newest
    first. Name an organisation or a project (or both, the project then of that
    organisation)."""

    serializer_class = ArchiveEntryOutput
    filter_backends: list = []

    def get_queryset(self) -> QuerySet:
        params, user = self.request.query_params, self.request.user
        errors = empty_errors(params, ("organisation", "project", "kind", "from", "to"))
        if errors:
            raise ValidationError(errors)
        query = ArchiveQuery(data=params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        organisation = organisation_get(user=user, pk=data["organisation"]) if data.get("organisation") else None
        project = project_get(user=user, pk=data["project"]) if data.get("project") else None
        if organisation and project and project.organisation_id != organisation.pk:
            raise ValidationError({"project": [_("The project belongs to another organisation.")]})
        return archive.archive(
            organisation_id=organisation.pk if organisation else None,
            project_id=project.pk if project else None,
            kinds=data.get("kind", ()),
            start=data.get("from"),
            end=data.get("to"),
        )

    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        # the pages the caller may open, as the archive page links them (one query for the
        # coverage decisions' tickets and one for the notices' releases, when on the page)
        links = {(item.kind, item.id): site_url(item.url) for item in linked(page, request.user) if item.url}
        return self.get_paginated_response(ArchiveEntryOutput(page, many=True, context={"links": links}).data)
