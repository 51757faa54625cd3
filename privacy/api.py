"""API: personal data. ``GET /api/v1/me/personal-data/`` (anyone, their own ZIP);
``GET /api/v1/users/`` (admins: the users, to find an id), ``GET /api/v1/users/{id}/personal-data/``
and ``POST /api/v1/users/{id}/erase/`` (admins). docs/personal-data.md."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import IsAdmin
from privacy.services.erasure import contact_erase
from privacy.services.export import export_filename, personal_data_export_file

ZIP_RESPONSE = OpenApiResponse(
    response=OpenApiTypes.BINARY,
    description="A ZIP file: personal-data.json (every kind of row the desk holds about the person) and "
    "attachments/ (the files they uploaded). docs/personal-data.md describes its sections.",
)


class ZipDownloadView(APIView):
    """Answers the ZIP itself (a FileResponse, past the renderers); errors are JSON whatever the
    Accept header says (no content negotiation: a client asking for application/zip still reads
    why it was refused)."""

    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request, force=False):
        return (JSONRenderer(), JSONRenderer.media_type)

    def zip_of(self, user: User) -> FileResponse:
        response = FileResponse(
            personal_data_export_file(user=user, actor=self.request.user),
            as_attachment=True,
            filename=export_filename(user),
            content_type="application/zip",
        )
        response["Cache-Control"] = "no-store"
        return response


class MyPersonalDataView(ZipDownloadView):
    """Everything the desk holds about the signed-in person, as one ZIP (audited)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["privacy"], responses={(200, "application/zip"): ZIP_RESPONSE})
    def get(self, request):
        return self.zip_of(request.user)


class UserPersonalDataView(ZipDownloadView):
    """Everything the desk holds about a user, as one ZIP (admins; audited with the admin as actor)."""

    permission_classes = [IsAdmin]

    @extend_schema(tags=["privacy"], responses={(200, "application/zip"): ZIP_RESPONSE})
    def get(self, request, user_id: int):
        return self.zip_of(get_object_or_404(User, pk=user_id))


class UserSummaryOutput(serializers.ModelSerializer):
    name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name", "email", "role", "organisation", "is_active"]


class UserListView(generics.ListAPIView):
    """The users (admins): find the id of a person to export or erase. ``search`` matches the user
    name, names and email; ``role`` filters."""

    permission_classes = [IsAdmin]
    serializer_class = UserSummaryOutput
    queryset = User.objects.order_by("username", "pk")
    search_fields = ["username", "first_name", "last_name", "email"]
    filterset_fields = ["role"]
    ordering_fields = ["username", "date_joined"]

    @extend_schema(tags=["privacy"])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class UserEraseInput(serializers.Serializer):
    confirm_username = serializers.CharField(
        max_length=150,
        help_text="The user's current user name, typed again: the erasure cannot be undone.",
    )


class ErasureReportOutput(serializers.Serializer):
    user_id = serializers.IntegerField()
    username = serializers.CharField(help_text="The placeholder user name the account now has.")
    sessions_ended = serializers.IntegerField()
    tokens_revoked = serializers.IntegerField()
    devices_deleted = serializers.IntegerField(help_text="Second-factor devices deleted.")
    external_identities = serializers.IntegerField(help_text="Links to a directory entry or OpenID account deleted.")
    tickets_uncopied = serializers.IntegerField(help_text="Tickets whose CC list no longer holds the address.")
    cc_requests = serializers.IntegerField()
    emails = serializers.IntegerField(help_text="Inbound emails whose sender was replaced.")
    originals_deleted = serializers.IntegerField(help_text="Original messages of those emails deleted.")
    sign_offs = serializers.IntegerField(help_text="Inspection sign-offs now naming the placeholder.")
    audit_lines = serializers.IntegerField()
    swept = serializers.DictField(
        child=serializers.IntegerField(), help_text="Rows changed per app.model.field by the sweep of free text."
    )


class UserEraseView(APIView):
    """Erase a departed contact (admins; not undoable): the placeholder everywhere, the account
    closed, their tickets kept. 400 with the reason when refused (staff, already erased, the only
    contact of an open ticket) or when ``confirm_username`` is not the user's user name."""

    permission_classes = [IsAdmin]

    @extend_schema(tags=["privacy"], request=UserEraseInput, responses={200: ErasureReportOutput})
    def post(self, request, user_id: int):
        if not request.user.is_admin:  # pragma: no cover (the permission says it first)
            raise PermissionDenied
        user = get_object_or_404(User, pk=user_id)
        data = UserEraseInput(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["confirm_username"] != user.username:
            raise serializers.ValidationError(
                {"confirm_username": [_("Type the user name of the account to erase, exactly.")]}
            )
        try:
            report = contact_erase(user=user, actor=request.user)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"non_field_errors": error.messages}) from error
        return Response(ErasureReportOutput(report.as_dict()).data)
