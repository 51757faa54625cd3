"""API: /api/v1/support-contacts/, whom a signed-in user may call: the hotline numbers, the
emergency liaisons on duty, and (staff) the customers' own liaisons per project."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from customers import selectors as customer_selectors
from emergency import rotas


class HotlineOutput(serializers.Serializer):
    label = serializers.CharField()
    number = serializers.CharField()
    hours = serializers.CharField(help_text="When it is answered, as the desk wrote it (e.g. 24 x 7).")
    organisation = serializers.IntegerField(
        source="organisation_id", allow_null=True, help_text="Empty: the desk's own number."
    )


class CoveredProjectOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DutyLiaisonOutput(serializers.Serializer):
    rota = serializers.IntegerField(source="shift.rota.pk")
    rota_name = serializers.CharField(source="shift.rota.name")
    user = serializers.IntegerField(source="shift.user.pk")
    name = serializers.CharField(source="shift.user.__str__")
    phone = serializers.CharField(source="shift.user.phone")
    until = serializers.DateTimeField(source="shift.ends_at", help_text="The next hand-over.")
    every_project = serializers.SerializerMethodField(help_text="The rota covers every project.")
    projects = serializers.SerializerMethodField(
        help_text="The projects the rota covers that the caller may see (empty when it covers every project)."
    )

    def get_every_project(self, duty) -> bool:
        return duty.projects is None

    @extend_schema_field(CoveredProjectOutput(many=True))
    def get_projects(self, duty) -> list[dict]:
        return [{"id": pk, "name": name} for pk, name in duty.projects or []]


class CustomerLiaisonOutput(serializers.Serializer):
    project = serializers.IntegerField(source="pk")
    project_name = serializers.CharField(source="name")
    organisation = serializers.IntegerField(source="organisation_id")
    organisation_name = serializers.CharField(source="organisation.name")
    user = serializers.IntegerField(source="customer_liaison.pk")
    name = serializers.CharField(source="customer_liaison.__str__")
    phone = serializers.CharField(source="customer_liaison.phone")
    email = serializers.CharField(source="customer_liaison.email")


class SupportContactsOutput(serializers.Serializer):
    hotlines = HotlineOutput(
        many=True,
        help_text="A customer: its organisation's numbers, or the desk's when it has none. Staff: the desk's.",
    )
    on_duty = DutyLiaisonOutput(
        many=True, help_text="The emergency liaisons on duty now (a customer: those covering its projects)."
    )
    customer_liaisons = CustomerLiaisonOutput(
        many=True, help_text="Staff only (empty for customers): each project's own customer emergency liaison."
    )


def _project_id(params) -> int | None:
    value = params.get("project")
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValidationError({"project": [serializers.IntegerField.default_error_messages["invalid"]]})
    return int(value)


@extend_schema(
    tags=["support"],
    responses={200: SupportContactsOutput},
    parameters=[OpenApiParameter("project", int, description="Only what concerns this project (one you may see).")],
)
class SupportContactsView(APIView):
    """Whom to call: the hotline numbers, the liaisons on emergency duty now, and for staff the
    customers' own liaisons; a customer sees its own organisation's only."""

    def get(self, request):
        user = request.user
        project_id = _project_id(request.query_params)
        if project_id is not None:
            customer_selectors.project_get(user=user, pk=project_id)  # 404 outside the caller's scope
        liaisons = (
            customer_selectors.customer_liaisons(user=user, project_id=project_id) if user.is_staff_member else []
        )
        body = {
            "hotlines": customer_selectors.hotlines_for(user=user),
            "on_duty": rotas.on_duty_for(user=user, project_id=project_id),
            "customer_liaisons": liaisons,
        }
        return Response(SupportContactsOutput(body).data)
