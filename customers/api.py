"""API: /api/v1/organisations/ and /api/v1/projects/.

Everyone signed in reads within their scope (customers: their own organisation; another
organisation's object is a 404); managers and admins create and change. Nothing is deleted
through the API: set ``is_active`` to false instead.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from accounts.models import User
from accounts.permissions import ReadAnyWriteManagers
from core.api import WriteThroughServicesMixin
from core.api_input import InputSerializer, StrictPrimaryKeyRelatedField
from core.filters import StrictBooleanFilter, StrictFilterSet
from customers import selectors, services
from customers.models import InstalledProduct, Organisation, Project


class OrganisationOutput(serializers.ModelSerializer):
    project_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "code",
            "address",
            "phone",
            "email",
            "notes",
            "is_active",
            "project_count",
            "created_at",
            "updated_at",
        ]


class OrganisationInput(InputSerializer):
    class Meta:
        model = Organisation
        fields = ["name", "code", "address", "phone", "email", "notes", "is_active"]
        # Uniqueness is checked by the service (full_clean), once, with the object in hand.
        extra_kwargs = {"name": {"validators": []}, "code": {"validators": []}}


class InstalledProductSerializer(InputSerializer):
    """A product of the project: an asset (``/api/v1/assets/<id>/``), its id read-only."""

    class Meta:
        model = InstalledProduct
        fields = [
            "id",
            "name",
            "version",
            "serial_number",
            "quantity",
            "location",
            "installed_on",
            "accepted_on",
            "notes",
        ]
        read_only_fields = ["id"]


class ProjectOutput(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    customer_liaison_name = serializers.SerializerMethodField()
    products = InstalledProductSerializer(many=True, read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "code",
            "name",
            "description",
            "site_address",
            "final_acceptance_date",
            "customer_liaison",
            "customer_liaison_name",
            "sla_policy",
            "emergency_response_minutes",
            "products",
            "is_active",
            "created_at",
            "updated_at",
        ]

    def get_customer_liaison_name(self, project: Project) -> str | None:
        return str(project.customer_liaison) if project.customer_liaison_id else None


class ProjectInput(InputSerializer):
    organisation = StrictPrimaryKeyRelatedField(queryset=Organisation.objects.all())
    customer_liaison = StrictPrimaryKeyRelatedField(
        queryset=User.objects.filter(role=User.Role.CUSTOMER), allow_null=True, required=False
    )
    products = InstalledProductSerializer(many=True, required=False)

    class Meta:
        model = Project
        fields = [
            "organisation",
            "code",
            "name",
            "description",
            "site_address",
            "final_acceptance_date",
            "customer_liaison",
            "sla_policy",
            "emergency_response_minutes",
            "products",
            "is_active",
        ]
        extra_kwargs = {"code": {"validators": []}}
        validators: list = []


class OrganisationFilter(StrictFilterSet):
    is_active = StrictBooleanFilter()

    class Meta:
        model = Organisation
        fields = ["is_active", "code"]


class ProjectFilter(StrictFilterSet):
    is_active = StrictBooleanFilter()

    class Meta:
        model = Project
        fields = ["organisation", "is_active", "code"]


@extend_schema(tags=["organisations"])
@extend_schema_view(
    create=extend_schema(responses={201: OrganisationOutput}),
    update=extend_schema(responses={200: OrganisationOutput}),
    partial_update=extend_schema(responses={200: OrganisationOutput}),
)
class OrganisationViewSet(
    WriteThroughServicesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Customer organisations. Customers see their own; managers and admins create and change."""

    permission_classes = [ReadAnyWriteManagers]
    input_serializer = OrganisationInput
    output_serializer = OrganisationOutput
    filterset_class = OrganisationFilter
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code", "created_at"]
    ordering = ["name"]

    def get_queryset(self):
        return selectors.organisation_list(user=self.request.user)

    def service_create(self, *, actor, **fields):
        return services.organisation_create(actor=actor, **fields)

    def service_update(self, actor, instance, fields):
        return services.organisation_update(actor=actor, organisation=instance, **fields)


@extend_schema(tags=["projects"])
@extend_schema_view(
    create=extend_schema(responses={201: ProjectOutput}),
    update=extend_schema(responses={200: ProjectOutput}),
    partial_update=extend_schema(responses={200: ProjectOutput}),
)
class ProjectViewSet(
    WriteThroughServicesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Delivered projects with their products. Customers see their organisation's projects;
    managers and admins create and change them (``products``, when sent, replaces the list)."""

    permission_classes = [ReadAnyWriteManagers]
    input_serializer = ProjectInput
    output_serializer = ProjectOutput
    filterset_class = ProjectFilter
    search_fields = ["name", "code", "organisation__name"]
    ordering_fields = ["name", "code", "final_acceptance_date", "created_at"]
    ordering = ["organisation__name", "name"]

    def get_queryset(self):
        return selectors.project_list(user=self.request.user)

    def service_create(self, *, actor, **fields):
        return services.project_create(actor=actor, **fields)

    def service_update(self, actor, instance, fields):
        return services.project_update(actor=actor, project=instance, **fields)
