"""API: /api/v1/products/, /api/v1/releases/ (publish) and /api/v1/upgrade-notices/ (track)."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.permissions import ReadAnyWriteManagers, ReadAnyWriteStaff, StaffReadManagersWrite
from core.api import WriteThroughServicesMixin, user_name
from core.api_input import (
    InputSerializer,
    StrictCharField,
    StrictDateField,
)
from core.filters import StrictBooleanFilter, StrictFilterSet
from maintenance import selectors, services
from maintenance.api.shared import (
    TRACK_STATUSES,
)
from maintenance.models import (
    Product,
    Release,
    UpgradeNotice,
)

# --- products, releases and upgrade notices -----------------------------------------------


class ProductOutput(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "name", "description", "created_at", "updated_at"]


class ProductInput(InputSerializer):
    class Meta:
        model = Product
        fields = ["name", "description"]
        extra_kwargs = {"name": {"validators": []}}  # checked by the service, with the object in hand


@extend_schema(tags=["releases"])
@extend_schema_view(
    create=extend_schema(responses={201: ProductOutput}),
    update=extend_schema(responses={200: ProductOutput}),
    partial_update=extend_schema(responses={200: ProductOutput}),
)
class ProductViewSet(
    WriteThroughServicesMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The products the vendor ships (staff read; managers and admins write). A project runs a
    product when one of its installed products has the same name."""

    permission_classes = [StaffReadManagersWrite]
    input_serializer = ProductInput
    output_serializer = ProductOutput
    pagination_class = None

    def get_queryset(self):
        return Product.objects.all()

    def service_create(self, *, actor, **fields):
        return services.product_save(**fields)

    def service_update(self, actor, instance, fields):
        return services.product_save(product=instance, **fields)


class UpgradeNoticeOutput(serializers.ModelSerializer):
    product_name = serializers.CharField(source="release.product.name", read_only=True)
    version = serializers.CharField(source="release.version", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)
    installed_product_name = serializers.CharField(source="installed_product.name", read_only=True)
    serial_number = serializers.CharField(source="installed_product.serial_number", read_only=True)
    done_by_name = serializers.SerializerMethodField()

    class Meta:
        model = UpgradeNotice
        fields = [
            "id",
            "release",
            "product_name",
            "version",
            "project",
            "project_name",
            "installed_product",
            "installed_product_name",
            "serial_number",
            "from_version",
            "decision",
            "reason",
            "status",
            "planned_for",
            "done_at",
            "done_by",
            "done_by_name",
            "notes",
            "created_at",
            "updated_at",
        ]

    def get_done_by_name(self, notice) -> str | None:
        return user_name(notice.done_by) if notice.done_by_id else None


class ReleaseOutput(serializers.ModelSerializer):
    product_name = serializers.CharField(source="product.name", read_only=True)
    notices = UpgradeNoticeOutput(
        many=True, read_only=True, help_text="Where the release went (customers: their own projects only)."
    )

    class Meta:
        model = Release
        fields = [
            "id",
            "product",
            "product_name",
            "version",
            "released_on",
            "kind",
            "security_advisory",
            "notes",
            "published_at",
            "notices",
            "created_at",
            "updated_at",
        ]


class ReleaseInput(InputSerializer):
    class Meta:
        model = Release
        fields = ["product", "version", "released_on", "kind", "security_advisory", "notes"]
        validators: list = []  # (product, version) is checked by the service


class PublishOutput(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many notices this call made.")
    notices = UpgradeNoticeOutput(many=True, help_text="Every notice of the release.")


class ReleaseFilter(StrictFilterSet):
    security_advisory = StrictBooleanFilter()
    published = StrictBooleanFilter(field_name="published_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Release
        fields = ["product", "kind", "security_advisory", "published"]


@extend_schema(tags=["releases"])
class ReleaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Releases of the products (version, date, kind, security advisory, notes). Staff read
    every release; a customer those that reached its projects, with only its own notices.
    Managers and admins record and publish them."""

    permission_classes = [ReadAnyWriteManagers]
    serializer_class = ReleaseOutput
    filterset_class = ReleaseFilter
    ordering_fields = ["released_on"]

    def get_queryset(self):
        return selectors.release_list(user=self.request.user)

    @extend_schema(request=ReleaseInput, responses={201: ReleaseOutput})
    def create(self, request):
        """Record a release; it reaches nobody until it is published."""
        data = ReleaseInput(data=request.data)
        data.is_valid(raise_exception=True)
        release = services.release_save(**data.validated_data)
        release = self.get_queryset().get(pk=release.pk)
        return Response(ReleaseOutput(release).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: PublishOutput})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Send the release to every active project that runs its product at another version,
        each with the free/paid decision of the warranty or contract in force today. Publishing
        again reaches only the installations it has not reached."""
        release = self.get_object()
        count = services.release_publish(release_id=release.pk, actor=request.user)
        release = self.get_queryset().get(pk=release.pk)
        return Response(PublishOutput({"count": count, "notices": release.notices.all()}).data)


class NoticeTrackInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=TRACK_STATUSES, help_text="done and declined are final.")
    planned_for = StrictDateField(required=False, allow_null=True, help_text="planned: required.")
    notes = StrictCharField(required=False, allow_blank=True)


class NoticeFilter(StrictFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=UpgradeNotice.Status.choices)

    class Meta:
        model = UpgradeNotice
        fields = ["status", "decision", "release", "project"]


@extend_schema(tags=["releases"])
class UpgradeNoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A release reaching one installed product of a project, the free/paid decision and the
    upgrade's progress. Customers read their organisation's; staff track the upgrade."""

    permission_classes = [ReadAnyWriteStaff]
    serializer_class = UpgradeNoticeOutput
    filterset_class = NoticeFilter

    def get_queryset(self):
        return selectors.notice_list(user=self.request.user).select_related("done_by")

    @extend_schema(request=NoticeTrackInput, responses={200: UpgradeNoticeOutput})
    @action(detail=True, methods=["post"])
    def track(self, request, pk=None):
        """Planned (for a date), done (the project now runs the release) or declined."""
        notice = self.get_object()
        data = NoticeTrackInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.notice_update(notice_id=notice.pk, actor=request.user, **data.validated_data)
        notice = self.get_queryset().get(pk=notice.pk)
        return Response(UpgradeNoticeOutput(notice).data)
