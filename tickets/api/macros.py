"""API: /api/v1/macros/ (canned replies, staff only), their preview for a ticket, and
POST /api/v1/tickets/<id>/apply-macro/."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Team, User
from accounts.permissions import IsStaffMember
from core.api import WriteThroughServicesMixin, user_name
from core.api_input import InputSerializer, ScopedPrimaryKeyField, StrictCharField, StrictPrimaryKeyRelatedField
from tickets import selectors
from tickets.api.tickets import TicketOutput
from tickets.macro_text import PLACEHOLDERS
from tickets.models import Macro
from tickets.services import macros as services

PLACEHOLDER_HELP = "Placeholders: " + ", ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS) + "."


class MacroOutput(serializers.ModelSerializer):
    owner_name = serializers.SerializerMethodField()
    team_name = serializers.SerializerMethodField()
    assignee_name = serializers.SerializerMethodField()
    can_change = serializers.SerializerMethodField(help_text="Whether the caller may change or delete it.")

    class Meta:
        model = Macro
        fields = [
            "id",
            "name",
            "body_en",
            "body_zh_hans",
            "scope",
            "owner",
            "owner_name",
            "team",
            "team_name",
            "public",
            "set_status",
            "set_priority",
            "assignment",
            "assignee",
            "assignee_name",
            "is_active",
            "can_change",
            "created_at",
            "updated_at",
        ]

    def get_owner_name(self, macro) -> str | None:
        return user_name(macro.owner)

    def get_team_name(self, macro) -> str | None:
        return macro.team.name if macro.team_id else None

    def get_assignee_name(self, macro) -> str | None:
        return user_name(macro.assignee)

    def get_can_change(self, macro) -> bool:
        request = self.context["request"]
        if "team_ids" not in self.context:
            self.context["team_ids"] = services.my_team_ids(user=request.user)
        return services.macro_may_change(actor=request.user, macro=macro, team_ids=self.context["team_ids"])


class MacroInput(InputSerializer):
    team = StrictPrimaryKeyRelatedField(
        queryset=Team.objects.filter(is_active=True), required=False, allow_null=True, help_text="For scope team."
    )
    assignee = StrictPrimaryKeyRelatedField(
        queryset=User.objects.staff(),
        required=False,
        allow_null=True,
        help_text="For assignment user: the engineer the ticket is assigned to.",
    )

    class Meta:
        model = Macro
        fields = list(services.FIELDS)
        extra_kwargs = {
            "body_en": {"help_text": "The text for English readers. " + PLACEHOLDER_HELP},
            "body_zh_hans": {"help_text": "The text for Chinese readers. " + PLACEHOLDER_HELP},
            "scope": {"help_text": "personal: yours alone; team: a team's; desk: everyone's (managers and admins)."},
        }


class MacroPreviewOutput(serializers.Serializer):
    macro = serializers.IntegerField()
    ticket = serializers.IntegerField()
    language = serializers.CharField(help_text="The language of the text: the ticket reporter's, when it has one.")
    public = serializers.BooleanField(help_text="false: the text goes as an internal note.")
    text = serializers.CharField(help_text="The text as it would be sent, placeholders filled for the reader.")
    actions = serializers.ListField(
        child=serializers.CharField(), help_text="What applying it does, in the caller's language."
    )


class MacroApplyInput(serializers.Serializer):
    macro = ScopedPrimaryKeyField(
        scope=services.macro_list, help_text="A macro the caller may use (see GET /api/v1/macros/)."
    )
    body = StrictCharField(
        required=False,
        max_length=20000,
        trim_whitespace=False,
        help_text="The text to send instead of the macro's (the preview, edited); sent as written.",
    )


@extend_schema(tags=["macros"])
@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("q", str, description="Words to find in the name or either text.")]
    ),
    create=extend_schema(responses={201: MacroOutput}),
    update=extend_schema(responses={200: MacroOutput}),
    partial_update=extend_schema(responses={200: MacroOutput}),
)
class MacroViewSet(
    WriteThroughServicesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Macros (canned replies) the caller may use: their own personal ones, their teams' and the
    desk's (managers and admins: every team's). A personal macro is changed by its owner, a team
    macro by the team's members, managers and admins, a desk-wide one by managers and admins.
    Staff only."""

    permission_classes = [IsStaffMember]
    input_serializer = MacroInput
    output_serializer = MacroOutput

    def get_queryset(self):
        return services.macro_list(user=self.request.user, q=self.request.query_params.get("q", ""))

    def check_object_permissions(self, request, obj):
        super().check_object_permissions(request, obj)
        changing = self.action in {"update", "partial_update", "destroy"}
        if changing and not services.macro_may_change(actor=request.user, macro=obj):
            self.permission_denied(request, message=_("You may not change this macro."))

    def service_create(self, *, actor, **fields):
        return services.macro_save(actor=actor, **fields)

    def service_update(self, actor, instance, fields):
        return services.macro_save(actor=actor, macro=instance, **fields)

    def perform_destroy(self, instance):
        services.macro_delete(actor=self.request.user, macro=instance)

    @extend_schema(
        parameters=[OpenApiParameter("ticket", int, required=True, description="The ticket to preview it on.")],
        responses={200: MacroPreviewOutput},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def preview(self, request, pk=None):
        """The macro's text as the ticket's reader would get it (their language and time zone),
        and what applying it would do."""
        macro = self.get_object()
        raw = request.query_params.get("ticket", "")
        if not raw.isdigit():
            raise serializers.ValidationError({"ticket": [_("A ticket's id is required.")]})
        ticket = get_object_or_404(selectors.ticket_list(user=request.user), pk=int(raw))
        rendered = services.macro_preview(actor=request.user, macro=macro, ticket=ticket)
        data = {
            "macro": macro.pk,
            "ticket": ticket.pk,
            "language": rendered.language,
            "public": rendered.public,
            "text": rendered.text,
            "actions": rendered.actions,
        }
        return Response(MacroPreviewOutput(data).data)


class TicketApplyMacroView(APIView):
    """POST /api/v1/tickets/<id>/apply-macro/ (staff)."""

    permission_classes = [IsStaffMember]

    @extend_schema(tags=["tickets"], request=MacroApplyInput, responses={200: TicketOutput})
    def post(self, request, ticket_id: int):
        """Apply a macro: its text as a reply or note (in the reader's language), and its status,
        priority and assignment, in one step; a step the ticket refuses (a status it cannot move
        to) changes nothing. Answers the ticket as GET /api/v1/tickets/<id>/ does."""
        ticket = get_object_or_404(selectors.ticket_list(user=request.user), pk=ticket_id)
        data = MacroApplyInput(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        services.macro_apply(
            actor=request.user, ticket=ticket, macro=data.validated_data["macro"], body=data.validated_data.get("body")
        )
        ticket = selectors.ticket_list(user=request.user).get(pk=ticket.pk)
        return Response(TicketOutput(ticket, context={"request": request, "view": self}).data)
