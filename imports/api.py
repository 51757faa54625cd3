"""/api/v1/imports/: upload a file of one kind (its preview, every row's verdict, comes back at
once), then follow the import the worker runs. Administrators only: everyone else 403."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from core.api import user_name
from imports import selectors, services
from imports.models import ImportJob

VERDICT_CHOICES = [(name, name) for name in ("new", "update", "unchanged", "error")]


class IsAdministrator(BasePermission):
    """Imports write every organisation's data at once: the admin role (or a superuser) only."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_admin)


class ImportJobInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ImportJob.Kind.choices)
    file = serializers.FileField(help_text="CSV (UTF-8 or GB18030) or XLSX, with the kind's template's columns")
    dry_run = serializers.BooleanField(
        default=False, help_text="true: only the preview (every row's verdict); false: import when no row is wrong"
    )


class ImportVerdictOutput(serializers.Serializer):
    line = serializers.IntegerField(help_text="the line of the file (the header is line 1)")
    key = serializers.CharField(help_text="the row's natural key")
    verdict = serializers.ChoiceField(choices=VERDICT_CHOICES)
    errors = serializers.ListField(child=serializers.CharField())
    changes = serializers.ListField(child=serializers.CharField(), help_text="the fields an update changes")


class ImportCountsOutput(serializers.Serializer):
    new = serializers.IntegerField()
    update = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    error = serializers.IntegerField()


class ImportJobSummaryOutput(serializers.ModelSerializer):
    created_by = serializers.SerializerMethodField()
    counts = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "file_name",
            "status",
            "rows",
            "counts",
            "progress",
            "message",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def get_created_by(self, job: ImportJob) -> str | None:
        return user_name(job.created_by)

    @extend_schema_field(ImportCountsOutput)
    def get_counts(self, job: ImportJob) -> dict:
        return {name: job.counts.get(name, 0) for name in ("new", "update", "unchanged", "error")}

    def get_progress(self, job: ImportJob) -> int:
        return services.import_job_progress(job=job)


class ImportJobOutput(ImportJobSummaryOutput):
    verdicts = ImportVerdictOutput(many=True, read_only=True, help_text="errors first, then by line")

    class Meta(ImportJobSummaryOutput.Meta):
        fields = [*ImportJobSummaryOutput.Meta.fields, "verdicts"]


class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Import jobs, newest first. Create one by uploading a file; ``start`` imports a previewed
    one. The import runs on a worker: poll the job for its ``progress`` and final ``status``."""

    permission_classes = [IsAdministrator]
    parser_classes = [MultiPartParser, JSONParser]  # the file comes as multipart/form-data
    serializer_class = ImportJobSummaryOutput

    def get_queryset(self):
        return selectors.import_job_list()

    def get_serializer_class(self):
        return ImportJobSummaryOutput if self.action == "list" else ImportJobOutput

    @extend_schema(request={"multipart/form-data": ImportJobInput}, responses={201: ImportJobOutput})
    def create(self, request):
        data = ImportJobInput(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.import_job_create(
            actor=request.user,
            kind=data.validated_data["kind"],
            upload=data.validated_data["file"],
            start=not data.validated_data["dry_run"],
        )
        return Response(ImportJobOutput(self.get_queryset().get(pk=job.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={202: ImportJobOutput})
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """Import a previewed job without errors (on a worker); starting it again does nothing."""
        job = self.get_object()
        services.import_job_start(actor=request.user, job_id=job.pk)
        return Response(ImportJobOutput(self.get_queryset().get(pk=job.pk)).data, status=status.HTTP_202_ACCEPTED)
